"""The small modal dialogs the staff screens share: a one-key chooser (how it came in, which
book, why a job ended), a confirmation that says what will be recorded, and an outcome's
sentence with its one-line note.

Each returns its answer through ``dismiss`` (``None`` or ``False`` when cancelled with esc).
Screens open them from a flow (``HallScreen.ask``): keys typed while a dialog is on its way
are held by the app and given to the dialog once it is up (``HallDialog``).
"""

from __future__ import annotations

from typing import TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from screens.text import clean

T = TypeVar("T")


class HallDialog(ModalScreen[T]):
    """A dialog box in the middle of a dimmed screen. Once it is up, the keys the app held
    while it was on its way are given to it; when a flow opened it, the keys typed after it
    closes are held again until the flow's next dialog (or its end)."""

    DEFAULT_CSS = """
    HallDialog {
        align: center middle;
        background: $background 60%;

        .dialog {
            width: 64;
            max-width: 96%;
            height: auto;
            max-height: 96%;
            padding: 1 2;
            border: round $primary;
            background: $surface;
        }
        .dialog-title {
            text-style: bold;
            color: $primary;
            margin-bottom: 1;
        }
        .dialog-sentence {
            margin-bottom: 1;
        }
        .dialog-hint {
            color: $text-muted;
            margin-top: 1;
        }
        .dialog-error {
            color: $error;
            height: auto;
        }
    }
    """

    hold_keys_after = False  # set by ``HallScreen.ask``

    def on_mount(self) -> None:
        # (runs after a subclass's own on_mount has put the focus in place)
        self.call_after_refresh(self._ready)

    def _ready(self) -> None:
        release = getattr(self.app, "release_keys", None)
        if release is not None:
            release(replay=True)

    def dismiss(self, result=None):
        if self.hold_keys_after:
            hold = getattr(self.app, "hold_keys", None)
            if hold is not None:
                hold()
        return super().dismiss(result)


def _number_bindings(count: int = 9) -> list[Binding]:
    return [
        Binding(str(i), f"pick_index({i - 1})", f"Choice {i}", id=f"choice_{i}", show=False,
                tooltip=f"Choose line {i}")
        for i in range(1, count + 1)
    ]


class ChoiceDialog(HallDialog[str | None]):
    """Pick one of a few choices: its number key, its letter, or arrows and Enter."""

    DEFAULT_CSS = """
    ChoiceDialog #choices {
        height: auto;
        max-height: 12;
        border: none;
    }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="cancel", tooltip="Close without choosing"),
        *_number_bindings(),
    ]
    # letter -> value, for subclasses with fixed letters (shown beside each choice)
    LETTERS: dict[str, str] = {}

    def __init__(self, title: str | Text, choices: list[tuple[str, str]], *, sentence: str | Text = "",
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
        options.highlighted = next((i for i, (v, _) in enumerate(self.choices) if v == self.selected), 0)
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
VIA_WORDS = dict(VIA_CHOICES) | {"kiosk": "at the kiosk"}
# how it came in, as said after a verb: "re-signed in person", "re-signed by phone"
VIA_PHRASES = {"in_person": "in person", "phone": "by phone", "email": "by email", "fax": "by fax",
               "mail": "by mail", "kiosk": "at the kiosk"}


def via_phrase(via: str | None) -> str:
    """'in person', 'by phone', ... ('' when nobody recorded how it came in)."""
    return VIA_PHRASES.get(via or "", f"by {via}" if via else "")


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

    def __init__(self, what: str | Text = "How did it come in?", *, sentence: str | Text = "",
                 selected: str | None = None):
        super().__init__(what, VIA_CHOICES, sentence=sentence, selected=selected, dialog_id="via-dialog")


END_CHOICES = [
    ("laid_off", "laid off"),
    ("quit", "quit"),
    ("discharged", "discharged"),
    ("short_call_over", "short call over (recorded as laid off)"),
]
END_WORDS = dict(END_CHOICES)


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

    def __init__(self, sentence: str | Text = ""):
        super().__init__("Why did the job end?", END_CHOICES, sentence=sentence, dialog_id="end-dialog")


class ConfirmDialog(HallDialog[bool]):
    """One sentence saying what will be recorded: Enter (or y) records it, esc (or n) does not."""

    DEFAULT_CSS = """
    ConfirmDialog #confirm-box {
        border: round $warning;
    }
    """
    BINDINGS = [
        Binding("enter,y", "confirm", "Record", id="confirm", tooltip="Record what the sentence says"),
        Binding("escape,n", "cancel", "Cancel", id="cancel", tooltip="Record nothing"),
    ]

    def __init__(self, sentence: str | Text, *, title: str | Text = "Confirm", confirm_label: str = "Enter to record",
                 dialog_id: str = "confirm-dialog"):
        super().__init__(id=dialog_id)
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


class OutcomeDialog(HallDialog[str | None]):
    """An outcome's sentence (what the rules will record) and a one-line note: Enter records, esc does not.

    With ``required``, Enter on an empty note says what is missing and records nothing.
    """

    DEFAULT_CSS = """
    OutcomeDialog #outcome-note {
        margin-top: 1;
    }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="cancel_outcome", tooltip="Record nothing"),
    ]

    def __init__(self, title: str, sentence: str, *, hint: str = "note (optional)", required: str = "",
                 dialog_id: str = "outcome-dialog"):
        super().__init__(id=dialog_id)
        self.title_text = title
        self.sentence = sentence
        self.hint = hint
        self.required = required  # the sentence shown when Enter finds the note empty

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="outcome-box"):
            yield Label(self.title_text, classes="dialog-title")
            yield Static(Content(clean(self.sentence.rstrip(".") + ". Enter to confirm")),
                         classes="dialog-sentence", id="outcome-sentence")
            yield Input(placeholder=self.hint, id="outcome-note", compact=True)
            yield Static("", id="outcome-error", classes="dialog-error")
            yield Static("Enter records · esc cancels", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#outcome-note", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        note = event.input.value.strip()
        if self.required and not note:
            self.query_one("#outcome-error", Static).update(self.required)
            return
        self.dismiss(note)

    def action_cancel(self) -> None:
        self.dismiss(None)
