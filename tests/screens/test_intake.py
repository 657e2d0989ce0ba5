"""Take a call from the keyboard: type-ahead employer, class, workers, start, days, a cert, a name
request; the side panel; saving opens the ranking; refused saves write nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from textual.widgets import Input, Select, SelectionList, Static

from hall import load
from hall.queries.books import book_list
from hall.queries.calls import call_info
from hall.queries.certifications import known_certifications
from hall.errors import HallError
from hall.parse import resolve_start
from hall.store import Store
from hall.views import calls as views
from screens.dispatch import DispatchScreen
from screens.intake import BY_PHONE, IntakeScreen
from screens.jobboard import JobBoardScreen
from tests.screens.conftest import FIXED_NOW, MARIA, audit_head, login, make_app, type_text, wait_for_workers

SIZE = (130, 40)


def _rules(path):
    return Store(path).rules()[1]


def _a_name_request(path, cert: str) -> str:
    """A card the rules would honour as a name request on a 2-worker Acme call needing ``cert``."""
    store = Store(path, clock=lambda: FIXED_NOW)
    first = views.who_qualifies(store, classification="JW", certs=[cert], workers="2", days="30",
                                start="fri 07:00", employer="Acme Electric")
    assert first.meet_all >= 3, "the demo should have enough qualified JWs"
    with store.read() as db:
        cards = [r.card for r in book_list(db, "JW-1", _rules(path), FIXED_NOW)]
    for card in reversed(cards):
        q = views.who_qualifies(store, classification="JW", certs=[cert], workers="2", days="30",
                                start="fri 07:00", employer="Acme Electric", requests=f"{card} foreman on Main St")
        if not q.requests[0].problem:
            return card
    raise AssertionError("no member can be name-requested on the demo's JW-1")


async def _open_intake(pilot, app) -> IntakeScreen:
    await login(pilot, app, *MARIA)
    await pilot.press("n")
    await wait_for_workers(app, pilot)
    assert isinstance(app.screen, IntakeScreen)
    return app.screen


def by_phone(screen: IntakeScreen, reason: str) -> None:
    """(v2) The demo hall bids: choose "by phone now" and say why."""
    screen.query_one("#dispatch_way", Select).value = BY_PHONE
    screen.query_one("#by_phone", Input).value = reason


async def _choose_cert(pilot, app, cert: str) -> None:
    with Store(app.store.path).read() as db:
        index = known_certifications(db).index(cert)
    assert isinstance(app.focused, SelectionList)
    await pilot.press(*["down"] * (index + 1), "space")


async def test_take_a_call_from_the_keyboard_then_the_ranking_opens(demo_hall):
    named = _a_name_request(demo_hall, "OSHA-10")
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_intake(pilot, app)
        await type_text(pilot, "acme el")
        await wait_for_workers(app, pilot)
        await pilot.press("enter")  # takes the suggestion, moves to the class
        assert screen.query_one("#employer", Input).value == "Acme Electric"
        assert "(known)" in str(screen.query_one("#employer-state", Static).render())
        await pilot.press("enter", "enter")  # open the class list, keep JW
        await pilot.press("tab")
        await type_text(pilot, "2")
        await pilot.press("tab")
        await type_text(pilot, "fri 07:00")
        assert "Fri 27 Nov 07:00" in str(screen.query_one("#start-hint", Static).render())
        await pilot.press("tab")
        await type_text(pilot, "30")
        await pilot.press("tab")
        await _choose_cert(pilot, app, "OSHA-10")
        await pilot.press("tab")
        await type_text(pilot, f"{named} foreman on Main St")
        await pilot.press("tab")
        await type_text(pilot, "1200 Main St, gate B")
        await pilot.press("tab")
        await type_text(pilot, "ask for Joe")
        # (v2) The demo hall bids: this call cannot wait for the morning selection, so it goes by phone.
        await pilot.press("tab", "enter", "down", "enter")  # the dispatch choice: by phone now
        await pilot.press("tab")
        await type_text(pilot, "$52.10")
        await pilot.press("tab")
        await type_text(pilot, "the crew starts tomorrow")

        screen.refresh_panel()
        await wait_for_workers(app, pilot)
        panel = str(screen.query_one("#qualifies", Static).render())
        assert "JW waiting" in panel and "hold OSHA-10" in panel and "meet all requirements" in panel
        assert "short call: no (30 days > 10)" in panel
        assert f"{named} " in panel

        await pilot.press("ctrl+s")
        await wait_for_workers(app, pilot)
        await wait_for_workers(app, pilot)

        assert isinstance(app.screen, DispatchScreen)
        call_id = app.screen.call_id
        with Store(demo_hall).read() as db:
            call = load.job_call(db, call_id)
            info = call_info(db, call_id)
        assert call.employer == "Acme Electric"
        assert call.classification == "JW" and call.workers == 2 and call.duration_days == 30
        assert call.start == datetime(2026, 11, 27, 13, 0, tzinfo=UTC)  # 07:00 in Chicago
        assert call.required_certs == ("OSHA-10",)
        assert [(r.card, r.reason) for r in call.name_requests] == [(named, "foreman on Main St")]
        assert call.site == "1200 Main St, gate B" and info["notes"] == "ask for Joe"
        assert info["taken_by"] == "maria"
        assert (call.by_phone, call.wage, call.posted_for) == ("the crew starts tomorrow", "$52.10", None)
        # The dispatch screen shows the ranking, the name request first.
        view = app.screen.view
        assert view is not None and view.call.id == call_id
        assert view.rows[0].card == named and view.rows[0].pos == "name"
        table = app.screen.query_one("#candidates")
        assert table.row_count == len(view.rows)


async def test_a_new_employer_is_added_with_the_call(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_intake(pilot, app)
        await type_text(pilot, "Zephyr Wiring")
        await wait_for_workers(app, pilot)
        assert "(new employer)" in str(screen.query_one("#employer-state", Static).render())
        screen.query_one("#workers", Input).value = "1"
        screen.query_one("#start", Input).value = "tomorrow 6:30"
        screen.query_one("#days", Input).value = "5"
        by_phone(screen, "needed tomorrow morning")
        await pilot.press("ctrl+s")
        await wait_for_workers(app, pilot)
        await wait_for_workers(app, pilot)
        assert isinstance(app.screen, DispatchScreen)
        with Store(demo_hall).read() as db:
            call = load.job_call(db, app.screen.call_id)
        assert call.employer == "Zephyr Wiring" and call.duration_days == 5
        assert call.start == datetime(2026, 11, 27, 12, 30, tzinfo=UTC)


async def test_a_refused_save_lists_every_problem_with_the_cursor_on_the_first(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_intake(pilot, app)
        await type_text(pilot, "Acme Electric")
        screen.query_one("#start", Input).value = "someday"
        before = audit_head(demo_hall)
        await pilot.press("ctrl+s")  # no workers, an unreadable start, no days
        await wait_for_workers(app, pilot)
        assert isinstance(app.screen, IntakeScreen)
        lines = str(screen.query_one("#intake-message", Static).render()).splitlines()
        assert len(lines) == 3
        assert "number of workers" in lines[0] and "'someday' has no time of day" in lines[1]
        assert "number of working days" in lines[2]
        assert app.focused is screen.query_one("#workers", Input)  # the first field with a problem
        assert all(screen.query_one(f"#{name}", Input).has_class("-invalid") for name in ("workers", "start", "days"))
        assert audit_head(demo_hall) == before

        # esc with something typed asks first; esc again keeps the form and what is in it
        await pilot.press("escape")
        await wait_for_workers(app, pilot)
        assert app.screen.id == "discard-dialog"
        await pilot.press("escape")
        await wait_for_workers(app, pilot)
        assert app.screen is screen and screen.query_one("#employer", Input).value == "Acme Electric"
        await pilot.press("escape")
        await wait_for_workers(app, pilot)
        await pilot.press("enter")  # throw it away
        await wait_for_workers(app, pilot)
        assert not isinstance(app.screen, IntakeScreen)
        assert audit_head(demo_hall) == before


async def test_esc_on_an_empty_form_leaves_at_once(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await _open_intake(pilot, app)
        await pilot.press("escape")
        await wait_for_workers(app, pilot)
        assert not isinstance(app.screen, IntakeScreen)


async def test_typing_in_the_certifications_jumps_and_a_chosen_one_is_marked(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_intake(pilot, app)
        certs = screen.query_one("#certs", SelectionList)
        certs.focus()
        await pilot.press(*"osha-3")
        assert str(certs.get_option_at_index(certs.highlighted).prompt) == "OSHA-30"
        await pilot.press("space")
        assert list(certs.selected) == ["OSHA-30"]
        assert str(screen.query_one("#certs-chosen", Static).render()) == "✓ OSHA-30"


@pytest.mark.parametrize("typed, expected", [
    ("2026-11-27 07:00", "2026-11-27 07:00"),
    ("fri 07:00", "2026-11-27 07:00"),
    ("Friday 7am", "2026-11-27 07:00"),
    ("tomorrow 7:00", "2026-11-27 07:00"),
    ("today 13:30", "2026-11-26 13:30"),
    ("thu 7:00", "2026-12-03 07:00"),  # 07:00 today has passed (it is 07:30): next week
    ("27 nov 7:00", "2026-11-27 07:00"),
    ("mon 30 nov 6:30 pm", "2026-11-30 18:30"),
    ("dec 3 06:30", "2026-12-03 06:30"),
])
def test_friendly_start_times(demo_hall, typed, expected):
    assert resolve_start(typed, _rules(demo_hall), FIXED_NOW) == expected


@pytest.mark.parametrize("typed", ["", "fri", "someday 7:00", "sat 27 nov 7:00", "2026-11-27", "25:00", "2026-02-30 7:00"])
def test_unreadable_start_times_are_one_sentence(demo_hall, typed):
    with pytest.raises(HallError) as error:
        resolve_start(typed, _rules(demo_hall), FIXED_NOW)
    assert str(error.value).strip()


def test_name_requests_are_typed_as_card_and_reason():
    assert views.parse_requests("104 foreman on Main St; 107 — knows the site\n 9:  x ") == [
        ("104", "foreman on Main St"), ("107", "knows the site"), ("9", "x")]


def test_the_snapshot_of_the_form_with_the_side_panel(demo_hall, snap_compare):
    app = make_app(demo_hall)

    async def fill(pilot):
        screen = await _open_intake(pilot, app)
        await type_text(pilot, "Acme Electric")
        screen.query_one("#workers", Input).value = "3"
        screen.query_one("#start", Input).value = "fri 07:00"
        screen.query_one("#days", Input).value = "30"
        screen.query_one("#site", Input).value = "1200 Main St, gate B"
        certs = screen.query_one("#certs", SelectionList)
        certs.select("OSHA-30")
        certs.select("Confined Space")
        for widget in screen.query(Input):
            widget.cursor_blink = False
        await wait_for_workers(app, pilot)
        screen.refresh_panel()
        await wait_for_workers(app, pilot)
        app.clear_notifications()
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=fill)


async def test_with_bidding_on_a_call_is_posted_unless_taken_by_phone_with_a_reason(demo_hall):
    """(v2) The demo hall adopted the morning dispatch: a call is posted for bids (the job board
    opens); by phone it needs a reason (refused without one, nothing written)."""
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_intake(pilot, app)
        assert not screen.query_one("#by-phone-row").display  # posted for bids: no reason to give
        await type_text(pilot, "Bolt Co")
        screen.query_one("#workers", Input).value = "2"
        screen.query_one("#start", Input).value = "mon 7am"
        screen.query_one("#days", Input).value = "20"
        screen.query_one("#dispatch_way", Select).value = BY_PHONE
        await pilot.pause()
        assert screen.query_one("#by-phone-row").display
        head = audit_head(demo_hall)
        await pilot.press("ctrl+s")
        await wait_for_workers(app, pilot)
        assert "Say why this call cannot wait" in str(screen.query_one("#intake-message", Static).render())
        assert app.focused is screen.query_one("#by_phone", Input) and audit_head(demo_hall) == head
        screen.query_one("#dispatch_way", Select).value = "post"
        screen.query_one("#wage", Input).value = "$52.10"
        await pilot.press("ctrl+s")
        await wait_for_workers(app, pilot)
        await wait_for_workers(app, pilot)
        assert isinstance(app.screen, JobBoardScreen)
        with Store(demo_hall).read() as db:
            call_id, posted_for, wage = db.execute(
                "SELECT id, posted_for, wage FROM calls ORDER BY id DESC LIMIT 1").fetchone()
        assert posted_for is not None and wage == "$52.10"
        assert [c.id for c in app.screen.data.calls][-1] == call_id
