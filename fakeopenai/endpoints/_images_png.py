"""A small PNG encoder (zlib from the standard library) and the header facts of uploaded images."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

_MODES = {0: "L", 2: "RGB", 3: "P", 4: "LA", 6: "RGBA"}


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def encode_png(width: int, height: int, rows: Iterable[bytes], *, alpha: bool) -> bytes:
    """A PNG of 8-bit RGB (or RGBA) pixels, `rows` being each row's pixel bytes, top to bottom.

    A row the same as the one above is written with PNG's "Up" filter, as zeros, and zlib
    compresses at its fastest level: a picture of flat blocks is mostly such rows.
    """
    header = struct.pack(">IIBBBBB", width, height, 8, 6 if alpha else 2, 0, 0, 0)
    lines, above, repeat = [], b"", b""
    for row in rows:
        if row == above:
            if len(repeat) != len(row) + 1:
                repeat = b"\x02" + bytes(len(row))
            lines.append(repeat)
        else:
            lines.append(b"\x00" + row)
        above = row
    idat = zlib.compress(b"".join(lines), 1)
    return PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


@dataclass(frozen=True)
class ImageInfo:
    """What an image file's header says."""

    format: str
    """`png`, `jpeg`, `webp` or `gif`."""
    width: int
    height: int
    mode: str | None = None
    """For a PNG: `L`, `LA`, `P`, `RGB` or `RGBA`."""


def image_info(data: bytes) -> ImageInfo | None:
    """The format and dimensions of an image file, or None if it is none of PNG, JPEG, WebP or GIF."""
    try:
        if data.startswith(PNG_SIGNATURE) and data[12:16] == b"IHDR":
            width, height, _, color_type = struct.unpack(">IIBB", data[16:26])
            return ImageInfo("png", width, height, _MODES.get(color_type))
        if data.startswith(b"\xff\xd8"):
            return _jpeg_info(data)
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            return _webp_info(data)
        if data[:6] in (b"GIF87a", b"GIF89a"):
            width, height = struct.unpack("<HH", data[6:10])
            return ImageInfo("gif", width, height)
    except (struct.error, IndexError):
        return None
    return None


def _jpeg_info(data: bytes) -> ImageInfo | None:
    index = 2
    while index + 4 <= len(data):
        if data[index] != 0xFF:
            return None
        marker = data[index + 1]
        (length,) = struct.unpack(">H", data[index + 2 : index + 4])
        if marker in (0xC0, 0xC1, 0xC2, 0xC3):
            height, width = struct.unpack(">HH", data[index + 5 : index + 9])
            return ImageInfo("jpeg", width, height)
        index += 2 + length
    return None


def _webp_info(data: bytes) -> ImageInfo | None:
    kind = data[12:16]
    if kind == b"VP8L" and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return ImageInfo("webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    if kind == b"VP8 ":
        width, height = struct.unpack("<HH", data[26:30])
        return ImageInfo("webp", width & 0x3FFF, height & 0x3FFF)
    if kind == b"VP8X":
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return ImageInfo("webp", width, height)
    return None
