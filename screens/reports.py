"""Reports: pick one, fill its options, read it here, export it (CSV, XLSX, PDF) to the hall's
exports folder.

The preview's columns are sized to the room there is: every column stays, the widest cut
first (with an ellipsis), so the name, position, basis and outcome of a day book all show.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from hall.errors import HallError
from hall.parse import parse_day
from hall.reports import REPORTS, Report
from hall.views import exports
from screens.base import HallScreen
from screens.text import clean, clean_block, fit, fit_columns, short_day

MAX_ROWS_SHOWN = 2000
NARROW = 110  # narrower: the list of reports is narrower and shows titles only
OPTION_LABELS = {
    "date": ("Date", "e.g. today, 11/25, 2026-11-25"),
    "since": ("Since", "e.g. 10/1, last mon, 2026-10-01"),
    "book": ("Book", "e.g. JW-1 (empty: every book)"),
    "days": ("Days", "how many days ahead"),
    "card": ("Card", "card number"),
}
DATE_OPTIONS = ("date", "since")
# Columns that leave a narrow preview first (the export keeps every column); then the widest are cut.
GIVES_WAY = ("receipt", "recorded by", "hash", "note", "turndown", "registered", "employer", "reason")


def histogram_lines(values: list[int], width: int = 30, bins: int = 6) -> list[tuple[str, int]]:
    """(label, count) per bin of days waited, bins a week wide (the last one open-ended)."""
    if not values:
        return []
    top = max(values)
    size = 7 if top < 7 * bins else max((top + bins) // bins, 1)
    counts = [0] * bins
    for value in values:
        counts[min(value // size, bins - 1)] += 1
    lines = []
    for i, count in enumerate(counts):
        low = i * size
        label = f"{low}+ d" if i == bins - 1 else f"{low}–{low + size - 1} d"
        lines.append((label, count))
    while lines and lines[-1][1] == 0:
        lines.pop()
    return lines


class ReportsScreen(HallScreen):
    """The hall's reports, on screen and as files."""

    CSS_PATH = "reports.tcss"
    SCREEN_TITLE = "Reports"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW, "-wide")]
    BINDINGS = [
        Binding("g", "run", "Run", id="run_report", tooltip="Produce the chosen report with these options"),
        Binding("x", "export", "Export", id="export_report",
                tooltip="Write the report shown as CSV, XLSX and PDF (packets: PDF and Markdown) to the exports folder"),
        Binding("o", "options", "Reports", id="report_options",
                tooltip="Narrow screens: back from the report to the list of reports and their options"),
    ]

    def __init__(self, name: str | None = None, **options):
        super().__init__()
        self.chosen = name or "daybook"
        self.initial = options
        self.report: Report | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        with Horizontal(id="reports-body"):
            with Vertical(id="reports-side"):
                yield Label("REPORTS", classes="section-title")
                yield OptionList(*self._report_options(), id="report-list")
                yield Label("OPTIONS", classes="section-title", id="options-title")
                for key, (label, placeholder) in OPTION_LABELS.items():
                    with Horizontal(classes="option-row", id=f"row-{key}"):
                        yield Label(label, classes="option-label")
                        yield Input(placeholder=placeholder, id=f"opt-{key}", classes="option-input")
                yield Static("enter or g: run · x: export", id="reports-hint")
                yield Static("", id="reports-message")
            yield VerticalScroll(id="report-view")
        yield from self.compose_footer()

    def _report_options(self, described: bool = True) -> list[Option]:
        return [Option(Text.assemble((spec.title, "bold"), *(("\n", (spec.description, "dim")) if described else ())),
                       id=spec.name) for spec in REPORTS.values()]

    def on_resize(self, event) -> None:
        described = event.size.width >= NARROW
        if described != getattr(self, "_described", True):
            self._described = described
            listing = self.query_one("#report-list", OptionList)
            highlighted = listing.highlighted
            listing.clear_options()
            listing.add_options(self._report_options(described))
            listing.highlighted = highlighted
        if self.report is not None and getattr(self, "_shown_width", None) != event.size.width:
            self._show(self.report)

    def say(self, message: str) -> None:
        self.query_one("#reports-message", Static).update(Text(self.sentence(message)) if message else "")

    def on_mount(self) -> None:
        today = self.hall_app.today() if self.session else None
        if today:
            self.query_one("#opt-date", Input).value = today.isoformat()
            self.query_one("#opt-since", Input).value = (today - timedelta(days=30)).isoformat()
        self.query_one("#opt-days", Input).value = "7"
        for key, value in self.initial.items():
            if key in OPTION_LABELS and value is not None:
                self.query_one(f"#opt-{key}", Input).value = str(value)
        listing = self.query_one("#report-list", OptionList)
        listing.highlighted = list(REPORTS).index(self.chosen) if self.chosen in REPORTS else 0
        listing.focus()
        self._show_options()

    def open_with(self, other: "ReportsScreen") -> None:
        if other.initial:
            self.chosen = other.chosen
            for key, value in other.initial.items():
                if key in OPTION_LABELS and value is not None:
                    self.query_one(f"#opt-{key}", Input).value = str(value)
            self.query_one("#report-list", OptionList).highlighted = list(REPORTS).index(self.chosen)
            self._show_options()
            self.action_run()

    # Reports are produced on request, not on every change another terminal makes.
    def reload(self) -> None:
        pass

    def data_changed(self) -> None:
        pass

    # --- choosing and running -------------------------------------------------------

    def _show_options(self) -> None:
        spec = REPORTS[self.chosen]
        for key in OPTION_LABELS:
            self.query_one(f"#row-{key}").display = key in spec.options
        self.query_one("#options-title", Label).update(
            f"OPTIONS · {spec.title}" if spec.options else f"{spec.title}: no options")

    @on(OptionList.OptionHighlighted, "#report-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_id and event.option_id != self.chosen:
            self.chosen = event.option_id
            self._show_options()

    @on(OptionList.OptionSelected, "#report-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.chosen = event.option_id or self.chosen
        self._show_options()
        spec = REPORTS[self.chosen]
        first = next((k for k in spec.required if not self.query_one(f"#opt-{k}", Input).value.strip()), None)
        if first:
            self.query_one(f"#opt-{first}", Input).focus()
        else:
            self.action_run()

    @on(Input.Submitted, ".option-input")
    def _submitted(self, event: Input.Submitted) -> None:
        self.action_run()

    def options(self) -> dict[str, str]:
        """The options as typed, dates read as people say them ("10/1", "last mon"): ISO for the report."""
        spec = REPORTS[self.chosen]
        values = {key: self.query_one(f"#opt-{key}", Input).value.strip() for key in spec.options}
        for key in DATE_OPTIONS:
            if values.get(key):
                values[key] = parse_day(values[key], self.hall_app.rules, self.hall_app.store.now(), future=False,
                                        what=OPTION_LABELS[key][0].lower()).isoformat()
        return values

    def action_run(self) -> None:
        if self.session is None:
            return
        try:
            options = self.options()
        except HallError as error:
            self._failed(str(error))
            return
        self.say("")
        self.query_one("#report-view", VerticalScroll).loading = True
        self.load(self.session.report, self.chosen, done=self._show, failed=self._failed, **options)

    def _failed(self, message: str) -> None:
        self.query_one("#report-view", VerticalScroll).loading = False
        self.notify(self.sentence(message), severity="error")
        self.say(message)

    # --- showing ----------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "options":  # only where the report covers the list (narrow screens)
            return self.has_class("-reading")
        return True

    def action_options(self) -> None:
        self.remove_class("-reading")
        self.query_one("#report-list", OptionList).focus()
        self.refresh_bindings()

    def action_back(self) -> None:
        if self.has_class("-reading"):
            self.action_options()
            return
        super().action_back()

    def _show(self, report: Report) -> None:
        self.report = report
        self._shown_width = self.size.width
        narrow = self.size.width < NARROW
        self.set_class(narrow, "-reading")  # narrow: the report takes the whole width (o: the list again)
        self.refresh_bindings()
        view = self.query_one("#report-view", VerticalScroll)
        view.loading = False
        view.remove_children()
        # (the view may not be laid out yet: then the screen less the list of reports)
        side = 0 if narrow else self.query_one("#reports-side").outer_size.width
        room = max((self.size.width - side if narrow or not view.size.width else view.size.width) - 2 - 2, 30)
        widgets = [Static(Text(self.sentence("\n".join(report.header_lines()))), classes="report-header")]
        for note in report.notes:
            widgets.append(Static(Text(self.sentence(note)), classes="report-note"))
        for index, section in enumerate(report.sections):
            widgets.append(Label(clean(section.title).upper(), classes="section-title"))
            if section.columns:
                if section.rows:
                    table = DataTable(cursor_type="row", zebra_stripes=True, classes="report-table",
                                      id=f"section-{index}")
                    rows = shown_dates([[_cell(v) for v in row] for row in section.rows[:MAX_ROWS_SHOWN]],
                                       self.hall_app.today())
                    titles = [clean(c) for c in section.columns]
                    natural = [max([len(t), *(len(r[i]) for r in rows[:200])]) for i, t in enumerate(titles)]
                    shown = fit_columns(titles, natural, room, GIVES_WAY)
                    for i, width in shown.items():
                        table.add_column(fit(titles[i], width), width=width)
                    for row in rows:
                        table.add_row(*[fit(row[i], w) for i, w in shown.items()])
                    widgets.append(table)
                    left_out = [t for i, t in enumerate(titles) if i not in shown]
                    if left_out:
                        widgets.append(Static(f"Not shown here (too narrow): {', '.join(left_out)}. "
                                              "The export (x) has every column.", classes="report-note"))
                    if len(section.rows) > MAX_ROWS_SHOWN:
                        widgets.append(Static(f"First {MAX_ROWS_SHOWN} of {len(section.rows)} rows shown: "
                                              "export (x) for all.", classes="report-note"))
                else:
                    widgets.append(Static("(none)", classes="report-note"))
            if section.text:
                widgets.append(Static(Text(clean_block(section.text)), classes="report-text"))
            for note in section.notes:
                widgets.append(Static(Text(self.sentence(note)), classes="report-note"))
            if section.title == "Days waited before referral" and report.charts:
                widgets.append(Static(self._histograms(report.charts), classes="report-chart"))
        view.mount_all(widgets)
        view.scroll_home(animate=False)
        if narrow:
            view.focus()

    def _histograms(self, charts: dict[str, list[int]]) -> Text:
        """Days waited per book, drawn with block characters (one bar per week)."""
        text = Text()
        for book, values in charts.items():
            lines = histogram_lines(values)
            most = max((c for _, c in lines), default=1) or 1
            text.append(f"{book}  ({len(values)} referrals)\n", style="bold")
            for label, count in lines:
                bar = "█" * max(round(24 * count / most), 1 if count else 0)
                text.append(f"  {label:>9} ")
                text.append(bar)
                text.append(f" {count}\n")
        return text

    # --- exporting ----------------------------------------------------------------------

    def action_export(self) -> None:
        if self.report is None:
            self.notify("Run a report first (enter or g), then export it.")
            return
        self.load(exports.export_report, self.hall_app.store, self.report, done=self._exported,
                  failed=self._failed, group=f"export-{id(self)}")

    def _exported(self, paths: list[Path]) -> None:
        message = f"Wrote {', '.join(p.name for p in paths)} in {paths[0].parent}"
        self.say(message)
        self.notify(clean(message), title="Exported", timeout=10)


_ISO_MOMENT = re.compile(r"^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2})$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _cell(value) -> str:
    return "" if value is None else clean(value)


def shown_dates(rows: list[list[str]], today) -> list[list[str]]:
    """The preview's ISO dates in the hall's short words: a column of times on one day shows the
    time ("14:30"), other date-times "25 Nov 14:30", dates "Wed 25 Nov" (the export keeps ISO)."""
    if not rows:
        return rows
    columns = list(zip(*rows))
    for i, column in enumerate(columns):
        moments = [_ISO_MOMENT.match(v) for v in column if v]
        if moments and all(moments):
            one_day = len({m.group(1) for m in moments}) == 1
            columns[i] = tuple(_short_moment(v, one_day) for v in column)
        elif column and all(_ISO_DATE.match(v) for v in column if v) and any(column):
            columns[i] = tuple(short_day(date.fromisoformat(v), year=date.fromisoformat(v).year != today.year)
                               if v else v for v in column)
    return [list(row) for row in zip(*columns)]


def _short_moment(value: str, one_day: bool) -> str:
    match = _ISO_MOMENT.match(value)
    if not match:
        return value
    if one_day:
        return match.group(2)
    day = date.fromisoformat(match.group(1))
    return f"{day.day} {day:%b} {match.group(2)}"
