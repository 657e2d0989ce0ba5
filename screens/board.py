"""The board: home after log-in. Open calls, the books, re-signs due, certifications expiring, the notices'
outbox (once the hall uses notices), the audit head.

The calls and re-signs (left) get three fifths of the width. What gives way as the terminal
narrows: below 120 columns the book names, the sparklines and the re-signs' book column;
below 90 the calls' days and the certifications' names (the card stays), and the start
shortens to the weekday when it is within the week.
"""

from __future__ import annotations

from datetime import timedelta

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Label, Sparkline, Static

from hall.views.board import Board
from screens.base import HallScreen
from screens.text import clean, fit, short_day, theme_style
from screens.widgets.tables import highlighted_key

FULL = 140  # at least this many columns: every column, the panels half and half
WIDE = 120  # below FULL: the calls' class and days give way, and the certifications' card
NARROW = 90  # below WIDE: the books' names and sparklines; below NARROW: the fewest columns


def add_columns(table: DataTable, *columns: tuple[str, int]) -> None:
    for label, width in columns:
        table.add_column(label, width=width)


def start_text(start, today, zone, room: int = 12) -> str:
    """'Fri 07:00' within the coming week, else '7 Dec 07:00', or '7 Dec' when there is no room for the time."""
    local = start.astimezone(zone)
    if today <= local.date() < today + timedelta(days=6):
        return f"{local:%a %H:%M}"
    day = f"{local.day} {local:%b}"
    return f"{day} {local:%H:%M}" if room >= 12 else day


class CallsTable(DataTable):
    """The open calls; Enter dispatches the highlighted one (the table's own Enter, so keys typed
    ahead of it, "down down enter", keep their order; a screen binding would need priority)."""

    BINDINGS = [
        Binding("enter", "select_cursor", "Dispatch call", id="open_call", tooltip="Dispatch the highlighted call"),
    ]


