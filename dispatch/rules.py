"""The rule set file: reading it, writing it back, and what changed between two.

``RuleSet()`` is the default rule set; ``load_rules(text)`` reads the TOML file
described in referral-rules.md and validates it completely, raising
``RulesError`` with one sentence naming the key and what is allowed.
``rules_to_toml(rules)`` writes a rule set back as a file ``load_rules`` reads
equal (``DEFAULT_RULES_TOML`` is the defaults, commented), and
``describe_changes(old, new)`` gives the lines of a rule-change notice.

The sections and their keys are declared once, in ``dispatch.rules_sections``
(the classes and the ``SECTIONS`` table); the kinds of value in
``dispatch.rules_fields``. Everything callers need is importable from here.

Book keys in error messages count from 1 in file order: ``books[2].priority``
is the ``priority`` of the second ``[[books]]`` table.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import replace
from typing import Any

from dispatch.model import Book
from dispatch.rules_fields import (
    DAY_NAMES,
    ApprenticeCategory,
    Bool,
    Choice,
    RulesError,
    Text,
    shown,
    toml_str,
    valid_timezone,
)
from dispatch.rules_sections import (
    BOOK_KEYS,
    BOOK_ORDERS,
    DEFAULT_BOOKS,
    SECTION_ORDER,
    SECTIONS,
    ApprenticeRules,
    BarRules,
    BiddingRules,
    DaybookRules,
    DisciplineRules,
    HallRules,
    KioskRules,
    NameRequestRules,
    NoticeRules,
    OfferRules,
    OrderingRules,
    RegistrationRules,
    ReleaseRules,
    RequestRules,
    ResignRules,
    RuleSet,
    SecurityRules,
    ShortCallRules,
    TurndownRules,
)

__all__ = [
    "DAY_NAMES", "DEFAULT_BOOKS", "DEFAULT_RULES_TOML", "ApprenticeCategory", "ApprenticeRules", "BarRules",
    "BiddingRules", "DaybookRules", "DisciplineRules", "HallRules", "KioskRules", "NameRequestRules",
    "NoticeRules", "OfferRules", "OrderingRules", "RegistrationRules", "ReleaseRules", "RequestRules",
    "ResignRules", "RuleSet", "RulesError", "SecurityRules", "ShortCallRules", "TurndownRules",
    "describe_changes", "load_rules", "rules_to_toml", "valid_timezone",
]
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
    cls, keys = SECTIONS[name]
    if not isinstance(table, dict):
        raise RulesError(f"{name} must be a table ([{name}]), not {shown(table)}.", name)
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
        raise RulesError(f"books must be an array of tables ([[books]]), not {shown(value)}.", "books")
    if not value:
        raise RulesError("books: at least one book is needed.", "books")
    books: list[Book] = []
    text = Text()
    for index, table in enumerate(value, start=1):
        at = f"books[{index}]"
        if not isinstance(table, dict):
            raise RulesError(f"{at} must be a table ([[books]]), not {shown(table)}.", at)
        for key in table:
            if key not in BOOK_KEYS:
                raise RulesError(
                    f"unknown key {at}.{key}; a book has the keys {_join(BOOK_KEYS)}.",
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
                f"{at}.priority must be a whole number of 1 or more, not {shown(priority)}.",
                f"{at}.priority",
            )
        requires = table.get("requires", [])
        if not isinstance(requires, list):
            raise RulesError(
                f"{at}.requires must be a list of certification names as text, not {shown(requires)}.",
                f"{at}.requires",
            )
        names = tuple(
            text.read(item, f"{at}.requires[{number}]") for number, item in enumerate(requires, start=1)
        )
        qualification = Bool().read(table.get("requires_qualification", False), f"{at}.requires_qualification")
        order = Choice(*BOOK_ORDERS).read(table.get("order", BOOK_ORDERS[0]), f"{at}.order")
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
        books.append(Book(book_id, name, classification, priority, names, qualification, order))
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
        if name not in SECTION_ORDER:
            raise RulesError(
                f"unknown section [{name}] in the rule set file; the sections are {_join(SECTION_ORDER)}.",
                name,
            )
    parts: dict[str, Any] = {}
    for name in SECTIONS:
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
    bidding = parts["bidding"]
    if bidding.window_closes > bidding.selection_at:
        raise RulesError(
            f"bidding.window_closes ({bidding.window_closes:%H:%M}) must not be after "
            f"bidding.selection_at ({bidding.selection_at:%H:%M}): bids close before the selection runs.",
            "bidding.window_closes",
        )
    books = _read_books(data["books"]) if "books" in data else DEFAULT_BOOKS
    return RuleSet(books=books, **parts)


def rules_to_toml(rules: RuleSet) -> str:
    """The rule set as a commented TOML file that ``load_rules`` reads back equal."""
    lines = [
        "# Rule set of the hiring hall (see referral-rules.md).",
        "# Any key left out takes its default; an unknown key is an error.",
    ]
    for name in SECTION_ORDER:
        lines.append("")
        if name == "books":
            lines.append("# One [[books]] table per book; priority is unique within a classification;")
            lines.append('# order = "jatc": apprentices assigned by the committee, not offered down the list.')
            for book in rules.books:
                lines.append("[[books]]")
                lines.append(f"id = {toml_str(book.id)}")
                lines.append(f"name = {toml_str(book.name)}")
                lines.append(f"classification = {toml_str(book.classification)}")
                lines.append(f"priority = {book.priority}")
                lines.append("requires = [" + ", ".join(toml_str(r) for r in book.requires) + "]")
                lines.append(f"requires_qualification = {Bool().toml(book.requires_qualification)}")
                lines.append(f"order = {toml_str(book.order)}")
                lines.append("")
            lines.pop()
            continue
        lines.append(f"[{name}]")
        section = getattr(rules, name)
        for key, (kind, help_text) in SECTIONS[name][1].items():
            lines.append(f"{key} = {kind.toml(getattr(section, key))}  # {help_text}")
    return "\n".join(lines) + "\n"


DEFAULT_RULES_TOML: str = rules_to_toml(RuleSet())
"""The default rule set as a commented TOML file (what ``hall init`` can write out)."""


def describe_changes(old: RuleSet, new: RuleSet) -> list[str]:
    """Readable lines for a rule-change notice, e.g. "resign.days: 30 → 45", "books: JW-5 added"."""
    lines: list[str] = []
    for name in SECTION_ORDER:
        if name == "books":
            lines.extend(_describe_books(old.books, new.books))
            continue
        before, after = getattr(old, name), getattr(new, name)
        for key, (kind, _help) in SECTIONS[name][1].items():
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
        for key in ("name", "classification", "priority", "requires", "requires_qualification", "order"):
            before, after = getattr(was, key), getattr(book, key)
            if before != after:
                if key == "requires":
                    before, after = ", ".join(before) or "none", ", ".join(after) or "none"
                elif key == "requires_qualification":
                    before, after = Bool().show(before), Bool().show(after)
                lines.append(f"books.{book.id}.{key}: {before} → {after}")
    if not lines and old != new:
        lines.append(f"books: order {', '.join(b.id for b in old)} → {', '.join(b.id for b in new)}")
    return lines
