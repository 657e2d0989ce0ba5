"""What the employers screen reads: each employer's calls, referrals and name-request share, and the bars."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction

from sqlite_utils import Database

from dispatch import calendar
from dispatch.rules import RuleSet
from hall import audit
from hall.queries.employers import bars


@dataclass(frozen=True, slots=True)
class EmployerLine:
    """An employer: open calls, referrals in the name-request window, how many of them by name."""

    id: int
    name: str
    phone: str
    open_calls: int
    referrals: int
    named: int


@dataclass(frozen=True, slots=True)
class Bar:
    """An employer's no-referral request for a member, in force through ``until``."""

    id: int
    employer: str
    card: str
    name: str
    until: date
    reason: str
    contact: str
    created_by: str


@dataclass(frozen=True, slots=True)
class EmployersOverview:
    """Employers and the bars in force, with the rules' window and limits."""

    employers: tuple[EmployerLine, ...]
    bars: tuple[Bar, ...]
    window_days: int
    max_share: Fraction
    bar_max_days: int
    today: date


def employers_overview(db: Database, rules: RuleSet, now: datetime) -> EmployersOverview:
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
    today = calendar.local_date(now, rules)
    return EmployersOverview(
        employers=tuple(EmployerLine(r[0], r[1], r[2] or "", r[3], r[4], r[5]) for r in rows),
        bars=tuple(Bar(b["id"], b["employer"], b["card"], b["name"], b["until"], b["reason"] or "",
                       b["contact"] or "", b["created_by"] or "") for b in bars(db, today)),
        window_days=days, max_share=Fraction(rules.name_requests.max_share), bar_max_days=rules.bars.max_days,
        today=today,
    )


def employers_view(store) -> EmployersOverview:
    """``employers_overview`` read now, on its own connection (for the employers screen)."""
    with store.reading() as read:
        return employers_overview(read.db, read.rules, read.now)
