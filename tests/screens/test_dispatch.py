"""Dispatch a call to filled from the keyboard: the confirmation sentence, strict order, the calling
mark, slips; asserted on the database."""

from __future__ import annotations

import sqlite3

from textual.widgets import DataTable, Static

from hall import load
from hall.operations import accounts
from hall.session import Session
from hall.store import Store
from hall.views import calls as views
from screens.dispatch import DispatchScreen
from screens.widgets.dialogs import OutcomeDialog
from tests.screens.conftest import FIXED_NOW, MARIA, audit_head, login, make_app, type_text, wait_for_workers

SIZE = (140, 40)


def _take_call(path, workers: int = 2) -> int:
    store = Store(path, clock=lambda: FIXED_NOW)
    session = Session(store, accounts.login(store, *MARIA))
    receipt = session.take_call(employer="Acme Electric", classification="JW", workers=workers,
                                start="2026-11-27 07:00", days=30, site="1200 Main St, gate B",
                                by_phone="the crew starts tomorrow")  # the demo hall bids: phoned, not posted
    return receipt.id


def _offers(path, call_id: int) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT card, outcome, turndown_counted, note, recorded_by FROM offers"
                            " WHERE call_id = ? ORDER BY id", [call_id]).fetchall()
    finally:
        conn.close()


def _turndowns(path, card: str) -> int:
    with Store(path).read() as db:
        regs = load.registrations_of(db, card)
    return max(r.turndowns for r in regs)


async def _open_call(pilot, app, call_id: int) -> DispatchScreen:
    await login(pilot, app, *MARIA)
    app.action_dispatch(call_id)
    await wait_for_workers(app, pilot)
    screen = app.screen
    assert isinstance(screen, DispatchScreen) and screen.view is not None
    return screen


def _cursor_card(screen) -> str:
    table = screen.query_one("#candidates", DataTable)
    return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value


async def _record(pilot, app, key: str, note: str = "") -> str:
    """Press an outcome key; the confirmation shows the rules' sentence; type a note; Enter."""
    await pilot.press(key)
    await wait_for_workers(app, pilot)
    dialog = app.screen
    assert isinstance(dialog, OutcomeDialog)
    sentence = str(dialog.query_one("#outcome-sentence", Static).render())
    if note:
        await type_text(pilot, note)
    await pilot.press("enter")
    await wait_for_workers(app, pilot)
    await wait_for_workers(app, pilot)
    return sentence


async def test_dispatch_to_filled_with_a_decline_and_a_no_answer(demo_hall):
    call_id = _take_call(demo_hall, workers=2)
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_call(pilot, app, call_id)
        first = screen.view.next
        assert _cursor_card(screen) == first  # the cursor starts on the next to offer
        turndowns_before = _turndowns(demo_hall, first)
        expected = Session(app.store, app.session.user).preview_offer(call_id, first, "declined")

        sentence = await _record(pilot, app, "x", "has a job lined up")
        assert sentence.startswith("Record declined for ")
        assert expected.rstrip(".") in sentence and "turndown" in sentence and "Enter to confirm" in sentence
        assert _offers(demo_hall, call_id) == [(first, "declined", 1, "has a job lined up", "maria")]
        assert _turndowns(demo_hall, first) == turndowns_before + 1
        # The demo's first in line is at two turndowns of three: this one rolls him off, as the
        # confirmation said.
        assert turndowns_before + 1 == app.rules.turndowns.limit
        assert "rolls off" in sentence

        second = screen.view.next
        assert second != first and _cursor_card(screen) == second
        sentence = await _record(pilot, app, "o", "voicemail")
        assert "not a turndown" in sentence
        assert _offers(demo_hall, call_id)[-1] == (second, "no_answer", 0, "voicemail", "maria")

        third = screen.view.next
        await _record(pilot, app, "a")
        fourth = screen.view.next
        await _record(pilot, app, "a", "reports to the foreman")
        outcomes = _offers(demo_hall, call_id)
        assert [(o[0], o[1]) for o in outcomes] == [
            (first, "declined"), (second, "no_answer"), (third, "accepted"), (fourth, "accepted")]
        with Store(demo_hall).read() as db:
            call = load.job_call(db, call_id)
        assert call.status == "filled" and call.accepted == 2
        assert "filled" in str(screen.query_one("#dispatch-message", Static).render())
        assert "Filled: 2 of 2" in str(screen.query_one("#call-status", Static).render())
        rows = {r.card: r for r in screen.view.rows}
        assert rows[first].outcome.startswith("declined · turndown")
        assert rows[third].outcome.startswith("accepted")

        # A filled call takes no more outcomes: one sentence, nothing written.
        before = audit_head(demo_hall)
        await pilot.press("a")
        await wait_for_workers(app, pilot)
        assert not isinstance(app.screen, OutcomeDialog)
        assert audit_head(demo_hall) == before


