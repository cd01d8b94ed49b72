"""Messages built from texts and storage records: pure functions, no I/O.

Invariant: every argument that a user could have chosen (names, usernames) is escaped here,
at the one place where it meets HTML, so handlers pass raw values.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from html import escape as _html_escape

from bot.texts import Texts
from storage.models import Account
from storage.money import format_money
from storage.payments import PaymentOutcome

#: What examples shown after the key's one showing put in place of the key and, for a user
#: without an account, of the username. Plain ASCII, so they read the same in any language.
KEY_PLACEHOLDER = "YOUR_KEY"
USERNAME_PLACEHOLDER = "YOUR_USERNAME"


def escape(value: str) -> str:
    """Text-safe HTML: values never go into attributes here, so quotes stay readable."""
    return _html_escape(value, quote=False)


def format_utc(epoch_seconds: int) -> str:
    """A lock's end as a human UTC time; users live in many time zones, so say which."""
    return datetime.fromtimestamp(epoch_seconds, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _example_body(username: str, key: str, model: str) -> dict[str, object]:
    """The seed's request shape: the credentials travel in the JSON body, next to the model."""
    return {
        "username": username,
        "key": key,
        "model": model,
        "messages": [{"role": "user", "content": "Hello!"}],
    }


def curl_example(base_url: str, username: str, key: str, model: str) -> str:
    """A ready-to-paste curl call using the seed's way: credentials in the JSON body."""
    body = _example_body(username, key, model)
    return (
        f"curl {base_url}/v1/chat/completions \\\n"
        '  -H "Content-Type: application/json" \\\n'
        f"  -d '{json.dumps(body, ensure_ascii=False)}'"
    )


def requests_example(base_url: str, username: str, key: str, model: str) -> str:
    """The seed's way in Python (`requests`), for clients that cannot set an auth header.

    String values are written as JSON literals, which are valid Python literals too, so no
    username or key can break out of its quotes.
    """
    lines = [f"        {json.dumps(name)}: {json.dumps(value)}," for name, value in
             _example_body(username, key, model).items()]  # fmt: skip
    return "\n".join(
        [
            "import requests",
            "",
            "reply = requests.post(",
            f"    {json.dumps(base_url + '/v1/chat/completions')},",
            "    json={",
            *lines,
            "    },",
            "    timeout=60,",
            ")",
            'print(reply.json()["choices"][0]["message"]["content"])',
        ]
    )


def python_example(base_url: str, key: str, model: str) -> str:
    """A ready-to-paste script for the official `openai` package pointed at this gateway.

    Values are JSON literals, valid Python string literals too (see `requests_example`).
    """
    return (
        "from openai import OpenAI\n\n"
        f"client = OpenAI(base_url={json.dumps(base_url + '/v1')}, api_key={json.dumps(key)})\n"
        "reply = client.chat.completions.create(\n"
        f"    model={json.dumps(model)},\n"
        '    messages=[{"role": "user", "content": "Hello!"}],\n'
        ")\n"
        "print(reply.choices[0].message.content)"
    )


def _code_block(code: str, language: str) -> str:
    return f'<pre><code class="language-{language}">{escape(code)}</code></pre>'


def welcome_new(
    texts: Texts,
    name: str,
    account: Account,
    key: str,
    base_url: str,
    currency: str,
    model: str,
) -> str:
    """The one message that ever shows the key: username, key, balance, address, and
    examples calling `model` with that key."""
    username = account.username
    return "\n\n".join(
        [
            texts.welcome_new.format(name=escape(name)),
            texts.account_username.format(username=escape(account.username)),
            f"{texts.key_once}\n<code>{escape(key)}</code>",
            texts.account_balance.format(balance=format_money(account.balance, currency)),
            texts.account_api_base.format(base_url=escape(base_url)),
            texts.curl_heading
            + "\n"
            + _code_block(curl_example(base_url, username, key, model), "bash"),
            texts.requests_heading
            + "\n"
            + _code_block(requests_example(base_url, username, key, model), "python"),
            texts.python_heading
            + "\n"
            + _code_block(python_example(base_url, key, model), "python"),
        ]
    )


def first_call(texts: Texts, base_url: str, model: str, username: str | None) -> str:
    """The examples shown whenever the key is not: the address, a curl line and an SDK
    script calling `model`, with KEY_PLACEHOLDER for the key (and USERNAME_PLACEHOLDER for
    a user who has no account yet)."""
    username = username or USERNAME_PLACEHOLDER
    curl = curl_example(base_url, username, KEY_PLACEHOLDER, model)
    sdk = python_example(base_url, KEY_PLACEHOLDER, model)
    return "\n\n".join(
        [
            texts.examples_heading.format(model=escape(model)),
            texts.account_api_base.format(base_url=escape(base_url)),
            texts.curl_heading + "\n" + _code_block(curl, "bash"),
            texts.python_heading + "\n" + _code_block(sdk, "python"),
        ]
    )


def help_text(texts: Texts, base_url: str, model: str, username: str | None) -> str:
    """/help: the commands, where models, prices and documentation are, and a first call."""
    commands = texts.help.format(base_url=escape(base_url))
    return commands + "\n\n" + first_call(texts, base_url, model, username)


def lock_status(texts: Texts, account: Account, now: int) -> str:
    """Active, locked until a time, or locked until an admin acts (LOCK_MINUTES=0)."""
    if not account.is_locked(now):
        return texts.status_active
    if account.locked_until_unblocked:
        return texts.status_locked_by_admin
    assert account.locked_until is not None  # is_locked() implies it
    return texts.status_locked_until.format(until=format_utc(account.locked_until))


def account_state(
    texts: Texts, account: Account, now: int, lock_strikes: int, currency: str
) -> str:
    """Balance (and what is held), failed attempts and lock state, one line each.

    An expired lock restarts the count (storage counts it so at the next request), so the
    strikes shown after an expired lock are 0, matching what the gate will do.
    """
    lock_expired = account.locked_until is not None and not account.is_locked(now)
    strikes = 0 if lock_expired else account.strikes
    lines = [
        texts.account_username.format(username=escape(account.username)),
        texts.account_balance.format(balance=format_money(account.balance, currency)),
    ]
    if account.reserved > 0:
        lines.append(
            texts.account_reserved.format(
                reserved=format_money(account.reserved, currency),
                available=format_money(account.available, currency),
            )
        )
    lines.append(texts.account_strikes.format(strikes=strikes, limit=lock_strikes))
    lines.append(lock_status(texts, account, now))
    return "\n".join(lines)


def welcome_back(
    texts: Texts,
    name: str,
    account: Account,
    state: str,
    base_url: str,
    model: str,
) -> str:
    """A returning user's /start: the account's `state`, how to get a new key, never a
    key, and the examples again (every /start shows how to make a call)."""
    return "\n\n".join(
        [
            texts.welcome_back.format(name=escape(name)),
            state,
            texts.account_key_prefix.format(prefix=escape(account.key_prefix)),
            texts.key_lost,
            first_call(texts, base_url, model, account.username),
        ]
    )


def confirm_new_key(texts: Texts, account: Account) -> str:
    """The warning before a rotation; it names the key by its non-secret prefix only."""
    return texts.newkey_confirm.format(
        username=escape(account.username), prefix=escape(account.key_prefix)
    )


def new_key(texts: Texts, account: Account, key: str) -> str:
    """The one message that shows a rotated key, in a copyable block, with the shown-once note."""
    return "\n\n".join(
        [
            f"{texts.newkey_done.format(username=escape(account.username))}\n"
            f"<code>{escape(key)}</code>",
            texts.key_once,
        ]
    )


def payment_text(template: str, outcome: PaymentOutcome, currency: str, **extra: str) -> str:
    """Fill a payment template: stars, credit, balance, charge id, username (all escaped)."""
    return template.format(
        stars=outcome.payment.stars,
        credit=format_money(outcome.payment.amount, currency),
        balance=format_money(outcome.account.balance, currency),
        charge_id=escape(outcome.payment.charge_id),
        username=escape(outcome.account.username),
        **extra,
    )
