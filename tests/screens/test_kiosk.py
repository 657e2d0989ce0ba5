"""The member kiosk: card plus PIN, reads over a read-only connection, misses counted in the database,
re-sign (F2) and PIN change (F3) as the member, no way to staff screens, clears when idle."""

from __future__ import annotations

import sqlite3
import string
from datetime import date
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from hall import audit, load
from hall.clock import fixed
from hall.demo import DEMO_PIN, DEMO_PIN_CARDS
from hall.queries.books import book_list
from hall.operations.rules import set_rules
from hall.store import Store
from screens.kiosk import KioskApp, KioskScreen
from tests.conftest import ADMIN, SettableClock, unchanged
from tests.screens.conftest import FIXED_NOW, audit_actions, audit_head, type_text, wait_for_workers

SIZE = (110, 40)


def first_waiting(path: Path, book: str = "JW-1") -> tuple[str, str, int, int]:
    """(card, PIN, position, of) of a member with a kiosk PIN waiting on ``book`` (the demo's)."""
    store = Store(path, clock=fixed(FIXED_NOW))
    with store.read() as db:
        _, rules = store.rules(db)
        rows = book_list(db, book, rules, FIXED_NOW)
    for row in rows:
        if row.card in DEMO_PIN_CARDS:
            return row.card, DEMO_PIN, row.position, len(rows)
    raise AssertionError(f"no member with a PIN on {book}")


def resign_due(path: Path, card: str, book: str = "JW-1") -> date:
    """When the member's registration on ``book`` must be re-signed."""
    from dispatch import calendar

    store = Store(path, clock=fixed(FIXED_NOW))
    with store.read() as db:
        _, rules = store.rules(db)
        registration = next(r for r in load.registrations_of(db, card, active_only=True) if r.book_id == book)
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


async def test_card_and_pin_show_the_position(demo_hall):
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


async def test_a_wrong_pin_is_refused_shows_nothing_and_is_counted_without_the_digits(demo_hall):
    card, pin, _, _ = first_waiting(demo_hall)
    wrong = "".join(str((int(d) + 1) % 10) for d in pin)
    before = audit_head(demo_hall)
    app = kiosk(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await look_up(app, pilot, card, wrong)
        assert app.showing is None and app.member is None
        assert shown_text(app) == ""
        assert "do not match" in message(app)
    (miss,) = audit_actions(demo_hall, after_seq=before)
    assert (miss["actor"], miss["action"], miss["data"]) == (
        "unknown", "member.check_failed",
        {"card": card, "why": "wrong digits", "misses": 1, "locked_until": None,
         "writes": [["insert", "kiosk_misses", {"card": card, "misses": 1, "locked_until": None}]]})
    assert wrong not in str(miss)


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


async def test_misses_lock_the_card_for_every_kiosk_until_the_time_is_up(demo_hall):
    card, pin, _, _ = first_waiting(demo_hall)
    clock = SettableClock(FIXED_NOW)
    first = KioskApp(Store(demo_hall), clock=clock)
    async with first.run_test(size=SIZE) as pilot:
        for n in range(5):
            await look_up(first, pilot, card, "0000")
        assert "Too many wrong tries for this card: try again in 15 minutes" in message(first)
        # Even the right PIN is not checked while locked.
        await look_up(first, pilot, card, pin)
        assert first.showing is None and "Too many wrong tries" in message(first)
    # Another kiosk (a restart, the web later) finds the card locked too: the count is in the database.
    second = KioskApp(Store(demo_hall), clock=clock)
    async with second.run_test(size=SIZE) as pilot:
        await look_up(second, pilot, card, pin)
        assert second.showing is None and "Too many wrong tries" in message(second)
        clock.advance(minutes=15)
        await look_up(second, pilot, card, pin)
        assert second.showing == card
    locked = [e["data"] for e in audit_actions(demo_hall, action="member.check_failed")]
    assert [d["misses"] for d in locked] == [1, 2, 3, 4, 5] and locked[-1]["locked_until"] is not None


def test_the_kiosk_connection_cannot_write(demo_hall):
    store = Store(demo_hall)
    with store.read_only() as db:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            db.execute("INSERT INTO employers (name, phone, created_at) VALUES ('X', '', '2026-01-01T00:00:00Z')")


@pytest.mark.slow
async def test_no_key_leads_to_a_staff_screen_or_writes(demo_hall):
    """Apart from the member's own F2 (re-sign, confirmed) and F3 (PIN change), no key does anything."""
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


async def test_f2_re_signs_as_the_member_by_kiosk(demo_hall):
    card, pin, position, _ = first_waiting(demo_hall)
    before = audit_head(demo_hall)
    app = kiosk(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await look_up(app, pilot, card, pin)
        assert app.member is not None and app.member.text == f"member:{card}"
        await pilot.press("f2")
        await pilot.pause()
        assert app.screen.id == "kiosk-resign-dialog"
        await pilot.press("enter")
        await wait_for_workers(app, pilot)
        assert "re-signed JW-1" in message(app) and "Receipt #" in message(app)
        assert f"position {position} of" in shown_text(app)  # the place is kept
    (entry,) = audit_actions(demo_hall, after_seq=before)
    assert (entry["actor"], entry["action"], entry["data"]["via"]) == (
        f"member:{card}", "registration.resigned", "kiosk")


async def test_f3_changes_the_pin_and_the_old_one_stops_working(demo_hall):
    card, pin, _, _ = first_waiting(demo_hall)
    app = kiosk(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await look_up(app, pilot, card, pin)
        await pilot.press("f3")
        await pilot.pause()
        for typed in (pin, "97531", "97531"):
            await type_text(pilot, typed)
            await pilot.press("enter")
        await wait_for_workers(app, pilot)
        assert "Your PIN is changed" in message(app)
        await pilot.press("escape")
        await look_up(app, pilot, card, pin)
        assert app.showing is None
        await look_up(app, pilot, card, "97531")
        assert app.showing == card
    changed = audit_actions(demo_hall, action="member.pin_changed")
    assert [(e["actor"], e["data"]) for e in changed] == [
        (f"member:{card}", {"card": card, "via": "kiosk", "writes": [["update", "members", card, {"pin_hash": "(hash)"}]]})]


async def test_a_phone_digits_kiosk_looks_up_but_offers_no_changes(demo_hall):
    """kiosk.auth = "phone4": the last four phone digits show the standing; F2 and F3 do nothing."""
    store = Store(demo_hall, clock=fixed(FIXED_NOW))
    text = '[hall]\nname = "IBEW Local 999"\ntimezone = "America/Chicago"\n[kiosk]\nauth = "phone4"\n'
    set_rules(store, text, FIXED_NOW, actor=ADMIN, urgent_reason="the PIN letters have not gone out yet")
    with Store(demo_hall).read() as db:
        phone = load.member(db, "1042").phone
    app = kiosk(demo_hall)
    with unchanged(demo_hall):
        async with app.run_test(size=SIZE) as pilot:
            assert "Last 4 of your phone" in str(app.kiosk_screen.query_one("#kiosk-secret-label", Static).content)
            await look_up(app, pilot, "1042", "".join(c for c in phone if c.isdigit())[-4:])
            assert app.showing == "1042" and app.member is None
            for key in ("f2", "f3", "enter"):
                await pilot.press(key)
                await wait_for_workers(app, pilot)
            assert isinstance(app.screen, KioskScreen)
