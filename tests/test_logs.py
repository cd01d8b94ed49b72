"""LOG_FORMAT=json: one JSON object per line, an access line per request with its fields.

The real app over loopback, its records formatted by the service's own handler; the text
format stays the default and carries the same facts in words.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from api.logs import configure_logging
from api.settings import LogFormat, Settings
from storage.keys import display_prefix
from tests.conftest import ApiHarness
from tests.json_logs import captured_log

BODY: dict[str, Any] = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
CHAT = "/v1/chat/completions"


async def test_a_billed_call_has_an_access_line_with_every_field(api: ApiHarness) -> None:
    key = await api.register()
    with captured_log() as log:
        response = await api.client.post(CHAT, json=BODY, headers={"X-Request-Id": "req-1"})
        assert response.status == 401  # no key: nobody known yet
        response = await api.client.post(CHAT, json=BODY, headers=_bearer(key))
        assert response.status == 200
    account = await api.storage.accounts.by_username("alice")
    assert account is not None
    [refused, served] = log.access()
    assert served == {
        "time": served["time"],
        "level": "INFO",
        "logger": "api.access",
        "message": served["message"],
        "request_id": response.headers["X-Request-Id"],
        "account_id": account.id,
        "key_prefix": account.key_prefix,
        "route": CHAT,
        "method": "POST",
        "status": 200,
        "latency_ms": served["latency_ms"],
        "cost": int(response.headers["X-Myapi-Cost-Units"]),
        "provider": "openai",
    }
    assert account.key_prefix == display_prefix(key)
    assert served["time"].endswith("+00:00")
    assert served["latency_ms"] >= 0
    assert (refused["request_id"], refused["status"]) == ("req-1", 401)
    assert {"account_id", "key_prefix", "cost", "provider"}.isdisjoint(refused)


async def test_a_wrong_key_names_the_account_but_never_any_part_of_the_key(
    api: ApiHarness,
) -> None:
    key = await api.register()
    wrong = key[:-4] + "XXXX"
    with captured_log() as log:
        body = {**BODY, "username": "alice", "key": wrong}
        assert (await api.client.post(CHAT, json=body)).status == 401
    [line] = log.access()
    assert (line["status"], line["route"]) == (401, CHAT)
    assert isinstance(line["account_id"], int)
    assert "key_prefix" not in line
    for secret in (wrong, key, wrong[-10:], key[-10:]):
        assert secret not in log.text


async def test_records_made_during_a_request_carry_its_ids(api: ApiHarness) -> None:
    key = await api.register()
    api.upstream.fail_status = 500
    with captured_log() as log:
        response = await api.client.post(CHAT, json=BODY, headers=_bearer(key))
    assert response.status == 502
    request_id = response.headers["X-Request-Id"]
    mine = [line for line in log.lines() if line.get("request_id") == request_id]
    assert {line["logger"] for line in mine} >= {"api.access"}
    assert all(line["route"] == CHAT for line in mine)


async def test_an_unknown_path_is_logged_by_its_route_pattern_never_the_raw_path(
    api: ApiHarness,
) -> None:
    with captured_log() as log:
        assert (await api.client.get("/v1/myapi-secret-in-a-path")).status == 404
    [line] = log.access()
    assert (line["route"], line["status"]) == ("unmatched", 404)
    # aiohttp's own access log (the test server's) prints paths; the service turns it off
    ours = [line for line in log.lines() if line["logger"] != "aiohttp.access"]
    assert "myapi-secret-in-a-path" not in str(ours)


async def test_the_default_text_format_says_the_same_in_words(api: ApiHarness) -> None:
    key = await api.register()
    with captured_log(LogFormat.TEXT) as log:
        response = await api.client.post(CHAT, json=BODY, headers=_bearer(key))
    request_id = response.headers["X-Request-Id"]
    cost = response.headers["X-Myapi-Cost-Units"]
    [line] = [line for line in log.text.splitlines() if " api.access: " in line]
    assert f"request {request_id}: POST {CHAT} 200 in " in line
    assert f"key {display_prefix(key)}; provider openai; cost {cost} units" in line
    assert not line.lstrip().startswith("{")
    assert Settings.model_fields["log_format"].default is LogFormat.TEXT


@pytest.mark.parametrize("log_format", list(LogFormat))
def test_configure_logging_puts_one_handler_on_the_root_logger(log_format: LogFormat) -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        configure_logging("WARNING", log_format)
        assert (len(root.handlers), root.level) == (1, logging.WARNING)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
