"""Synthesised speech: a tone per word (24 kHz, 16-bit mono), as WAV, raw PCM or FLAC.

The standard library decodes the WAV (`wave`) and the PCM; the FLAC is real
too, with verbatim subframes and the MD5 of its samples.
"""

from __future__ import annotations

import array
import hashlib
import io
import math
import struct
import sys
import wave

SAMPLE_RATE = 24_000
SECONDS_PER_CHARACTER = 0.065
_GAP = 0.06


def _word_period(word: str) -> int:
    return 40 + hashlib.sha256(word.encode()).digest()[0] % 80  # 200 Hz to 600 Hz


def synthesize(text: str, speed: float = 1.0) -> bytes:
    """Little-endian 16-bit samples: each word a tone as long as the word, with short gaps; `speed` divides time."""
    samples = array.array("h")
    words = text.split() or [""]
    for index, word in enumerate(words):
        length = int(SAMPLE_RATE * SECONDS_PER_CHARACTER * max(1, len(word)) / speed)
        period = _word_period(word)
        cycle = array.array("h", (int(9000 * math.sin(2 * math.pi * k / period)) for k in range(period)))
        tone = cycle * (length // period + 1)
        samples.extend(tone[:length])
        if index < len(words) - 1:
            samples.extend(array.array("h", bytes(2 * int(SAMPLE_RATE * _GAP / speed))))
    if sys.byteorder == "big":
        samples.byteswap()
    return samples.tobytes()


def duration_of(pcm: bytes) -> float:
    """Seconds of 24 kHz 16-bit mono samples."""
    return len(pcm) / 2 / SAMPLE_RATE


def to_wav(pcm: bytes) -> bytes:
    """The samples in a WAV file."""
    out = io.BytesIO()
    with wave.open(out, "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(SAMPLE_RATE)
        file.writeframes(pcm)
    return out.getvalue()


def _crc8(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def _crc16_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x8005) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
        table.append(crc)
    return table


_CRC16 = _crc16_table()


def _crc16(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFF) ^ _CRC16[(crc >> 8) ^ byte]
    return crc


def _utf8_number(number: int) -> bytes:
    if number < 0x80:
        return bytes([number])
    payload: list[int] = []
    while True:
        payload.insert(0, 0x80 | (number & 0x3F))
        number >>= 6
        if number < (0x40 >> len(payload)):
            lead = (0xFF << (7 - len(payload))) & 0xFF
            return bytes([lead | number, *payload])


def to_flac(pcm: bytes, block: int = 4096) -> bytes:
    """The samples in a FLAC file (verbatim subframes)."""
    count = len(pcm) // 2
    info = struct.pack(">HH", block, block) + b"\x00" * 6
    info += ((SAMPLE_RATE << 44) | (0 << 41) | (15 << 36) | count).to_bytes(8, "big")
    info += hashlib.md5(pcm).digest()  # FLAC's own checksum of the samples
    frames = []
    big_endian = array.array("h", pcm)
    if sys.byteorder == "little":
        big_endian.byteswap()
    samples = big_endian.tobytes()
    for number, start in enumerate(range(0, count, block)):
        size = min(block, count - start)
        header = b"\xff\xf8\x77\x08" + _utf8_number(number) + struct.pack(">H", size - 1)
        header += bytes([_crc8(header)])
        frame = header + b"\x02" + samples[2 * start : 2 * (start + size)]
        frames.append(frame + struct.pack(">H", _crc16(frame)))
    return b"fLaC" + b"\x80\x00\x00\x22" + info + b"".join(frames)


def flac_duration(data: bytes) -> float | None:
    """The duration a FLAC file's STREAMINFO states, or None."""
    if not data.startswith(b"fLaC") or len(data) < 26:
        return None
    packed = int.from_bytes(data[18:26], "big")
    rate, total = packed >> 44, packed & ((1 << 36) - 1)
    return total / rate if rate else None


def wav_duration(data: bytes) -> float | None:
    """The duration of a WAV file, or None if `wave` cannot read it."""
    try:
        with wave.open(io.BytesIO(data), "rb") as file:
            return file.getnframes() / file.getframerate()
    except (wave.Error, EOFError, ValueError, ZeroDivisionError):
        return None
