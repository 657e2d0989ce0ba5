"""Job calls: the list with fill state, and one call's record as taken."""

from __future__ import annotations

from sqlite_utils import Database

from dispatch.calls import is_short_call, no_turndown_reason
from dispatch.model import JobCall
from dispatch.rules import RuleSet
from hall import load


def calls(db: Database, *, open_only: bool = False, rules: RuleSet | None = None) -> list[dict]:
    """Job calls, newest first, with fill state. With ``rules``, (v2) whether each is a short call
    (``"short"``) and why declines on it never count (``"no_turndown"``, None when they can)."""
    sql = (
        "SELECT c.id, e.name, c.classification, c.workers, c.start_at, c.duration_days, c.status,"
        " c.site, c.taken_by, c.taken_at, c.calling_card, c.calling_by, c.calling_since,"
        " (SELECT count(*) FROM referrals r WHERE r.call_id = c.id AND r.status != 'reversed'),"
        " c.expected_hours, c.no_turndown"
        " FROM calls c JOIN employers e ON e.id = c.employer_id"
    )
    if open_only:
        sql += " WHERE c.status = 'open'"
    sql += " ORDER BY c.id DESC"
    rows = []
    for r in db.execute(sql).fetchall():
        row = {"id": r[0], "employer": r[1], "class": r[2], "workers": r[3], "start": load.parse_time(r[4]),
               "days": r[5], "status": r[6], "site": r[7], "taken_by": r[8], "taken_at": load.parse_time(r[9]),
               "calling_card": r[10], "calling_by": r[11], "calling_since": load.parse_time(r[12]),
               "accepted": r[13], "hours": r[14]}
        if rules is not None:
            job = JobCall(r[0], r[1], r[2], r[3], row["start"], r[5], expected_hours=r[14], no_turndown=r[15] or "")
            row["short"] = is_short_call(job, rules)
            row["no_turndown"] = no_turndown_reason(job, rules) or None
        rows.append(row)
    return rows


def call_info(db: Database, call_id: int) -> dict:
    """A call's record as taken: site, notes, who took it, who is calling whom."""
    row = db.execute(
        "SELECT site, notes, taken_by, taken_at, calling_card, calling_by, calling_since, cancel_reason,"
        " closed_at FROM calls WHERE id = ?", [call_id]
    ).fetchone()
    if row is None:
        return {}
    return {"site": row[0], "notes": row[1], "taken_by": row[2], "taken_at": load.parse_time(row[3]),
            "calling_card": row[4], "calling_by": row[5], "calling_since": load.parse_time(row[6]),
            "cancel_reason": row[7], "closed_at": load.parse_time(row[8])}
