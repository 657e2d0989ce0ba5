"""Offer outcomes, job ends, re-signs, lapses and reversals (dispatch/transitions.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from dispatch.calendar import removal_at
from dispatch.calls import expected_end, is_short_call
from dispatch.model import (
    ACCEPTED,
    DECLINED,
    DISCHARGED,
    DISPATCHED,
    EMPLOYER_REJECTED,
    LAID_OFF,
    NO_ANSWER,
    ON_SHORT_CALL,
    QUIT,
    REMOVED,
    WAITING,
    JobCall,
    Registration,
    ShortCallHold,
)
from dispatch.rules import (
    DisciplineRules,
    HallRules,
    OrderingRules,
    RuleSet,
    ShortCallRules,
    TurndownRules,
)
from dispatch.transitions import (
    apply_job_end,
    apply_outcome,
    apply_referral_reversal,
    apply_resign,
    describe_outcome,
    lapsed,
)

# --- builders -------------------------------------------------------------------

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # Fri Nov 20, 09:00 in Chicago
SIGNED = datetime(2026, 11, 1, 14, 0, tzinfo=UTC)


def rules(
    *,
    turndowns: dict | None = None,
    short_calls: dict | None = None,
    ordering: dict | None = None,
    discipline: dict | None = None,
    holidays: tuple[date, ...] = (),
) -> RuleSet:
    return RuleSet(
        hall=HallRules(timezone="America/Chicago", holidays=holidays),
        turndowns=TurndownRules(**(turndowns or {})),
        short_calls=ShortCallRules(**(short_calls or {})),
        ordering=OrderingRules(**(ordering or {})),
        discipline=DisciplineRules(**(discipline or {})),
    )


def reg(
    id: int = 1,
    card: str = "102",
    book_id: str = "JW-1",
    *,
    registered_at: datetime = SIGNED,
    last_signed_at: datetime | None = None,
    **fields,
) -> Registration:
    return Registration(
        id=id,
        card=card,
        book_id=book_id,
        registered_at=registered_at,
        last_signed_at=last_signed_at or registered_at,
        **fields,
    )


def call(duration_days: int = 30, *, start: datetime | None = None, employer: str = "Acme Electric", id: int = 7) -> JobCall:
    return JobCall(
        id=id,
        employer=employer,
        classification="JW",
        workers=2,
        # Mon Nov 23 2026, 07:00 in Chicago
        start=start or datetime(2026, 11, 23, 13, 0, tzinfo=UTC),
        duration_days=duration_days,
    )


def outcome(the_call, what, regs, offered=1, *, named=False, rules_=None, name="Ben Ito"):
    return apply_outcome(
        the_call,
        what,
        regs,
        offered,
        named=named,
        rules=rules_ or rules(),
        now=NOW,
        member_name=name,
    )


def job_end(regs, reason, *, short_at_referral, days, hours=0.0, rules_=None, discharges=0, the_call=None):
    return apply_job_end(
        regs,
        reason,
        call=the_call or call(),
        short_call_at_referral=short_at_referral,
        days_worked=days,
        hours=hours,
        rules=rules_ or rules(),
        now=NOW,
        discharges_in_window=discharges,
        member_name="Ben Ito",
    )


def by_id(effect):
    return {r.id: r for r in effect.registrations}


HOLD = ShortCallHold("Bolt Co", date(2026, 11, 24), 3)


# --- calls: short or regular, expected end -------------------------------------------


def test_a_call_of_exactly_max_days_is_short_and_one_more_is_regular():
    r = rules(short_calls={"max_days": 10})
    assert is_short_call(call(10), r)
    assert not is_short_call(call(11), r)


def test_expected_end_counts_business_days_from_the_local_start_date():
    r = rules()
    assert expected_end(call(1), r) == date(2026, 11, 23)
    assert expected_end(call(5), r) == date(2026, 11, 27)
    assert expected_end(call(6), r) == date(2026, 11, 30)  # weekend skipped
    with_holiday = rules(holidays=(date(2026, 11, 26),))
    assert expected_end(call(5), with_holiday) == date(2026, 11, 30)


def test_expected_end_uses_the_halls_local_date():
    # 03:00 UTC on Tue Nov 24 is still Mon Nov 23 in Chicago.
    late = call(1, start=datetime(2026, 11, 24, 3, 0, tzinfo=UTC))
    assert expected_end(late, rules()) == date(2026, 11, 23)


def test_a_call_starting_on_a_weekend_counts_from_the_next_business_day():
    saturday = call(1, start=datetime(2026, 11, 21, 15, 0, tzinfo=UTC))
    assert expected_end(saturday, rules()) == date(2026, 11, 23)


# --- accepted ---------------------------------------------------------------------------


def test_accepted_regular_dispatches_every_held_or_waiting_registration_keeping_its_place():
    regs = (
        reg(1, turndowns=2),
        reg(2, book_id="JW-2", registered_at=SIGNED + timedelta(days=3)),
        reg(3, book_id="JW-3", status=ON_SHORT_CALL, short_call=HOLD),
        reg(4, book_id="JW-4", status=REMOVED, removed_reason="quit"),
    )
    effect = outcome(call(30), ACCEPTED, regs)
    assert effect.referral and not effect.short_call and not effect.turndown_counted
    changed = by_id(effect)
    assert set(changed) == {1, 2, 3}
    for old in regs[:3]:
        new = changed[old.id]
        assert new.status == DISPATCHED
        assert new.registered_at == old.registered_at
        assert new.last_signed_at == old.last_signed_at
        assert new.turndowns == 0
        assert new.short_call is None
    assert effect.message == "Ben Ito accepted: referred to Acme Electric."


def test_accepted_short_call_holds_the_place_with_the_expected_end():
    regs = (reg(1, turndowns=1), reg(2, book_id="JW-2", registered_at=SIGNED + timedelta(days=3)))
    effect = outcome(call(5, employer="Bolt Co", id=9), ACCEPTED, regs)
    assert effect.referral and effect.short_call
    for old in regs:
        new = by_id(effect)[old.id]
        assert new.status == ON_SHORT_CALL
        assert new.registered_at == old.registered_at
        assert new.short_call == ShortCallHold("Bolt Co", date(2026, 11, 27), 9)
        assert new.turndowns == 0
    assert effect.message == "Ben Ito accepted a short call for Bolt Co until Fri 27 Nov: place kept."


@pytest.mark.parametrize(("days", "short"), [(10, True), (11, False)])
def test_accepting_a_call_of_max_days_is_short_and_max_days_plus_one_regular(days, short):
    effect = outcome(call(days), ACCEPTED, (reg(1),))
    assert effect.short_call is short
    assert effect.registrations[0].status == (ON_SHORT_CALL if short else DISPATCHED)


# --- declined ---------------------------------------------------------------------------


def test_declines_count_up_to_the_limit_and_roll_off_at_exactly_the_limit():
    r = rules()
    current = reg(1)
    for expected in (1, 2):
        effect = outcome(call(30), DECLINED, (current,), rules_=r)
        assert effect.turndown_counted and not effect.referral
        current = effect.registrations[0]
        assert current.turndowns == expected
        assert current.status == WAITING
        assert current.registered_at == SIGNED
    assert effect.message == "Ben Ito declined: turndown 2 of 3."
    effect = outcome(call(30), DECLINED, (current,), rules_=r, name="Ada Lovelace")
    removed = effect.registrations[0]
    assert removed.status == REMOVED
    assert removed.removed_reason == "rolled off: 3 turndowns"
    assert effect.message == "Ada Lovelace declined: rolled off JW-1 after 3 turndowns."


def test_roll_off_follows_the_configured_limit():
    r = rules(turndowns={"limit": 2})
    effect = outcome(call(30), DECLINED, (reg(1, turndowns=1),), rules_=r)
    assert effect.registrations[0].status == REMOVED
    assert effect.registrations[0].removed_reason == "rolled off: 2 turndowns"
    effect = outcome(call(30), DECLINED, (reg(1, turndowns=0),), rules_=r)
    assert effect.registrations[0].status == WAITING


def test_the_turndown_counts_on_the_offered_registration_only():
    regs = (reg(1), reg(2, book_id="JW-2"))
    effect = outcome(call(30), DECLINED, regs, offered=2)
    assert [(r.id, r.turndowns) for r in effect.registrations] == [(2, 1)]


def test_a_named_member_declining_gets_no_turndown():
    effect = outcome(call(30), DECLINED, (reg(1, turndowns=2),), named=True)
    assert not effect.turndown_counted
    assert effect.registrations == ()
    assert effect.message == "Ben Ito declined: not a turndown (name request)."


def test_short_call_declines_do_not_count_by_default():
    effect = outcome(call(10), DECLINED, (reg(1, turndowns=2),))
    assert not effect.turndown_counted
    assert effect.registrations == ()
    assert effect.message == "Ben Ito declined: not a turndown (short call)."


def test_short_call_declines_count_when_the_rules_say_so():
    r = rules(turndowns={"short_call_turndowns_count": True})
    effect = outcome(call(10), DECLINED, (reg(1, turndowns=1),), rules_=r)
    assert effect.turndown_counted
    assert effect.registrations[0].turndowns == 2


def test_no_answer_is_not_a_turndown_by_default():
    effect = outcome(call(30), NO_ANSWER, (reg(1, turndowns=2),))
    assert not effect.turndown_counted
    assert effect.registrations == ()
    assert effect.message == "No answer from Ben Ito: not a turndown."


def test_no_answer_counts_when_the_rules_say_so():
    r = rules(turndowns={"no_answer_is_turndown": True})
    effect = outcome(call(30), NO_ANSWER, (reg(1, turndowns=1),), rules_=r)
    assert effect.turndown_counted
    assert effect.registrations[0].turndowns == 2
    assert effect.message == "No answer from Ben Ito: turndown 2 of 3."


def test_a_counted_no_answer_still_spares_a_named_member():
    r = rules(turndowns={"no_answer_is_turndown": True})
    assert not outcome(call(30), NO_ANSWER, (reg(1),), named=True, rules_=r).turndown_counted


def test_employer_rejected_is_never_a_turndown():
    r = rules(turndowns={"no_answer_is_turndown": True, "short_call_turndowns_count": True})
    for days in (5, 30):
        effect = outcome(call(days), EMPLOYER_REJECTED, (reg(1, turndowns=2),), rules_=r)
        assert not effect.turndown_counted and not effect.referral
        assert effect.registrations == ()
    assert effect.message == "Acme Electric rejected Ben Ito: not a turndown, place kept."


def test_low_hours_turndown_adds_penalty_hours_and_never_rolls_off():
    r = rules(ordering={"policy": "low_hours", "turndown_penalty_hours": 10})
    current = reg(1, period_hours=12.5)
    for _ in range(5):
        effect = outcome(call(30), DECLINED, (current,), rules_=r)
        assert effect.turndown_counted
        current = effect.registrations[0]
    assert current.period_hours == 62.5
    assert current.status == WAITING
    assert current.turndowns == 0
    assert effect.message == "Ben Ito declined: 10 penalty hours added."


def test_unknown_outcome_or_registration_is_refused():
    with pytest.raises(ValueError):
        outcome(call(30), "maybe", (reg(1),))
    with pytest.raises(ValueError):
        outcome(call(30), DECLINED, (reg(1),), offered=99)


def test_describe_outcome_says_what_recording_will_do():
    r = rules()
    kwargs = {"named": False, "rules": r, "member_name": "Ben Ito"}
    assert (
        describe_outcome(call(30), DECLINED, reg(1, turndowns=1), **kwargs)
        == "Record declined for Ben Ito: turndown 2 of 3."
    )
    assert (
        describe_outcome(call(30), DECLINED, reg(1, turndowns=2), **kwargs)
        == "Record declined for Ben Ito: turndown 3 of 3, rolls off JW-1."
    )
    assert (
        describe_outcome(call(30), NO_ANSWER, reg(1), **kwargs)
        == "Record no answer for Ben Ito: not a turndown."
    )
    assert (
        describe_outcome(call(30), DECLINED, reg(1), named=True, rules=r, member_name="Ben Ito")
        == "Record declined for Ben Ito: not a turndown (name request)."
    )
    assert (
        describe_outcome(call(5, employer="Bolt Co"), ACCEPTED, reg(1), **kwargs)
        == "Record accepted for Ben Ito: short call for Bolt Co until Fri 27 Nov, place kept."
    )
    assert describe_outcome(call(30), ACCEPTED, reg(1), **kwargs).startswith(
        "Record accepted for Ben Ito: referral to Acme Electric"
    )
    assert (
        describe_outcome(call(30), EMPLOYER_REJECTED, reg(1), **kwargs)
        == "Record employer rejected for Ben Ito: not a turndown, place kept."
    )


def test_describe_outcome_agrees_with_apply_outcome_on_counting():
    r = rules(turndowns={"no_answer_is_turndown": True})
    for what in (DECLINED, NO_ANSWER, EMPLOYER_REJECTED):
        for days in (5, 30):
            for named in (False, True):
                sentence = describe_outcome(call(days), what, reg(1), named=named, rules=r)
                counted = outcome(call(days), what, (reg(1),), named=named, rules_=r).turndown_counted
                assert ("not a turndown" not in sentence) is counted


# --- job ends -----------------------------------------------------------------------


def on_short(id=1, book_id="JW-1", **fields):
    return reg(id, book_id=book_id, status=ON_SHORT_CALL, short_call=HOLD, **fields)


def test_short_call_laid_off_restores_the_exact_place_and_counts_a_restoration():
    original = SIGNED + timedelta(seconds=17)
    regs = (
        on_short(1, registered_at=original, turndowns=1),
        on_short(2, book_id="JW-2", registered_at=original + timedelta(days=2)),
        reg(3, book_id="JW-3", status=REMOVED, removed_reason="quit"),
    )
    effect = job_end(regs, LAID_OFF, short_at_referral=True, days=4)
    assert effect.short_call
    changed = by_id(effect)
    assert set(changed) == {1, 2}
    for old in regs[:2]:
        new = changed[old.id]
        assert new.status == WAITING
        assert new.registered_at == old.registered_at
        assert new.restorations == old.restorations + 1
        assert new.last_signed_at == NOW  # counts as a signing for the re-sign clock
        assert new.short_call is None
        assert new.turndowns == 0
    assert "original place" in effect.message


@pytest.mark.parametrize(("before", "given"), [(0, True), (1, True), (2, False), (3, False)])
def test_restoration_number_equal_to_the_max_is_given_and_past_it_is_not(before, given):
    effect = job_end((on_short(1, restorations=before),), LAID_OFF, short_at_referral=True, days=2)
    new = effect.registrations[0]
    if given:
        assert new.status == WAITING and new.restorations == before + 1
    else:
        assert new.status == REMOVED
        assert new.removed_reason == "short-call limit"
        assert "short-call limit" in effect.message


def test_restoration_limit_follows_the_rules():
    r = rules(short_calls={"max_restorations": 0})
    effect = job_end((on_short(1),), LAID_OFF, short_at_referral=True, days=2, rules_=r)
    assert effect.registrations[0].removed_reason == "short-call limit"


@pytest.mark.parametrize(("days", "restored"), [(1, True), (10, True), (11, False)])
def test_by_actual_laid_off_from_a_regular_call_within_max_days_is_restored(days, restored):
    dispatched = (reg(1, status=DISPATCHED), reg(2, book_id="JW-2", status=DISPATCHED))
    effect = job_end(dispatched, LAID_OFF, short_at_referral=False, days=days)
    for new in effect.registrations:
        if restored:
            assert new.status == WAITING and new.registered_at == SIGNED and new.restorations == 1
        else:
            assert new.status == REMOVED and new.removed_reason == "laid off"
    assert effect.short_call is restored


def test_without_by_actual_a_regular_call_laid_off_early_is_not_restored():
    r = rules(short_calls={"by_actual": False})
    effect = job_end((reg(1, status=DISPATCHED),), LAID_OFF, short_at_referral=False, days=1, rules_=r)
    assert effect.registrations[0].status == REMOVED
    assert effect.registrations[0].removed_reason == "laid off"


@pytest.mark.parametrize(("days", "restored"), [(10, True), (11, False)])
def test_a_short_call_that_ran_longer_than_max_days_counts_as_regular(days, restored):
    r = rules(short_calls={"by_actual": False})
    effect = job_end((on_short(1),), LAID_OFF, short_at_referral=True, days=days, rules_=r)
    new = effect.registrations[0]
    assert new.status == (WAITING if restored else REMOVED)
    if not restored:
        assert new.removed_reason == "laid off"


@pytest.mark.parametrize(("reason", "why"), [(QUIT, "quit"), (DISCHARGED, "discharged")])
@pytest.mark.parametrize("short", [True, False])
def test_quit_or_discharged_removes_the_held_registrations(reason, why, short):
    held = (on_short(1),) if short else (reg(1, status=DISPATCHED),)
    regs = held + (reg(2, book_id="JW-2", status=REMOVED, removed_reason="laid off"),)
    effect = job_end(regs, reason, short_at_referral=short, days=2)
    assert [(r.id, r.status, r.removed_reason) for r in effect.registrations] == [(1, REMOVED, why)]
    assert effect.registrations[0].registered_at == SIGNED
    assert effect.registrations[0].short_call is None
    assert not effect.suspend


def test_discharge_suspends_at_exactly_the_count():
    dispatched = (reg(1, status=DISPATCHED),)
    first = job_end(dispatched, DISCHARGED, short_at_referral=False, days=20, discharges=0)
    assert not first.suspend and first.suspension_note == ""
    second = job_end(dispatched, DISCHARGED, short_at_referral=False, days=20, discharges=1)
    assert second.suspend
    assert second.suspension_note == "2 discharges in 12 months"
    assert "referral suspended (2 discharges in 12 months)" in second.message
    r = rules(discipline={"discharge_suspend_count": 3, "discharge_window_days": 90})
    assert not job_end(dispatched, DISCHARGED, short_at_referral=False, days=20, discharges=1, rules_=r).suspend
    third = job_end(dispatched, DISCHARGED, short_at_referral=False, days=20, discharges=2, rules_=r)
    assert third.suspend and third.suspension_note == "3 discharges in 90 days"


def test_quit_never_suspends():
    effect = job_end((reg(1, status=DISPATCHED),), QUIT, short_at_referral=False, days=20, discharges=5)
    assert not effect.suspend


def test_low_hours_boards_add_the_hours_worked_on_restoration():
    r = rules(ordering={"policy": "low_hours"})
    effect = job_end((on_short(1, period_hours=8.0),), LAID_OFF, short_at_referral=True, days=3, hours=24.0, rules_=r)
    assert effect.registrations[0].period_hours == 32.0
    plain = job_end((on_short(1, period_hours=8.0),), LAID_OFF, short_at_referral=True, days=3, hours=24.0)
    assert plain.registrations[0].period_hours == 8.0


def test_job_end_leaves_waiting_registrations_alone():
    regs = (reg(1, status=DISPATCHED), reg(2, book_id="AP-1"))
    for reason in (LAID_OFF, QUIT, DISCHARGED):
        effect = job_end(regs, reason, short_at_referral=False, days=30)
        assert [r.id for r in effect.registrations] == [1]


def test_unknown_job_end_is_refused():
    with pytest.raises(ValueError):
        job_end((reg(1, status=DISPATCHED),), "retired", short_at_referral=False, days=1)


# --- re-sign, lapse, reversal -----------------------------------------------------------


def test_resign_keeps_the_place_and_the_turndowns():
    regs = (
        reg(1, turndowns=2),
        reg(2, book_id="JW-2", turndowns=1),
        reg(3, book_id="JW-3", status=DISPATCHED),
        reg(4, book_id="JW-4", status=REMOVED),
    )
    all_books = apply_resign(regs, None, now=NOW)
    assert [r.id for r in all_books] == [1, 2]
    for new in all_books:
        assert new.last_signed_at == NOW
        assert new.registered_at == SIGNED
        assert new.status == WAITING
    assert [r.turndowns for r in all_books] == [2, 1]  # restart only when referred or signing again
    one_book = apply_resign(regs, "jw-2", now=NOW)
    assert [r.id for r in one_book] == [2]


def test_a_registration_lapses_at_exactly_its_removal_minute():
    r = rules()
    waiting = reg(1)  # signed Nov 1 (Chicago): due Tue Dec 1, removed at 17:00 Chicago
    moment = removal_at(waiting, r)
    assert moment == datetime(2026, 12, 1, 23, 0, tzinfo=UTC)
    assert lapsed((waiting,), r, moment - timedelta(seconds=1)) == []
    gone = lapsed((waiting,), r, moment)
    assert [(g.id, g.status, g.removed_reason) for g in gone] == [(1, REMOVED, "failed to re-sign")]
    assert gone[0].registered_at == SIGNED


def test_only_waiting_registrations_lapse():
    r = rules()
    later = datetime(2027, 3, 1, tzinfo=UTC)
    regs = (reg(1, status=DISPATCHED), on_short(2), reg(3, status=REMOVED), reg(4))
    assert [g.id for g in lapsed(regs, r, later)] == [4]


def test_referral_reversal_puts_the_member_back_at_the_original_place():
    regs = (
        reg(1, status=DISPATCHED, restorations=1),
        on_short(2, book_id="JW-2", registered_at=SIGNED + timedelta(days=1)),
        reg(3, book_id="JW-3", status=REMOVED),
        reg(4, book_id="JW-4"),
    )
    back = apply_referral_reversal(regs, now=NOW)
    assert [r.id for r in back] == [1, 2]
    for old, new in zip(regs, back):
        assert new.status == WAITING
        assert new.registered_at == old.registered_at
        assert new.last_signed_at == NOW
        assert new.short_call is None
        assert new.turndowns == old.turndowns
        assert new.restorations == old.restorations


def test_transitions_never_mutate_their_inputs():
    regs = (reg(1, turndowns=2), on_short(2, book_id="JW-2"))
    snapshot = tuple(replace(r) for r in regs)
    outcome(call(30), DECLINED, regs)
    outcome(call(30), ACCEPTED, regs)
    job_end(regs, LAID_OFF, short_at_referral=True, days=2)
    apply_resign(regs, None, now=NOW)
    apply_referral_reversal(regs, now=NOW)
    assert regs == snapshot
