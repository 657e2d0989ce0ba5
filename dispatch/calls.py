"""What a job call is, as the rules see it: short or regular, and when it should end."""

from __future__ import annotations

from datetime import date, timedelta

from dispatch.calendar import business_day_on_or_after, is_business_day, local_date
from dispatch.model import JobCall
from dispatch.rules import RuleSet


def is_short_call(call: JobCall, rules: RuleSet) -> bool:
    """A short call: expected duration of at most ``short_calls.max_days`` working days."""
    return call.duration_days <= rules.short_calls.max_days


def expected_end(call: JobCall, rules: RuleSet) -> date:
    """The call's last expected working day (local date).

    The first working day is the first business day on or after the call's start
    date; the call ends on its ``duration_days``-th business day.
    """
    day = business_day_on_or_after(local_date(call.start, rules), rules)
    remaining = call.duration_days - 1
    while remaining > 0:
        day += timedelta(days=1)
        if is_business_day(day, rules):
            remaining -= 1
    return day
