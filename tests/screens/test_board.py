"""The board: what it shows on the demo hall, refreshing when another terminal commits, and its snapshot."""

from __future__ import annotations

import asyncio

from textual.widgets import DataTable, Static

from hall.queries.books import book_counts
from hall.queries.calls import calls as open_call_rows
from hall.clock import fixed
from hall.operations import registrations
from hall.store import Store
from screens.board import BoardScreen
from screens.text import fit
from tests.screens.conftest import FIXED_NOW, MARIA, audit_head, login, make_app, settle, wait_for_workers
from tests.conftest import DWAYNE as DWAYNE_ACTOR

SIZE = (140, 40)


def cells(table: DataTable) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def book_lines(screen) -> dict[str, str]:
    lines = {}
    for row in screen.query(".book-row"):
        text = " ".join(str(w.render()) for w in row.query(Static))
        lines[text.split()[0]] = text
    return lines


def status(screen) -> str:
    return str(screen.query_one("#board-status", Static).render())


async def test_the_board_shows_the_demo_halls_day(demo_hall):
    store = Store(demo_hall, clock=fixed(FIXED_NOW))
    with store.read() as db:
        _, rules = store.rules(db)
        open_calls = open_call_rows(db, open_only=True)
        counts = book_counts(db, rules, FIXED_NOW)
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, app, *MARIA)
        screen = app.screen
        assert isinstance(screen, BoardScreen)

        calls = screen.query_one("#calls-table", DataTable)
        rows = cells(calls)
        assert [r[0] for r in rows] == [f"#{c['id']}" for c in open_calls]
        assert len(rows) == 5  # a call whose declines don't count, and Acme's posted for tomorrow's selection
        by_id = {r[0]: r for r in rows}
        for c in open_calls:
            row = by_id[f"#{c['id']}"]
            assert row[1] == fit(c["employer"], screen._flex["employer"])
            assert row[2] == f"{c['class']} ×{c['workers']}"
            assert row[3] == f"{c['accepted']} of {c['workers']}"
        # tomorrow morning, in Chicago: within the week the weekday says the day
        assert by_id["#15"][4] == "Fri 07:00" and by_id["#13"][4] == "Fri 06:30"
        assert by_id["#15"][1] == "Summit Industrial Ser…"  # cut with a sign, not silently
        assert str(screen.query_one("#calls-title").render()) == (
            "OPEN CALLS (5) · declines don't count on #16\nselection Fri 07:00: 1 posted, 3 bids (b)")

        books = book_lines(screen)
        assert list(books) == ["JW-1", "JW-2", "JW-3", "JW-4", "AP-1"]
        for book, line in books.items():
            assert f" {counts[book]} " in f" {line} ", line
        # The member at the top of each book is named.
        assert "Kevin Murphy" in books["JW-1"]
        assert "Inside Wireman II " in books["JW-2"]  # not cut to look like JW-1's name

        resign = cells(screen.query_one("#resign-table", DataTable))
        due = {r[0]: r for r in resign}
        assert due["3045"][1] == "Dustin Kraus"  # signed on day one, never re-signed
        assert due["3045"][-1].startswith("!")  # a warning word, not colour alone
        assert "RE-SIGN DUE THIS WEEK" in str(screen.query_one("#resign-title").render())

        certs = cells(screen.query_one("#certs-table", DataTable))
        by_card = {r[0]: r for r in certs}
        assert by_card["1164"][2] == "Confined Space"
        assert by_card["1164"][3].startswith("! expired")  # 12 days ago: a sign and a word, not colour alone
        assert by_card["1126"][2] == "First Aid/CPR" and "expired" not in by_card["1126"][3]
        assert "1042" not in by_card  # his expire in 240 days or more

        seq = audit_head(demo_hall)
        assert status(screen).startswith(f"audit #{seq} ")


async def test_the_board_refreshes_when_another_terminal_commits(demo_hall, monkeypatch):
    app = make_app(demo_hall, poll=True)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, app, *MARIA)
        screen = app.screen
        calls = screen.query_one("#calls-table", DataTable)
        calls.move_cursor(row=2)
        kept = calls.coordinate_to_cell_key(calls.cursor_coordinate).row_key.value
        jw1 = book_lines(screen)["JW-1"]
        head = audit_head(demo_hall)
        noticed = asyncio.Event()
        refresh = screen.data_changed

        def refresh_and_tell() -> None:
            refresh()
            noticed.set()

        monkeypatch.setattr(screen, "data_changed", refresh_and_tell)

        # Another terminal signs a member on JW-1 (its own connection, its own process's view).
        other = Store(demo_hall, clock=fixed(FIXED_NOW))
        await asyncio.to_thread(registrations.sign, other, "1008", "JW-1", actor=DWAYNE_ACTOR)
        await asyncio.wait_for(noticed.wait(), timeout=10)  # the app's poller noticed the commit
        await wait_for_workers(app, pilot)
        assert status(screen).startswith(f"audit #{head + 1} ")
        assert book_lines(screen)["JW-1"] != jw1
        with Store(demo_hall).read() as db:
            _, rules = other.rules(db)
            assert f" {book_counts(db, rules, FIXED_NOW)['JW-1']} " in f" {book_lines(screen)['JW-1']} "
        # The cursor stayed on the same call.
        assert calls.coordinate_to_cell_key(calls.cursor_coordinate).row_key.value == kept


async def test_without_changes_the_board_does_not_reload(demo_hall, monkeypatch):
    """The poll reads PRAGMA data_version only: no reload (and no busy loop) while nothing changes."""
    app = make_app(demo_hall, poll=True)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, app, *MARIA)
        reloads = []
        monkeypatch.setattr(app.screen, "reload", lambda: reloads.append(1))
        for _ in range(3):
            app._poll()
            await pilot.pause()
        assert reloads == []


async def test_enter_on_a_call_opens_it_for_dispatch(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, app, *MARIA)
        calls = app.screen.query_one("#calls-table", DataTable)
        calls.move_cursor(row=1)
        key = calls.coordinate_to_cell_key(calls.cursor_coordinate).row_key.value
        await pilot.press("enter")
        await wait_for_workers(app, pilot)
        from screens.dispatch import DispatchScreen

        assert isinstance(app.screen, DispatchScreen)
        assert app.screen.call_id == int(key)
        await pilot.press("escape")
        await wait_for_workers(app, pilot)
        assert isinstance(app.screen, BoardScreen)


def test_snapshot_board(demo_hall, snap_compare):
    """The board on the demo hall at 07:30 on Thu 26 Nov 2026, maria logged in."""
    app = make_app(demo_hall)

    async def run_before(pilot):
        await login(pilot, pilot.app, *MARIA)
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_snapshot_login(demo_hall, snap_compare):
    """The log-in screen after a wrong password."""
    app = make_app(demo_hall)

    async def run_before(pilot):
        await login(pilot, pilot.app, "maria", "wrong-guess")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(100, 30), run_before=run_before)


def test_snapshot_lock(demo_hall, snap_compare):
    """The lock screen over the board."""
    app = make_app(demo_hall)

    async def run_before(pilot):
        await login(pilot, pilot.app, *MARIA)
        await pilot.press("ctrl+l")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(100, 30), run_before=run_before)
