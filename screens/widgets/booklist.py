"""One book's out-of-work list, paged: a ``ScrollView`` on the Line API (one ``render_line`` per
visible row) over the book's count, rows asked of the screen a page at a time (``NeedPage``).

Columns give way to the width: the registration time goes first, then the name narrows. Marks
are words or signs beside the colour: "! re-sign due", "! overdue", "unavailable to Tue 1 Dec",
"2 of 3 !" turndowns.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

from hall.views.members import BookOrder, ListEntry
from screens.text import clean, fit, short_date, short_day

PAGE = 200
WIDE = 96  # content this wide shows when each member registered


@dataclass(frozen=True)
class Column:
    """A column of the list: its title, width and alignment."""

    title: str
    width: int
    right: bool = False


def book_columns(width: int, low_hours: bool = False) -> tuple[Column, ...]:
    """The columns for a list ``width`` cells wide; the last (marks) takes what is left. On a low-hours
    board the member's hours for the period stand where turndowns do (a turndown adds hours there)."""
    registered = (Column("registered", 18),) if width >= WIDE else ()
    fixed = 6 + 8 + 12 + 10 + sum(c.width for c in registered)
    name = max(min(width - fixed - (24 if registered else 16), 28), 14)
    marks = max(width - fixed - name, 10)
    return (Column("pos", 6, right=True), Column("card", 8), Column("name", name), *registered,
            Column("re-sign by", 12), Column("hours", 10, right=True) if low_hours else Column("turndowns", 10),
            Column("", marks))


def cell(text: str, column: Column) -> str:
    """``text`` in a column: cut with an ellipsis, padded, a gap of two after a right-aligned one."""
    if column.right:
        return fit(text, column.width - 2).rjust(column.width - 2) + "  "
    return fit(text, column.width - 1).ljust(column.width)


def header_text(width: int, low_hours: bool = False) -> Text:
    """The column titles for a list ``width`` cells wide."""
    return Text("".join(cell(c.title, c) for c in book_columns(width, low_hours)))


def turndown_text(count: int, limit: int) -> tuple[str, bool]:
    """'2 of 3 !' at one short of the limit (warning); '' for none."""
    if not count:
        return "", False
    warn = count >= limit - 1
    return f"{count} of {limit}" + (" !" if warn else ""), warn


def resign_flag(state: str | None) -> str:
    """'! re-sign due' within the warning days, '! overdue' past the deadline, '' otherwise."""
    return {"due_soon": "! re-sign due", "overdue": "! overdue"}.get(state or "", "")


class BookHeader(Widget):
    """The list's column titles, laid out for the same width as the list below it."""

    DEFAULT_CSS = """
    BookHeader {
        height: 1;
        padding: 0 1;
        color: $text-muted;
        text-style: bold;
    }
    """

    def __init__(self, *, low_hours: bool = False, **kw):
        super().__init__(**kw)
        self.low_hours = low_hours

    def render(self) -> Text:
        return header_text(max(self.size.width - 1, 20), self.low_hours)  # the list keeps a scrollbar gutter

    def on_resize(self) -> None:
        self.refresh()


