"""What the employers screen reads: each employer's calls, referrals and name-request share, and the bars."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlite_utils import Database

from dispatch import calendar
from dispatch.rules import RuleSet
from hall import audit
from hall.queries.employers import bars


def employers_overview(db: Database, rules: RuleSet, now: datetime) -> dict:
    """Employers (name, phone, open calls, referrals in the name-request window, named share) and bars in force."""
    days = rules.name_requests.window_days
    since = audit.iso(now - timedelta(days=days))
    rows = db.execute(
        "SELECT e.id, e.name, e.phone,"
        " (SELECT count(*) FROM calls c WHERE c.employer_id = e.id AND c.status = 'open'),"
        " (SELECT count(*) FROM referrals r WHERE r.employer_id = e.id AND r.at >= ? AND r.status != 'reversed'),"
        " (SELECT count(*) FROM referrals r WHERE r.employer_id = e.id AND r.at >= ? AND r.status != 'reversed'"
        "   AND r.basis = 'name_request')"
        " FROM employers e ORDER BY e.name COLLATE NOCASE",
        [since, since],
    ).fetchall()
    employers = [
        {"id": r[0], "name": r[1], "phone": r[2], "open_calls": r[3], "referrals": r[4], "named": r[5]}
        for r in rows
    ]
    today = calendar.local_date(now, rules)
    return {"employers": employers, "bars": bars(db, today), "window_days": days,
            "max_share": rules.name_requests.max_share, "bar_max_days": rules.bars.max_days, "today": today}
