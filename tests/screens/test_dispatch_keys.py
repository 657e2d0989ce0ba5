"""Keys typed at once on Dispatch go where the dispatcher meant them: after an outcome key (or
u, g, z ...) every key waits for the dialog it opens, and a second outcome key is typed into
that dialog, never recorded in place of the first. Asserted on the database."""

from __future__ import annotations

from contextlib import asynccontextmanager

from textual import events
from textual.widgets import Static

from hall.operations import accounts
from hall.session import Session
from hall.store import Store
from screens.dispatch import DispatchScreen
from tests.screens.conftest import DWAYNE, FIXED_NOW, audit_head, make_app, wait_for_workers
from tests.screens.test_dispatch import SIZE, _offers, _open_call, _take_call

KEY_CHARACTERS = {"enter": "\r", "space": " "}


async def burst(app, pilot, keys: list[str]) -> None:
    """Post every key at once, as a fast typist (or a paste) would: no pause between them."""
    for key in keys:
        event = events.Key(key, KEY_CHARACTERS.get(key, key if len(key) == 1 else None))
        event.set_sender(app)  # as the terminal's driver does
        app.post_message(event)
    await wait_for_workers(app, pilot)
    await wait_for_workers(app, pilot)


def typed(text: str) -> list[str]:
    return ["space" if ch == " " else ch for ch in text]


@asynccontextmanager
async def dispatching(path):
    """Maria on the dispatch screen of a new 2-worker call: (app, pilot, screen, call id)."""
    call_id = _take_call(path, workers=2)
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        yield app, pilot, await _open_call(pilot, app, call_id), call_id


async def test_x_then_a_note_and_enter_at_once_records_a_decline_with_that_note(demo_hall):
    async with dispatching(demo_hall) as (app, pilot, screen, call_id):
        first = screen.view.next
        # "xbusy": b, u (amend), s (slips) and a (accepted) are keys of this screen too
        await burst(app, pilot, ["x", *typed("busy, call back after 5"), "enter"])
        assert isinstance(app.screen, DispatchScreen)
        assert _offers(demo_hall, call_id) == [(first, "declined", 1, "busy, call back after 5", "maria")]
        assert not (demo_hall.parent / "exports").exists()  # no slips were written on the way


async def test_a_second_outcome_key_goes_into_the_first_ones_note(demo_hall):
    async with dispatching(demo_hall) as (app, pilot, screen, call_id):
        first = screen.view.next
        await burst(app, pilot, ["o", "a", "enter"])
        assert _offers(demo_hall, call_id) == [(first, "no_answer", 0, "a", "maria")]


async def test_keys_after_a_dialog_closes_act_on_the_next_candidate(demo_hall):
    async with dispatching(demo_hall) as (app, pilot, screen, call_id):
        first = screen.view.next
        await burst(app, pilot, ["o", "enter", "x", *typed("has work"), "enter"])
        offers = _offers(demo_hall, call_id)
        assert offers[0] == (first, "no_answer", 0, "", "maria")
        assert offers[1][1:] == ("declined", 1, "has work", "maria") and offers[1][0] != first
        assert len(offers) == 2


async def test_u_then_the_changes_typed_at_once_amend_the_call(demo_hall):
    async with dispatching(demo_hall) as (app, pilot, _, call_id):
        # u, workers 3, keep the start and the days, the reason, then Enter on the confirmation
        await burst(app, pilot, ["u", "3", "enter", "enter", "enter", *typed("J. Smith: one more"), "enter", "enter"])
        assert isinstance(app.screen, DispatchScreen)
    with Store(demo_hall).read() as db:
        workers, = db.execute("SELECT workers FROM calls WHERE id = ?", [call_id]).fetchone()
        data = db.execute("SELECT json_extract(data, '$.reason') FROM audit WHERE action = 'call.amended'"
                          " ORDER BY seq DESC LIMIT 1").fetchone()
    assert workers == 3 and data == ("J. Smith: one more",)


async def test_an_outcome_on_a_row_someone_else_is_calling_is_refused_before_the_note(demo_hall):
    async with dispatching(demo_hall) as (app, pilot, screen, call_id):
        store = Store(demo_hall, clock=lambda: FIXED_NOW)
        Session(store, accounts.login(store, *DWAYNE)).mark_calling(call_id, screen.view.next)
        before = audit_head(demo_hall)
        await burst(app, pilot, ["x", *typed("busy"), "enter"])
        assert isinstance(app.screen, DispatchScreen)  # no note dialog, no amend form, no slips
        message = str(screen.query_one("#dispatch-message", Static).render())
        assert "dwayne is calling" in message and "typed meanwhile were set aside" in message
        assert audit_head(demo_hall) == before and _offers(demo_hall, call_id) == []


async def test_employer_rejected_asks_who_at_the_employer_said_so(demo_hall):
    async with dispatching(demo_hall) as (app, pilot, screen, call_id):
        first = screen.view.next
        await burst(app, pilot, ["r", "enter"])  # no contact: the dialog says what is missing, records nothing
        assert app.screen.id == "outcome-dialog" and _offers(demo_hall, call_id) == []
        assert "Who at the employer said so?" in str(app.screen.query_one("#outcome-error", Static).render())
        await burst(app, pilot, [*typed("R. Diaz, superintendent"), "enter"])
        assert _offers(demo_hall, call_id) == [(first, "employer_rejected", 0, "R. Diaz, superintendent", "maria")]