class BookList(ScrollView, can_focus=True):
    """One book's list in order; rows come a page at a time from the screen (``NeedPage``)."""

    DEFAULT_CSS = """
    BookList {
        height: 1fr;
        padding: 0 1;
        overflow-x: hidden;
        scrollbar-gutter: stable;
    }
    BookList > .booklist--cursor {
        background: $accent 40%;
        text-style: bold;
    }
    BookList > .booklist--warning {
        color: $warning;
        text-style: bold;
    }
    BookList > .booklist--muted {
        color: $text-muted;
    }
    """
    COMPONENT_CLASSES = {"booklist--cursor", "booklist--warning", "booklist--muted"}
    BINDINGS = [
        Binding("up", "move(-1)", "Up", id="list_up", show=False, tooltip="Previous member on the list"),
        Binding("down", "move(1)", "Down", id="list_down", show=False, tooltip="Next member on the list"),
        Binding("pageup", "page(-1)", "Page up", id="list_page_up", show=False, tooltip="A screenful up"),
        Binding("pagedown", "page(1)", "Page down", id="list_page_down", show=False, tooltip="A screenful down"),
        Binding("home", "first", "First", id="list_first", show=False, tooltip="Jump to position 1"),
        Binding("end", "last", "Last", id="list_last", show=False, tooltip="Jump to the bottom of the book"),
    ]

    cursor: reactive[int] = reactive(0, always_update=True, init=False)

    @dataclass
    class NeedPage(Message):
        """The list needs rows ``page * PAGE`` ... of its current order."""

        book_list: "BookList"
        page: int
        generation: int

    def __init__(self, book_id: str, turndown_limit: int, zone, order: BookOrder | None = None, **kw):
        super().__init__(**kw)
        self.book_id = book_id
        self.turndown_limit = turndown_limit
        self.zone = zone
        self.order: BookOrder | None = order  # shown on mount when given (read with the screen's first read)
        self.generation = 0
        self.pages: dict[int, list[ListEntry]] = {}
        self.asked: set[int] = set()

    def on_mount(self) -> None:
        if self.order is not None:
            self.set_order(self.order)

    # --- data ---------------------------------------------------------------------

    @property
    def count(self) -> int:
        return self.order.count if self.order else 0

    def set_order(self, order: BookOrder) -> None:
        """A fresh read of the book (after a reload): the cursor goes to where the registration it
        was on now stands (``order.kept``), or stays at its place when that one has left the list."""
        self.order = order
        self.generation += 1
        self.pages.clear()
        self.asked.clear()
        if order.rows:
            self.pages[order.page] = list(order.rows)
        self.turndown_limit = order.rules.turndowns.limit
        self.virtual_size = Size(self.scrollable_content_region.width or 80, order.count)
        index = order.kept
        if index is None:
            index = min(self.cursor, max(order.count - 1, 0))
        self.cursor = index
        self.refresh()

    def page_loaded(self, generation: int, page: int, rows: list[ListEntry]) -> None:
        if generation != self.generation:
            return
        self.pages[page] = rows
        self.refresh()

    def current(self) -> ListEntry | None:
        """The highlighted row (None while its page is being read, or on an empty book)."""
        return self.row_at(self.cursor) if self.count else None

    def current_id(self) -> int | None:
        entry = self.current()
        return entry.row.registration_id if entry else None

    def current_card(self) -> str | None:
        entry = self.current()
        return entry.row.card if entry else None

    def row_at(self, index: int) -> ListEntry | None:
        rows = self.pages.get(index // PAGE)
        if rows is None:
            return None
        offset = index % PAGE
        return rows[offset] if offset < len(rows) else None

    def _need(self, index: int) -> None:
        page = index // PAGE
        if page not in self.pages and page not in self.asked:
            self.asked.add(page)
            self.post_message(self.NeedPage(self, page, self.generation))

    # --- cursor ---------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        if self.count:
            clamped = max(0, min(new, self.count - 1))
            if clamped != new:
                self.cursor = clamped
                return
        height = max(self.scrollable_content_region.height, 1)
        top = int(self.scroll_offset.y)
        if new < top:
            self.scroll_to(y=new, animate=False, immediate=True)
        elif new >= top + height:
            self.scroll_to(y=new - height + 1, animate=False, immediate=True)
        self.refresh()

    def action_move(self, delta: int) -> None:
        self.cursor = self.cursor + delta

    def action_page(self, direction: int) -> None:
        height = max(self.scrollable_content_region.height - 1, 1)
        self.cursor = self.cursor + direction * height

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = max(self.count - 1, 0)

    def on_click(self, event) -> None:
        index = int(self.scroll_offset.y) + event.y
        if 0 <= index < self.count:
            self.cursor = index

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def on_resize(self) -> None:
        if self.order is not None:
            self.virtual_size = Size(self.scrollable_content_region.width, self.order.count)
        self.refresh()

    # --- drawing -------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        columns = book_columns(width, self.order is not None and self.order.rules.ordering.policy == "low_hours")
        if index >= self.count:
            if index == 0:
                return Strip([Segment("  nobody is waiting on this book".ljust(width), base)]).crop(0, width)
            return Strip.blank(width, base)
        entry = self.row_at(index)
        if entry is None:
            self._need(index)
            if (index + PAGE // 2) // PAGE != index // PAGE:
                self._need(index + PAGE // 2)
            text = Text(cell(str(index + 1), columns[0]) + "…", style=self.get_component_rich_style("booklist--muted"))
        else:
            text = self._row_text(entry, columns)
        if index == self.cursor:
            cursor_style = self.get_component_rich_style("booklist--cursor")
            if not self.has_focus:
                cursor_style = Style(underline=True)
            text.pad_right(max(width - text.cell_len, 0))
            text.stylize(cursor_style)
        segments = list(text.render(self.app.console))
        return Strip(segments).apply_style(base).crop_extend(0, width, base)

    def _row_text(self, entry: ListEntry, columns: tuple[Column, ...]) -> Text:
        warn = self.get_component_rich_style("booklist--warning")
        row = entry.row
        turns, warn_turns = turndown_text(row.turndowns, self.turndown_limit)
        flag = resign_flag(row.resign_state)
        marks = [flag] if flag else []
        if entry.unavailable_until is not None:
            until = f" to {short_day(entry.unavailable_until)}" if columns[-1].width >= 24 else ""
            marks.append(f"unavailable{until}")
        if row.excused_until is not None:
            marks.append(f"excused to {short_day(row.excused_until)}" if columns[-1].width >= 24 else "excused")
        values = {
            "pos": (str(row.position), ""), "card": (clean(row.card), ""), "name": (clean(row.name), ""),
            "registered": (short_date(row.registered_at, self.zone), ""),
            "re-sign by": (short_day(row.resign_due), warn if flag else ""),
            "turndowns": (turns, warn if warn_turns else ""),
            "hours": (f"{row.period_hours:g}", ""),
            "": (" · ".join(marks), warn if flag else ""),
        }
        text = Text()
        for column in columns:
            value, style = values[column.title]
            text.append(cell(value, column), style=style)
        return text
