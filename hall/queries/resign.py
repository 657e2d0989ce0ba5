"""Re-signs due: who must re-sign within some days (or is overdue), soonest first."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlite_utils import Database

from dispatch import calendar
from dispatch.model import Registration
from dispatch.rules import RuleSet
from hall import audit, load


_NOT_EXCUSED = " AND r.card NOT IN (SELECT card FROM excuses)"


def _excused_due(db: Database, rules: RuleSet, now: datetime, horizon: date) -> list[dict]:
    """(v2) The waiting registrations of members with an excused absence due by ``horizon``: their
    clock stopped while excused, so their due dates are computed one by one (they are few)."""
    excused = load.excused_absences(db)
    if not excused:
        return []
    columns = ", ".join("r." + c.strip() for c in load.REGISTRATION_COLUMNS.split(","))
    marks = ",".join("?" for _ in excused)
    found = []
    for row in db.execute(f"SELECT {columns}, m.name FROM registrations r JOIN members m USING (card)"
                          f" WHERE r.status = 'waiting' AND r.card IN ({marks})", list(excused)):
        reg = load.registration_from_row(row[:12])
        absences = excused[reg.card]
        if calendar.removal_at(reg, rules, absences) <= now:
            continue
        due = calendar.resign_due(reg, rules, absences)
        if due <= horizon:
            found.append({"card": reg.card, "name": row[12], "book": reg.book_id, "due": due,
                          "state": calendar.resign_state(reg, rules, now, absences)})
    return found


def resign_due_soon(db: Database, rules: RuleSet, now: datetime, days: int = 7) -> list[dict]:
    """Waiting registrations due within ``days`` (or already overdue), soonest first (an excused
    absence moves a due date: (v2) "Excused absences")."""
    cutoff = load.lapse_cutoff_text(rules, now)
    horizon = calendar.local_date(now, rules) + timedelta(days=days)
    result = _excused_due(db, rules, now, horizon)
    sql = (f"SELECT {load.REGISTRATION_COLUMNS}, m.name FROM registrations r JOIN members m USING (card)"
           " WHERE r.status = 'waiting' AND r.last_signed_at >= ?" + _NOT_EXCUSED)
    params = [cutoff]
    if rules.resign.mode == "rolling":
        # Due = the signing's local date + days: only those signed before the start of
        # (horizon - days + 2) can be due by the horizon (a day's slack; checked below).
        bound = calendar.start_of_day(horizon - timedelta(days=rules.resign.days - 2), rules)
        sql += " AND r.last_signed_at < ?"
        params.append(audit.iso(bound))
    for row in db.execute(sql, params):
        reg = load.registration_from_row(row[:12])
        due = calendar.resign_due(reg, rules)
        if due <= horizon:
            result.append({"card": reg.card, "name": row[12], "book": reg.book_id, "due": due,
                           "state": calendar.resign_state(reg, rules, now)})
    result.sort(key=lambda r: (r["due"], r["book"], r["card"]))
    return result


def _first_signing_due_after(rules: RuleSet, first: date, last: date, limit: date) -> datetime | None:
    """The start of the first local signing date in ``first``..``last`` whose re-sign due date
    is after ``limit`` (None: none is). The due date only grows with the signing date, so a
    binary search finds it."""
    def due(day: date) -> date:
        moment = calendar.start_of_day(day, rules)
        return calendar.resign_due(Registration(0, "", "", moment, moment), rules)

    if due(last) <= limit:
        return None
    lo, hi = first, last  # due(hi) > limit
    while lo < hi:
        mid = lo + (hi - lo) // 2
        if due(mid) > limit:
            hi = mid
        else:
            lo = mid + timedelta(days=1)
    return calendar.start_of_day(lo, rules)


def resign_due_top(db: Database, rules: RuleSet, now: datetime, days: int = 7,
                   limit: int = 100) -> tuple[list[dict], int]:
    """``resign_due_soon(...)[:limit]`` and ``len(resign_due_soon(...))``, reading only those rows.

    The due date grows with the signing date, so those due by the horizon are a range of
    ``last_signed_at`` (counted on ``registrations_lapse``), the soonest due are the earliest
    signed, and the ties at the last due date shown are read in (book, card) order.
    """
    cutoff = load.lapse_cutoff_text(rules, now)
    today = calendar.local_date(now, rules)
    horizon = today + timedelta(days=days)
    first = calendar.local_date(load.parse_time(cutoff), rules) - timedelta(days=1)
    last = today + timedelta(days=800)
    upper = _first_signing_due_after(rules, first, last, horizon)
    where = "r.status = 'waiting' AND r.last_signed_at >= ?" + _NOT_EXCUSED
    params: list = [cutoff]
    if upper is not None:
        where += " AND r.last_signed_at < ?"
        params.append(audit.iso(upper))
    total = db.execute(f"SELECT count(*) FROM registrations r JOIN members m USING (card) WHERE {where}",
                       params).fetchone()[0]
    columns = ", ".join("r." + c.strip() for c in load.REGISTRATION_COLUMNS.split(","))
    select = f"SELECT {columns}, m.name FROM registrations r JOIN members m USING (card) WHERE {where}"
    rows = db.execute(select + " ORDER BY r.last_signed_at LIMIT ?", [*params, limit]).fetchall()

    def entry(row) -> dict:
        reg = load.registration_from_row(row[:12])
        return {"card": reg.card, "name": row[12], "book": reg.book_id, "due": calendar.resign_due(reg, rules),
                "state": calendar.resign_state(reg, rules, now)}

    result = [entry(row) for row in rows]
    if total > limit and result:
        # The rows due on the last date shown, in (book, card) order, replace those read so far.
        last_due = result[-1]["due"]
        result = [r for r in result if r["due"] < last_due]
        low = _first_signing_due_after(rules, first, last, last_due - timedelta(days=1))
        high = _first_signing_due_after(rules, first, last, last_due)
        tie_where, tie_params = where, list(params)
        if low is not None:
            tie_where += " AND r.last_signed_at >= ?"
            tie_params.append(audit.iso(low))
        if high is not None:
            tie_where += " AND r.last_signed_at < ?"
            tie_params.append(audit.iso(high))
        tie = f"SELECT {columns}, m.name FROM registrations r JOIN members m USING (card) WHERE {tie_where}"
        result += [entry(row) for row in db.execute(tie + " ORDER BY r.book_id, r.card LIMIT ?",
                                                    [*tie_params, limit - len(result)])]
    excused = _excused_due(db, rules, now, horizon)
    result = sorted(result + excused, key=lambda r: (r["due"], r["book"], r["card"]))[:limit]
    return result, total + len(excused)
