"""How the web writes times, places and counts: the hall's zone and words, as the kiosk does."""

from __future__ import annotations

from datetime import date, datetime

from jinja2 import Environment

from dispatch import calendar
from hall.views.kiosk import ordinal


def moment(value: datetime | None, rules) -> str:
    """"Fri 27 Nov 07:00" in the hall's zone."""
    if value is None:
        return ""
    return calendar.moment_text(value, rules)


def stamp_time(value: datetime, rules) -> str:
    """"Mon 23 Nov 2026 16:10:05" in the hall's zone: when a page was read."""
    here = calendar.local(value, rules)
    return f"{calendar.day_text(here.date())} {here.year} {here:%H:%M:%S}"


def day(value: date | datetime | None, rules=None, year: bool = False) -> str:
    """"Tue 1 Dec" (a moment in the hall's zone); "Tue 1 Dec 2026" with ``year``."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = calendar.local(value, rules).date()
    return calendar.day_text(value) + (f" {value.year}" if year else "")


def plural(count: int, word: str, many: str | None = None) -> str:
    """"1 day", "3 days"."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def install_filters(env: Environment) -> None:
    """The filters the templates use."""
    env.filters.update(moment=moment, stamp_time=stamp_time, day=day, ordinal=ordinal, plural=plural)
