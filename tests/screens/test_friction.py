"""What a dispatcher trips over, taken away: the footer at 80 columns, the kiosk scrolling without
Tab, passed-over rows hidden on Dispatch, a member added from the app, book tabs with keys and
marks in words, dates as people say them, short dates in the rules' sentences, old notifications
gone at lock and log-in, how a signing came in worded right. Asserted on the screen and the
database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.widgets import DataTable, Static

from hall import audit, load
from hall.clock import fixed
from hall.operations import members as member_ops
from hall.operations.jobs import end_job
from hall.operations.offers import record_offer
from hall.store import Store
from screens.board import BoardScreen
from screens.counter import CounterScreen
from screens.dispatch import DispatchScreen
from screens.lists import ListsScreen
from screens.login import LockScreen
from screens.member import MemberScreen
from screens.widgets.footer import HallFooter
from tests.screens.conftest import FIXED_NOW, MARIA, audit_actions, login, make_app, wait_for_workers
from tests.screens.test_dispatch import _take_call
from tests.screens.test_kiosk import first_waiting, kiosk, look_up
from tests.screens.test_member import short_call_for_next_jw
from tests.conftest import MARIA as MARIA_ACTOR

NARROW = (80, 24)


def footer_keys(screen) -> tuple[list[str], bool]:
    """The keys the footer shows (key display and description), and whether any runs under the palette key."""
    footer = screen.query_one(HallFooter)
    keys = [w for w in footer.children if hasattr(w, "key_display")]
    palette = [w for w in keys if w.has_class("-command-palette")]
    others = [w for w in keys if not w.has_class("-command-palette")]
    overlaps = bool(palette) and any(w.region.right > palette[0].region.x for w in others)
    inside = all(w.region.right <= footer.region.right for w in keys)
    return [f"{w.key_display} {w.description}".strip() for w in others], overlaps or not inside


@pytest.mark.parametrize("opening, essential", [
    ("board", ["⏎ Dispatch call", "n New call", "d Dispatch", "c Counter", "l Lists"]),
    ("dispatch", ["c Calling", "a Accepted", "x Declined", "o No answer", "r Emp. rejected"]),
    ("counter", ["r Re-sign", "g Sign a book", "j Job ended", "u Unavailable", "p Phone"]),
    ("lists", ["← Prev", "→ Next book", "/ Find", "r Re-sign", "s Sign", "u Unavailable"]),
    ("member", ["/ Find", "r Re-sign", "g Sign a book", "j Job ended", "u Unavailable", "p Phone"]),
    ("audit", ["v Verify", "/ Filter"]),
])
async def test_the_footer_keeps_the_essential_keys_at_80_columns_and_clear_of_the_palette(demo_hall, opening,
                                                                                        essential):
    call_id = _take_call(demo_hall, workers=2)
    app = make_app(demo_hall)
    async with app.run_test(size=NARROW) as pilot:
        await login(pilot, app, *MARIA)
        {"board": lambda: None, "dispatch": lambda: app.action_dispatch(call_id),
         "counter": lambda: app.action_counter("1164"), "lists": app.action_lists,
         "member": lambda: app.action_member("1164"), "audit": app.action_audit}[opening]()
        await wait_for_workers(app, pilot)
        await pilot.pause()
        shown, overlapping = footer_keys(app.screen)
        assert not overlapping
        assert shown[:len(essential)] == essential, shown


async def test_secondary_keys_are_in_the_palette(demo_hall):
    call_id = _take_call(demo_hall)
    app = make_app(demo_hall)
    async with app.run_test(size=NARROW) as pilot:
        await login(pilot, app, *MARIA)
        app.action_dispatch(call_id)
        await wait_for_workers(app, pilot)
        from screens.commands import HallCommands

        provider = HallCommands(app.screen)
        titles = [title for title, _, _ in provider._screen_keys()]
        assert {"Amend call (u)", "Passed over (p)", "Slips (s)"} <= set(titles)


async def test_the_kiosk_scrolls_with_the_keys_and_says_so(demo_hall):
    card, digits, _, _ = first_waiting(demo_hall)
    app = kiosk(demo_hall)
    async with app.run_test(size=NARROW) as pilot:
        await look_up(app, pilot, card, digits)
        screen = app.kiosk_screen
        result = screen.query_one("#kiosk-result")
        assert result.max_scroll_y > 0  # at 80x24 the why lines are below the fold
        shown, _ = footer_keys(screen)
        assert "↑↓ Scroll" in shown and "PgUp PgDn Page" in shown
        await pilot.press("pagedown")
        assert result.scroll_y > 0 and screen.focused.id in ("kiosk-card", "kiosk-secret")
        await pilot.press("up", "up")
        before = result.scroll_y
        await pilot.press("down")
        assert result.scroll_y == before + 1


async def test_p_hides_and_shows_the_passed_over_on_dispatch(demo_hall):
    call_id = _take_call(demo_hall)
    app = make_app(demo_hall)
    async with app.run_test(size=(140, 40)) as pilot:
        await login(pilot, app, *MARIA)
        app.action_dispatch(call_id)
        await wait_for_workers(app, pilot)
        screen = app.screen
        table = screen.query_one("#candidates", DataTable)
        passed = [r.card for r in screen.view.rows if r.state == "passed"]
        assert passed and table.row_count == len(screen.view.rows)
        await pilot.press("p")
        assert table.row_count == len(screen.view.rows) - len(passed)
        assert not set(passed) & {table.coordinate_to_cell_key((i, 0)).row_key.value for i in range(table.row_count)}
        assert f"{len(passed)} passed over not shown" in str(screen.query_one("#call-status", Static).render())
        assert table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value == screen.view.next
        await pilot.press("p")
        assert table.row_count == len(screen.view.rows)


async def test_the_reasons_on_dispatch_have_short_dates(demo_hall):
    # call #13 needs Confined Space; 1164's expired on 14 Nov
    app = make_app(demo_hall)
    async with app.run_test(size=(140, 40)) as pilot:
        await login(pilot, app, *MARIA)
        app.action_dispatch(13)
        await wait_for_workers(app, pilot)
        table = app.screen.query_one("#candidates", DataTable)
        outcome = str(table.get_cell("1164", "outcome"))
        assert outcome == "passed over: Confined Space expired Sat 14 Nov"
        assert "2026-" not in outcome


async def test_a_new_member_is_added_from_the_app_and_opened(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, app, *MARIA)
        await pilot.press("m")
        await wait_for_workers(app, pilot)
        await pilot.press("plus")
        await wait_for_workers(app, pilot)
        assert app.screen.id == "add-member-dialog"
        await pilot.press(*"4242", "enter", *"Ada Lovelace", "enter", *"312 555 0199", "enter", *"jw", "enter",
                          "enter")
        await wait_for_workers(app, pilot)
        screen = app.screen
        assert isinstance(screen, MemberScreen) and screen.card == "4242" and screen.info.member.name == "Ada Lovelace"
        assert "Added Ada Lovelace (4242)" in str(screen.query_one("#member-receipt", Static).render())
    with Store(demo_hall).read() as db:
        member = load.member(db, "4242")
    assert member.classifications == frozenset({"JW"}) and member.phone == "312 555 0199"
    assert audit_actions(demo_hall, action="member.added")[-1]["actor"] == "maria"


async def test_a_card_that_exists_keeps_the_form_with_the_sentence(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, app, *MARIA)
        app.action_member()
        await wait_for_workers(app, pilot)
        await pilot.press("plus")
        await wait_for_workers(app, pilot)
        await pilot.press(*"1164", "enter", *"Someone Else", "enter", "enter", "enter", "enter")
        await wait_for_workers(app, pilot)
        assert app.screen.id == "add-member-dialog"
        assert "Card 1164 already exists" in str(app.screen.query_one("#form-error", Static).render())


async def test_book_tabs_change_with_keys_and_marks_are_words(demo_hall):
    card = registrations_first_of(demo_hall, "JW-1")
    store = Store(demo_hall, fixed(FIXED_NOW))
    member_ops.declare_unavailable(store, card, "2026-12-02", "surgery", actor=MARIA_ACTOR, via="phone")
    app = make_app(demo_hall)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, app, *MARIA)
        await pilot.press("l")
        await wait_for_workers(app, pilot)
        screen = app.screen
        assert isinstance(screen, ListsScreen) and screen.active_list().book_id == "JW-1"
        book_list = screen.active_list()
        line = "".join(seg.text for seg in book_list.render_line(0))
        assert card in line and "unavailable to Wed 2 Dec" in line
        await pilot.press("right")
        await wait_for_workers(app, pilot)
        assert screen.active_list().book_id == "JW-2" and screen.active_list().has_focus
        await pilot.press("left", "left")
        await wait_for_workers(app, pilot)
        assert screen.active_list().book_id == "AP-1"  # round the end
        await pilot.press("3")
        await wait_for_workers(app, pilot)
        assert screen.active_list().book_id == "JW-3"
        rows = [screen.active_list().row_at(i) for i in range(screen.active_list().count)]
        due = next(r for r in rows if r.row.card == "3045")  # due Sat 28 Nov, within the warning days
        index = rows.index(due)
        text = "".join(seg.text for seg in screen.active_list().render_line(index))
        assert "! re-sign due" in text


def registrations_first_of(path, book: str) -> str:
    from hall.queries.books import book_list

    with Store(path, fixed(FIXED_NOW)).reading() as read:
        return book_list(read.db, book, read.rules, read.now)[0].card


async def test_dates_typed_as_people_say_them_in_a_form(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, app, *MARIA)
        app.action_member("1164")
        await wait_for_workers(app, pilot)
        await pilot.press("u")
        await wait_for_workers(app, pilot)
        form = app.screen
        until = form.query_one("#field-until")
        until.value = "whenever"
        form.query_one("#field-reason").focus()
        await pilot.press("enter")  # the reason is empty too: both problems at once, the cursor on the first
        problems = str(form.query_one("#form-error", Static).render()).splitlines()
        assert len(problems) == 2 and "'whenever' is not a date" in problems[0] and "Reason" in problems[1]
        assert until.has_focus and until.has_class("-invalid")
        until.value = "12/10"
        await pilot.pause()
        assert str(form.query_one("#hint-until", Static).render()) == "→ Thu 10 Dec 2026"
        form.query_one("#field-reason").value = "family"
        form.query_one("#field-reason").focus()
        await pilot.press("enter", "e")  # by email
        await wait_for_workers(app, pilot)
    with Store(demo_hall).read() as db:
        rows = db.execute("SELECT until, via FROM unavailability WHERE card = '1164'").fetchall()
    assert rows == [("2026-12-10", "email")]


async def test_old_notifications_go_at_lock_and_log_in(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, app, *MARIA)
        app.notify("Recorded declined for someone. Receipt #9999.")
        await pilot.pause()
        assert len(app._notifications) == 1
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert isinstance(app.screen, LockScreen) and not app._notifications
        app.notify("a notice from before the log-in")
        await pilot.pause()
        assert len(app._notifications) == 1
        await pilot.press(*MARIA[1], "enter")
        await wait_for_workers(app, pilot)
        assert isinstance(app.screen, BoardScreen) and not app._notifications


async def test_how_a_signing_came_in_is_worded_right_at_the_counter(demo_hall):
    store, card, call_id = short_call_for_next_jw(demo_hall)
    record_offer(store, call_id, card, "accepted", actor=MARIA_ACTOR)
    end_job(Store(demo_hall, fixed(FIXED_NOW - timedelta(hours=1))), card, "laid_off", actor=MARIA_ACTOR)
    # Back on JW (one book per classification): the book to sign is of another classification.
    member_ops.update_member(Store(demo_hall, fixed(FIXED_NOW - timedelta(minutes=30))), card, actor=MARIA_ACTOR,
                             classes=["JW", "AP"])
    app = make_app(demo_hall)
    async with app.run_test(size=(140, 40)) as pilot:
        await login(pilot, app, *MARIA)
        app.action_counter(card)
        await wait_for_workers(app, pilot)
        screen = app.screen
        assert isinstance(screen, CounterScreen)
        summary = str(screen.query_one("#counter-summary").render())
        # the clock restarted when the short call ended, and it says so: not "last signed ... by email"
        assert "re-sign clock from Thu 26 Nov 06:30 (job ended: laid off)" in summary
        assert "last signed Thu 26 Nov" not in summary
        await pilot.press("g")
        await wait_for_workers(app, pilot)
        await pilot.press("1", "i")  # the first book offered (back on JW after the short call), in person
        await wait_for_workers(app, pilot)
        receipt = str(screen.query_one("#counter-receipt").render())
        assert receipt.startswith("Signed ") and " in person at 07:30 · receipt #" in receipt
        assert "by in person" not in receipt
        assert "last signed Thu 26 Nov 07:30 in person" in str(screen.query_one("#counter-summary").render())
    with Store(demo_hall).read() as db:
        assert audit.head(db)[0] == audit_actions(demo_hall, action="registration.signed")[-1]["seq"]


async def test_arrows_and_enter_typed_at_once_on_the_board_open_the_row_arrived_at(demo_hall):
    from tests.screens.test_dispatch_keys import burst
    from tests.screens.test_intake import by_phone

    app = make_app(demo_hall)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, app, *MARIA)
        calls = app.screen.query_one("#calls-table", DataTable)
        third = calls.coordinate_to_cell_key((2, 0)).row_key.value
        await burst(app, pilot, ["down", "down", "enter"])
        assert isinstance(app.screen, DispatchScreen) and app.screen.call_id == int(third)


async def test_ctrl_s_typed_right_after_a_number_saves_the_whole_number(demo_hall):
    from textual.widgets import Input

    from screens.intake import IntakeScreen
    from tests.screens.test_dispatch_keys import burst
    from tests.screens.test_intake import by_phone

    app = make_app(demo_hall)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, app, *MARIA)
        await pilot.press("n")
        await wait_for_workers(app, pilot)
        screen = app.screen
        assert isinstance(screen, IntakeScreen)
        screen.query_one("#employer", Input).value = "Acme Electric"
        screen.query_one("#workers", Input).value = "1"
        screen.query_one("#start", Input).value = "fri 7am"
        by_phone(screen, "the crew starts tomorrow")  # the demo hall bids: this call goes by phone now
        screen.query_one("#days", Input).focus()
        await burst(app, pilot, ["3", "0", "ctrl+s"])
        assert isinstance(app.screen, DispatchScreen)
        assert app.screen.view.call.duration_days == 30
