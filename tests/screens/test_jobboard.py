"""(v2) The job board and the selection's results with Pilot, on the demo hall with the morning dispatch
(`hall demo`): a posted Acme call with three bids, the countdown, a phoned bid taken with
`b`, the Counter's `i` sign-in refused (no day book) and `b` bid; after 07:00 the results screen."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hall.operations import accounts
from hall.session import Session
from hall.store import Store
from screens.jobboard import JobBoardScreen, ResultsScreen
from tests.conftest import SettableClock
from tests.screens.conftest import FIXED_NOW, MARIA, make_app, type_text, wait_for_workers


@pytest.fixture
def morning_demo(demo_hall):
    """The demo hall: it adopted the morning dispatch on its last business day."""
    return demo_hall


async def at_job_board(app, pilot, user: tuple[str, str] = MARIA) -> JobBoardScreen:
    """Log in as ``user`` and open the job board (b)."""
    await wait_for_workers(app, pilot)
    app.logged_in(Session(app.store, accounts.login(app.store, *user)))
    await wait_for_workers(app, pilot)
    await pilot.press("b")
    await wait_for_workers(app, pilot)
    assert isinstance(app.screen, JobBoardScreen)
    return app.screen


async def test_the_job_board_counts_down_and_takes_a_phoned_bid(morning_demo):
    clock = SettableClock(FIXED_NOW)
    app = make_app(morning_demo, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await at_job_board(app, pilot)
        line = str(screen.query_one("#jobboard-next").render())
        assert "Next selection Fri 27 Nov 07:00" in line and "(in 23 h 0 min)" in line and "1 call, 3 bids" in line
        table = screen.query_one("#jobboard-table")
        assert table.row_count == 1
        cells = [str(c) for c in table.get_row_at(0)]
        assert cells[0] == "#17" and "Acme Electric" in cells[1] and "$52.10" in cells
        clock.advance(minutes=61)
        await pilot.pause(1.1)
        assert "(in 21 h 59 min)" in str(screen.query_one("#jobboard-next").render())
        # b: card, call (the highlighted one), choice blank; then by phone
        await pilot.press("b")
        await wait_for_workers(app, pilot)
        await type_text(pilot, "1268")
        await pilot.press("enter", "enter", "enter")
        await wait_for_workers(app, pilot)
        await pilot.press("enter")  # the first choice: by phone
        await wait_for_workers(app, pilot)
        status = str(screen.query_one("#jobboard-status").render())
        assert "Kevin Murphy (1268) bid on call #17 as choice 1" in status and "Receipt #" in status
        with Store(morning_demo).read() as db:
            row = db.execute("SELECT card, via, recorded_by FROM bids ORDER BY id DESC LIMIT 1").fetchone()
        assert row == ("1268", "phone", "maria")
        assert "4 bids" in str(screen.query_one("#jobboard-next").render())


async def test_after_the_selection_the_results_show_the_awards(morning_demo):
    clock = SettableClock(FIXED_NOW + timedelta(days=1, minutes=5))  # Fri 07:35
    app = make_app(morning_demo, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await at_job_board(app, pilot)
        await pilot.press("s")
        await wait_for_workers(app, pilot)
        screen = app.screen
        assert isinstance(screen, ResultsScreen)
        title = str(screen.query_one("#results-title").render())
        assert title.startswith("SELECTION OF FRI 27 NOV 07:00 · 2 awarded · 0 opening(s) left")
        rows = [" ".join(str(c) for c in screen.query_one("#results-table").get_row_at(i)) for i in range(2)]
        assert "1164 · Tomás Rivera · choice 1 · list order" in rows[0]
        assert "1289 · Darnell Jackson · choice 1 · list order" in rows[1]
        with Store(morning_demo).read() as db:
            assert db.execute("SELECT count(*) FROM selections").fetchone()[0] == 1  # the app's sweep recorded it


async def test_at_80_columns_nothing_that_matters_is_cut(morning_demo):
    """80x24: the selection line is one line; the board keeps the wage (the certifications, class and
    site give way first); the results keep each award whole (the class gives way)."""
    clock = SettableClock(FIXED_NOW)
    app = make_app(morning_demo, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await at_job_board(app, pilot)
        line = str(screen.query_one("#jobboard-next").render())
        assert line.startswith("Selection Fri 07:00 · bids close 06:30 (in 23 h 0 min)") and line.endswith("1 call, 3 bids")
        assert len(line) <= 76
        table = screen.query_one("#jobboard-table")
        titles = [str(c.label).strip() for c in table.columns.values()]
        assert titles == ["call", "employer", "open", "start", "days", "wage", "bids"]
        assert [str(c) for c in table.get_row_at(0)][5] == "$52.10"
    clock.moment = FIXED_NOW + timedelta(days=1, minutes=5)
    app = make_app(morning_demo, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await at_job_board(app, pilot)
        await pilot.press("s")
        await wait_for_workers(app, pilot)
        rows = [[str(c) for c in app.screen.query_one("#results-table").get_row_at(i)] for i in range(2)]
        assert rows[0][2] == "1164 · Tomás Rivera · choice 1 · list order"
        assert rows[1][2] == "1289 · Darnell Jackson · choice 1 · list order"
