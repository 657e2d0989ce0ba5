"""Whether an outcome counts as a turndown, as the rules decide (never the dispatcher).

referral-rules.md "Offers and outcomes" and (v2) "Turndowns as locals count them":
- ``turndown_decision``: ``declined`` (and (v2) ``award_declined``) counts, except for a
  requested member of any kind, on a short call (unless
  ``turndowns.short_call_turndowns_count``), on a call whose declines never count
  (``calls.no_turndown_reason``), for an excused member, or past
  ``turndowns.max_per_day`` counted that day; ``no_answer`` counts only with
  ``turndowns.no_answer_is_turndown`` (then with the same exceptions).
- ``counted_today``: how many turndowns counted on a registration on the hall's day of
  ``now`` (the daily limit; a day runs from 00:00 to 23:59:59 hall time).
- ``unavailable_turndowns``: with ``turndowns.unavailable_is_turndown``, who is charged
  one turndown when someone ranked below them accepts a call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from dispatch.calendar import local_date
from dispatch.calls import is_short_call, no_turndown_reason
from dispatch.model import (
    ACCEPTED,
    AWARD_DECLINED,
    EMPLOYER_REJECTED,
    NO_ANSWER,
    OUTCOMES,
    REQUEST_NAME,
    Candidate,
    JobCall,
    Ranking,
)
from dispatch.reasons import UNAVAILABLE
from dispatch.requests import KIND_WORDS
from dispatch.rules import RuleSet

NOT_A_TURNDOWN_NO_ANSWER = "no answer is not a turndown"


@dataclass(frozen=True, slots=True)
class TurndownDecision:
    """Whether an outcome counts as a turndown, and if not, why not (a short phrase)."""

    counted: bool
    why_not: str = ""


def _request_words(request: str | None) -> str:
    """ "name request", "foreman call-out", ... (the kind without its article)."""
    return KIND_WORDS.get(request or REQUEST_NAME, KIND_WORDS[REQUEST_NAME]).split(" ", 1)[1]


def turndown_decision(
    call: JobCall,
    outcome: str,
    *,
    named: bool,
    rules: RuleSet,
    turndowns_today: int = 0,
    excused: bool = False,
    request: str | None = None,
) -> TurndownDecision:
    """Whether ``outcome`` on ``call`` counts as a turndown, as the rules decide.

    ``named``/``request``: the member was listed for an honoured request (of kind
    ``request``; any kind spares them). ``turndowns_today``: turndowns already counted
    on the registration on the hall's day of the outcome (``counted_today``).
    ``excused``: the member has an excused absence in force (never charged).
    """
    if outcome not in OUTCOMES and outcome != AWARD_DECLINED:
        raise ValueError(f"unknown outcome {outcome!r}; allowed: {', '.join(OUTCOMES + (AWARD_DECLINED,))}.")
    if outcome == ACCEPTED:
        return TurndownDecision(False, "accepted")
    if outcome == EMPLOYER_REJECTED:
        return TurndownDecision(False, "the employer's decision, place kept")
    if outcome == NO_ANSWER and not rules.turndowns.no_answer_is_turndown:
        return TurndownDecision(False, NOT_A_TURNDOWN_NO_ANSWER)
    if named or request is not None:
        return TurndownDecision(False, _request_words(request))
    if excused:
        return TurndownDecision(False, "excused absence")
    if is_short_call(call, rules) and not rules.turndowns.short_call_turndowns_count:
        return TurndownDecision(False, "short call")
    exempt = no_turndown_reason(call, rules)
    if exempt:
        return TurndownDecision(False, f"declines on this call never count: {exempt}")
    most = rules.turndowns.max_per_day
    if most > 0 and turndowns_today >= most:
        counted = "1 turndown" if most == 1 else f"{most} turndowns"
        return TurndownDecision(False, f"{counted} already counted today, the daily limit")
    return TurndownDecision(True)


def counted_today(turndown_moments: Iterable[datetime], now: datetime, rules: RuleSet) -> int:
    """How many of a registration's counted turndowns fall on the hall's day of ``now``
    (``turndowns.max_per_day``: 23:59 is the same day, 00:00 the next)."""
    today = local_date(now, rules)
    return sum(1 for moment in turndown_moments if local_date(moment, rules) == today)


def unavailable_turndowns(
    ranking: Ranking,
    accepted_card: str,
    call: JobCall,
    rules: RuleSet,
    already_charged: Iterable[str] = (),
) -> tuple[Candidate, ...]:
    """(v2) With ``turndowns.unavailable_is_turndown``: the candidates to charge one
    turndown when ``accepted_card`` accepts ``call``.

    Those ranked above the one who accepted, passed over only as ``unavailable`` (their
    own request: an excused absence is ``exempt`` and never charged; a member with any
    other reason would have been passed over anyway), with no outcome on this call, not
    listed for a request, and not charged on this call already; only when a decline on
    this call would count (not a short call unless short-call turndowns count, not a call
    whose declines never count). Each is then subject to the daily limit
    (``transitions.apply_unavailable_turndown``).
    """
    if not rules.turndowns.unavailable_is_turndown:
        return ()
    probe = turndown_decision(call, "declined", named=False, rules=rules)
    if not probe.counted:
        return ()
    charged = set(already_charged)
    found: list[Candidate] = []
    for candidate in ranking.candidates:
        if candidate.card == accepted_card:
            return tuple(found)
        if (candidate.reasons and all(reason.code == UNAVAILABLE for reason in candidate.reasons)
                and candidate.outcome is None and candidate.request is None
                and candidate.card not in charged):
            found.append(candidate)
    raise ValueError(f"{accepted_card} is not a candidate in this ranking.")
