"""After acceptance, amending a call, corrections and the records packet, driven from the dispatch
and member screens with the keyboard; asserted on the database.

The demo hall (2026-11-26): call #12 (Acme Electric, JW ×1) is filled by 1057 Katarzyna Nowak,
and 1268 Kevin Murphy declined it (turndown 2 of 3); call #11 is filled by 1325.
"""

from __future__ import annotations

import sqlite3

from textual.widgets import DataTable, Static

from hall import load
from hall.operations import accounts
from hall.session import Session
from hall.store import Store
from screens.widgets.dialogs import ChoiceDialog, ConfirmDialog
from screens.widgets.forms import FormDialog
from screens.dispatch import DispatchScreen
from screens.widgets.dialogs import OutcomeDialog
from screens.member import MemberScreen
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


def _one(path, sql: str, *args):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, args).fetchone()
    finally:
        conn.close()


def _registration(path, card: str, book: str):
    with Store(path).read() as db:
        regs = [r for r in load.registrations_of(db, card) if r.book_id == book]
    return regs[-1]


async def _dispatch(pilot, app, user, call_id: int) -> DispatchScreen:
    await login(pilot, app, *user)
    app.action_dispatch(call_id)
    await wait_for_workers(app, pilot)
    screen = app.screen
    assert isinstance(screen, DispatchScreen) and screen.view is not None
    return screen


async def _cursor_to(pilot, screen: DispatchScreen, card: str) -> None:
    table = screen.query_one("#candidates", DataTable)
    table.move_cursor(row=table.get_row_index(card))
    await pilot.pause()


def _message(screen) -> str:
    return str(screen.query_one("#dispatch-message", Static).render())


async def test_gate_rejection_restores_the_place_and_reopens_the_call(demo_hall):
    before = _registration(demo_hall, "1057", "JW-1")
    assert before.status == "dispatched"
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _dispatch(pilot, app, MARIA, 12)
        # a filled call: the cursor starts on the accepted member, where g b w apply
        table = screen.query_one("#candidates", DataTable)
        assert table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value == "1057"
        assert screen.check_action("referral", ("rejected_at_job",))
        await pilot.press("g")
        await wait_for_workers(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, OutcomeDialog)
        sentence = str(dialog.query_one("#outcome-sentence", Static).render())
        assert "Katarzyna Nowak goes back to JW-1" in sentence and "call #12 reopens" in sentence
        await type_text(pilot, "J. Smith, foreman")
        await pilot.press("enter")
        await wait_for_workers(app, pilot)
        assert "Call #12 is open again" in _message(screen)
        row = screen.view.row("1057")
        assert "turned away at the gate" in row.outcome and row.referral == "reversed"

    after = _registration(demo_hall, "1057", "JW-1")
    assert after.status == "waiting" and after.registered_at == before.registered_at and after.turndowns == 0
    assert _one(demo_hall, "SELECT status FROM calls WHERE id = 12") == ("open",)
    assert _one(demo_hall, "SELECT status, reversal, reversal_note FROM referrals"
                           " WHERE call_id = 12 AND card = '1057'") == ("reversed", "rejected_at_job", "J. Smith, foreman")
    entry = audit_actions(demo_hall, action="referral.rejected_at_job")[-1]
    assert entry["actor"] == "maria"


