"""The admins are told when the database goes away and when it is back: once per outage,
from the requests that meet it (the real API app over a real SQLite file that another
connection locks), and in words they can act on (the bot's texts, both languages)."""

from __future__ import annotations

import dataclasses

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from api.app import create_api_app
from api.outage_alarm import OutageAlarm
from bot.notify import render_admin_notice
from bot.texts import ENGLISH, RUSSIAN
from storage import DatabaseTimeouts
from storage.errors import DatabaseUnavailableError
from storage.notices import DatabaseAway, DatabaseBack, Notice
from tests.clock import START, FakeClock
from tests.conftest import ApiHarness
from tests.outages import BODY, TIMEOUTS, sqlite_locked


class Recorder:
    def __init__(self) -> None:
        self.notices: list[Notice] = []

    def notify(self, notice: Notice) -> None:
        self.notices.append(notice)


@pytest.fixture
def database_timeouts() -> DatabaseTimeouts:
    return TIMEOUTS


def test_one_away_and_one_back_per_outage() -> None:
    recorder, clock = Recorder(), FakeClock()
    alarm = OutageAlarm(recorder, clock)
    alarm.answered()  # nothing was away: nothing to say
    alarm.seen(DatabaseUnavailableError("PostgreSQL: CannotConnectNowError"))
    clock.advance(30)
    alarm.seen(DatabaseUnavailableError("no answer (TimeoutError)"))  # the same outage
    clock.advance(12)
    alarm.answered()
    alarm.answered()
    clock.advance(100)
    alarm.seen(DatabaseUnavailableError("again"))
    assert recorder.notices == [
        DatabaseAway("PostgreSQL: CannotConnectNowError", START),
        DatabaseBack(START, START + 42),
        DatabaseAway("again", START + 142),
    ]


@pytest.fixture
async def alarmed(
    api: ApiHarness, aiohttp_client: AiohttpClient
) -> tuple[TestClient[web.Request, web.Application], Recorder]:
    """The `api` harness's app with its alarm telling a recorder."""
    recorder = Recorder()
    context = dataclasses.replace(api.context, outage_alarm=OutageAlarm(recorder, api.clock))
    return await aiohttp_client(create_api_app(context, max_body_bytes=64 * 1024)), recorder


async def test_the_requests_that_meet_an_outage_tell_the_admins_once(
    api: ApiHarness, alarmed: tuple[TestClient[web.Request, web.Application], Recorder]
) -> None:
    client, recorder = alarmed
    key = await api.register()
    headers = {"Authorization": f"Bearer {key}"}
    with sqlite_locked(api.database_url):
        assert (
            await client.post("/v1/chat/completions", json=BODY, headers=headers)
        ).status == 503
        assert (await client.get("/health")).status == 503
    [away] = recorder.notices
    assert isinstance(away, DatabaseAway)
    assert "SQLite" in away.reason
    api.clock.advance(20)
    assert (await client.post("/v1/chat/completions", json=BODY, headers=headers)).status == 200
    assert (await client.get("/health")).status == 200
    assert recorder.notices == [away, DatabaseBack(away.since, away.since + 20)]


def test_the_admins_read_what_happened_and_when() -> None:
    away = DatabaseAway("no answer (TimeoutError)", START)
    back = DatabaseBack(START, START + 75)
    english = render_admin_notice(ENGLISH, away)
    assert "<b>unavailable</b> since 2027-01-15 08:00 UTC (no answer (TimeoutError))" in english
    assert "nothing is charged" in english
    assert render_admin_notice(ENGLISH, back) == (
        "The database is <b>back</b> at 2027-01-15 08:01 UTC, after 75 s away. What waited "
        "for it is being written now."
    )
    russian_away, russian_back = (
        render_admin_notice(RUSSIAN, away),
        render_admin_notice(RUSSIAN, back),
    )
    assert "<b>недоступна</b>" in russian_away
    assert "2027-01-15 08:00 UTC" in russian_away
    assert "после 75" in russian_back
