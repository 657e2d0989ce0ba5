"""Database work runs in thread workers: the UI keeps handling keys while a slow operation runs."""

from __future__ import annotations

import asyncio
import threading

from textual.widgets import DataTable

from hall.operations import registrations
from screens.board import BoardScreen
from tests.screens.conftest import MARIA, audit_actions, audit_head, login, make_app, type_text, wait_for_workers

SIZE = (140, 40)


async def test_keys_are_handled_while_a_slow_write_runs(demo_hall, monkeypatch):
    release = threading.Event()
    started = threading.Event()
    real_sign = registrations.sign

    def slow_sign(*args, **kw):
        started.set()
        assert release.wait(timeout=20), "the test never released the write"
        return real_sign(*args, **kw)

    monkeypatch.setattr(registrations, "sign", slow_sign)
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        try:
            await login(pilot, app, *MARIA)
            before = audit_head(demo_hall)
            receipts = []
            app.run_write(app.session.sign, "1008", "JW-1", done=receipts.append)
            assert await asyncio.to_thread(started.wait, 20), "the write never started"

            # The write is stuck in its thread; the screen still answers keys.
            calls = app.screen.query_one("#calls-table", DataTable)
            assert calls.cursor_row == 0
            await pilot.press("down", "down")
            assert calls.cursor_row == 2
            await pilot.press("up")
            assert calls.cursor_row == 1

            from screens.lists import ListsScreen

            await pilot.press("l")
            await pilot.pause()
            assert isinstance(app.screen, ListsScreen)
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, BoardScreen)
            assert calls.cursor_row == 1
            assert receipts == [] and any(w.group == "write" and not w.is_finished for w in app.workers)
            assert audit_head(demo_hall) == before  # nothing written yet
        finally:
            release.set()
        await wait_for_workers(app, pilot)
        assert len(receipts) == 1
        assert isinstance(app.screen, BoardScreen)

    (entry,) = [e for e in audit_actions(demo_hall, after_seq=before) if e["data"].get("card") == "1008"]
    assert entry["actor"] == "maria"


async def test_keys_are_handled_while_a_slow_read_runs(demo_hall, monkeypatch):
    """A slow board read (a big hall, a busy disk) does not freeze the screen either."""
    from hall.session import Session

    release = threading.Event()
    started = threading.Event()
    real_board = Session.board

    def slow_board(self):
        started.set()
        assert release.wait(timeout=20), "the test never released the read"
        return real_board(self)

    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        try:
            await login(pilot, app, *MARIA)
            monkeypatch.setattr(Session, "board", slow_board)
            app.screen.reload()
            assert await asyncio.to_thread(started.wait, 20), "the read never started"
            await pilot.press("ctrl+l")
            await pilot.pause()
            from screens.login import LockScreen

            assert isinstance(app.screen, LockScreen)
            await type_text(pilot, MARIA[1])
            await pilot.press("enter")
            # The unlock (a write worker) finishes while the read is still stuck.
            for _ in range(20):
                if isinstance(app.screen, BoardScreen):
                    break
                writes = [w for w in app.workers if w.group == "write"]
                if writes:  # (an empty list would mean every worker, the stuck read too)
                    await app.workers.wait_for_complete(writes)
                await pilot.pause()
            assert isinstance(app.screen, BoardScreen)
            # What the board showed before the slow read is still there.
            assert app.screen.query_one("#calls-table", DataTable).row_count == 5  # four phoned, one posted
        finally:
            release.set()
        await wait_for_workers(app, pilot)
