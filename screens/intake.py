"""Take a call: the employer is on the phone. A form on the left, "who qualifies now" on the right.

No field shows a made-up value: blanks are blanks, and ctrl+s lists every problem at once
with the cursor on the first. Esc on a form with something typed asks before throwing it away.
"""

from __future__ import annotations

import time

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.suggester import SuggestFromList
from textual.timer import Timer
from textual.widgets import Input, Label, Select, SelectionList, Static

from hall.errors import HallError
from hall.parse import resolve_start, start_moment
from hall.views import calls as views
from hall.views.calls import IntakeOptions, Qualifies
from screens.base import Cancelled, HallScreen, Refused, flow
from screens.text import clean, short_date
from screens.widgets.dialogs import ConfirmDialog

BY_PHONE = "phone"
DISPATCH_WAYS = [("post for bids", "post"), ("by phone now", BY_PHONE)]
"""(v2) How a call taken with bidding on goes out: posted for the next selection, or phoned down
the list now (with a reason)."""
PANEL_DELAY = 0.25  # seconds of quiet typing before the side panel is recomputed
JUMP_RESET = 1.0  # seconds after which typing in the certifications starts a new search


class CertList(SelectionList[str]):
    """The known certifications: space ticks one (✓), typing jumps to the first that matches."""

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self._typed = ""
        self._typed_at = 0.0

    def on_key(self, event: events.Key) -> None:
        char = event.character
        if not char or not char.isprintable() or char == " " or event.key in ("space", "enter"):
            return
        now = time.monotonic()
        self._typed = (self._typed if now - self._typed_at < JUMP_RESET else "") + char.casefold()
        self._typed_at = now
        for index in range(self.option_count):
            prompt = str(self.get_option_at_index(index).prompt).casefold()
            if prompt.startswith(self._typed) or (len(self._typed) > 2 and self._typed in prompt):
                self.highlighted = index
                break
        event.stop()


