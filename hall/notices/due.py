"""Notices that fall due at a moment, recorded like re-sign removals (actor ``system``).

- **Re-sign due soon**: from the start of the day ``resign.warning_days`` before a waiting
  registration's due date, one notice per registration and signing (a re-sign starts a
  new clock, and a new notice when that one runs down).
- **The re-sign window is open** (window mode): from the start of the window's first day,
  while the window lasts, one notice per member per window, naming the books due in it.

Nobody presses a key for these: ``record_notices_due`` runs inside every write's
transaction after the removals (``Store.write``) and in ``Store.sweep`` (which
``hall notify run`` calls before each delivery pass), each kind in one ``notices.due``
audit entry dated now, each notice dated at the moment it fell due. The outbox's unique
``(card, kind, ref)`` makes each once only, however many writes notice it. It has the
shape of a due kind of issue 15's mechanism: ``notices_due`` (the probe, reads only) and
``record_notices_due`` (inside the caller's transaction).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlite_utils import Database

from dispatch import calendar
from dispatch.model import Registration
from dispatch.rules import RuleSet
from hall import audit, load
from hall.notices import messages
from hall.notices.outbox import RESIGN_DUE, WINDOW_OPEN, queue

_ASKED = "card IN (SELECT card FROM members WHERE notices != 'none')"


def _warn_from(registration: Registration, rules: RuleSet) -> datetime:
    """The moment a registration's "re-sign due soon" notice falls due."""
    due = calendar.resign_due(registration, rules)
    return calendar.start_of_day(due - timedelta(days=rules.resign.warning_days), rules)


def warning_cutoff(rules: RuleSet, now: datetime) -> datetime:
    """Waiting registrations last signed before this moment are due a warning at ``now`` (the
    moment only grows with the signing date: walk back from today to the newest that is)."""
    day = calendar.local_date(now, rules)
    for _ in range(800):
        probe = Registration(0, "", "", now, calendar.start_of_day(day, rules))
        if _warn_from(probe, rules) <= now:
            return calendar.start_of_day(day + timedelta(days=1), rules)
        day -= timedelta(days=1)
    return calendar.start_of_day(day, rules)


def _window(rules: RuleSet, now: datetime):
    """The open re-sign window at ``now`` (its first and last day), or None."""
    if rules.resign.mode != "window":
        return None
    today = calendar.local_date(now, rules)
    if not calendar.in_resign_window(today, rules):
        return None
    return today.replace(day=rules.resign.window_start_day), today.replace(day=rules.resign.window_end_day)


def _warnings_pending(db: Database, rules: RuleSet, now: datetime, limit: str = "") -> list:
    cutoff = audit.iso(warning_cutoff(rules, now))
    return db.execute(
        f"SELECT {load.REGISTRATION_COLUMNS} FROM registrations"
        f" WHERE status = 'waiting' AND last_signed_at < ? AND {_ASKED}"
        " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.card = registrations.card AND o.kind = ?"
        "   AND o.ref = 'registration:' || registrations.id || ':signed:' || registrations.last_signed_at)"
        f" ORDER BY +id {limit}", [cutoff, RESIGN_DUE],
    ).fetchall()


def _window_pending(db: Database, rules: RuleSet, now: datetime, limit: str = "") -> list:
    window = _window(rules, now)
    if window is None:
        return []
    first, _ = window
    return db.execute(
        f"SELECT {load.REGISTRATION_COLUMNS} FROM registrations"
        f" WHERE status = 'waiting' AND last_signed_at < ? AND {_ASKED}"
        " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.card = registrations.card AND o.kind = ? AND o.ref = ?)"
        f" ORDER BY +id {limit}",
        [audit.iso(calendar.start_of_day(first, rules)), WINDOW_OPEN, f"window:{first.isoformat()}"],
    ).fetchall()


def notices_due(db: Database, rules: RuleSet, now: datetime) -> bool:
    """Whether a notice may have fallen due and not been queued (reads only; nothing to do in a
    hall where nobody asked for notices)."""
    if db.execute("SELECT 1 FROM members WHERE notices != 'none' LIMIT 1").fetchone() is None:
        return False
    return bool(_warnings_pending(db, rules, now, "LIMIT 1") or _window_pending(db, rules, now, "LIMIT 1"))


def _names(db: Database, cards) -> dict[str, str]:
    cards = sorted(set(cards))
    names = {}
    for start in range(0, len(cards), 500):
        chunk = cards[start:start + 500]
        names.update(db.execute(f"SELECT card, name FROM members WHERE card IN ({','.join('?' * len(chunk))})",
                                chunk).fetchall())
    return names


def record_notices_due(db: Database, now: datetime, rules: RuleSet, ruleset_id: int | None) -> int:
    """Queue the notices that have fallen due (inside the caller's transaction, after the
    removals); returns how many were queued."""
    from hall.store import Tx

    if db.execute("SELECT 1 FROM members WHERE notices != 'none' LIMIT 1").fetchone() is None:
        return 0
    today = calendar.local_date(now, rules)
    queued = 0
    warnings = [load.registration_from_row(r) for r in _warnings_pending(db, rules, now)]
    if warnings:
        tx = Tx(db, now, "system", rules, ruleset_id)
        names = _names(db, (r.card for r in warnings))
        for reg in warnings:
            if calendar.resign_state(reg, rules, now) not in (calendar.RESIGN_DUE_SOON, calendar.RESIGN_OVERDUE):
                continue
            due = calendar.resign_due(reg, rules)
            notice = messages.resign_due(names[reg.card], reg.card, [reg.book_id], due,
                                         calendar.removal_at(reg, rules), rules, today)
            ref = f"registration:{reg.id}:signed:{audit.iso(reg.last_signed_at)}"
            if queue(tx, reg.card, RESIGN_DUE, ref, notice, at=max(_warn_from(reg, rules), reg.last_signed_at)):
                queued += 1
        if tx.writes:
            tx.record("notices.due", "notices", {"kind": RESIGN_DUE, "count": len(tx.writes)})
    window = _window(rules, now)
    pending = [load.registration_from_row(r) for r in _window_pending(db, rules, now)]
    if window and pending:
        first, last = window
        tx = Tx(db, now, "system", rules, ruleset_id)
        books: dict[str, list[str]] = defaultdict(list)
        for reg in pending:
            books[reg.card].append(reg.book_id)
        names = _names(db, books)
        for card, held in books.items():
            notice = messages.window_open(names[card], card, sorted(held), first, last, rules, today)
            if queue(tx, card, WINDOW_OPEN, f"window:{first.isoformat()}", notice,
                     at=calendar.start_of_day(first, rules)):
                queued += 1
        if tx.writes:
            tx.record("notices.due", "notices", {"kind": WINDOW_OPEN, "count": len(tx.writes),
                                                 "window": [first.isoformat(), last.isoformat()]})
    return queued


def sweep_notices(store, db: Database) -> int:
    """Queue what has fallen due in its own transaction (actor ``system``), only when the probe
    finds something (a list being shown, ``hall notify run``)."""
    from hall import changes
    from hall.db import immediate

    now = store.now()
    _, rules = store.rules(db, now)
    if not notices_due(db, rules, now):
        return 0
    with immediate(db), changes.logged(db):
        ruleset_id, rules = store.rules(db, now)
        return record_notices_due(db, now, rules, ruleset_id)
