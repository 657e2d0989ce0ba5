"""The board: home after log-in. Open calls, the books, re-signs due, certifications expiring, the audit head."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import DataTable, Label, Sparkline, Static

from screens.base import HallScreen, clean, short_date


def fit(text: str, width: int) -> str:
    """Text cut to ``width`` with an ellipsis when it is longer (a silent cut can read as another name)."""
    return text if len(text) <= width else text[: width - 1] + "…"


def add_columns(table: DataTable, *columns: tuple[str, int]) -> None:
    for label, width in columns:
        table.add_column(label, width=width)


class BoardScreen(HallScreen):
    """Today's work at a glance; refreshes itself when any terminal changes the records."""

    CSS_PATH = "board.tcss"
    SCREEN_TITLE = "Board"
    BINDINGS = [
        # priority: the calls table's own Enter (select) would otherwise take the key and hide it in the footer.
        Binding("enter", "open_call", "Dispatch call", id="open_call", tooltip="Dispatch the highlighted call",
                priority=True),
        Binding("escape", "noop", "", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        with Grid(id="board-grid"):
            with Vertical(id="calls-panel"):
                yield Label("OPEN CALLS", classes="section-title", id="calls-title")
                yield DataTable(id="calls-table", cursor_type="row", zebra_stripes=True)
            with Vertical(id="books-panel"):
                yield Label("BOOKS", classes="section-title")
                yield Vertical(id="books-rows")
            with Vertical(id="resign-panel"):
                yield Label("RE-SIGN DUE THIS WEEK", classes="section-title", id="resign-title")
                yield DataTable(id="resign-table", cursor_type="row", show_cursor=False)
            with Vertical(id="certs-panel"):
                yield Label("CERTIFICATIONS EXPIRING", classes="section-title", id="certs-title")
                yield DataTable(id="certs-table", cursor_type="row", show_cursor=False)
        yield Static("", id="board-status")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        calls = self.query_one("#calls-table", DataTable)
        # Fixed widths: an auto-sized column grows only on the table's next idle, and a frame drawn
        # before that can stay cached with the header's width ("Fri 2" for "Fri 27 Nov 07:00").
        add_columns(calls, ("call", 4), ("employer", 20), ("class", 5), ("filled", 6), ("start", 16), ("days", 4))
        add_columns(self.query_one("#resign-table", DataTable),
                    ("card", 5), ("name", 20), ("book", 4), ("due by", 10), ("", 9))
        add_columns(self.query_one("#certs-table", DataTable),
                    ("card", 5), ("name", 20), ("certification", 16), ("expires", 19))
        calls.focus()
        self.reload()

    def action_noop(self) -> None:
        pass

    def reload(self) -> None:
        if self.session is None:
            return
        self.load(self.session.board, done=self._show)

    def _show(self, board: dict) -> None:
        rules = board["rules"]
        zone = rules.zone
        today = board["today"]
        calls = self.query_one("#calls-table", DataTable)
        keep = calls.coordinate_to_cell_key(calls.cursor_coordinate).row_key.value if calls.row_count else None
        calls.clear()
        for c in board["calls"]:
            fill = f"{c['accepted']} of {c['workers']}"
            calls.add_row(f"#{c['id']}", fit(clean(c["employer"]), 20), f"{c['class']} ×{c['workers']}", fill,
                          short_date(c["start"], zone), str(c["days"]), key=str(c["id"]))
        self.query_one("#calls-title", Label).update(f"OPEN CALLS ({len(board['calls'])})")
        if keep is not None:
            try:
                calls.move_cursor(row=calls.get_row_index(keep))
            except Exception:
                pass

        rows = self.query_one("#books-rows", Vertical)
        rows.remove_children()
        for book, count, top in board["books"]:
            history = board["history"].get(book.id) or [0]
            first = clean(top.name) if top else "—"
            line = Horizontal(
                Static(f"{book.id:<5} {fit(clean(book.name), 20)}", classes="book-name"),
                Static(f"{count:>5}", classes="book-count"),
                Sparkline(history, classes="book-spark"),
                Static(first, classes="book-first"),
                classes="book-row",
            )
            rows.mount(line)

        resign = self.query_one("#resign-table", DataTable)
        resign.clear()
        for r in board["resign_due"]:
            days = (r["due"] - today).days
            if r["state"] == "overdue":
                flag = Text("! overdue", style="bold")
            else:
                flag = Text(f"! {days} day{'s' if days != 1 else ''}" if days <= rules.resign.warning_days else "")
            resign.add_row(r["card"], fit(clean(r["name"]), 20), r["book"], f"{r['due']:%a %d %b}", flag)
        self.query_one("#resign-title", Label).update(
            f"RE-SIGN DUE THIS WEEK ({_shown_of(board['resign_due'], board.get('resign_due_total'))})")

        certs = self.query_one("#certs-table", DataTable)
        certs.clear()
        for c in board["certs"]:
            when = f"{c['expires']:%d %b %Y}"
            if c["expires"] < today:
                when = f"expired {when}"
            certs.add_row(c["card"], fit(clean(c["name"]), 20), fit(clean(c["cert"]), 16), when)
        self.query_one("#certs-title", Label).update(
            f"CERTIFICATIONS EXPIRING ({_shown_of(board['certs'], board.get('certs_total'))})")

        seq, digest = board["head"]
        status = f"audit #{seq} {digest[:4]}…{digest[-4:]}"
        for change in board["upcoming_rules"]:
            status += (f"  ·  rules change on {change['effective_at'].astimezone(zone):%a %d %b %Y}: "
                       + "; ".join(change["changes"][:3]))
        self.query_one("#board-status", Static).update(status)

    def action_open_call(self) -> None:
        calls = self.query_one("#calls-table", DataTable)
        if not calls.row_count:
            self.notify("No open calls: press n to take one.")
            return
        key = calls.coordinate_to_cell_key(calls.cursor_coordinate).row_key.value
        self.hall_app.action_dispatch(int(key))


def _shown_of(rows: list, total: int | None) -> str:
    """How many a board table lists: "12", or "first 100 of 4,039" when the board lists only the first."""
    if total is None or total <= len(rows):
        return str(len(rows))
    return f"first {len(rows)} of {total:,}"
