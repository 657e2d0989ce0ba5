"""Notices that fall due at a moment, recorded like re-sign removals (actor ``system``).

- **Re-sign due soon**: from the start of the day ``resign.warning_days`` before a waiting
  registration's due date, one notice per registration and signing (a re-sign starts a
  new clock, and a new notice when that one runs down).
- **The re-sign window is open** (window mode): from the start of the window's first day,
  while the window lasts, one notice per member per window, naming the books due in it.

Nobody presses a key for these: ``record_notices_due`` runs inside every write's
transaction after the removals (``Store.write``) and in ``Store.sweep`` (which
``hall notify run`` calls before each delivery pass), in one ``notices.due`` audit entry
dated now, each notice dated at the moment it fell due. The outbox's unique ``(card,
kind, ref)`` makes each once only, however many writes notice it; ``notice_marks`` keeps
where the last pass looked, so a write looks only at what may have come due since. A
member who asks for notices later is told at once what is already due
(``queue_for_member``). It has the shape of a due kind of issue 15's mechanism:
``notices_due`` (the probe, reads only) and ``record_notices_due`` (inside the caller's
transaction).
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

_ASKED = "EXISTS (SELECT 1 FROM members m WHERE m.card = registrations.card AND m.notices != 'none')"


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


def _mark(db: Database, kind: str) -> str | None:
    row = db.execute("SELECT checked_at FROM notice_marks WHERE kind = ?", [kind]).fetchone()
    return row[0] if row else None


def _warning_range(db: Database, rules: RuleSet, now: datetime) -> tuple[str, str | None]:
    """The signings to look at for warnings: before the cutoff now, and (after a first pass) not
    before the cutoff at the last pass or that pass itself (a signing since may be due at once)."""
    cutoff = audit.iso(warning_cutoff(rules, now))
    mark = _mark(db, RESIGN_DUE)
    if mark is None:
        return cutoff, None
    return cutoff, min(audit.iso(warning_cutoff(rules, load.parse_time(mark))), mark)


def _warnings_pending(db: Database, rules: RuleSet, now: datetime, limit: str = "", card: str | None = None) -> list:
    cutoff, lower = _warning_range(db, rules, now)
    if card is None and lower is not None and lower >= cutoff:
        return []
    where, params = ("card = ?", [card]) if card else (_ASKED, [])
    if lower is not None and card is None:
        where += " AND last_signed_at >= ?"
        params.append(lower)
    return db.execute(
        f"SELECT {load.REGISTRATION_COLUMNS} FROM registrations"
        f" WHERE status = 'waiting' AND last_signed_at < ? AND {where}"
        " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.card = registrations.card AND o.kind = ?"
        "   AND o.ref = 'registration:' || registrations.id || ':signed:' || registrations.last_signed_at)"
        f" ORDER BY +id {limit}", [cutoff, *params, RESIGN_DUE],
    ).fetchall()


def _window_pending(db: Database, rules: RuleSet, now: datetime, limit: str = "", card: str | None = None) -> list:
    window = _window(rules, now)
    if window is None:
        return []
    first, _ = window
    ref = f"window:{first.isoformat()}"
    if card is None and _mark(db, WINDOW_OPEN) == ref:
        return []  # everyone who had asked was told; who asks later is told then (``queue_for_member``)
    where, params = ("card = ?", [card]) if card else (_ASKED, [])
    return db.execute(
        f"SELECT {load.REGISTRATION_COLUMNS} FROM registrations"
        f" WHERE status = 'waiting' AND last_signed_at < ? AND {where}"
        " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.card = registrations.card AND o.kind = ? AND o.ref = ?)"
        f" ORDER BY +id {limit}",
        [audit.iso(calendar.start_of_day(first, rules)), *params, WINDOW_OPEN, ref],
    ).fetchall()


def _nobody_asked(db: Database) -> bool:
    return db.execute("SELECT 1 FROM members WHERE notices != 'none' LIMIT 1").fetchone() is None


def _window_unmarked(db: Database, rules: RuleSet, now: datetime) -> bool:
    window = _window(rules, now)
    return window is not None and _mark(db, WINDOW_OPEN) != f"window:{window[0].isoformat()}"


def notices_due(db: Database, rules: RuleSet, now: datetime) -> bool:
    """Whether a notice has fallen due and not been queued (reads only; nothing to do in a hall
    where nobody asked for notices, and next to nothing until the day turns)."""
    if _nobody_asked(db):
        return False
    if _window_unmarked(db, rules, now) and _window_pending(db, rules, now, "LIMIT 1"):
        return True
    return bool(_warnings_pending(db, rules, now, "LIMIT 1"))


def _names(db: Database, cards) -> dict[str, str]:
    cards = sorted(set(cards))
    names = {}
    for start in range(0, len(cards), 500):
        chunk = cards[start:start + 500]
        names.update(db.execute(f"SELECT card, name FROM members WHERE card IN ({','.join('?' * len(chunk))})",
                                chunk).fetchall())
    return names


def _set_mark(db: Database, kind: str, value: str) -> None:
    db.execute("INSERT INTO notice_marks (kind, checked_at) VALUES (?, ?)"
               " ON CONFLICT (kind) DO UPDATE SET checked_at = excluded.checked_at", [kind, value])


def _queue_due(tx, now: datetime, card: str | None = None) -> int:
    """Queue the warnings and the window's notices due at ``now`` (for one member, or for all);
    returns how many."""
    db, rules = tx.db, tx.rules
    today = calendar.local_date(now, rules)
    queued = 0
    warnings = [load.registration_from_row(r) for r in _warnings_pending(db, rules, now, card=card)]
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
    window = _window(rules, now)
    pending = [load.registration_from_row(r) for r in _window_pending(db, rules, now, card=card)]
    if window and pending:
        first, last = window
        books: dict[str, list[str]] = defaultdict(list)
        for reg in pending:
            books[reg.card].append(reg.book_id)
        names = _names(db, books)
        for member, held in books.items():
            notice = messages.window_open(names[member], member, sorted(held), first, last, rules, today)
            if queue(tx, member, WINDOW_OPEN, f"window:{first.isoformat()}", notice,
                     at=calendar.start_of_day(first, rules)):
                queued += 1
    return queued


def queue_for_member(tx, card: str) -> int:
    """A member who has just asked for notices is told at once what is already due (a re-sign
    due soon, the window open), inside the same transaction."""
    return _queue_due(tx, tx.now, card)


def record_notices_due(db: Database, now: datetime, rules: RuleSet, ruleset_id: int | None) -> int:
    """Queue the notices that have fallen due (inside the caller's transaction, after the
    removals), in one ``notices.due`` entry; returns how many were queued. Where it looked is
    kept in ``notice_marks`` (not replayed: a bookmark), so the next write looks only at the
    signings whose warning may have come due since (none until the day turns)."""
    from hall.store import Tx

    if _nobody_asked(db):
        return 0
    cutoff, lower = _warning_range(db, rules, now)
    if not (lower is None or lower < cutoff or _window_unmarked(db, rules, now)):
        return 0  # nothing can have come due since the last pass
    tx = Tx(db, now, "system", rules, ruleset_id)
    queued = _queue_due(tx, now)
    if tx.writes:
        window = _window(rules, now)
        data = {"count": queued}
        if window:
            data["window"] = [window[0].isoformat(), window[1].isoformat()]
        tx.record("notices.due", "notices", data)
    _set_mark(db, RESIGN_DUE, audit.iso(now))
    window = _window(rules, now)
    if window:
        _set_mark(db, WINDOW_OPEN, f"window:{window[0].isoformat()}")
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
