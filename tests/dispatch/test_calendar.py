"""The hall's calendar: zone, business days, closing time and re-sign deadlines."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from dispatch import calendar as cal
from dispatch.calendar import TimeError
from dispatch.model import Registration
from dispatch.rules import HallRules, OrderingRules, ResignRules, RuleSet

CHICAGO = RuleSet(hall=HallRules(timezone="America/Chicago"))


def rules(*, holidays=(), business_days=(0, 1, 2, 3, 4), **resign) -> RuleSet:
    return RuleSet(
        hall=HallRules(timezone="America/Chicago", business_days=business_days, holidays=tuple(holidays)),
        resign=ResignRules(**resign),
    )


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def signed(local_day: date, clock: time = time(9, 0)) -> Registration:
    """A registration last signed at ``clock`` on a Chicago date."""
    at = cal.to_utc(datetime.combine(local_day, clock), CHICAGO)
    return Registration(id=1, card="101", book_id="JW-1", registered_at=at, last_signed_at=at)


# --- to_utc ------------------------------------------------------------------------


def test_naive_local_time_is_read_in_the_hall_zone():
    assert cal.to_utc(datetime(2026, 11, 20, 8, 0), CHICAGO) == utc(2026, 11, 20, 14, 0)  # CST -6
    assert cal.to_utc(datetime(2026, 7, 1, 8, 0), CHICAGO) == utc(2026, 7, 1, 13, 0)  # CDT -5
    assert cal.to_utc(datetime(2026, 7, 1, 8, 0), RuleSet()) == utc(2026, 7, 1, 8, 0)  # default UTC


def test_aware_time_is_converted_and_cut_to_the_second():
    moment = datetime(2026, 7, 1, 8, 0, 5, 999999, tzinfo=CHICAGO.zone)
    assert cal.to_utc(moment, CHICAGO) == utc(2026, 7, 1, 13, 0, 5)
    assert cal.to_utc(moment, CHICAGO).tzinfo is UTC


def test_local_time_in_the_spring_gap_is_refused():
    with pytest.raises(TimeError, match="does not exist in America/Chicago"):
        cal.to_utc(datetime(2026, 3, 8, 2, 30), CHICAGO)


def test_local_time_in_the_autumn_fold_is_refused():
    with pytest.raises(TimeError, match="happens twice in America/Chicago"):
        cal.to_utc(datetime(2026, 11, 1, 1, 30), CHICAGO)


def test_times_next_to_the_gap_and_fold_are_fine():
    assert cal.to_utc(datetime(2026, 3, 8, 1, 59), CHICAGO) == utc(2026, 3, 8, 7, 59)
    assert cal.to_utc(datetime(2026, 3, 8, 3, 0), CHICAGO) == utc(2026, 3, 8, 8, 0)
    assert cal.to_utc(datetime(2026, 11, 1, 0, 59), CHICAGO) == utc(2026, 11, 1, 5, 59)
    assert cal.to_utc(datetime(2026, 11, 1, 2, 0), CHICAGO) == utc(2026, 11, 1, 8, 0)


def test_an_aware_time_in_the_fold_is_exact():
    first = datetime(2026, 11, 1, 1, 30, tzinfo=CHICAGO.zone, fold=0)
    second = datetime(2026, 11, 1, 1, 30, tzinfo=CHICAGO.zone, fold=1)
    assert cal.to_utc(first, CHICAGO) == utc(2026, 11, 1, 6, 30)
    assert cal.to_utc(second, CHICAGO) == utc(2026, 11, 1, 7, 30)


def test_local_date_uses_the_hall_zone():
    assert cal.local_date(utc(2026, 12, 1, 3, 0), CHICAGO) == date(2026, 11, 30)
    assert cal.local_date(utc(2026, 12, 1, 3, 0), RuleSet()) == date(2026, 12, 1)


# --- the hall's own fixed times (never refused) ----------------------------------------


def test_at_local_in_a_gap_takes_the_reading_after_it():
    # 02:30 never happens on 2026-03-08; the later reading is 03:30 CDT.
    assert cal.at_local(date(2026, 3, 8), time(2, 30), CHICAGO) == utc(2026, 3, 8, 8, 30)


def test_at_local_in_a_fold_takes_the_earlier_reading():
    assert cal.at_local(date(2026, 11, 1), time(1, 30), CHICAGO) == utc(2026, 11, 1, 6, 30)


def test_a_day_that_starts_in_a_gap_starts_at_the_first_real_moment():
    # Sao Paulo skipped 00:00-01:00 on 2018-11-04: the day began at 01:00 -02.
    sao_paulo = RuleSet(hall=HallRules(timezone="America/Sao_Paulo"))
    start = cal.start_of_day(date(2018, 11, 4), sao_paulo)
    assert start == utc(2018, 11, 4, 3, 0)
    assert cal.local_date(start, sao_paulo) == date(2018, 11, 4)
    assert cal.local_date(start - timedelta(seconds=1), sao_paulo) == date(2018, 11, 3)


def test_closing_moment_across_daylight_saving():
    assert cal.closing_moment(date(2026, 12, 1), CHICAGO) == utc(2026, 12, 1, 23, 0)  # CST
    assert cal.closing_moment(date(2026, 7, 1), CHICAGO) == utc(2026, 7, 1, 22, 0)  # CDT
    # The change days themselves.
    assert cal.closing_moment(date(2026, 3, 8), CHICAGO) == utc(2026, 3, 8, 22, 0)
    assert cal.closing_moment(date(2026, 11, 1), CHICAGO) == utc(2026, 11, 1, 23, 0)


# --- business days -----------------------------------------------------------------------


def test_is_business_day():
    hall = rules(holidays=[date(2026, 11, 26)])
    assert cal.is_business_day(date(2026, 11, 25), hall)  # Wednesday
    assert not cal.is_business_day(date(2026, 11, 26), hall)  # Thanksgiving, listed
    assert not cal.is_business_day(date(2026, 11, 28), hall)  # Saturday
    saturdays = rules(business_days=(5,))
    assert cal.is_business_day(date(2026, 11, 28), saturdays)
    assert not cal.is_business_day(date(2026, 11, 25), saturdays)


def test_business_day_on_or_after():
    hall = rules(holidays=[date(2026, 12, 25)])
    assert cal.business_day_on_or_after(date(2026, 12, 1), hall) == date(2026, 12, 1)
    assert cal.business_day_on_or_after(date(2026, 12, 5), hall) == date(2026, 12, 7)  # Sat -> Mon
    assert cal.business_day_on_or_after(date(2026, 12, 25), hall) == date(2026, 12, 28)  # Fri holiday


@pytest.mark.parametrize(
    ("first", "last", "holidays", "count"),
    [
        (date(2026, 11, 30), date(2026, 12, 4), [], 5),  # Mon-Fri, both included
        (date(2026, 11, 30), date(2026, 12, 6), [], 5),  # the weekend adds nothing
        (date(2026, 11, 23), date(2026, 11, 27), [date(2026, 11, 26)], 4),  # a holiday
        (date(2026, 12, 1), date(2026, 12, 1), [], 1),
        (date(2026, 12, 5), date(2026, 12, 6), [], 0),  # a weekend
        (date(2026, 12, 4), date(2026, 12, 1), [], 0),  # last before first
        (date(2026, 11, 30), date(2026, 12, 11), [], 10),  # two weeks: a 10-day short call
    ],
)
def test_business_days_between(first, last, holidays, count):
    assert cal.business_days_between(first, last, rules(holidays=holidays)) == count


# --- re-sign due dates ---------------------------------------------------------------------


def test_rolling_due_date():
    assert cal.resign_due(signed(date(2026, 11, 1)), rules()) == date(2026, 12, 1)
    assert cal.resign_due(signed(date(2026, 11, 1)), rules(days=45)) == date(2026, 12, 16)


def test_due_date_counts_from_the_local_date_of_signing():
    # 23:30 on Oct 31 in Chicago is already Nov 1 in UTC.
    reg = signed(date(2026, 10, 31), time(23, 30))
    assert reg.last_signed_at.date() == date(2026, 11, 1)
    assert cal.resign_due(reg, rules()) == date(2026, 11, 30)


@pytest.mark.parametrize(
    ("signed_on", "due"),
    [
        (date(2026, 11, 20), date(2026, 12, 16)),  # after this month's window
        (date(2026, 12, 12), date(2027, 1, 16)),  # re-signed inside the window
        (date(2026, 12, 10), date(2027, 1, 16)),  # on the day the window opens
        (date(2026, 12, 9), date(2026, 12, 16)),  # before the window opens
        (date(2026, 12, 16), date(2027, 1, 16)),  # on the window's last day
        (date(2026, 12, 31), date(2027, 1, 16)),  # across the year
        (date(2027, 1, 31), date(2027, 2, 16)),  # into a short month
    ],
)
def test_window_due_date(signed_on, due):
    assert cal.resign_due(signed(signed_on), rules(mode="window")) == due


def test_window_of_other_days():
    hall = rules(mode="window", window_start_day=1, window_end_day=28)
    assert cal.resign_due(signed(date(2027, 1, 15)), hall) == date(2027, 2, 28)
    assert cal.resign_due(signed(date(2027, 1, 1)), hall) == date(2027, 2, 28)


# --- overdue and removal moments -----------------------------------------------------------


def test_overdue_and_removal_at_closing_on_the_due_date():
    reg = signed(date(2026, 11, 1))  # due Tue 2026-12-01
    assert cal.overdue_from(reg, rules()) == utc(2026, 12, 1, 23, 0)  # 17:00 CST
    assert cal.removal_at(reg, rules()) == utc(2026, 12, 1, 23, 0)  # grace 0: the same moment


def test_grace_days_are_calendar_days_then_the_next_business_day():
    reg = signed(date(2026, 11, 1))  # due Tue 2026-12-01
    assert cal.overdue_from(reg, rules(grace_days=3)) == utc(2026, 12, 1, 23, 0)
    assert cal.removal_at(reg, rules(grace_days=3)) == utc(2026, 12, 4, 23, 0)  # Fri
    assert cal.removal_at(reg, rules(grace_days=4)) == utc(2026, 12, 7, 23, 0)  # Sat -> Mon


def test_due_on_a_saturday_is_removed_at_monday_closing():
    reg = signed(date(2026, 11, 5))  # due Sat 2026-12-05
    assert cal.resign_due(reg, rules()) == date(2026, 12, 5)
    assert cal.overdue_from(reg, rules()) == utc(2026, 12, 7, 23, 0)
    assert cal.removal_at(reg, rules()) == utc(2026, 12, 7, 23, 0)


def test_window_with_the_last_day_a_holiday_is_removed_on_the_next_day():
    hall = rules(mode="window", holidays=[date(2026, 12, 16)])  # Wed 16th; Thu 17th is a business day
    reg = signed(date(2026, 11, 20))
    assert cal.resign_due(reg, hall) == date(2026, 12, 16)
    assert cal.removal_at(reg, hall) == utc(2026, 12, 17, 23, 0)
    assert cal.resign_state(reg, hall, utc(2026, 12, 16, 23, 0)) == cal.RESIGN_DUE_SOON
    assert cal.resign_state(reg, hall, utc(2026, 12, 17, 23, 0)) == cal.RESIGN_LAPSED


def test_window_due_across_the_year_on_a_saturday():
    reg = signed(date(2026, 12, 31))  # due Sat 2027-01-16
    assert cal.removal_at(reg, rules(mode="window")) == utc(2027, 1, 18, 23, 0)


def test_the_exact_second_of_removal():
    reg = signed(date(2026, 11, 1))  # removal 2026-12-01 17:00:00 CST = 23:00:00 UTC
    hall = rules()
    assert cal.resign_state(reg, hall, utc(2026, 12, 1, 22, 59, 59)) == cal.RESIGN_DUE_SOON
    assert cal.resign_state(reg, hall, utc(2026, 12, 1, 23, 0, 0)) == cal.RESIGN_LAPSED


def test_overdue_between_due_and_removal_with_grace():
    reg = signed(date(2026, 11, 1))
    hall = rules(grace_days=3)
    assert cal.resign_state(reg, hall, utc(2026, 12, 1, 22, 59, 59)) == cal.RESIGN_DUE_SOON
    assert cal.resign_state(reg, hall, utc(2026, 12, 1, 23, 0)) == cal.RESIGN_OVERDUE
    assert cal.resign_state(reg, hall, utc(2026, 12, 4, 22, 59, 59)) == cal.RESIGN_OVERDUE
    assert cal.resign_state(reg, hall, utc(2026, 12, 4, 23, 0)) == cal.RESIGN_LAPSED


def test_deadlines_follow_the_local_clock_across_daylight_saving():
    summer = signed(date(2026, 6, 1))  # due Wed 2026-07-01, CDT
    assert cal.removal_at(summer, rules()) == utc(2026, 7, 1, 22, 0)
    winter = signed(date(2026, 11, 1))  # due Tue 2026-12-01, CST
    assert cal.removal_at(winter, rules()) == utc(2026, 12, 1, 23, 0)
    # Signed in daylight time, due after the clocks go back: still 17:00 on the wall clock.
    across = signed(date(2026, 10, 15))  # due Sat 2026-11-14 -> Mon 2026-11-16
    assert cal.removal_at(across, rules()) == utc(2026, 11, 16, 23, 0)
    # And forward in spring.
    spring = signed(date(2026, 2, 10))  # due Thu 2026-03-12, after 2026-03-08
    assert cal.removal_at(spring, rules()) == utc(2026, 3, 12, 22, 0)


def test_other_closing_time():
    hall = replace(rules(), hall=replace(rules().hall, closing_time=time(16, 30)))
    assert cal.removal_at(signed(date(2026, 11, 1)), hall) == utc(2026, 12, 1, 22, 30)


# --- re-sign warning -----------------------------------------------------------------------


def test_warning_days_boundary():
    reg = signed(date(2026, 11, 1))  # due 2026-12-01; warning 5 -> from 2026-11-26 local
    hall = rules()
    assert cal.resign_state(reg, hall, utc(2026, 11, 26, 5, 59, 59)) == cal.RESIGN_OK  # Nov 25 23:59:59 CST
    assert cal.resign_state(reg, hall, utc(2026, 11, 26, 6, 0)) == cal.RESIGN_DUE_SOON  # Nov 26 00:00 CST
    assert cal.resign_state(reg, hall, utc(2026, 11, 2, 12, 0)) == cal.RESIGN_OK


def test_no_warning_days_warns_only_on_the_due_date():
    reg = signed(date(2026, 11, 1))
    hall = rules(warning_days=0)
    assert cal.resign_state(reg, hall, utc(2026, 12, 1, 5, 59, 59)) == cal.RESIGN_OK
    assert cal.resign_state(reg, hall, utc(2026, 12, 1, 6, 0)) == cal.RESIGN_DUE_SOON


# --- low-hours periods ----------------------------------------------------------------------


def _low_hours(period: str) -> RuleSet:
    return replace(CHICAGO, ordering=OrderingRules(policy="low_hours", low_hours_period=period))


def test_month_period_starts_at_local_midnight_on_the_first():
    hall = _low_hours("month")
    assert cal.period_start(utc(2026, 11, 15, 12, 0), hall) == utc(2026, 11, 1, 5, 0)  # CDT until 02:00
    assert cal.period_start(utc(2026, 12, 15, 12, 0), hall) == utc(2026, 12, 1, 6, 0)  # CST
    # 21:00 on Nov 30 in Chicago is Dec 1 in UTC: still November's period.
    assert cal.period_start(utc(2026, 12, 1, 3, 0), hall) == utc(2026, 11, 1, 5, 0)
    assert cal.period_start(utc(2026, 12, 1, 6, 0), hall) == utc(2026, 12, 1, 6, 0)


def test_week_period_starts_on_monday():
    hall = _low_hours("week")
    assert cal.period_start(utc(2026, 11, 4, 18, 0), hall) == utc(2026, 11, 2, 6, 0)  # Wed -> Mon
    assert cal.period_start(utc(2026, 11, 2, 6, 0), hall) == utc(2026, 11, 2, 6, 0)  # Monday itself
    assert cal.period_start(utc(2026, 11, 2, 5, 59), hall) == utc(2026, 10, 26, 5, 0)  # still Sunday
