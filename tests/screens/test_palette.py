"""The command palette: members by card, calls by number, screens by name; nothing before log-in."""

from __future__ import annotations

from textual.command import CommandPalette

from tests.screens.conftest import MARIA, login, make_app, type_text, wait_for_workers

SIZE = (130, 40)


async def palette(app, pilot, text: str):
    await pilot.press("ctrl+p")
    await pilot.pause()
    assert CommandPalette.is_open(app)
    await type_text(pilot, text)
    # The search (a worker, its lookups in a thread) fills the list when it is done.
    await wait_for_workers(app, pilot)


async def test_typing_a_card_opens_that_member(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, app, *MARIA)
        opened = []
        app.action_member = lambda card=None: opened.append(card)  # the Member screen belongs to another helper
        await palette(app, pilot, "1268")
        await pilot.press("enter")
        await wait_for_workers(app, pilot)
        assert opened == ["1268"]


async def test_typing_a_call_number_opens_dispatch(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, app, *MARIA)
        opened = []
        app.action_dispatch = lambda call_id=None: opened.append(call_id)
        await palette(app, pilot, "#14")
        await pilot.press("enter")
        await wait_for_workers(app, pilot)
        assert opened == [14]


async def test_screens_by_name(demo_hall):
    from screens.audit import AuditScreen

    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, app, *MARIA)
        await palette(app, pilot, "Audit")
        await pilot.press("enter")
        await wait_for_workers(app, pilot)
        assert isinstance(app.screen, AuditScreen)


async def test_nothing_of_the_hall_before_log_in(demo_hall):
    from screens.commands import HallCommands

    app = make_app(demo_hall)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        provider = HallCommands(app.screen)
        hits = [hit async for hit in provider.search("1268")]
        assert hits == []
        assert [hit async for hit in provider.discover()] == []
