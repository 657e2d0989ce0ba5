"""Dispatch a call: work down its ranked candidates, one outcome key each, in strict order.

Every key that opens a dialog after a read (an outcome, a referral outcome, amend, a
correction) is a flow: the keys typed after it wait for its dialog (a note typed at once
lands in the note; a second outcome key is typed into it, never replacing the first).
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import DataTable, Label, Static

from hall.views import admin as admin_views
from hall.views import calls as views
from hall.views import exports
from hall.views import referrals as referral_views
from hall.views.calls import DispatchRow, DispatchView, OpenCall
from screens.base import Cancelled, HallScreen, Refused, flow
from screens.text import clean, fit, hour, reasons_text, short_date, short_day, theme_style
from screens.widgets.dialogs import ChoiceDialog, ConfirmDialog, OutcomeDialog
from screens.widgets.forms import Field, FormDialog
from screens.widgets.tables import highlighted_key

OUTCOME_WORDS = {
    "accepted": "Accepted",
    "declined": "Declined",
    "no_answer": "No answer",
    "employer_rejected": "Employer rejected",
    "rejected_at_job": "Rejected at the gate",
    "cancelled": "Cancelled before start",
    "no_show": "No-show",
}
NOTE_HINTS = {
    "accepted": "note (optional): e.g. reports to the foreman at gate B",
    "declined": "note (optional): e.g. has another job lined up",
    "no_answer": "note (optional): e.g. voicemail, left a message",
    "employer_rejected": "who at the employer said so: e.g. J. Smith, superintendent",
    "rejected_at_job": "who at the employer said so: e.g. J. Smith, foreman at gate B",
    "cancelled": "who said so (optional): e.g. J. Smith, superintendent: job postponed",
    "no_show": "who at the employer said so (optional): e.g. J. Smith, foreman: not there at 07:00",
}
# The rules want evidence for a pass-over the employer asks for: who at the employer said so.
NOTE_REQUIRED = {
    "employer_rejected": "Who at the employer said so? The rules record the employer's contact.",
    "rejected_at_job": "Who at the employer said so? The rules record the employer's contact.",
}

WIDE = 140  # every column; narrower drops "registered", then (below NARROW) the book and re-sign due
NARROW = 110
CANDIDATE_WIDTHS = {"pos": 6, "card": 5, "name": 20, "book": 4, "registered": 12, "phone": 14, "re-sign due": 12}


class DispatchScreen(HallScreen):
    """One call's ranked candidates; only the highlighted next candidate can be given an outcome."""

    CSS_PATH = "dispatch.tcss"
    SCREEN_TITLE = "Dispatch"
    BINDINGS = [
        Binding("c", "calling", "Calling", id="calling",
                tooltip="Mark the next candidate as being phoned now (every terminal sees it)"),
        Binding("a", "outcome('accepted')", "Accepted", id="accepted", tooltip="The candidate takes the job"),
        Binding("x", "outcome('declined')", "Declined", id="declined",
                tooltip="The candidate turns it down (the rules say whether it counts)"),
        Binding("o", "outcome('no_answer')", "No answer", id="no_answer", tooltip="Nobody answered the phone"),
        Binding("r", "outcome('employer_rejected')", "Emp. rejected", id="employer_rejected",
                tooltip="The employer turned the candidate down (who said so is asked): not a turndown"),
        Binding("s", "slips", "Slips", id="slips", tooltip="Write a referral slip for each accepted referral"),
        Binding("g", "referral('rejected_at_job')", "Gate rejected", id="rejected_at_job",
                tooltip="The employer turned the accepted member away at the gate: place restored, call reopens"),
        Binding("b", "referral('cancelled')", "Cancelled before start", id="referral_cancelled",
                tooltip="The job was cancelled or postponed before the member started: place restored"),
        Binding("w", "referral('no_show')", "No-show", id="no_show",
                tooltip="The member accepted but never reported: recorded as a quit"),
        Binding("p", "toggle_passed", "Passed over", id="toggle_passed", show=False,
                tooltip="Hide or show the candidates passed over (they keep their place in the order)"),
        Binding("u", "amend", "Amend call", id="amend_call", show=False,
                tooltip="Change the call's workers, start or days (with a reason)"),
        Binding("z", "correct", "Correct", id="correct", show=False,
                tooltip="Admin: set aside the highlighted outcome, or grant a remedy referral, citing an authority"),
        # esc is global and known everywhere: off the footer so the outcome keys fit at 80 columns
        Binding("escape", "back", "Back", id="back", tooltip="Go back to the previous screen", show=False),
    ]
    ROW_ACTIONS = {"calling", "outcome", "slips", "referral", "amend", "correct", "toggle_passed"}

    def __init__(self, call_id: int | None = None):
        super().__init__()
        self.call_id = call_id
        self.view: DispatchView | None = None
        self.hide_passed = False
        self._follow_next = True  # after the next load, put the cursor on the next candidate
        self._shown_call: int | None = None
        self._columns: list[str] = []
        self._outcome_width = 0

    # --- layout --------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        with Vertical(id="dispatch-picker"):
            yield Label("OPEN CALLS · Enter to dispatch", classes="section-title")
            yield DataTable(id="picker", cursor_type="row", zebra_stripes=True)
        with Vertical(id="dispatch-call"):
            yield Static("", id="call-title")
            yield Static("", id="call-sub")
            yield Static("", id="call-status")
            yield DataTable(id="candidates", cursor_type="row")
            yield Static("", id="row-detail")
            yield Static("", id="dispatch-message")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one("#picker", DataTable).add_columns("call", "employer", "class", "filled", "start", "days",
                                                         "taken by")
        self._set_columns(self.size.width or WIDE)
        self._show_mode()
        self.reload()

    def on_resize(self, event) -> None:
        keep = highlighted_key(self.query_one("#candidates", DataTable))  # (new columns clear the table)
        if self._set_columns(event.size.width) and self.view is not None:
            self._show_call(self.view, keep=keep)

    def _set_columns(self, width: int) -> bool:
        """The candidates' columns for the width: position, card, name, phone and outcome always fit
        (the outcome gets what is left, cut with an ellipsis). True when they changed."""
        if width >= WIDE:
            keys = ["pos", "card", "name", "book", "registered", "phone", "re-sign due", "outcome"]
        elif width >= NARROW:
            keys = ["pos", "card", "name", "book", "phone", "re-sign due", "outcome"]
        else:
            keys = ["pos", "card", "name", "phone", "outcome"]
        # the outcome gets the rest: padding 1 each side, the scrollbar, one space each side of every cell
        outcome = max(width - 4 - sum(CANDIDATE_WIDTHS[k] + 2 for k in keys[:-1]) - 2, 12)
        if keys == self._columns and outcome == self._outcome_width:
            return False
        self._columns, self._outcome_width = keys, outcome
        table = self.query_one("#candidates", DataTable)
        table.clear(columns=True)
        for key in keys:
            table.add_column(key, key=key, width=outcome if key == "outcome" else CANDIDATE_WIDTHS[key])
        return True

    def _show_mode(self) -> None:
        picking = self.call_id is None
        self.query_one("#dispatch-picker").display = picking
        self.query_one("#dispatch-call").display = not picking
        self.query_one("#picker" if picking else "#candidates", DataTable).focus()
        self.refresh_bindings()

    def open_with(self, screen: "DispatchScreen") -> None:
        """Another call (or the picker) asked for while this screen is open."""
        self.call_id = screen.call_id
        self._follow_next = True
        self.say("")
        self._show_mode()
        self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Without a call, the letters belong to the app again (c Counter, a Audit ...).
        if action in self.ROW_ACTIONS and self.call_id is None:
            return False
        if action == "referral":  # only on an accepted row whose referral is still open
            row = self._row()
            return row is not None and row.referral == "active"
        if action == "amend":
            return self.view is not None and self.view.call.status != "cancelled"
        if action == "correct":
            return self._row() is not None
        return True

    def _row(self) -> DispatchRow | None:
        """The row of the view under the cursor (None while loading or when the table is empty)."""
        view = self.view
        if view is None or self.call_id is None or view.call.id != self.call_id:
            return None
        return view.row(highlighted_key(self.query_one("#candidates", DataTable)))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "candidates":
            self.refresh_bindings()
            self._show_row_detail()

    def _show_row_detail(self) -> None:
        """Under the table, the highlighted row's outcome in full when its column had to cut it."""
        row, detail = self._row(), self.query_one("#row-detail", Static)
        said = self._outcome_text(row) if row is not None and self.view is not None else ""
        detail.update(Text(f"{clean(row.name)} ({row.card}): {said}") if len(said) > self._outcome_width else "")
        detail.display = len(said) > self._outcome_width

    def say(self, message: str) -> None:
        self.query_one("#dispatch-message", Static).update(Text(self.sentence(message)) if message else "")

    # --- reading -------------------------------------------------------------------

    def reload(self) -> None:
        if self.session is None:
            return
        if self.call_id is None:
            self.load(views.open_calls, self.hall_app.store, done=self._show_picker)
        else:
            self.load(views.dispatch_view, self.hall_app.store, self.call_id, done=self._show_call)

    def _show_picker(self, calls: list[OpenCall]) -> None:
        if self.call_id is not None:
            return
        table = self.query_one("#picker", DataTable)
        keep = highlighted_key(table)
        table.clear()
        zone = self.hall_app.zone
        for c in calls:
            table.add_row(f"#{c.id}", Text(clean(c.employer)), f"{c.classification} ×{c.workers}",
                          f"{c.accepted} of {c.workers}", short_date(c.start, zone), str(c.days),
                          Text(clean(c.taken_by)), key=str(c.id))
        if not calls:
            self.say("No open calls: press n to take one.")
        self._move_to(table, keep)

    @staticmethod
    def _move_to(table: DataTable, key: str | None) -> bool:
        if key is None or key not in table.rows:
            return False
        table.move_cursor(row=table.get_row_index(key))
        return True

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "picker" and event.row_key.value:
            event.stop()
            self.call_id = int(event.row_key.value)
            self._follow_next = True
            self._show_mode()
            self.reload()

    def _title(self, view: DispatchView) -> Content:
        call, zone = view.call, self.hall_app.zone
        needs = f" · needs {', '.join(clean(c) for c in call.required_certs)}" if call.required_certs else ""
        short = f" · short call until {short_day(view.short_until)}" if view.short and view.short_until else ""
        return Content.assemble(
            (f"Call #{call.id}", "bold"), f" · {clean(call.employer)} · {call.classification} ×{call.workers} · ",
            (short_date(call.start, zone), "bold"), f" · {call.duration_days} days{needs}{short}",
        )

    def _subtitle(self, view: DispatchView) -> str:
        call, info, zone = view.call, view.info, self.hall_app.zone
        taken = ""
        if info.taken_at is not None:
            same_day = info.taken_at.astimezone(zone).date() == view.now.astimezone(zone).date()
            taken = f"taken by {clean(info.taken_by)} " + (hour(info.taken_at, zone) if same_day
                                                           else short_date(info.taken_at, zone))
        bits = [clean(info.site) if info.site else "no site given", taken,
                f"filled {call.accepted} of {call.workers}", view.age]
        return " · ".join(b for b in bits if b)

    def _status(self, view: DispatchView, hidden: int) -> Content:
        call, zone = view.call, self.hall_app.zone
        status: list = []
        if view.calling:
            status.append((f"{clean(view.calling.by)} calling {clean(view.calling.name)} since "
                           f"{hour(view.calling.since, zone)}", "$warning bold"))
        if call.status == "filled":
            status.append((f"Filled: {call.accepted} of {call.workers} accepted. s writes the slips.", "$success bold"))
        elif call.status == "cancelled":
            status.append((f"Cancelled: {clean(view.info.cancel_reason)}", "$error bold"))
        elif view.next is None:
            status.append(("! Nobody left to offer: every candidate has an outcome or is passed over.", "$warning"))
        if view.no_turndown:
            status.append((f"declines don't count: {clean(view.no_turndown)}", "bold"))
        for book, after, first in view.rotation:
            status.append(f"{book} rotation: after {clean(after)}" + (f", starts at {clean(first)}" if first else ""))
        for sentence in view.unhonoured:
            status.append((f"! name request not honoured: {self.sentence(sentence)}", "$warning"))
        if hidden:
            status.append((f"{hidden} passed over not shown · p shows them", "$text-muted"))
        if view.info.notes:
            status.append((f"notes: {clean(view.info.notes)}", "$text-muted"))
        joined: list = []
        for i, part in enumerate(status):
            if i:
                joined.append("\n")
            joined.append(part)
        return Content.assemble(*joined)

    def _outcome_text(self, row: DispatchRow) -> str:
        """What the outcome column says of a row: the outcome, or why the row is passed over."""
        if row.state == "passed":
            today = self.view.now.astimezone(self.hall_app.zone).date()
            return f"passed over: {reasons_text(row.reasons, today)}"
        return clean(row.outcome)

    def _cells(self, row: DispatchRow, view: DispatchView, styles: dict[str, Style]) -> list[Text]:
        zone = self.hall_app.zone
        base = styles["muted"] if row.state == "passed" else styles["next"] if row.state == "next" else Style()
        due: Text | str = ""
        if row.resign_due is not None:
            due = Text(("! " if row.resign_warn else "") + short_day(row.resign_due),
                       style=styles["warning"] if row.resign_warn else base)
        said, warned = self._outcome_text(row), row.warn
        if "re-sign due" not in self._columns and row.resign_warn and not said:
            said, warned = f"! re-sign by {short_day(row.resign_due)}", True  # the column is off: keep the mark
        cells = {
            "pos": Text(("▶ " if row.state == "next" else "  ") + row.pos, style=base),
            "card": Text(clean(row.card), style=base),
            "name": Text(fit(clean(row.name), CANDIDATE_WIDTHS["name"]), style=base),
            "book": Text(row.book, style=base),
            "registered": Text(f"{row.registered_at.astimezone(zone):%d %b %H:%M}" if row.registered_at else "",
                               style=base),
            "phone": Text(clean(row.phone), style=base), "re-sign due": due or Text(""),
            "outcome": Text(fit(said, self._outcome_width), style=styles["warning"] if warned else base),
        }
        return [cells[k] for k in self._columns]

    def _show_call(self, view: DispatchView, keep: str | None = None) -> None:
        if view.call.id != self.call_id:
            return
        previous = self.view
        self.view = view
        styles = {"warning": theme_style(self.app), "muted": Style(dim=True), "next": Style(bold=True)}
        rows = [r for r in view.rows if not (self.hide_passed and r.state == "passed")]
        self.query_one("#call-title", Static).update(self._title(view))
        self.query_one("#call-sub", Static).update(self._subtitle(view))
        status = self._status(view, len(view.rows) - len(rows))
        status_box = self.query_one("#call-status", Static)
        status_box.update(status)
        status_box.display = bool(status.plain)

        table = self.query_one("#candidates", DataTable)
        keep = keep or highlighted_key(table)
        was_next = previous is not None and previous.call.id == view.call.id and keep == previous.next
        table.clear()
        for row in rows:
            table.add_row(*self._cells(row, view, styles), key=row.card)
        if self._follow_next or was_next or self._shown_call != view.call.id:
            if not self._move_to(table, view.next):
                # a filled call: the first accepted member whose referral is still open (g b w apply)
                accepted = next((r.card for r in view.rows if r.referral == "active"), None)
                if self._shown_call == view.call.id or not self._move_to(table, accepted):
                    self._move_to(table, keep)
        else:
            self._move_to(table, keep)
        self._follow_next = False
        self._shown_call = view.call.id
        self.refresh_bindings()
        self._show_row_detail()

    def action_toggle_passed(self) -> None:
        """Hide or show the passed-over candidates (the order does not change)."""
        self.hide_passed = not self.hide_passed
        if self.view is not None:
            self._show_call(self.view)
        self.say("Passed-over candidates hidden: p shows them." if self.hide_passed
                 else "Passed-over candidates shown in their place.")

    # --- acting ----------------------------------------------------------------------

    def _target(self) -> str:
        """The card under the cursor if it may be given an outcome now; otherwise ``Refused``."""
        view = self.view
        if view is None or self.call_id is None or view.call.id != self.call_id:
            raise Refused("The call is still loading.")
        if view.closed:
            raise Refused(view.closed)
        card = highlighted_key(self.query_one("#candidates", DataTable))
        if card is None:
            raise Refused("This call has no candidates.")
        if card != view.next:
            row = view.row(card)
            raise Refused((row.refusal if row else None)
                          or "Only the highlighted next candidate can be given an outcome now.")
        return card

    @flow
    async def action_calling(self) -> None:
        card = self._target()
        await self._recorded(await self.commit(self.session.mark_calling, self.call_id, card), follow=False)

    @flow
    async def action_outcome(self, outcome: str) -> None:
        """Preview what the rules will record, ask for the note (typed keys land there), record."""
        card, call_id = self._target(), self.call_id
        sentence = await self.fetch(self.session.preview_offer, call_id, card, outcome)
        note = await self.ask(OutcomeDialog(OUTCOME_WORDS[outcome], self.sentence(sentence),
                                            hint=NOTE_HINTS[outcome], required=NOTE_REQUIRED.get(outcome, "")))
        if note is None:
            raise Cancelled("Nothing recorded.")
        await self._recorded(await self.commit(self.session.record_offer, call_id, card, outcome, note))

    async def _reloaded(self) -> None:
        """Read the call again before the flow ends: keys typed meanwhile act on the new order."""
        if self.call_id is not None:
            self._show_call(await self.fetch(views.dispatch_view, self.hall_app.store, self.call_id))

    async def _recorded(self, receipt, *, follow: bool = True) -> None:
        self._follow_next = follow
        message = self.sentence(f"{receipt.message} Receipt #{receipt.seq}.")
        self.say(message)
        if follow:
            self.notify(message, severity="information")
        await self._reloaded()

    @flow
    async def action_slips(self) -> None:
        paths = await self.fetch(exports.slips, self.hall_app.store, self.call_id)
        message = f"Wrote {len(paths)} slip{'s' if len(paths) != 1 else ''} to {paths[0].parent}: " + \
            ", ".join(p.name for p in paths)
        self.say(message)
        self.notify(clean(message))

    # --- after acceptance, amending, corrections ------------------------------------------

    @flow
    async def action_referral(self, outcome: str) -> None:
        """Gate rejection, cancelled before start or no-show on the highlighted accepted row."""
        row = self._row()
        if row is None or row.referral != "active":
            raise Refused("Put the cursor on an accepted member whose referral is still open.")
        call_id, card = self.call_id, row.card
        sentence = await self.fetch(referral_views.preview_referral_outcome, self.hall_app.store, call_id, card,
                                    outcome)
        note = await self.ask(OutcomeDialog(OUTCOME_WORDS[outcome], self.sentence(sentence),
                                            hint=NOTE_HINTS[outcome], required=NOTE_REQUIRED.get(outcome, "")))
        if note is None:
            raise Cancelled("Nothing recorded.")
        await self._recorded(await self.commit(self.session.record_referral_outcome, call_id, card, outcome, note))

    @flow
    async def action_amend(self) -> None:
        """Change the call's workers, start or expected days, with a reason; confirm what changes."""
        if self.view is None or self.call_id is None:
            raise Refused("The call is still loading.")
        call_id, store = self.call_id, self.hall_app.store
        options = await self.fetch(referral_views.amend_options, store, call_id)
        call = options.call
        values = await self.ask(FormDialog(Text(f"Amend call #{call.id} · {clean(call.employer)}"), [
            Field("workers", f"Workers (at least the {call.accepted} accepted)", "", str(call.workers), kind="number"),
            Field("start", "Start (hall time)", "", options.start_text, kind="moment"),
            Field("days", "Expected working days", "", str(call.duration_days), kind="number"),
            Field("reason", "Reason (who at the employer asked, and why)", "e.g. J. Smith: needs one more"),
        ], sentence=f"filled {call.accepted} of {call.workers} · change what the employer asked for",
            dialog_id="amend-dialog", focus="workers"))
        if not values:
            raise Cancelled("Nothing amended.")
        found = await self.fetch(referral_views.preview_amend, store, call_id, workers=int(values["workers"]),
                                 start=values["start"], days=int(values["days"]))
        reason = values["reason"]
        if not await self.ask(ConfirmDialog(Text(self.sentence(f"{found.sentence} Reason: {reason}")),
                                            title="Amend call")):
            raise Cancelled("Nothing amended.")
        await self._recorded(await self.commit(self.session.amend_call, call_id, reason, **found.send))

    @flow
    async def action_correct(self) -> None:
        """Admin: set aside the highlighted row's outcome or grant a remedy referral, citing an authority."""
        row = self._row()
        if row is None or self.call_id is None:
            raise Refused("Put the cursor on a candidate first.")
        call_id, card = self.call_id, row.card
        self.session.require("reverse_outcome")
        found = await self.fetch(admin_views.correction_choices, self.hall_app.store, call_id, card)
        choices = []
        if found.set_aside:
            choices.append(("set_aside", f"Set aside the outcome recorded for {clean(found.name)}"))
        choices.append(("remedy", f"Grant {clean(found.name)} a remedy referral to call #{call_id}"))
        kind = await self.ask(ChoiceDialog(Text(f"Correction · {clean(found.name)} ({card}) · call #{call_id}"),
                                           choices, dialog_id="correction-dialog"))
        if not kind:
            raise Cancelled("Nothing recorded.")
        if kind == "remedy" and found.remedy_refusal:
            raise Refused(found.remedy_refusal)
        sentence = found.set_aside if kind == "set_aside" else found.remedy
        values = await self.ask(FormDialog("Correction" if kind == "set_aside" else "Remedy referral", [
            Field("authority", "Authority (appeal number or ruling)", "e.g. Appeal 2026-14"),
            Field("reason", "Reason", "e.g. the member was never reached: wrong number on file"),
        ], sentence=Text(self.sentence(sentence)), dialog_id="cite-dialog"))
        if not values:
            raise Cancelled("Nothing recorded.")
        operation = self.session.reverse_outcome if kind == "set_aside" else self.session.grant_referral
        await self._recorded(await self.commit(operation, call_id, card, values["authority"], values["reason"]))
