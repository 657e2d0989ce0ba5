"""The admin screen (ctrl+r or the command palette): staff accounts and the rules, admin only;
asserted on the database. Also the kiosk's notice of coming rule changes."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from textual.widgets import DataTable, Static, TextArea

from hall.operations import accounts
from hall.session import Session
from hall.store import Store
from screens.admin import AdminScreen
from screens.board import BoardScreen
from screens.widgets.dialogs import ChoiceDialog, ConfirmDialog
from screens.widgets.forms import FormDialog
from tests.screens.conftest import (
    ADMIN,
    FIXED_NOW,
    MARIA,
    audit_actions,
    audit_head,
    login,
    make_app,
    type_text,
    wait_for_workers,
)

SIZE = (140, 40)


def _rows(path, sql: str, *args) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def _rules_text(path) -> str:
    """The rules in force in the demo hall: its second rule set (it adopted the morning dispatch)."""
    return _rows(path, "SELECT text FROM rulesets ORDER BY effective_at DESC, id DESC LIMIT 1")[0][0]


DEMO_RULESETS = [(2,)]  # the demo's rules as made, and the morning dispatch adopted


async def _admin(pilot, app, user=ADMIN, tab: str = "1") -> AdminScreen:
    await login(pilot, app, *user)
    await pilot.press("ctrl+r")
    await wait_for_workers(app, pilot)
    await pilot.press(tab)
    await wait_for_workers(app, pilot)
    screen = app.screen
    assert isinstance(screen, AdminScreen)
    return screen


def _message(screen) -> str:
    return str(screen.query_one("#admin-message", Static).render())


async def _load_rules(pilot, app, path, effective: str, urgent: str = "") -> None:
    """f, then the form: path, effective (replacing the offered date), urgent reason."""
    await pilot.press("f")
    await pilot.pause()
    form = app.screen
    assert isinstance(form, FormDialog)
    form.query_one("#field-path").value = str(path)
    form.query_one("#field-effective").value = effective
    form.query_one("#field-urgent").focus()
    if urgent:
        await type_text(pilot, urgent)
    await pilot.press("enter")
    await wait_for_workers(app, pilot)


async def test_an_admin_adds_a_dispatcher_and_disables_it(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _admin(pilot, app, tab="2")
        table = screen.query_one("#staff-table", DataTable)
        assert {table.get_row_at(i)[0] for i in range(table.row_count)} == {"admin", "dwayne", "maria"}
        await pilot.press("plus")
        await pilot.pause()
        assert isinstance(app.screen, FormDialog)
        assert app.screen.query_one("#field-password").password  # never shown
        await type_text(pilot, "jo")
        await pilot.press("enter")
        await type_text(pilot, "night-shift-1")
        await pilot.press("enter")
        await type_text(pilot, "night-shift-1")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("1")  # dispatcher
        await wait_for_workers(app, pilot)
        assert _message(screen).startswith("Added dispatcher account jo.")
        assert _rows(demo_hall, "SELECT role, disabled FROM users WHERE name = 'jo'") == [("dispatcher", 0)]

        table.move_cursor(row=table.get_row_index("jo"))
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("enter")
        await wait_for_workers(app, pilot)
        assert _message(screen).startswith("Disabled jo.")

    assert _rows(demo_hall, "SELECT role, disabled FROM users WHERE name = 'jo'") == [("dispatcher", 1)]
    assert [e["actor"] for e in audit_actions(demo_hall, action="user.added")][-1] == "admin"
    assert audit_actions(demo_hall, action="user.disabled")[-1]["data"] == {
        "user": "jo", "revoked": {"tokens": 0, "sessions": 0}, "writes": [["update", "users", "jo", {"disabled": 1}]]}
    store = Store(demo_hall, clock=lambda: FIXED_NOW)
    try:
        accounts.login(store, "jo", "night-shift-1")
    except Exception as error:
        assert str(error) == "The account jo is disabled."
    else:
        raise AssertionError("a disabled account logged in")


async def test_passwords_that_differ_save_nothing(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _admin(pilot, app, tab="2")
        head = audit_head(demo_hall)
        await pilot.press("plus")
        await pilot.pause()
        await type_text(pilot, "jo")
        await pilot.press("enter")
        await type_text(pilot, "night-shift-1")
        await pilot.press("enter")
        await type_text(pilot, "night-shift-2")
        await pilot.press("enter")
        await wait_for_workers(app, pilot)
        assert app.screen is screen
        assert _message(screen) == "The two passwords differ: nothing was saved."
    assert audit_head(demo_hall) == head
    assert _rows(demo_hall, "SELECT 1 FROM users WHERE name = 'jo'") == []


async def test_a_dispatcher_cannot_open_the_admin_screens(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, app, *MARIA)
        head = audit_head(demo_hall)
        await pilot.press("ctrl+r")
        await wait_for_workers(app, pilot)
        assert isinstance(app.screen, BoardScreen)
        app.action_admin("staff")  # as the command palette does
        await wait_for_workers(app, pilot)
        assert isinstance(app.screen, BoardScreen)
        sentence = "Only an admin can open the rules and staff accounts."
        assert [n.message for n in app._notifications] == [sentence, sentence]
    # Each refusal is recorded (who tried what), and nothing else.
    tried = audit_actions(demo_hall, after_seq=head)
    assert [(e["actor"], e["action"], e["data"]["operation"]) for e in tried] == [
        ("maria", "access.refused", "access.check_administrator")] * 2


async def test_the_palette_offers_the_admin_screens(demo_hall):
    from screens.commands import SCREENS

    names = [name for name, _, _ in SCREENS]
    assert "Rules (admin)" in names and "Staff accounts (admin)" in names
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, app, *ADMIN)
        from screens.commands import HallCommands

        provider = HallCommands(app.screen)
        provider._screen_command("action_admin_staff")()
        await wait_for_workers(app, pilot)
        assert isinstance(app.screen, AdminScreen) and app.screen.tab == "staff"


async def test_the_rules_screen_shows_the_text_in_force_and_the_changes_coming(demo_hall, tmp_path):
    store = Store(demo_hall, clock=lambda: FIXED_NOW)
    admin = Session(store, accounts.login(store, *ADMIN))
    text = _rules_text(demo_hall)
    admin.set_rules(text.replace("days = 30", "days = 45", 1), FIXED_NOW + timedelta(days=10))
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _admin(pilot, app)
        assert screen.query_one("#rules-text", TextArea).text == text
        assert screen.query_one("#rules-text", TextArea).read_only
        upcoming = str(screen.query_one("#rules-upcoming", Static).render())
        assert "resign.days: 30 → 45" in upcoming and "Sun 6 Dec" in upcoming


async def test_a_rules_file_with_an_unknown_key_is_refused_naming_the_key(demo_hall, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(_rules_text(demo_hall).replace("[hall]\n", "[hall]\nclosing_tme = \"17:00\"\n", 1))
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _admin(pilot, app)
        head = audit_head(demo_hall)
        await _load_rules(pilot, app, bad, "2026-12-20 00:00")
        assert app.screen is screen  # no confirmation: nothing to adopt
        message = _message(screen)
        assert message.startswith("The rules file is not valid") and "closing_tme" in message
        assert "\n" not in message
    assert audit_head(demo_hall) == head
    assert _rows(demo_hall, "SELECT count(*) FROM rulesets") == DEMO_RULESETS


async def test_a_change_inside_the_notice_needs_an_urgent_reason(demo_hall, tmp_path):
    good = tmp_path / "rules-2027.toml"
    good.write_text(_rules_text(demo_hall).replace("days = 30", "days = 45", 1))
    soon = "2026-11-28 00:00"  # two days ahead; the notice is 7 days
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _admin(pilot, app)
        head = audit_head(demo_hall)
        await _load_rules(pilot, app, good, soon)
        assert app.screen is screen
        assert _message(screen).startswith("Rule changes need 7 days' notice")
        assert audit_head(demo_hall) == head
        assert _rows(demo_hall, "SELECT count(*) FROM rulesets") == DEMO_RULESETS

        await _load_rules(pilot, app, good, soon, urgent="court order 2026-31")
        confirm = app.screen
        assert isinstance(confirm, ConfirmDialog)
        sentence = str(confirm.query_one("#confirm-sentence", Static).render())
        assert "urgent: court order 2026-31" in sentence and "resign.days: 30 → 45" in sentence
        await pilot.press("enter")
        await wait_for_workers(app, pilot)
        assert _message(screen).startswith("New rules take effect Sat 28 Nov 00:00.")
        assert "court order 2026-31" in str(screen.query_one("#rules-upcoming", Static).render())

    rows = _rows(demo_hall, "SELECT created_by, urgent_reason FROM rulesets ORDER BY id")
    assert rows[-1] == ("admin", "court order 2026-31") and len(rows) == 3
    entry = audit_actions(demo_hall, action="rules.changed")[-1]
    assert entry["data"]["changes"] == ["resign.days: 30 → 45"]


async def test_the_kiosk_shows_the_rules_changing(demo_hall):
    from screens.kiosk import KioskApp

    store = Store(demo_hall, clock=lambda: FIXED_NOW)
    admin = Session(store, accounts.login(store, *ADMIN))
    admin.set_rules(_rules_text(demo_hall).replace("days = 30", "days = 45", 1), FIXED_NOW + timedelta(days=10))
    app = KioskApp(Store(demo_hall), clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        notice = app.screen.query_one("#kiosk-notices", Static)
        assert notice.display
        assert str(notice.render()) == "! rules change on Sun 6 Dec: resign.days: 30 → 45"
