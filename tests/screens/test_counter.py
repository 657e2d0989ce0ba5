"""The counter: card, Enter, r, 2 (phone): re-signed, receipt shown, the cursor back in the card box."""

from __future__ import annotations

from hall import audit, load
from hall.operations import accounts
from hall.session import Session
from hall.store import Store
from screens.counter import CounterScreen
from tests.screens.conftest import FIXED_NOW, MARIA, make_app, settle, type_text, wait_for_workers
from tests.conftest import MARIA as MARIA_ACTOR


async def at_counter(app, pilot, user=MARIA):
    await wait_for_workers(app, pilot)
    app.logged_in(Session(app.store, accounts.login(app.store, *user)))
    await wait_for_workers(app, pilot)
    await pilot.press("c")
    await wait_for_workers(app, pilot)
    assert isinstance(app.screen, CounterScreen)
    return app.screen


def apprentice_too(path, card):
    """Let a JW member work AP as well (one book per classification: a second book is of another one)."""
    from hall.operations.members import update_member

    update_member(Store(path, lambda: FIXED_NOW), card, actor=MARIA_ACTOR, classes=["JW", "AP"])


def two_books(path, card):
    """Put the member on a second book too (so a re-sign covers both): AP-1, another classification."""
    from hall.operations.registrations import sign

    apprentice_too(path, card)
    sign(Store(path, lambda: FIXED_NOW), card, "AP-1", actor=MARIA_ACTOR, via="in_person")


async def test_card_enter_r_2_resigns_every_book_by_phone(demo_hall):
    two_books(demo_hall, "1164")
    app = make_app(demo_hall)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await at_counter(app, pilot)
        card_box = screen.query_one("#counter-card")
        assert card_box.has_focus
        await type_text(pilot, "1164")
        await pilot.press("enter")
        await wait_for_workers(app, pilot)
        summary = str(screen.query_one("#counter-summary").render())
        assert "Tomás Rivera" in summary and "position 2 of" in summary
        await pilot.press("r", "2")
        await wait_for_workers(app, pilot)
        with Store(demo_hall).read() as db:
            regs = [r for r in load.registrations_of(db, "1164", active_only=True)]
            vias = db.execute("SELECT book_id, signed_via, signed_by FROM registrations"
                              " WHERE card = '1164' AND status = 'waiting' ORDER BY book_id").fetchall()
            seq = audit.head(db)[0]
            action = db.execute("SELECT action FROM audit WHERE seq = ?", [seq]).fetchone()[0]
        assert {r.book_id for r in regs} == {"JW-1", "AP-1"}
        assert all(r.last_signed_at == FIXED_NOW for r in regs)
        assert sorted(vias) == [("AP-1", "phone", "maria"), ("JW-1", "phone", "maria")]
        assert action == "registration.resigned"  # one entry, one receipt for both books
        receipt = str(screen.query_one("#counter-receipt").render())
        assert receipt == f"Re-signed AP-1, JW-1 by phone at 07:30 · receipt #{seq}"
        assert screen.query_one("#counter-receipt-number").value == str(seq)
        # the member stays, with their keys: the summary has the focus, their standing is current
        assert screen.card == "1164" and screen.query_one("#counter-summary").has_focus
        assert "last signed Thu 26 Nov 07:30 by phone" in str(screen.query_one("#counter-summary").render())
        # digits start the next member's card
        await pilot.press("1", "2")
        assert card_box.has_focus and card_box.value == "12"
        # esc clears
        await pilot.press("escape")
        assert screen.card is None and str(screen.query_one("#counter-summary").render()) == ""


async def test_sign_a_book_at_the_counter(demo_hall):
    apprentice_too(demo_hall, "1164")
    app = make_app(demo_hall)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await at_counter(app, pilot)
        await type_text(pilot, "1164")
        await pilot.press("enter")
        await wait_for_workers(app, pilot)
        await pilot.press("g")
        assert app.screen.id == "choice-dialog"
        await pilot.press("1")  # the first book the member may sign: AP-1 (one book of JW is held)
        await pilot.press("i")  # in person
        await wait_for_workers(app, pilot)
        with Store(demo_hall).read() as db:
            row = db.execute("SELECT signed_via, registered_at FROM registrations"
                             " WHERE card = '1164' AND book_id = 'AP-1'").fetchone()
            seq = audit.head(db)[0]
        assert row == ("in_person", audit.iso(FIXED_NOW))
        assert f"receipt #{seq}" in str(screen.query_one("#counter-receipt").render())


async def test_unknown_card_says_so_and_keeps_the_cursor(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await at_counter(app, pilot)
        await pilot.press(*"1164", "enter")  # a member, and a receipt for them
        await wait_for_workers(app, pilot)
        await pilot.press("r", "i")
        await wait_for_workers(app, pilot)
        assert screen.query_one("#counter-receipt-box").display
        await pilot.press(*"99999", "enter")
        await wait_for_workers(app, pilot)
        assert "No member has card 99999" in str(screen.query_one("#counter-summary").render())
        assert screen.query_one("#counter-card").has_focus
        assert not screen.query_one("#counter-receipt-box").display  # not the last member's receipt
        assert screen.card is None and screen.info is None


def test_snapshot_counter_showing_a_member(demo_hall, snap_compare):
    app = make_app(demo_hall)

    async def run_before(pilot):
        await at_counter(app, pilot)
        await type_text(pilot, "1268")
        await pilot.press("enter")
        await wait_for_workers(app, pilot)

    assert snap_compare(app, run_before=run_before, terminal_size=(120, 36))


def test_snapshot_counter_after_a_resign(demo_hall, snap_compare):
    app = make_app(demo_hall)

    async def run_before(pilot):
        await at_counter(app, pilot)
        await type_text(pilot, "1268")
        await pilot.press("enter")
        await wait_for_workers(app, pilot)
        await pilot.press("r", "2")
        await wait_for_workers(app, pilot)
        await settle(pilot)  # the card box has the focus: a steady cursor, not a blink phase

    assert snap_compare(app, run_before=run_before, terminal_size=(120, 36))
