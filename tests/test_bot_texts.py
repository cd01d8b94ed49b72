"""The text catalog and the pure message builders (no dispatcher, no I/O)."""

from __future__ import annotations

import dataclasses
import json
from string import Formatter

import pytest

from bot.render import (
    account_state,
    curl_example,
    lock_status,
    python_example,
    requests_example,
)
from bot.texts import ENGLISH, RUSSIAN, Texts, texts_for
from storage.models import Account
from storage.policy import LOCKED_UNTIL_UNBLOCKED

NOW = 1_700_000_000


def an_account(**changes: object) -> Account:
    account = Account(
        id=1,
        telegram_id=42,
        username="alice",
        key_prefix="myapi-abcdef",
        balance=1_500_000,
        reserved=0,
        strikes=0,
        locked_until=None,
        language="en",
        created_at=NOW,
        last_seen_at=None,
    )
    return dataclasses.replace(account, **changes)  # type: ignore[arg-type]


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name}


@pytest.mark.parametrize("code", ["ru", "uk", "be", "kk", "ru-RU", "UK"])
def test_russian_for_russian_reading_languages(code: str) -> None:
    assert texts_for(code) is RUSSIAN


@pytest.mark.parametrize("code", ["en", "de", "fa", "ar", "", None])
def test_english_for_everyone_else(code: str | None) -> None:
    assert texts_for(code) is ENGLISH


@pytest.mark.parametrize("name", [f.name for f in dataclasses.fields(Texts)])
def test_both_catalogs_fill_each_text_with_the_same_placeholders(name: str) -> None:
    english, russian = getattr(ENGLISH, name), getattr(RUSSIAN, name)
    assert english
    assert russian
    assert placeholders(english) == placeholders(russian)


def test_lock_until_an_admin_acts_is_said_so() -> None:
    account = an_account(strikes=5, locked_until=LOCKED_UNTIL_UNBLOCKED)
    assert lock_status(ENGLISH, account, NOW) == ENGLISH.status_locked_by_admin


def test_expired_lock_shows_active_with_no_strikes() -> None:
    text = account_state(ENGLISH, an_account(strikes=5, locked_until=NOW), NOW, 5, "USD")
    assert ENGLISH.status_active in text
    assert "Failed attempts in a row: 0 of 5" in text


def test_nothing_held_says_nothing_about_holds() -> None:
    assert "Held" not in account_state(ENGLISH, an_account(), NOW, 5, "USD")


def test_curl_example_body_is_valid_json() -> None:
    example = curl_example("https://x.test", "alice", "k", "echo")
    body = json.loads(example.split("-d '", 1)[1][:-1])
    assert body == {
        "username": "alice",
        "key": "k",
        "model": "echo",
        "messages": [{"role": "user", "content": "Hello!"}],
    }


def test_python_example_is_valid_python_whatever_the_model() -> None:
    compile(python_example("https://x.test", "k", 'm"\\'), "example.py", "exec")


def test_requests_example_is_valid_python_whatever_the_username() -> None:
    compile(requests_example("https://x.test", 'a"b\\', "k", "echo"), "example.py", "exec")
