"""What every staff screen shares: the header, reading and writing through workers, reloading on change."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer

if TYPE_CHECKING:
    from hall.session import Session
    from screens.app import HallApp


def safe(text: Any) -> Text:
    """Text from the records, shown literally: no markup, no terminal control codes."""
    cleaned = "".join(ch if ch.isprintable() else "\ufffd" for ch in str(text if text is not None else ""))
    return Text(cleaned)


def clean(text: Any) -> str:
    """A plain string from the records with control characters replaced (for cells and labels)."""
    return "".join(ch if ch.isprintable() else "\ufffd" for ch in str(text if text is not None else ""))


def short_date(moment: datetime | None, zone) -> str:
    """'Fri 27 Nov 07:00' in the hall's zone."""
    if moment is None:
        return ""
    return moment.astimezone(zone).strftime("%a %d %b %H:%M")


class HallHeader(Widget):
    """The hall, the date and time in the hall's zone, and who is logged in."""

    DEFAULT_CSS = """
    HallHeader {
        dock: top;
        height: 1;
        background: $panel;
        color: $foreground;
        padding: 0 1;
    }
    """

    title: reactive[str] = reactive("")

    def on_mount(self) -> None:
        self.set_interval(15, self.refresh)

    def render(self) -> Text:
        app: HallApp = self.app  # type: ignore[assignment]
        left = Text.assemble(("hall", "bold"), " · ", clean(app.hall_name))
        if self.title:
            left.append(" · ")
            left.append(self.title)
        now = app.store.now().astimezone(app.zone)
        who = f"{app.session.user.name} ({app.session.user.role})" if app.session else "not logged in"
        right = Text(f"{now:%a %d %b %Y %H:%M} · {who}")
        width = max(self.size.width - 2, 0)
        gap = max(width - left.cell_len - right.cell_len, 1)
        return left + Text(" " * gap) + right


class HallScreen(Screen):
    """A staff screen. Subclasses load data in ``reload`` through ``self.load`` and write through ``self.write``."""

    SCREEN_TITLE = ""

    BINDINGS = [
        Binding("escape", "back", "Back", id="back", tooltip="Go back to the previous screen"),
    ]

    @property
    def hall_app(self) -> "HallApp":
        return self.app  # type: ignore[return-value]

    @property
    def session(self) -> "Session":
        return self.hall_app.session  # type: ignore[return-value]

    def compose_header(self) -> ComposeResult:
        header = HallHeader()
        header.title = self.SCREEN_TITLE
        yield header

    def compose_footer(self) -> ComposeResult:
        yield Footer()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Read what the screen shows (in a worker). Called on show and when the database changes."""

    def data_changed(self) -> None:
        """Another terminal (or a worker of ours) committed: refresh what is shown."""
        self.reload()

    def load(self, fn: Callable[..., Any], *args, done: Callable[[Any], None], group: str | None = None, **kw) -> None:
        """Run a read in a thread; ``done(result)`` runs on the UI thread unless a newer read replaced it."""
        self.hall_app.run_read(fn, *args, done=done, group=group or f"read-{id(self)}", **kw)

    def write(self, fn: Callable[..., Any], *args, done: Callable[[Any], None] | None = None,
              failed: Callable[[str], None] | None = None, **kw) -> None:
        """Run an operation in a write worker; errors show as one notification and nothing is written."""
        self.hall_app.run_write(fn, *args, done=done, failed=failed, **kw)

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
        else:
            self.hall_app.action_board()
