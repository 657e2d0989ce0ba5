"""(v2) Turndowns as locals count them: the daily limit, calls whose declines never count,
unavailable_is_turndown, excused members, requested members of any kind, award_declined."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time

import pytest

from dispatch.calls import no_turndown_reason
from dispatch.model import (
    AWARD_DECLINED,
    DECLINED,
    DISPATCHED,
    NO_ANSWER,
    REMOVED,
    WAITING,
    ExcusedAbsence,
    Unavailability,
)
from dispatch.ranking import rank
from dispatch.transitions import apply_award_declined, apply_outcome, apply_unavailable_turndown, describe_outcome
from dispatch.turndowns import counted_today, turndown_decision, unavailable_turndowns
from tests.dispatch.helpers import call, context, local, member, reg, rules

ONE_A_DAY = rules(turndowns={"max_per_day": 1})


def decline(the_rules, *, today=0, the_call=None, turndowns=0, excused=False, request=None, outcome=DECLINED):
    r = reg("102", turndowns=turndowns, id=1)
    return apply_outcome(the_call or call(), outcome, [r], 1, named=False, rules=the_rules,
                         now=local(2026, 11, 20, 10), member_name="Ben Ito", turndowns_today=today,
                         excused=excused, request=request)


# --- the daily limit ----------------------------------------------------------------------------


def test_the_second_decline_of_a_day_at_23_59_does_not_count_and_the_next_at_midnight_does():
    first = local(2026, 11, 20, 10)
    second, third = local(2026, 11, 20, 23, 59), local(2026, 11, 21, 0, 0)
    counted: list = []
    for moment, expected in ((first, True), (second, False), (third, True)):
        today = counted_today(counted, moment, ONE_A_DAY)
        decision = turndown_decision(call(), DECLINED, named=False, rules=ONE_A_DAY, turndowns_today=today)
        assert decision.counted is expected, moment
        if decision.counted:
            counted.append(moment)
    assert counted == [first, third]
    assert turndown_decision(call(), DECLINED, named=False, rules=ONE_A_DAY, turndowns_today=1).why_not == (
        "1 turndown already counted today, the daily limit")


def test_the_day_is_the_halls_day_not_utc():
    # 19:00 Chicago is 01:00 UTC the next day: still the same hall day as 09:00.
    assert counted_today([local(2026, 11, 20, 9)], local(2026, 11, 20, 19), ONE_A_DAY) == 1


def test_declines_past_the_daily_limit_are_recorded_with_no_turndown():
    effect = decline(ONE_A_DAY, today=1, turndowns=1)
    assert not effect.turndown_counted and effect.registrations == ()
    assert effect.message == "Ben Ito declined: not a turndown (1 turndown already counted today, the daily limit)."
    two = rules(turndowns={"max_per_day": 2})
    assert decline(two, today=1).turndown_counted
    assert decline(rules(), today=5).turndown_counted  # 0: no daily limit


def test_the_daily_limit_lets_a_member_roll_off_on_another_day():
    assert decline(ONE_A_DAY, today=0, turndowns=2).registrations[0].status == REMOVED


# --- calls whose declines never count ------------------------------------------------------------


@pytest.mark.parametrize(
    "the_rules, the_call, reason",
    [
        (rules(), replace(call(), no_turndown="starts 05:00"), "starts 05:00"),
        (rules(turndowns={"exempt_max_days": 2}), call(duration=2), "a call of 2 days or fewer"),
        (rules(turndowns={"exempt_max_days": 2}), call(duration=3), ""),
        (rules(turndowns={"exempt_start_before": time(6, 0)}),
         call(start=local(2026, 11, 23, 5, 59)), "starts 05:59, before 06:00"),
        (rules(turndowns={"exempt_start_before": time(6, 0)}),
         call(start=local(2026, 11, 23, 6, 0)), ""),
    ],
)
def test_calls_whose_declines_never_count(the_rules, the_call, reason):
    # Short calls are by 0 days here so the call's own rule is what is tested.
    the_rules = replace(the_rules, short_calls=replace(the_rules.short_calls, max_days=0))
    assert no_turndown_reason(the_call, the_rules) == reason
    effect = decline(the_rules, the_call=the_call)
    assert effect.turndown_counted is (reason == "")
    if reason:
        assert effect.message == f"Ben Ito declined: not a turndown (declines on this call never count: {reason})."


def test_the_confirmation_says_so_before_recording():
    the_call = replace(call(), no_turndown="below scale")
    r = reg("102", id=1)
    assert describe_outcome(the_call, DECLINED, r, named=False, rules=rules(), member_name="Ben Ito") == (
        "Record declined for Ben Ito: not a turndown (declines on this call never count: below scale).")
    assert describe_outcome(call(), DECLINED, r, named=False, rules=ONE_A_DAY, member_name="Ben Ito",
                            turndowns_today=1).endswith("(1 turndown already counted today, the daily limit).")


# --- excused members and requests of any kind -------------------------------------------------------


def test_an_excused_member_is_never_charged():
    effect = decline(rules(turndowns={"no_answer_is_turndown": True}), excused=True, outcome=NO_ANSWER)
    assert not effect.turndown_counted
    assert effect.message == "No answer from Ben Ito: not a turndown (excused absence)."


@pytest.mark.parametrize("kind, words", [("foreman", "foreman call-out"), ("recall", "recall"), ("name", "name request")])
def test_a_requested_member_of_any_kind_who_declines_gets_no_turndown(kind, words):
    effect = decline(rules(), request=kind)
    assert not effect.turndown_counted
    assert effect.message == f"Ben Ito declined: not a turndown ({words})."


# --- unavailable_is_turndown ----------------------------------------------------------------------

CHARGE = rules(turndowns={"unavailable_is_turndown": True})


def unavailable_hall(the_rules=CHARGE, excused=False):
    members = [member(c, f"M {c}") for c in ("1", "2", "3", "4")]
    regs = [reg(c, at=local(2026, 11, int(c), 8)) for c in ("1", "2", "3", "4")]
    away = (Unavailability("1", date(2026, 11, 30)), Unavailability("3", date(2026, 11, 30)))
    ctx = context(members, rules=the_rules, unavailable=away)
    if excused:
        ctx = replace(ctx, excused={"1": (ExcusedAbsence("1", date(2026, 11, 1), date(2026, 11, 30)),)})
    return regs, ctx


def test_members_passed_over_as_unavailable_above_the_one_who_accepts_are_charged():
    regs, ctx = unavailable_hall()
    ranking = rank(call(), regs, ctx)
    assert [c.card for c in unavailable_turndowns(ranking, "4", call(), CHARGE)] == ["1", "3"]
    assert [c.card for c in unavailable_turndowns(ranking, "2", call(), CHARGE)] == ["1"]
    assert unavailable_turndowns(ranking, "4", call(), CHARGE, already_charged={"1", "3"}) == ()
    with pytest.raises(ValueError):
        unavailable_turndowns(ranking, "99", call(), CHARGE)


def test_unavailable_charges_are_off_by_default_and_never_for_an_excused_member():
    regs, ctx = unavailable_hall(rules())
    assert unavailable_turndowns(rank(call(), regs, ctx), "4", call(), rules()) == ()
    regs, ctx = unavailable_hall(excused=True)
    assert [c.card for c in unavailable_turndowns(rank(call(), regs, ctx), "4", call(), CHARGE)] == ["3"]


def test_no_unavailable_charge_on_a_call_whose_declines_do_not_count():
    regs, ctx = unavailable_hall()
    short = call(duration=5)
    assert unavailable_turndowns(rank(short, regs, ctx), "4", short, CHARGE) == ()


def test_the_unavailable_charge_follows_the_daily_limit_and_rolls_off_at_the_limit():
    both = rules(turndowns={"unavailable_is_turndown": True, "max_per_day": 1})
    r = reg("1", turndowns=2, id=1)
    charged = apply_unavailable_turndown(call(id=40), r, rules=both, member_name="Ann")
    assert charged.turndown_counted and charged.registrations[0].status == REMOVED
    assert charged.message == "Ann was unavailable for call #40: rolled off JW-1 after 3 turndowns."
    spared = apply_unavailable_turndown(call(id=40), r, rules=both, turndowns_today=1, member_name="Ann")
    assert not spared.turndown_counted and spared.registrations == ()


# --- award_declined --------------------------------------------------------------------------------


def test_award_declined_is_a_turndown_and_puts_the_member_back_at_the_original_place():
    awarded = reg("102", "JW-1", local(2026, 11, 1, 8), status=DISPATCHED, id=1)
    other = reg("102", "AP-1", local(2026, 10, 1, 8), status=DISPATCHED, id=2)
    now = local(2026, 11, 24, 9)
    effect = apply_award_declined(call(id=40), [awarded, other], 1, rules=rules(), now=now, member_name="Ben Ito")
    by_id = {r.id: r for r in effect.registrations}
    assert by_id[1].status == WAITING and by_id[1].registered_at == awarded.registered_at
    assert by_id[1].turndowns == 1 and by_id[1].last_signed_at == now
    assert by_id[2].status == WAITING and by_id[2].turndowns == 0
    assert effect.turndown_counted and not effect.referral
    assert effect.message == ("Ben Ito refused the award of call #40: turndown 1 of 3, back at the original place; "
                              "the opening returns to call #40.")


def test_award_declined_at_the_limit_rolls_off_and_follows_the_daily_limit():
    awarded = reg("102", status=DISPATCHED, turndowns=2, id=1)
    now = local(2026, 11, 24, 9)
    rolled = apply_award_declined(call(id=40), [awarded], 1, rules=rules(), now=now, member_name="Ben Ito")
    assert rolled.registrations[0].status == REMOVED
    assert rolled.message == "Ben Ito refused the award of call #40: rolled off JW-1 after 3 turndowns; the opening returns to call #40."
    spared = apply_award_declined(call(id=40), [awarded], 1, rules=ONE_A_DAY, now=now, turndowns_today=1,
                                  member_name="Ben Ito")
    assert not spared.turndown_counted and spared.registrations[0].status == WAITING
    assert spared.message == ("Ben Ito refused the award of call #40: not a turndown (1 turndown already counted today, "
                              "the daily limit), back at the original place; the opening returns to call #40.")
    assert turndown_decision(call(), AWARD_DECLINED, named=False, rules=rules()).counted


def test_the_confirmation_before_recording_an_award_refused():
    r = reg("102", id=1)
    assert describe_outcome(call(id=40), AWARD_DECLINED, r, named=False, rules=rules(), member_name="Ben Ito") == (
        "Record award declined for Ben Ito: turndown 1 of 3, back at the original place; "
        "the opening returns to call #40.")
    assert describe_outcome(call(id=40), AWARD_DECLINED, replace(r, turndowns=2), named=False, rules=rules(),
                            member_name="Ben Ito") == (
        "Record award declined for Ben Ito: turndown 3 of 3, rolls off JW-1; the opening returns to call #40.")
    assert describe_outcome(call(id=40, duration=5), AWARD_DECLINED, r, named=False, rules=rules(),
                            member_name="Ben Ito") == (
        "Record award declined for Ben Ito: not a turndown (short call), back at the original place; "
        "the opening returns to call #40.")
