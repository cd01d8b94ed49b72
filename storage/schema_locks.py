"""Migration 13: why an account's strikes (and the lock they set) happened.

`accounts.lock_cause` is written only by the gate's statement (`storage.accounts`) and by an
admin's block and unblock (`storage.admin`):

- 'no_funds' while every strike of the current run was a call the balance could not cover;
- 'bad_key' as soon as any strike of the run was a wrong key;
- 'admin' for an admin's block;
- NULL when there is no run (a success, an unblock, a lifted lock) or for rows locked before
  this migration, whose cause is unknown.

Only a 'no_funds' lock is lifted by money in (see `storage.locks.lift_no_funds_lock`):
paying must never undo a lock that guessing took part in, nor an admin's block.
"""

from __future__ import annotations

from storage.schema_migration import Migration

_LOCK_CAUSE = ("ALTER TABLE accounts ADD COLUMN lock_cause TEXT",)

LOCK_CAUSE_MIGRATION = Migration(13, "lock_cause", sqlite=_LOCK_CAUSE, postgresql=_LOCK_CAUSE)
