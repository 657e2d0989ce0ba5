"""The member kiosk: card plus phone digits, read-only, no way to staff screens, clears when idle."""

from __future__ import annotations

import sqlite3
import string
from datetime import date
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from hall import load
from hall.queries.books import book_list
from hall.clock import fixed
from hall.operations.members import phone_last4
from hall.store import Store
from screens.kiosk import KioskApp, KioskScreen
from tests.conftest import unchanged
from tests.screens.conftest import FIXED_NOW, type_text, wait_for_workers

SIZE = (110, 40)


def first_waiting(path: Path, book: str = "JW-1") -> tuple[str, str, int, int]:
    """(card, last four phone digits, position, of) of someone waiting on ``book``."""
    store = Store(path, clock=fixed(FIXED_NOW))
    with store.read() as db:
        _, rules = store.rules(db)
        rows = book_list(db, book, rules, FIXED_NOW)
        for row in rows[1:]:
            phone = load.member(db, row.card).phone
            if len(phone_last4(phone)) == 4:
                return row.card, phone_last4(phone), row.position, len(rows)
    raise AssertionError("no member with a phone on the book")


def resign_due(path: Path, card: str, book: str = "JW-1") -> date:
    """When the member's registration on ``book`` must be re-signed."""
    from dispatch import calendar

    store = Store(path, clock=fixed(FIXED_NOW))
    with store.read() as db:
        _, rules = store.rules(db)
        registration = next(r for r in load.registrations_of(db, card) if r.book_id == book)
    return calendar.resign_due(registration, rules)


def kiosk(path: Path) -> KioskApp:
    return KioskApp(Store(path), clock=fixed(FIXED_NOW))


def shown_text(app: KioskApp) -> str:
    screen = app.kiosk_screen
    return "\n".join(str(w.content) for w in screen.query("#kiosk-result Static"))


def message(app: KioskApp) -> str:
    return str(app.kiosk_screen.query_one("#kiosk-message", Static).content)


async def look_up(app, pilot, card: str, digits: str) -> None:
    screen = app.kiosk_screen
    screen.query_one("#kiosk-card", Input).focus()
    screen.query_one("#kiosk-card", Input).value = ""
    await type_text(pilot, card)
    await pilot.press("enter")
    if digits:
        await type_text(pilot, digits)
    await pilot.press("enter")
    await wait_for_workers(app, pilot)


async def test_right_digits_show_the_position(demo_hall):
    card, digits, position, of = first_waiting(demo_hall)
    app = kiosk(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await look_up(app, pilot, card, digits)
        assert app.showing == card
        text = shown_text(app)
        assert f"position {position} of {of}" in text
        assert f"{position - 1} ahead of you" in text
        assert "Open calls you qualify for today" in text
        due = resign_due(demo_hall, card)  # nobody is overdue in the demo at 07:30
        assert f"Re-sign by {due:%a} {due.day} {due:%b}" in text and "Re-sign was due" not in text
        # The digits typed are not left on the screen.
        assert app.kiosk_screen.query_one("#kiosk-secret", Input).value == ""


async def test_wrong_digits_are_refused_and_show_nothing(demo_hall):
    card, digits, _, _ = first_waiting(demo_hall)
    wrong = "".join(str((int(d) + 1) % 10) for d in digits)
    app = kiosk(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await look_up(app, pilot, card, wrong)
        assert app.showing is None
        assert shown_text(app) == ""
        assert "do not match" in message(app)


async def test_the_card_alone_shows_nothing(demo_hall):
    card, _, _, _ = first_waiting(demo_hall)
    app = kiosk(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await look_up(app, pilot, card, "")
        assert app.showing is None
        assert shown_text(app) == ""


async def test_an_unknown_card_is_refused_like_wrong_digits(demo_hall):
    app = kiosk(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await look_up(app, pilot, "999999", "1234")
        assert app.showing is None
        assert "do not match" in message(app)


async def test_three_misses_make_the_kiosk_wait(demo_hall):
    card, digits, _, _ = first_waiting(demo_hall)
    app = kiosk(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(3):
            await look_up(app, pilot, card, "0000" if digits != "0000" else "1111")
        assert "wait" in message(app)
        # Even the right digits are not looked up while waiting.
        await look_up(app, pilot, card, digits)
        assert app.showing is None
        assert "Too many tries" in message(app)
        app.wait_until = 0
        await look_up(app, pilot, card, digits)
        assert app.showing == card


def test_the_kiosk_connection_cannot_write(demo_hall):
    store = Store(demo_hall)
    with store.read_only() as db:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            db.execute("INSERT INTO employers (name, phone, created_at) VALUES ('X', '', '2026-01-01T00:00:00Z')")


@pytest.mark.slow
async def test_no_key_leads_to_a_staff_screen_or_writes(demo_hall):
    card, digits, _, _ = first_waiting(demo_hall)
    app = kiosk(demo_hall)
    keys = list(string.ascii_lowercase) + [f"ctrl+{c}" for c in string.ascii_lowercase] + [
        "ctrl+p", "escape", "f1", "tab", "shift+tab", "question_mark", "colon", "slash", "plus",
    ]
    with unchanged(demo_hall):  # the kiosk writes nothing, whatever is pressed
        async with app.run_test(size=SIZE) as pilot:
            await look_up(app, pilot, card, digits)
            assert app.showing == card
            for where in ("card", "result"):
                if where == "card":
                    app.kiosk_screen.query_one("#kiosk-card", Input).focus()
                else:
                    app.kiosk_screen.query_one("#kiosk-result").focus()
                for key in keys:
                    await pilot.press(key)
                    await wait_for_workers(app, pilot)
                    assert isinstance(app.screen, KioskScreen), f"{key} opened {app.screen!r}"
                    assert len(app.screen_stack) == 2, f"{key} pushed {app.screen_stack!r}"
            assert app.is_running


async def test_it_clears_itself_when_idle(demo_hall):
    card, digits, _, _ = first_waiting(demo_hall)
    app = kiosk(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await look_up(app, pilot, card, digits)
        assert app.showing == card
        idle = app.rules.kiosk.idle_seconds
        assert idle == 30
        assert app.idle_check(now=app.last_activity + idle - 1) is False
        assert app.showing == card
        assert app.idle_check(now=app.last_activity + idle) is True
        await pilot.pause()
        assert app.showing is None
        assert shown_text(app) == ""
        assert app.kiosk_screen.query_one("#kiosk-card", Input).value == ""


def test_snapshot_member_shown(demo_hall, snap_compare):
    card, digits, _, _ = first_waiting(demo_hall)
    app = kiosk(demo_hall)

    async def run_before(pilot):
        await look_up(app, pilot, card, digits)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
