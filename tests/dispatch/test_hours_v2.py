"""(v2, fix) On low-hours boards hours belong to the member for the period."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from dispatch.hours import (
    job_end_hours,
    member_period_hours,
    penalty_record,
    period_bounds,
    with_member_hours,
    worked_record,
)
from dispatch.model import DECLINED, HOURS_PENALTY, LAID_OFF, ON_SHORT_CALL, QUIT, HoursRecord, ShortCallHold
from dispatch.ranking import book_order, rank
from dispatch.transitions import apply_job_end, apply_outcome
from tests.dispatch.helpers import call, context, local, member, reg, rules

LOW = rules(ordering={"policy": "low_hours"})
NOW = local(2026, 11, 20, 10)


def hours(card: str, day: date, amount: float, kind: str = "worked") -> HoursRecord:
    return HoursRecord(card, day, amount, "Acme Electric", kind=kind)


def test_period_bounds_month_and_week():
    assert period_bounds(NOW, LOW) == (date(2026, 11, 1), date(2026, 11, 30))
    week = rules(ordering={"policy": "low_hours", "low_hours_period": "week"})
    assert period_bounds(NOW, week) == (date(2026, 11, 16), date(2026, 11, 22))
    assert period_bounds(local(2026, 12, 31, 23, 59), LOW) == (date(2026, 12, 1), date(2026, 12, 31))


def test_member_period_hours_sum_worked_and_penalty_hours_dated_in_the_period():
    records = [
        hours("1", date(2026, 11, 2), 40),
        hours("1", date(2026, 11, 19), 8),
        hours("1", date(2026, 11, 10), 10, HOURS_PENALTY),
        hours("1", date(2026, 10, 31), 80),  # last period
        hours("2", date(2026, 11, 30), 4),  # later this period
        hours("3", date(2026, 12, 1), 16),  # next period
    ]
    assert member_period_hours(records, NOW, LOW) == {"1": 58.0, "2": 4.0}


def test_the_board_no_longer_inverts_after_a_regular_job():
    # Member 1 worked 120 hours this month, was laid off and signed again (a new registration);
    # member 2 has worked 16. The new registration must not start at 0 and rank first.
    members = [member("1"), member("2")]
    regs = [reg("1", "JW-1", local(2026, 11, 18, 8)), reg("2", "JW-1", local(2026, 11, 3, 8))]
    records = [hours("1", date(2026, 11, 17), 120), hours("2", date(2026, 11, 9), 16)]
    per_member = member_period_hours(records, NOW, LOW)
    ranked = rank(call(), with_member_hours(regs, per_member), context(members, rules=LOW))
    assert [(c.card, c.position) for c in ranked.candidates] == [("2", 1), ("1", 2)]
    # Before the fix hours were the registration's: member 2's 16, member 1's new one none.
    by_registration = [regs[0], replace(regs[1], period_hours=16)]
    assert [c.card for c in rank(call(), by_registration, context(members, rules=LOW)).candidates] == ["1", "2"]


def test_a_member_on_two_books_carries_the_same_hours_on_both():
    regs = [reg("1", "JW-1", hours=5), reg("1", "AP-1"), reg("2", "JW-1")]
    carried = with_member_hours(regs, {"1": 24.0})
    assert [r.period_hours for r in carried] == [24.0, 24.0, 0.0]
    assert carried[2] is regs[2]  # unchanged registrations are the same objects
    order = book_order(carried, LOW, LOW.book("JW-1"))
    assert [r.card for r in order] == ["2", "1"]


@pytest.mark.parametrize("given, expected", [(None, 24.0), (0, 24.0), (30.5, 30.5)])
def test_hours_at_a_job_end_default_to_days_times_hours_per_day(given, expected):
    assert job_end_hours(3, LOW, given) == expected
    assert job_end_hours(3, rules(ordering={"hours_per_day": 10}), None) == 30.0


def test_every_job_end_asks_for_an_hours_record_short_or_regular():
    held = [reg("1", status=ON_SHORT_CALL, hold=ShortCallHold("Acme Electric"), id=1)]
    short = apply_job_end(held, LAID_OFF, call=call(duration=5), short_call_at_referral=True, days_worked=2,
                          rules=LOW, now=NOW)
    assert short.hours_worked == 16.0
    assert worked_record("1", short, date(2026, 11, 20), "Acme Electric") == HoursRecord(
        "1", date(2026, 11, 20), 16.0, "Acme Electric")
    regular = apply_job_end([replace(held[0], status="dispatched")], QUIT, call=call(), short_call_at_referral=False,
                            days_worked=12, hours=90, rules=LOW, now=NOW)
    assert regular.hours_worked == 90
    nothing = replace(regular, hours_worked=0.0)
    assert worked_record("1", nothing, date(2026, 11, 20)) is None


def test_a_counted_turndown_asks_for_penalty_hours_and_one_that_is_not_for_none():
    offered = reg("1", id=1)
    counted = apply_outcome(call(duration=30), DECLINED, [offered], 1, named=False, rules=LOW, now=NOW)
    assert counted.penalty_hours == 10 and counted.turndown_counted
    assert penalty_record("1", counted, date(2026, 11, 20)) == HoursRecord(
        "1", date(2026, 11, 20), 10, kind=HOURS_PENALTY)
    not_counted = apply_outcome(call(duration=5), DECLINED, [offered], 1, named=False, rules=LOW, now=NOW)
    assert not not_counted.turndown_counted and not_counted.penalty_hours == 0
    assert penalty_record("1", not_counted, date(2026, 11, 20)) is None
    registration_policy = apply_outcome(call(duration=30), DECLINED, [offered], 1, named=False,
                                        rules=rules(), now=NOW)
    assert registration_policy.turndown_counted and registration_policy.penalty_hours == 0
