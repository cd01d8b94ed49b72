"""The length of an upload is measured from its packets, never taken from its header."""

from __future__ import annotations

import pytest

from providers.audio_duration import audio_seconds, opus_packet_samples
from tests.media_files import MP3_FRAME_SECONDS, encoded_audio, mp3_bytes, wav_bytes


def test_a_wav_file_plays_for_its_samples() -> None:
    assert audio_seconds(wav_bytes(2.5)) == 2.5


def test_an_mp3_xing_header_claiming_one_frame_cannot_hide_the_frames_after_it() -> None:
    forged = mp3_bytes(2000, xing_frames=1)
    assert audio_seconds(forged) == pytest.approx(2000 * MP3_FRAME_SECONDS, abs=0.001)


def test_an_honest_mp3_is_measured_at_its_frames() -> None:
    assert audio_seconds(mp3_bytes(383, xing_frames=383)) == pytest.approx(10.005, abs=0.001)
    assert audio_seconds(mp3_bytes(383)) == pytest.approx(10.005, abs=0.001)


@pytest.mark.parametrize(
    ("container", "codec", "options"),
    [
        ("webm", "libopus", None),
        ("webm", "libopus", {"live": "1"}),  # a browser recording: no Duration, unknown sizes
        ("ogg", "libopus", None),
        ("flac", "flac", None),
        ("mp4", "aac", None),
    ],
)
def test_real_files_of_the_providers_formats_are_measured(
    container: str, codec: str, options: dict[str, str] | None
) -> None:
    audio = encoded_audio(container, codec, 3.0, options=options)
    # Opus counts its 6.5 ms pre-skip, AAC its priming frame: what the stream holds
    assert audio_seconds(audio) == pytest.approx(3.0, abs=0.05)


@pytest.mark.parametrize(
    ("container", "codec"), [("webm", "libopus"), ("ogg", "libopus"), ("mp4", "aac")]
)
def test_timestamps_squeezed_twenty_fold_cannot_shorten_the_packets(
    container: str, codec: str
) -> None:
    audio = encoded_audio(container, codec, 3.0, squeeze=20)  # the container claims ~0.15 s
    assert audio_seconds(audio) == pytest.approx(3.0, abs=0.05)


@pytest.mark.parametrize(
    ("toc", "samples"),
    [
        (bytes([0 << 3 | 0]), 480),  # SILK 10 ms, one frame
        (bytes([3 << 3 | 1]), 2 * 2880),  # SILK 60 ms, two frames
        (bytes([13 << 3 | 2]), 2 * 960),  # hybrid 20 ms, two frames
        (bytes([16 << 3 | 3, 5]), 5 * 120),  # CELT 2.5 ms, five frames (code 3)
        (bytes([31 << 3 | 0]), 960),  # CELT 20 ms
        (b"", 0),
    ],
)
def test_an_opus_packet_declares_its_samples_in_its_toc_byte(toc: bytes, samples: int) -> None:
    assert opus_packet_samples(toc) == samples


@pytest.mark.parametrize(
    "data",
    [
        b"not audio at all" * 10,
        b"RIFF" + bytes(40),
        b"",
        mp3_bytes(0, xing_frames=1000),  # a header and no frame: plays for nothing
        encoded_audio("aiff", "pcm_s16be", 1.0),  # readable, but not a format sent upstream
    ],
)
def test_bytes_that_are_no_measurable_audio_have_no_length(data: bytes) -> None:
    assert audio_seconds(data) is None
