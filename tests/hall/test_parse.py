"""Dates and times typed as people say them (hall.parse): what each reads as, and the one sentence
for what it cannot read."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from dispatch.rules import load_rules
from hall.errors import HallError
from hall.parse import parse_day, resolve_day, resolve_start, start_moment

RULES = load_rules('[hall]\nname = "Test Local 1"\ntimezone = "America/Chicago"\n')
NOW = datetime(2026, 11, 26, 13, 30, tzinfo=UTC)  # Thu 26 Nov 2026 07:30 in Chicago
NEW_YEAR = datetime(2026, 12, 20, 15, 0, tzinfo=UTC)  # Sun 20 Dec 2026 09:00


@pytest.mark.parametrize("typed, expected", [
    ("12/1 7am", "2026-12-01 07:00"),
    ("tomorrow 7", "2026-11-27 07:00"),
    ("mon 6:30", "2026-11-30 06:30"),
    ("2026-12-01 07:00", "2026-12-01 07:00"),
    ("2026-12-01T07:00", "2026-12-01 07:00"),
    ("12/1/27 7:15pm", "2027-12-01 19:15"),
    ("Dec 3, 6:30 am", "2026-12-03 06:30"),
    ("next fri noon", "2026-11-27 12:00"),
    ("7am", "2026-11-27 07:00"),  # the next time the clock reads it
    ("1pm", "2026-11-26 13:00"),
    ("now", "2026-11-26 07:30"),
])
def test_starts_as_people_say_them(typed, expected):
    assert resolve_start(typed, RULES, NOW) == expected


def test_a_start_without_a_year_near_new_year_is_next_years():
    assert resolve_start("1/4 7am", RULES, NEW_YEAR) == "2027-01-04 07:00"


@pytest.mark.parametrize("typed, words", [
    ("", "cannot be empty"),
    ("12/1", "Give the start time too"),
    ("13/1 7", "write the month first"),
    ("2/30 7am", "there is no such day"),
    ("sat 12/1 7am", "is a Tuesday, not a Saturday"),
    ("someday 7", "is not a date I can read"),
    ("fri", "has no time of day"),
])
def test_unreadable_starts_are_one_sentence(typed, words):
    with pytest.raises(HallError, match=words) as error:
        resolve_start(typed, RULES, NOW)
    assert str(error.value).count("\n") == 0


@pytest.mark.parametrize("typed, ahead, behind", [
    ("12/1", "2026-12-01", "2026-12-01"),
    ("tomorrow", "2026-11-27", "2026-11-27"),
    ("mon", "2026-11-30", "2026-11-23"),
    ("thu", "2026-12-03", "2026-11-19"),  # a weekday is never today: today is "today"
    ("today", "2026-11-26", "2026-11-26"),
    ("10/1", "2027-10-01", "2026-10-01"),  # long past ahead: next year's; behind: this year's
    ("1 dec", "2026-12-01", "2026-12-01"),
    ("dec 1 2027", "2027-12-01", "2027-12-01"),
    ("2026-12-01", "2026-12-01", "2026-12-01"),
    ("Tue 1 Dec", "2026-12-01", "2026-12-01"),  # as the screens write dates
])
def test_days_ahead_and_behind(typed, ahead, behind):
    assert resolve_day(typed, RULES, NOW) == ahead
    assert parse_day(typed, RULES, NOW, future=False) == date.fromisoformat(behind)


def test_a_day_that_is_not_one_says_so():
    with pytest.raises(HallError, match="is not a date I can read"):
        parse_day("whenever", RULES, NOW, what="until date")
    with pytest.raises(HallError, match="give the year too"):
        parse_day("2/29", RULES, NOW)


def test_a_start_in_the_daylight_saving_gap_is_refused():
    with pytest.raises(HallError):
        start_moment("2027-03-14 02:30", RULES, NOW)
    assert start_moment("12/1 7am", RULES, NOW) == datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
