"""The app's forms refuse nonsense with the operations' own sentences (issue 12, section 4): a day outside the
field's range, and a job end dated before its referral."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dispatch.ranking import next_to_offer
from hall import load
from hall.clock import fixed
from hall.errors import HallError
from hall.operations import members
from hall.operations.jobs import end_job
from hall.operations.calls import take_call
from hall.operations.offers import record_offer
from hall.store import Store
from screens.text import clean
from tests.conftest import MARIA as MARIA_ACTOR
from tests.screens.conftest import FIXED_NOW, make_app, wait_for_workers
from tests.screens.test_member import logged_in


def sentence_of(operation, *args, **kw) -> str:
    with pytest.raises(HallError) as error:
        operation(*args, **kw)
    return str(error.value)


async def submitted_form_error(app, pilot, key: str, **typed: str) -> str:
    """Open a form with ``key``, fill its fields (``until="..."``) and save: the form's error line."""
    await pilot.press(key)
    for field, value in typed.items():
        app.screen.query_one(f"#field-{field}").value = value
    await pilot.pause()
    app.screen.action_submit()
    await pilot.pause()
    return str(app.screen.query_one("#form-error").render())


@pytest.mark.parametrize("typed", ["9999-12-31", "2040-01-01"])
async def test_unavailable_too_far_ahead_is_the_operations_sentence(demo_hall, typed):
    store = Store(demo_hall, fixed(FIXED_NOW))
    expected = sentence_of(members.declare_unavailable, store, "1164", typed, "family", actor=MARIA_ACTOR)
    assert "unavailability date" in expected
    app = make_app(demo_hall)
    async with app.run_test(size=(120, 40)) as pilot:
        await logged_in(app, pilot)
        app.action_member("1164")
        await wait_for_workers(app, pilot)
        shown = await submitted_form_error(app, pilot, "u", until=typed, reason="family")
        assert app.screen.id == "unavailable-dialog"  # the form stays open, nothing recorded
    assert shown == clean(expected)


async def test_a_certificate_expiring_in_year_one_is_the_operations_sentence(demo_hall):
    store = Store(demo_hall, fixed(FIXED_NOW))
    expected = sentence_of(members.set_certification, store, "1164", "CPR", actor=MARIA_ACTOR, expires="0001-01-01")
    app = make_app(demo_hall)
    async with app.run_test(size=(120, 40)) as pilot:
        await logged_in(app, pilot)
        app.action_member("1164")
        await wait_for_workers(app, pilot)
        shown = await submitted_form_error(app, pilot, "t", name="CPR", expires="0001-01-01")
    assert shown == clean(expected) and "certification expiry date" in shown


async def test_a_job_end_before_the_referral_is_refused_in_the_app(demo_hall):
    """A call that started two days ago, its member referred this morning: an end dated yesterday."""
    taken = Store(demo_hall, fixed(FIXED_NOW - timedelta(days=3)))
    call_id = take_call(taken, employer="Acme Electric", classification="JW", workers=1,
                        start=FIXED_NOW - timedelta(days=2), days=20, actor=MARIA_ACTOR).id
    now_store = Store(demo_hall, fixed(FIXED_NOW))
    with now_store.read() as db:
        _, rules = now_store.rules(db)
        ranking, _ = load.ranking_through(db, load.job_call(db, call_id), rules, FIXED_NOW)
        card = next_to_offer(ranking).card
    record_offer(Store(demo_hall, fixed(FIXED_NOW - timedelta(hours=1))), call_id, card, "accepted",
                 actor=MARIA_ACTOR)
    expected = sentence_of(end_job, now_store, card, "quit", actor=MARIA_ACTOR, at="2026-11-25 10:00")
    assert "was referred to call" in expected
    app = make_app(demo_hall)
    async with app.run_test(size=(120, 40)) as pilot:
        await logged_in(app, pilot)
        app.action_member(card)
        await wait_for_workers(app, pilot)
        await pilot.press("j", "q")
        assert app.screen.id == "job-end-dialog"
        app.screen.query_one("#field-at").value = "2026-11-25 10:00"
        await pilot.press("enter")
        assert app.screen.id == "via-dialog"
        await pilot.press("p")
        await wait_for_workers(app, pilot)
        shown = [n.message for n in app._notifications]
        assert app.screen.id != "confirm-dialog"
    assert expected in shown, shown  # (no ISO date in it for the app to put in words)
