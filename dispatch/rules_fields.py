"""The kinds of value a rule set file holds: how each is read, checked, written back and shown.

Each ``Field`` reads a TOML value for one dotted key (raising ``RulesError``
with one sentence naming the key and the allowed values), writes a value back
as TOML (``toml``) and shows it in a rule-change notice (``show``). The schema
of the file (which key has which kind) is in ``dispatch.rules_sections``; the
file's reading and writing in ``dispatch.rules``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, time
from datetime import datetime as datetime_type
from fractions import Fraction
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones


class RulesError(ValueError):
    """A rule set file that cannot be used; the message names the key.

    ``key`` is the dotted key at fault (e.g. ``"resign.window_start_day"`` or
    ``"books[2].priority"``), or ``""`` for a file that is not valid TOML.
    """

    def __init__(self, message: str, key: str = "") -> None:
        super().__init__(message)
        self.key = key


DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")



def shown(value: Any) -> str:
    """How a wrong value from the file is quoted back in an error sentence."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if isinstance(value, datetime_type):
        return f"the date-time {value.isoformat()}"
    if isinstance(value, (date, time)):
        return f"the unquoted {value.isoformat()}"
    return str(value)


def toml_str(text: str) -> str:
    """A TOML basic string."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _show_share(value: Fraction) -> str:
    as_float = float(value)
    if Fraction(repr(as_float)) == value:
        return repr(as_float)
    return f"{value.numerator}/{value.denominator}"


def _show_number(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


class Field:
    """One kind of value in the file: how it is read, written and shown."""

    allowed = ""

    def fail(self, key: str, value: Any) -> RulesError:
        return RulesError(f"{key} must be {self.allowed}, not {shown(value)}.", key)

    def read(self, value: Any, key: str) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def toml(self, value: Any) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def show(self, value: Any) -> str:
        return str(value)


def unsafe_character(text: str) -> str | None:
    """The first character of ``text`` that would act on a terminal or a listing rather than show
    (control and escape characters, bidi and other format marks, line and paragraph separators),
    as "U+001B"; None when there is none. Zero-width joiners (emoji, Indic scripts) are text."""
    for char in text:
        category = unicodedata.category(char)
        if category in ("Cc", "Cs", "Zl", "Zp") or (category == "Cf" and char not in "\u200c\u200d"):
            return f"U+{ord(char):04X}"
    return None


class Text(Field):
    allowed = "non-empty text"

    def read(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, value)
        found = unsafe_character(value)
        if found is not None:
            # The value itself is not quoted back: it is what would reach the terminal.
            raise RulesError(f"{key} contains {found}, a control, bidi or line-break character; "
                             "write it as plain text.", key)
        return value

    def toml(self, value: str) -> str:
        return toml_str(value)


class Folder(Field):
    allowed = 'a folder, such as "exports" (beside the database) or "/srv/hall/exports"'

    def read(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not value.strip() or not value.isprintable():
            raise self.fail(key, value)
        return value.strip()

    def toml(self, value: str) -> str:
        return toml_str(value)


class Int(Field):
    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = low, high
        self.allowed = f"a whole number from {low} to {high}"

    def read(self, value: Any, key: str) -> int:
        # bool is an int in Python, but `true` is not a number of days.
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, value)
        if not self.low <= value <= self.high:
            raise self.fail(key, value)
        return value

    def toml(self, value: int) -> str:
        return str(value)


class Number(Field):
    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = low, high
        self.allowed = f"a number from {low} to {high}"

    def read(self, value: Any, key: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(key, value)
        if not math.isfinite(value) or not self.low <= value <= self.high:
            raise self.fail(key, value)
        return float(value)

    def toml(self, value: float) -> str:
        return repr(float(value))

    def show(self, value: float) -> str:
        return _show_number(value)


class Bool(Field):
    allowed = "true or false"

    def read(self, value: Any, key: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(key, value)
        return value

    def toml(self, value: bool) -> str:
        return "true" if value else "false"

    show = toml


class Choice(Field):
    def __init__(self, *choices: str) -> None:
        self.choices = choices
        quoted = [f'"{c}"' for c in choices]
        self.allowed = " or ".join([", ".join(quoted[:-1]), quoted[-1]] if len(quoted) > 1 else quoted)

    def read(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or value not in self.choices:
            raise self.fail(key, value)
        return value

    def toml(self, value: str) -> str:
        return toml_str(value)


class Share(Field):
    allowed = 'a number from 0 to 1 (such as 0.5, or a fraction as text like "1/3")'
    _text = re.compile(r"^\s*\d+\s*/\s*\d+\s*$|^\s*\d*\.?\d+\s*$")

    def read(self, value: Any, key: str) -> Fraction:
        if isinstance(value, bool):
            raise self.fail(key, value)
        if isinstance(value, str):
            if not self._text.match(value):
                raise self.fail(key, value)
            try:
                share = Fraction(value.replace(" ", ""))
            except (ValueError, ZeroDivisionError):
                raise self.fail(key, value) from None
        elif isinstance(value, (int, float)):
            if not math.isfinite(value):
                raise self.fail(key, value)
            # From the decimal text, so 0.3 is exactly 3/10, not the float's binary value.
            share = Fraction(repr(value)) if isinstance(value, float) else Fraction(value)
        else:
            raise self.fail(key, value)
        if not 0 <= share <= 1:
            raise self.fail(key, value)
        return share

    def toml(self, value: Fraction) -> str:
        shown = _show_share(value)
        return shown if "/" not in shown else toml_str(shown)

    def show(self, value: Fraction) -> str:
        return _show_share(value)


class Clock(Field):
    allowed = 'a time of day as text "HH:MM" (24-hour, such as "17:00")'
    _pattern = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")

    def read(self, value: Any, key: str) -> time:
        match = self._pattern.match(value) if isinstance(value, str) else None
        if match is None:
            raise self.fail(key, value)
        return time(int(match[1]), int(match[2]))

    def toml(self, value: time) -> str:
        return toml_str(self.show(value))

    def show(self, value: time) -> str:
        return f"{value.hour:02d}:{value.minute:02d}"


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    # "localtime" (the machine's own file) and "Factory" are not real zones.
    return frozenset(available_timezones()) - {"localtime", "Factory", "posixrules"}


def valid_timezone(name: str) -> bool:
    """True when ``name`` is an IANA time zone name that can be loaded."""
    if not isinstance(name, str) or name not in _zone_names():
        return False
    try:
        ZoneInfo(name)
    except (ValueError, OSError, KeyError):  # KeyError: ZoneInfoNotFoundError
        return False
    return True


class Zone(Field):
    allowed = 'an IANA time zone name such as "America/Chicago" or "UTC"'

    def read(self, value: Any, key: str) -> str:
        if not valid_timezone(value):
            raise self.fail(key, value)
        return value

    def toml(self, value: str) -> str:
        return toml_str(value)


class Weekdays(Field):
    allowed = "a non-empty list of day names, each one of " + ", ".join(f'"{d}"' for d in DAY_NAMES)

    def read(self, value: Any, key: str) -> tuple[int, ...]:
        if not isinstance(value, list) or not value:
            raise RulesError(
                f'{key} must be a non-empty list in brackets, such as ["mon", "tue", "wed", "thu", "fri"], '
                f"not {shown(value)}.",
                key,
            )
        days: list[int] = []
        for item in value:
            name = item.casefold() if isinstance(item, str) else None
            if name not in DAY_NAMES:
                raise self.fail(key, item)
            number = DAY_NAMES.index(name)
            if number in days:
                raise RulesError(f'{key} lists "{item}" twice; give each day once.', key)
            days.append(number)
        return tuple(sorted(days))

    def toml(self, value: tuple[int, ...]) -> str:
        return "[" + ", ".join(toml_str(DAY_NAMES[d]) for d in value) + "]"

    def show(self, value: tuple[int, ...]) -> str:
        return ", ".join(DAY_NAMES[d] for d in value)


class Dates(Field):
    allowed = 'a list of dates, each as text "YYYY-MM-DD" (such as "2026-12-25")'
    _pattern = re.compile(r"^\d{4}-\d{2}-\d{2}$")

    def read(self, value: Any, key: str) -> tuple[date, ...]:
        if not isinstance(value, list):
            raise RulesError(
                f'{key} must be a list in brackets, such as ["2026-12-25", "2027-01-01"], not {shown(value)}.',
                key,
            )
        days: list[date] = []
        for item in value:
            if isinstance(item, date) and not isinstance(item, datetime_type):
                day = item  # an unquoted TOML date is fine too
            elif isinstance(item, str) and self._pattern.match(item):
                try:
                    day = date.fromisoformat(item)
                except ValueError:
                    raise self.fail(key, item) from None
            else:
                raise self.fail(key, item)
            if day in days:
                raise RulesError(f"{key} lists {day.isoformat()} twice; give each date once.", key)
            days.append(day)
        return tuple(sorted(days))

    def toml(self, value: tuple[date, ...]) -> str:
        return "[" + ", ".join(toml_str(d.isoformat()) for d in value) + "]"

    def show(self, value: tuple[date, ...]) -> str:
        return ", ".join(d.isoformat() for d in value) or "none"




class OptionalClock(Clock):
    """A time of day, or "" for none (e.g. ``turndowns.exempt_start_before``)."""

    allowed = 'a time of day as text "HH:MM" (24-hour, such as "06:00"), or "" for none'

    def read(self, value: Any, key: str) -> time | None:
        if value == "":
            return None
        return super().read(value, key)

    def toml(self, value: time | None) -> str:
        return '""' if value is None else super().toml(value)

    def show(self, value: time | None) -> str:
        return "none" if value is None else super().show(value)


MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class Months(Field):
    """A list of month numbers (1-12); the empty list means every month."""

    allowed = "a month number from 1 to 12"

    def read(self, value: Any, key: str) -> tuple[int, ...]:
        if not isinstance(value, list):
            raise RulesError(
                f"{key} must be a list of month numbers in brackets, such as [1, 4, 7, 10] "
                f"([] for every month), not {shown(value)}.",
                key,
            )
        months: list[int] = []
        for item in value:
            if isinstance(item, bool) or not isinstance(item, int) or not 1 <= item <= 12:
                raise RulesError(f"{key} must list month numbers from 1 to 12, not {shown(item)}.", key)
            if item in months:
                raise RulesError(f"{key} lists {item} twice; give each month once.", key)
            months.append(item)
        return tuple(sorted(months))

    def toml(self, value: tuple[int, ...]) -> str:
        return "[" + ", ".join(str(m) for m in value) + "]"

    def show(self, value: tuple[int, ...]) -> str:
        return ", ".join(MONTH_NAMES[m - 1] for m in value) or "every month"


@dataclass(frozen=True, slots=True)
class ApprenticeCategory:
    """A category of apprentice work and the hours of it an apprentice must complete."""

    name: str
    hours: float


class Categories(Field):
    """``[[apprentices.categories]]``: tables of ``name`` (text) and ``hours`` (a number above 0)."""

    allowed = "a list of tables with a name and hours"
    _keys = ("name", "hours")

    def read(self, value: Any, key: str) -> tuple[ApprenticeCategory, ...]:
        if not isinstance(value, list):
            raise RulesError(
                f"{key} must be an array of tables ([[{key}]]) with a name and hours, not {shown(value)}.", key
            )
        found: list[ApprenticeCategory] = []
        for index, table in enumerate(value, start=1):
            at = f"{key}[{index}]"
            if not isinstance(table, dict):
                raise RulesError(f"{at} must be a table ([[{key}]]) with a name and hours, not {shown(table)}.", at)
            for name in table:
                if name not in self._keys:
                    raise RulesError(f"unknown key {at}.{name}; a category has the keys name, hours.", f"{at}.{name}")
            for name in self._keys:
                if name not in table:
                    raise RulesError(f"{at}.{name} is missing; every category needs a name and hours.", f"{at}.{name}")
            label = Text().read(table["name"], f"{at}.name")
            hours = Number(0, 100000).read(table["hours"], f"{at}.hours")
            if hours <= 0:
                raise RulesError(f"{at}.hours must be a number above 0, not {shown(table['hours'])}.", f"{at}.hours")
            if any(other.name.casefold() == label.casefold() for other in found):
                raise RulesError(f'{at}.name "{label}" is already a category; give each category once.', f"{at}.name")
            found.append(ApprenticeCategory(label, hours))
        return tuple(found)

    def toml(self, value: tuple[ApprenticeCategory, ...]) -> str:
        tables = (f"{{ name = {toml_str(c.name)}, hours = {_show_number(c.hours)} }}" for c in value)
        return "[" + ", ".join(tables) + "]"

    def show(self, value: tuple[ApprenticeCategory, ...]) -> str:
        return ", ".join(f"{c.name} {_show_number(c.hours)} h" for c in value) or "none"
