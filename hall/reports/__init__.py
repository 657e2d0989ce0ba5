"""The hall's reports: plain data (``Report``: sections of columns and rows, notes) built from
the records, exported as CSV, XLSX, PDF or Markdown by ``hall.reports.export``.

Every report states the hall, when it was produced, the rule set in force and the
audit head it was produced at, all read in one read transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Mapping

from dispatch import calendar
from dispatch.rules import RuleSet
from hall import audit
from hall.errors import HallError
from hall.reports import fairness as _fairness
from hall.reports import packet as _packet
from hall.reports import records as _records
from hall.reports.common import Ctx
from hall.reports.model import Report, Section, render_text

__all__ = ["REPORTS", "Report", "ReportSpec", "Section", "produce", "render_text", "rule_notices"]


@dataclass(frozen=True)
class ReportSpec:
    """A report the hall can produce: its options (``date``, ``since``, ``book``, ``days``, ``card``).

    ``option_help`` says what an option means for this report (e.g. what ``since`` counts
    from); ``example`` is what follows ``hall report NAME`` in an example command line.
    Everything that offers reports (the command line, the Reports screen) is built from
    this registry, so a new report is one entry.
    """

    name: str
    title: str
    build: Callable[..., Report]
    options: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    printed: bool = True  # offered as XLSX and PDF (CSV always)
    description: str = ""
    example: str = ""
    option_help: Mapping[str, str] = field(default_factory=dict)


REPORTS: dict[str, ReportSpec] = {spec.name: spec for spec in (
    ReportSpec("daybook", "Day book", _records.daybook, ("date",), ("date",),
               description="Every offer and referral of a day, in order; ends with the day's audit head.",
               example="--date 2026-11-26 --out daybook.pdf"),
    ReportSpec("list", "Out-of-work list", _records.wall_list, ("book",),
               description="Names and positions, for the hall's wall.",
               example="--book JW-1 --out jw1-wall.pdf"),
    ReportSpec("resign-due", "Re-sign due", _records.resign_due, ("days",),
               description="Registrations due to re-sign within N days.",
               example="--days 5"),
    ReportSpec("dropped", "Dropped", _records.dropped, ("since",), ("since",),
               description="Removed for not re-signing, turndowns or the short-call limit.",
               example="--since 2026-11-01", option_help={"since": "Removed on or after this day."}),
    ReportSpec("open-calls", "Open calls", _records.open_calls,
               description="Calls still being filled.",
               example="--out open.csv"),
    ReportSpec("employment", "Employment by employer", _records.employment,
               description="Who is working now, by employer.",
               example="--out employment.xlsx"),
    ReportSpec("unemployed", "Unemployed by book", _records.unemployed,
               description="How many are waiting on each book."),
    ReportSpec("name-requests", "Name requests", _records.name_requests, ("since",), ("since",),
               description="Per employer: referrals by name, their share and reasons.",
               example="--since 2026-11-01", option_help={"since": "Referrals on or after this day."}),
    ReportSpec("member", "Member history", _records.member, ("card",), ("card",),
               description="A member's registrations, positions, offers, referrals, job ends.",
               example="1042"),
    ReportSpec("fairness", "Fairness", _fairness.fairness, ("since",), ("since",),
               description="Out-of-order referrals (must be 0), shares, waits, rates, EEO aggregates.",
               example="--since 2026-11-01 --out fairness.pdf",
               option_help={"since": "The period starts on this day."}),
    ReportSpec("packet", "Member's records packet", _packet.packet, ("card", "since"), ("card", "since"),
               description="Everything a member may see about their place (PDF and Markdown).",
               example="1042 --since 2026-11-01 --out packet-1042.pdf",
               option_help={"since": "The period the member asks about."}),
)}


def produce(store, name: str, *, now: datetime | None = None, **options) -> Report:
    """Build report ``name`` from the store's records (one consistent read)."""
    spec = REPORTS.get(name)
    if spec is None:
        raise HallError(f"There is no report {name!r}: the reports are {', '.join(REPORTS)}.")
    unknown = sorted(k for k, v in options.items() if v not in (None, "") and k not in spec.options)
    if unknown:
        raise HallError(f"The {name} report takes no --{unknown[0]} option.")
    with store.reading(at=now, snapshot=True) as read:  # one snapshot: the head and the rows agree
        ctx = Ctx(read.db, read.now, read.rules, read.ruleset_id, audit.head(read.db))
        return spec.build(ctx, **{k: options.get(k) for k in spec.options})


def rule_notices(db, now: datetime) -> list[str]:
    """Lines for the board and the kiosk: "rules change on Mon 07 Dec 2026: resign.days: 30 → 45"."""
    from hall.queries.rules import upcoming_rules
    from hall.store import parse_rules_row, rules_row_in_force

    row = rules_row_in_force(db, now)
    rules = parse_rules_row(row[1]) if row else RuleSet()
    today = calendar.local_date(now, rules)
    lines = []
    for change in upcoming_rules(db, now):
        text = f"rules change on {calendar.day_text(calendar.local_date(change['effective_at'], rules), today)}"
        if change["changes"]:
            text += ": " + "; ".join(change["changes"])
        lines.append(text)
    return lines
