"""What the command palette looks up: members by card or name, calls by number or employer."""

from __future__ import annotations

from hall.queries import escape_like
from hall.queries.members import search_members
from hall.store import Store


def lookup(store: Store, text: str, limit: int = 12) -> dict:
    """Members whose card starts with / name contains ``text``; calls whose number is ``text`` or
    whose employer contains it (open calls first, newest first)."""
    text = (text or "").strip()
    if not text:
        return {"members": [], "calls": []}
    number = text.lstrip("#")
    with store.read() as db:
        members = search_members(db, text, limit=limit)
        rows = db.execute(
            "SELECT c.id, e.name, c.classification, c.workers, c.status FROM calls c"
            " JOIN employers e ON e.id = c.employer_id"
            " WHERE c.id = ? OR e.name LIKE ? ESCAPE '\\'"
            " ORDER BY c.status != 'open', c.id DESC LIMIT ?",
            [int(number) if number.isdigit() else -1, "%" + escape_like(text) + "%", limit],
        ).fetchall()
    calls = [{"id": r[0], "employer": r[1], "class": r[2], "workers": r[3], "status": r[4]} for r in rows]
    return {"members": members, "calls": calls}
