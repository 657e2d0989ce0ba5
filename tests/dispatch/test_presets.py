"""(v2) Rule presets: complete rule set files the records layer ships (hall/presets/NAME.toml),
each loading, round-tripping and saying where each choice comes from."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path

import pytest

from dispatch.rules import RuleSet, describe_changes, load_rules, rules_to_toml

PRESETS = Path(__file__).resolve().parents[2] / "hall" / "presets"
NAMES = ("ibew-inside", "ilwu-low-hours", "laborers", "iatse")


def preset(name: str) -> str:
    return (PRESETS / f"{name}.toml").read_text(encoding="utf-8")


def test_the_four_presets_are_there_and_nothing_else():
    assert sorted(path.stem for path in PRESETS.glob("*.toml")) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_each_preset_loads_and_round_trips(name):
    rules = load_rules(preset(name), default_timezone="America/Chicago")
    assert rules != RuleSet()
    assert load_rules(rules_to_toml(rules)) == rules
    assert describe_changes(rules, load_rules(rules_to_toml(rules))) == []


@pytest.mark.parametrize("name", NAMES)
def test_every_choice_in_a_preset_has_its_comment(name):
    text = preset(name)
    assert text.startswith("# Rule preset ")
    in_table_array = False
    for line in text.splitlines():
        if line.startswith("[["):
            in_table_array = True  # [[books]] and [[apprentices.categories]]: the comment above the block
        elif line.startswith("["):
            in_table_array = False
        elif re.match(r"^[a-z_]+ = ", line) and not in_table_array:
            assert "  # " in line, f"{name}: {line}"


def test_ibew_inside_has_what_referral_rules_md_says():
    rules = load_rules(preset("ibew-inside"))
    assert [b.id for b in rules.books_for("JW")] == ["JW-1", "JW-2", "JW-3", "JW-4"]
    assert rules.resign.mode == "window" and (rules.resign.window_start_day, rules.resign.window_end_day) == (10, 16)
    assert (rules.turndowns.limit, rules.turndowns.max_per_day) == (3, 1)
    assert rules.short_calls.max_hours == 40
    assert rules.requests.foreman_per_call == 1
    assert rules.release.hours == 48
    assert rules.book("AP-1").order == "jatc" and rules.book("AP-1").assigned_by_jatc
    assert rules.apprentices.journeymen_per_apprentice > 0 and rules.apprentices.categories


def test_the_other_presets_have_their_families_choices():
    ilwu = load_rules(preset("ilwu-low-hours"))
    assert ilwu.ordering.policy == "low_hours" and ilwu.ordering.low_hours_period == "month"
    assert ilwu.daybook.required and ilwu.daybook.deadline == time(6, 15)
    laborers = load_rules(preset("laborers"))
    assert laborers.resign.mode == "rolling" and laborers.resign.days == 30
    assert laborers.requests.recall_days > 0 and laborers.requests.stewards_per_call == 1
    iatse = load_rules(preset("iatse"))
    assert iatse.short_calls.rotation
    assert len(iatse.classifications) >= 3 and all(len(iatse.books_for(c)) >= 2 for c in iatse.classifications)
