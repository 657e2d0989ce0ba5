"""What a job call is, as the rules see it: short or regular, when it should end, and
whether a decline on it can count as a turndown.

- ``is_short_call``: referral-rules.md "Offers and outcomes" (by ``short_calls.max_days``)
  and (v2) "Short calls as locals define them" (by expected hours, ``short_calls.max_hours``).
- ``expected_hours``: the call's expected hours, given or days x ``ordering.hours_per_day``.
- ``no_turndown_reason``: (v2) "Turndowns as locals count them": calls whose declines
  never count (taken so, ``turndowns.exempt_max_days``, ``turndowns.exempt_start_before``).
- ``expected_end``: the last expected working day (a short call's hold).
"""

from __future__ import annotations

from datetime import date, timedelta

from dispatch.calendar import business_day_on_or_after, is_business_day, local, local_date
from dispatch.model import JobCall
from dispatch.rules import RuleSet


def expected_hours(call: JobCall, rules: RuleSet) -> float:
    """The hours the call is expected to last: as given, or days x ``ordering.hours_per_day``."""
    if call.expected_hours is not None:
        return call.expected_hours
    return call.duration_days * rules.ordering.hours_per_day


def is_short_call(call: JobCall, rules: RuleSet) -> bool:
    """A short call: with ``short_calls.max_hours`` (v2), expected hours of at most that many
    ("40 hours or less"); otherwise an expected duration of at most ``short_calls.max_days``
    working days."""
    if rules.short_calls.max_hours > 0:
        return expected_hours(call, rules) <= rules.short_calls.max_hours
    return call.duration_days <= rules.short_calls.max_days


def short_call_words(rules: RuleSet) -> str:
    """What makes a call short under these rules, as a person says it: "10 working days or
    fewer", "40 hours or less"."""
    if rules.short_calls.max_hours > 0:
        return f"{rules.short_calls.max_hours:g} hours or less"
    days = rules.short_calls.max_days
    return f"{days} working day{'s' if days != 1 else ''} or fewer"


def no_turndown_reason(call: JobCall, rules: RuleSet) -> str:
    """(v2) Why a decline on this call never counts as a turndown, or "" when it can count.

    In order: the reason the call was taken with (``call add --no-turndown``), a call
    of at most ``turndowns.exempt_max_days`` days, a call starting (hall time) before
    ``turndowns.exempt_start_before``. The call says so wherever it is shown.
    """
    if call.no_turndown.strip():
        return call.no_turndown.strip()
    limit = rules.turndowns.exempt_max_days
    if limit > 0 and call.duration_days <= limit:
        return f"a call of {limit} day{'s' if limit != 1 else ''} or fewer"
    before = rules.turndowns.exempt_start_before
    if before is not None:
        starts = local(call.start, rules)
        if starts.time() < before:
            return f"starts {starts:%H:%M}, before {before:%H:%M}"
    return ""


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