class BoardScreen(HallScreen):
    """Today's work at a glance; refreshes itself when any terminal changes the records."""

    CSS_PATH = "board.tcss"
    SCREEN_TITLE = "Board"
    BINDINGS = [
        Binding("escape", "noop", "", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._mode = ""
        self._board: Board | None = None
        self._flex: dict[str, int] = {}

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        with Horizontal(id="board-top", classes="board-row"):
            with Vertical(id="calls-panel", classes="left"):
                yield Label("OPEN CALLS", classes="section-title", id="calls-title")
                yield CallsTable(id="calls-table", cursor_type="row", zebra_stripes=True)
            with Vertical(id="books-panel", classes="right"):
                yield Label("BOOKS", classes="section-title")
                with Horizontal(id="books-header"):
                    yield Static("book", classes="book-name")
                    yield Static("waiting", classes="book-count")
                    yield Static("90 days", classes="book-spark-title")
                    yield Static("first in line", classes="book-first")
                yield Vertical(id="books-rows")
        with Horizontal(id="board-bottom", classes="board-row"):
            with Vertical(id="resign-panel", classes="left"):
                yield Label("RE-SIGN DUE THIS WEEK", classes="section-title", id="resign-title")
                yield DataTable(id="resign-table", cursor_type="row", show_cursor=False)
            with Vertical(id="certs-panel", classes="right"):
                yield Label("CERTIFICATIONS EXPIRING", classes="section-title", id="certs-title")
                yield DataTable(id="certs-table", cursor_type="row", show_cursor=False)
        yield Static("", id="board-notices")
        yield Static("", id="board-status")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self._set_mode(self.size.width or WIDE)
        self.query_one("#calls-table", DataTable).focus()
        self.reload()

    def on_resize(self, event) -> None:
        calls = self.query_one("#calls-table", DataTable)
        keep = highlighted_key(calls)
        if self._set_mode(event.size.width) and self._board is not None:
            self._show(self._board)
            if keep is not None and keep in calls.rows:  # (new columns cleared the table)
                calls.move_cursor(row=calls.get_row_index(keep))

    def _set_mode(self, width: int) -> bool:
        """Pick the columns for the width (fixed widths: an auto-sized column grows only on the
        table's next idle, and a frame drawn before can stay cut). True when they changed."""
        mode = "full" if width >= FULL else "wide" if width >= WIDE else "narrow" if width >= NARROW else "tight"
        if (mode, width) == (self._mode, getattr(self, "_width", None)):
            return False
        self._mode, self._width = mode, width
        self.set_class(mode == "full", "-full")
        self.set_class(mode in ("narrow", "tight"), "-narrow")  # below 120: no sparklines
        self.set_class(mode == "tight", "-tight")
        calls = self.query_one("#calls-table", DataTable)
        resign = self.query_one("#resign-table", DataTable)
        certs = self.query_one("#certs-table", DataTable)
        for table in (calls, resign, certs):
            table.clear(columns=True)
        # Each row's share of the width (board.tcss): padding 1 each side, a gap of 2; half each
        # when full, else three fifths on the left (on top) and, when tight, half each below. Each
        # table keeps 2 for its scrollbar and 2 per column for the cells' padding.
        inner = width - 4
        share = inner // 2 if mode == "full" else inner * 3 // 5
        left, right = share - 2, inner - share - 2
        below = inner // 2 - 2 if mode == "tight" else None

        def rest(room: int, *fixed: int) -> int:
            return max(room - sum(f + 2 for f in fixed) - 2, 6)

        if mode == "full":
            both = rest(right, 5, 16) - 2
            self._flex = {"employer": rest(left, 4, 6, 6, 12, 4), "name": rest(left, 5, 4, 10, 9),
                          "cert_name": both - both * 2 // 5, "cert": both * 2 // 5}
            add_columns(calls, ("call", 4), ("employer", self._flex["employer"]), ("class", 6), ("filled", 6),
                        ("start", 12), ("days", 4))
            add_columns(resign, ("card", 5), ("name", self._flex["name"]), ("book", 4), ("due by", 10), ("", 9))
            add_columns(certs, ("card", 5), ("name", self._flex["cert_name"]), ("cert", self._flex["cert"]),
                        ("expires", 16))
        elif mode != "tight":
            both = rest(right, 9) - 2
            self._flex = {"employer": rest(left, 4, 6, 12), "name": rest(left, 5, 4, 10, 9),
                          "cert_name": both - both // 2, "cert": both // 2}
            add_columns(calls, ("call", 4), ("employer", self._flex["employer"]), ("filled", 6), ("start", 12))
            add_columns(resign, ("card", 5), ("name", self._flex["name"]), ("book", 4), ("due by", 10), ("", 9))
            add_columns(certs, ("name", self._flex["cert_name"]), ("cert", self._flex["cert"]), ("expires", 9))
        else:
            self._flex = {"employer": rest(left, 4, 6, 9), "name": rest(below, 5, 12), "cert": rest(below, 5, 9)}
            add_columns(calls, ("call", 4), ("employer", self._flex["employer"]), ("filled", 6), ("start", 9))
            add_columns(resign, ("card", 5), ("name", self._flex["name"]), ("due by", 12))
            add_columns(certs, ("card", 5), ("cert", self._flex["cert"]), ("expires", 9))
        return True

    def action_noop(self) -> None:
        pass

    def reload(self) -> None:
        if self.session is None:
            return
        self.load(self.session.board, done=self._show)

    def _show(self, board: Board) -> None:
        self._board = board
        self._show_calls(board)
        self._show_books(board)
        self._show_resigns(board)
        self._show_certs(board)
        self._show_notices(board)
        seq, digest = board.head
        status = f"audit #{seq} {digest[:4]}…{digest[-4:]}"
        zone = board.rules.zone
        for change in board.upcoming_rules:
            status += (f"  ·  rules change on {short_day(change.effective_at.astimezone(zone).date(), year=True)}: "
                       + "; ".join(change.changes[:3]))
        self.query_one("#board-status", Static).update(Text(clean(status)))

    def _show_calls(self, board: Board) -> None:
        calls = self.query_one("#calls-table", DataTable)
        keep = highlighted_key(calls)
        calls.clear()
        zone = board.rules.zone
        for c in board.calls:
            employer = fit(clean(c.employer), self._flex["employer"])
            start = start_text(c.start, board.today, zone, room=9 if self._mode == "tight" else 12)
            if self._mode == "full":
                calls.add_row(f"#{c.id}", employer, f"{c.classification} ×{c.workers}",
                              f"{c.accepted} of {c.workers}", start, str(c.days), key=str(c.id))
            else:
                calls.add_row(f"#{c.id}", employer, f"{c.classification} {c.accepted}/{c.workers}", start,
                              key=str(c.id))
        # the calls only: each one's reason is on Dispatch (a reason here pushed the title past the panel)
        exempt = [f"#{c.id}" for c in board.calls if c.no_turndown]
        title = f"OPEN CALLS ({len(board.calls)})" + (f" · declines don't count on {', '.join(exempt)}" if exempt else "")
        morning = board.morning
        if morning is not None:  # (v2) a line of its own: the next selection, what waits for it, who signed in
            local = morning.next_selection.astimezone(zone)
            when = f"{local:%H:%M}" if local.date() == board.today else f"{local:%a %H:%M}"
            title += f"\nselection {when}: {morning.calls} posted, {morning.bids} bids (b)"
            if morning.daybook:
                title += f" · {morning.signed_in} signed in"
        self.query_one("#calls-title", Label).update(title)
        if keep is not None and keep in calls.rows:
            calls.move_cursor(row=calls.get_row_index(keep))

    def _show_books(self, board: Board) -> None:
        rows = self.query_one("#books-rows", Vertical)
        rows.remove_children()
        wide = self._mode == "full"
        for line in board.books:
            book = line.book
            rows.mount(Horizontal(
                Static(f"{book.id:<5} {fit(clean(book.name), 17)}" if wide else book.id, classes="book-name"),
                Static(f"{line.waiting:>5}", classes="book-count"),
                Sparkline(board.history.get(book.id) or [0], classes="book-spark"),
                Static(Text(clean(line.first_name)) if line.first_name else "—", classes="book-first"),
                classes="book-row",
            ))

    def _show_resigns(self, board: Board) -> None:
        warn = theme_style(self.app)
        resign = self.query_one("#resign-table", DataTable)
        resign.clear()
        for r in board.resign_due:
            days = (r.due - board.today).days
            # the warning colour and a sign: never colour alone
            if r.state == "overdue":
                flag = "! overdue"
            else:
                flag = f"! {days} day{'s' if days != 1 else ''}" if days <= board.rules.resign.warning_days else ""
            due = short_day(r.due)
            name = fit(clean(r.name), self._flex["name"])
            if self._mode == "tight":
                resign.add_row(r.card, name, Text(f"! {due}", style=warn) if flag else f"  {due}")
            else:
                resign.add_row(r.card, name, r.book, due, Text(flag, style=warn))
        self.query_one("#resign-title", Label).update(
            f"RE-SIGN DUE THIS WEEK ({shown_of(len(board.resign_due), board.resign_due_total)})")

    def _show_certs(self, board: Board) -> None:
        warn = theme_style(self.app)
        certs = self.query_one("#certs-table", DataTable)
        certs.clear()
        for c in board.certs:
            expired = c.expires < board.today
            if self._mode == "tight":
                when = f"{c.expires.day} {c.expires:%b}"
                certs.add_row(c.card, fit(clean(c.cert), self._flex["cert"]),
                              Text(f"! {when}", style=warn) if expired else Text(f"  {when}"))
            elif self._mode == "full":
                when = short_day(c.expires, year=c.expires.year != board.today.year)
                # the weekday gives way to the month when expired: "! expired 27 Nov" fits the column
                certs.add_row(c.card, fit(clean(c.name), self._flex["cert_name"]), fit(clean(c.cert), self._flex["cert"]),
                              Text(f"! expired {c.expires.day} {c.expires:%b}", style=warn) if expired
                              else Text(f"  {when}"))
            else:
                when = f"{c.expires.day} {c.expires:%b}"
                certs.add_row(fit(clean(c.name), self._flex["cert_name"]), fit(clean(c.cert), self._flex["cert"]),
                              Text(f"! {when}", style=warn) if expired else Text(f"  {when}"))
        self.query_one("#certs-title", Label).update(
            f"CERTIFICATIONS EXPIRING ({shown_of(len(board.certs), board.certs_total)})")

    def _show_notices(self, board: Board) -> None:
        """The outbox in one line, shown once the hall has sent or queued a notice: waiting, sent
        today, failing, and the newest failure with its error."""
        line = self.query_one("#board-notices", Static)
        outbox = board.outbox
        shown = outbox is not None and not outbox.empty
        line.set_class(shown, "-shown")
        if not shown:
            return
        text = Text(clean(outbox.line()))
        if outbox.failing:
            first = outbox.failing[0]
            more = outbox.failing_total - 1
            text.append(clean(f"  ! #{first.id} {first.card} {first.name} ({first.channel}): {first.error}"
                              + (f" (+{more} more: hall notify status)" if more else "")),
                        style=theme_style(self.app))
        line.update(text)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "calls-table" and event.row_key.value:
            event.stop()
            self.hall_app.action_dispatch(int(event.row_key.value))


def shown_of(shown: int, total: int | None) -> str:
    """How many a board table lists: "12", or "first 100 of 4,039" when the board lists only the first."""
    if total is None or total <= shown:
        return str(shown)
    return f"first {shown} of {total:,}"
