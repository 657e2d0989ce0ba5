"""What the command palette looks up: members by card or name, calls by number or employer."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from hall.errors import HallError
from hall.queries import escape_like
from hall.queries.members import search_members
from hall.store import Store


@dataclass(frozen=True, slots=True)
class CallFound:
    """A call the palette found."""

    id: int
    employer: str
    classification: str
    workers: int
    status: str


@dataclass(frozen=True, slots=True)
class Found:
    """What the palette found: members as (card, name), and calls."""

    members: tuple[tuple[str, str], ...] = ()
    calls: tuple[CallFound, ...] = ()


def lookup(store: Store, text: str, limit: int = 12) -> Found:
    """Members whose card starts with / name contains ``text``; calls whose number is ``text`` or
    whose employer contains it (open calls first, newest first)."""
    text = (text or "").strip()
    if not text:
        return Found()
    number = text.lstrip("#")
    try:
        return _lookup(store, text, number, limit)
    except sqlite3.OperationalError as error:  # e.g. the file is being restored: say so, do not stop the app
        raise HallError(f"Could not read the records: {error}.") from None


def _lookup(store: Store, text: str, number: str, limit: int) -> Found:
    with store.read() as db:
        members = search_members(db, text, limit=limit)
        rows = db.execute(
            "SELECT c.id, e.name, c.classification, c.workers, c.status FROM calls c"
            " JOIN employers e ON e.id = c.employer_id"
            " WHERE c.id = ? OR e.name LIKE ? ESCAPE '\\'"
            " ORDER BY c.status != 'open', c.id DESC LIMIT ?",
            [int(number) if number.isdigit() else -1, "%" + escape_like(text) + "%", limit],
        ).fetchall()
    return Found(tuple((m["card"], m["name"]) for m in members), tuple(CallFound(*r) for r in rows))
