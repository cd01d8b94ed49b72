"""What a transcription is billed: the audio's measured length, whatever its header says.

Over the real app and the fake provider: a forged MP3 (a Xing header claiming one frame in
front of 2000 frames, 52.245 s) in the answer formats that state no length.
"""

from __future__ import annotations

import aiohttp
import pytest

from tests.conftest import ApiHarness
from tests.ledger import calls
from tests.media_files import encoded_audio, mp3_bytes, wav_bytes

FRAMES = 2000
# 2000 frames x 1152 samples at 44.1 kHz = 52.245 s; whisper-1 costs 100 units a second,
# a started millisecond counting: ceil(52 245 ms x 0.1) units. Held: 53 whole seconds.
FORGED_COST, FORGED_HOLD = 5225, 5300


def upload(audio: bytes, filename: str, **fields: str) -> aiohttp.FormData:
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    form.add_field("file", audio, filename=filename, content_type="application/octet-stream")
    return form


@pytest.mark.parametrize("response_format", ["text", "srt", "vtt"])
@pytest.mark.parametrize("path", ["/v1/audio/transcriptions", "/v1/audio/translations"])
async def test_an_mp3_header_claiming_one_frame_is_billed_for_all_its_frames(
    api: ApiHarness, response_format: str, path: str
) -> None:
    key = await api.register()
    forged = mp3_bytes(FRAMES, xing_frames=1)
    form = upload(forged, "forged.mp3", model="whisper-1", response_format=response_format)
    response = await api.client.post(path, data=form, headers={"Authorization": f"Bearer {key}"})
    assert await response.text() == api.upstream.media.transcript
    assert response.headers["X-Myapi-Cost-Units"] == str(FORGED_COST)
    assert await api.balance() == 10**6 - FORGED_COST
    [call] = await calls(api)
    assert (call["input_units"], call["cost"], call["held"]) == (52_245, FORGED_COST, FORGED_HOLD)


async def test_an_honest_mp3_is_billed_as_its_header_says(api: ApiHarness) -> None:
    key = await api.register()
    honest = mp3_bytes(383, xing_frames=383)  # 10.005 s
    form = upload(honest, "honest.mp3", model="whisper-1", response_format="text", key=key)
    response = await api.client.post("/v1/audio/transcriptions", data=form)
    assert response.status == 200
    assert await api.balance() == 10**6 - 1001  # ceil(10 005 ms x 0.1)


async def test_a_browser_recording_in_webm_is_billed_for_its_length(api: ApiHarness) -> None:
    key = await api.register()
    webm = encoded_audio("webm", "libopus", 3.0, options={"live": "1"})  # plays 3.02 s
    form = upload(webm, "recording.webm", model="whisper-1", response_format="srt", key=key)
    response = await api.client.post("/v1/audio/transcriptions", data=form)
    assert response.status == 200
    assert await api.balance() == 10**6 - 302


@pytest.mark.parametrize(
    ("reported", "cost"),
    [(10.0, 1000), (20.0, 1000)],  # the provider's whole seconds; a figure past the hold
)
async def test_the_providers_longer_figure_is_billed_up_to_the_hold(
    api: ApiHarness, reported: float, cost: int
) -> None:
    api.upstream.media.reported_seconds = reported
    key = await api.register()
    form = upload(wav_bytes(9.5), "speech.wav", model="whisper-1", key=key)
    response = await api.client.post("/v1/audio/transcriptions", data=form)
    assert (await response.json())["usage"]["seconds"] == reported
    assert await api.balance() == 10**6 - cost
    [call] = await calls(api)
    assert (call["cost"], call["held"]) == (cost, 1000)


async def test_audio_that_cannot_be_measured_is_400_and_costs_nothing(api: ApiHarness) -> None:
    key = await api.register()
    aiff = encoded_audio("aiff", "pcm_s16be", 1.0)
    form = upload(aiff, "speech.aiff", model="whisper-1", response_format="text", key=key)
    response = await api.client.post("/v1/audio/transcriptions", data=form)
    error = (await response.json())["error"]
    assert (response.status, error["param"]) == (400, "file")
    assert "could not measure" in error["message"]
    assert api.upstream.requests == []
    assert await calls(api) == []
