"""The board: home after log-in. Open calls, the books, re-signs due, certifications expiring, the audit head."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import DataTable, Label, Sparkline, Static

from screens.base import HallScreen, clean, short_date
from screens.member import theme_style

WIDE = 120  # at least this many columns: every column; below, the short ones (SCREENS.md's sketch)
NARROW = 90  # below this, the left (calls, re-signs) panels get more room than the right


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

    def __init__(self) -> None:
        super().__init__()
        self._mode = ""
        self._board: dict | None = None
        self._flex = {"employer": 20, "name": 20, "cert_name": 20, "cert": 16}

    def on_mount(self) -> None:
        self._set_mode(self.size.width or WIDE)
        self.query_one("#calls-table", DataTable).focus()
        self.reload()

    def on_resize(self, event) -> None:
        if self._set_mode(event.size.width) and self._board is not None:
            self._show(self._board)

    def _set_mode(self, width: int) -> bool:
        """Pick the columns for the width: every column when wide; when narrower, the short start
        ("Fri 07:00"), class and filled together, the re-sign flag with its date, and the names
        as wide as the panel allows (position, card, name come first). True when it changed."""
        mode = "wide" if width >= WIDE else "narrow" if width >= NARROW else "tight"
        if mode == self._mode:
            return False
        self._mode = mode
        self.set_class(mode != "wide", "-narrow")
        self.set_class(mode == "tight", "-tight")
        # Fixed widths: an auto-sized column grows only on the table's next idle, and a frame drawn
        # before that can stay cached with the header's width ("Fri 2" for "Fri 27 Nov 07:00").
        calls = self.query_one("#calls-table", DataTable)
        resign = self.query_one("#resign-table", DataTable)
        certs = self.query_one("#certs-table", DataTable)
        for table in (calls, resign, certs):
            table.clear(columns=True)
        if mode == "wide":
            self._flex = {"employer": 20, "name": 20, "cert_name": 18, "cert": 16}
            add_columns(calls, ("call", 4), ("employer", 20), ("class", 5), ("filled", 6), ("start", 16),
                        ("days", 4))
            add_columns(resign, ("card", 5), ("name", 20), ("book", 4), ("due by", 10), ("", 9))
            add_columns(certs, ("card", 5), ("name", 18), ("certification", 16), ("expires", 21))
            return True
        # The grid's share of the width (padding 1 each side, a gutter of 2), less the scrollbar.
        inner = width - 4
        left, right = (inner * 3 // 5, inner - inner * 3 // 5) if mode == "tight" else (inner // 2, inner - inner // 2)
        left, right = left - 2, right - 2

        def rest(room: int, *fixed: int) -> int:  # cell padding: one space each side of a column
            return max(room - sum(f + 2 for f in fixed) - 2, 6)

        employer = rest(left, 4, 6, 9)
        name = rest(left, 5, 12)
        both = rest(right, 9) - 2
        self._flex = {"employer": employer, "name": name, "cert_name": both - both * 2 // 5,
                      "cert": both * 2 // 5}
        add_columns(calls, ("call", 4), ("employer", employer), ("filled", 6), ("start", 9))
        add_columns(resign, ("card", 5), ("name", name), ("due by", 12))
        add_columns(certs, ("name", self._flex["cert_name"]), ("cert", self._flex["cert"]), ("expires", 9))
        return True

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
        self._board = board
        warn = theme_style(self.app)
        wide = self._mode == "wide"
        flex = self._flex
        calls.clear()
        for c in board["calls"]:
            fill = f"{c['accepted']} of {c['workers']}"
            if wide:
                calls.add_row(f"#{c['id']}", fit(clean(c["employer"]), flex["employer"]),
                              f"{c['class']} ×{c['workers']}", fill, short_date(c["start"], zone), str(c["days"]),
                              key=str(c["id"]))
            else:
                calls.add_row(f"#{c['id']}", fit(clean(c["employer"]), flex["employer"]),
                              f"{c['class']} {c['accepted']}/{c['workers']}",
                              f"{c['start'].astimezone(zone):%a %H:%M}", key=str(c["id"]))
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
                Static(f"{book.id:<5} {fit(clean(book.name), 20)}" if wide else book.id, classes="book-name"),
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
            # the warning colour and a sign: never colour alone
            if r["state"] == "overdue":
                flag = Text("! overdue", style=warn)
            else:
                flag = Text(f"! {days} day{'s' if days != 1 else ''}" if days <= rules.resign.warning_days else "",
                            style=warn)
            due = f"{r['due']:%a %d %b}"
            if wide:
                resign.add_row(r["card"], fit(clean(r["name"]), flex["name"]), r["book"], due, flag)
            else:
                resign.add_row(r["card"], fit(clean(r["name"]), flex["name"]),
                               Text(f"! {due}", style=warn) if flag.plain else f"  {due}")
        self.query_one("#resign-title", Label).update(
            f"RE-SIGN DUE THIS WEEK ({_shown_of(board['resign_due'], board.get('resign_due_total'))})")

        certs = self.query_one("#certs-table", DataTable)
        certs.clear()
        for c in board["certs"]:
            expired = c["expires"] < today
            if wide:
                when = f"{c['expires']:%d %b %Y}"
                when = Text(f"! expired {when}", style=warn) if expired else Text(f"  {when}")
                certs.add_row(c["card"], fit(clean(c["name"]), flex["cert_name"]), fit(clean(c["cert"]), flex["cert"]),
                              when)
            else:
                when = f"{c['expires']:%d %b}"
                when = Text(f"! {when}", style=warn) if expired else Text(f"  {when}")
                certs.add_row(fit(clean(c["name"]), flex["cert_name"]), fit(clean(c["cert"]), flex["cert"]), when)
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
