"""(v2) The exhausted list: the release clock on business hours, and release only once
every eligible candidate has an outcome."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from dispatch.model import CANCELLED, DECLINED, FILLED
from dispatch.ranking import rank
from dispatch.release import list_exhausted, release_clock, release_state
from tests.dispatch.helpers import call, context, local, member, reg, rules

THANKSGIVING = rules(release={"hours": 48}, hall={"holidays": (date(2026, 11, 26),)})
TAKEN = local(2026, 11, 25, 10)  # Wednesday


def test_worked_example_taken_wednesday_10_00_holiday_thursday_released_monday_10_00():
    assert release_clock(TAKEN, THANKSGIVING) == local(2026, 11, 30, 10)


@pytest.mark.parametrize(
    "taken, hours, released",
    [
        (local(2026, 11, 23, 10), 48, local(2026, 11, 25, 10)),  # Mon -> Wed, no holiday in between
        (local(2026, 11, 21, 15), 24, local(2026, 11, 24, 0)),  # taken on a Saturday: counts from Monday
        (local(2026, 11, 27, 23), 2, local(2026, 11, 30, 1)),  # the weekend does not run the clock
        (local(2026, 11, 25, 10), 14, local(2026, 11, 26, 0)),  # runs out at the end of Wednesday exactly
        (local(2026, 11, 25, 10), 15, local(2026, 11, 27, 1)),  # one hour more: Friday 01:00, past the holiday
    ],
)
def test_only_hours_on_business_days_run_the_clock(taken, hours, released):
    the_rules = rules(release={"hours": hours}, hall={"holidays": (date(2026, 11, 26),)})
    assert release_clock(taken, the_rules) == released


def test_the_clock_runs_in_real_hours_across_a_daylight_saving_change():
    # A hall open every day: Sunday Mar 8 2026 is 23 hours long in Chicago.
    every_day = rules(release={"hours": 24}, hall={"business_days": (0, 1, 2, 3, 4, 5, 6)})
    assert release_clock(local(2026, 3, 7, 12), every_day) == local(2026, 3, 8, 13)
    # Monday to Friday: the weekend (and its change) does not count.
    assert release_clock(local(2026, 3, 6, 12), rules(release={"hours": 24})) == local(2026, 3, 9, 12)


def test_no_release_with_hours_zero():
    assert release_clock(TAKEN, rules()) is None
    state = release_state(replace(call(), taken_at=TAKEN), None, rules(), local(2027, 1, 1))
    assert not state.released and state.clock_at is None
    assert state.sentence(rules(), local(2027, 1, 1)) == "not released: release.hours is 0."


def exhausted_hall(outcome_for_2: bool = True):
    members = [member("1", "Ann Lee"), member("2", "Bo Chen"), member("3", "Cy Park", certs=())]
    regs = [reg("1", at=local(2026, 11, 1, 8)), reg("2", at=local(2026, 11, 2, 8)), reg("3", at=local(2026, 11, 3, 8))]
    outcomes = {"1": DECLINED, "2": DECLINED} if outcome_for_2 else {"1": DECLINED}
    the_call = replace(call(workers=1, certs=("OSHA-30",), start=local(2026, 12, 7, 7)), taken_at=TAKEN)
    return the_call, regs, members, outcomes


def state_at(now, outcome_for_2=True, last=None):
    the_call, regs, members, outcomes = exhausted_hall(outcome_for_2)
    ranking = rank(the_call, regs, context(members, now=now, rules=THANKSGIVING, outcomes=outcomes))
    return release_state(the_call, ranking, THANKSGIVING, now, last)


def test_open_at_monday_09_59_and_released_at_10_00():
    before = state_at(local(2026, 11, 30, 9, 59))
    assert not before.released and before.clock_at == local(2026, 11, 30, 10)
    assert before.sentence(THANKSGIVING, local(2026, 11, 30, 9, 59)) == (
        "open until Mon 30 Nov 10:00 (48 business hours), then released once the list is exhausted.")
    at = state_at(local(2026, 11, 30, 10), last=local(2026, 11, 25, 12))
    assert at.released and at.released_at == local(2026, 11, 30, 10)
    assert at.sentence(THANKSGIVING, local(2026, 11, 30, 11)) == (
        "released Mon 30 Nov 10:00: the employer may hire directly.")


def test_not_released_while_a_signed_member_has_no_outcome_then_at_that_outcome():
    waiting = state_at(local(2026, 12, 1, 9), outcome_for_2=False)
    assert not waiting.released and waiting.waiting_for.card == "2"
    assert waiting.sentence(THANKSGIVING, local(2026, 12, 1, 9)) == (
        "the 48 business hours ran out on Mon 30 Nov; released once Bo Chen (2) has an outcome.")
    # Bo declines Tuesday 11:00: the list is exhausted, released as of that outcome.
    later = state_at(local(2026, 12, 1, 11, 5), last=local(2026, 12, 1, 11))
    assert later.released_at == local(2026, 12, 1, 11)


def test_ineligible_candidates_do_not_hold_a_release_back():
    the_call, regs, members, outcomes = exhausted_hall()
    ranking = rank(the_call, regs, context(members, now=local(2026, 11, 30, 10), rules=THANKSGIVING, outcomes=outcomes))
    assert not ranking.find("3").eligible and ranking.find("3").outcome is None
    assert list_exhausted(ranking)


@pytest.mark.parametrize("status", [FILLED, CANCELLED])
def test_only_open_calls_are_released(status):
    the_call, regs, members, outcomes = exhausted_hall()
    the_call = replace(the_call, status=status)
    now = local(2026, 12, 1, 9)
    ranking = rank(the_call, regs, context(members, now=now, rules=THANKSGIVING, outcomes=outcomes))
    assert not release_state(the_call, ranking, THANKSGIVING, now).released


def test_a_posted_call_waits_for_its_selection_and_a_limited_ranking_cannot_release():
    the_call, regs, members, outcomes = exhausted_hall()
    now = local(2026, 12, 1, 9)
    posted = replace(the_call, posted_for=now + timedelta(hours=1))
    ranking = rank(posted, regs, context(members, now=now, rules=THANKSGIVING, outcomes=outcomes))
    assert not release_state(posted, ranking, THANKSGIVING, now).released
    limited = rank(the_call, regs, context(members, now=now, rules=THANKSGIVING, outcomes=outcomes), limit=1)
    assert limited.truncated and not list_exhausted(limited)
    assert not release_state(the_call, limited, THANKSGIVING, now).released
    with pytest.raises(ValueError):
        release_state(the_call, None, THANKSGIVING, now)
