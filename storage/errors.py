"""The storage package's own exceptions; the API and the bot translate them at their edges."""

from __future__ import annotations

from pathlib import Path


class StorageError(Exception):
    """Base of every error this package raises on purpose."""


class UnsupportedDatabaseUrlError(StorageError):
    """DATABASE_URL names a scheme this service cannot open."""


class UnknownAccountError(StorageError):
    """No account has the given username (or Telegram id)."""

    def __init__(self, username: str) -> None:
        self.username = username
        super().__init__(f"no account named {username!r}")


class SchemaTooNewError(StorageError):
    """The database was migrated by a newer release than this one."""


class UsernameTakenError(StorageError):
    def __init__(self, username: str) -> None:
        self.username = username
        super().__init__(f"the username {username!r} is already taken")


class InvalidUsernameError(StorageError):
    def __init__(self, username: str) -> None:
        self.username = username
        super().__init__(
            f"{username!r} is not a valid username: use 3-32 letters, digits or underscores"
        )


class BalanceWouldGoNegativeError(StorageError):
    """A debit larger than the available money: `balance` less the `held` of running calls."""

    def __init__(self, username: str, balance: int, amount: int, held: int = 0) -> None:
        self.username, self.balance, self.amount, self.held = username, balance, amount, held
        super().__init__(
            f"{username}'s balance {balance} ({held} held by running calls) cannot take "
            f"{amount}: never below zero, nor below what running calls hold"
        )


class KeyChangedError(StorageError):
    """The key was replaced since the caller looked: a stale confirmation must not rotate."""

    def __init__(self, username: str) -> None:
        self.username = username
        super().__init__(f"the key of {username!r} has changed since it was shown")


class DatabaseInUseError(StorageError):
    """Another process is serving this SQLite database (it holds the lock beside it)."""

    def __init__(self, database: Path) -> None:
        self.database = database
        super().__init__(
            f"another process is already serving the SQLite database {database}: stop it "
            "first, or give this one its own DATABASE_URL (several replicas need PostgreSQL)"
        )


class MigrationOrderError(StorageError):
    """The release's migrations are not numbered 1..n in order, or two share a name.

    Raised at import: an applied migration is recorded by its version alone, so a gap, a
    repeat or a renumbering would make an existing database skip or replay statements.
    """


class DatabaseUnavailableError(StorageError):
    """The database cannot answer now: unreachable, timed out, locked past the busy timeout,
    or out of disk. Nothing about the request was wrong; the same request may work later.

    Raised instead of the driver's own error, so the API answers 503 (never a 500) and the
    billing knows that a settlement must be written again rather than forgotten. A statement
    cut off this way may still have been applied (PostgreSQL committed, the answer was
    lost), so whatever is written again must be idempotent.
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"the database is unavailable: {reason}")
