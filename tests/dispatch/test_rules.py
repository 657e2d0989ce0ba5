"""The rule set file: defaults, complete validation, round trip, change notices."""

from __future__ import annotations

from datetime import date, time
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dispatch.model import Book
from dispatch.rules import (
    DEFAULT_BOOKS,
    DEFAULT_RULES_TOML,
    BarRules,
    DisciplineRules,
    HallRules,
    KioskRules,
    NameRequestRules,
    NoticeRules,
    OfferRules,
    OrderingRules,
    ResignRules,
    RuleSet,
    RulesError,
    SecurityRules,
    ShortCallRules,
    TurndownRules,
    describe_changes,
    load_rules,
    rules_to_toml,
)

# --- defaults ------------------------------------------------------------------


def test_defaults_are_those_of_referral_rules_md():
    rules = RuleSet()
    assert rules.hall == HallRules(
        name="Hiring hall",
        timezone="UTC",
        closing_time=time(17, 0),
        business_days=(0, 1, 2, 3, 4),
        holidays=(),
    )
    assert rules.ordering == OrderingRules("registration", "month", 10)
    assert rules.resign == ResignRules("rolling", 30, 10, 16, 0, 5)
    assert rules.turndowns == TurndownRules(3, False, False)
    assert rules.short_calls == ShortCallRules(10, 2, True, False)
    assert rules.name_requests == NameRequestRules(Fraction(1, 2), 30, False, 14)
    assert isinstance(rules.name_requests.max_share, Fraction)
    assert rules.offers == OfferRules(10)
    assert rules.notice == NoticeRules(7)
    assert rules.security == SecurityRules(5, 5, 60)
    assert rules.kiosk == KioskRules("phone4", 30)
    assert rules.bars == BarRules(730)
    assert rules.discipline == DisciplineRules(2, 365)
    assert [(b.id, b.classification, b.priority) for b in rules.books] == [
        ("JW-1", "JW", 1),
        ("JW-2", "JW", 2),
        ("JW-3", "JW", 3),
        ("JW-4", "JW", 4),
        ("AP-1", "AP", 1),
    ]


def test_empty_file_is_the_defaults():
    assert load_rules("") == RuleSet()


def test_timezone_falls_back_to_the_given_default_then_utc():
    assert load_rules("", default_timezone="America/Chicago").hall.timezone == "America/Chicago"
    assert load_rules("").hall.timezone == "UTC"
    text = '[hall]\ntimezone = "Europe/Berlin"\n'
    assert load_rules(text, default_timezone="America/Chicago").hall.timezone == "Europe/Berlin"


def test_a_bad_default_timezone_is_refused():
    with pytest.raises(RulesError) as error:
        load_rules("", default_timezone="Mars/Olympus")
    assert error.value.key == "hall.timezone"
    assert "Mars/Olympus" in str(error.value)


def test_a_full_file_is_read():
    text = """
[hall]
name = "IBEW Local 999"
timezone = "America/Chicago"
closing_time = "16:30"
business_days = ["mon", "tue", "wed", "thu", "fri", "sat"]
holidays = ["2027-01-01", "2026-12-25", 2026-11-26]

[ordering]
policy = "low_hours"
low_hours_period = "week"
turndown_penalty_hours = 7.5

[[books]]
id = "JW-1"
classification = "JW"
priority = 1

[[books]]
id = "JW-2"
name = "Travelers"
classification = "JW"
priority = 2
requires = ["Travel letter"]

[resign]
mode = "window"
window_start_day = 1
window_end_day = 28
grace_days = 3

[name_requests]
max_share = 0.3
"""
    rules = load_rules(text)
    assert rules.hall.name == "IBEW Local 999"
    assert rules.hall.closing_time == time(16, 30)
    assert rules.hall.business_days == (0, 1, 2, 3, 4, 5)
    assert rules.hall.holidays == (date(2026, 11, 26), date(2026, 12, 25), date(2027, 1, 1))
    assert rules.ordering == OrderingRules("low_hours", "week", 7.5)
    assert rules.books == (
        Book("JW-1", "JW-1", "JW", 1),  # name defaults to the id
        Book("JW-2", "Travelers", "JW", 2, ("Travel letter",)),
    )
    assert rules.resign == ResignRules("window", 30, 1, 28, 3, 5)
    assert rules.name_requests.max_share == Fraction(3, 10)  # exact, not the float's value


