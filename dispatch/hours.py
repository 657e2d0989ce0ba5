"""(v2, fix) Hours belong to the member: low-hours boards and apprentices' hours.

referral-rules.md "Ordering", (v2, fix): on low-hours boards a member's period hours are
the sum of their hours records dated in the current period (recorded at every job end,
entered by staff, or imported from payroll) plus the turndown penalty hours charged to
them in the period; a decline that counts as no turndown adds none. A member who signs
again in the same period starts with the hours they already have.

- ``period_bounds``: the first and last local dates of the current period.
- ``member_period_hours``: card -> hours for the period, from hours records.
- ``with_member_hours``: registrations carrying their member's hours (what ``rank`` and
  ``book_order`` order a low-hours board by), whatever book they are on.
- ``job_end_hours``: hours at a job end, given or days worked x ``ordering.hours_per_day``.
- ``penalty_record`` / ``worked_record``: the hours records an ``Effect`` asks for.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Iterable, Mapping

from dispatch.calendar import local_date
from dispatch.model import HOURS_PENALTY, HOURS_WORKED, Effect, HoursRecord, Registration
from dispatch.rules import RuleSet
from dispatch.transitions import worked_hours


def period_bounds(now: datetime, rules: RuleSet) -> tuple[date, date]:
    """The first and last local dates of the low-hours period containing ``now``
    (``ordering.low_hours_period``: the calendar month, or the ISO week from Monday)."""
    today = local_date(now, rules)
    if rules.ordering.low_hours_period == "week":
        first = today - timedelta(days=today.weekday())
        return first, first + timedelta(days=6)
    first = today.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def member_period_hours(records: Iterable[HoursRecord], now: datetime, rules: RuleSet) -> dict[str, float]:
    """Card -> the member's hours for the current period: every hours record (worked or
    penalty) dated in the period. Members without records are absent (0 hours)."""
    first, last = period_bounds(now, rules)
    totals: dict[str, float] = {}
    for record in records:
        if first <= record.day <= last:
            totals[record.card] = totals.get(record.card, 0.0) + record.hours
    return totals


def with_member_hours(registrations: Iterable[Registration], hours: Mapping[str, float]) -> list[Registration]:
    """The registrations with ``period_hours`` set to their member's hours (0 without any):
    on a low-hours board a member ranks by their own hours on every book, and one who
    signs again in the period keeps what they have."""
    return [
        reg if reg.period_hours == hours.get(reg.card, 0.0) else replace(reg, period_hours=hours.get(reg.card, 0.0))
        for reg in registrations
    ]


def job_end_hours(days_worked: int, rules: RuleSet, given: float | None = None) -> float:
    """Hours credited at a job end: ``given``, or days worked x ``ordering.hours_per_day``."""
    return worked_hours(days_worked, rules, given)


def worked_record(card: str, effect: Effect, day: date, employer: str = "", category: str = "") -> HoursRecord | None:
    """The hours record a job end's ``Effect`` asks for (None when no hours were worked)."""
    if effect.hours_worked <= 0:
        return None
    return HoursRecord(card, day, effect.hours_worked, employer, category, HOURS_WORKED)


def penalty_record(card: str, effect: Effect, day: date) -> HoursRecord | None:
    """The penalty hours record an outcome's ``Effect`` asks for (a counted turndown on a
    low-hours board), or None."""
    if effect.penalty_hours <= 0:
        return None
    return HoursRecord(card, day, effect.penalty_hours, kind=HOURS_PENALTY)
