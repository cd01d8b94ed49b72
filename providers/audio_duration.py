"""How long an uploaded audio file plays, measured from its packets (no decoding, no I/O).

Transcription is priced per minute, so the gateway measures the upload before the call, for
the hold and the bill. A header's stated length is never used: an MP3 whose Xing header
says "1 frame" in front of 20 000 real frames would otherwise be billed 0.026 s for 522 s.
Instead FFmpeg (through PyAV) demuxes every packet of every audio stream, and a stream plays
for the longest of three readings, so no single forged field can shorten it:

- the sum of the packets' durations (what the demuxer learnt from each frame or the
  container's tables);
- the span of their timestamps (first start to last end);
- what the codec itself fixes: packets x samples per packet for fixed-frame codecs (MP3
  1152, AAC 1024...), the samples each Opus packet's own TOC byte declares (RFC 6716 3.1),
  or the bytes of PCM over its sample size.

Only the demuxers of the formats the provider accepts are allowed (`format_whitelist`,
checked by FFmpeg before any header is read), so a playlist or another container that
could make FFmpeg open further inputs is refused, not opened. A file FFmpeg cannot read
through (no audio stream, broken data) has no length here, and the route refuses it.

Demuxing a 25 MB file takes some 0.2-0.8 s of CPU (decoding it would take three to five
times that); callers run `audio_seconds` in a worker thread.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import av
from av.audio.stream import AudioStream
from av.packet import Packet

#: The demuxers of the formats OpenAI transcribes: flac, mp3/mpga, mp4/m4a, mpeg, ogg, wav,
#: webm. FFmpeg names some demuxers by a list ("mov,mp4,m4a,3gp,3g2,mj2"), matched as one.
READABLE_FORMATS = "flac,mp3,mov,mp4,m4a,3gp,3g2,mj2,mpeg,ogg,wav,matroska,webm"
#: The demuxers of what OpenAI's speech answers with: mp3, opus (in Ogg), aac (ADTS), flac
#: and wav (`pcm` is headerless, measured by its bytes instead).
SPEECH_FORMATS = "mp3,ogg,aac,flac,wav"
_OPUS_RATE = 48_000
#: Opus frame lengths by TOC configuration (RFC 6716 3.1), in 1/400 s (2.5 ms) steps.
_SILK_STEPS, _HYBRID_STEPS, _CELT_STEPS = (4, 8, 16, 24), (4, 8), (1, 2, 4, 8)


def opus_packet_samples(packet: bytes) -> int:
    """The 48 kHz samples one Opus packet holds, as its TOC byte declares them (0 if empty)."""
    if not packet:
        return 0
    config, code = packet[0] >> 3, packet[0] & 0x3
    if config < 12:
        steps = _SILK_STEPS[config % 4]
    elif config < 16:
        steps = _HYBRID_STEPS[config % 2]
    else:
        steps = _CELT_STEPS[config % 4]
    if code == 0:
        frames = 1
    elif code in (1, 2):
        frames = 2
    else:
        frames = packet[1] & 0x3F if len(packet) > 1 else 0
    return frames * steps * _OPUS_RATE // 400


@dataclass(slots=True)
class _StreamClock:
    """The three readings of one audio stream; `seconds` is the longest."""

    time_base: Fraction
    packet_samples: int  # samples per packet for fixed-frame codecs, else 0
    sample_rate: int
    codec: str
    pcm_sample_bytes: int  # bytes per sample across all channels for PCM, else 0
    durations: int = 0
    first: int | None = None
    end: int | None = None
    samples: int = 0  # what the codec fixes, at `sample_rate` (48 kHz for Opus)

    def note(self, packet: Packet[Any]) -> None:
        duration = packet.duration or 0
        self.durations += duration
        if packet.pts is not None:
            self.first = packet.pts if self.first is None else min(self.first, packet.pts)
            end = packet.pts + duration
            self.end = end if self.end is None else max(self.end, end)
        if self.codec == "opus":
            self.samples += opus_packet_samples(bytes(packet))
        elif self.pcm_sample_bytes:
            self.samples += packet.size // self.pcm_sample_bytes
        else:
            self.samples += self.packet_samples

    def seconds(self) -> Fraction:
        span = self.end - self.first if self.end is not None and self.first is not None else 0
        timed = max(self.durations, span) * self.time_base
        rate = _OPUS_RATE if self.codec == "opus" else self.sample_rate
        return max(timed, Fraction(self.samples, rate) if rate > 0 else Fraction(0))


def _clock_of(stream: AudioStream) -> _StreamClock:
    codec = stream.codec_context
    pcm = codec.name.startswith("pcm_")
    return _StreamClock(
        time_base=stream.time_base or Fraction(1, codec.sample_rate or 1),
        packet_samples=codec.frame_size,
        sample_rate=codec.sample_rate,
        codec=codec.name,
        pcm_sample_bytes=codec.format.bytes * codec.layout.nb_channels if pcm else 0,
    )


def audio_seconds(data: bytes, formats: str = READABLE_FORMATS) -> float | None:
    """The playing time in seconds of the longest audio stream, rounded up to the
    millisecond; None when the bytes are no audio FFmpeg reads through in the allowed
    `formats` (demuxer names), or play for no time at all."""
    options = {"format_whitelist": formats}
    try:
        with av.open(io.BytesIO(data), "r", options=options, metadata_errors="ignore") as c:
            clocks = {stream.index: _clock_of(stream) for stream in c.streams.audio}
            for packet in c.demux(*c.streams.audio):
                if packet.size:  # the demuxer ends each stream with an empty packet
                    clocks[packet.stream_index].note(packet)
    except av.FFmpegError:
        return None
    if not clocks:
        return None
    longest = max(clock.seconds() for clock in clocks.values())
    if longest <= 0:
        return None
    return math.ceil(longest * 1000) / 1000