@pytest.mark.parametrize(
    ("value", "share"),
    [("0", Fraction(0)), ("1", Fraction(1)), ("0.25", Fraction(1, 4)), ('"1/3"', Fraction(1, 3)),
     ('"0.5"', Fraction(1, 2))],
)
def test_max_share_is_exact(value, share):
    assert load_rules(f"[name_requests]\nmax_share = {value}\n").name_requests.max_share == share


# --- validation: one case per kind of error -------------------------------------

BOOK = '[[books]]\nid = "JW-1"\nclassification = "JW"\npriority = 1\n'

INVALID = [
    # (id, file text, key named, words the sentence must hold)
    ("unknown section", "[hal]\nname = 'x'\n", "hal", ["unknown section [hal]", "hall, ordering"]),
    ("unknown top-level key", "policy = 'x'\n", "policy", ["unknown section [policy]"]),
    ("unknown key", "[resign]\ndayz = 3\n", "resign.dayz", ["unknown key resign.dayz", "days"]),
    ("section not a table", "resign = 5\n", "resign", ["resign must be a table"]),
    ("bool is not an int", "[resign]\ndays = true\n", "resign.days", ["whole number", "not true"]),
    ("float is not an int", "[resign]\ndays = 30.0\n", "resign.days", ["whole number"]),
    ("text is not an int", '[turndowns]\nlimit = "3"\n', "turndowns.limit", ["whole number", '"3"']),
    ("negative number", "[resign]\ngrace_days = -1\n", "resign.grace_days", ["from 0 to", "-1"]),
    ("zero where 1 or more", "[resign]\ndays = 0\n", "resign.days", ["from 1 to"]),
    ("negative hours", "[ordering]\nturndown_penalty_hours = -2\n", "ordering.turndown_penalty_hours", ["from 0"]),
    ("nan hours", "[ordering]\nturndown_penalty_hours = nan\n", "ordering.turndown_penalty_hours", ["number"]),
    ("bool hours", "[ordering]\nturndown_penalty_hours = false\n", "ordering.turndown_penalty_hours", ["number"]),
    ("int is not a bool", "[turndowns]\nno_answer_is_turndown = 1\n", "turndowns.no_answer_is_turndown",
     ["true or false"]),
    ("window day 0", "[resign]\nwindow_start_day = 0\n", "resign.window_start_day", ["from 1 to 28"]),
    ("window day 29", "[resign]\nwindow_end_day = 29\n", "resign.window_end_day", ["from 1 to 28"]),
    ("window start after end", "[resign]\nwindow_start_day = 20\nwindow_end_day = 16\n",
     "resign.window_start_day", ["must not be after resign.window_end_day"]),
    ("share above 1", "[name_requests]\nmax_share = 1.5\n", "name_requests.max_share", ["from 0 to 1"]),
    ("share below 0", "[name_requests]\nmax_share = -0.1\n", "name_requests.max_share", ["from 0 to 1"]),
    ("share as bad text", '[name_requests]\nmax_share = "half"\n', "name_requests.max_share", ["from 0 to 1"]),
    ("share as bool", "[name_requests]\nmax_share = true\n", "name_requests.max_share", ["from 0 to 1"]),
    ("share text over 1", '[name_requests]\nmax_share = "3/2"\n', "name_requests.max_share", ["from 0 to 1"]),
    ("share divides by 0", '[name_requests]\nmax_share = "1/0"\n', "name_requests.max_share", ["from 0 to 1"]),
    ("policy", '[ordering]\npolicy = "seniority"\n', "ordering.policy", ['"registration" or "low_hours"']),
    ("low hours period", '[ordering]\nlow_hours_period = "year"\n', "ordering.low_hours_period",
     ['"month" or "week"']),
    ("resign mode", '[resign]\nmode = "monthly"\n', "resign.mode", ['"rolling" or "window"']),
    ("kiosk auth", '[kiosk]\nauth = "password"\n', "kiosk.auth", ['"phone4" or "pin"']),
    ("closing time format", '[hall]\nclosing_time = "5pm"\n', "hall.closing_time", ['"HH:MM"']),
    ("closing time out of range", '[hall]\nclosing_time = "24:00"\n', "hall.closing_time", ['"HH:MM"']),
    ("closing time as TOML time", "[hall]\nclosing_time = 17:00:00\n", "hall.closing_time", ['"HH:MM"']),
    ("business day name", '[hall]\nbusiness_days = ["mon", "funday"]\n', "hall.business_days",
     ['"mon"', '"funday"']),
    ("business days empty", "[hall]\nbusiness_days = []\n", "hall.business_days", ["non-empty list"]),
    ("business day twice", '[hall]\nbusiness_days = ["mon", "mon"]\n', "hall.business_days", ["twice"]),
    ("business days not a list", '[hall]\nbusiness_days = "mon"\n', "hall.business_days", ["list"]),
    ("holiday not a date", '[hall]\nholidays = ["Christmas"]\n', "hall.holidays", ['"YYYY-MM-DD"']),
    ("holiday impossible date", '[hall]\nholidays = ["2026-02-30"]\n', "hall.holidays", ['"YYYY-MM-DD"']),
    ("holiday not ISO dashed", '[hall]\nholidays = ["20261225"]\n', "hall.holidays", ['"YYYY-MM-DD"']),
    ("holiday twice", '[hall]\nholidays = ["2026-12-25", "2026-12-25"]\n', "hall.holidays", ["twice"]),
    ("holidays not a list", '[hall]\nholidays = "2026-12-25"\n', "hall.holidays", ["list"]),
    ("timezone unknown", '[hall]\ntimezone = "Mars/Olympus"\n', "hall.timezone", ["IANA"]),
    ("timezone not a zone name", '[hall]\ntimezone = "localtime"\n', "hall.timezone", ["IANA"]),
    ("timezone a directory", '[hall]\ntimezone = "America"\n', "hall.timezone", ["IANA"]),
    ("timezone wrong case", '[hall]\ntimezone = "utc"\n', "hall.timezone", ["IANA"]),
    ("empty hall name", '[hall]\nname = "  "\n', "hall.name", ["non-empty text"]),
    ("books empty", "books = []\n", "books", ["at least one book is needed"]),
    ("books a table", "[books]\nid = 'JW-1'\n", "books", ["array of tables"]),
    ("book not a table", "books = [1]\n", "books[1]", ["must be a table"]),
    ("book unknown key", BOOK + "colour = 'red'\n", "books[1].colour", ["unknown key books[1].colour"]),
    ("book without id", '[[books]]\nclassification = "JW"\npriority = 1\n', "books[1].id", ["missing"]),
    ("book without classification", '[[books]]\nid = "JW-1"\npriority = 1\n', "books[1].classification",
     ["missing"]),
    ("book without priority", '[[books]]\nid = "JW-1"\nclassification = "JW"\n', "books[1].priority",
     ["missing"]),
    ("book id not text", '[[books]]\nid = 1\nclassification = "JW"\npriority = 1\n', "books[1].id", ["text"]),
    ("book classification not text", '[[books]]\nid = "JW-1"\nclassification = 5\npriority = 1\n',
     "books[1].classification", ["text"]),
    ("book name empty", BOOK + 'name = ""\n', "books[1].name", ["non-empty text"]),
    ("book priority zero", '[[books]]\nid = "JW-1"\nclassification = "JW"\npriority = 0\n',
     "books[1].priority", ["1 or more"]),
    ("book priority bool", '[[books]]\nid = "JW-1"\nclassification = "JW"\npriority = true\n',
     "books[1].priority", ["1 or more"]),
    ("book requires not a list", BOOK + 'requires = "OSHA-30"\n', "books[1].requires", ["list"]),
    ("book requires not text", BOOK + "requires = [30]\n", "books[1].requires[1]", ["text"]),
    ("book ids unique", BOOK + '[[books]]\nid = "jw-1"\nclassification = "AP"\npriority = 1\n',
     "books[2].id", ["already the id of books[1]"]),
    ("book priorities unique per classification",
     BOOK + '[[books]]\nid = "JW-2"\nclassification = "JW"\npriority = 1\n',
     "books[2].priority", ["cannot share a priority", "JW-1"]),
]


