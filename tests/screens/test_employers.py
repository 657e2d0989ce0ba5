"""The employers screen: add an employer and bar a member from the keyboard."""

from __future__ import annotations

from hall import audit
from hall.store import Store
from screens.employers import EmployersScreen
from screens.widgets.forms import FormDialog
from tests.screens.conftest import MARIA, login, make_app, wait_for_workers

SIZE = (130, 40)


async def open_employers(app, pilot):
    await login(pilot, app, *MARIA)
    await pilot.press("e")
    await wait_for_workers(app, pilot)
    assert isinstance(app.screen, EmployersScreen)


async def test_add_an_employer_from_the_keyboard(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await open_employers(app, pilot)
        await pilot.press("plus")
        await pilot.pause()
        assert isinstance(app.screen, FormDialog) and app.screen.id == "employer-dialog"
        await pilot.press(*"Zenith Wiring", "enter", *"3125550199", "enter")
        await wait_for_workers(app, pilot)
        assert isinstance(app.screen, EmployersScreen)
        table = app.screen.query_one("#employers-table")
        assert any("Zenith Wiring" in str(table.get_row_at(i)[0]) for i in range(table.row_count))
    with Store(demo_hall).read() as db:
        row = db.execute("SELECT name, phone FROM employers WHERE name = 'Zenith Wiring'").fetchone()
        assert row is not None
        assert audit.entries(db, action="employer.added", actor="maria", limit=1)[0]["data"]["name"] == "Zenith Wiring"


async def test_bar_a_member_from_the_keyboard(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await open_employers(app, pilot)
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, FormDialog) and app.screen.id == "bar-dialog"
        # The employer is the highlighted one (the first: Acme Electric); focus starts on the card.
        assert app.screen.query_one("#field-employer").value == "Acme Electric"
        await pilot.press(*"1042", "enter", *"2027-01-31", "enter", *"No-show on the Fulton job", "enter",
                          *"R. Diaz, superintendent", "enter")
        await wait_for_workers(app, pilot)
        assert isinstance(app.screen, EmployersScreen)
        assert "will not be referred" in str(app.screen.query_one("#employers-status").render())
    with Store(demo_hall).read() as db:
        row = db.execute(
            "SELECT e.name, b.until, b.reason, b.contact, b.created_by FROM employer_bars b"
            " JOIN employers e ON e.id = b.employer_id WHERE b.card = '1042'").fetchone()
    assert row == ("Acme Electric", "2027-01-31", "No-show on the Fulton job", "R. Diaz, superintendent", "maria")


async def test_a_bar_too_long_is_refused_and_the_form_stays(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await open_employers(app, pilot)
        await pilot.press("b")
        await pilot.pause()
        await pilot.press(*"1042", "enter", *"2031-01-01", "enter", *"reason", "enter", *"R. Diaz", "enter")
        await wait_for_workers(app, pilot)
        assert isinstance(app.screen, FormDialog) and app.screen.id == "bar-dialog"  # the form stays, as typed
        assert "at most 730 days" in str(app.screen.query_one("#form-error").render())
        await pilot.press("escape")  # something typed: asks before throwing it away
        await wait_for_workers(app, pilot)
        assert app.screen.id == "discard-dialog"
        await pilot.press("enter")
        await wait_for_workers(app, pilot)
        assert isinstance(app.screen, EmployersScreen)
    with Store(demo_hall).read() as db:
        assert db.execute("SELECT count(*) FROM employer_bars WHERE card = '1042'").fetchone()[0] == 0
