"""The member screen: find, a short call's end restoring the place, unavailable, reinstate refused."""

from __future__ import annotations

from datetime import timedelta

from dispatch.ranking import next_to_offer
from hall import audit, load
from hall.clock import fixed
from hall.db import connect, immediate
from hall.operations import accounts
from hall.operations.calls import take_call
from hall.operations.offers import record_offer
from hall.session import Session
from hall.store import Store
from hall.views import members as views
from screens.member import MemberScreen
from tests.screens.conftest import ADMIN, FIXED_NOW, MARIA, audit_actions, make_app, wait_for_workers
from tests.conftest import MARIA as MARIA_ACTOR


async def logged_in(app, pilot, user=MARIA):
    await wait_for_workers(app, pilot)
    app.logged_in(Session(app.store, accounts.login(app.store, *user)))
    await wait_for_workers(app, pilot)


def short_call_for_next_jw(path):
    """Yesterday a 3-day JW call; the next candidate accepted it (a short call). Returns (card, call id)."""
    yesterday = FIXED_NOW - timedelta(days=1)
    store = Store(path, fixed(yesterday))
    receipt = take_call(store, employer="Acme Electric", classification="JW", workers=1, start=yesterday,
                        days=3, actor=MARIA_ACTOR)
    call_id = receipt.id
    with store.read() as db:
        _, rules = store.rules(db)
        ranking, _ = load.ranking_through(db, load.job_call(db, call_id), rules, yesterday)
        card = next_to_offer(ranking).card
    return store, card, call_id


async def test_find_by_name_then_open(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=(120, 40)) as pilot:
        await logged_in(app, pilot)
        await pilot.press("m")
        await wait_for_workers(app, pilot)
        screen = app.screen
        assert isinstance(screen, MemberScreen) and screen.card is None
        await pilot.press(*"kevin mur")
        await wait_for_workers(app, pilot)
        await pilot.press("enter")
        await wait_for_workers(app, pilot)
        assert screen.card == "1268" and screen.info.member.name == "Kevin Murphy"
        shown = str(screen.query_one("#member-books").render())
        assert "position 1 of" in shown and "turndowns 2 of 3 !" in shown


async def test_short_call_end_restores_the_position(demo_hall):
    store, card, call_id = short_call_for_next_jw(demo_hall)
    now_store = Store(demo_hall, fixed(FIXED_NOW))
    before = views.positions_of(store, card)
    assert before, "the member is waiting somewhere before the short call"
    record_offer(store, call_id, card, "accepted", actor=MARIA_ACTOR)
    with store.read() as db:
        statuses = {r.book_id: r.status for r in load.registrations_of(db, card, active_only=True)}
    assert set(statuses.values()) == {"on_short_call"}
    app = make_app(demo_hall)
    async with app.run_test(size=(120, 40)) as pilot:
        await logged_in(app, pilot)
        app.action_member(card)
        await wait_for_workers(app, pilot)
        screen = app.screen
        assert isinstance(screen, MemberScreen) and screen.info.working.call == call_id
        await pilot.press("j")
        assert app.screen.id == "end-dialog"
        await pilot.press("s")  # short call over
        assert app.screen.id == "job-end-dialog"  # when it ended (now, as offered) and the days worked
        assert app.screen.query_one("#field-at").value == "now"
        await pilot.press("enter")  # days worked: blank, counted from the start
        assert app.screen.id == "via-dialog"  # how the news came in
        await pilot.press("p")
        await wait_for_workers(app, pilot)
        assert app.screen.id == "confirm-dialog"  # what the rules will record, before anything is
        sentence = str(app.screen.query_one("#confirm-sentence").render())
        assert "short call over" in sentence and "ended Thu 26 Nov 07:30" in sentence and "by phone" in sentence
        assert "back on the books at the original place (restoration 1 of" in sentence
        await pilot.press("enter")
        await wait_for_workers(app, pilot)
        after = views.positions_of(now_store, card)
        assert {p.book: p.position for p in after} == {p.book: p.position for p in before}
        with now_store.read() as db:
            regs = load.registrations_of(db, card, active_only=True)
            end = db.execute("SELECT reason, counted_short, recorded_by, audit_seq FROM job_ends WHERE card = ?",
                             [card]).fetchone()
        assert all(r.status == "waiting" and r.restorations == 1 for r in regs)
        assert end[:3] == ("laid_off", 1, "maria")
        assert audit_actions(demo_hall, action="job.ended")[-1]["data"]["via"] == "phone"
        receipt = str(screen.query_one("#member-receipt").render())
        assert f"receipt #{end[3]}" in receipt
        first = after[0]
        assert f"position {first.position} of {first.of} on {first.book}" in receipt


async def test_unavailable_and_phone_from_the_member(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=(120, 40)) as pilot:
        await logged_in(app, pilot)
        app.action_member("1164")
        await wait_for_workers(app, pilot)
        await pilot.press("u")
        date_input = app.screen.query_one("#field-until")
        date_input.value = "2026-12-10"
        await pilot.press(*"family", "enter", "f")
        await wait_for_workers(app, pilot)
        await pilot.press("p")
        app.screen.query_one("#field-phone").value = "(312) 555-9999"
        await pilot.press("enter")
        await wait_for_workers(app, pilot)
    with Store(demo_hall).read() as db:
        assert db.execute("SELECT until, reason, via FROM unavailability WHERE card = '1164'").fetchall() == [
            ("2026-12-10", "family", "fax")]
        assert db.execute("SELECT phone, phone_checked_at FROM members WHERE card = '1164'").fetchone() == (
            "(312) 555-9999", audit.iso(FIXED_NOW))


def suspend(path, card):
    db = connect(path)
    try:
        with immediate(db):
            db.execute("UPDATE members SET standing = 'suspended', suspension_note = '2 discharges in 12 months'"
                       " WHERE card = ?", [card])
    finally:
        db.close()


async def test_reinstate_refused_for_a_dispatcher_allowed_for_an_admin(demo_hall):
    suspend(demo_hall, "1164")
    app = make_app(demo_hall)
    async with app.run_test(size=(120, 40)) as pilot:
        await logged_in(app, pilot, MARIA)
        app.action_member("1164")
        await wait_for_workers(app, pilot)
        shown = str(app.screen.query_one("#member-details").render())
        assert "SUSPENDED" in shown and "2 discharges in 12 months" in shown
        await pilot.press("i")
        await wait_for_workers(app, pilot)
        messages = [n.message for n in app._notifications]
        assert any("Only an admin can reinstate" in m for m in messages), messages
        with Store(demo_hall).read() as db:
            assert db.execute("SELECT standing FROM members WHERE card = '1164'").fetchone()[0] == "suspended"
            assert not db.execute("SELECT 1 FROM audit WHERE action = 'member.reinstated'").fetchall()
    app = make_app(demo_hall)
    async with app.run_test(size=(120, 40)) as pilot:
        await logged_in(app, pilot, ADMIN)
        app.action_member("1164")
        await wait_for_workers(app, pilot)
        await pilot.press("i")
        await pilot.press(*"appeal upheld", "enter", *"A-14", "enter")
        await wait_for_workers(app, pilot)
        with Store(demo_hall).read() as db:
            assert db.execute("SELECT standing FROM members WHERE card = '1164'").fetchone()[0] == "active"
            row = db.execute("SELECT actor, json_extract(data, '$.authority') FROM audit"
                             " WHERE action = 'member.reinstated'").fetchone()
        assert row == ("admin", "A-14")