@pytest.mark.parametrize(("text", "key", "words"), [case[1:] for case in INVALID],
                         ids=[case[0] for case in INVALID])
def test_invalid_rule_sets_name_the_key(text, key, words):
    with pytest.raises(RulesError) as error:
        load_rules(text)
    message = str(error.value)
    assert error.value.key == key
    assert key in message
    for word in words:
        assert word in message
    # One sentence: a single full stop, at the end (a trailing quoted value aside).
    assert message.count(". ") == 0, message


def test_same_priority_in_other_classifications_is_fine():
    text = BOOK + '[[books]]\nid = "AP-1"\nclassification = "AP"\npriority = 1\n'
    assert [b.id for b in load_rules(text).books] == ["JW-1", "AP-1"]


def test_toml_syntax_error_names_the_line():
    with pytest.raises(RulesError) as error:
        load_rules('[resign]\ndays = 30\nmode = = "window"\n')
    message = str(error.value)
    assert "not valid TOML" in message
    assert "line 3" in message
    assert 'mode = = "window"' in message


def test_toml_syntax_error_at_the_end_of_the_file():
    with pytest.raises(RulesError, match="not valid TOML"):
        load_rules('[hall]\nname = "unterminated')


def test_business_day_names_any_case_and_order():
    rules = load_rules('[hall]\nbusiness_days = ["Sat", "mon"]\n')
    assert rules.hall.business_days == (0, 5)


