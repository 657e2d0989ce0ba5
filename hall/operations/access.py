"""Work that is no single write: reading the hall's records, upgrading or restoring the file.
Who may, declared like every operation (``hall.identity``) and checked the same way.

JATC staff read nothing yet: the apprentices' screen that is theirs comes with a later issue.
"""

from __future__ import annotations

from hall.identity import ADMIN, STAFF, Actor, allowed


@allowed(STAFF, doing="read the hall's records")
def check_reader(store, actor: Actor) -> str | None:
    """Refuse, with the one sentence and an ``access.refused`` entry, unless ``actor`` may read the
    hall's records (lists, members, calls, employers, the audit log, reports, backups); returns
    the account's role read now."""
    return store.authorize(actor)


@allowed(STAFF, doing="upgrade the database")
def check_migrator(store, actor: Actor) -> str | None:
    """Refuse unless ``actor`` may upgrade the database explicitly (``hall migrate``)."""
    return store.authorize(actor)


@allowed(ADMIN, doing="restore the hall from a backup")
def check_restorer(store, actor: Actor) -> str | None:
    """Refuse unless ``actor`` may replace the hall's database with a backup."""
    return store.authorize(actor)


@allowed(ADMIN, doing="open the rules and staff accounts")
def check_administrator(store, actor: Actor) -> str | None:
    """Refuse unless ``actor`` may open the app's admin screens (the rules and the staff accounts)."""
    return store.authorize(actor)
