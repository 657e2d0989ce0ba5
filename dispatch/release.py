"""(v2) The exhausted list: when an open call is released to the employer.

referral-rules.md "The exhausted list: release to the employer (v2)". With
``release.hours`` (0 = never) a call still open ``release.hours`` after it was taken,
counting only hours on business days (a holiday or weekend does not run the clock),
and whose eligible candidates all have an outcome (the list is exhausted for it),
becomes ``released`` at that moment, as of that moment. A call with an eligible
candidate who has no outcome is not released until that candidate has one: then at
the moment of that outcome. Example: taken Wed Nov 25 10:00, holiday Thu Nov 26, 48
hours: open at Mon Nov 30 09:59, released at 10:00.

- ``release_clock``: the moment the business-hours clock runs out for a call taken at a time.
- ``list_exhausted``: whether a ranking leaves nobody eligible to offer.
- ``release_state``: for one call at ``now``: the clock, the moment of release if it has
  come, or the candidate holding it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from dispatch.calendar import day_text, is_business_day, local_date, moment_text, start_of_day
from dispatch.model import OPEN, Candidate, JobCall, Ranking
from dispatch.ranking import next_to_offer
from dispatch.rules import RuleSet

_MAX_DAYS = 3660  # a clock of 10,000 business hours runs out within ten years


def release_clock(taken_at: datetime, rules: RuleSet) -> datetime | None:
    """The moment ``release.hours`` of business-day time have passed since ``taken_at``
    (None with ``release.hours`` 0). Hours are counted on the hall's business days only,
    in real elapsed time (a daylight-saving day is 23 or 25 hours long)."""
    hours = rules.release.hours
    if hours <= 0:
        return None
    remaining = timedelta(hours=hours)
    day = local_date(taken_at, rules)
    for _ in range(_MAX_DAYS):
        begins, ends = start_of_day(day, rules), start_of_day(day + timedelta(days=1), rules)
        if is_business_day(day, rules):
            start = max(taken_at, begins)
            if ends - start >= remaining:
                return start + remaining
            remaining -= ends - start
        day += timedelta(days=1)
    raise ValueError("the hall has too few business days for release.hours to run out.")


def list_exhausted(ranking: Ranking) -> bool:
    """Whether every eligible candidate in the (full) ranking has an outcome. A limited
    ranking that was cut short with nobody left to offer in it cannot tell: False."""
    return next_to_offer(ranking) is None and not ranking.truncated


@dataclass(frozen=True, slots=True)
class Release:
    """Where a call stands with the release clock at one moment."""

    clock_at: datetime | None  # when the business-hours clock runs out (None: never released)
    released_at: datetime | None  # the moment it was released, when that has come
    waiting_for: Candidate | None  # an eligible candidate without an outcome holding it back

    @property
    def released(self) -> bool:
        return self.released_at is not None

    def sentence(self, rules: RuleSet, now: datetime) -> str:
        """What the dispatch screen says: "released Mon 30 Nov 10:00: the employer may hire
        directly", "open until Mon 30 Nov 10:00 (48 business hours)", or who holds it back."""
        today = local_date(now, rules)
        if self.released_at is not None:
            return f"released {moment_text(self.released_at, rules, today)}: the employer may hire directly."
        if self.clock_at is None:
            return "not released: release.hours is 0."
        if self.clock_at > now:
            return (f"open until {moment_text(self.clock_at, rules, today)} "
                    f"({rules.release.hours} business hours), then released once the list is exhausted.")
        ran_out = f"the {rules.release.hours} business hours ran out on {day_text(local_date(self.clock_at, rules), today)}"
        who = self.waiting_for
        if who is not None:
            return f"{ran_out}; released once {who.name or who.card} ({who.card}) has an outcome."
        return f"{ran_out}; released once the list is exhausted, while the call is open."


def release_state(
    call: JobCall,
    ranking: Ranking | None,
    rules: RuleSet,
    now: datetime,
    last_outcome_at: datetime | None = None,
) -> Release:
    """The call's release at ``now``.

    ``ranking``: the call's ranking at ``now`` (None before the clock runs out, when it is
    not needed); ``last_outcome_at``: when the latest outcome on the call was recorded.
    Released when the call is open with openings left, was taken (``call.taken_at``) at
    least ``release.hours`` business hours before, is not waiting for its selection, and
    the list is exhausted: at the later of the clock and the last outcome.
    """
    clock = release_clock(call.taken_at, rules) if call.taken_at is not None else None
    if clock is None or clock > now:
        return Release(clock, None, None)
    if call.status != OPEN or call.openings == 0 or (call.posted_for is not None and now < call.posted_for):
        return Release(clock, None, None)
    if ranking is None:
        raise ValueError("the call's ranking is needed once its release clock has run out.")
    waiting = next_to_offer(ranking)
    if waiting is not None or ranking.truncated:
        return Release(clock, None, waiting)
    moment = max(clock, last_outcome_at) if last_outcome_at is not None else clock
    return Release(clock, moment, None)
