"""(v2) The day-book sign-in: which business day a sign-in counts for, and which day an
offer needs one for (referral-rules.md, "Day-book sign-in").

With ``daybook.required`` members sign in each business day before
``daybook.deadline`` to be referred that day; otherwise they are passed over as
``not_signed_in`` (no turndown, place kept). A sign-in after the deadline, or on
a day that is not a business day, counts for the next business day and says so.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from dispatch.calendar import business_day_on_or_after, day_text, local, local_date
from dispatch.rules import RuleSet


def signin_day(at: datetime, rules: RuleSet) -> date:
    """The business day a sign-in at ``at`` counts for.

    Before the deadline (hall time) on a business day: that day. At or after the
    deadline, or on any other day: the next business day.
    """
    here = local(at, rules)
    today = here.date()
    if business_day_on_or_after(today, rules) == today and here.time() < rules.daybook.deadline:
        return today
    return business_day_on_or_after(today + timedelta(days=1), rules)


def day_needed(now: datetime, rules: RuleSet) -> date:
    """The business day an offer at ``now`` needs a sign-in for: the day of the offer
    (hall zone), or, offered on a day that is not a business day, the next business day
    (the one a sign-in that day counts for)."""
    return business_day_on_or_after(local_date(now, rules), rules)


def signin_sentence(name: str, card: str, at: datetime, rules: RuleSet) -> str:
    """The receipt's sentence: "Ada Lovelace (101) signed in for Mon 23 Nov.", saying so
    when it counts for a later day than the one it was made on (after the deadline)."""
    day = signin_day(at, rules)
    today = local_date(at, rules)
    who = f"{name} ({card})" if name else card
    if day == today:
        return f"{who} signed in for {day_text(day, today)}."
    if business_day_on_or_after(today, rules) == today:
        return (f"{who} signed in after the {rules.daybook.deadline:%H:%M} deadline: "
                f"it counts for {day_text(day, today)}.")
    return f"{who} signed in for the next business day, {day_text(day, today)}."
