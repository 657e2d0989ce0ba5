"""The (v2) keys of the rule set file: defaults, validation, round trip and change notices."""

from __future__ import annotations

from dataclasses import replace
from datetime import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dispatch.model import Book
from dispatch.rules import (
    DEFAULT_RULES_TOML,
    ApprenticeCategory,
    ApprenticeRules,
    BiddingRules,
    DaybookRules,
    RegistrationRules,
    ReleaseRules,
    RequestRules,
    RuleSet,
    RulesError,
    describe_changes,
    load_rules,
    rules_to_toml,
)
from tests.dispatch.test_rules import rule_sets

DISPATCH = Path(__file__).resolve().parents[2] / "dispatch"


def test_v2_defaults_keep_todays_behaviour():
    rules = RuleSet()
    assert rules.ordering.hours_per_day == 8
    assert rules.registration == RegistrationRules(one_per_classification=True)
    assert rules.resign.window_months == ()
    t = rules.turndowns
    assert (t.max_per_day, t.exempt_max_days, t.exempt_start_before, t.unavailable_is_turndown) == (0, 0, None, False)
    s = rules.short_calls
    assert (s.max_hours, s.uncounted_max_days, s.rotation) == (0, 0, False)
    assert rules.requests == RequestRules(foreman_per_call=1, recall_days=14, stewards_per_call=1)
    assert rules.release == ReleaseRules(hours=0)
    assert rules.bidding == BiddingRules(False, time(15, 0), time(6, 30), time(7, 0), 10)
    assert rules.daybook == DaybookRules(False, time(8, 0))
    assert rules.apprentices == ApprenticeRules(0, ())
    assert (rules.kiosk.max_misses, rules.kiosk.lock_minutes, rules.security.cli_session_minutes) == (5, 15, 15)
    assert all(not b.requires_qualification and b.order == "list" for b in rules.books)


def test_every_v2_key_is_in_the_default_file_with_its_help():
    for line in ("hours_per_day = 8.0", "[registration]", "one_per_classification = true", "window_months = []",
                 "max_per_day = 0", 'exempt_start_before = ""', "max_hours = 0.0", "rotation = false",
                 "[requests]", "recall_days = 14", "[release]", "[bidding]", 'post_cutoff = "15:00"',
                 "[daybook]", 'deadline = "08:00"', "[apprentices]", "categories = []",
                 "max_misses = 5", "lock_minutes = 15", "cli_session_minutes = 15",
                 "requires_qualification = false", 'order = "list"'):
        assert line in DEFAULT_RULES_TOML, line


def test_a_full_v2_file_is_read():
    rules = load_rules("""
[ordering]
hours_per_day = 7.5
[[books]]
id = "JW-1"
classification = "JW"
priority = 1
requires_qualification = true
[[books]]
id = "AP-1"
classification = "AP"
priority = 1
order = "jatc"
[registration]
one_per_classification = false
[resign]
mode = "window"
window_months = [10, 1, 7, 4]
[turndowns]
max_per_day = 1
exempt_max_days = 2
exempt_start_before = "06:00"
unavailable_is_turndown = true
[short_calls]
max_hours = 40
uncounted_max_days = 3
rotation = true
[requests]
foreman_per_call = 2
recall_days = 0
stewards_per_call = 1
[release]
hours = 48
[bidding]
enabled = true
post_cutoff = "14:00"
window_closes = "06:00"
selection_at = "06:45"
max_bids = 5
[daybook]
required = true
deadline = "07:30"
[apprentices]
journeymen_per_apprentice = 3
[[apprentices.categories]]
name = "Commercial"
hours = 4000
[[apprentices.categories]]
name = "Residential"
hours = 800
[kiosk]
max_misses = 3
lock_minutes = 30
[security]
cli_session_minutes = 60
""")
    assert rules.ordering.hours_per_day == 7.5
    assert rules.books == (Book("JW-1", "JW-1", "JW", 1, (), True, "list"), Book("AP-1", "AP-1", "AP", 1, (), False, "jatc"))
    assert rules.books[1].assigned_by_jatc and not rules.books[0].assigned_by_jatc
    assert rules.registration.one_per_classification is False
    assert rules.resign.window_months == (1, 4, 7, 10)
    assert rules.turndowns.exempt_start_before == time(6, 0)
    assert (rules.short_calls.max_hours, rules.short_calls.uncounted_max_days) == (40.0, 3)
    assert rules.requests == RequestRules(2, 0, 1)
    assert rules.release.hours == 48
    assert rules.bidding == BiddingRules(True, time(14, 0), time(6, 0), time(6, 45), 5)
    assert rules.daybook == DaybookRules(True, time(7, 30))
    assert rules.apprentices.categories == (ApprenticeCategory("Commercial", 4000.0), ApprenticeCategory("Residential", 800.0))
    assert (rules.kiosk.max_misses, rules.kiosk.lock_minutes, rules.security.cli_session_minutes) == (3, 30, 60)
    assert load_rules(rules_to_toml(rules)) == rules


