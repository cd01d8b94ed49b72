"""How long an uploaded audio file plays, read from its own bytes (no I/O, no decoding).

Transcription is priced per minute, so the gateway measures the upload before the call, for
the hold and the bill. mutagen reads wav, mp3, m4a/mp4, ogg (vorbis, opus, flac), flac and
aiff from their headers; WebM, which mutagen does not read and which browsers record, is
read here from its EBML elements. A file whose length cannot be read is refused rather than
sent unpriced.

A header can lie about the length; the route therefore also bills the provider's own
figure when its answer states a longer one. Parsing a large WebM walks every block, so
callers run `audio_seconds` in a worker thread.
"""

from __future__ import annotations

import io
import struct

import mutagen

_EBML_MAGIC = b"\x1a\x45\xdf\xa3"
_SEGMENT, _INFO, _CLUSTER, _BLOCK_GROUP = 0x18538067, 0x1549A966, 0x1F43B675, 0xA0
_TIMECODE_SCALE, _DURATION, _TIMESTAMP = 0x2AD7B1, 0x4489, 0xE7
_SIMPLE_BLOCK, _BLOCK = 0xA3, 0xA1
#: Master elements walked into; every other element is skipped by its size.
_ENTERED = frozenset({_SEGMENT, _INFO, _CLUSTER, _BLOCK_GROUP})
_NANOSECONDS = 1_000_000_000


def audio_seconds(data: bytes) -> float | None:
    """The playing time in seconds, or None when the bytes are no audio file read here."""
    if data.startswith(_EBML_MAGIC):
        return webm_seconds(data)
    try:
        found = mutagen.File(io.BytesIO(data))
    except mutagen.MutagenError:
        return None
    length = getattr(getattr(found, "info", None), "length", None)
    if not isinstance(length, int | float) or length <= 0:
        return None
    return float(length)


def _element_id(data: bytes, pos: int) -> tuple[int, int]:
    length = 9 - data[pos].bit_length()
    if not 1 <= length <= 4:
        raise ValueError("invalid EBML element id")
    return int.from_bytes(data[pos : pos + length], "big"), pos + length


def _element_size(data: bytes, pos: int) -> tuple[int | None, int]:
    """The size of an element's body; None for EBML's "unknown size" (live recordings)."""
    length = 9 - data[pos].bit_length()
    if not 1 <= length <= 8:
        raise ValueError("invalid EBML size")
    value = int.from_bytes(data[pos : pos + length], "big") & ((1 << (7 * length)) - 1)
    unknown = value == (1 << (7 * length)) - 1
    return (None if unknown else value), pos + length


class _WebmClock:
    """What a walk over a WebM file learns: its declared duration and its last block."""

    def __init__(self) -> None:
        self.scale = 1_000_000  # nanoseconds per timecode tick, Matroska's default
        self.declared: float | None = None
        self.cluster = 0
        self.last_block: int | None = None

    def note(self, element_id: int, body: bytes) -> None:
        if element_id == _TIMECODE_SCALE:
            self.scale = int.from_bytes(body, "big") or self.scale
        elif element_id == _DURATION and len(body) in (4, 8):
            self.declared = struct.unpack(">f" if len(body) == 4 else ">d", body)[0]
        elif element_id == _TIMESTAMP:
            self.cluster = int.from_bytes(body, "big")
        elif element_id in (_SIMPLE_BLOCK, _BLOCK):
            _, at = _element_size(body, 0)  # the track number, a size-style varint
            relative = int.from_bytes(body[at : at + 2], "big", signed=True)
            self.last_block = max(self.last_block or 0, self.cluster + relative)

    def seconds(self) -> float | None:
        ticks = [t for t in (self.declared, self.last_block) if t is not None and t > 0]
        return max(ticks) * self.scale / _NANOSECONDS if ticks else None


def webm_seconds(data: bytes) -> float | None:
    """The longer of the declared duration and the last block's time (a forged header
    cannot shorten the bill); a recording without a declared duration uses its blocks."""
    clock = _WebmClock()
    pos = 0
    try:
        while pos < len(data):
            element_id, pos = _element_id(data, pos)
            size, pos = _element_size(data, pos)
            if element_id in _ENTERED:
                continue  # its children follow in order, whatever its size
            if size is None:
                break
            clock.note(element_id, data[pos : pos + size])
            pos += size
    except (IndexError, ValueError, struct.error):
        pass  # a truncated tail: what was read so far still counts
    return clock.seconds()
