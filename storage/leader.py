"""Which replica polls Telegram: the one holding a PostgreSQL advisory lock for the bot.

Telegram lets one `getUpdates` run per token; two pollers make each other fail with 409
Conflict. Replicas sharing PostgreSQL elect the poller through a session-level advisory
lock, keyed by the bot's public id, on a connection of its own: whoever holds it polls, the
others serve the API and try again every interval. The lock lives exactly as long as that
session, so a poller that dies (SIGKILL, a lost host) frees it without anyone's help: at
once when its process ends (the kernel closes the socket), within about half a minute when
its host vanishes (the session asks the server for TCP keepalives).

Invariant: a replica polls only while `still_held` says its session answers; one that
cannot reach the server stops polling before another can take over, so two pollers run at
once only for the moments it takes a dead link to be noticed on both sides.
"""

from __future__ import annotations

import hashlib
import logging

import asyncpg

from storage.errors import DatabaseUnavailableError
from storage.outages import DatabaseTimeouts, outages_translated

logger = logging.getLogger(__name__)

_LABEL = b"myapi telegram poller "
#: The server drops a session whose peer stopped answering after idle + count * interval
#: seconds (about 25), which frees a vanished poller's lock.
_KEEPALIVES = {
    "tcp_keepalives_idle": "10",
    "tcp_keepalives_interval": "5",
    "tcp_keepalives_count": "3",
}


def polling_lock_key(bot_id: int) -> int:
    """The advisory lock's key: a signed 64-bit hash of the bot's id, so two bots on one
    database elect their pollers apart, and nothing else's locks collide with ours."""
    digest = hashlib.sha256(_LABEL + str(bot_id).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PollingLock:
    """The poller's advisory lock, held on a dedicated connection while it lives."""

    def __init__(self, dsn: str, key: int, timeouts: DatabaseTimeouts) -> None:
        self._dsn = dsn
        self._key = key
        self._timeouts = timeouts
        self._session: asyncpg.Connection | None = None

    async def try_acquire(self) -> bool:
        """Take the lock if nobody holds it (never waits for it); True when this replica
        now polls. Raises `DatabaseUnavailableError` when the server cannot be asked."""
        if self._session is not None:
            return await self.still_held()
        with outages_translated():
            session = await asyncpg.connect(
                self._dsn,
                timeout=self._timeouts.connect,
                command_timeout=self._timeouts.command,
                server_settings=_KEEPALIVES,
            )
            try:
                taken = await session.fetchval("SELECT pg_try_advisory_lock($1)", self._key)
            except BaseException:
                session.terminate()
                raise
        if not taken:
            await session.close()
            return False
        self._session = session
        return True

    async def still_held(self) -> bool:
        """Whether the session holding the lock still answers; if not, it is dropped (the
        server releases the lock when it notices), and this replica must stop polling."""
        session = self._session
        if session is None:
            return False
        try:
            with outages_translated():
                await session.execute("SELECT 1")
        except DatabaseUnavailableError as error:
            logger.warning("the polling lock's session was lost: %s", error.reason)
            self._drop()
            return False
        return True

    async def release(self) -> None:
        """Give the lock up (closing its session releases it)."""
        session, self._session = self._session, None
        if session is None:
            return
        try:
            with outages_translated():
                await session.close(timeout=self._timeouts.command)
        except DatabaseUnavailableError:
            session.terminate()

    def _drop(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            session.terminate()
