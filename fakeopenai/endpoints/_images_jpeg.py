"""Two tiny encoders: baseline JPEG for images of flat 8×8 blocks, and single-colour lossless WebP.

A flat block has only a DC coefficient, so the JPEG encoder writes one DC
difference and an end-of-block per block: a real, decodable baseline JPEG
(4:4:4, quality ≈ 100 for flat blocks) without any DCT. The WebP is a VP8L
image whose five prefix codes each hold one symbol: every pixel is that colour
and costs no bits at all.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from itertools import groupby

RGB = Sequence[int]

_DC_BITS = (0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0)
_DC_VALUES = tuple(range(12))
_AC_BITS = (1,) + (0,) * 15
_AC_VALUES = (0x00,)  # end-of-block, the only AC symbol a flat block needs


def _huffman_codes(bits: Sequence[int], values: Sequence[int]) -> dict[int, str]:
    codes: dict[int, str] = {}
    code, index = 0, 0
    for length, count in enumerate(bits, start=1):
        for _ in range(count):
            codes[values[index]] = format(code, f"0{length}b")
            code += 1
            index += 1
        code <<= 1
    return codes


_DC_CODES = _huffman_codes(_DC_BITS, _DC_VALUES)
_EOB = _huffman_codes(_AC_BITS, _AC_VALUES)[0]


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def _ycbcr(rgb: RGB) -> tuple[int, int, int]:
    r, g, b = rgb[0], rgb[1], rgb[2]
    y = 0.299 * r + 0.587 * g + 0.114 * b
    cb = -0.168736 * r - 0.331264 * g + 0.5 * b + 128
    cr = 0.5 * r - 0.418688 * g - 0.081312 * b + 128
    return _clamp(y), _clamp(cb), _clamp(cr)


def _clamp(value: float) -> int:
    return min(255, max(0, round(value)))


def _dc_bits(diff: int) -> str:
    size = abs(diff).bit_length()
    if size == 0:
        return _DC_CODES[0] + _EOB
    extra = diff if diff > 0 else diff + (1 << size) - 1
    return _DC_CODES[size] + format(extra, f"0{size}b") + _EOB


def encode_jpeg(width: int, height: int, blocks: Sequence[Sequence[RGB]]) -> bytes:
    """A baseline JPEG of `width` × `height` whose 8×8 blocks have the given flat colours, row by row."""
    header = (
        b"\xff\xd8"
        + _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        + _segment(0xDB, b"\x00" + bytes([8] + [1] * 63))  # DC step 8: the level-shifted value exactly
        + _segment(0xC0, struct.pack(">BHHB", 8, height, width, 3) + b"\x01\x11\x00\x02\x11\x00\x03\x11\x00")
        + _segment(
            0xC4,
            b"\x00" + bytes(_DC_BITS) + bytes(_DC_VALUES) + b"\x10" + bytes(_AC_BITS) + bytes(_AC_VALUES),
        )
        + _segment(0xDA, b"\x03\x01\x00\x02\x00\x03\x00\x00\x3f\x00")
    )
    codes: dict[int, str] = {}
    levels: dict[tuple[int, ...], tuple[int, int, int]] = {}
    previous = (0, 0, 0)
    parts: list[str] = []
    same = _dc_bits(0) * 3
    for row in blocks:
        for color, run in groupby(row, key=tuple):
            if color not in levels:
                y, cb, cr = _ycbcr(color)
                levels[color] = (y - 128, cb - 128, cr - 128)
            level = levels[color]
            for component in range(3):
                diff = level[component] - previous[component]
                bits = codes.get(diff)
                if bits is None:
                    bits = codes[diff] = _dc_bits(diff)
                parts.append(bits)
            previous = level
            parts.append(same * (sum(1 for _ in run) - 1))
    stream = "".join(parts)
    stream += "1" * (-len(stream) % 8)
    data = int(stream, 2).to_bytes(len(stream) // 8, "big") if stream else b""
    return header + data.replace(b"\xff", b"\xff\x00") + b"\xff\xd9"


class _BitWriter:
    def __init__(self) -> None:
        self.value = 0
        self.length = 0

    def write(self, value: int, bits: int) -> None:
        self.value |= value << self.length
        self.length += bits

    def getvalue(self) -> bytes:
        return self.value.to_bytes((self.length + 7) // 8, "little")


def encode_webp(width: int, height: int, rgba: Sequence[int], *, alpha: bool = False) -> bytes:
    """A lossless WebP of `width` × `height` pixels, all of colour `rgba`."""
    bits = _BitWriter()
    bits.write(0x2F, 8)
    bits.write(width - 1, 14)
    bits.write(height - 1, 14)
    bits.write(1 if alpha else 0, 1)
    bits.write(0, 3)  # version
    bits.write(0, 1)  # no transform
    bits.write(0, 1)  # no colour cache
    bits.write(0, 1)  # no meta prefix codes
    red, green, blue, opacity = rgba[0], rgba[1], rgba[2], rgba[3] if alpha else 255
    for symbol in (green, red, blue, opacity):
        bits.write(1, 1)  # simple code
        bits.write(0, 1)  # one symbol
        bits.write(1, 1)  # of eight bits
        bits.write(symbol, 8)
    bits.write(0b0001, 4)  # distance code: simple, one symbol, one bit, symbol 0
    payload = bits.getvalue()
    chunk = b"VP8L" + struct.pack("<I", len(payload)) + payload + (b"\x00" if len(payload) % 2 else b"")
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk
