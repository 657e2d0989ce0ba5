"""What an offer outcome, a job end, a re-sign or a reversal does to a member's registrations.

Each public function takes the old state and returns the new one; nothing is
mutated. The functions only ever see the registrations of the member concerned,
so an outcome cannot touch anyone else's place. ``Effect.registrations`` holds
the new state of each registration that changed; the others are untouched.

- ``apply_outcome`` / ``describe_outcome``: an offer's outcome ("Offers and outcomes"),
  counted as the rules decide (``dispatch.turndowns``: (v2) the daily limit, calls whose
  declines never count, excused members, requests of any kind).
- ``apply_award_declined``: (v2) an awarded member refuses ("The morning dispatch").
- ``apply_unavailable_turndown``: (v2) ``turndowns.unavailable_is_turndown``.
- ``apply_job_end`` / ``counts_as_short``: "Leaving a job" and (v2) "Short calls as locals
  define them" (by hours with ``short_calls.max_hours``; ``uncounted_max_days``).
- ``apply_resign``, ``lapsed``, ``apply_referral_reversal``: "Re-sign", "After acceptance".

On low-hours boards hours belong to the member (v2): ``Effect.penalty_hours`` and
``Effect.hours_worked`` say what hours records to write (``dispatch.hours``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Iterable, Mapping, Sequence

from dispatch.calendar import day_text, local_date, removal_at
from dispatch.calls import expected_end, is_short_call
from dispatch.model import (
    ACCEPTED,
    AWARD_DECLINED,
    DECLINED,
    DISPATCHED,
    EMPLOYER_REJECTED,
    END_REASONS,
    LAID_OFF,
    ON_SHORT_CALL,
    QUIT,
    REMOVED,
    REMOVED_DISCHARGED,
    REMOVED_QUIT,
    REMOVED_RESIGN,
    REMOVED_SHORT_CALL_LIMIT,
    REMOVED_TURNDOWNS,
    WAITING,
    Effect,
    ExcusedAbsence,
    JobCall,
    Registration,
    ShortCallHold,
)
from dispatch.rules import RuleSet
from dispatch.turndowns import NOT_A_TURNDOWN_NO_ANSWER, TurndownDecision, turndown_decision

__all__ = [
    "TurndownDecision", "turndown_decision", "apply_outcome", "describe_outcome", "apply_award_declined",
    "apply_unavailable_turndown", "counts_as_short", "worked_hours", "restoration_counted", "apply_job_end",
    "apply_resign", "lapsed",
    "apply_referral_reversal",
]

# A regular job ended by lay-off: the member signs again at the bottom.
REMOVED_LAID_OFF = "laid off"

# Statuses of a registration whose place is held while the member works.
HELD = (DISPATCHED, ON_SHORT_CALL)
# Statuses a referral takes a registration from.
REFERRABLE = (WAITING, ON_SHORT_CALL)


# --- small helpers ------------------------------------------------------------


def _who(registration: Registration, member_name: str) -> str:
    return member_name or f"card {registration.card}"


def _hours(value: float) -> str:
    """Hours as a person writes them: 10, 7.5."""
    return f"{value:g}"


def _days(number: int) -> str:
    return f"{number} day" if number == 1 else f"{number} days"


def _find(registrations: Sequence[Registration], registration_id: int) -> Registration:
    for reg in registrations:
        if reg.id == registration_id:
            return reg
    raise ValueError(f"registration {registration_id} is not one of this member's registrations.")


def _low_hours(rules: RuleSet) -> bool:
    return rules.ordering.policy == "low_hours"


def _window_text(days: int) -> str:
    """A discipline window as a member reads it: 365 -> "12 months", 730 -> "24 months"."""
    if days > 0 and days % 365 == 0:
        return f"{days // 365 * 12} months"
    return f"{days} days"


# --- offer outcomes -----------------------------------------------------------


def _after_turndown(registration: Registration, rules: RuleSet) -> Registration:
    """The registration after one counted turndown: a count, a roll-off, or penalty hours."""
    if _low_hours(rules):
        return replace(
            registration,
            period_hours=registration.period_hours + rules.ordering.turndown_penalty_hours,
        )
    count = registration.turndowns + 1
    if count >= rules.turndowns.limit:
        return replace(
            registration,
            turndowns=count,
            status=REMOVED,
            short_call=None,
            removed_reason=REMOVED_TURNDOWNS.format(n=count),
        )
    return replace(registration, turndowns=count)


def _turndown_phrase(before: Registration, after: Registration, rules: RuleSet) -> str:
    """ "turndown 2 of 3", "rolled off JW-1 after 3 turndowns", "10 penalty hours added"."""
    if _low_hours(rules):
        return f"{_hours(rules.ordering.turndown_penalty_hours)} penalty hours added"
    if after.status == REMOVED:
        return f"rolled off {before.book_id} after {after.turndowns} turndowns"
    return f"turndown {after.turndowns} of {rules.turndowns.limit}"


def _accept(
    call: JobCall, registrations: Sequence[Registration], rules: RuleSet, who: str, now: datetime
) -> Effect:
    """Accepted: a referral. Regular call: dispatched; short call: on a short call, place held."""
    taken = [reg for reg in registrations if reg.status in REFERRABLE]
    if is_short_call(call, rules):
        until = expected_end(call, rules)
        hold = ShortCallHold(employer=call.employer, until=until, call_id=call.id)
        changed = tuple(
            replace(reg, status=ON_SHORT_CALL, short_call=hold, turndowns=0) for reg in taken
        )
        return Effect(
            registrations=changed,
            referral=True,
            short_call=True,
            message=(
                f"{who} accepted a short call for {call.employer} until "
                f"{day_text(until, local_date(now, rules))}: place kept."
            ),
        )
    changed = tuple(
        replace(reg, status=DISPATCHED, short_call=None, turndowns=0) for reg in taken
    )
    return Effect(
        registrations=changed,
        referral=True,
        message=f"{who} accepted: referred to {call.employer}.",
    )


def _penalty(rules: RuleSet) -> float:
    """Penalty hours a counted turndown adds to the member on a low-hours board (else 0)."""
    return rules.ordering.turndown_penalty_hours if _low_hours(rules) else 0.0


def _not_counted(lead: str, decision: TurndownDecision) -> str:
    if decision.why_not == NOT_A_TURNDOWN_NO_ANSWER:
        return f"{lead}: not a turndown."
    return f"{lead}: not a turndown ({decision.why_not})."


def _charged(lead: str, registration: Registration, decision: TurndownDecision, rules: RuleSet) -> Effect:
    """A refusal's effect on the registration it counts on: no turndown (saying why), or
    one counted (a count, a roll-off, or penalty hours on a low-hours board)."""
    if not decision.counted:
        return Effect(message=_not_counted(lead, decision))
    after = _after_turndown(registration, rules)
    return Effect(
        registrations=(after,),
        turndown_counted=True,
        penalty_hours=_penalty(rules),
        message=f"{lead}: {_turndown_phrase(registration, after, rules)}.",
    )


def apply_outcome(
    call: JobCall,
    outcome: str,
    member_registrations: Sequence[Registration],
    offered_registration_id: int,
    *,
    named: bool,
    rules: RuleSet,
    now: datetime,
    member_name: str = "",
    turndowns_today: int = 0,
    excused: bool = False,
    request: str | None = None,
) -> Effect:
    """The member's registrations after ``outcome`` of the offer of ``call``.

    ``member_registrations`` are all the registrations of the member offered;
    the turndown (if any) counts on the offered one. ``member_name`` is only
    used in the message. (v2) ``turndowns_today`` (turndowns already counted on the
    offered registration today, ``turndowns.counted_today``), ``excused`` and
    ``request`` (the kind of request the member was listed for) feed
    ``turndown_decision``; their defaults keep the first version's counting.
    """
    offered = _find(member_registrations, offered_registration_id)
    who = _who(offered, member_name)
    decision = turndown_decision(call, outcome, named=named, rules=rules, turndowns_today=turndowns_today,
                                 excused=excused, request=request)

    if outcome == ACCEPTED:
        return _accept(call, member_registrations, rules, who, now)

    if outcome == EMPLOYER_REJECTED:
        return Effect(message=f"{call.employer} rejected {who}: not a turndown, place kept.")

    lead = f"{who} declined" if outcome == DECLINED else f"No answer from {who}"
    return _charged(lead, offered, decision, rules)


def describe_outcome(
    call: JobCall,
    outcome: str,
    registration: Registration,
    *,
    named: bool,
    rules: RuleSet,
    member_name: str = "",
    turndowns_today: int = 0,
    excused: bool = False,
    request: str | None = None,
) -> str:
    """The confirmation sentence shown before recording an outcome.

    E.g. "Record declined for Ben Ito: turndown 2 of 3." (the keywords as ``apply_outcome``).
    """
    who = _who(registration, member_name)
    lead = f"Record {outcome.replace('_', ' ')} for {who}"
    decision = turndown_decision(call, outcome, named=named, rules=rules, turndowns_today=turndowns_today,
                                 excused=excused, request=request)
    if outcome == ACCEPTED:
        if is_short_call(call, rules):
            until = expected_end(call, rules)
            return (
                f"{lead}: short call for {call.employer} until {day_text(until)}, "
                "place kept."
            )
        return f"{lead}: referral to {call.employer}, leaves the books while working."
    if outcome == EMPLOYER_REJECTED:
        return f"{lead}: not a turndown, place kept."
    back = f", back at the original place; the opening returns to call #{call.id}" if outcome == AWARD_DECLINED else ""
    if not decision.counted:
        return f"{_not_counted(lead, decision)[:-1]}{back}."
    after = _after_turndown(registration, rules)
    if after.status == REMOVED:
        reopens = f"; the opening returns to call #{call.id}" if back else ""
        return (
            f"{lead}: turndown {after.turndowns} of {rules.turndowns.limit}, "
            f"rolls off {registration.book_id}{reopens}."
        )
    return f"{lead}: {_turndown_phrase(registration, after, rules)}{back}."


def apply_award_declined(
    call: JobCall,
    member_registrations: Sequence[Registration],
    awarded_registration_id: int,
    *,
    rules: RuleSet,
    now: datetime,
    member_name: str = "",
    turndowns_today: int = 0,
    excused: bool = False,
    request: str | None = None,
) -> Effect:
    """(v2) An awarded member refuses the call: ``award_declined``.

    Their held registrations go back to ``waiting`` at their original ``registered_at``
    (as after ``rejected_at_job``; the re-sign clock restarts at ``now``), then the
    refusal counts as a turndown on the awarded registration when the rules say so
    (``turndown_decision``: it may roll the member off). The opening returns to the
    call (the records layer reopens it). ``referral`` is False: the award is undone.
    """
    awarded = _find(member_registrations, awarded_registration_id)
    who = _who(awarded, member_name)
    back = {reg.id: reg for reg in apply_referral_reversal(member_registrations, now=now)}
    decision = turndown_decision(call, AWARD_DECLINED, named=False, rules=rules,
                                 turndowns_today=turndowns_today, excused=excused, request=request)
    lead = f"{who} refused the award of call #{call.id}"
    charged = _charged(lead, back.get(awarded.id, awarded), decision, rules)
    back.update((reg.id, reg) for reg in charged.registrations)
    rolled_off = any(reg.status == REMOVED for reg in charged.registrations)
    where = "" if rolled_off else ", back at the original place"
    return replace(charged, registrations=tuple(back.values()),
                   message=f"{charged.message[:-1]}{where}; the opening returns to call #{call.id}.")


def apply_unavailable_turndown(
    call: JobCall,
    registration: Registration,
    *,
    rules: RuleSet,
    turndowns_today: int = 0,
    member_name: str = "",
) -> Effect:
    """(v2) ``turndowns.unavailable_is_turndown``: the turndown charged to a member passed
    over as unavailable on ``call`` when someone ranked below accepted it (who:
    ``turndowns.unavailable_turndowns``). Subject to the daily limit; at the limit the
    registration rolls off like any other."""
    lead = f"{_who(registration, member_name)} was unavailable for call #{call.id}"
    decision = turndown_decision(call, DECLINED, named=False, rules=rules, turndowns_today=turndowns_today)
    return _charged(lead, registration, decision, rules)


# --- job ends -----------------------------------------------------------------


def worked_hours(days_worked: int, rules: RuleSet, hours: float | None = None) -> float:
    """(v2) Hours worked at a job end: as given, or days worked x ``ordering.hours_per_day``."""
    if hours is not None and hours > 0:
        return hours
    return days_worked * rules.ordering.hours_per_day


def counts_as_short(
    reason: str, *, short_call_at_referral: bool, days_worked: int, rules: RuleSet,
    hours_worked: float | None = None,
) -> bool:
    """Whether a job end counts as the end of a short call.

    Within ``short_calls.max_days`` worked ((v2) with ``short_calls.max_hours``: within
    that many hours worked, ``hours_worked`` or days x ``ordering.hours_per_day``), and
    either a short call when referred or (with ``short_calls.by_actual``) a lay-off. A
    short call that ran longer counts as regular.
    """
    if rules.short_calls.max_hours > 0:
        if worked_hours(days_worked, rules, hours_worked) > rules.short_calls.max_hours:
            return False
    elif days_worked > rules.short_calls.max_days:
        return False
    return short_call_at_referral or (rules.short_calls.by_actual and reason == LAID_OFF)


def restoration_counted(days_worked: int, rules: RuleSet) -> bool:
    """(v2) Whether a short call's restoration counts against ``short_calls.max_restorations``:
    not when it ended within ``short_calls.uncounted_max_days`` days worked."""
    return days_worked > rules.short_calls.uncounted_max_days


def _restore(registration: Registration, rules: RuleSet, now: datetime, hours: float,
             counted: bool = True) -> Registration:
    """Back to waiting at the original place, or removed past the restoration limit
    (a restoration that is not ``counted`` is always given and leaves the count alone)."""
    number = registration.restorations + (1 if counted else 0)
    if counted and number > rules.short_calls.max_restorations:
        return replace(
            registration,
            status=REMOVED,
            short_call=None,
            removed_reason=REMOVED_SHORT_CALL_LIMIT,
        )
    period_hours = registration.period_hours + (hours if _low_hours(rules) else 0)
    return replace(
        registration,
        status=WAITING,
        restorations=number,
        last_signed_at=now,  # a restoration counts as a signing for the re-sign clock
        short_call=None,
        turndowns=0,
        period_hours=period_hours,
    )


def _remove(registration: Registration, why: str) -> Registration:
    return replace(registration, status=REMOVED, short_call=None, removed_reason=why)


def apply_job_end(
    member_registrations: Sequence[Registration],
    reason: str,
    *,
    call: JobCall | None,
    short_call_at_referral: bool,
    days_worked: int,
    hours: float = 0.0,
    rules: RuleSet,
    now: datetime,
    discharges_in_window: int = 0,
    member_name: str = "",
) -> Effect:
    """The member's registrations after leaving a job (laid off, quit or discharged).

    Laid off from a short call (or, with ``by_actual``, from any job within
    ``max_days``, (v2) or ``max_hours``): the held registrations go back to waiting at
    their original ``registered_at``, unless the restoration is past
    ``max_restorations`` ((v2) one within ``uncounted_max_days`` days worked is not
    counted). Otherwise the held registrations are removed and the member signs again.
    ``discharges_in_window`` counts earlier discharges within the window, not this one.
    ``hours``: hours worked (0: days worked x ``ordering.hours_per_day``), returned as
    ``Effect.hours_worked`` for the member's hours record at every job end (v2).
    """
    if reason not in END_REASONS:
        raise ValueError(f"unknown job end {reason!r}; allowed: {', '.join(END_REASONS)}.")
    held = [reg for reg in member_registrations if reg.status in HELD]
    who = member_name or (f"card {held[0].card}" if held else "The member")
    by = f" by {call.employer}" if call is not None else ""
    at = f" {call.employer}" if call is not None else ""
    worked = worked_hours(days_worked, rules, hours)
    short = counts_as_short(
        reason, short_call_at_referral=short_call_at_referral, days_worked=days_worked, rules=rules,
        hours_worked=worked,
    )

    if reason == LAID_OFF and short:
        counted = restoration_counted(days_worked, rules)
        changed = tuple(_restore(reg, rules, now, hours, counted) for reg in held)
        restored = [reg for reg in changed if reg.status == WAITING]
        if held and not restored:
            message = (
                f"{who} laid off after {_days(days_worked)}: restoration past the limit of "
                f"{rules.short_calls.max_restorations}, removed (short-call limit); signs again."
            )
        elif restored and not counted:
            days = rules.short_calls.uncounted_max_days
            message = (
                f"{who} laid off after {_days(days_worked)}: back on the books at the original place "
                f"(not counted as a restoration: {days} day{'s' if days != 1 else ''} or fewer worked)."
            )
        elif restored:
            message = (
                f"{who} laid off after {_days(days_worked)}: back on the books at the "
                f"original place (restoration {restored[0].restorations} of "
                f"{rules.short_calls.max_restorations})."
            )
        else:
            message = f"{who} laid off after {_days(days_worked)}: no place was held."
        return Effect(registrations=changed, short_call=True, message=message, hours_worked=worked)

    if reason == LAID_OFF:
        changed = tuple(_remove(reg, REMOVED_LAID_OFF) for reg in held)
        return Effect(
            registrations=changed,
            message=f"{who} laid off{by}: signs the books again at the bottom.",
            hours_worked=worked,
        )

    if reason == QUIT:
        changed = tuple(_remove(reg, REMOVED_QUIT) for reg in held)
        return Effect(
            registrations=changed,
            short_call=short,
            message=f"{who} quit{at}: signs the books again at the bottom.",
            hours_worked=worked,
        )

    # DISCHARGED
    changed = tuple(_remove(reg, REMOVED_DISCHARGED) for reg in held)
    count = discharges_in_window + 1
    suspend = count >= rules.discipline.discharge_suspend_count
    note = (
        f"{count} discharges in {_window_text(rules.discipline.discharge_window_days)}"
        if suspend
        else ""
    )
    message = f"{who} discharged{by}: signs the books again at the bottom."
    if suspend:
        message = f"{who} discharged{by}: signs the books again; referral suspended ({note})."
    return Effect(
        registrations=changed,
        short_call=short,
        suspend=suspend,
        suspension_note=note,
        message=message,
        hours_worked=worked,
    )


# --- re-sign, lapse, reversal -------------------------------------------------


def apply_resign(
    member_registrations: Iterable[Registration], book_id: str | None, *, now: datetime
) -> tuple[Registration, ...]:
    """The member's waiting registrations re-signed at ``now`` (one book, or all when None).

    The place (``registered_at``) is kept and so are the turndowns (they restart only
    when the member is referred or signs again); only the re-sign clock moves.
    Returns the re-signed registrations.
    """
    wanted = book_id.casefold() if book_id is not None else None
    return tuple(
        replace(reg, last_signed_at=now)
        for reg in member_registrations
        if reg.status == WAITING and (wanted is None or reg.book_id.casefold() == wanted)
    )


def lapsed(registrations: Iterable[Registration], rules: RuleSet, now: datetime,
           excused: Mapping[str, tuple[ExcusedAbsence, ...]] | None = None) -> list[Registration]:
    """Waiting registrations whose re-sign removal moment has come, as removed ("failed to re-sign").

    ``excused``: excused absences by card, which stop the re-sign clock (v2): a member on
    military leave is never dropped while excused.
    """
    excused = excused or {}
    return [
        _remove(reg, REMOVED_RESIGN)
        for reg in registrations
        if reg.status == WAITING and removal_at(reg, rules, excused.get(reg.card, ())) <= now
    ]


def apply_referral_reversal(
    member_registrations: Iterable[Registration], *, now: datetime
) -> tuple[Registration, ...]:
    """A referral turned away at the gate or cancelled before work: back to waiting, no turndown.

    The held registrations return to ``waiting`` at their original ``registered_at``;
    the re-sign clock restarts at ``now``. Returns the changed registrations.
    """
    return tuple(
        replace(reg, status=WAITING, last_signed_at=now, short_call=None)
        for reg in member_registrations
        if reg.status in HELD
    )
