"""Silent audio of a given duration in the lossy formats: MP3, Opus (in Ogg) and AAC (ADTS).

Each is a valid stream of real frames (what an encoder writes for digital
silence), so players and decoders accept it and report the right duration;
only the sound is missing.
"""

from __future__ import annotations

import math
import struct

_MP3_FRAME = b"\xff\xfb\x94\xc0" + bytes(380)  # MPEG-1 layer III, 128 kb/s, 48 kHz, mono: 384 bytes, 24 ms
_OPUS_SILENCE = b"\xf8\xff\xfe"  # CELT, full band, 20 ms, mono: the packet libopus writes for silence
_OPUS_PRE_SKIP = 312


def mp3(seconds: float) -> bytes:
    """An MP3 of silent frames lasting `seconds`."""
    return _MP3_FRAME * max(1, math.ceil(seconds / 0.024))


def _ogg_crc_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) & 0xFFFFFFFF if crc & 0x80000000 else (crc << 1) & 0xFFFFFFFF
        table.append(crc)
    return table


_OGG_CRC = _ogg_crc_table()


def _ogg_crc(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _OGG_CRC[(crc >> 24) ^ byte]
    return crc


def _ogg_page(packets: list[bytes], sequence: int, granule: int, flags: int) -> bytes:
    lacing = b""
    for packet in packets:
        lacing += b"\xff" * (len(packet) // 255) + bytes([len(packet) % 255])
    header = b"OggS" + struct.pack("<BBqIIIB", 0, flags, granule, 0x46414B45, sequence, 0, len(lacing)) + lacing
    page = header + b"".join(packets)
    crc = _ogg_crc(page)
    return page[:22] + struct.pack("<I", crc) + page[26:]


def opus(seconds: float) -> bytes:
    """An Ogg Opus file of silent 20 ms packets lasting `seconds`."""
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, _OPUS_PRE_SKIP, 24000, 0, 0)
    vendor = b"fakeopenai"
    tags = b"OpusTags" + struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", 0)
    pages = [_ogg_page([head], 0, 0, 0x02), _ogg_page([tags], 1, 0, 0)]
    total = max(1, math.ceil(seconds / 0.02))
    sequence, done = 2, 0
    while done < total:
        count = min(50, total - done)
        done += count
        granule = _OPUS_PRE_SKIP + done * 960
        pages.append(_ogg_page([_OPUS_SILENCE] * count, sequence, granule, 0x04 if done == total else 0))
        sequence += 1
    return b"".join(pages)


def opus_duration(data: bytes) -> float | None:
    """The duration of an Ogg file from its last page's granule position (48 kHz for Opus), or None."""
    last = data.rfind(b"OggS")
    if last < 0 or len(data) < last + 14:
        return None
    (granule,) = struct.unpack("<q", data[last + 6 : last + 14])
    pre_skip = _OPUS_PRE_SKIP if b"OpusHead" in data[:64] else 0
    return float(max(0, granule - pre_skip) / 48000)


def _aac_silent_payload() -> bytes:
    # A single channel element with max_sfb = 0 (no spectral data: silence), then the end element.
    fields = [(0, 3), (0, 4), (100, 8), (0, 1), (0, 2), (0, 1), (0, 6), (0, 1), (0, 1), (0, 1), (0, 1), (7, 3)]
    value, length = 0, 0
    for field, bits in fields:
        value, length = (value << bits) | field, length + bits
    pad = -length % 8
    return (value << pad).to_bytes((length + pad) // 8, "big")


def _adts_frame() -> bytes:
    payload = _aac_silent_payload()
    size = 7 + len(payload)
    # sync, MPEG-4, no CRC; AAC LC, 24 kHz (index 6), mono; frame length; buffer fullness 0x7FF
    header = bytes([0xFF, 0xF1, 0x58, 0x40 | (size >> 11), (size >> 3) & 0xFF, ((size & 7) << 5) | 0x1F, 0xFC])
    return header + payload


_AAC_FRAME = _adts_frame()


def aac(seconds: float) -> bytes:
    """An AAC (ADTS) stream of silent frames of 1024 samples at 24 kHz, lasting `seconds`."""
    return _AAC_FRAME * max(1, math.ceil(seconds * 24000 / 1024))
