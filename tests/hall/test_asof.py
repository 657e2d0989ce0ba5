"""The list as of any moment: what `list --json` said then, `--as-of` says later."""

from __future__ import annotations

import json

from datetime import UTC, datetime

import pytest

from tests.conftest import Hall, new_hall


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def hall(tmp_path) -> Hall:
    path = new_hall(tmp_path / "hall.db", '[hall]\ntimezone = "America/Chicago"\n', at=utc("2026-10-01 14:00"))
    return Hall(path, now="2026-10-01 09:00")


@pytest.fixture
def hall_cli(hall):
    """``run(*args, at=UTC)``: a command as the dispatcher maria at a UTC moment; its output."""
    hall.add_user("maria")

    def run(*args, at: str) -> str:
        return hall.ok(*args, at=utc(at), actor="maria").output

    return run


def test_as_of_reproduces_every_earlier_list(hall_cli):
    run = hall_cli
    for i, card in enumerate(["101", "102", "103", "104", "105"]):
        run("member", "add", card, "--name", f"Member {card}", "--class", "JW", at="2026-10-01 14:00")
        run("sign", card, "JW-1", at=f"2026-10-0{i + 1} 15:00")
    run("employer", "add", "Acme Electric", at="2026-10-05 14:00")
    seen: dict[str, str] = {}
    seen["2026-10-05T16:00:00"] = run("list", "JW-1", "--json", at="2026-10-05 16:00")
    run("call", "add", "--employer", "Acme Electric", "--class", "JW", "--workers", "2",
        "--start", "2026-10-06 07:00", "--days", "5", at="2026-10-05 17:00")
    run("offer", "1", "101", "declined", at="2026-10-05 17:05")
    run("offer", "1", "102", "accepted", at="2026-10-05 17:10")
    seen["2026-10-05T17:30:00"] = run("list", "JW-1", "--json", at="2026-10-05 17:30")
    run("offer", "1", "103", "accepted", at="2026-10-05 17:40")
    # 103's short call ends: back at the original place.
    run("end", "103", "--reason", "laid_off", at="2026-10-09 22:00")
    seen["2026-10-09T23:00:00"] = run("list", "JW-1", "--json", at="2026-10-09 23:00")
    run("resign", "101", at="2026-10-20 15:00")
    run("resign", "103", at="2026-10-20 15:00")
    # 104 and 105 never re-sign: due Nov 3 / Nov 4, removed at closing (17:00 Chicago = 23:00 UTC).
    seen["2026-11-03T22:59:00"] = run("list", "JW-1", "--json", at="2026-11-03 22:59")
    seen["2026-11-03T23:30:00"] = run("list", "JW-1", "--json", at="2026-11-03 23:30")
    seen["2026-11-05T12:00:00"] = run("list", "JW-1", "--json", at="2026-11-05 12:00")

    for moment, then in seen.items():
        later = run("list", "JW-1", "--json", "--as-of", moment + "+00:00", at="2026-11-20 12:00")
        assert json.loads(later) == json.loads(then), moment

    cards = {m: [row["card"] for row in json.loads(out)] for m, out in seen.items()}
    assert cards["2026-10-05T17:30:00"] == ["101", "103", "104", "105"]
    assert cards["2026-10-09T23:00:00"] == ["101", "103", "104", "105"]
    assert cards["2026-11-03T22:59:00"] == ["101", "103", "104", "105"]
    assert cards["2026-11-03T23:30:00"] == ["101", "103", "105"]
    assert cards["2026-11-05T12:00:00"] == ["101", "103"]


def test_position_as_of(hall_cli):
    run = hall_cli
    for i, card in enumerate(["101", "102"]):
        run("member", "add", card, "--name", f"Member {card}", "--class", "JW", at="2026-10-01 14:00")
        run("sign", card, "JW-1", at=f"2026-10-0{i + 1} 15:00")
    before = run("position", "102", "--json", at="2026-10-03 12:00")
    run("employer", "add", "Acme Electric", at="2026-10-05 14:00")
    run("call", "add", "--employer", "Acme Electric", "--class", "JW", "--workers", "1",
        "--start", "2026-10-06 07:00", "--days", "30", at="2026-10-05 17:00")
    run("offer", "1", "101", "accepted", at="2026-10-05 17:05")
    assert json.loads(run("position", "102", "--json", at="2026-10-06 12:00"))["books"][0]["position"] == 1
    later = run("position", "102", "--json", "--as-of", "2026-10-03 07:00", at="2026-10-20 12:00")
    assert json.loads(later) == json.loads(before)
    assert json.loads(later)["books"][0]["position"] == 2


def test_as_of_in_the_future_is_refused(hall):
    result = hall.fails("list", "JW-1", "--as-of", "2026-10-09 12:00", at=utc("2026-10-02 12:00"))
    assert result.exit_code == 1
    assert "future" in result.output
