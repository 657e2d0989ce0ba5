"""Employers: who calls, how many open calls and recent referrals, how much of it by name;
the bars (no-referral requests) in force; ``+`` adds an employer, ``b`` bars a member."""

from __future__ import annotations

from fractions import Fraction

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Input, Label, Static

from hall.views.employers import employers_overview
from screens.base import HallScreen, clean


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _overview(store):
    with store.read() as db:
        now = store.now()
        _, rules = store.rules(db, now)
        return employers_overview(db, rules, now)


class FormScreen(ModalScreen):
    """A small form: Enter moves to the next field and saves on the last; esc cancels."""

    CSS_PATH = "employers.tcss"
    TITLE_TEXT = ""
    FIELDS: tuple[tuple[str, str, str], ...] = ()  # (id, label, placeholder)
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="form_cancel", tooltip="Close without saving"),
        Binding("ctrl+s", "save", "Save", id="form_save", tooltip="Save (Enter on the last field too)"),
    ]

    def __init__(self, values: dict[str, str] | None = None) -> None:
        super().__init__()
        self.values = values or {}
        self.saving = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="form-box"):
            yield Label(self.TITLE_TEXT, classes="section-title")
            for field_id, label, placeholder in self.FIELDS:
                with Horizontal(classes="form-row"):
                    yield Label(label, classes="form-label")
                    yield Input(value=self.values.get(field_id, ""), placeholder=placeholder,
                                id=f"form-{field_id}")
            yield Static("", id="form-message")
        yield Footer()

    def on_mount(self) -> None:
        first_empty = next((f for f, _, _ in self.FIELDS if not self.values.get(f)), self.FIELDS[0][0])
        self.query_one(f"#form-{first_empty}", Input).focus()

    def field(self, field_id: str) -> str:
        return self.query_one(f"#form-{field_id}", Input).value

    def on_input_submitted(self, event: Input.Submitted) -> None:
        ids = [f"form-{f}" for f, _, _ in self.FIELDS]
        if event.input.id in ids[:-1]:
            self.query_one(f"#{ids[ids.index(event.input.id) + 1]}", Input).focus()
            return
        self.action_save()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        if self.saving:
            return
        self.saving = True
        self.query_one("#form-message", Static).update("Saving…")
        self.submit()

    def submit(self) -> None:
        raise NotImplementedError

    def saved(self, receipt) -> None:
        self.dismiss(receipt)

    def failed(self, message: str) -> None:
        self.saving = False
        widget = self.query_one("#form-message", Static)
        widget.update(Text(message))
        widget.add_class("error")


class AddEmployerForm(FormScreen):
    TITLE_TEXT = "Add an employer"
    FIELDS = (("name", "Name", "e.g. Acme Electric"), ("phone", "Phone", "e.g. (312) 555-0170"))

    def submit(self) -> None:
        session = self.app.session
        self.app.run_write(session.add_employer, self.field("name"), self.field("phone"),
                           done=self.saved, failed=self.failed)


class BarForm(FormScreen):
    TITLE_TEXT = "Bar a member (the employer's no-referral request)"
    FIELDS = (
        ("employer", "Employer", "as on the list"),
        ("card", "Card", "the member's card number"),
        ("until", "Until (inclusive)", "YYYY-MM-DD"),
        ("reason", "Reason", "what the employer said"),
        ("contact", "Employer contact", "who at the employer asked"),
    )

    def submit(self) -> None:
        session = self.app.session
        self.app.run_write(session.bar_member, self.field("employer"), self.field("card"), self.field("until"),
                           self.field("reason"), contact=self.field("contact"), done=self.saved, failed=self.failed)


class EmployersScreen(HallScreen):
    """Employers and their bars."""

    CSS_PATH = "employers.tcss"
    SCREEN_TITLE = "Employers"
    BINDINGS = [
        Binding("plus,ctrl+n", "add_employer", "Add employer", id="employer_add", key_display="+",
                tooltip="Add an employer (+ or ctrl+n; n stays New call)"),
        Binding("b", "bar", "Bar a member", id="employer_bar",
                tooltip="Record an employer's no-referral request for a member"),
        Binding("enter", "new_call", "New call for it", id="employer_call", show=False,
                tooltip="Take a call for the highlighted employer"),
    ]

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        with Vertical(id="employers-panel"):
            yield Label("EMPLOYERS", classes="section-title", id="employers-title")
            yield DataTable(id="employers-table", cursor_type="row", zebra_stripes=True)
        with Vertical(id="bars-panel"):
            yield Label("BARS IN FORCE (no-referral requests)", classes="section-title", id="bars-title")
            yield DataTable(id="bars-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="employers-status")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        table = self.query_one("#employers-table", DataTable)
        table.add_column("employer", key="name")
        table.add_column("phone", key="phone")
        table.add_column("open calls", key="open")
        table.add_column("referrals 30 d", key="refs")
        table.add_column("by name", key="named")
        bars = self.query_one("#bars-table", DataTable)
        for label in ("card", "name", "employer", "until", "reason", "contact", "entered by"):
            bars.add_column(label)
        table.focus()
        self.reload()

    def reload(self) -> None:
        if self.session is None:
            return
        self.load(_overview, self.hall_app.store, done=self._show)

    def _show(self, data: dict) -> None:
        table = self.query_one("#employers-table", DataTable)
        keep = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value if table.row_count else None
        table.clear()
        limit = Fraction(data["max_share"])
        for e in data["employers"]:
            if e["referrals"]:
                share = Fraction(e["named"], e["referrals"])
                named = f"{e['named']} of {e['referrals']}"
                if share > limit:
                    named = Text(f"! {named} (over {float(limit):.0%})")
                    named.stylize("bold")
            else:
                named = "—"
            table.add_row(clean(e["name"]), clean(e["phone"]), str(e["open_calls"] or "—"),
                          str(e["referrals"] or "—"), named, key=str(e["id"]))
        if keep is not None and keep in table.rows:
            table.move_cursor(row=table.get_row_index(keep))
        self.query_one("#employers-title", Label).update(
            f"EMPLOYERS ({len(data['employers'])}) · referrals and name requests over the last "
            f"{data['window_days']} days")
        bars = self.query_one("#bars-table", DataTable)
        keep_bar = bars.coordinate_to_cell_key(bars.cursor_coordinate).row_key.value if bars.row_count else None
        bars.clear()
        for b in data["bars"]:
            bars.add_row(clean(b["card"]), clean(b["name"]), clean(b["employer"]),
                         f"{b['until']:%a %d %b %Y}", _short(clean(b["reason"]), 44), _short(clean(b["contact"]), 24) or "—",
                         clean(b["created_by"]), key=str(b["id"]))
        if keep_bar is not None and keep_bar in bars.rows:
            bars.move_cursor(row=bars.get_row_index(keep_bar))
        self.query_one("#bars-title", Label).update(
            f"BARS IN FORCE ({len(data['bars'])}) · at most {data['bar_max_days']} days each")

    def _highlighted_employer(self) -> str:
        table = self.query_one("#employers-table", DataTable)
        if not table.row_count:
            return ""
        return str(table.get_row_at(table.cursor_row)[0])

    def action_add_employer(self) -> None:
        self.app.push_screen(AddEmployerForm(), self._after)

    def action_bar(self) -> None:
        self.app.push_screen(BarForm({"employer": self._highlighted_employer()}), self._after)

    def action_new_call(self) -> None:
        self.hall_app.action_new_call()

    def _after(self, receipt) -> None:
        if receipt is None:
            return
        self.query_one("#employers-status", Static).update(Text(f"{receipt.message} Receipt #{receipt.seq}."))
        self.reload()
