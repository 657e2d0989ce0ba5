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
from dispatch.hours import with_member_hours
from dispatch.model import WAITING, ExcusedAbsence, Registration
from dispatch.ranking import book_order
from dispatch.rules import RuleSet
from hall import audit, load
from hall.queries.books import ListRow, list_row
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


def excused_at(db: Database, moment: datetime) -> dict:
    """Excused absences as they were recorded by ``moment`` (card -> absences): one recorded later
    did not stop the clock then; a later correction is not known, so the absence reads as it is now."""
    found: dict = {}
    for card, start, until, kind in db.execute(
        "SELECT card, start, until, kind FROM excuses WHERE created_at <= ? ORDER BY start, id", [audit.iso(moment)]
    ):
        found.setdefault(card, []).append(ExcusedAbsence(card, load.parse_date(start), load.parse_date(until), kind))
    return {card: tuple(absences) for card, absences in found.items()}


def _waiting_at(db: Database, rows, rules: RuleSet, moment: datetime, excused: dict) -> list[Registration]:
    regs = []
    for reg_id, card, book_id, status, registered_at, last_signed_at in rows:
        if status != WAITING:
            continue
        reg = Registration(reg_id, card, book_id, load.parse_time(registered_at), load.parse_time(last_signed_at))
        if calendar.removal_at(reg, rules, excused.get(card, ())) <= moment:
            continue
        regs.append(reg)
    if rules.ordering.policy == "low_hours" and regs:
        hours = load.member_hours(db, {r.card for r in regs}, moment, rules, through=moment)
        regs = with_member_hours(regs, hours)
    return regs


def counts_at(db: Database, reg_id: int, card: str, moment: datetime, rules: RuleSet) -> tuple[int, int]:
    """A registration's turndowns and short-call restorations as they stood at ``moment``: turndowns
    counted since it last came back on the list (signed, restored, returned), restorations counted
    since it was signed."""
    at = audit.iso(moment)
    since = db.execute(
        "SELECT max(at) FROM registration_history WHERE registration_id = ? AND at <= ? AND event != ?",
        [reg_id, at, load.RESIGNED_EVENT]).fetchone()[0] or ""
    turndowns = db.execute(
        "SELECT (SELECT count(*) FROM offers WHERE registration_id = ? AND turndown_counted = 1"
        " AND superseded_by IS NULL AND at > ? AND at <= ?)"
        " + (SELECT count(*) FROM turndown_charges WHERE registration_id = ? AND counted = 1 AND at > ? AND at <= ?)",
        [reg_id, since, at, reg_id, since, at]).fetchone()[0]
    signed = db.execute("SELECT min(at) FROM registration_history WHERE registration_id = ?", [reg_id]).fetchone()[0]
    restorations = db.execute(
        "SELECT count(*) FROM job_ends WHERE card = ? AND counted_short = 1 AND reason = 'laid_off'"
        " AND at >= ? AND at <= ? AND days_worked > ?",
        [card, signed or at, at, rules.short_calls.uncounted_max_days]).fetchone()[0]
    return turndowns, restorations


def book_list_as_of(db: Database, book_id: str, moment: datetime) -> list[ListRow]:
    """A book's out-of-work list as it stood at ``moment``."""
    rules = rules_at(db, moment)
    book = rules.book(book_id)
    if book is None:
        return []
    excused = excused_at(db, moment)
    regs = book_order(_waiting_at(db, _state_at(db, moment, book_id=book.id), rules, moment, excused), rules, book)
    names = dict(db.execute("SELECT card, name FROM members").fetchall()) if regs else {}
    return [list_row(i, reg, names.get(reg.card, ""), rules, moment, excused.get(reg.card, ()))
            for i, reg in enumerate(regs, start=1)]


def position_as_of(db: Database, card: str, moment: datetime) -> dict:
    """A member's books, status and positions as they stood at ``moment``."""
    member = load.member(db, card)
    rules = rules_at(db, moment)
    excused = excused_at(db, moment).get(card, ())
    books = []
    for reg_id, _, book_id, status, registered_at, last_signed_at in _state_at(db, moment, card=card):
        if status == "removed":
            continue
        reg = Registration(reg_id, card, book_id, load.parse_time(registered_at), load.parse_time(last_signed_at),
                           status=status)
        position = None
        resign_due = None
        if status == WAITING:
            if calendar.removal_at(reg, rules, excused) <= moment:
                continue
            resign_due = calendar.resign_due(reg, rules, excused)
            order = book_list_as_of(db, book_id, moment)
            position = next((row.position for row in order if row.registration_id == reg_id), None)
        turndowns, restorations = counts_at(db, reg_id, card, moment, rules)
        books.append({"book": book_id, "status": status, "position": position,
                      "registered_at": reg.registered_at, "resign_due": resign_due,
                      "turndowns": turndowns, "restorations": restorations})
    books.sort(key=lambda b: (rules.book(b["book"]).priority if rules.book(b["book"]) else 99, b["book"]))
    return {"member": member, "books": books}
