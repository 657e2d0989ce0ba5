"""Dates and times typed as people say them: "12/1 7am", "tomorrow 7", "mon 6:30", "2026-12-01 07:00".

Pure functions of the text, ``now`` and the rules (for the hall's zone): the app and the
command line read what a dispatcher types with them, then pass the ISO text they return
to the operations, which check it again. Each refusal is one sentence with examples.
Months and days written with a slash are month/day, as the hall's staff write them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dispatch import calendar
from dispatch.rules import RuleSet
from hall.errors import HallError

WEEKDAYS = {
    "mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "weds": 2, "wednesday": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4, "friday": 4,
    "sat": 5, "saturday": 5, "sun": 6, "sunday": 6,
}
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
TOMORROW = ("tomorrow", "tmrw", "tmw", "tom")
START_EXAMPLES = '"12/1 7am", "tomorrow 7", "mon 6:30" or "2026-12-01 07:00"'
DAY_EXAMPLES = '"12/1", "tomorrow", "mon", "1 dec" or "2026-12-01"'

_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm|a|p)?$")
_ISO_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_SLASHED = re.compile(r"^(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?$")
_ISO_MOMENT = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})[ t](.+)$")
SLACK_DAYS = 31  # a date without a year this far in the past (or future, for a past date) is next (last) year's


@dataclass(frozen=True, slots=True)
class DateSpan:
    """How far from today a kind of date may sensibly be, in whole years back and ahead: the
    operations refuse a date outside it (``check``), and so do the app's date fields that say
    which kind they hold, with the same sentence."""

    what: str
    back: int
    ahead: int

    def bounds(self, today: date) -> tuple[date, date]:
        """The first and last date allowed when it is ``today``."""
        return _years_later(today, -self.back), _years_later(today, self.ahead)

    def check(self, day: date, today: date) -> date:
        """``day`` if it is inside the span; otherwise one sentence that gives the range."""
        first, last = self.bounds(today)
        if not first <= day <= last:
            years = f"{self.back} year{'s' if self.back != 1 else ''} back and {self.ahead} ahead"
            raise HallError(f"{day.isoformat()} is too far off for {self.what}: give one from {first.isoformat()} "
                            f"to {last.isoformat()} (at most {years}).")
        return day


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


UNAVAILABLE = DateSpan("an unavailability date", back=1, ahead=5)
"""A member's unavailability (its first and last day): a long illness or a tour of duty, not a resignation."""
CERT_EXPIRY = DateSpan("a certification expiry date", back=100, ahead=50)
"""When a certification expires: one long expired is still a date of record."""


def _words(text: str) -> list[str]:
    return " ".join((text or "").strip().lower().replace(",", " ").split()).split()


def _quote(text: str) -> str:
    return repr(" ".join((text or "").split())[:40])


def parse_time(token: str) -> time | None:
    """'7' (07:00), '7am', '6:30pm', '18:30', 'noon'; None when it is not a time of day."""
    if token == "noon":
        return time(12, 0)
    if token == "midnight":
        return time(0, 0)
    match = _TIME.match(token)
    if not match:
        return None
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half.startswith("p") else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _month(token: str) -> int | None:
    if len(token) >= 3 and token.isalpha():
        return MONTHS.get(token[:3])
    return None


def _make_date(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise HallError(f"{_quote(text)} is not a date: there is no such day.") from None


def _pick_year(month: int, day: int, today: date, future: bool, text: str) -> date:
    """A month and day without a year: this year's, unless that is long past (or, for a date
    in the past, still to come); then the next (or last) year's."""
    candidates = []
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue
    if future:
        found = next((d for d in candidates if d >= today - timedelta(days=SLACK_DAYS)), None)
    else:
        found = next((d for d in reversed(candidates) if d <= today + timedelta(days=SLACK_DAYS)), None)
    if found is None:
        raise HallError(f"{_quote(text)} is not a date: there is no such day this year; give the year too.")
    return found


def _day_from_words(words: list[str], text: str, today: date, *, future: bool,
                    examples: str = DAY_EXAMPLES) -> tuple[date | None, int | None]:
    """The date the words name (or None), and a weekday they name (or None), before checking both agree."""
    weekday: int | None = None
    day: date | None = None
    rest: list[str] = []
    for word in words:
        if word in WEEKDAYS and weekday is None:
            weekday = WEEKDAYS[word]
        elif word == "next" and weekday is None:
            continue
        elif word == "today" and day is None:
            day = today
        elif word in TOMORROW and day is None:
            day = today + timedelta(days=1)
        elif word == "yesterday" and day is None:
            day = today - timedelta(days=1)
        else:
            rest.append(word)
    if not rest:
        return day, weekday
    if day is not None:
        raise HallError(f"{_quote(text)} is not a date I can read: {examples}.")
    if len(rest) == 1 and (iso := _ISO_DAY.match(rest[0])):
        return _make_date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)), text), weekday
    if len(rest) == 1 and (slashed := _SLASHED.match(rest[0])):
        month, number, year = int(slashed.group(1)), int(slashed.group(2)), slashed.group(3)
        if not 1 <= month <= 12:
            raise HallError(f"{_quote(text)} is not a date: write the month first, e.g. 12/1 for 1 December.")
        if year:
            full = int(year) + (2000 if len(year) == 2 else 0)
            return _make_date(full, month, number, text), weekday
        return _pick_year(month, number, today, future, text), weekday
    months = [m for m in (_month(w) for w in rest) if m]
    numbers = [w for w in rest if w.isdigit()]
    days = [int(w) for w in numbers if len(w) <= 2]
    years = [int(w) for w in numbers if len(w) == 4]
    if len(months) != 1 or len(days) != 1 or len(years) > 1 or len(rest) != 2 + len(years):
        raise HallError(f"{_quote(text)} is not a date I can read: {examples}.")
    if years:
        return _make_date(years[0], months[0], days[0], text), weekday
    return _pick_year(months[0], days[0], today, future, text), weekday


