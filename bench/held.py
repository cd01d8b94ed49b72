"""The held-streams client, run as its own process: `python -m bench.held --url U --streams N`.

It opens N streaming chat calls and keeps every one open: a stream counts as open once its
first event has arrived (the fake upstream, started with `--hold`, then waits). When each
stream is open or has failed it prints one JSON line (`{"open": ..., "failed": ...}`) and
reads on; the harness measures the server's memory meanwhile and releases the upstream;
when every stream has ended it prints a second line with how many completed (a 200 whose
body ends with `data: [DONE]`). Opening is paced (`--opening` at once), so the server's
listen backlog never overflows into SYN retries. One session, no connection limit: N
connections from one process, within the descriptor limit the harness checked.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from collections import Counter
from dataclasses import asdict, dataclass, field

import aiohttp

from bench.loadgen import KEYS_ENV

_STREAM_END = b"data: [DONE]\n\n"
_REQUEST = {
    "model": "gpt-4o-mini",
    "messages": [{"role": "user", "content": "hi"}],
    "max_tokens": 16,
    "stream": True,
}


@dataclass(slots=True)
class HeldTally:
    opened: int = 0
    completed: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    samples: dict[str, str] = field(default_factory=dict)

    def fail(self, kind: str, sample: str) -> None:
        self.errors[kind] += 1
        self.samples.setdefault(kind, sample[:300])


@dataclass(frozen=True, slots=True)
class HeldResult:
    """One line of the client's output; `phase` is "open" or "done"."""

    phase: str
    opened: int
    completed: int
    errors: dict[str, int]
    error_samples: dict[str, str]

    @classmethod
    def of(cls, phase: str, tally: HeldTally) -> HeldResult:
        return cls(phase, tally.opened, tally.completed, dict(tally.errors), tally.samples)

    @classmethod
    def from_json(cls, line: str) -> HeldResult:
        return cls(**json.loads(line))


class _HeldStreams:
    def __init__(self, url: str, headers: list[dict[str, str]], streams: int) -> None:
        self._url, self._headers, self._streams = url, headers, streams
        self.tally = HeldTally()
        self.all_open = asyncio.Event()

    def _settled(self) -> None:
        if self.tally.opened + sum(self.tally.errors.values()) >= self._streams:
            self.all_open.set()

    async def one(
        self, session: aiohttp.ClientSession, number: int, opening: asyncio.Semaphore
    ) -> None:
        """One stream from its opening to its end, tallied."""
        try:
            body = await self._open_and_read(session, number, opening)
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            self.tally.fail(type(error).__name__, str(error))
            return
        finally:
            self._settled()
        if body is None:
            return
        if body.endswith(_STREAM_END):
            self.tally.completed += 1
        else:
            self.tally.fail("incomplete stream", body[-200:].decode(errors="replace"))

    async def _open_and_read(
        self, session: aiohttp.ClientSession, number: int, opening: asyncio.Semaphore
    ) -> bytes | None:
        """Open (paced) until the first event, count it open, then read to the end."""
        headers = self._headers[number % len(self._headers)]
        async with opening:
            response = await session.post(self._url, json=_REQUEST, headers=headers)
            if response.status != 200:
                self.tally.fail(f"HTTP {response.status}", await response.text())
                response.release()
                return None
            body = b""
            while b"data:" not in body:
                chunk = await response.content.readany()
                if not chunk:
                    break
                body += chunk
            if b"data:" not in body:
                self.tally.fail("ended before its first event", body.decode(errors="replace"))
                response.close()
                return None
        self.tally.opened += 1
        self._settled()
        async with response:
            return body + await response.read()


async def hold_streams(
    url: str, streams: int, opening: int, headers: list[dict[str, str]]
) -> None:
    held = _HeldStreams(url, headers, streams)
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=60)
    pace = asyncio.Semaphore(opening)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        tasks = [asyncio.create_task(held.one(session, n, pace)) for n in range(streams)]
        await held.all_open.wait()
        print(json.dumps(asdict(HeldResult.of("open", held.tally))), flush=True)
        await asyncio.gather(*tasks)
    print(json.dumps(asdict(HeldResult.of("done", held.tally))), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description="Hold N streaming calls open at once.")
    parser.add_argument("--url", required=True)
    parser.add_argument("--streams", type=int, required=True)
    parser.add_argument("--opening", type=int, default=100, help="streams opening at once")
    args = parser.parse_args()
    keys = [key for key in os.environ.get(KEYS_ENV, "").split(",") if key]
    headers = [{"Authorization": f"Bearer {key}"} for key in keys] or [{}]
    asyncio.run(hold_streams(args.url, args.streams, args.opening, headers))


if __name__ == "__main__":
    main()
