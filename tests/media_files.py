"""Small audio files of known length, made in the test process (no fixtures on disk)."""

from __future__ import annotations

import io
import struct
import wave


def wav_bytes(seconds: float, rate: int = 1000) -> bytes:
    """A mono 8-bit WAV of silence lasting exactly `seconds` (at `rate` frames a second)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(1)
        writer.setframerate(rate)
        writer.writeframes(b"\x80" * round(seconds * rate))
    return buffer.getvalue()


def _size(value: int | None) -> bytes:
    if value is None:
        return b"\x01\xff\xff\xff\xff\xff\xff\xff"  # EBML's "unknown size"
    return b"\x01" + value.to_bytes(7, "big")  # an 8-byte size


def ebml(element_id: int, body: bytes, *, unknown_size: bool = False) -> bytes:
    identifier = element_id.to_bytes((element_id.bit_length() + 7) // 8, "big")
    return identifier + _size(None if unknown_size else len(body)) + body


def webm_bytes(
    declared_ms: float | None, block_times_ms: list[int], *, live: bool = False
) -> bytes:
    """A WebM skeleton: Info (1 ms ticks, optional Duration) and one cluster of blocks.

    `live` writes the Segment and Cluster with unknown sizes, as a browser recording does.
    """
    info = ebml(0x2AD7B1, (1_000_000).to_bytes(3, "big"))
    if declared_ms is not None:
        info += ebml(0x4489, struct.pack(">d", declared_ms))
    blocks = b"".join(
        ebml(0xA3, b"\x81" + t.to_bytes(2, "big", signed=True) + b"\x80opus")
        for t in block_times_ms
    )
    cluster = ebml(0x1F43B675, ebml(0xE7, b"\x00") + blocks, unknown_size=live)
    tracks = ebml(0x1654AE6B, ebml(0xAE, ebml(0xD7, b"\x01")))
    segment = ebml(0x1549A966, info) + tracks + cluster
    header = ebml(0x1A45DFA3, ebml(0x4282, b"webm"))
    return header + ebml(0x18538067, segment, unknown_size=live)
