"""The header every staff screen shows: the hall, the date and time in its zone, who is logged in."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from screens.text import clean


class HallHeader(Widget):
    """The hall, the screen, the date and time in the hall's zone, and who is logged in."""

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
        app = self.app
        left = Text.assemble(("hall", "bold"), " · ", clean(getattr(app, "hall_name", "")))
        if self.title:
            left.append(" · ")
            left.append(self.title)
        session = getattr(app, "session", None)
        who = f"{session.user.name} ({session.user.role})" if session else "not logged in"
        now = app.store.now().astimezone(app.zone) if getattr(app, "zone", None) else None
        width = max(self.size.width - 2, 0)
        right = Text(f"{now:%a %d %b %Y %H:%M} · {who}" if now else who)
        if left.cell_len + right.cell_len + 1 > width and now is not None:
            right = Text(f"{now:%a %d %b %H:%M} · {who}")  # narrow: the year goes first
        if left.cell_len + right.cell_len + 1 > width:
            left.truncate(max(width - right.cell_len - 1, 4), overflow="ellipsis")
        gap = max(width - left.cell_len - right.cell_len, 1)
        return left + Text(" " * gap) + right
