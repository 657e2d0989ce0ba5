"""The one form dialog: a few labelled fields, dates typed as people say them, every problem
shown at once with the cursor on the first, and esc asking before throwing typed work away.

Given ``save``, the form records through the app's write worker itself and stays open (with
what was typed) when the operation refuses; otherwise it returns the values it checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, Label, Static

from hall.errors import HallError
from hall.parse import DAY_EXAMPLES, START_EXAMPLES, DateSpan, parse_day, resolve_start
from screens.text import clean, short_day
from screens.widgets.dialogs import ConfirmDialog, HallDialog

DATE_KINDS = {"day", "since", "moment"}
PLACEHOLDERS = {"day": "e.g. 12/1, tomorrow, fri, 2026-12-01", "since": "e.g. 10/1, last mon, 2026-10-01",
                "moment": "e.g. 12/1 7am, tomorrow 7, mon 6:30"}


@dataclass(frozen=True)
class Field:
    """One line of a form.

    ``kind``: "text"; "number" (a whole number); "day" (a date ahead, as people say it);
    "since" (a date behind); "moment" (a date and a time of day); "password" (hidden).
    Date kinds are returned as ISO text ("2026-12-01", "2026-12-01 07:00"). ``span``: how far
    from today a day may be (``hall.parse``), refused with the operation's sentence.
    """

    name: str
    label: str
    placeholder: str = ""
    value: str = ""
    required: bool = True
    kind: str = "text"
    span: DateSpan | None = None


class FormDialog(HallDialog[Any]):
    """A few labelled inputs; Enter moves to the next and saves from the last; esc cancels."""

    DEFAULT_CSS = """
    FormDialog {
        #form-fields {
            height: auto;
            max-height: 30;
        }
        .field-label {
            color: $text-muted;
            margin-top: 1;
        }
        .field-hint {
            color: $text-muted;
            height: auto;
        }
        .field-hint.-problem {
            color: $warning;
        }
    }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="cancel", tooltip="Close without saving (asks first if typed)"),
        Binding("ctrl+s", "submit", "Save", id="submit", tooltip="Save what is typed"),
    ]

    def __init__(self, title: str | Text, fields: list[Field], *, sentence: str | Text = "",
                 dialog_id: str = "form-dialog", save: Callable[[dict], Any] | None = None, focus: str = ""):
        super().__init__(id=dialog_id)
        self.focus_first = focus  # the field the cursor starts in (default: the first empty one)
        self.title_text = title
        self.sentence = sentence
        self.fields = fields
        self.save = save
        self.saving = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            if self.sentence:
                yield Static(self.sentence, classes="dialog-sentence")
            with VerticalScroll(id="form-fields"):
                for f in self.fields:
                    yield Label(f.label + ("" if f.required else " (optional)"), classes="field-label")
                    yield Input(value=f.value, placeholder=f.placeholder or PLACEHOLDERS.get(f.kind, ""),
                                id=f"field-{f.name}", password=f.kind == "password")
                    if f.kind in DATE_KINDS:
                        yield Static(self._hint(f, f.value), id=f"hint-{f.name}", classes="field-hint")
            yield Static("", id="form-error", classes="dialog-error")
            yield Static("Enter: next field, then save · esc cancels", classes="dialog-hint")

    def on_mount(self) -> None:
        first = next((f for f in self.fields if f.name == self.focus_first), None) or \
            next((f for f in self.fields if not f.value), self.fields[0])
        self.query_one(f"#field-{first.name}", Input).focus()

    # --- reading the fields ---------------------------------------------------------

    def _input(self, f: Field) -> Input:
        return self.query_one(f"#field-{f.name}", Input)

    def _resolve(self, f: Field, value: str) -> str:
        """The value as the operation takes it; raises HallError with the sentence for a bad one."""
        if f.kind == "number" and not value.isdigit():
            raise HallError(f"{clean(value)[:20]!r} is not a whole number.")
        if f.kind in ("day", "since"):
            return parse_day(value, self.app.rules, self.app.store.now(), future=f.kind == "day",
                             span=f.span).isoformat()
        if f.kind == "moment":
            return resolve_start(value, self.app.rules, self.app.store.now(), what=f.label.lower())
        return value

    def _hint(self, f: Field, value: str) -> Text:
        """Under a date field: what the typed date means ("→ Tue 1 Dec 2026"), or why it is not one."""
        if not value.strip():
            return Text(f"e.g. {DAY_EXAMPLES if f.kind != 'moment' else START_EXAMPLES}")
        try:
            resolved = self._resolve(f, value.strip())
        except HallError as error:
            return Text(clean(str(error)))
        day, _, clock = resolved.partition(" ")
        return Text(f"→ {short_day(date.fromisoformat(day), year=True)}" + (f" {clock}" if clock else ""))

    def on_input_changed(self, event: Input.Changed) -> None:
        name = (event.input.id or "").removeprefix("field-")
        f = next((f for f in self.fields if f.name == name), None)
        if f is None:
            return
        event.input.remove_class("-invalid")
        if f.kind in DATE_KINDS:
            hint = self._hint(f, event.value)
            widget = self.query_one(f"#hint-{f.name}", Static)
            widget.update(hint)
            widget.set_class(not hint.plain.startswith(("→", "e.g.")), "-problem")

    def problems(self) -> tuple[dict[str, str], list[tuple[Field, str]]]:
        """The values as the operation takes them, and every field's problem (in form order)."""
        values: dict[str, str] = {}
        problems: list[tuple[Field, str]] = []
        for f in self.fields:
            value = self._input(f).value.strip()
            if not value:
                if f.required:
                    problems.append((f, f"{f.label} is needed."))
                values[f.name] = ""
                continue
            try:
                values[f.name] = self._resolve(f, value)
            except HallError as error:
                problems.append((f, str(error)))
        return values, problems

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        names = [f.name for f in self.fields]
        index = names.index((event.input.id or "").removeprefix("field-"))
        if index + 1 < len(names):
            self.query_one(f"#field-{names[index + 1]}", Input).focus()
            return
        self.action_submit()

    # --- saving and cancelling ---------------------------------------------------------

    def action_submit(self) -> None:
        if self.saving:
            return
        values, problems = self.problems()
        error = self.query_one("#form-error", Static)
        if problems:
            for f, _ in problems:
                self._input(f).add_class("-invalid")
            error.update(Text("\n".join(clean(p) for _, p in problems)))
            self._input(problems[0][0]).focus()
            return
        error.update("")
        if self.save is None:
            self.dismiss(values)
            return
        self.saving = True
        error.update(Text("Saving…", style="dim"))
        self.app.run_write(self.save, values, done=self.dismiss, failed=self._refused, quiet=True)

    def _refused(self, message: str) -> None:
        self.saving = False
        self.query_one("#form-error", Static).update(Text(clean(message)))

    def typed(self) -> bool:
        """Whether anything differs from what the form opened with."""
        return any(self._input(f).value != f.value for f in self.fields)

    def action_cancel(self) -> None:
        if self.saving:
            return
        if not self.typed():
            self.dismiss(None)
            return
        self.app.push_screen(ConfirmDialog("Throw away what is typed in this form?", title="Discard",
                                           confirm_label="Enter to throw it away", dialog_id="discard-dialog"),
                             lambda discard: discard and self.dismiss(None))
