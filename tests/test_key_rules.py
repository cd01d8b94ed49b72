"""The pure rules behind several keys per provider: whose fault a failure is, how long a key
rests, which key goes next, and how keys and their catalog options are read."""

from __future__ import annotations

import dataclasses
import json

import pytest

from providers.errors import CatalogError
from providers.key_faults import BenchReason, BenchRules, Blame, Fault, judge, retry_after_seconds
from providers.key_health import KeyHealth
from providers.upstream_keys import (
    KeySpec,
    UpstreamKey,
    key_label,
    parse_key_specs,
    provider_keys,
    safe_proxy,
)
from tests.clock import FakeClock

RULES = BenchRules(default=60, refused=1800)
NOW = 1_800_000_000


def error(**fields: object) -> bytes:
    return json.dumps({"error": {"message": "m", **fields}}).encode()


GEMINI_BAD_KEY = json.dumps(
    {
        "error": {
            "code": 400,
            "message": "API key not valid. Please pass a valid API key.",
            "status": "INVALID_ARGUMENT",
            "details": [
                {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}
            ],
        }
    }
).encode()


@pytest.mark.parametrize(
    ("status", "body", "retry_after", "fault"),
    [
        (401, error(code="invalid_api_key"), None, Fault(Blame.KEY, BenchReason.REFUSED, 1800)),
        (403, b"forbidden", "5", Fault(Blame.KEY, BenchReason.REFUSED, 1800)),
        (400, GEMINI_BAD_KEY, None, Fault(Blame.KEY, BenchReason.REFUSED, 1800)),
        (402, b"", None, Fault(Blame.KEY, BenchReason.QUOTA, 60)),
        (429, error(code="insufficient_quota"), None, Fault(Blame.KEY, BenchReason.QUOTA, 60)),
        (429, error(type="insufficient_quota"), "7", Fault(Blame.KEY, BenchReason.QUOTA, 7)),
        (
            429,
            error(code="rate_limit_exceeded"),
            "12",
            Fault(Blame.KEY, BenchReason.RATE_LIMITED, 12),
        ),
        (429, b"", None, Fault(Blame.KEY, BenchReason.RATE_LIMITED, 60)),
        (429, b"", "0", Fault(Blame.KEY, BenchReason.RATE_LIMITED, 1)),
        (429, b"", "86400", Fault(Blame.KEY, BenchReason.RATE_LIMITED, 1800)),
        (500, error(code="insufficient_quota"), None, Fault(Blame.PROVIDER)),
        (503, b"", "30", Fault(Blame.PROVIDER)),
        (529, b"", None, Fault(Blame.PROVIDER)),
        (400, error(code="invalid_value"), None, Fault(Blame.CLIENT)),
        (404, error(code="model_not_found"), None, Fault(Blame.CLIENT)),
        (422, b"", None, Fault(Blame.CLIENT)),
    ],
)
def test_whose_fault_a_failure_is(
    status: int, body: bytes, retry_after: str | None, fault: Fault
) -> None:
    assert judge(status, body, retry_after, NOW, RULES) == fault


def test_retry_after_may_be_an_http_date() -> None:
    assert retry_after_seconds("Fri, 15 Jan 2027 08:00:45 GMT", 1_800_000_000 - 15) == 60
    assert retry_after_seconds("in a while", NOW) is None
    assert retry_after_seconds(None, NOW) is None


# --- which key goes next -----------------------------------------------------------------

A = UpstreamKey("openai", "a", "sk-aaaaaaaaaaaaaaaaaaaa", "https://o.test/v1", weight=2)
B = UpstreamKey("openai", "b", "sk-bbbbbbbbbbbbbbbbbbbb", "https://o.test/v1")
C = UpstreamKey("openai", "c", "sk-cccccccccccccccccccc", "https://o.test/v1")


def test_smooth_weighted_rotation_interleaves_the_shares() -> None:
    health = KeyHealth(FakeClock(NOW))
    firsts = [health.candidates([A, B, C])[0].name for _ in range(8)]
    assert firsts == ["a", "b", "c", "a"] * 2


def test_the_other_keys_follow_the_first_as_fallbacks_of_the_call() -> None:
    health = KeyHealth(FakeClock(NOW))
    assert sorted(key.name for key in health.candidates([A, B, C])) == ["a", "b", "c"]


def test_a_resting_key_is_left_out_until_its_rest_ends() -> None:
    clock = FakeClock(NOW)
    health = KeyHealth(clock)
    health.failed(A, Fault(Blame.KEY, BenchReason.RATE_LIMITED, 30), 429)
    assert health.candidates([A, B]) == [B]
    assert health.rests_until([A]) == NOW + 30
    assert health.rests_until([A, B]) == NOW
    clock.advance(30)
    assert A in health.candidates([A, B])


def test_a_clients_fault_is_not_counted_against_the_key() -> None:
    health = KeyHealth(FakeClock(NOW))
    health.started(A)
    health.failed(A, Fault(Blame.CLIENT), 400)
    [count] = health.drain().counts
    assert (count.requests, count.errors) == (1, 0)


def test_a_drained_report_that_could_not_be_written_comes_back() -> None:
    health = KeyHealth(FakeClock(NOW))
    health.started(A)
    health.failed(A, Fault(Blame.KEY, BenchReason.REFUSED, 1800), 401)
    report = health.drain()
    assert health.drain().changes == ()
    health.restore(report)
    again = health.drain()
    assert [c.key for c in again.changes] == [A]
    assert [(c.requests, c.errors) for c in again.counts] == [(1, 1)]