class IntakeScreen(HallScreen):
    """A new job call, typed while the employer is on the phone; ctrl+s saves and opens the ranking."""

    CSS_PATH = "intake.tcss"
    SCREEN_TITLE = "New call"
    # 24 lines: the form rows close up so Notes stays on screen (intake.tcss).
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]
    BINDINGS = [
        Binding("ctrl+s", "save", "Save and dispatch", id="save_call", priority=True,
                tooltip="Save the call and open its ranked candidates"),
        Binding("escape", "back", "Cancel", id="cancel_call", tooltip="Leave without saving (asks if typed)"),
    ]

    def __init__(self, employer: str = "") -> None:
        super().__init__()
        self.employer = employer
        self._employers: tuple[str, ...] = ()
        self._timer: Timer | None = None
        self._saving = False

    # --- layout --------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        classes = list(self.hall_app.rules.classifications)
        yield from self.compose_header()
        with Horizontal(id="intake-body"):
            with VerticalScroll(id="intake-form"):
                yield Label("NEW CALL", classes="section-title")
                with Horizontal(classes="field-row"):
                    yield Label("Employer", classes="field-label")
                    yield Input(self.employer, placeholder="type a name: → or Enter completes", id="employer",
                                compact=True)
                    yield Static("", id="employer-state", classes="field-note")
                with Horizontal(classes="field-row"):
                    yield Label("Class", classes="field-label")
                    yield Select([(c, c) for c in classes], allow_blank=False, id="classification", compact=True)
                    yield Label("Workers", classes="field-label-inline")
                    yield Input(id="workers", type="integer", compact=True)
                with Horizontal(classes="field-row"):
                    yield Label("Start", classes="field-label")
                    yield Input(placeholder="e.g. fri 7am · 12/1 7:00", id="start", compact=True)
                    yield Label("Days", classes="field-label-inline")
                    yield Input(id="days", type="integer", compact=True)
                with Horizontal(classes="field-row"):
                    yield Label("", classes="field-label")
                    yield Static("", id="start-hint", classes="field-note")
                with Horizontal(classes="field-row certs-row"):
                    yield Label("Certs", classes="field-label")
                    with Vertical(id="certs-box"):
                        yield CertList(id="certs", compact=True)
                        yield Static("none required · space ticks one, typing jumps to it", id="certs-chosen",
                                     classes="field-note")
                with Horizontal(classes="field-row"):
                    yield Label("By name", classes="field-label")
                    yield Input(placeholder="card and reason, e.g. 104 foreman on Main St; 107 knows the site",
                                id="requests", compact=True)
                with Horizontal(classes="field-row"):
                    yield Label("Site", classes="field-label")
                    yield Input(placeholder="address, gate, who to see", id="site", compact=True)
                with Horizontal(classes="field-row"):
                    yield Label("Notes", classes="field-label")
                    yield Input(placeholder="anything else the employer said", id="notes", compact=True)
                if self.hall_app.rules.bidding.enabled:  # (v2) the morning dispatch
                    with Horizontal(classes="field-row"):
                        yield Label("Dispatch", classes="field-label")
                        yield Select(DISPATCH_WAYS, allow_blank=False, id="dispatch_way", compact=True)
                        yield Label("Wage", classes="field-label-inline")
                        yield Input(placeholder="$52.10", id="wage", compact=True)
                    with Horizontal(classes="field-row", id="by-phone-row"):
                        yield Label("Why", classes="field-label")
                        yield Input(placeholder="why it cannot wait for the selection, e.g. storm damage: today",
                                    id="by_phone", compact=True)
                yield Static("", id="intake-message")
            with Vertical(id="qualifies-panel"):
                yield Label("WHO QUALIFIES NOW", classes="section-title")
                yield Static("Pick a class to see who is waiting.", id="qualifies")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self._show_dispatch_way()
        self.query_one("#employer", Input).focus()
        self.load(views.intake_options, self.hall_app.store, done=self._show_options, group=f"intake-{id(self)}")

    def open_with(self, screen: "IntakeScreen") -> None:
        """`n` again while the form is open: keep what is typed."""
        if screen.employer and not self.query_one("#employer", Input).value.strip():
            self.query_one("#employer", Input).value = screen.employer
        self.query_one("#employer", Input).focus()

    def reload(self) -> None:
        self.refresh_panel()

    def _show_options(self, options: IntakeOptions) -> None:
        self._employers = options.employers
        self.query_one("#employer", Input).suggester = SuggestFromList(list(self._employers), case_sensitive=False)
        certs = self.query_one("#certs", CertList)
        chosen = set(certs.selected)
        certs.clear_options()
        certs.add_options([(clean(c), c, c in chosen) for c in options.certs])
        self._show_employer_state()
        self.refresh_panel()

    # --- typing ------------------------------------------------------------------

    def _show_employer_state(self) -> None:
        name = self.query_one("#employer", Input).value.strip()
        state = self.query_one("#employer-state", Static)
        if not name:
            state.update("")
        elif name.casefold() in {e.casefold() for e in self._employers}:
            state.update("(known)")
            state.set_class(False, "warning")
        else:
            state.update("(new employer)")
            state.set_class(True, "warning")

    def _show_start_hint(self) -> None:
        text = self.query_one("#start", Input).value
        hint = self.query_one("#start-hint", Static)
        if not text.strip():
            hint.update("")
            return
        try:
            moment = start_moment(text, self.hall_app.rules, self.hall_app.store.now())
        except HallError as error:
            hint.update(Text(clean(str(error))))
            hint.set_class(True, "warning")
            return
        hint.update(f"→ {short_date(moment, self.hall_app.zone)}")
        hint.set_class(False, "warning")

    def on_input_changed(self, event: Input.Changed) -> None:
        event.input.remove_class("-invalid")
        if event.input.id == "employer":
            self._show_employer_state()
        elif event.input.id == "start":
            self._show_start_hint()
        self._schedule_panel()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter moves to the next field (on the employer it first takes the suggestion)."""
        event.stop()
        if event.input.id == "employer":
            event.input.action_cursor_right()
        self.focus_next()

    def _show_dispatch_way(self) -> None:
        """The reason box only for a call taken by phone."""
        if self.query("#dispatch_way"):
            self.query_one("#by-phone-row").display = self._form()["by_phone_chosen"]

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "dispatch_way":
            self._show_dispatch_way()
            return
        self._schedule_panel()

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged) -> None:
        chosen = list(self.query_one("#certs", CertList).selected)
        line = self.query_one("#certs-chosen", Static)
        line.update(Text("✓ " + ", ".join(clean(c) for c in chosen)) if chosen
                    else "none required · space ticks one, typing jumps to it")
        line.set_class(bool(chosen), "chosen")
        self._schedule_panel()

    # --- the side panel -----------------------------------------------------------

    def _schedule_panel(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(PANEL_DELAY, self.refresh_panel)

    def _form(self) -> dict:
        select = self.query_one("#classification", Select)
        return {
            "employer": self.query_one("#employer", Input).value,
            "classification": "" if select.value is Select.NULL else str(select.value),
            "workers": self.query_one("#workers", Input).value,
            "start": self.query_one("#start", Input).value,
            "days": self.query_one("#days", Input).value,
            "certs": list(self.query_one("#certs", CertList).selected),
            "requests": self.query_one("#requests", Input).value,
            "site": self.query_one("#site", Input).value,
            "notes": self.query_one("#notes", Input).value,
            **self._dispatch_way(),
        }

    def _dispatch_way(self) -> dict:
        """(v2) With bidding on: posted for bids, or by phone now (and why); the wage."""
        if not self.query("#dispatch_way"):
            return {"by_phone_chosen": False, "by_phone": "", "wage": ""}
        chosen = self.query_one("#dispatch_way", Select).value == BY_PHONE
        return {"by_phone_chosen": chosen, "by_phone": self.query_one("#by_phone", Input).value,
                "wage": self.query_one("#wage", Input).value}

    def typed(self) -> bool:
        """Whether anything was typed or chosen (the class always has a value)."""
        form = self._form()
        return any(form[k] for k in ("workers", "start", "days", "certs", "requests", "site", "notes", "wage",
                                     "by_phone")) or \
            form["employer"].strip() != self.employer

    def refresh_panel(self) -> None:
        """Recompute "who qualifies now" in a read worker (a newer one replaces an older one)."""
        if self.session is None:
            return
        form = self._form()
        self.load(views.who_qualifies, self.hall_app.store, classification=form["classification"],
                  certs=form["certs"], workers=form["workers"], days=form["days"], start=form["start"],
                  employer=form["employer"], requests=form["requests"], done=self._show_panel)

    def _show_panel(self, q: Qualifies) -> None:
        warn = "$warning"
        parts: list = []
        width = self.query_one("#qualifies", Static).size.width or 40
        label_width = 22 if width >= 44 else 18

        def line(label: str, value: str = "", extra: str = "", style: str = "") -> None:
            text = f"{label[:label_width]:<{label_width}}{value:>5}"
            parts.append((text, style))
            if extra:  # beside the count when it fits, else under it
                parts.append((f"  {extra}" if len(text) + 2 + len(extra) <= width else f"\n    {extra}", style))
            parts.append("\n")

        line(f"{q.classification or '—'} waiting", str(q.waiting))
        for c in q.certs:
            scarce = q.workers is not None and c.hold <= q.workers
            line(f"hold {clean(c.cert)}", str(c.hold), f"excludes {c.excludes}" + ("  !" if scarce else ""),
                 warn if scarce else "")
        if q.certs or q.waiting:
            line("meet all requirements", str(q.meet_all), f"of {q.waiting}")
        if q.warning:
            parts.append((f"! {q.warning}", f"{warn} bold"))
            parts.append("\n")
        if q.days:
            if q.short:
                parts.append(f"short call: yes ({q.days} days ≤ {q.short_max_days}): places are kept\n")
            else:
                parts.append(f"short call: no ({q.days} days > {q.short_max_days})\n")
        if q.start:
            parts.append(f"starts {short_date(q.start, self.hall_app.zone)}\n")
        elif q.start_error:
            parts.append((f"! start: {clean(q.start_error)}", warn))
            parts.append("\n")
        if q.first:
            names = ", ".join(f"{clean(name)} ({card})" for card, name in q.first)
            parts.append(f"first in line: {names}\n")
        if q.requests:
            parts.append(("\nBY NAME\n", "bold"))
            for r in q.requests:
                parts.append(f" {clean(r.card)} {clean(r.name) or '?'}")
                if r.reason:
                    parts.append(f" — {clean(r.reason)}")
                parts.append("\n")
                if r.problem:
                    parts.append((f"   ! {self.sentence(r.problem)}", warn))
                    parts.append("\n")
        self.query_one("#qualifies", Static).update(Content.assemble(*parts))

    # --- saving and leaving ---------------------------------------------------------

    def say(self, message: str) -> None:
        self.query_one("#intake-message", Static).update(Text(self.sentence(message)) if message else "")

    def _show_problems(self, problems: list[tuple[str, str]]) -> None:
        for field, _ in problems:
            widget = self.query_one(f"#{field}")
            if isinstance(widget, Input):
                widget.add_class("-invalid")
        self.say("\n".join(sentence for _, sentence in problems))
        self.query_one(f"#{problems[0][0]}").focus()

    @flow
    async def action_save(self) -> None:
        """Check every field, then take the call and open its ranking."""
        if self._saving or self.session is None:
            raise Cancelled("")
        form, session = self._form(), self.session
        self.say("Checking…")
        problems = await self.fetch(views.check_call_form, self.hall_app.store, employer=form["employer"],
                                    classification=form["classification"], workers=form["workers"],
                                    start=form["start"], days=form["days"], certs=form["certs"],
                                    requests=form["requests"],
                                    by_phone=form["by_phone"] if form["by_phone_chosen"] else None)
        if problems:
            self._show_problems(problems)
            return

        def save():
            start = resolve_start(form["start"], session.rules(), session.now())
            return session.take_call(
                employer=form["employer"], classification=form["classification"], workers=form["workers"],
                start=start, days=form["days"], certs=form["certs"],
                requests=views.parse_requests(form["requests"]), site=form["site"], notes=form["notes"],
                add_employer=True, wage=form["wage"], by_phone=form["by_phone"] if form["by_phone_chosen"] else None,
            )

        self._saving = True
        self.say("Saving…")
        try:
            receipt = await self.commit(save)
        except HallError as error:
            raise Refused(str(error)) from None
        finally:
            self._saving = False
        self.notify(self.sentence(f"{receipt.message} Receipt #{receipt.seq}."))
        app = self.hall_app
        app.pop_screen()
        if app.rules.bidding.enabled and not form["by_phone_chosen"]:
            app.action_job_board()  # posted: members bid on it until the selection
        else:
            app.action_dispatch(receipt.id)

    @flow
    async def action_back(self) -> None:
        """Leave; with something typed, ask first."""
        if self.typed() and not await self.ask(ConfirmDialog(
                "Throw away the call typed in this form? Nothing has been saved.", title="Leave the new call",
                confirm_label="Enter to throw it away", dialog_id="discard-dialog")):
            raise Cancelled("")
        HallScreen.action_back(self)

