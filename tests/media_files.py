"""Small audio files of known length, made in the test process (no fixtures on disk)."""

from __future__ import annotations

import array
import io
import math
import struct
import wave

import av
from av.audio.stream import AudioStream


def wav_bytes(seconds: float, rate: int = 1000) -> bytes:
    """A mono 8-bit WAV of silence lasting exactly `seconds` (at `rate` frames a second)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(1)
        writer.setframerate(rate)
        writer.writeframes(b"\x80" * round(seconds * rate))
    return buffer.getvalue()


#: One MPEG-1 Layer III frame: 128 kbit/s, 44.1 kHz, mono, no padding; 1152 samples.
MP3_FRAME_BYTES = 417
MP3_FRAME_SECONDS = 1152 / 44100
_MP3_HEADER = b"\xff\xfb\x90\xc0"


def _mp3_frame(body: bytes = b"") -> bytes:
    """A silent frame: zero side information decodes to silence."""
    return (_MP3_HEADER + body).ljust(MP3_FRAME_BYTES, b"\x00")


def mp3_bytes(frames: int, *, xing_frames: int | None = None) -> bytes:
    """`frames` real frames, after a Xing header stating `xing_frames` when given.

    A Xing header is what players (and mutagen) take the length from: `xing_frames=1` in
    front of thousands of frames is the forged file that claims 0.026 s.
    """
    head = b""
    if xing_frames is not None:
        side_info = bytes(17)  # mono MPEG-1: the Xing tag follows 17 bytes of side info
        head = _mp3_frame(side_info + b"Xing" + struct.pack(">II", 1, xing_frames))
    return head + _mp3_frame() * frames


def encoded_audio(
    container: str,
    codec: str,
    seconds: float,
    *,
    rate: int = 48_000,
    squeeze: int = 1,
    options: dict[str, str] | None = None,
) -> bytes:
    """A real tone of `seconds`, encoded by FFmpeg (through PyAV) into `container`.

    `squeeze` divides every packet's timestamp and duration as it is written, so the
    container claims 1/squeeze of what its packets play: a forged timeline.
    `options` go to the muxer (`{"live": "1"}`: a WebM as a browser records it, with
    unknown sizes and no Duration).
    """
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container, options=options) as output:
        stream = output.add_stream(codec, rate=rate, layout="mono")
        assert isinstance(stream, AudioStream)
        total = round(seconds * rate)
        tone = array.array("h", (round(math.sin(i * 0.05) * 3000) for i in range(total)))
        frame = av.AudioFrame(format="s16", layout="mono", samples=total)
        frame.planes[0].update(tone.tobytes())
        frame.sample_rate, frame.pts = rate, 0
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            if squeeze > 1 and packet.pts is not None:
                packet.pts = packet.dts = packet.pts // squeeze
                packet.duration = max(1, (packet.duration or 0) // squeeze)
            output.mux(packet)
    return buffer.getvalue()