# --- round trip -------------------------------------------------------------------


def test_default_rules_toml_reads_back_as_the_defaults():
    assert load_rules(DEFAULT_RULES_TOML) == RuleSet()
    assert DEFAULT_RULES_TOML == rules_to_toml(RuleSet())
    assert "[[books]]" in DEFAULT_RULES_TOML and "# " in DEFAULT_RULES_TOML


def test_round_trip_of_a_changed_rule_set():
    rules = RuleSet(
        hall=HallRules('Local "99" \\ Hall É\u200d', "America/Chicago", time(8, 5), (0, 2, 6),
                       (date(2026, 12, 25), date(2027, 1, 1))),
        ordering=OrderingRules("low_hours", "week", 2.25),
        books=(Book("X", "Books \"X\" ✓", "RW", 7, ("OSHA-30", "Travel letter")),),
        resign=ResignRules("window", 45, 3, 9, 2, 0),
        turndowns=TurndownRules(2, True, True),
        short_calls=ShortCallRules(0, 0, False, True),
        name_requests=NameRequestRules(Fraction(1, 3), 0, True, 0),
        offers=OfferRules(1),
        notice=NoticeRules(0),
        security=SecurityRules(1, 1, 0),
        kiosk=KioskRules("pin", 1),
        bars=BarRules(1),
        discipline=DisciplineRules(1, 1),
    )
    assert load_rules(rules_to_toml(rules)) == rules


_text = st.text(  # names are text that shows: no control, format or line-break characters
    st.characters(blacklist_categories=("Cs", "Cc", "Cf", "Zl", "Zp")), min_size=1, max_size=12
).filter(lambda s: s.strip())


