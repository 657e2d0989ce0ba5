"""Small modal dialogs the staff screens share: a one-key chooser (how it came in, which book,
why a job ended), a date + reason form, a short form, and a confirm-with-sentence dialog.

Each returns its answer through ``dismiss`` (``None`` when cancelled with esc), so a screen
chains them with ``push_screen(dialog, callback)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from screens.base import clean

CSS = "dialogs.tcss"


def _number_bindings(count: int = 9) -> list[Binding]:
    return [
        Binding(str(i), f"pick_index({i - 1})", f"Choice {i}", id=f"choice_{i}", show=False,
                tooltip=f"Choose the {i}{'st' if i == 1 else 'nd' if i == 2 else 'rd' if i == 3 else 'th'} line")
        for i in range(1, count + 1)
    ]


class ChoiceDialog(ModalScreen[str | None]):
    """Pick one of a few choices: its number key, its letter, or arrows and Enter."""

    CSS_PATH = CSS
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="cancel", tooltip="Close without choosing"),
        *_number_bindings(),
    ]
    # letter -> value, for subclasses with fixed letters (shown beside each choice)
    LETTERS: dict[str, str] = {}

    def __init__(self, title: str, choices: list[tuple[str, str]], *, sentence: str = "",
                 selected: str | None = None, dialog_id: str = "choice-dialog"):
        super().__init__(id=dialog_id)
        self.title_text = title
        self.sentence = sentence
        self.choices = choices
        self.selected = selected

    def compose(self) -> ComposeResult:
        by_value = {v: k for k, v in self.LETTERS.items()}
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            if self.sentence:
                yield Static(self.sentence, classes="dialog-sentence")
            options = []
            for i, (value, label) in enumerate(self.choices, start=1):
                line = Text.assemble((f"{i}", "bold"), "  ", label)
                letter = by_value.get(value)
                if letter:
                    line.append(f"   {letter}", style="dim")
                options.append(Option(line, id=value))
            yield OptionList(*options, id="choices")
            hint = "1-9 or the letter picks · ↑↓ Enter · esc cancels" if self.LETTERS else \
                "a number picks · ↑↓ Enter · esc cancels"
            yield Static(hint, classes="dialog-hint")

    def on_mount(self) -> None:
        options = self.query_one("#choices", OptionList)
        index = next((i for i, (v, _) in enumerate(self.choices) if v == self.selected), 0)
        options.highlighted = index
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_pick_index(self, index: int) -> None:
        if 0 <= index < len(self.choices):
            self.dismiss(self.choices[index][0])

    def action_pick(self, value: str) -> None:
        if any(v == value for v, _ in self.choices):
            self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)


VIA_CHOICES = [("in_person", "in person"), ("phone", "phone"), ("email", "email"), ("fax", "fax"), ("mail", "mail")]
VIA_WORDS = dict(VIA_CHOICES) | {"kiosk": "kiosk"}


class ViaDialog(ChoiceDialog):
    """How did it come in? 1-5, or i/p/e/f/m."""

    LETTERS = {"i": "in_person", "p": "phone", "e": "email", "f": "fax", "m": "mail"}
    BINDINGS = [
        Binding("i", "pick('in_person')", "In person", id="via_in_person", tooltip="The member is at the window"),
        Binding("p", "pick('phone')", "Phone", id="via_phone", tooltip="The member phoned"),
        Binding("e", "pick('email')", "Email", id="via_email", tooltip="It came by email"),
        Binding("f", "pick('fax')", "Fax", id="via_fax", tooltip="It came by fax"),
        Binding("m", "pick('mail')", "Mail", id="via_mail", tooltip="It came by mail"),
    ]

    def __init__(self, what: str = "How did it come in?", *, sentence: str = "", selected: str | None = None):
        super().__init__(what, VIA_CHOICES, sentence=sentence, selected=selected, dialog_id="via-dialog")


END_CHOICES = [
    ("laid_off", "laid off"),
    ("quit", "quit"),
    ("discharged", "discharged"),
    ("short_call_over", "short call over (recorded as laid off)"),
]


class EndReasonDialog(ChoiceDialog):
    """Why did the job end? 1-4, or l/q/d/s."""

    LETTERS = {"l": "laid_off", "q": "quit", "d": "discharged", "s": "short_call_over"}
    BINDINGS = [
        Binding("l", "pick('laid_off')", "Laid off", id="end_laid_off", tooltip="Laid off by the employer"),
        Binding("q", "pick('quit')", "Quit", id="end_quit", tooltip="The member quit"),
        Binding("d", "pick('discharged')", "Discharged", id="end_discharged", tooltip="Discharged (fired)"),
        Binding("s", "pick('short_call_over')", "Short call over", id="end_short_call",
                tooltip="The short call ran its course (recorded as laid off)"),
    ]

    def __init__(self, sentence: str = ""):
        super().__init__("Why did the job end?", END_CHOICES, sentence=sentence, dialog_id="end-dialog")


@dataclass(frozen=True)
class Field:
    """One line of a form."""

    name: str
    label: str
    placeholder: str = ""
    value: str = ""
    required: bool = True
    kind: str = "text"  # "text", "date" (YYYY-MM-DD), "number" (a whole number), "password" (hidden)


class FormDialog(ModalScreen[dict | None]):
    """A few labelled inputs; Enter moves to the next and submits from the last; esc cancels."""

    CSS_PATH = CSS
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="cancel", tooltip="Close without saving"),
        Binding("ctrl+s", "submit", "Save", id="submit", tooltip="Save what is typed"),
    ]

    def __init__(self, title: str, fields: list[Field], *, sentence: str = "", dialog_id: str = "form-dialog"):
        super().__init__(id=dialog_id)
        self.title_text = title
        self.sentence = sentence
        self.fields = fields

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            if self.sentence:
                yield Static(self.sentence, classes="dialog-sentence")
            for f in self.fields:
                yield Label(f.label + ("" if f.required else " (optional)"), classes="field-label")
                yield Input(value=f.value, placeholder=f.placeholder, id=f"field-{f.name}",
                            password=f.kind == "password")
            yield Static("", id="form-error", classes="dialog-error")
            yield Static("Enter next / save · esc cancels", classes="dialog-hint")

    def on_mount(self) -> None:
        first = next((f for f in self.fields if not f.value), self.fields[0])
        self.query_one(f"#field-{first.name}", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        names = [f.name for f in self.fields]
        current = event.input.id.removeprefix("field-")
        index = names.index(current)
        if index + 1 < len(names):
            self.query_one(f"#field-{names[index + 1]}", Input).focus()
            return
        self.action_submit()

    def _problem(self, f: Field, value: str) -> str:
        if not value:
            return f"{f.label} is needed." if f.required else ""
        if f.kind == "date":
            try:
                date.fromisoformat(value)
            except ValueError:
                return f"{clean(value)[:20]!r} is not a date: write it as YYYY-MM-DD."
        if f.kind == "number" and not value.isdigit():
            return f"{clean(value)[:20]!r} is not a whole number."
        return ""

    def action_submit(self) -> None:
        values = {}
        for f in self.fields:
            value = self.query_one(f"#field-{f.name}", Input).value.strip()
            problem = self._problem(f, value)
            if problem:
                self.query_one("#form-error", Static).update(problem)
                self.query_one(f"#field-{f.name}", Input).focus()
                return
            values[f.name] = value
        self.dismiss(values)

    def action_cancel(self) -> None:
        self.dismiss(None)


class DateReasonDialog(FormDialog):
    """A date and a reason (e.g. unavailable until ... because ...)."""

    def __init__(self, title: str, *, sentence: str = "", date_label: str = "Until (YYYY-MM-DD)",
                 default_date: date | None = None, reason_label: str = "Reason",
                 reason_placeholder: str = ""):
        super().__init__(title, [
            Field("date", date_label, "YYYY-MM-DD", default_date.isoformat() if default_date else "", kind="date"),
            Field("reason", reason_label, reason_placeholder),
        ], sentence=sentence, dialog_id="date-reason-dialog")


class ConfirmDialog(ModalScreen[bool]):
    """One sentence saying what will be recorded: Enter (or y) records it, esc (or n) does not."""

    CSS_PATH = CSS
    BINDINGS = [
        Binding("enter,y", "confirm", "Record", id="confirm", tooltip="Record what the sentence says"),
        Binding("escape,n", "cancel", "Cancel", id="cancel", tooltip="Record nothing"),
    ]

    def __init__(self, sentence: str, *, title: str = "Confirm", confirm_label: str = "Enter to record"):
        super().__init__(id="confirm-dialog")
        self.sentence = sentence
        self.title_text = title
        self.confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="confirm-box"):
            yield Label(self.title_text, classes="dialog-title")
            yield Static(self.sentence, classes="dialog-sentence", id="confirm-sentence")
            yield Static(f"{self.confirm_label} · esc cancels", classes="dialog-hint")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
