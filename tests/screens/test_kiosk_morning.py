"""(v2) The morning dispatch at the member kiosk, with a PIN: the job board and the member's bids
with their choice numbers, bid (F4) and withdraw (F5) through the self-service operations (actor
member:CARD, via kiosk), the day-book sign-in (F6), and after the selection what the member was
awarded or why not, with the bidders ahead of them, before any write has recorded it."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from hall.store import Store
from screens.kiosk import KioskApp
from tests.conftest import SettableClock, unchanged
from tests.hall.test_morning import MORNING, add_call, morning_hall
from tests.screens.conftest import type_text, wait_for_workers
from tests.screens.test_kiosk import look_up, message

PIN = "2468"
KIOSK_PIN = MORNING + '[kiosk]\nauth = "pin"\n'


@pytest.fixture
def posted(fresh_hall):
    """The morning hall with a PIN kiosk: Acme (2) and Bolt (1) posted Monday for Tuesday 07:00;
    Ada, Ben and Cy have PINs."""
    hall = morning_hall(fresh_hall(KIOSK_PIN))
    acme = add_call(hall, "Acme Electric", 2, "--wage", "$52.10", "--site", "Pier 5")
    bolt = add_call(hall, "Bolt Co", 1)
    for card in ("101", "102", "103"):
        hall.ok("member", "pin", card, "--pin-stdin", input=PIN + "\n")
    return hall, acme, bolt


def shown_text(app: KioskApp) -> str:
    """What the member's standing shows, tables included, as plain text (each line's spaces
    squeezed, so columns read as words)."""
    console = Console(width=app.size.width, record=True, file=io.StringIO())
    for widget in app.kiosk_screen.query("#kiosk-result Static"):
        console.print(widget.content)
    return "\n".join(" ".join(line.split()) for line in console.export_text().splitlines())


def kiosk_at(hall, when: str) -> tuple[KioskApp, SettableClock]:
    clock = SettableClock(when)
    return KioskApp(Store(hall.path), clock=clock), clock


async def test_a_member_bids_sees_the_choice_and_withdraws_at_the_kiosk(posted):
    hall, acme, bolt = posted
    app, _ = kiosk_at(hall, "2026-11-23 16:00")
    async with app.run_test(size=(110, 40)) as pilot:
        await look_up(app, pilot, "101", PIN)
        shown = shown_text(app)
        assert "Job board" in shown and "Next selection Tue 24 Nov 07:00" in shown and "bids close 06:30" in shown
        assert f"#{acme}" in shown and "Acme Electric" in shown and "$52.10" in shown
        assert "You have no bids on posted calls." in shown
        assert "Open calls you qualify for today" in shown and "did not bid" not in shown  # posted: on the board
        await pilot.press("f4")
        assert app.screen.id == "kiosk-bid-dialog"
        await type_text(pilot, bolt)
        await pilot.press("enter")
        await pilot.press("enter")  # the choice left empty: the next (1)
        await wait_for_workers(app, pilot)
        assert message(app).startswith(f"Ada Archer (101) bid on call #{bolt} as choice 1; bids close Tue 24 Nov 06:30")
        await pilot.press("f4")
        await type_text(pilot, f"#{acme}")
        await pilot.press("enter")
        await pilot.press("enter")
        await wait_for_workers(app, pilot)
        shown = shown_text(app)
        assert f"choice 1 #{bolt} Bolt Co" in shown and f"choice 2 #{acme} Acme Electric" in shown
        assert "your choice 2" in shown  # on the job board, beside Acme
        await pilot.press("f5")
        assert app.screen.id == "kiosk-withdraw-dialog"
        await pilot.press("1")  # the first bid listed: Bolt, choice 1
        await wait_for_workers(app, pilot)
        assert message(app).startswith(f"Ada Archer (101) withdrew the bid on call #{bolt} (choice 1).")
    placed = [e for e in hall.audit(action="bid.placed")]
    assert [(e["actor"], e["data"]["via"], e["data"]["choice"]) for e in placed] == [
        ("member:101", "kiosk", 1), ("member:101", "kiosk", 2)]
    assert hall.audit(action="bid.withdrawn")[0]["actor"] == "member:101"
    assert [b["call"] for b in hall.json("bids", "--card", "101")] == [int(acme)]
    assert hall.run("audit", "replay").exit_code == 0


async def test_a_refused_bid_is_one_sentence_and_writes_nothing(posted):
    hall, acme, _ = posted
    hall.ok("bid", "102", acme, "--choice", "1")
    app, _ = kiosk_at(hall, "2026-11-23 16:00")
    async with app.run_test(size=(110, 40)) as pilot:
        await look_up(app, pilot, "102", PIN)
        with unchanged(hall.path):
            for typed in (acme, "forty", "999"):
                await pilot.press("f4")
                await type_text(pilot, typed)
                await pilot.press("enter")
                await pilot.press("enter")
                await wait_for_workers(app, pilot)
                assert message(app) and "Something went wrong" not in message(app)
                assert app.kiosk_screen.query_one("#kiosk-message").has_class("error")
    # After the window closes the kiosk says so too.
    app, _ = kiosk_at(hall, "2026-11-24 06:40")
    async with app.run_test(size=(110, 40)) as pilot:
        await look_up(app, pilot, "103", PIN)
        with unchanged(hall.path):
            await pilot.press("f4")
            await type_text(pilot, acme)
            await pilot.press("enter")
            await pilot.press("enter")
            await wait_for_workers(app, pilot)
        assert f"Bids on call #{acme} closed at Tue 24 Nov 06:30." in message(app)


async def test_the_day_book_sign_in_at_the_kiosk_says_which_day(posted):
    hall, _, _ = posted
    app, clock = kiosk_at(hall, "2026-11-23 07:30")
    async with app.run_test(size=(110, 40)) as pilot:
        await look_up(app, pilot, "101", PIN)
        assert "! Not signed in for today: press F6 to sign in before 08:00" in shown_text(app)
        await pilot.press("f6")
        assert app.screen.id == "kiosk-signin-dialog"
        await pilot.press("enter")
        await wait_for_workers(app, pilot)
        assert message(app).startswith("Ada Archer (101) signed in for Mon 23 Nov.")
        assert "You are signed in for Mon 23 Nov (receipt #" in shown_text(app)
        clock.set("2026-11-23 09:00")  # after the deadline: it counts for the next business day
        await pilot.press("f6")
        await pilot.press("enter")
        await wait_for_workers(app, pilot)
        assert "signed in after the 08:00 deadline: it counts for Tue 24 Nov." in message(app)
    assert {(e["actor"], e["data"]["via"]) for e in hall.audit(action="member.signed_in")} == {("member:101", "kiosk")}


async def test_after_the_selection_the_kiosk_shows_the_award_or_why_not_before_any_write(posted):
    hall, acme, bolt = posted
    for card in ("101", "102", "103"):
        hall.ok("signin", card, at="2026-11-23 16:00")
    hall.ok("bid", "101", bolt, "--choice", "1", at="2026-11-23 17:00")
    hall.ok("bid", "102", bolt, at="2026-11-23 18:00")
    hall.ok("bid", "103", acme, at="2026-11-23 18:30")
    app, _ = kiosk_at(hall, "2026-11-24 07:05")
    with unchanged(hall.path):  # the kiosk reads the selection as of 07:00; nothing records it yet
        async with app.run_test(size=(110, 40)) as pilot:
            await look_up(app, pilot, "102", PIN)
            shown = shown_text(app)
            assert "The selection of Tue 24 Nov 07:00" in shown
            assert f"call #{bolt} was full when reached · ahead of you: 1st Ada Archer (101) awarded" in shown
            await look_up(app, pilot, "101", PIN)
            assert f"#{bolt} Bolt Co awarded, your choice 1" in shown_text(app)
            await look_up(app, pilot, "103", PIN)
            assert f"#{acme} Acme Electric awarded, your choice 1" in shown_text(app)
    # The next write records the same awards, actor system.
    hall.ok("member", "update", "104", "--phone", "773-555-0104", at="2026-11-24 07:10")
    awards = hall.audit(action="selection.award")
    assert {(e["actor"], e["data"]["card"], e["data"]["call"]) for e in awards} == {
        ("system", "101", int(bolt)), ("system", "103", int(acme))}


async def test_the_kiosk_keys_follow_the_hall(demo_hall):
    """Where the hall neither bids nor keeps a day book, F4-F6 are not offered."""
    from tests.screens.test_kiosk import first_waiting, kiosk

    card, pin, _, _ = first_waiting(demo_hall)
    app = kiosk(demo_hall)
    async with app.run_test(size=(110, 40)) as pilot:
        await look_up(app, pilot, card, pin)
        screen = app.kiosk_screen
        offered = {action: screen.check_action(action, ()) for action in ("resign", "bid", "withdraw", "sign_in")}
        assert offered["resign"] is True
        assert offered["sign_in"] is False
        assert offered["bid"] is app.rules.bidding.enabled

