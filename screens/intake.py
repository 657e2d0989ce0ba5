"""Take a call: the employer is on the phone. A form on the left, "who qualifies now" on the right."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.suggester import SuggestFromList
from textual.timer import Timer
from textual.widgets import Input, Label, Select, SelectionList, Static

from hall.errors import HallError
from hall.views import calls as views
from screens.base import HallScreen, clean, short_date

PANEL_DELAY = 0.25  # seconds of quiet typing before the side panel is recomputed


class IntakeScreen(HallScreen):
    """A new job call, typed while the employer is on the phone; ctrl+s saves and opens the ranking."""

    CSS_PATH = "intake.tcss"
    SCREEN_TITLE = "New call"
    # 24 lines: the form rows close up so Notes stays on screen (intake.tcss).
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]
    BINDINGS = [
        Binding("ctrl+s", "save", "Save and dispatch", id="save_call", priority=True,
                tooltip="Save the call and open its ranked candidates"),
        Binding("escape", "back", "Cancel", id="cancel_call", tooltip="Leave without saving the call"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._employers: list[str] = []
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
                    yield Input(placeholder="type a name: → or Enter completes", id="employer", compact=True)
                    yield Static("", id="employer-state", classes="field-note")
                with Horizontal(classes="field-row"):
                    yield Label("Class", classes="field-label")
                    yield Select([(c, c) for c in classes], allow_blank=False, id="classification", compact=True)
                    yield Label("Workers", classes="field-label-inline")
                    yield Input(placeholder="3", id="workers", type="integer", compact=True)
                with Horizontal(classes="field-row"):
                    yield Label("Start", classes="field-label")
                    yield Input(placeholder="fri 07:00 · tomorrow 7:00 · 2026-11-27 07:00", id="start",
                                compact=True)
                    yield Label("Days", classes="field-label-inline")
                    yield Input(placeholder="30", id="days", type="integer", compact=True)
                with Horizontal(classes="field-row"):
                    yield Label("", classes="field-label")
                    yield Static("", id="start-hint", classes="field-note")
                with Horizontal(classes="field-row certs-row"):
                    yield Label("Certs", classes="field-label")
                    yield SelectionList[str](id="certs", compact=True)
                with Horizontal(classes="field-row"):
                    yield Label("By name", classes="field-label")
                    yield Input(placeholder="card and reason: 104 foreman on Main St; 107 knows the site",
                                id="requests", compact=True)
                with Horizontal(classes="field-row"):
                    yield Label("Site", classes="field-label")
                    yield Input(placeholder="address, gate, who to see", id="site", compact=True)
                with Horizontal(classes="field-row"):
                    yield Label("Notes", classes="field-label")
                    yield Input(placeholder="anything else the employer said", id="notes", compact=True)
                yield Static("", id="intake-message")
            with Vertical(id="qualifies-panel"):
                yield Label("WHO QUALIFIES NOW", classes="section-title")
                yield Static("Pick a class to see who is waiting.", id="qualifies")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one("#employer", Input).focus()
        self.load(views.intake_options, self.hall_app.store, done=self._show_options, group=f"intake-{id(self)}")

    def open_with(self, screen: "IntakeScreen") -> None:
        """`n` again while the form is open: keep what is typed."""
        self.query_one("#employer", Input).focus()

    def reload(self) -> None:
        self.refresh_panel()

    def _show_options(self, options: dict) -> None:
        self._employers = options["employers"]
        self.query_one("#employer", Input).suggester = SuggestFromList(self._employers, case_sensitive=False)
        certs = self.query_one("#certs", SelectionList)
        chosen = set(certs.selected)
        certs.clear_options()
        certs.add_options([(clean(c), c, c in chosen) for c in options["certs"]])
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
            moment = views.start_moment(text, self.hall_app.rules, self.hall_app.store.now())
        except HallError as error:
            hint.update(clean(str(error)))
            hint.set_class(True, "warning")
            return
        hint.update(f"→ {short_date(moment, self.hall_app.zone)}")
        hint.set_class(False, "warning")

    def on_input_changed(self, event: Input.Changed) -> None:
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

    def on_select_changed(self, event: Select.Changed) -> None:
        self._schedule_panel()

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged) -> None:
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
            "certs": list(self.query_one("#certs", SelectionList).selected),
            "requests": self.query_one("#requests", Input).value,
            "site": self.query_one("#site", Input).value,
            "notes": self.query_one("#notes", Input).value,
        }

    def refresh_panel(self) -> None:
        """Recompute "who qualifies now" in a read worker (a newer one replaces an older one)."""
        if self.session is None:
            return
        form = self._form()
        self.load(views.who_qualifies, self.hall_app.store, classification=form["classification"],
                  certs=form["certs"], workers=form["workers"], days=form["days"], start=form["start"],
                  employer=form["employer"], requests=form["requests"], done=self._show_panel)

    def _show_panel(self, q: dict) -> None:
        warn = "$warning"
        parts: list = []

        def line(label: str, value: str = "", extra: str = "", style: str = "") -> None:
            parts.append((f"{label:<24}{value:>5}", style))
            if extra:
                parts.append((f"   {extra}", style))
            parts.append("\n")

        cls = q["classification"] or "—"
        waiting = q.get("waiting", 0)
        line(f"{cls} waiting", str(waiting))
        for c in q["certs"]:
            scarce = q["workers"] is not None and c["hold"] <= q["workers"]
            line(f"hold {clean(c['cert'])[:19]}", str(c["hold"]), f"excludes {c['excludes']}" + ("  !" if scarce else ""),
                 warn if scarce else "")
        if q["certs"] or waiting:
            line("meet all requirements", str(q.get("meet_all", 0)), f"of {waiting}")
        if q["warning"]:
            parts.append((f"! {q['warning']}", f"{warn} bold"))
            parts.append("\n")
        if q.get("days"):
            days, top = q["days"], q["short_max_days"]
            if q.get("short"):
                parts.append(f"short call: yes ({days} days ≤ {top}): places are kept\n")
            else:
                parts.append(f"short call: no ({days} days > {top})\n")
        if q.get("start"):
            parts.append(f"starts {short_date(q['start'], self.hall_app.zone)}\n")
        elif q.get("start_error"):
            parts.append((f"! start: {q['start_error']}", warn))
            parts.append("\n")
        if q["first"]:
            names = ", ".join(f"{clean(name)} ({card})" for card, name in q["first"])
            parts.append(f"first in line: {names}\n")
        if q["requests"]:
            parts.append(("\nBY NAME\n", "bold"))
            for r in q["requests"]:
                who = clean(r["name"]) or "?"
                parts.append(f" {clean(r['card'])} {who}")
                if r["reason"]:
                    parts.append(f" — {clean(r['reason'])}")
                parts.append("\n")
                if r["problem"]:
                    parts.append((f"   ! {clean(r['problem'])}", warn))
                    parts.append("\n")
        self.query_one("#qualifies", Static).update(Content.assemble(*parts))

    # --- saving ---------------------------------------------------------------------

    def action_save(self) -> None:
        if self._saving or self.session is None:
            return
        form = self._form()
        session = self.session

        def save():
            start = views.resolve_start(form["start"], session.rules(), session.now())
            return session.take_call(
                employer=form["employer"], classification=form["classification"], workers=form["workers"],
                start=start, days=form["days"], certs=form["certs"],
                requests=views.parse_requests(form["requests"]), site=form["site"], notes=form["notes"],
                add_employer=True,
            )

        self._saving = True
        self.query_one("#intake-message", Static).update("Saving…")
        self.write(save, done=self._saved, failed=self._failed)

    def _saved(self, receipt) -> None:
        self._saving = False
        self.notify(f"{receipt.message} Receipt #{receipt.seq}.")
        app = self.hall_app
        app.pop_screen()
        app.action_dispatch(receipt.id)

    def _failed(self, message: str) -> None:
        self._saving = False
        message_box = self.query_one("#intake-message", Static)
        message_box.update(clean(message))
