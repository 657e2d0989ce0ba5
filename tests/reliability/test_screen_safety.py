"""Names and notes with terminal control sequences never reach the screen as codes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from hall.clock import fixed, system_now
from hall.operations import accounts
from hall.session import Session
from hall.store import Store
from screens.text import clean, safe
from tests.conftest import ACTOR, Hall, type_text, unchanged
from tests.reliability.helpers import hall_with_members

EVIL = "\x1b[31mEvil\x1b[0m"
NASTY = [EVIL, "\x1b]0;pwned\x07", "\x1b[2J\x1b[H", "\x9b31m", "a\rb", "\x08\x08x", "\u202eevil", "\x00", "\x7f"]
CODES = ("\x1b", "\x07", "\x9b", "\u202e", "&#27;", "&#x1b;", "&#x1B;", "&#155;")


@pytest.mark.parametrize("text", NASTY)
def test_clean_and_safe_strip_control_characters(text):
    for shown in (clean(text), safe(text).plain):
        assert all(ch.isprintable() for ch in shown), repr(shown)
        assert "\x1b" not in shown


def test_the_cli_refuses_an_escape_in_a_name(tmp_path: Path):
    db = tmp_path / "hall.db"
    hall_with_members(db, members_count=1, employers_count=1)
    cli = Hall(db, clock=system_now)
    cli.token("tester")
    with unchanged(db):
        result = cli.run("member", "add", "666", "--name", EVIL, "--class", "JW")
    assert result.exit_code == 1 and "control character" in result.stderr
    assert "\x1b" not in result.output


@pytest.fixture
def evil_hall(tmp_path: Path) -> Path:
    """A hall whose records hold escape codes anyway (an old import, an edit behind hall's back)."""
    db = tmp_path / "hall.db"
    hall_with_members(db, members_count=3, employers_count=1)
    store = Store(db)
    accounts.add_user(store, "admin", "admin-pass-1", "admin", actor=ACTOR)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("INSERT INTO members (card, name, phone, created_at) VALUES ('EVIL1', ?, '', '2020-01-01T00:00:00Z')",
                 [EVIL])
    conn.execute("INSERT INTO member_classes (card, classification) VALUES ('EVIL1', 'JW')")
    conn.execute("INSERT INTO registrations (card, book_id, registered_at, last_signed_at)"
                 " VALUES ('EVIL1', 'JW-1', '2020-01-01T00:00:00Z', ?)", [system_now().strftime("%Y-%m-%dT%H:%M:%SZ")])
    conn.execute("UPDATE employers SET name = ? WHERE id = 1", ["\x1b]0;pwned\x07Acme\x1b[5m"])
    conn.close()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("INSERT INTO calls (employer_id, classification, workers, start_at, duration_days, notes,"
                 " taken_by, taken_at) VALUES (1, 'JW', 1, ?, 5, ?, 't', ?)",
                 [system_now().strftime("%Y-%m-%dT%H:%M:%SZ"), "\x1b[2Jnotes",
                  system_now().strftime("%Y-%m-%dT%H:%M:%SZ")])
    conn.close()
    return db


def assert_no_codes(svg: str, where: str) -> None:
    for code in CODES:
        assert code not in svg, f"{code!r} reached the {where}"


async def test_escape_codes_in_records_do_not_reach_the_screen(evil_hall: Path, wait_for_workers):
    from screens.app import HallApp

    store = Store(evil_hall)
    app = HallApp(store, clock=fixed(system_now()), poll=False)
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.pause()
        user = accounts.login(app.store, "admin", "admin-pass-1")
        app.logged_in(Session(app.store, user))
        await wait_for_workers(app, pilot)
        board = app.export_screenshot()
        assert "Evil" in board, "the member at the top of JW-1 should be on the board"
        assert_no_codes(board, "board")

        app.action_member(None)
        await wait_for_workers(app, pilot)
        find = app.screen.query_one("#member-find")
        find.focus()
        await type_text(pilot, "Evil")
        await wait_for_workers(app, pilot)
        search = app.export_screenshot()
        assert "Evil" in search, "the search should list the member"
        assert_no_codes(search, "member search")

        app.action_member("EVIL1")
        await wait_for_workers(app, pilot)
        card = app.export_screenshot()
        assert "Evil" in card
        assert_no_codes(card, "member screen")
