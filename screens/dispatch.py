"""Dispatch a call: work down its ranked candidates, one outcome key each, in strict order."""

from __future__ import annotations

import os
from pathlib import Path

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Input, Label, Static

from hall.reports import slips
from hall.views import admin as admin_views
from hall.views import calls as views
from hall.views import referrals as referral_views
from screens.base import HallScreen, clean, short_date
from screens.dialogs import ChoiceDialog, ConfirmDialog, Field, FormDialog

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
    "employer_rejected": "who at the employer said so (optional): e.g. J. Smith, superintendent",
    "rejected_at_job": "who at the employer said so (optional): e.g. J. Smith, foreman at gate B",
    "cancelled": "who said so (optional): e.g. J. Smith, superintendent: job postponed",
    "no_show": "who at the employer said so (optional): e.g. J. Smith, foreman: not there at 07:00",
}


WIDE = 140  # every column; narrower drops "registered", then (below NARROW) the book and re-sign due
NARROW = 110
CANDIDATE_WIDTHS = {"pos": 4, "card": 5, "name": 20, "book": 4, "registered": 12, "phone": 14, "re-sign due": 12}


def fit(text: str, width: int) -> str:
    """Text cut to ``width`` with an ellipsis when it is longer."""
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


class OutcomeDialog(ModalScreen[str | None]):
    """The rules' sentence for an outcome, and an optional one-line note: Enter records, esc does not."""

    CSS_PATH = ["dialogs.tcss", "dispatch.tcss"]
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="cancel_outcome", tooltip="Record nothing"),
    ]

    def __init__(self, sentence: str, outcome: str):
        super().__init__(id="outcome-dialog")
        self.sentence = sentence
        self.outcome = outcome

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="outcome-box"):
            yield Label(OUTCOME_WORDS.get(self.outcome, self.outcome), classes="dialog-title")
            yield Static(Content(clean(self.sentence.rstrip(".") + ". Enter to confirm")),
                         classes="dialog-sentence", id="outcome-sentence")
            yield Input(placeholder=NOTE_HINTS.get(self.outcome, "note (optional)"), id="outcome-note", compact=True)
            yield Static("Enter records · esc cancels", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#outcome-note", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.input.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


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
                tooltip="The employer turned the candidate down: not a turndown"),
        Binding("s", "slips", "Slips", id="slips", tooltip="Write a referral slip for each accepted referral"),
        Binding("g", "referral('rejected_at_job')", "Gate rejected", id="rejected_at_job",
                tooltip="The employer turned the accepted member away at the gate: place restored, call reopens"),
        Binding("b", "referral('cancelled')", "Cancelled before start", id="referral_cancelled",
                tooltip="The job was cancelled or postponed before the member started: place restored"),
        Binding("w", "referral('no_show')", "No-show", id="no_show",
                tooltip="The member accepted but never reported: recorded as a quit"),
        Binding("u", "amend", "Amend call", id="amend_call",
                tooltip="Change the call's workers, start or days (with a reason)"),
        Binding("z", "correct", "Correct", id="correct",
                tooltip="Admin: set aside the highlighted outcome, or grant a remedy referral, citing an authority"),
        # esc is global and known everywhere: off the footer so the outcome keys fit at 80 columns
        Binding("escape", "back", "Back", id="back", tooltip="Go back to the previous screen", show=False),
    ]
    ROW_ACTIONS = {"calling", "outcome", "slips", "referral", "amend", "correct"}

    def __init__(self, call_id: int | None = None):
        super().__init__()
        self.call_id = call_id
        self.view: dict | None = None
        self._follow_next = True  # after the next load, put the cursor on the next candidate
        self._shown_call: int | None = None
        self.slips_folder = Path(os.environ.get("HALL_SLIPS", "slips"))

    # --- layout --------------------------------------------------------------------

    def compose_footer(self) -> ComposeResult:
        # compact: the screen's own keys stay on the footer at 80 columns (global keys drop off first)
        yield Footer(compact=True)

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
            yield Static("", id="dispatch-message")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one("#picker", DataTable).add_columns("call", "employer", "class", "filled", "start", "days",
                                                         "taken by")
        self._set_columns(self.size.width or WIDE)
        self._show_mode()
        self.reload()

    def on_resize(self, event) -> None:
        if self._set_columns(event.size.width) and self.view is not None:
            self._show_call(self.view)

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
        if keys == getattr(self, "_columns", None) and outcome == getattr(self, "_outcome_width", None):
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
        self.query_one("#dispatch-message", Static).update("")
        self._show_mode()
        self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Without a call, the letters belong to the app again (c Counter, a Audit ...).
        if action in self.ROW_ACTIONS and self.call_id is None:
            return False
        if action == "referral":  # only on an accepted row whose referral is still open
            row = self._row()
            return row is not None and row.get("referral") == "active"
        if action == "amend":
            return self.view is not None and self.view["call"].status != "cancelled"
        if action == "correct":
            return self._row() is not None
        return True

    def _row(self) -> dict | None:
        """The row of the view under the cursor (None while loading or when the table is empty)."""
        view = self.view
        if view is None or self.call_id is None or view["call"].id != self.call_id:
            return None
        try:
            card = self._cursor_key(self.query_one("#candidates", DataTable))
        except Exception:
            return None
        return next((r for r in view["rows"] if r["card"] == card), None)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "candidates":
            self.refresh_bindings()

    # --- reading -------------------------------------------------------------------

    def reload(self) -> None:
        if self.session is None:
            return
        if self.call_id is None:
            self.load(views.open_calls, self.hall_app.store, done=self._show_picker)
        else:
            self.load(views.dispatch_view, self.hall_app.store, self.call_id, done=self._show_call)

    def _show_picker(self, calls: list[dict]) -> None:
        if self.call_id is not None:
            return
        table = self.query_one("#picker", DataTable)
        keep = self._cursor_key(table)
        table.clear()
        zone = self.hall_app.zone
        for c in calls:
            table.add_row(f"#{c['id']}", Text(clean(c["employer"])), f"{c['class']} ×{c['workers']}",
                          f"{c['accepted']} of {c['workers']}", short_date(c["start"], zone), str(c["days"]),
                          Text(clean(c["taken_by"])), key=str(c["id"]))
        if not calls:
            self.query_one("#dispatch-message", Static).update("No open calls: press n to take one.")
        self._move_to(table, keep)

    @staticmethod
    def _cursor_key(table: DataTable) -> str | None:
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    @staticmethod
    def _move_to(table: DataTable, key: str | None) -> bool:
        if key is None:
            return False
        try:
            table.move_cursor(row=table.get_row_index(key))
            return True
        except Exception:
            return False

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "picker" and event.row_key.value:
            event.stop()
            self.call_id = int(event.row_key.value)
            self._follow_next = True
            self._show_mode()
            self.reload()

    def _styles(self) -> dict[str, Style]:
        """Rich styles for table cells from the theme (cells cannot use CSS variables)."""
        colours = self.app.get_css_variables()

        def colour(name: str) -> Style:
            try:
                return Style(color=colours.get(name))
            except Exception:
                return Style()

        return {"warning": colour("warning") + Style(bold=True), "muted": Style(dim=True), "next": Style(bold=True)}

    def _show_call(self, view: dict) -> None:
        if view["call"].id != self.call_id:
            return
        previous = self.view
        self.view = view
        zone = self.hall_app.zone
        call, info = view["call"], view["info"]
        styles = self._styles()

        needs = f" · needs {', '.join(clean(c) for c in call.required_certs)}" if call.required_certs else ""
        short = (f" · short call until {view['short_until']:%a %d %b}" if view["short"] else "")
        title = Content.assemble(
            (f"Call #{call.id}", "bold"), f" · {clean(call.employer)} · {call.classification} ×{call.workers} · ",
            (short_date(call.start, zone), "bold"), f" · {call.duration_days} days{needs}{short}",
        )
        self.query_one("#call-title", Static).update(title)
        taken = info.get("taken_at")
        taken_text = ""
        if taken is not None:
            same_day = taken.astimezone(zone).date() == view["now"].astimezone(zone).date()
            taken_text = f"taken by {clean(info.get('taken_by'))} " + (
                f"{taken.astimezone(zone):%H:%M}" if same_day else short_date(taken, zone))
        bits = [clean(call.site) if call.site else "no site given", taken_text,
                f"filled {call.accepted} of {call.workers}", view["age"]]
        self.query_one("#call-sub", Static).update(" · ".join(b for b in bits if b))

        status: list = []
        if view["calling"]:
            c = view["calling"]
            status.append((f"{clean(c['by'])} calling {clean(c['name'])} since "
                           f"{c['since'].astimezone(zone):%H:%M}", "$warning bold"))
        if call.status == "filled":
            status.append((f"Filled: {call.accepted} of {call.workers} accepted. s writes the slips.", "$success bold"))
        elif call.status == "cancelled":
            status.append((f"Cancelled: {clean(info.get('cancel_reason'))}", "$error bold"))
        elif view["next"] is None:
            status.append(("! Nobody left to offer: every candidate has an outcome or is passed over.", "$warning"))
        for sentence in view["unhonoured"]:
            status.append((f"! name request not honoured: {clean(sentence)}", "$warning"))
        if info.get("notes"):
            status.append((f"notes: {clean(info['notes'])}", "$text-muted"))
        joined: list = []
        for i, part in enumerate(status):
            if i:
                joined.append("\n")
            joined.append(part)
        status_box = self.query_one("#call-status", Static)
        status_box.update(Content.assemble(*joined))
        status_box.display = bool(status)

        table = self.query_one("#candidates", DataTable)
        keep = self._cursor_key(table)
        was_next = previous is not None and previous["call"].id == call.id and keep == previous["next"]
        table.clear()
        for row in view["rows"]:
            state = row["state"]
            base = styles["muted"] if state == "passed" else styles["next"] if state == "next" else Style()
            pos = ("▶ " if state == "next" else "  ") + row["pos"]
            due = ""
            if row["resign_due"] is not None:
                due = Text(("! " if row["resign_warn"] else "") + f"{row['resign_due']:%a %d %b}",
                           style=styles["warning"] if row["resign_warn"] else base)
            said, warned = clean(row["outcome"]), row["warn"]
            if "re-sign due" not in self._columns and row["resign_warn"] and not said:
                said, warned = f"! re-sign by {row['resign_due']:%a %d %b}", True  # the column is off: keep the mark
            width = self._outcome_width
            outcome = Text(fit(said, width), style=styles["warning"] if warned else base)
            name = clean(row["name"])
            cells = {
                "pos": Text(pos, style=base), "card": Text(clean(row["card"]), style=base),
                "name": Text(fit(name, CANDIDATE_WIDTHS["name"]), style=base),
                "book": Text(row["book"], style=base),
                "registered": Text(f"{row['registered_at'].astimezone(zone):%d %b %H:%M}"
                                   if row["registered_at"] else "", style=base),
                "phone": Text(clean(row["phone"]), style=base), "re-sign due": due or Text(""), "outcome": outcome,
            }
            table.add_row(*(cells[k] for k in self._columns), key=row["card"])
        if self._follow_next or was_next or self._shown_call != call.id:
            if not self._move_to(table, view["next"]):
                # a filled call: the first accepted member whose referral is still open (g b w apply)
                accepted = next((r["card"] for r in view["rows"] if r.get("referral") == "active"), None)
                if self._shown_call == call.id or not self._move_to(table, accepted):
                    self._move_to(table, keep)
        else:
            self._move_to(table, keep)
        self._follow_next = False
        self._shown_call = call.id
        self.refresh_bindings()

    # --- acting ----------------------------------------------------------------------

    def _target(self) -> str | None:
        """The card under the cursor if it may be acted on now; otherwise say why not and None."""
        view = self.view
        if view is None or self.call_id is None or view["call"].id != self.call_id:
            self.notify("The call is still loading.")
            return None
        if view["closed"]:
            self.notify(view["closed"], severity="warning")
            return None
        table = self.query_one("#candidates", DataTable)
        card = self._cursor_key(table)
        if card is None:
            self.notify("This call has no candidates.", severity="warning")
            return None
        if card != view["next"]:
            row = next((r for r in view["rows"] if r["card"] == card), None)
            why = (row or {}).get("refusal") or "Only the highlighted next candidate can be given an outcome now."
            self.notify(clean(why), severity="warning")
            self.query_one("#dispatch-message", Static).update(clean(why))
            return None
        return card

    def action_calling(self) -> None:
        card = self._target()
        if card is None:
            return
        self.write(self.session.mark_calling, self.call_id, card, done=self._done)

    def action_outcome(self, outcome: str) -> None:
        card = self._target()
        if card is None:
            return
        call_id = self.call_id

        def confirm(sentence: str) -> None:
            if self.call_id != call_id:
                return

            def chosen(note: str | None) -> None:
                if note is None:
                    self.query_one("#dispatch-message", Static).update("Nothing recorded.")
                    return
                self.write(self.session.record_offer, call_id, card, outcome, note, done=self._recorded)

            self.app.push_screen(OutcomeDialog(sentence, outcome), chosen)

        self.load(self.session.preview_offer, call_id, card, outcome, done=confirm, group=f"preview-{id(self)}")

    def _done(self, receipt) -> None:
        self.query_one("#dispatch-message", Static).update(clean(receipt.message))
        self.reload()

    def _recorded(self, receipt) -> None:
        self._follow_next = True
        message = f"{receipt.message} Receipt #{receipt.seq}."
        self.query_one("#dispatch-message", Static).update(clean(message))
        self.notify(clean(message), severity="information")
        self.reload()

    def action_slips(self) -> None:
        if self.call_id is None:
            return
        self.load(slips.write_slips, self.hall_app.store, self.call_id, self.slips_folder,
                  done=self._slips_written, group=f"slips-{id(self)}")

    def _slips_written(self, paths: list[Path]) -> None:
        names = ", ".join(str(p) for p in paths)
        message = f"Wrote {len(paths)} slip{'s' if len(paths) != 1 else ''}: {names}"
        self.query_one("#dispatch-message", Static).update(clean(message))
        self.notify(clean(message))

    # --- after acceptance, amending, corrections ------------------------------------------

    def _say(self, message: str) -> None:
        self.query_one("#dispatch-message", Static).update(clean(message))

    def action_referral(self, outcome: str) -> None:
        """Gate rejection, cancelled before start or no-show on the highlighted accepted row."""
        row = self._row()
        if row is None or row.get("referral") != "active":
            self.notify("Put the cursor on an accepted member whose referral is still open.", severity="warning")
            return
        call_id, card = self.call_id, row["card"]

        def confirm(sentence: str) -> None:
            if self.call_id != call_id:
                return

            def chosen(note: str | None) -> None:
                if note is None:
                    self._say("Nothing recorded.")
                    return
                self.write(self.session.record_referral_outcome, call_id, card, outcome, note,
                           done=self._recorded, failed=self._say)

            self.app.push_screen(OutcomeDialog(sentence, outcome), chosen)

        self.load(referral_views.preview_referral_outcome, self.hall_app.store, call_id, card, outcome,
                  done=confirm, group=f"preview-{id(self)}")

    def action_amend(self) -> None:
        """Change the call's workers, start or expected days, with a reason; confirm what changes."""
        if self.view is None or self.call_id is None:
            return
        call_id = self.call_id
        store = self.hall_app.store

        def form(options: dict) -> None:
            call = options["call"]
            self.app.push_screen(FormDialog(Text(f"Amend call #{call.id} · {clean(call.employer)}"), [
                Field("workers", f"Workers (at least the {call.accepted} accepted)", "", str(call.workers),
                      kind="number"),
                Field("start", "Start (hall time)", 'e.g. "2026-11-30 07:00" or "mon 7:00"', options["start_text"]),
                Field("days", "Expected working days", "", str(call.duration_days), kind="number"),
                Field("reason", "Reason (who at the employer asked, and why)", "e.g. J. Smith: needs one more"),
            ], sentence=f"filled {call.accepted} of {call.workers} · change what the employer asked for",
                dialog_id="amend-dialog"), lambda values: values and preview(values))

        def preview(values: dict) -> None:
            def read():
                return referral_views.preview_amend(store, call_id, workers=int(values["workers"]),
                                                    start=values["start"], days=int(values["days"]))

            self.load(read, done=lambda found: confirm(found, values["reason"]), group=f"preview-{id(self)}")

        def confirm(found: dict, reason: str) -> None:
            sentence = f"{found['sentence']} Reason: {reason}"
            self.app.push_screen(ConfirmDialog(Text(clean(sentence)), title="Amend call"),
                                 lambda ok: ok and self.write(self.session.amend_call, call_id, reason,
                                                              **found["send"], done=self._recorded,
                                                              failed=self._say))

        self.load(referral_views.amend_options, store, call_id, done=form, group=f"preview-{id(self)}")

    def action_correct(self) -> None:
        """Admin: set aside the highlighted row's outcome or grant a remedy referral, citing an authority."""
        row = self._row()
        if row is None or self.call_id is None:
            return
        call_id, card = self.call_id, row["card"]
        if not self.session.user.is_admin:
            # The session refuses with its one sentence; nothing is written.
            self.write(self.session.reverse_outcome, call_id, card, "", "", failed=self._say)
            return

        def choose(found: dict) -> None:
            choices = []
            if found["set_aside"]:
                choices.append(("set_aside", f"Set aside the outcome recorded for {clean(found['name'])}"))
            choices.append(("remedy", f"Grant {clean(found['name'])} a remedy referral to call #{call_id}"))
            self.app.push_screen(ChoiceDialog(Text(f"Correction · {clean(found['name'])} ({card}) · call #{call_id}"),
                                              choices, dialog_id="correction-dialog"),
                                 lambda kind: kind and cite(kind, found))

        def cite(kind: str, found: dict) -> None:
            if kind == "remedy" and found["remedy_refusal"]:
                self.notify(clean(found["remedy_refusal"]), severity="warning")
                self._say(found["remedy_refusal"])
                return
            sentence = found["set_aside"] if kind == "set_aside" else found["remedy"]
            operation = self.session.reverse_outcome if kind == "set_aside" else self.session.grant_referral
            self.app.push_screen(FormDialog("Correction" if kind == "set_aside" else "Remedy referral", [
                Field("authority", "Authority (appeal number or ruling)", "e.g. Appeal 2026-14"),
                Field("reason", "Reason", "e.g. the member was never reached: wrong number on file"),
            ], sentence=Text(clean(sentence)), dialog_id="cite-dialog"),
                lambda values: values and self.write(operation, call_id, card, values["authority"],
                                                     values["reason"], done=self._recorded, failed=self._say))

        self.load(admin_views.correction_choices, self.hall_app.store, call_id, card, done=choose,
                  group=f"preview-{id(self)}")