BOOK = '[[books]]\nid = "JW-1"\nclassification = "JW"\npriority = 1\n'

INVALID = [
    # (id, file text, key named, words the sentence must hold)
    ("hours per day 0", "[ordering]\nhours_per_day = 0\n", "ordering.hours_per_day", ["from 1 to 24"]),
    ("hours per day text", '[ordering]\nhours_per_day = "8"\n', "ordering.hours_per_day", ["number"]),
    ("unknown registration key", "[registration]\none_per_class = true\n", "registration.one_per_class",
     ["unknown key", "one_per_classification"]),
    ("one per classification not bool", "[registration]\none_per_classification = 1\n",
     "registration.one_per_classification", ["true or false"]),
    ("window months not a list", "[resign]\nwindow_months = 4\n", "resign.window_months", ["[1, 4, 7, 10]"]),
    ("window month 13", "[resign]\nwindow_months = [1, 13]\n", "resign.window_months", ["from 1 to 12", "13"]),
    ("window month 0", "[resign]\nwindow_months = [0]\n", "resign.window_months", ["from 1 to 12"]),
    ("window month text", '[resign]\nwindow_months = ["Jan"]\n', "resign.window_months", ["from 1 to 12"]),
    ("window month twice", "[resign]\nwindow_months = [4, 4]\n", "resign.window_months", ["twice"]),
    ("max per day negative", "[turndowns]\nmax_per_day = -1\n", "turndowns.max_per_day", ["from 0 to 1000"]),
    ("exempt days bool", "[turndowns]\nexempt_max_days = true\n", "turndowns.exempt_max_days", ["whole number"]),
    ("exempt start bad", '[turndowns]\nexempt_start_before = "6am"\n', "turndowns.exempt_start_before",
     ['"HH:MM"', '"" for none']),
    ("unavailable turndown text", '[turndowns]\nunavailable_is_turndown = "yes"\n',
     "turndowns.unavailable_is_turndown", ["true or false"]),
    ("max hours negative", "[short_calls]\nmax_hours = -5\n", "short_calls.max_hours", ["from 0"]),
    ("uncounted days float", "[short_calls]\nuncounted_max_days = 1.5\n", "short_calls.uncounted_max_days",
     ["whole number"]),
    ("rotation text", '[short_calls]\nrotation = "on"\n', "short_calls.rotation", ["true or false"]),
    ("unknown requests key", "[requests]\nforemen = 1\n", "requests.foremen", ["unknown key", "foreman_per_call"]),
    ("recall days negative", "[requests]\nrecall_days = -1\n", "requests.recall_days", ["from 0 to 3650"]),
    ("stewards too many", "[requests]\nstewards_per_call = 101\n", "requests.stewards_per_call", ["from 0 to 100"]),
    ("release hours text", '[release]\nhours = "48"\n', "release.hours", ["whole number"]),
    ("release not a table", "release = 48\n", "release", ["must be a table"]),
    ("bidding cutoff bad", '[bidding]\npost_cutoff = "3pm"\n', "bidding.post_cutoff", ['"HH:MM"']),
    ("bidding max bids 0", "[bidding]\nmax_bids = 0\n", "bidding.max_bids", ["from 1 to 1000"]),
    ("bids close after selection", '[bidding]\nwindow_closes = "07:30"\nselection_at = "07:00"\n',
     "bidding.window_closes", ["must not be after bidding.selection_at", "07:30", "07:00"]),
    ("daybook deadline bad", '[daybook]\ndeadline = "25:00"\n', "daybook.deadline", ['"HH:MM"']),
    ("daybook required text", '[daybook]\nrequired = "true"\n', "daybook.required", ["true or false"]),
    ("ratio negative", "[apprentices]\njourneymen_per_apprentice = -3\n", "apprentices.journeymen_per_apprentice",
     ["from 0"]),
    ("categories not a list", '[apprentices]\ncategories = "Commercial"\n', "apprentices.categories",
     ["array of tables"]),
    ("category not a table", "[apprentices]\ncategories = [1]\n", "apprentices.categories[1]", ["must be a table"]),
    ("category unknown key", '[[apprentices.categories]]\nname = "C"\nhours = 1\ncolour = 2\n',
     "apprentices.categories[1].colour", ["unknown key"]),
    ("category without hours", '[[apprentices.categories]]\nname = "C"\n', "apprentices.categories[1].hours",
     ["missing"]),
    ("category hours zero", '[[apprentices.categories]]\nname = "C"\nhours = 0\n', "apprentices.categories[1].hours",
     ["above 0"]),
    ("category name empty", '[[apprentices.categories]]\nname = " "\nhours = 10\n', "apprentices.categories[1].name",
     ["non-empty text"]),
    ("category twice", '[[apprentices.categories]]\nname = "C"\nhours = 1\n[[apprentices.categories]]\nname = "c"\n'
     'hours = 2\n', "apprentices.categories[2].name", ["already a category"]),
    ("kiosk misses 0", "[kiosk]\nmax_misses = 0\n", "kiosk.max_misses", ["from 1 to 1000"]),
    ("kiosk lock text", '[kiosk]\nlock_minutes = "15"\n', "kiosk.lock_minutes", ["whole number"]),
    ("cli session 0", "[security]\ncli_session_minutes = 0\n", "security.cli_session_minutes", ["from 1"]),
    ("book qualification not bool", BOOK + 'requires_qualification = "yes"\n', "books[1].requires_qualification",
     ["true or false"]),
    ("book order", BOOK + 'order = "seniority"\n', "books[1].order", ['"list" or "jatc"']),
]


