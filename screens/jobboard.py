"""(v2) The job board: posted calls, their bids and the time left to bid (a live countdown), and
after the selection its results: each call's awards with basis and choice number, the openings left.

Job board keys: ``b`` takes a phoned bid (card, call, choice), ``w`` withdraws one, Enter shows
the bids on the highlighted call, ``p`` posts an open call again, ``s`` shows the results of the
last selection. Results keys: ``d`` phones down the list for the highlighted call's openings left,
``x`` records that an awarded member refused (a turndown; the opening reopens).
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Label, Static

from dispatch import calendar
from hall.views.jobboard import JobBoard, Results, countdown, read_call_bids, read_job_board, read_results
from screens.base import Cancelled, HallScreen, Refused, flow
from screens.text import clean, fit, fit_columns
from screens.widgets.dialogs import ChoiceDialog, ConfirmDialog
from screens.widgets.forms import Field, FormDialog

BOARD_COLUMNS = ("call", "employer", "site", "class", "open", "start", "days", "wage", "certs", "bids", "")
RESULT_COLUMNS = ("call", "employer", "class", "awarded (card · name · choice · basis)", "left")
BID_VIAS = [("phone", "By phone"), ("in_person", "At the window")]


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def _key(table: DataTable) -> str | None:
    if not table.row_count:
        return None
    return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value


class JobBoardTable(DataTable):
    """The posted calls; Enter lists the bids on the highlighted one."""

    BINDINGS = [
        Binding("enter", "select_cursor", "Bids on it", id="board_bids", tooltip="The bids on the highlighted call"),
    ]


class _MorningScreen(HallScreen):
    """What the job board and the results share: a line over one table and a status line below;
    the data read in a worker (``READ``), shown again on a resize."""

    PREFIX = ""
    READ = staticmethod(read_job_board)

    def __init__(self) -> None:
        super().__init__()
        self.data = None
        self.rules = None

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        with Vertical(id=f"{self.PREFIX}-panel"):
            yield from self.compose_panel()
        yield Static("", id=f"{self.PREFIX}-status")
        yield from self.compose_footer()

    def compose_panel(self) -> ComposeResult:
        """The line above the table, and the table (``#PREFIX-table``)."""
        raise NotImplementedError

    def on_mount(self) -> None:
        self.query_one(f"#{self.PREFIX}-table", DataTable).focus()
        self.started()
        self.reload()

    def started(self) -> None:
        """What a screen starts besides its first read (the job board's countdown)."""

    def on_resize(self) -> None:
        if self.data is not None:
            self._show((self.data, self.rules))

    def reload(self) -> None:
        if self.session is None:
            return
        self.load(self.READ, self.hall_app.store, done=self._show, group=f"{self.PREFIX}-{id(self)}")

    def say(self, message: str) -> None:
        self.query_one(f"#{self.PREFIX}-status", Static).update(Text(self.sentence(message)) if message else "")

    def _show(self, loaded) -> None:
        raise NotImplementedError


class JobBoardScreen(_MorningScreen):
    """The posted calls waiting for the next selection."""

    CSS_PATH = "jobboard.tcss"
    SCREEN_TITLE = "Job board"
    PREFIX = "jobboard"
    READ = staticmethod(read_job_board)
    BINDINGS = [
        Binding("b", "bid", "Bid for a member", id="board_bid", tooltip="Take a bid phoned in: card, call, choice"),
        Binding("w", "withdraw", "Withdraw", id="board_withdraw", tooltip="Withdraw a member's bid"),
        Binding("p", "post", "Post a call", id="board_post", tooltip="Post an open call's openings for the next selection"),
        Binding("s", "results", "Results", id="board_results", tooltip="The last selection's awards and openings left"),
    ]
    data: JobBoard | None

    def compose_panel(self) -> ComposeResult:
        yield Static("", id="jobboard-next")
        yield JobBoardTable(id="jobboard-table", cursor_type="row", zebra_stripes=True)

    def started(self) -> None:
        self.set_interval(1, self._tick)

    def _now(self) -> datetime:
        return self.hall_app.store.now()

    def _tick(self) -> None:
        """The countdown, once a second; when the bids close, read the board again."""
        if self.data is None:
            return
        self._show_next(self.data)
        now = self._now()
        moments = [m for m in (self.data.closes_at, self.data.next_selection) if m is not None]
        if any(self.data.now < moment <= now for moment in moments):
            self.reload()  # the bids have closed, or the selection has come: read it

    def _show_next(self, board: JobBoard) -> None:
        line = Text()
        if board.next_selection is None:
            line.append("Bidding is off in this hall: calls are dispatched by phone.", style="bold")
        else:
            today = calendar.local_date(self._now(), self.rules)
            left = board.time_left(self._now())
            if self.size.width >= 100:
                when = f"Next selection {calendar.moment_text(board.next_selection, self.rules, today)}"
            else:  # one line at 80 columns: the selection is days away at most, its weekday says which
                when = f"Selection {calendar.local(board.next_selection, self.rules):%a %H:%M}"
            line.append(when, style="bold")
            line.append(f" · bids close {calendar.local(board.closes_at, self.rules):%H:%M} ")
            line.append(f"({'closed' if not left else 'in ' + countdown(left)})",
                        style="bold reverse" if left and left.total_seconds() < 900 else "bold")
            line.append(f" · {_count(len(board.calls), 'call')}, {_count(board.total_bids, 'bid')}")
        self.query_one("#jobboard-next", Static).update(line)

    def _show(self, loaded) -> None:
        board, rules = loaded
        self.data, self.rules = board, rules
        self._show_next(board)
        table = self.query_one("#jobboard-table", DataTable)
        keep = _key(table)
        today = calendar.local_date(board.now, rules)
        rows = []
        for c in board.calls:
            days = f"{c.hours:g} h" if c.hours else str(c.days)
            marks = []
            if c.short:
                marks.append("short")
            if c.no_turndown:
                marks.append("declines don't count")
            rows.append((str(c.id), [f"#{c.id}", clean(c.employer), clean(c.site) or "—", c.classification,
                                     str(c.openings), calendar.moment_text(c.start, rules, today), days,
                                     clean(c.wage) or "—", ", ".join(map(clean, c.certs)) or "—",
                                     str(c.bids) if c.bids else "—", " · ".join(marks)]))
        room = max(self.size.width - 4, 40)
        plain = [cells for _, cells in rows]
        natural = [max([len(t), *(len(r[i]) for r in plain)]) for i, t in enumerate(BOARD_COLUMNS)]
        # The last column (short, declines don't count) only when a call has something in it.
        columns = [i for i in range(len(BOARD_COLUMNS)) if BOARD_COLUMNS[i] or any(cells[i] for cells in plain)]
        fitted = fit_columns([BOARD_COLUMNS[i] for i in columns], [natural[i] for i in columns], room,
                             ("certs", "class", "site", "wage"))
        shown = {columns[j]: width for j, width in fitted.items()}
        table.clear(columns=True)
        for i, width in shown.items():
            table.add_column(fit(BOARD_COLUMNS[i], width), width=width)
        for key, cells in rows:
            table.add_row(*[fit(cells[i], w) for i, w in shown.items()], key=key)
        if keep is not None and keep in table.rows:
            table.move_cursor(row=table.get_row_index(keep))
        if not rows:
            self.say("No calls are posted." + (" s shows the last selection's results." if board.enabled else ""))

    def _highlighted(self) -> str:
        return _key(self.query_one("#jobboard-table", DataTable)) or ""

    @flow
    async def action_bid(self) -> None:
        values = await self.ask(FormDialog("Take a bid for a member", [
            Field("card", "Card", "the member's card number"),
            Field("call", "Call", "the posted call's number", self._highlighted(), kind="number"),
            Field("choice", "Choice number", "blank: their next free number (1 = most wanted)", required=False,
                  kind="number"),
        ], dialog_id="bid-dialog"))
        if not values:
            raise Cancelled("No bid taken.")
        via = await self.ask(ChoiceDialog("How did the bid come in?", BID_VIAS))
        if not via:
            raise Cancelled("No bid taken.")
        receipt = await self.commit(self.session.place_bid, values["card"], int(values["call"]),
                                    values["choice"] or None, via)
        self.say(f"{receipt.message} Receipt #{receipt.seq}.")
        self.reload()

    @flow
    async def action_withdraw(self) -> None:
        values = await self.ask(FormDialog("Withdraw a member's bid", [
            Field("card", "Card", "the member's card number"),
            Field("call", "Call", "the call bid on", self._highlighted(), kind="number"),
        ], dialog_id="withdraw-dialog"))
        if not values:
            raise Cancelled("Nothing withdrawn.")
        via = await self.ask(ChoiceDialog("How did the withdrawal come in?", BID_VIAS))
        if not via:
            raise Cancelled("Nothing withdrawn.")
        receipt = await self.commit(self.session.withdraw_bid, values["card"], int(values["call"]), via)
        self.say(f"{receipt.message} Receipt #{receipt.seq}.")
        self.reload()

    @flow
    async def action_post(self) -> None:
        values = await self.ask(FormDialog("Post an open call for the next selection", [
            Field("call", "Call", "an open call's number", kind="number"),
        ], dialog_id="post-dialog"))
        if not values:
            raise Cancelled("Nothing posted.")
        receipt = await self.commit(self.session.post_call, int(values["call"]))
        self.say(f"{receipt.message} Receipt #{receipt.seq}.")
        self.reload()

    def action_results(self) -> None:
        self.app.push_screen(ResultsScreen())

    @flow
    async def _show_bids(self, call_id: int) -> None:
        call, bids = await self.fetch(read_call_bids, self.hall_app.store, call_id)
        if not bids:
            raise Refused(f"No bids on call #{call.id} yet.")
        lines = Text()
        for b in bids:
            lines.append(f"{clean(b.card):<8} {fit(clean(b.name), 24):<24} choice {b.choice:<3} {b.via}\n")
        await self.ask(ConfirmDialog(lines, title=f"Bids on call #{call.id} · {clean(call.employer)}",
                                     confirm_label="Enter to close"))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "jobboard-table":
            event.stop()
            self._show_bids(int(event.row_key.value))


class ResultsScreen(_MorningScreen):
    """The last selection: each call's awards (card, name, choice number, basis), openings left."""

    CSS_PATH = "results.tcss"
    SCREEN_TITLE = "Selection results"
    PREFIX = "results"
    READ = staticmethod(read_results)
    BINDINGS = [
        Binding("d", "dispatch_rest", "Phone the rest", id="results_dispatch",
                tooltip="Dispatch the highlighted call's openings left down the list"),
        Binding("x", "award_declined", "Award refused", id="results_declined",
                tooltip="An awarded member refuses: a turndown, the opening reopens"),
    ]
    data: Results | None

    def compose_panel(self) -> ComposeResult:
        yield Label("", id="results-title", classes="section-title")
        yield DataTable(id="results-table", cursor_type="row", zebra_stripes=True)

    def _show(self, loaded) -> None:
        data, rules = loaded
        self.data, self.rules = data, rules
        table = self.query_one("#results-table", DataTable)
        keep = _key(table)
        title = self.query_one("#results-title", Label)
        if data.at is None:
            title.update("No selection has been made yet.")
            table.clear(columns=True)
            return
        today = calendar.local_date(self.hall_app.store.now(), rules)
        title.update(f"SELECTION OF {calendar.moment_text(data.at, rules, today).upper()} · {data.awards} awarded · "
                     f"{data.openings_left} opening(s) left to phone")
        rows = []
        for c in data.calls:
            awards = [f"{clean(a.card)} · {clean(a.name)} · choice {a.choice} · {a.basis.replace('_', ' ')}"
                      + (" · refused" if a.declined else "") for a in c.awards] or ["none awarded"]
            for n, award in enumerate(awards):
                first = n == 0
                rows.append((f"{c.id}:{n}", c.openings_left if first else None,
                             [f"#{c.id}" if first else "", clean(c.employer) if first else "",
                              c.classification if first else "", award, str(c.openings_left) if first else ""]))
        # The awards are what this screen is for: the class leaves first, then the employer is cut.
        natural = [max([len(t) if i != 3 else 7, *(len(r[2][i]) for r in rows)]) for i, t in enumerate(RESULT_COLUMNS)]
        shown = fit_columns(list(RESULT_COLUMNS), natural, max(self.size.width - 4, 40), ("class",))
        table.clear(columns=True)
        for i, width in shown.items():
            table.add_column(fit(RESULT_COLUMNS[i], width), width=width)
        for key, left, cells in rows:
            values = [fit(cells[i], w) for i, w in shown.items()]
            if left:
                values[-1] = Text(values[-1], style="bold")
            table.add_row(*values, key=key)
        if keep is not None and keep in table.rows:
            table.move_cursor(row=table.get_row_index(keep))

    def _highlighted(self) -> tuple[int, int] | None:
        key = _key(self.query_one("#results-table", DataTable))
        if key is None:
            return None
        call, _, n = key.partition(":")
        return int(call), int(n)

    def action_dispatch_rest(self) -> None:
        found = self._highlighted()
        if found is None:
            self.refused("No call to dispatch.")
            return
        call = next(c for c in self.data.calls if c.id == found[0])
        if not call.openings_left:
            self.refused(f"Call #{call.id} has no openings left: the selection filled it.")
            return
        self.hall_app.action_dispatch(call.id)

    @flow
    async def action_award_declined(self) -> None:
        found = self._highlighted()
        if found is None or self.data is None:
            raise Refused("No award to refuse.")
        call = next(c for c in self.data.calls if c.id == found[0])
        award = call.awards[found[1]] if found[1] < len(call.awards) else None
        if award is None or award.declined:
            raise Refused(f"Highlight an award of call #{call.id} that stands.")
        values = await self.ask(FormDialog(f"{clean(award.name)} ({award.card}) refuses call #{call.id}", [
            Field("note", "Note", "who called, what they said", required=False),
        ], sentence="Refusing an award is a turndown as the rules count it; the member's place comes back "
                    "and the opening returns to the call.", dialog_id="award-declined-dialog"))
        if values is None:
            raise Cancelled("Nothing recorded.")
        receipt = await self.commit(self.session.award_declined, call.id, award.card, values["note"])
        self.say(f"{receipt.message} Receipt #{receipt.seq}.")
        self.reload()