# --- keys and their options --------------------------------------------------------------


def test_a_key_shows_a_few_characters_and_never_itself() -> None:
    secret = "sk-proj-0123456789abcdefghijklmn"
    key = UpstreamKey("openai", "a", secret, "https://o.test/v1", proxy="http://u:pw@p.test:3128")
    assert key_label(secret) == "sk-proj…klmn"
    assert secret not in repr(key)
    assert "pw" not in repr(key)
    assert key_label("short") == "s…"
    assert safe_proxy("http://user:secret@p.test:3128") == "http://p.test:3128"


def nothing(variable: str) -> str | None:
    return None


def test_the_own_variables_give_the_keys_in_order_and_a_repeated_key_once() -> None:
    own = {"OPENAI_API_KEY": "sk-1", "OPENAI_API_KEYS": "sk-2, sk-1,sk-3"}
    keys = provider_keys("openai", "https://o.test/v1", own, (), nothing)
    assert [(k.name, k.secret) for k in keys] == [
        ("openai#1", "sk-1"),
        ("openai#2", "sk-2"),
        ("openai#3", "sk-3"),
    ]
    assert {k.base_url for k in keys} == {"https://o.test/v1"}


def test_a_spec_gives_its_options_to_the_key_it_names_by_variable_and_position() -> None:
    own = {"OPENAI_API_KEY": None, "OPENAI_API_KEYS": "sk-1,sk-2"}
    spec = KeySpec(
        "eu",
        "openai",
        "OPENAI_API_KEYS",
        index=2,
        weight=3,
        rpm=100,
        base_url="https://eu.test/v1",
    )
    keys = provider_keys("openai", "https://o.test/v1", own, [spec], nothing)
    assert [(k.name, k.weight, k.rpm, k.base_url) for k in keys] == [
        ("openai#1", 1, 0, "https://o.test/v1"),
        ("eu", 3, 100, "https://eu.test/v1"),
    ]


def test_a_spec_naming_another_variable_adds_its_keys_and_reads_its_proxy() -> None:
    env = {"OPENAI_EU_KEYS": "sk-eu-1,sk-eu-2", "EU_PROXY": "http://u:p@proxy.test:3128"}
    spec = KeySpec("eu", "openai", "OPENAI_EU_KEYS", proxy_env="EU_PROXY")
    keys = provider_keys(
        "openai", "https://o.test/v1", {"OPENAI_API_KEY": "sk-1"}, [spec], env.get
    )
    assert [(k.name, k.proxy) for k in keys] == [
        ("openai#1", None),
        ("eu#1", "http://u:p@proxy.test:3128"),
        ("eu#2", "http://u:p@proxy.test:3128"),
    ]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (KeySpec("x", "openai", "MISSING"), "MISSING holds no key"),
        (KeySpec("x", "openai", "OPENAI_API_KEYS", index=3), "holds no key number 3"),
        (KeySpec("x", "openai", "OPENAI_API_KEY", proxy_env="NO_PROXY_SET"), "NO_PROXY_SET"),
    ],
)
def test_a_spec_that_names_nothing_usable_stops_the_start(spec: KeySpec, message: str) -> None:
    own = {"OPENAI_API_KEY": "sk-1", "OPENAI_API_KEYS": "sk-2,sk-3"}
    with pytest.raises(CatalogError, match=message):
        provider_keys("openai", "https://o.test/v1", own, [spec], nothing)


@pytest.mark.parametrize(
    ("tables", "message"),
    [
        ({"x": {"env": "E"}}, "lacks the field 'provider'"),
        ({"x": {"provider": "openai", "env": "E", "weight": 0}}, "x.weight"),
        ({"x": {"provider": "openai", "env": "E", "rpm": -1}}, "x.rpm"),
        ({"x": {"provider": "openai", "env": "E", "proxy": "ftp://p.test"}}, "x.proxy"),
        ({"x": {"provider": "openai", "env": "E", "secret": "sk-1"}}, "unknown field"),
        (
            {"x": {"provider": "openai", "env": "E", "proxy": "http://p", "proxy_env": "P"}},
            "not both",
        ),
    ],
)
def test_a_keys_table_is_checked_field_by_field(tables: object, message: str) -> None:
    with pytest.raises(CatalogError, match=message):
        parse_key_specs(tables)


def test_a_keys_kept_hash_follows_its_fields() -> None:
    """The key health finds a key's state by its hash, taken once: keys built alike share
    one state, and a key that differs in any field (as `replace` makes it) has its own."""
    key = UpstreamKey("openai", "openai#1", "sk-one", "https://api.openai.com/v1")
    twin = UpstreamKey("openai", "openai#1", "sk-one", "https://api.openai.com/v1")
    health = KeyHealth(FakeClock(NOW))
    health.bench(key, 60, "refused", 401)
    assert (twin == key, hash(twin) == hash(key), health.usable(twin)) == (True, True, False)
    for change in ({"secret": "sk-two"}, {"weight": 2}, {"rpm": 10}, {"proxy": "http://p:1"}):
        other = dataclasses.replace(key, **change)
        assert other != key
        assert health.usable(other)  # not the benched key's state