@pytest.mark.parametrize(("text", "key", "words"), [case[1:] for case in INVALID], ids=[case[0] for case in INVALID])
def test_invalid_v2_keys_name_the_key_in_one_sentence(text, key, words):
    with pytest.raises(RulesError) as error:
        load_rules(text)
    message = str(error.value)
    assert error.value.key == key
    assert key in message
    for word in words:
        assert word in message, message
    assert message.count(". ") == 0 and message.endswith("."), message


def test_unknown_book_key_lists_the_new_ones():
    with pytest.raises(RulesError) as error:
        load_rules(BOOK + "qualified = true\n")
    assert "requires_qualification, order" in str(error.value)


@st.composite
def v2_rule_sets(draw):
    base = draw(rule_sets())
    books = tuple(replace(b, requires_qualification=draw(st.booleans()), order=draw(st.sampled_from(["list", "jatc"])))
                  for b in base.books)
    names = draw(st.lists(st.sampled_from(["Commercial", "Residential", "Teledata", "Ünder"]), unique=True, max_size=3))
    clocks = st.builds(time, st.integers(0, 23), st.integers(0, 59))
    closes, selection = sorted([draw(clocks), draw(clocks)])
    return replace(
        base,
        books=books,
        ordering=replace(base.ordering, hours_per_day=draw(st.floats(1, 24, allow_nan=False))),
        registration=RegistrationRules(draw(st.booleans())),
        resign=replace(base.resign, window_months=tuple(sorted(draw(st.sets(st.integers(1, 12)))))),
        turndowns=replace(base.turndowns, max_per_day=draw(st.integers(0, 1000)),
                          exempt_max_days=draw(st.integers(0, 3650)),
                          exempt_start_before=draw(st.one_of(st.none(), clocks)),
                          unavailable_is_turndown=draw(st.booleans())),
        short_calls=replace(base.short_calls, max_hours=draw(st.floats(0, 100000, allow_nan=False)),
                            uncounted_max_days=draw(st.integers(0, 3650)), rotation=draw(st.booleans())),
        requests=RequestRules(draw(st.integers(0, 100)), draw(st.integers(0, 3650)), draw(st.integers(0, 100))),
        release=ReleaseRules(draw(st.integers(0, 10000))),
        bidding=BiddingRules(draw(st.booleans()), draw(clocks), closes, selection, draw(st.integers(1, 1000))),
        daybook=DaybookRules(draw(st.booleans()), draw(clocks)),
        apprentices=ApprenticeRules(draw(st.integers(0, 1000)), tuple(
            ApprenticeCategory(name, draw(st.floats(0.5, 100000, allow_nan=False))) for name in names)),
        kiosk=replace(base.kiosk, max_misses=draw(st.integers(1, 1000)), lock_minutes=draw(st.integers(1, 10080))),
        security=replace(base.security, cli_session_minutes=draw(st.integers(1, 10080))),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(v2_rule_sets())
def test_round_trip_of_every_key(rules):
    text = rules_to_toml(rules)
    assert load_rules(text) == rules
    assert describe_changes(rules, load_rules(text)) == []


def test_describe_changes_of_v2_keys():
    new = load_rules("""
[[books]]
id = "JW-1"
name = "Inside Wireman I"
classification = "JW"
priority = 1
requires_qualification = true
[[books]]
id = "AP-1"
name = "Apprentice"
classification = "AP"
priority = 1
order = "jatc"
[resign]
window_months = [1, 4, 7, 10]
[turndowns]
max_per_day = 1
exempt_start_before = "06:00"
[release]
hours = 48
[apprentices]
categories = [{ name = "Residential", hours = 800 }]
""")
    old = replace(RuleSet(), books=(RuleSet().books[0], RuleSet().books[4]))
    assert describe_changes(old, new) == [
        "books.JW-1.requires_qualification: false → true",
        "books.AP-1.order: list → jatc",
        "resign.window_months: every month → Jan, Apr, Jul, Oct",
        "turndowns.max_per_day: 0 → 1",
        "turndowns.exempt_start_before: none → 06:00",
        "release.hours: 0 → 48",
        "apprentices.categories: none → Residential 800 h",
    ]


def test_no_rules_module_passes_800_lines():
    for path in DISPATCH.glob("*.py"):
        assert len(path.read_text().splitlines()) <= 800, path.name