def _agree(day: date | None, weekday: int | None, today: date, *, future: bool, text: str) -> date | None:
    if weekday is None:
        return day
    if day is not None:
        if day.weekday() != weekday:
            raise HallError(f"{day:%a %d %b %Y} is a {DAY_NAMES[day.weekday()]}, not a {DAY_NAMES[weekday]}.")
        return day
    if future:
        return today + timedelta(days=(weekday - today.weekday()) % 7 or 7)
    return today - timedelta(days=(today.weekday() - weekday) % 7 or 7)


def parse_day(text: str, rules: RuleSet, now: datetime, *, future: bool = True, what: str = "date",
              span: DateSpan | None = None) -> date:
    """A date as people say it, in the hall's zone: "12/1", "12/1/2027", "tomorrow", "today",
    "mon" (the next Monday; with ``future=False`` the last one), "1 dec", "dec 1 2027",
    "2026-12-01". Without a year, the date nearest ahead (or behind, ``future=False``). With
    ``span``, a date outside it is refused as the operation would."""
    words = _words(text)
    if not words:
        raise HallError(f"The {what} cannot be empty: {DAY_EXAMPLES}.")
    today = calendar.local_date(now, rules)
    day, weekday = _day_from_words(words, text, today, future=future)
    day = _agree(day, weekday, today, future=future, text=text)
    if day is None:
        raise HallError(f"{_quote(text)} is not a {what} I can read: {DAY_EXAMPLES}.")
    if span is not None:
        return span.check(day, today)
    if not 1900 <= day.year <= 2999:
        raise HallError(f"{_quote(text)} is not a {what} the hall can use: give a year from 1900 to 2999.")
    return day


def resolve_day(text: str, rules: RuleSet, now: datetime, *, future: bool = True, what: str = "date") -> str:
    """``parse_day`` as the ISO text operations take: "2026-12-01"."""
    return parse_day(text, rules, now, future=future, what=what).isoformat()


def resolve_start(text: str, rules: RuleSet, now: datetime, *, what: str = "start") -> str:
    """A date and time typed as people say them, as "YYYY-MM-DD HH:MM" in the hall's zone.

    Accepts "now", "2026-11-27 07:00", "12/1 7am", "fri 07:00", "friday 7am", "tomorrow 7", "today 13:30",
    "27 nov 07:00", "nov 27 7:00", "mon 30 nov 6:30 pm", or a time alone ("7am": the next time the
    clock reads it). A weekday means the next such day (today only if that time is still ahead).
    The time of day is required.
    """
    words = _words(text)
    if not words:
        raise HallError(f"The {what} date and time cannot be empty: {START_EXAMPLES}.")
    raw = " ".join(words)
    if raw in ("now", "right now"):
        return f"{calendar.local(now, rules):%Y-%m-%d %H:%M}"
    iso = _ISO_MOMENT.match(raw)
    if iso:
        clock = parse_time(iso.group(2).strip())
        if clock is None:
            raise HallError(f"{iso.group(2)!r} is not a time of day: write it as HH:MM, e.g. 07:00.")
        match = _ISO_DAY.match(iso.group(1))
        assert match is not None  # (the pattern above only lets a dashed date through)
        day = _make_date(int(match.group(1)), int(match.group(2)), int(match.group(3)), text)
        return f"{day.isoformat()} {clock:%H:%M}"
    clock = parse_time(words[-1])
    if clock is None and len(words) >= 2 and words[-1] in ("am", "pm", "a", "p"):
        clock = parse_time(words[-2] + words[-1])
        words = words[:-1]
    if clock is None:
        if len(words) == 1 and (_ISO_DAY.match(words[0]) or _SLASHED.match(words[0])):
            raise HallError(f"Give the {what} time too, e.g. \"{words[0]} 07:00\".")
        raise HallError(f"{_quote(text)} has no time of day: {START_EXAMPLES}.")
    local_now = calendar.local(now, rules)
    today = local_now.date()
    day, weekday = _day_from_words(words[:-1], text, today, future=True, examples=START_EXAMPLES)
    if weekday is not None and day is None:
        ahead = (weekday - today.weekday()) % 7
        if ahead == 0 and clock <= local_now.time().replace(tzinfo=None):
            ahead = 7
        day = today + timedelta(days=ahead)
    day = _agree(day, weekday, today, future=True, text=text)
    if day is None:  # a time alone: the next time the clock reads it
        day = today if clock > local_now.time().replace(tzinfo=None) else today + timedelta(days=1)
    if not 1900 <= day.year <= 2999:
        raise HallError(f"{_quote(text)} is not a {what} the hall can use: give a year from 1900 to 2999.")
    return f"{day.isoformat()} {clock:%H:%M}"


def start_moment(text: str, rules: RuleSet, now: datetime, *, what: str = "start") -> datetime:
    """``resolve_start`` as an aware UTC moment (daylight-saving gaps and folds refused with a sentence)."""
    resolved = resolve_start(text, rules, now, what=what)
    try:
        return calendar.to_utc(datetime.fromisoformat(resolved), rules)
    except calendar.TimeError as error:
        raise HallError(str(error)) from None