async def test_an_out_of_order_key_is_refused_with_a_sentence_and_writes_nothing(demo_hall):
    call_id = _take_call(demo_hall)
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_call(pilot, app, call_id)
        nxt = screen.view.next
        rows = screen.view.rows
        index = next(i for i, r in enumerate(rows) if r.card == nxt)
        later = next(i for i, r in enumerate(rows) if i > index and r.state == "waiting")
        table = screen.query_one("#candidates", DataTable)
        table.move_cursor(row=later)
        before = audit_head(demo_hall)
        for key in ("a", "x", "c"):
            await pilot.press(key)
            await wait_for_workers(app, pilot)
            assert isinstance(app.screen, DispatchScreen)
        message = str(screen.query_one("#dispatch-message", Static).render())
        assert "is ahead on the list and has no outcome yet" in message
        assert audit_head(demo_hall) == before
        assert _offers(demo_hall, call_id) == []

        # A passed-over row says why it is passed over.
        passed = [i for i, r in enumerate(rows) if r.state == "passed"]
        assert passed, "the demo's call passes someone over"
        table.move_cursor(row=passed[0])
        await pilot.press("a")
        await wait_for_workers(app, pilot)
        assert "passed over" in str(screen.query_one("#dispatch-message", Static).render())
        assert audit_head(demo_hall) == before

        # Esc in the confirmation records nothing.
        table.move_cursor(row=index)
        await pilot.press("x")
        await wait_for_workers(app, pilot)
        assert isinstance(app.screen, OutcomeDialog)
        await pilot.press("escape")
        await wait_for_workers(app, pilot)
        assert audit_head(demo_hall) == before


async def test_calling_marks_the_call_for_every_terminal(demo_hall):
    call_id = _take_call(demo_hall)
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_call(pilot, app, call_id)
        nxt, name = screen.view.next, screen.view.next_name
        await pilot.press("c")
        await wait_for_workers(app, pilot)
        await wait_for_workers(app, pilot)
        with Store(demo_hall).read() as db:
            row = db.execute("SELECT calling_card, calling_by, calling_since FROM calls WHERE id = ?",
                             [call_id]).fetchone()
        assert row[0] == nxt and row[1] == "maria" and row[2] is not None
        assert f"maria calling {name} since 07:30" in str(screen.query_one("#call-status", Static).render())

    # Another terminal (dwayne) sees the mark, and cannot record an outcome on the call meanwhile.
    view = views.dispatch_view(Store(demo_hall, clock=lambda: FIXED_NOW), call_id)
    assert view.calling.by == "maria" and view.calling.card == nxt


async def test_slips_are_written_for_each_accepted_referral(demo_hall, tmp_path):
    folder = demo_hall.parent / "exports" / "slips"  # the hall's exports folder, beside the database
    call_id = _take_call(demo_hall, workers=2)
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_call(pilot, app, call_id)
        await pilot.press("s")  # nothing accepted yet: one sentence, no folder
        await wait_for_workers(app, pilot)
        assert not folder.exists()
        cards = []
        for _ in range(2):
            cards.append(screen.view.next)
            await _record(pilot, app, "a")
        await pilot.press("s")
        await wait_for_workers(app, pilot)
        for card in cards:
            slip = folder / f"call-{call_id}-card-{card}.txt"
            assert slip.exists(), slip
            text = slip.read_text(encoding="utf-8")
            assert f"#{call_id}" in text and card in text and "Acme Electric" in text
            assert "1200 Main St, gate B" in text and "Fri 27 Nov 2026 07:00" in text
            assert "list order" in text and "maria" in text and "audit #" in text
        assert "Wrote 2 slips" in str(screen.query_one("#dispatch-message", Static).render())


async def test_the_picker_lists_open_calls_and_enter_opens_one(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, app, *MARIA)
        await pilot.press("d")
        await wait_for_workers(app, pilot)
        screen = app.screen
        assert isinstance(screen, DispatchScreen) and screen.call_id is None
        picker = screen.query_one("#picker", DataTable)
        assert picker.row_count == len(views.open_calls(app.store))
        first = picker.coordinate_to_cell_key(picker.cursor_coordinate).row_key.value
        await pilot.press("enter")
        await wait_for_workers(app, pilot)
        assert screen.call_id == int(first) and screen.view.call.id == int(first)


def test_the_snapshot_of_a_call_mid_way(demo_hall, snap_compare):
    call_id = _take_call(demo_hall, workers=3)
    app = make_app(demo_hall)

    async def midway(pilot):
        await _open_call(pilot, app, call_id)
        await _record(pilot, app, "x", "has a job lined up")
        await _record(pilot, app, "o")
        await _record(pilot, app, "a")
        await pilot.press("c")
        await wait_for_workers(app, pilot)
        await wait_for_workers(app, pilot)
        app.clear_notifications()
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=midway)
