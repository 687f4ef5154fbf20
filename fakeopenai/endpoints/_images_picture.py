"""The simulator's pictures: a deterministic pattern per seed, encoded as PNG, JPEG or WebP.

A picture is a grid of flat 8×8 blocks (a gradient sky, a disc and a band whose
colours and places come from the seed), so every format encodes it quickly in
pure Python: PNG through zlib, JPEG with only DC coefficients (each block is
flat). WebP is a single-colour lossless image of the right size.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from ._images_jpeg import encode_jpeg, encode_webp
from ._images_png import encode_png

BLOCK = 8
Color = tuple[int, int, int, int]


@dataclass(frozen=True)
class Picture:
    """Block colours (RGBA), row by row, for an image of `width` × `height` pixels."""

    width: int
    height: int
    blocks: tuple[tuple[Color, ...], ...]
    alpha: bool

    def pixel_rows(self) -> list[bytes]:
        """Each row of pixels as RGB (or RGBA) bytes."""
        size = 4 if self.alpha else 3
        spans: dict[Color, bytes] = {}  # a block's colour as one row of its pixels: a picture has few colours
        rows: list[bytes] = []
        for block_row in self.blocks:
            for color in block_row:
                if color not in spans:
                    spans[color] = bytes(color[:size]) * BLOCK
            row = b"".join([spans[color] for color in block_row])[: self.width * size]
            rows += [row] * min(BLOCK, self.height - len(rows))
        return rows


def _colors(seed: str) -> list[Color]:
    digest = hashlib.sha256(seed.encode()).digest()
    return [(digest[i], digest[i + 1], digest[i + 2], 255) for i in range(0, 15, 3)]


def _mix(a: Color, b: Color, t: float) -> Color:
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
        255,
    )


def draw(seed: str, width: int, height: int, *, transparent: bool = False, reveal: float = 1.0) -> Picture:
    """The picture for `seed`; `reveal` < 1 paints only the top part (a partial image), the rest grey."""
    top, bottom, disc, band, _ = _colors(seed)
    digest = hashlib.sha256(b"layout" + seed.encode()).digest()
    columns, lines = -(-width // BLOCK), -(-height // BLOCK)
    center_x, center_y = columns * (0.3 + digest[0] / 640), lines * (0.3 + digest[1] / 640)
    radius = min(columns, lines) * (0.15 + digest[2] / 1280)
    band_row, band_height = int(lines * (0.55 + digest[3] / 1280)), max(1, lines // 12)
    shown = int(lines * reveal)
    clear: Color = (0, 0, 0, 0)
    grey: Color = (128, 128, 128, 0 if transparent else 255)
    rows = []
    for y in range(lines):
        if y >= shown:
            rows.append((grey,) * columns)
            continue
        row = [clear if transparent else _mix(top, bottom, y / max(1, lines - 1))] * columns
        if band_row <= y < band_row + band_height:  # a checker of 2-block squares: where (x // 2 + y) is even
            for first in (y % 2 * 2, y % 2 * 2 + 1):
                row[first::4] = [band] * len(range(first, columns, 4))
        across = (y - center_y) ** 2
        if across <= radius * radius:
            for x in range(max(0, int(center_x - radius)), min(columns, int(center_x + radius) + 2)):
                if (x - center_x) ** 2 + across <= radius * radius:
                    row[x] = disc
        rows.append(tuple(row))
    return Picture(width, height, tuple(rows), transparent)


@lru_cache(maxsize=64)
def render(seed: str, width: int, height: int, output_format: str, transparent: bool, reveal: float = 1.0) -> bytes:
    """The picture for `seed` as a file in `output_format` (`png`, `jpeg` or `webp`)."""
    if output_format == "webp":
        return encode_webp(width, height, _colors(seed)[2], alpha=transparent)
    picture = draw(seed, width, height, transparent=transparent and output_format != "jpeg", reveal=reveal)
    if output_format == "jpeg":
        return encode_jpeg(width, height, [[color[:3] for color in row] for row in picture.blocks])
    return encode_png(width, height, picture.pixel_rows(), alpha=picture.alpha)
