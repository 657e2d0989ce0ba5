"""The list exactly as it stood at any moment, rebuilt from the registrations' history rows.

Every change of a registration's status, place or last signing writes a
history row with its time (a re-sign removal is dated at its deadline), so the
state at a moment is the newest row at or before it; the rule set in force at
that moment orders the list and says who had already lapsed.
"""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from dispatch import calendar
from dispatch.model import WAITING, Registration
from dispatch.ranking import book_order
from dispatch.rules import RuleSet
from hall import audit, load
from hall.queries.books import ListRow
from hall.store import parse_rules_row, rules_row_in_force


def rules_at(db: Database, moment: datetime) -> RuleSet:
    """The rule set in force at ``moment``."""
    row = rules_row_in_force(db, moment)
    if row is None:
        return RuleSet()
    return parse_rules_row(row[1])


def _state_at(db: Database, moment: datetime, *, book_id: str | None = None, card: str | None = None):
    where, params = ["at <= ?"], [audit.iso(moment)]
    if book_id is not None:
        where.append("book_id = ?")
        params.append(book_id)
    if card is not None:
        where.append("card = ?")
        params.append(card)
    return db.execute(
        "SELECT registration_id, card, book_id, status, registered_at, coalesce(last_signed_at, registered_at)"
        " FROM (SELECT *, row_number() OVER (PARTITION BY registration_id ORDER BY at DESC, id DESC) AS newest"
        f" FROM registration_history WHERE {' AND '.join(where)}) WHERE newest = 1",
        params,
    ).fetchall()


def _waiting_at(db: Database, rows, rules: RuleSet, moment: datetime) -> list[Registration]:
    regs = []
    for reg_id, card, book_id, status, registered_at, last_signed_at in rows:
        if status != WAITING:
            continue
        reg = Registration(reg_id, card, book_id, load.parse_time(registered_at), load.parse_time(last_signed_at))
        if calendar.removal_at(reg, rules) <= moment:
            continue
        regs.append(reg)
    if rules.ordering.policy == "low_hours" and regs:
        since = calendar.period_start(moment, rules)
        hours = dict(db.execute(
            "SELECT registration_id, sum(hours) FROM hours WHERE at >= ? AND at <= ? GROUP BY registration_id",
            [audit.iso(since), audit.iso(moment)],
        ).fetchall())
        from dataclasses import replace

        regs = [replace(r, period_hours=hours.get(r.id, 0.0)) for r in regs]
    return regs


def book_list_as_of(db: Database, book_id: str, moment: datetime) -> list[ListRow]:
    """A book's out-of-work list as it stood at ``moment``."""
    rules = rules_at(db, moment)
    book = rules.book(book_id)
    if book is None:
        return []
    regs = book_order(_waiting_at(db, _state_at(db, moment, book_id=book.id), rules, moment), rules, book)
    names = dict(db.execute("SELECT card, name FROM members").fetchall()) if regs else {}
    return [
        ListRow(i, reg.card, names.get(reg.card, ""), reg.book_id, reg.registered_at, reg.last_signed_at,
                calendar.resign_due(reg, rules), calendar.resign_state(reg, rules, moment), reg.turndowns, reg.id)
        for i, reg in enumerate(regs, start=1)
    ]


def position_as_of(db: Database, card: str, moment: datetime) -> dict:
    """A member's books, status and positions as they stood at ``moment``."""
    member = load.member(db, card)
    rules = rules_at(db, moment)
    books = []
    for reg_id, _, book_id, status, registered_at, last_signed_at in _state_at(db, moment, card=card):
        if status == "removed":
            continue
        reg = Registration(reg_id, card, book_id, load.parse_time(registered_at), load.parse_time(last_signed_at),
                           status=status)
        position = None
        resign_due = None
        if status == WAITING:
            if calendar.removal_at(reg, rules) <= moment:
                continue
            resign_due = calendar.resign_due(reg, rules)
            order = book_list_as_of(db, book_id, moment)
            position = next((row.position for row in order if row.registration_id == reg_id), None)
        books.append({"book": book_id, "status": status, "position": position,
                      "registered_at": reg.registered_at, "resign_due": resign_due})
    books.sort(key=lambda b: (rules.book(b["book"]).priority if rules.book(b["book"]) else 99, b["book"]))
    return {"member": member, "books": books}
