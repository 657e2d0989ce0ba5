"""The rule set: every number of referral-rules.md, with its defaults.

``RuleSet()`` is the default rule set; ``load_rules(text)`` reads the TOML file
described in referral-rules.md and validates it completely, raising
``RulesError`` with one sentence naming the key and what is allowed.
``rules_to_toml(rules)`` writes a rule set back as a file ``load_rules`` reads
equal (``DEFAULT_RULES_TOML`` is the defaults, commented), and
``describe_changes(old, new)`` gives the lines of a rule-change notice.

Book keys in error messages count from 1 in file order: ``books[2].priority``
is the ``priority`` of the second ``[[books]]`` table.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date, time
from datetime import datetime as datetime_type
from fractions import Fraction
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from dispatch.model import Book


class RulesError(ValueError):
    """A rule set file that cannot be used; the message names the key.

    ``key`` is the dotted key at fault (e.g. ``"resign.window_start_day"`` or
    ``"books[2].priority"``), or ``""`` for a file that is not valid TOML.
    """

    def __init__(self, message: str, key: str = "") -> None:
        super().__init__(message)
        self.key = key


DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class HallRules:
    name: str = "Hiring hall"
    timezone: str = "UTC"
    closing_time: time = time(17, 0)
    business_days: tuple[int, ...] = (0, 1, 2, 3, 4)  # date.weekday() numbers
    holidays: tuple[date, ...] = ()
    exports_folder: str = "exports"  # a relative folder is beside the database


@dataclass(frozen=True, slots=True)
class OrderingRules:
    policy: str = "registration"  # or "low_hours"
    low_hours_period: str = "month"  # or "week"
    turndown_penalty_hours: float = 10


@dataclass(frozen=True, slots=True)
class ResignRules:
    mode: str = "rolling"  # or "window"
    days: int = 30
    window_start_day: int = 10
    window_end_day: int = 16
    grace_days: int = 0
    warning_days: int = 5


@dataclass(frozen=True, slots=True)
class TurndownRules:
    limit: int = 3
    no_answer_is_turndown: bool = False
    short_call_turndowns_count: bool = False


@dataclass(frozen=True, slots=True)
class ShortCallRules:
    max_days: int = 10
    max_restorations: int = 2
    by_actual: bool = True
    offer_regular_calls: bool = False


@dataclass(frozen=True, slots=True)
class NameRequestRules:
    # An exact fraction (never a float): the share of workers an employer may name.
    max_share: Fraction = Fraction(1, 2)
    window_days: int = 30
    allow_single: bool = False
    block_days: int = 14


@dataclass(frozen=True, slots=True)
class OfferRules:
    calling_minutes: int = 10


@dataclass(frozen=True, slots=True)
class NoticeRules:
    days: int = 7


@dataclass(frozen=True, slots=True)
class SecurityRules:
    idle_lock_minutes: int = 5
    failed_logins: int = 5
    lockout_seconds: int = 60


@dataclass(frozen=True, slots=True)
class KioskRules:
    auth: str = "phone4"  # or "pin"
    idle_seconds: int = 30


@dataclass(frozen=True, slots=True)
class BarRules:
    max_days: int = 730


@dataclass(frozen=True, slots=True)
class DisciplineRules:
    discharge_suspend_count: int = 2
    discharge_window_days: int = 365


DEFAULT_BOOKS: tuple[Book, ...] = (
    Book("JW-1", "Inside Wireman I", "JW", 1),
    Book("JW-2", "Inside Wireman II", "JW", 2),
    Book("JW-3", "Inside Wireman III", "JW", 3),
    Book("JW-4", "Inside Wireman IV", "JW", 4),
    Book("AP-1", "Apprentice", "AP", 1),
)


@dataclass(frozen=True, slots=True)
class RuleSet:
    """A complete, validated rule set. ``RuleSet()`` is the defaults."""

    hall: HallRules = field(default_factory=HallRules)
    ordering: OrderingRules = field(default_factory=OrderingRules)
    books: tuple[Book, ...] = DEFAULT_BOOKS
    resign: ResignRules = field(default_factory=ResignRules)
    turndowns: TurndownRules = field(default_factory=TurndownRules)
    short_calls: ShortCallRules = field(default_factory=ShortCallRules)
    name_requests: NameRequestRules = field(default_factory=NameRequestRules)
    offers: OfferRules = field(default_factory=OfferRules)
    notice: NoticeRules = field(default_factory=NoticeRules)
    security: SecurityRules = field(default_factory=SecurityRules)
    kiosk: KioskRules = field(default_factory=KioskRules)
    bars: BarRules = field(default_factory=BarRules)
    discipline: DisciplineRules = field(default_factory=DisciplineRules)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.hall.timezone)

    def book(self, book_id: str) -> Book | None:
        for book in self.books:
            if book.id.casefold() == book_id.casefold():
                return book
        return None

    def books_for(self, classification: str) -> tuple[Book, ...]:
        """The books of one classification, highest priority (lowest number) first."""
        return tuple(
            sorted(
                (b for b in self.books if b.classification == classification),
                key=lambda b: b.priority,
            )
        )

    @property
    def classifications(self) -> tuple[str, ...]:
        seen: list[str] = []
        for book in self.books:
            if book.classification not in seen:
                seen.append(book.classification)
        return tuple(seen)


# --- the rule set file (TOML) ----------------------------------------------
#
# Every key of the file is described once, in ``_SECTIONS`` below: its field
# type (how it is read, checked, written back and shown) and a short help text.
# ``load_rules`` reads with it, ``rules_to_toml`` writes with it and
# ``describe_changes`` compares with it, so the three cannot drift apart.


def _shown(value: Any) -> str:
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


def _toml_str(text: str) -> str:
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


class _Field:
    """One kind of value in the file: how it is read, written and shown."""

    allowed = ""

    def fail(self, key: str, value: Any) -> RulesError:
        return RulesError(f"{key} must be {self.allowed}, not {_shown(value)}.", key)

    def read(self, value: Any, key: str) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def toml(self, value: Any) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def show(self, value: Any) -> str:
        return str(value)


class _Text(_Field):
    allowed = "non-empty text"

    def read(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, value)
        return value

    def toml(self, value: str) -> str:
        return _toml_str(value)


class _Folder(_Field):
    allowed = 'a folder, such as "exports" (beside the database) or "/srv/hall/exports"'

    def read(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not value.strip() or not value.isprintable():
            raise self.fail(key, value)
        return value.strip()

    def toml(self, value: str) -> str:
        return _toml_str(value)


class _Int(_Field):
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


class _Number(_Field):
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


class _Bool(_Field):
    allowed = "true or false"

    def read(self, value: Any, key: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(key, value)
        return value

    def toml(self, value: bool) -> str:
        return "true" if value else "false"

    show = toml


class _Choice(_Field):
    def __init__(self, *choices: str) -> None:
        self.choices = choices
        quoted = [f'"{c}"' for c in choices]
        self.allowed = " or ".join([", ".join(quoted[:-1]), quoted[-1]] if len(quoted) > 1 else quoted)

    def read(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or value not in self.choices:
            raise self.fail(key, value)
        return value

    def toml(self, value: str) -> str:
        return _toml_str(value)


class _Share(_Field):
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
        return shown if "/" not in shown else _toml_str(shown)

    def show(self, value: Fraction) -> str:
        return _show_share(value)


class _Clock(_Field):
    allowed = 'a time of day as text "HH:MM" (24-hour, such as "17:00")'
    _pattern = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")

    def read(self, value: Any, key: str) -> time:
        match = self._pattern.match(value) if isinstance(value, str) else None
        if match is None:
            raise self.fail(key, value)
        return time(int(match[1]), int(match[2]))

    def toml(self, value: time) -> str:
        return _toml_str(self.show(value))

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


class _Zone(_Field):
    allowed = 'an IANA time zone name such as "America/Chicago" or "UTC"'

    def read(self, value: Any, key: str) -> str:
        if not valid_timezone(value):
            raise self.fail(key, value)
        return value

    def toml(self, value: str) -> str:
        return _toml_str(value)


class _Weekdays(_Field):
    allowed = "a non-empty list of day names, each one of " + ", ".join(f'"{d}"' for d in DAY_NAMES)

    def read(self, value: Any, key: str) -> tuple[int, ...]:
        if not isinstance(value, list) or not value:
            raise RulesError(
                f'{key} must be a non-empty list in brackets, such as ["mon", "tue", "wed", "thu", "fri"], '
                f"not {_shown(value)}.",
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
        return "[" + ", ".join(_toml_str(DAY_NAMES[d]) for d in value) + "]"

    def show(self, value: tuple[int, ...]) -> str:
        return ", ".join(DAY_NAMES[d] for d in value)


class _Dates(_Field):
    allowed = 'a list of dates, each as text "YYYY-MM-DD" (such as "2026-12-25")'
    _pattern = re.compile(r"^\d{4}-\d{2}-\d{2}$")

    def read(self, value: Any, key: str) -> tuple[date, ...]:
        if not isinstance(value, list):
            raise RulesError(
                f'{key} must be a list in brackets, such as ["2026-12-25", "2027-01-01"], not {_shown(value)}.',
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
        return "[" + ", ".join(_toml_str(d.isoformat()) for d in value) + "]"

    def show(self, value: tuple[date, ...]) -> str:
        return ", ".join(d.isoformat() for d in value) or "none"


# section name -> (dataclass, {key: (field type, help text)}), in file order.
_SECTIONS: dict[str, tuple[type, dict[str, tuple[_Field, str]]]] = {
    "hall": (HallRules, {
        "name": (_Text(), "shown on screens and reports"),
        "timezone": (_Zone(), "IANA zone; a date-time typed without an offset is in it"),
        "closing_time": (_Clock(), '"HH:MM"; re-sign removals happen at this local time'),
        "business_days": (_Weekdays(), "any of mon, tue, wed, thu, fri, sat, sun"),
        "holidays": (_Dates(), 'not business days, e.g. ["2026-12-25", "2027-01-01"]'),
        "exports_folder": (_Folder(), "where reports, packets and slips are written (relative: beside the database)"),
    }),
    "ordering": (OrderingRules, {
        "policy": (_Choice("registration", "low_hours"), '"registration" or "low_hours"'),
        "low_hours_period": (_Choice("month", "week"), '"month" or "week": when period hours reset'),
        "turndown_penalty_hours": (_Number(0, 10000), "low_hours: hours added for a turndown"),
    }),
    "resign": (ResignRules, {
        "mode": (_Choice("rolling", "window"), '"rolling" or "window"'),
        "days": (_Int(1, 3650), "rolling: days from the last signing to the due date"),
        "window_start_day": (_Int(1, 28), "window: first day of the monthly window (1-28)"),
        "window_end_day": (_Int(1, 28), "window: last day of the monthly window (1-28), the due date"),
        "grace_days": (_Int(0, 3650), "calendar days after the due date before removal"),
        "warning_days": (_Int(0, 3650), 'days before the due date shown as "re-sign due"'),
    }),
    "turndowns": (TurndownRules, {
        "limit": (_Int(1, 1000), "turndowns that roll a member off the book"),
        "no_answer_is_turndown": (_Bool(), "true or false"),
        "short_call_turndowns_count": (_Bool(), "true or false"),
    }),
    "short_calls": (ShortCallRules, {
        "max_days": (_Int(0, 3650), "working days; a call this long or shorter is a short call"),
        "max_restorations": (_Int(0, 1000), "restorations to the book after short calls"),
        "by_actual": (_Bool(), "a layoff within max_days worked counts as a short call"),
        "offer_regular_calls": (_Bool(), "offer regular calls to members on a short call"),
    }),
    "name_requests": (NameRequestRules, {
        "max_share": (_Share(), 'from 0 to 1, e.g. 0.5, or text such as "1/3"'),
        "window_days": (_Int(0, 3650), "days of an employer's referrals the share counts"),
        "allow_single": (_Bool(), "a one-worker call may be named"),
        "block_days": (_Int(0, 3650), "days after a quit or discharge the employer cannot name the member"),
    }),
    "offers": (OfferRules, {
        "calling_minutes": (_Int(1, 1440), "minutes an offer stays 'calling' without an outcome"),
    }),
    "notice": (NoticeRules, {
        "days": (_Int(0, 3650), "rule changes take effect at least this far ahead"),
    }),
    "security": (SecurityRules, {
        "idle_lock_minutes": (_Int(1, 1440), "minutes before an idle screen locks"),
        "failed_logins": (_Int(1, 1000), "failed logins in a row, then the name is locked for:"),
        "lockout_seconds": (_Int(0, 604800), "seconds"),
    }),
    "kiosk": (KioskRules, {
        "auth": (_Choice("phone4", "pin"), '"phone4" or "pin": what a member types after the card number'),
        "idle_seconds": (_Int(1, 3600), "seconds before the kiosk clears the screen"),
    }),
    "bars": (BarRules, {
        "max_days": (_Int(1, 3650), "longest an employer bar may run"),
    }),
    "discipline": (DisciplineRules, {
        "discharge_suspend_count": (_Int(1, 1000), "discharges within the window that suspend referral"),
        "discharge_window_days": (_Int(1, 3650), "days"),
    }),
}

_BOOK_KEYS = ("id", "name", "classification", "priority", "requires")
_SECTION_ORDER = ("hall", "ordering", "books", "resign", "turndowns", "short_calls",
                  "name_requests", "offers", "notice", "security", "kiosk", "bars", "discipline")


def _join(names) -> str:
    return ", ".join(names)


def _syntax_error(text: str, error: tomllib.TOMLDecodeError) -> RulesError:
    message = str(error)
    found = re.search(r"\(at line (\d+), column \d+\)", message)
    if found is None:
        # tomllib reports the end of the document without a line number.
        return RulesError(f"the rule set file is not valid TOML: {message}.")
    number = int(found[1])
    lines = text.splitlines()
    line = lines[number - 1].strip() if 0 < number <= len(lines) else ""
    what = message[: found.start()].strip()
    return RulesError(
        f"the rule set file is not valid TOML at line {number} ({what}): {line}"
    )


def _read_section(name: str, table: Any) -> Any:
    cls, keys = _SECTIONS[name]
    if not isinstance(table, dict):
        raise RulesError(f"{name} must be a table ([{name}]), not {_shown(table)}.", name)
    for key in table:
        if key not in keys:
            raise RulesError(
                f"unknown key {name}.{key}; the keys of [{name}] are {_join(keys)}.",
                f"{name}.{key}",
            )
    values = {key: keys[key][0].read(value, f"{name}.{key}") for key, value in table.items()}
    return cls(**values)


def _read_books(value: Any) -> tuple[Book, ...]:
    if not isinstance(value, list):
        raise RulesError(f"books must be an array of tables ([[books]]), not {_shown(value)}.", "books")
    if not value:
        raise RulesError("books: at least one book is needed.", "books")
    books: list[Book] = []
    text = _Text()
    for index, table in enumerate(value, start=1):
        at = f"books[{index}]"
        if not isinstance(table, dict):
            raise RulesError(f"{at} must be a table ([[books]]), not {_shown(table)}.", at)
        for key in table:
            if key not in _BOOK_KEYS:
                raise RulesError(
                    f"unknown key {at}.{key}; a book has the keys {_join(_BOOK_KEYS)}.",
                    f"{at}.{key}",
                )
        for key in ("id", "classification", "priority"):
            if key not in table:
                raise RulesError(
                    f"{at}.{key} is missing; every book needs id, classification and priority.",
                    f"{at}.{key}",
                )
        book_id = text.read(table["id"], f"{at}.id")
        name = text.read(table.get("name", book_id), f"{at}.name")
        classification = text.read(table["classification"], f"{at}.classification")
        priority = table["priority"]
        if isinstance(priority, bool) or not isinstance(priority, int) or priority < 1:
            raise RulesError(
                f"{at}.priority must be a whole number of 1 or more, not {_shown(priority)}.",
                f"{at}.priority",
            )
        requires = table.get("requires", [])
        if not isinstance(requires, list):
            raise RulesError(
                f"{at}.requires must be a list of certification names as text, not {_shown(requires)}.",
                f"{at}.requires",
            )
        names = tuple(
            text.read(item, f"{at}.requires[{number}]") for number, item in enumerate(requires, start=1)
        )
        for number, other in enumerate(books, start=1):
            if other.id.casefold() == book_id.casefold():
                raise RulesError(
                    f'{at}.id "{book_id}" is already the id of books[{number}]; every book needs its own id.',
                    f"{at}.id",
                )
            if other.classification == classification and other.priority == priority:
                raise RulesError(
                    f"{at}.priority must differ from {other.id}'s priority {priority}: "
                    f"two books of classification {classification} cannot share a priority.",
                    f"{at}.priority",
                )
        books.append(Book(book_id, name, classification, priority, names))
    return tuple(books)


def load_rules(text: str, default_timezone: str | None = None) -> RuleSet:
    """Read and validate a rule set file (TOML); any key left out takes its default.

    Raises ``RulesError`` with one sentence naming the key and what is allowed.
    Without ``hall.timezone`` the zone is ``default_timezone`` (e.g. the
    machine's zone at ``hall init``) or else "UTC". Without any ``[[books]]``
    the default books are used; ``books = []`` is an error.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _syntax_error(text, error) from None
    for name in data:
        if name not in _SECTION_ORDER:
            raise RulesError(
                f"unknown section [{name}] in the rule set file; the sections are {_join(_SECTION_ORDER)}.",
                name,
            )
    parts: dict[str, Any] = {}
    for name in _SECTIONS:
        parts[name] = _read_section(name, data.get(name, {}))
    if "timezone" not in data.get("hall", {}):
        zone = "UTC" if default_timezone is None else default_timezone
        if not valid_timezone(zone):
            raise RulesError(
                f'the default time zone "{zone}" is not an IANA time zone name; '
                'set hall.timezone, such as "America/Chicago".',
                "hall.timezone",
            )
        parts["hall"] = replace(parts["hall"], timezone=zone)
    resign = parts["resign"]
    if resign.window_start_day > resign.window_end_day:
        raise RulesError(
            f"resign.window_start_day ({resign.window_start_day}) must not be after "
            f"resign.window_end_day ({resign.window_end_day}): the window runs from the start day "
            "to the end day of one month, both from 1 to 28.",
            "resign.window_start_day",
        )
    books = _read_books(data["books"]) if "books" in data else DEFAULT_BOOKS
    return RuleSet(books=books, **parts)


def rules_to_toml(rules: RuleSet) -> str:
    """The rule set as a commented TOML file that ``load_rules`` reads back equal."""
    lines = [
        "# Rule set of the hiring hall (see referral-rules.md).",
        "# Any key left out takes its default; an unknown key is an error.",
    ]
    for name in _SECTION_ORDER:
        lines.append("")
        if name == "books":
            lines.append("# One [[books]] table per book; priority is unique within a classification.")
            for book in rules.books:
                lines.append("[[books]]")
                lines.append(f"id = {_toml_str(book.id)}")
                lines.append(f"name = {_toml_str(book.name)}")
                lines.append(f"classification = {_toml_str(book.classification)}")
                lines.append(f"priority = {book.priority}")
                lines.append("requires = [" + ", ".join(_toml_str(r) for r in book.requires) + "]")
                lines.append("")
            lines.pop()
            continue
        lines.append(f"[{name}]")
        section = getattr(rules, name)
        for key, (kind, help_text) in _SECTIONS[name][1].items():
            lines.append(f"{key} = {kind.toml(getattr(section, key))}  # {help_text}")
    return "\n".join(lines) + "\n"


DEFAULT_RULES_TOML: str = rules_to_toml(RuleSet())
"""The default rule set as a commented TOML file (what ``hall init`` can write out)."""


def describe_changes(old: RuleSet, new: RuleSet) -> list[str]:
    """Readable lines for a rule-change notice, e.g. "resign.days: 30 → 45", "books: JW-5 added"."""
    lines: list[str] = []
    for name in _SECTION_ORDER:
        if name == "books":
            lines.extend(_describe_books(old.books, new.books))
            continue
        before, after = getattr(old, name), getattr(new, name)
        for key, (kind, _help) in _SECTIONS[name][1].items():
            was, now = getattr(before, key), getattr(after, key)
            if was == now:
                continue
            if key == "holidays":
                lines.extend(f"hall.holidays: {d.isoformat()} added" for d in now if d not in was)
                lines.extend(f"hall.holidays: {d.isoformat()} removed" for d in was if d not in now)
            else:
                lines.append(f"{name}.{key}: {kind.show(was)} → {kind.show(now)}")
    return lines


def _describe_books(old: tuple[Book, ...], new: tuple[Book, ...]) -> list[str]:
    lines: list[str] = []
    old_by_id = {b.id: b for b in old}
    new_by_id = {b.id: b for b in new}
    lines.extend(f"books: {b.id} removed" for b in old if b.id not in new_by_id)
    for book in new:
        was = old_by_id.get(book.id)
        if was is None:
            lines.append(f"books: {book.id} added")
            continue
        for key in ("name", "classification", "priority", "requires"):
            before, after = getattr(was, key), getattr(book, key)
            if before != after:
                if key == "requires":
                    before, after = ", ".join(before) or "none", ", ".join(after) or "none"
                lines.append(f"books.{book.id}.{key}: {before} → {after}")
    if not lines and old != new:
        lines.append(f"books: order {', '.join(b.id for b in old)} → {', '.join(b.id for b in new)}")
    return lines