async def test_the_referral_keys_only_show_on_an_open_referral(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _dispatch(pilot, app, MARIA, 12)
        await _cursor_to(pilot, screen, "1268")  # declined: no referral
        assert not screen.check_action("referral", ("no_show",))
        head = audit_head(demo_hall)
        await pilot.press("w")
        await wait_for_workers(app, pilot)
        assert isinstance(app.screen, DispatchScreen)
        assert audit_head(demo_hall) == head


async def test_no_show_is_recorded_as_a_quit(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _dispatch(pilot, app, MARIA, 11)
        await _cursor_to(pilot, screen, "1325")
        await pilot.press("w")
        await wait_for_workers(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, OutcomeDialog)
        assert "recorded as a quit" in str(dialog.query_one("#outcome-sentence", Static).render())
        await pilot.press("enter")
        await wait_for_workers(app, pilot)

    assert _one(demo_hall, "SELECT reason, days_worked, recorded_by FROM job_ends WHERE card = '1325'"
                           " ORDER BY id DESC LIMIT 1") == ("quit", 0, "maria")
    assert _one(demo_hall, "SELECT status, reversal FROM referrals WHERE call_id = 11 AND card = '1325'") \
        == ("reversed", "no_show")
    reg = _registration(demo_hall, "1325", "JW-1")
    assert reg.status == "removed"
    assert _one(demo_hall, "SELECT status FROM calls WHERE id = 11") == ("open",)


async def test_amending_workers_reopens_a_filled_call(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _dispatch(pilot, app, MARIA, 12)
        await pilot.press("u")
        await wait_for_workers(app, pilot)
        form = app.screen
        assert isinstance(form, FormDialog)
        form.query_one("#field-workers").value = "2"
        form.query_one("#field-reason").focus()
        await type_text(pilot, "J. Smith: one more wireman")
        await pilot.press("enter")
        await wait_for_workers(app, pilot)
        confirm = app.screen
        assert isinstance(confirm, ConfirmDialog)
        sentence = str(confirm.query_one("#confirm-sentence", Static).render())
        assert "workers 1 → 2" in sentence and "reopens" in sentence
        await pilot.press("enter")
        await wait_for_workers(app, pilot)
        assert "open again" in _message(screen)

    assert _one(demo_hall, "SELECT workers, status FROM calls WHERE id = 12") == (2, "open")
    entry = audit_actions(demo_hall, action="call.amended")[-1]
    assert entry["data"]["reason"] == "J. Smith: one more wireman"
    assert entry["data"]["before"] == {"workers": 1} and entry["actor"] == "maria"


async def test_amending_below_the_accepted_is_refused_and_writes_nothing(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _dispatch(pilot, app, MARIA, 12)
        head = audit_head(demo_hall)
        await pilot.press("u")
        await wait_for_workers(app, pilot)
        form = app.screen
        form.query_one("#field-workers").value = "0"
        form.query_one("#field-reason").value = "employer changed its mind"
        form.action_submit()
        await wait_for_workers(app, pilot)
        assert app.screen is screen
        assert any("cannot go below" in n.message for n in app._notifications)
        assert audit_head(demo_hall) == head


async def test_an_admin_sets_aside_a_decline(demo_hall):
    before = _registration(demo_hall, "1268", "JW-1")
    assert before.turndowns == 2
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _dispatch(pilot, app, ADMIN, 12)
        await _cursor_to(pilot, screen, "1268")
        await pilot.press("z")
        await wait_for_workers(app, pilot)
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("1")  # set aside the outcome
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FormDialog)
        assert "turndown no longer counts" in str(form.query_one(".dialog-sentence", Static).render())
        await type_text(pilot, "Appeal 2026-14")
        await pilot.press("enter")
        await type_text(pilot, "never reached: wrong number on file")
        await pilot.press("enter")
        await wait_for_workers(app, pilot)
        message = _message(screen)
        assert "is set aside (Appeal 2026-14)" in message and "Receipt #" in message

    assert _registration(demo_hall, "1268", "JW-1").turndowns == 1
    offers = audit_actions(demo_hall, action="offer.recorded")
    assert any(e["data"].get("card") == "1268" and e["data"].get("call") == 12 for e in offers)
    correction = audit_actions(demo_hall, action="correction.outcome")[-1]
    assert correction["actor"] == "admin" and correction["data"]["authority"] == "Appeal 2026-14"
    assert correction["data"]["outcome_set_aside"] == "declined"


async def test_a_dispatcher_is_refused_a_correction_with_the_sentence(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _dispatch(pilot, app, MARIA, 12)
        await _cursor_to(pilot, screen, "1268")
        head = audit_head(demo_hall)
        await pilot.press("z")
        await wait_for_workers(app, pilot)
        assert app.screen is screen
        assert _message(screen) == "Only an admin can correct a recorded outcome."
        # Its only write: who tried which operation.
        (refused,) = audit_actions(demo_hall, after_seq=head)
        assert (refused["actor"], refused["action"], refused["data"]["operation"]) == (
            "maria", "access.refused", "corrections.reverse_outcome")
    assert _registration(demo_hall, "1268", "JW-1").turndowns == 2


async def test_an_admin_grants_a_remedy_referral(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _dispatch(pilot, app, ADMIN, 13)
        card = next(r.card for r in screen.view.rows if r.state == "next")
        await _cursor_to(pilot, screen, card)
        await pilot.press("z")
        await wait_for_workers(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, ChoiceDialog)
        remedy = next(i for i, (value, _) in enumerate(dialog.choices, start=1) if value == "remedy")
        await pilot.press(str(remedy))
        await pilot.pause()
        await type_text(pilot, "Ruling 7")
        await pilot.press("enter")
        await type_text(pilot, "passed over in error on call 9")
        await pilot.press("enter")
        await wait_for_workers(app, pilot)
        assert "as a remedy (Ruling 7)" in _message(screen)
        assert screen.view.row(card).referral == "active"

    assert _one(demo_hall, "SELECT basis, status FROM referrals WHERE call_id = 13 AND card = ?", card) \
        == ("remedy", "active")


def _no_show(path, card: str = "1325", call_id: int = 11) -> None:
    """1325 never reported to call #11: a quit, the JW-1 place removed."""
    store = Store(path, clock=lambda: FIXED_NOW)
    Session(store, accounts.login(store, *MARIA)).record_referral_outcome(call_id, card, "no_show")


async def test_an_admin_restores_a_removed_place_from_the_member_screen(demo_hall):
    _no_show(demo_hall)
    before = _registration(demo_hall, "1325", "JW-1")
    assert before.status == "removed"
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, app, *ADMIN)
        app.action_member("1325")
        await wait_for_workers(app, pilot)
        screen = app.screen
        assert isinstance(screen, MemberScreen)
        await pilot.press("z")
        await wait_for_workers(app, pilot)
        form = app.screen
        assert isinstance(form, FormDialog)
        assert "back on JW-1 at the original place" in str(form.query_one(".dialog-sentence", Static).render())
        await type_text(pilot, "Appeal 2026-15")
        await pilot.press("enter")
        await type_text(pilot, "the employer moved the start without telling him")
        await pilot.press("enter")
        await wait_for_workers(app, pilot)
        receipt = str(screen.query_one("#member-receipt", Static).render())
        assert "Place restored" in receipt and "receipt #" in receipt

    after = _registration(demo_hall, "1325", "JW-1")
    assert after.status == "waiting" and after.registered_at == before.registered_at
    entry = audit_actions(demo_hall, action="correction.restore")[-1]
    assert entry["data"]["authority"] == "Appeal 2026-15" and entry["actor"] == "admin"


async def test_a_dispatcher_cannot_restore_a_place(demo_hall):
    _no_show(demo_hall)
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, app, *MARIA)
        app.action_member("1325")
        await wait_for_workers(app, pilot)
        head = audit_head(demo_hall)
        await pilot.press("z")
        await wait_for_workers(app, pilot)
        assert isinstance(app.screen, MemberScreen)
        assert any(n.message == "Only an admin can restore a member's place."
                   for n in app._notifications)
        assert [e["action"] for e in audit_actions(demo_hall, after_seq=head)] == ["access.refused"]


async def test_the_member_packet_is_written_as_pdf_and_markdown(demo_hall):
    folder = demo_hall.parent / "exports"  # the hall's exports folder, beside the database
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, app, *MARIA)
        app.action_member("1057")
        await wait_for_workers(app, pilot)
        await pilot.press("k")
        await pilot.pause()
        assert isinstance(app.screen, FormDialog)
        await pilot.press("enter")  # since: a year ago, as offered
        await wait_for_workers(app, pilot)
    written = sorted(p.name for p in folder.iterdir())
    assert [name.rsplit(".", 1)[1] for name in written] == ["md", "pdf"]
    assert all("1057" in name for name in written)
    markdown = next(folder.glob("*.md")).read_text()
    assert "Katarzyna Nowak" in markdown
