"""The Reports screen: `r` from anywhere, pick a report, fill its options, read it, export it."""

from __future__ import annotations

import csv

from openpyxl import load_workbook
from textual.widgets import DataTable, Input, OptionList

from hall.reports import produce
from hall.store import Store
from screens.reports import ReportsScreen, histogram_lines
from tests.screens.conftest import FIXED_NOW, MARIA, login, make_app, type_text, wait_for_workers


async def test_daybook_on_screen_and_exported(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=(180, 50)) as pilot:
        await login(pilot, app, *MARIA)
        await pilot.press("r")
        await wait_for_workers(app, pilot)
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        listing = screen.query_one("#report-list", OptionList)
        listing.focus()
        listing.highlighted = 0  # daybook
        await pilot.pause()
        date_input = screen.query_one("#opt-date", Input)
        date_input.value = ""
        date_input.focus()
        await type_text(pilot, "2026-11-25")
        await pilot.press("enter")
        await wait_for_workers(app, pilot)
        await pilot.pause()
        expected = produce(Store(demo_hall, lambda: FIXED_NOW), "daybook", date="2026-11-25")
        offers = expected.section("Offers and referrals")
        table = screen.query_one("#section-0", DataTable)
        assert table.row_count == len(offers.rows) == 2
        labels = [str(c.label) for c in table.columns.values()]
        assert {"name", "position", "basis", "outcome"} <= set(labels)  # what a dispatcher reads first
        shown = [str(table.get_row_at(i)[labels.index("name")]) for i in range(table.row_count)]
        assert shown == [r[5] for r in offers.rows]
        assert screen.report.head == expected.head

        table.focus()
        await pilot.press("x")
        await wait_for_workers(app, pilot)
        folder = demo_hall.parent / "exports"  # the hall's exports folder, beside the database
        files = sorted(p.name for p in folder.iterdir())
        assert files == ["daybook-2026-11-25.csv", "daybook-2026-11-25.pdf", "daybook-2026-11-25.xlsx"]
        rows = list(csv.reader((folder / "daybook-2026-11-25.csv").open(encoding="utf-8")))
        assert any(r[:1] == ["Offers and referrals"] for r in rows)
        assert (folder / "daybook-2026-11-25.pdf").read_bytes().startswith(b"%PDF")
        sheet = load_workbook(folder / "daybook-2026-11-25.xlsx")["Offers and referrals"]
        names = [c.value for c in sheet["F"]]
        assert offers.rows[0][5] in names


async def test_fairness_with_histogram_and_bad_option(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=(180, 60)) as pilot:
        await login(pilot, app, *MARIA)
        await pilot.press("r")
        await wait_for_workers(app, pilot)
        screen = app.screen
        listing = screen.query_one("#report-list", OptionList)
        listing.highlighted = list(__import__("hall.reports").reports.REPORTS).index("fairness")
        await pilot.pause()
        since = screen.query_one("#opt-since", Input)
        since.value = "not a date"
        since.focus()
        await pilot.press("enter")
        await wait_for_workers(app, pilot)
        assert screen.report is None  # refused with a notification, nothing shown
        since.value = "2026-10-01"
        await pilot.press("enter")
        await wait_for_workers(app, pilot)
        assert screen.report is not None and screen.report.name == "fairness"
        assert screen.report.section("Referrals out of strict order").rows == []
        chart = [w for w in screen.query(".report-chart")]
        assert chart and "█" in str(chart[0].render())


def test_histogram_bins_by_week():
    assert histogram_lines([0, 1, 6, 7, 20]) == [("0–6 d", 3), ("7–13 d", 1), ("14–20 d", 1)]
    assert histogram_lines([]) == []