@st.composite
def rule_sets(draw):
    start = draw(st.integers(1, 28))
    books = []
    ids: set[str] = set()
    used: set[tuple[str, int]] = set()
    for _ in range(draw(st.integers(1, 5))):
        book_id = draw(_text)
        cls = draw(st.sampled_from(["JW", "AP", "RW ü"]))
        priority = draw(st.integers(1, 6))
        if book_id.casefold() in ids or (cls, priority) in used:
            continue
        ids.add(book_id.casefold())
        used.add((cls, priority))
        books.append(Book(book_id, draw(_text), cls, priority, tuple(draw(st.lists(_text, max_size=3)))))
    if not books:
        books = list(DEFAULT_BOOKS)
    share = draw(st.one_of(
        st.fractions(min_value=0, max_value=1, max_denominator=50),
        st.decimals(0, 1, places=3).map(lambda d: Fraction(str(d))),
    ))
    return RuleSet(
        hall=HallRules(
            name=draw(_text),
            timezone=draw(st.sampled_from(["UTC", "America/Chicago", "Europe/Berlin", "Asia/Kolkata"])),
            closing_time=time(draw(st.integers(0, 23)), draw(st.integers(0, 59))),
            business_days=tuple(sorted(draw(st.sets(st.integers(0, 6), min_size=1)))),
            holidays=tuple(sorted(draw(st.sets(st.dates(date(2000, 1, 1), date(2099, 12, 31)), max_size=4)))),
        ),
        ordering=OrderingRules(
            draw(st.sampled_from(["registration", "low_hours"])),
            draw(st.sampled_from(["month", "week"])),
            draw(st.floats(0, 10000, allow_nan=False)),
        ),
        books=tuple(books),
        resign=ResignRules(
            draw(st.sampled_from(["rolling", "window"])), draw(st.integers(1, 3650)),
            start, draw(st.integers(start, 28)), draw(st.integers(0, 3650)), draw(st.integers(0, 3650)),
        ),
        turndowns=TurndownRules(draw(st.integers(1, 1000)), draw(st.booleans()), draw(st.booleans())),
        short_calls=ShortCallRules(draw(st.integers(0, 3650)), draw(st.integers(0, 1000)),
                                   draw(st.booleans()), draw(st.booleans())),
        name_requests=NameRequestRules(share, draw(st.integers(0, 3650)), draw(st.booleans()),
                                       draw(st.integers(0, 3650))),
        offers=OfferRules(draw(st.integers(1, 1440))),
        notice=NoticeRules(draw(st.integers(0, 3650))),
        security=SecurityRules(draw(st.integers(1, 1440)), draw(st.integers(1, 1000)),
                               draw(st.integers(0, 604800))),
        kiosk=KioskRules(draw(st.sampled_from(["phone4", "pin"])), draw(st.integers(1, 3600))),
        bars=BarRules(draw(st.integers(1, 3650))),
        discipline=DisciplineRules(draw(st.integers(1, 1000)), draw(st.integers(1, 3650))),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rule_sets())
def test_round_trip_property(rules):
    text = rules_to_toml(rules)
    assert load_rules(text) == rules
    assert describe_changes(rules, load_rules(text)) == []


# --- change notices -----------------------------------------------------------------


def test_no_changes_no_lines():
    assert describe_changes(RuleSet(), RuleSet()) == []


def test_describe_changes():
    old = RuleSet()
    new = load_rules("""
[hall]
closing_time = "16:30"
holidays = ["2026-12-25"]
[resign]
days = 45
[turndowns]
no_answer_is_turndown = true
[name_requests]
max_share = "1/3"
[[books]]
id = "JW-1"
name = "Inside Wireman I"
classification = "JW"
priority = 1
requires = ["OSHA-30"]
[[books]]
id = "JW-2"
name = "Travelers"
classification = "JW"
priority = 2
[[books]]
id = "JW-5"
classification = "JW"
priority = 5
""")
    assert describe_changes(old, new) == [
        "hall.closing_time: 17:00 → 16:30",
        "hall.holidays: 2026-12-25 added",
        "books: JW-3 removed",
        "books: JW-4 removed",
        "books: AP-1 removed",
        "books.JW-1.requires: none → OSHA-30",
        "books.JW-2.name: Inside Wireman II → Travelers",
        "books: JW-5 added",
        "resign.days: 30 → 45",
        "turndowns.no_answer_is_turndown: false → true",
        "name_requests.max_share: 0.5 → 1/3",
    ]
    assert describe_changes(new, old)[:2] == [
        "hall.closing_time: 16:30 → 17:00",
        "hall.holidays: 2026-12-25 removed",
    ]


def test_describe_changes_of_lists_and_numbers():
    old = RuleSet()
    new = load_rules('[hall]\nbusiness_days = ["mon", "tue", "wed", "thu", "fri", "sat"]\n'
                     "[ordering]\nturndown_penalty_hours = 12.5\n")
    assert describe_changes(old, new) == [
        "hall.business_days: mon, tue, wed, thu, fri → mon, tue, wed, thu, fri, sat",
        "ordering.turndown_penalty_hours: 10 → 12.5",
    ]


def test_describe_book_order_change():
    old = RuleSet()
    new = RuleSet(books=tuple(reversed(DEFAULT_BOOKS)))
    assert describe_changes(old, new) == ["books: order JW-1, JW-2, JW-3, JW-4, AP-1 → AP-1, JW-4, JW-3, JW-2, JW-1"]
