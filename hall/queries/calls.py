"""Job calls: the list with fill state, and one call's record as taken."""

from __future__ import annotations

from sqlite_utils import Database

from hall import load


def calls(db: Database, *, open_only: bool = False) -> list[dict]:
    """Job calls, newest first, with fill state."""
    sql = (
        "SELECT c.id, e.name, c.classification, c.workers, c.start_at, c.duration_days, c.status,"
        " c.site, c.taken_by, c.taken_at, c.calling_card, c.calling_by, c.calling_since,"
        " (SELECT count(*) FROM referrals r WHERE r.call_id = c.id AND r.status != 'reversed')"
        " FROM calls c JOIN employers e ON e.id = c.employer_id"
    )
    if open_only:
        sql += " WHERE c.status = 'open'"
    sql += " ORDER BY c.id DESC"
    return [
        {"id": r[0], "employer": r[1], "class": r[2], "workers": r[3], "start": load.parse_time(r[4]),
         "days": r[5], "status": r[6], "site": r[7], "taken_by": r[8], "taken_at": load.parse_time(r[9]),
         "calling_card": r[10], "calling_by": r[11], "calling_since": load.parse_time(r[12]),
         "accepted": r[13]}
        for r in db.execute(sql).fetchall()
    ]


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
