"""The audit screen: filters, the entry in full, verification (and a tampered log)."""

from __future__ import annotations

import sqlite3
import threading

from textual.widgets import DataTable, ProgressBar

from hall import audit
from hall.store import Store
from hall.views import audit as audit_view
from screens.audit import AuditScreen
from tests.conftest import unchanged
from tests.screens.conftest import MARIA, login, make_app, type_text, wait_for_workers

SIZE = (140, 42)


async def open_audit(app, pilot):
    await login(pilot, app, *MARIA)
    await pilot.press("a")
    await wait_for_workers(app, pilot)
    assert isinstance(app.screen, AuditScreen)


def status(app) -> str:
    return str(app.screen.query_one("#verify-status").content)


async def test_filter_by_card_shows_only_that_members_entries(demo_hall):
    with Store(demo_hall).read() as db:
        expected = [e["seq"] for e in audit.entries(db, card="1268")]
    assert expected
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await open_audit(app, pilot)
        await pilot.press("slash")
        await type_text(pilot, "1268")
        await wait_for_workers(app, pilot)
        table = app.screen.query_one("#audit-table", DataTable)
        shown = [int(table.get_row_at(i)[0].lstrip("#")) for i in range(table.row_count)]
        assert shown == expected
        assert all(app.screen.entries[s]["data"].get("card") == "1268" for s in shown)


async def test_action_filter_takes_a_subject_prefix(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await open_audit(app, pilot)
        app.screen.query_one("#filter-action").value = "offer"
        await wait_for_workers(app, pilot)
        actions = {e["action"] for e in app.screen.entries.values()}
        assert actions == {"offer.recorded"}


async def test_pages_load_as_the_cursor_goes_down(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await open_audit(app, pilot)
        table = app.screen.query_one("#audit-table", DataTable)
        first = table.row_count
        assert first == 200  # the demo has more than a page
        table.move_cursor(row=first - 1)
        await wait_for_workers(app, pilot)
        head = audit_count(demo_hall)
        assert table.row_count == head
        assert min(app.screen.entries) == 1


def audit_count(path) -> int:
    with Store(path).read() as db:
        return db.execute("SELECT count(*) FROM audit").fetchone()[0]


async def test_verify_shows_success(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await open_audit(app, pilot)
        await pilot.press("v")
        await wait_for_workers(app, pilot)
        with Store(demo_hall).read() as db:
            seq, digest = audit.head(db)
        assert status(app) == (f"Chain verified: {seq:,} entries · head {seq}:{digest[:4]}…{digest[-4:]} · "
                               f"the records match the log ({seq:,} entries replayed)")
        assert not app.screen.query_one("#verify-progress", ProgressBar).display


async def test_verify_names_the_tampered_entry(demo_hall):
    conn = sqlite3.connect(demo_hall)
    conn.execute("DROP TRIGGER IF EXISTS audit_no_update")
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit'"):
        conn.execute(f'DROP TRIGGER "{name}"')
    conn.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 57")
    conn.commit()
    conn.close()
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await open_audit(app, pilot)
        await pilot.press("v")
        await wait_for_workers(app, pilot)
        assert status(app).startswith("! Chain broken at entry 57")


async def test_verify_replays_the_log_and_names_a_direct_edit(demo_hall):
    conn = sqlite3.connect(demo_hall)
    conn.execute("UPDATE users SET role = 'admin' WHERE name = 'dwayne'")
    conn.commit()
    conn.close()
    added = next(e["seq"] for e in audit_entries(demo_hall) if e["action"] == "user.added"
                 and e["data"]["user"] == "dwayne")
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await open_audit(app, pilot)
        with unchanged(demo_hall):
            await pilot.press("v")
            await wait_for_workers(app, pilot)
        assert status(app).startswith("! The records differ from the log: user dwayne: role admin in the table, "
                                      f"dispatcher in the log (entry {added}). (chain verified: ")
        assert str(added) not in app.screen.query_one("#audit-table", DataTable).rows  # far down the log...
        shown = entry_shown(app)  # ...so it is shown in full beside the list
        assert f"#{added}" in shown and "user.added" in shown
        assert "insert users dwayne: " in shown and "password_hash (hash)" in shown and "$argon2" not in shown
        await pilot.press("down")
        assert f"#{added}" not in entry_shown(app)  # the cursor's entry again


def entry_shown(app) -> str:
    from rich.console import Console

    console = Console(width=200, record=True, file=__import__("io").StringIO())
    console.print(app.screen.query_one("#audit-entry").content)
    return console.export_text()


def audit_entries(path) -> list[dict]:
    with Store(path).read() as db:
        return audit.entries(db, newest_first=False)


async def test_escape_while_verifying_stops_harmlessly(demo_hall, monkeypatch):
    """Esc while the chain is being verified stops it (nothing written, the screen stays); the next
    Esc goes back. The verification is held until Esc was pressed, as a long one would be."""
    pressed = threading.Event()
    real_verify = audit_view.verify

    def held_until_escape(store, progress=None, cancelled=None, stage=None):
        def stop_asked() -> bool:
            assert pressed.wait(timeout=20), "the test never pressed escape"
            return cancelled()

        return real_verify(store, progress=progress, cancelled=stop_asked, stage=stage)

    monkeypatch.setattr(audit_view, "verify", held_until_escape)
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await open_audit(app, pilot)
        screen = app.screen
        with unchanged(demo_hall):
            await pilot.press("v")
            assert screen.verifying
            await pilot.press("escape")
            pressed.set()
            await wait_for_workers(app, pilot)
            assert app.screen is screen
            assert status(app) == "Verification stopped; nothing was changed."
        await pilot.press("escape")
        await wait_for_workers(app, pilot)
        assert app.screen is not screen


def test_snapshot_audit_screen(demo_hall, snap_compare):
    app = make_app(demo_hall)

    async def run_before(pilot):
        await open_audit(app, pilot)
        await pilot.press("down", "down", "down")
        await wait_for_workers(app, pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
