"""(v2) Short calls as locals define them: by expected hours, restorations not counted for
the shortest, and the rotation of short calls."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from dispatch.calls import expected_hours, is_short_call, short_call_words
from dispatch.model import LAID_OFF, ON_SHORT_CALL, RotationPoint, ShortCallHold
from dispatch.ranking import rank, rotation_start
from dispatch.transitions import apply_job_end, counts_as_short
from tests.dispatch.helpers import RULES, call, context, local, member, reg, rules

HOURS = rules(short_calls={"max_hours": 40})


@pytest.mark.parametrize(
    "duration, given, short",
    [
        (5, None, True),  # 5 days x 8 hours = 40: "40 hours or less"
        (6, None, False),
        (20, 40, True),  # expected hours given: max_days plays no part
        (1, 40.5, False),
    ],
)
def test_short_by_expected_hours(duration, given, short):
    the_call = replace(call(duration=duration), expected_hours=given)
    assert is_short_call(the_call, HOURS) is short
    assert short_call_words(HOURS) == "40 hours or less"
    assert short_call_words(RULES) == "10 working days or fewer"


def test_hours_per_day_turns_days_into_hours():
    ten = rules(short_calls={"max_hours": 40}, ordering={"hours_per_day": 10})
    assert expected_hours(call(duration=4), ten) == 40
    assert is_short_call(call(duration=4), ten) and not is_short_call(call(duration=5), ten)


@pytest.mark.parametrize(
    "days, hours, short",
    [(5, None, True), (6, None, False), (10, 38, True), (3, 41, False)],
)
def test_by_actual_compares_hours_worked(days, hours, short):
    assert counts_as_short(LAID_OFF, short_call_at_referral=False, days_worked=days, rules=HOURS,
                           hours_worked=hours) is short


def test_with_max_hours_a_layoff_restores_on_hours_worked():
    held = [reg("1", status=ON_SHORT_CALL, hold=ShortCallHold("Acme"), id=1)]
    kept = apply_job_end(held, LAID_OFF, call=call(duration=5), short_call_at_referral=True, days_worked=6,
                         hours=36, rules=HOURS, now=local(2026, 11, 30, 16))
    assert kept.short_call and kept.registrations[0].status == "waiting"
    gone = apply_job_end(held, LAID_OFF, call=call(duration=5), short_call_at_referral=True, days_worked=6,
                         rules=HOURS, now=local(2026, 11, 30, 16))
    assert not gone.short_call and gone.registrations[0].status == "removed"


# --- uncounted_max_days ----------------------------------------------------------------------------


def test_three_one_day_calls_no_longer_use_up_the_restorations():
    uncounted = rules(short_calls={"uncounted_max_days": 1})
    registration = reg("1", status=ON_SHORT_CALL, hold=ShortCallHold("Acme"), id=1)
    now = local(2026, 11, 30, 16)
    for _ in range(3):
        effect = apply_job_end([registration], LAID_OFF, call=call(duration=1), short_call_at_referral=True,
                               days_worked=1, rules=uncounted, now=now)
        registration = replace(effect.registrations[0], status=ON_SHORT_CALL)
    assert effect.registrations[0].status == "waiting" and effect.registrations[0].restorations == 0
    assert effect.message == ("card 1 laid off after 1 day: back on the books at the original place "
                              "(not counted as a restoration: 1 day or fewer worked).")
    # Without the rule the third one-day call is past the limit of 2.
    registration = reg("1", status=ON_SHORT_CALL, hold=ShortCallHold("Acme"), id=1)
    for _ in range(3):
        effect = apply_job_end([registration], LAID_OFF, call=call(duration=1), short_call_at_referral=True,
                               days_worked=1, rules=RULES, now=now)
        registration = replace(effect.registrations[0], status=ON_SHORT_CALL)
    assert effect.registrations[0].status == "removed"


def test_a_short_call_longer_than_the_uncounted_days_counts():
    uncounted = rules(short_calls={"uncounted_max_days": 2})
    held = [reg("1", status=ON_SHORT_CALL, hold=ShortCallHold("Acme"), id=1)]
    effect = apply_job_end(held, LAID_OFF, call=call(duration=5), short_call_at_referral=True, days_worked=3,
                           rules=uncounted, now=local(2026, 11, 30, 16))
    assert effect.registrations[0].restorations == 1


# --- rotation --------------------------------------------------------------------------------------

ROTATE = rules(short_calls={"rotation": True})


def rotation_hall():
    members = [member(str(n)) for n in range(1, 7)]
    regs = [reg(str(n), "JW-1", local(2026, 11, 1, 8) + timedelta(minutes=n), id=n) for n in range(1, 6)]
    regs.append(reg("6", "JW-2", local(2026, 11, 1, 8), id=6))
    # Member 3 most recently accepted a short call from JW-1 and works it (place held).
    regs[2] = replace(regs[2], status=ON_SHORT_CALL, short_call=ShortCallHold("Acme", None, 9))
    point = RotationPoint("JW-1", "3", regs[2].registered_at)
    return members, regs, point


def test_short_calls_start_after_the_last_member_who_accepted_one_wrapping_round():
    members, regs, point = rotation_hall()
    ctx = replace(context(members, rules=ROTATE), rotation={"JW-1": point})
    ranking = rank(call(duration=5), regs, ctx)
    assert [(c.card, c.position) for c in ranking.candidates] == [
        ("4", 3), ("5", 4), ("1", 1), ("2", 2), ("3", None), ("6", 1)]
    # Positions stay the list's; regular calls always start at the top.
    regular = rank(call(duration=30), regs, ctx)
    assert [c.card for c in regular.candidates] == ["1", "2", "3", "4", "5", "6"]


def test_rotation_is_off_by_default_and_the_limited_ranking_is_its_prefix():
    members, regs, point = rotation_hall()
    plain = rank(call(duration=5), regs, replace(context(members), rotation={"JW-1": point}))
    assert [c.card for c in plain.candidates] == ["1", "2", "3", "4", "5", "6"]
    ctx = replace(context(members, rules=ROTATE), rotation={"JW-1": point})
    full = rank(call(duration=5), regs, ctx)
    for limit in range(0, 8):
        assert rank(call(duration=5), regs, ctx, limit=limit).candidates == full.candidates[:limit]


def test_a_point_whose_registration_is_gone_still_places_the_rotation():
    members, regs, point = rotation_hall()
    regs = [r for r in regs if r.card != "3"]
    ctx = replace(context(members, rules=ROTATE), rotation={"JW-1": point})
    assert [c.card for c in rank(call(duration=5), regs, ctx).candidates] == ["4", "5", "1", "2", "6"]


def test_rotation_start_names_where_the_next_short_call_starts():
    members, regs, point = rotation_hall()
    now = local(2026, 11, 20, 10)
    book = ROTATE.book("JW-1")
    assert rotation_start(book, regs, point, ROTATE, now).card == "4"
    assert rotation_start(book, regs, RotationPoint("JW-1", "5", regs[4].registered_at), ROTATE, now).card == "1"
    assert rotation_start(book, regs, None, ROTATE, now).card == "1"
    assert rotation_start(ROTATE.book("JW-3"), regs, None, ROTATE, now) is None
