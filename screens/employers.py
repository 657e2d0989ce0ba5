"""Employers: who calls, how many open calls and recent referrals, how much of it by name;
the bars (no-referral requests) in force; ``+`` adds an employer, ``b`` bars a member, Enter
takes a new call for the highlighted employer.

The tables' columns are sized to the width: the reason and the contact are cut first.
"""

from __future__ import annotations

from fractions import Fraction

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Label, Static

from hall.views.employers import EmployersOverview, employers_view
from screens.base import Cancelled, HallScreen, flow
from screens.text import clean, fit, fit_columns, short_day
from screens.widgets.forms import Field, FormDialog
from screens.widgets.tables import highlighted_key

EMPLOYER_COLUMNS = ("employer", "phone", "open calls", "referrals", "by name")
BAR_COLUMNS = ("card", "name", "employer", "until", "reason", "contact", "entered by")


class EmployerTable(DataTable):
    """The employers; Enter takes a new call for the highlighted one (the table's own Enter, so
    keys typed ahead of it keep their order)."""

    BINDINGS = [
        Binding("enter", "select_cursor", "New call for it", id="employer_call",
                tooltip="Take a call for the highlighted employer"),
    ]


class EmployersScreen(HallScreen):
    """Employers and their bars."""

    CSS_PATH = "employers.tcss"
    SCREEN_TITLE = "Employers"
    BINDINGS = [
        Binding("plus,ctrl+n", "add_employer", "Add employer", id="employer_add", key_display="+",
                tooltip="Add an employer (+ or ctrl+n; n stays New call)"),
        Binding("b", "bar", "Bar a member", id="employer_bar",
                tooltip="Record an employer's no-referral request for a member"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.data: EmployersOverview | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        with Vertical(id="employers-panel"):
            yield Label("EMPLOYERS", classes="section-title", id="employers-title")
            yield EmployerTable(id="employers-table", cursor_type="row", zebra_stripes=True)
        with Vertical(id="bars-panel"):
            yield Label("BARS IN FORCE (no-referral requests)", classes="section-title", id="bars-title")
            yield DataTable(id="bars-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="employers-status")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one("#employers-table", DataTable).focus()
        self.reload()

    def on_resize(self) -> None:
        if self.data is not None:
            self._show(self.data)

    def reload(self) -> None:
        if self.session is None:
            return
        self.load(employers_view, self.hall_app.store, done=self._show)

    def say(self, message: str) -> None:
        self.query_one("#employers-status", Static).update(Text(self.sentence(message)) if message else "")

    @staticmethod
    def _fill(table: DataTable, titles: tuple[str, ...], rows: list[tuple[str, list]], room: int,
              gives_way: tuple[str, ...] = ()) -> None:
        """The table's rows (key, cells), its columns sized to ``room`` (``gives_way`` leave first);
        the cursor stays on its row."""
        keep = highlighted_key(table)
        plain = [[c.plain if isinstance(c, Text) else c for c in cells] for _, cells in rows]
        natural = [max([len(t), *(len(r[i]) for r in plain)]) for i, t in enumerate(titles)]
        shown = fit_columns(list(titles), natural, room, gives_way)
        table.clear(columns=True)
        for i, width in shown.items():
            table.add_column(fit(titles[i], width), width=width)
        for key, cells in rows:
            table.add_row(*[cells[i] if isinstance(cells[i], Text) else fit(cells[i], w) for i, w in shown.items()],
                          key=key)
        if keep is not None and keep in table.rows:
            table.move_cursor(row=table.get_row_index(keep))

    def _show(self, data: EmployersOverview) -> None:
        self.data = data
        room = max(self.size.width - 2 - 2, 40)
        limit = Fraction(data.max_share)
        rows = []
        for e in data.employers:
            named: Text | str = "—"
            if e.referrals:
                named = f"{e.named} of {e.referrals}"
                if Fraction(e.named, e.referrals) > limit:
                    named = Text(f"! {named} (over {float(limit):.0%})", style="bold")
            rows.append((str(e.id), [clean(e.name), clean(e.phone), str(e.open_calls or "—"),
                                     str(e.referrals or "—"), named]))
        self._fill(self.query_one("#employers-table", DataTable), EMPLOYER_COLUMNS, rows, room)
        self.query_one("#employers-title", Label).update(
            f"EMPLOYERS ({len(data.employers)}) · referrals and name requests over the last {data.window_days} days")
        bars = [(str(b.id), [clean(b.card), clean(b.name), clean(b.employer), short_day(b.until, year=True),
                             clean(b.reason), clean(b.contact) or "—", clean(b.created_by)]) for b in data.bars]
        self._fill(self.query_one("#bars-table", DataTable), BAR_COLUMNS, bars, room, ("entered by", "name"))
        self.query_one("#bars-title", Label).update(
            f"BARS IN FORCE ({len(data.bars)}) · at most {data.bar_max_days} days each")

    def _highlighted_employer(self) -> str:
        table = self.query_one("#employers-table", DataTable)
        if not table.row_count or self.data is None:
            return ""
        key = highlighted_key(table)
        return next((e.name for e in self.data.employers if str(e.id) == key), "")

    @flow
    async def action_add_employer(self) -> None:
        session = self.session
        receipt = await self.ask(FormDialog("Add an employer", [
            Field("name", "Name", "e.g. Acme Electric"),
            Field("phone", "Phone", "e.g. (312) 555-0170", required=False),
        ], dialog_id="employer-dialog", save=lambda values: session.add_employer(values["name"], values["phone"])))
        if receipt is None:
            raise Cancelled("Nothing added.")
        self.say(f"{receipt.message} Receipt #{receipt.seq}.")
        self.reload()

    @flow
    async def action_bar(self) -> None:
        session = self.session

        def bar(values: dict):
            return session.bar_member(values["employer"], values["card"], values["until"], values["reason"],
                                      contact=values["contact"])

        receipt = await self.ask(FormDialog("Bar a member (the employer's no-referral request)", [
            Field("employer", "Employer", "as on the list", self._highlighted_employer()),
            Field("card", "Card", "the member's card number"),
            Field("until", "Until (the last day, inclusive)", kind="day"),
            Field("reason", "Reason", "what the employer said"),
            Field("contact", "Employer contact (who asked)", "e.g. R. Diaz, superintendent"),
        ], dialog_id="bar-dialog", save=bar))
        if receipt is None:
            raise Cancelled("Nothing recorded.")
        self.say(f"{receipt.message} Receipt #{receipt.seq}.")
        self.reload()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "employers-table":
            event.stop()
            self.hall_app.action_new_call(self._highlighted_employer())
