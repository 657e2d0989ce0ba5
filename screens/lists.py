"""The out-of-work lists: a tab per book, each in list order, paged so a 30,000-row book stays quick.

Each book is a ``BookList`` (Line API: one ``render_line`` per visible row) over the book's
count, with rows read a page at a time by offset on the book's index, in read workers. A
tab's title, header and list are built when the tab is first shown, not for every book.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Footer, Input, Static, TabbedContent, TabPane, Tabs

from hall.views import members as views
from screens.base import HallScreen, clean, short_date
from screens.dialogs import DateReasonDialog, ChoiceDialog, Field, FormDialog, ViaDialog, VIA_WORDS

PAGE = 200
# column widths: position, card, name, registered, re-sign due, warning, turndowns
COLUMNS = (("pos", 7, "right"), ("card", 9, "left"), ("name", 28, "left"), ("registered", 18, "left"),
           ("re-sign due", 12, "left"), ("", 11, "left"), ("turndowns", 10, "left"))
LINE_WIDTH = sum(w for _, w, _ in COLUMNS)


def _cell(text: str, width: int, justify: str) -> str:
    text = text[: width - 1]
    return (text.rjust(width - 2) + "  ") if justify == "right" else text.ljust(width)


def header_line() -> Text:
    return Text("".join(_cell(title, w, j) for title, w, j in COLUMNS))


def turndown_text(count: int, limit: int) -> tuple[str, bool]:
    """'2 of 3 !' at one short of the limit (warning); '' for none."""
    if not count:
        return "", False
    warn = count >= limit - 1
    return f"{count} of {limit}" + (" !" if warn else ""), warn


def resign_flag(state: str | None) -> str:
    return {"due_soon": "! due", "overdue": "! overdue"}.get(state or "", "")


class BookList(ScrollView, can_focus=True):
    """One book's list in order; rows come a page at a time from the screen (``NeedPage``)."""

    COMPONENT_CLASSES = {"booklist--cursor", "booklist--warning", "booklist--muted"}
    BINDINGS = [
        Binding("up", "move(-1)", "Up", id="list_up", show=False, tooltip="Previous member on the list"),
        Binding("down", "move(1)", "Down", id="list_down", show=False, tooltip="Next member on the list"),
        Binding("pageup", "page(-1)", "Page up", id="list_page_up", show=False, tooltip="A screenful up"),
        Binding("pagedown", "page(1)", "Page down", id="list_page_down", show=False, tooltip="A screenful down"),
        Binding("home", "first", "First", id="list_first", tooltip="Jump to position 1"),
        Binding("end", "last", "Last", id="list_last", tooltip="Jump to the bottom of the book"),
    ]

    cursor: reactive[int] = reactive(0, always_update=True, init=False)

    @dataclass
    class NeedPage(Message):
        """The list needs rows ``page * PAGE`` ... of its current order."""

        book_list: "BookList"
        page: int
        generation: int

    def __init__(self, book_id: str, turndown_limit: int, zone, order: views.BookOrder | None = None, **kw):
        super().__init__(**kw)
        self.book_id = book_id
        self.turndown_limit = turndown_limit
        self.zone = zone
        self.order: views.BookOrder | None = order  # shown on mount when given (read with the screen's first read)
        self.generation = 0
        self.pages: dict[int, list] = {}
        self.asked: set[int] = set()

    def on_mount(self) -> None:
        if self.order is not None:
            self.set_order(self.order)

    # --- data ---------------------------------------------------------------------

    @property
    def count(self) -> int:
        return self.order.count if self.order else 0

    def set_order(self, order: views.BookOrder) -> None:
        """A fresh read of the book (after a reload): the cursor goes to where the registration it
        was on now stands (``order.kept``), or stays at its place when that one has left the list."""
        self.order = order
        self.generation += 1
        self.pages.clear()
        self.asked.clear()
        if order.rows:
            self.pages[order.page] = list(order.rows)
        self.turndown_limit = order.rules.turndowns.limit
        self.virtual_size = Size(LINE_WIDTH, order.count)
        index = order.kept
        if index is None:
            index = min(self.cursor, max(order.count - 1, 0))
        self.cursor = index
        self.refresh()

    def page_loaded(self, generation: int, page: int, rows: list) -> None:
        if generation != self.generation:
            return
        self.pages[page] = rows
        self.refresh()

    def current_id(self) -> int | None:
        """The highlighted registration (None while its page is being read, or on an empty book)."""
        row = self.row_at(self.cursor) if self.count else None
        return row.registration_id if row else None

    def current_card(self) -> str | None:
        row = self.row_at(self.cursor) if self.count else None
        return row.card if row else None

    def row_at(self, index: int):
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

    # --- drawing -------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if index >= self.count:
            if index == 0:
                return Strip([Segment("  nobody is waiting on this book".ljust(width), base)]).crop(0, width)
            return Strip.blank(width, base)
        row = self.row_at(index)
        if row is None:
            self._need(index)
            if (index + PAGE // 2) // PAGE != index // PAGE:
                self._need(index + PAGE // 2)
            text = Text(_cell(str(index + 1), 7, "right") + "…",
                        style=self.get_component_rich_style("booklist--muted"))
        else:
            text = self._row_text(row)
        if index == self.cursor:
            cursor_style = self.get_component_rich_style("booklist--cursor")
            if not self.has_focus:
                cursor_style = Style(underline=True)
            text.stylize(cursor_style)
            text.pad_right(max(width - text.cell_len, 0))
            text.stylize(cursor_style)
        segments = list(text.render(self.app.console))
        strip = Strip(segments).apply_style(base)
        return strip.crop_extend(int(self.scroll_offset.x), int(self.scroll_offset.x) + width, base)

    def _row_text(self, row) -> Text:
        warn = self.get_component_rich_style("booklist--warning")
        text = Text()
        text.append(_cell(str(row.position), 7, "right"))
        text.append(_cell(clean(row.card), 9, "left"))
        text.append(_cell(clean(row.name), 28, "left"))
        text.append(_cell(short_date(row.registered_at, self.zone), 18, "left"))
        due = f"{row.resign_due:%a %d %b}"
        flag = resign_flag(row.resign_state)
        text.append(_cell(due, 12, "left"), style=warn if flag else "")
        text.append(_cell(flag, 11, "left"), style=warn if flag else "")
        turns, warn_turns = turndown_text(row.turndowns, self.turndown_limit)
        text.append(_cell(turns, 10, "left"), style=warn if warn_turns else "")
        return text


class ListFooter(Footer):
    """The footer, rebuilt once per refresh and only when the keys it shows change.

    Textual's footer rebuilds all its keys on every bindings signal (each focus change,
    each screen stacked), several times while this screen opens.
    """

    _shown_keys: tuple | None = None
    _pending = False

    def bindings_changed(self, screen) -> None:
        if not (self.is_attached and screen is self.screen and screen.app.app_focus):
            super().bindings_changed(screen)  # not ours to rebuild now
            return
        self._bindings_ready = True
        if not self._pending:  # one rebuild, after this refresh, with the bindings as they are then
            self._pending = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._pending = False
        keys = tuple((b.key, b.description, enabled, tooltip)
                     for (_, b, enabled, tooltip) in self.screen.active_bindings.values() if b.show)
        if keys != self._shown_keys:
            self._shown_keys = keys
            await self.recompose()


class BookTabs(TabbedContent):
    """The books' tabs. Textual slides the tab underline (0.3 s of repainting) each time a tab
    is labelled: at every open, and here at every change of a count. It moves at once then;
    it still slides when the dispatcher changes tab."""

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            highlight = getattr(widget, "_highlight_active", None)
            if isinstance(widget, Tabs) and callable(highlight):  # (a private method: if it goes, it slides)
                widget._highlight_active = lambda animate=False, _move=highlight: _move(animate=animate)
            yield widget


class ListsScreen(HallScreen):
    """Every book's out-of-work list; sign, re-sign, unavailable; Enter opens the member."""

    CSS_PATH = "lists.tcss"
    SCREEN_TITLE = "Out-of-work lists"
    AUTO_FOCUS = "BookList"  # (built with the first read; not the find box first, then the list)
    BINDINGS = [
        Binding("slash", "search", "Find", id="find", tooltip="Find a card or name on this book (Enter: next match)"),
        Binding("s", "sign", "Sign", id="sign", tooltip="Put a member on a book (card, book, how it came in)"),
        Binding("r", "resign", "Re-sign", id="resign", tooltip="Re-sign the highlighted member on this book"),
        Binding("u", "unavailable", "Unavailable", id="unavailable",
                tooltip="The highlighted member cannot take work until a date"),
        Binding("enter", "open_member", "Member", id="open_member", tooltip="Open the highlighted member"),
    ]

    def __init__(self):
        super().__init__()
        self.counts: dict[str, int] = {}
        self.stale: set[str] = set()
        self.loading: set[str] = set()  # books whose read is on its way
        self.matches: dict[tuple[str, int, str], list[int]] = {}

    @property
    def rules(self):
        return self.hall_app.rules

    def compose(self) -> ComposeResult:
        # The tabs come with the first read (``_build``): labelled with their counts from the
        # start, and only the first tab's list built (the others when first shown).
        yield from self.compose_header()
        yield Input(placeholder="/ find a card or name on this book · Enter: next match", id="list-search")
        yield Static("", id="list-receipt")
        yield from self.compose_footer()

    def _pane_content(self, book, order: views.BookOrder | None = None) -> list:
        return [Static(self._title(book), classes="list-title", id=f"title-{book.id}"),
                Static(header_line(), classes="list-header"),
                BookList(book.id, self.rules.turndowns.limit, self.hall_app.zone, order, id=f"list-{book.id}")]

    async def _build(self, opening: views.ListsOpening) -> None:
        """The first read is in: the tabs with their counts, the first book's list at its first page."""
        if self.query("#books"):
            self._show_counts(opening.counts)
            self._show_order(opening.order)
            return
        self.counts = opening.counts
        self.loading.discard(opening.order.book_id)
        self.stale.discard(opening.order.book_id)
        if opening.lapse_due:  # record due re-sign removals (only when there are some: a write wakes every screen)
            self.write(self.session.sweep)
        tabs = BookTabs(id="books")
        for book in self.rules.books:
            first = book.id == opening.order.book_id
            content = self._pane_content(book, opening.order) if first else []
            tabs.compose_add_child(TabPane(self._label(book), *content, id=f"pane-{book.id}"))
        await self.mount(tabs, before="#list-receipt")
        self._focus_list()

    def _label(self, book) -> str:
        return f"{book.id} ({self.counts[book.id]})" if book.id in self.counts else book.id

    def _title(self, book) -> str:
        if book.id not in self.counts:
            return clean(book.name)
        needs = f" · requires {', '.join(book.requires)}" if book.requires else ""
        return f"{clean(book.name)} · {self.counts[book.id]} waiting · priority {book.priority}{needs}"

    def compose_footer(self) -> ComposeResult:
        yield ListFooter()

    # --- reading -------------------------------------------------------------------

    def active_list(self) -> BookList | None:
        tabs = next(self.query("#books").results(TabbedContent), None)  # None until the first read is in
        pane = tabs.active_pane if tabs is not None else None
        if pane is None:
            return None
        found = pane.query(BookList)
        return found.first() if found else None

    def _focus_list(self) -> None:
        current = self.active_list()
        if current is not None:
            current.focus()

    def reload(self) -> None:
        if self.session is None:
            return
        self.stale = {b.id for b in self.rules.books}
        self.matches.clear()
        if not self.query("#books"):  # opening: one read for the counts, the first book and its first page
            first = self.rules.books[0].id if self.rules.books else None
            if first is not None:
                self.loading.add(first)
                self.load(views.lists_opening, self.hall_app.store, first, PAGE, done=self._build,
                          group=f"opening-{id(self)}")
            return
        self.load(views.book_counts, self.hall_app.store, done=self._show_counts, group=f"counts-{id(self)}")
        current = self.active_list()
        if current is not None:
            self._load_order(current)

    def _load_order(self, book_list: BookList) -> None:
        """Read the book's count, where the highlighted registration now stands, and the page there."""
        book_id = book_list.book_id
        self.stale.discard(book_id)
        self.loading.add(book_id)
        self.load(views.book_order, self.hall_app.store, book_id, book_list.current_id(), book_list.cursor, PAGE,
                  done=self._show_order, group=f"order-{id(self)}-{book_id}")

    def _show_counts(self, counts: dict[str, int]) -> None:
        self.counts = counts
        tabs = self.query_one("#books", TabbedContent)
        for book in self.rules.books:
            try:
                tab = tabs.get_tab(f"pane-{book.id}")
            except Exception:  # a book added by a rules change appears on the next visit
                continue
            if tab.label.plain != self._label(book):  # (Textual slides the tab underline on each relabel)
                tab.label = self._label(book)
            for title in self.query(f"#title-{book.id}").results(Static):  # built when the tab was first shown
                title.update(self._title(book))

    def _show_order(self, order: views.BookOrder) -> None:
        self.loading.discard(order.book_id)
        found = self.query(f"#list-{order.book_id}").results(BookList)
        for book_list in found:
            book_list.set_order(order)

    @on(BookList.NeedPage)
    def _need_page(self, event: BookList.NeedPage) -> None:
        book_list, page, generation = event.book_list, event.page, event.generation
        order = book_list.order
        if order is None:
            return
        self.load(views.book_page, self.hall_app.store, order, page * PAGE, PAGE,
                  done=lambda rows: book_list.page_loaded(generation, page, rows),
                  group=f"page-{id(self)}-{book_list.book_id}-{page}")

    @on(TabbedContent.TabActivated)
    async def _tab_changed(self, event: TabbedContent.TabActivated) -> None:
        pane = event.pane
        if not pane.query(BookList):  # first shown: build its title, header and list now
            book = self.rules.book((pane.id or "").removeprefix("pane-"))
            if book is None:
                return
            await pane.mount_all(list(self._pane_content(book)))
        book_list = pane.query_one(BookList)
        if book_list.book_id not in self.loading and (book_list.order is None or book_list.book_id in self.stale):
            self._load_order(book_list)
        if not self.query_one("#list-search", Input).has_focus:
            book_list.focus()

    # --- search ----------------------------------------------------------------------

    def action_search(self) -> None:
        search = self.query_one("#list-search", Input)
        search.focus()
        search.select_all() if hasattr(search, "select_all") else None

    def action_back(self) -> None:
        if self.query_one("#list-search", Input).has_focus:
            self._focus_list()
            return
        super().action_back()

    @on(Input.Submitted, "#list-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        book_list = self.active_list()
        if not text or book_list is None or book_list.order is None:
            return
        key = (book_list.book_id, book_list.generation, text.casefold())
        if key in self.matches:
            self._jump(book_list, text, self.matches[key])
            return
        generation = book_list.generation
        order = book_list.order

        def found(indexes: list[int]) -> None:
            if book_list.generation != generation:
                return
            self.matches[key] = indexes
            self._jump(book_list, text, indexes)

        self.load(views.find_in_book, self.hall_app.store, order, text, done=found, group=f"find-{id(self)}")

    def _jump(self, book_list: BookList, text: str, indexes: list[int]) -> None:
        receipt = self.query_one("#list-receipt", Static)
        if not indexes:
            receipt.update(Text(f"No one on {book_list.book_id} matches {clean(text)!r}.", style="italic"))
            return
        after = [i for i in indexes if i > book_list.cursor]
        target = after[0] if after else indexes[0]
        book_list.cursor = target
        number = indexes.index(target) + 1
        receipt.update(f"{clean(text)!r}: match {number} of {len(indexes)} on {book_list.book_id}"
                       f" (position {target + 1}) · Enter again for the next")

    # --- actions ----------------------------------------------------------------------

    def _current(self) -> tuple[BookList, str] | None:
        book_list = self.active_list()
        card = book_list.current_card() if book_list else None
        if book_list is None or card is None:
            if book_list is not None and book_list.count:
                self.notify("One moment: the list is still being read.")
            else:
                self.notify("Nobody is highlighted: this book is empty.")
            return None
        return book_list, card

    def _who_at(self, book_list: BookList) -> str:
        row = book_list.row_at(book_list.cursor)
        return f"{clean(row.name)} ({row.card})" if row else f"card {book_list.current_card()}"

    def _receipt(self, text: str) -> None:
        self.query_one("#list-receipt", Static).update(Text(text, style="bold"))

    def action_open_member(self) -> None:
        current = self._current()
        if current:
            self.hall_app.action_member(current[1])

    def action_resign(self) -> None:
        current = self._current()
        if current is None:
            return
        book_list, card = current
        book = book_list.book_id
        who = self._who_at(book_list)

        def chosen(via: str | None) -> None:
            if via is None:
                return
            self.write(self.session.resign, card, book, via,
                       done=lambda r: self._done(f"Re-signed {who} on {book} by {VIA_WORDS[via]}", r))

        self.app.push_screen(ViaDialog(f"Re-sign {who} on {book}: how did it come in?"), chosen)

    def action_sign(self) -> None:
        book_list = self.active_list()
        default_book = book_list.book_id if book_list else None

        def got_card(values: dict | None) -> None:
            if not values:
                return
            card = values["card"]
            choices = [(b.id, f"{b.id}  {clean(b.name)}") for b in self.rules.books]
            self.app.push_screen(ChoiceDialog(f"Sign card {clean(card)} on which book?", choices,
                                              selected=default_book), lambda book: got_book(card, book))

        def got_book(card: str, book: str | None) -> None:
            if not book:
                return
            self.app.push_screen(ViaDialog(f"Sign {clean(card)} on {book}: how did it come in?"),
                                 lambda via: via and self.write(
                                     self.session.sign, card, book, via,
                                     done=lambda r: self._done(f"Signed {book} by {VIA_WORDS[via]}", r, book)))

        self.app.push_screen(FormDialog("Sign a book", [Field("card", "Card number", "e.g. 1042")]), got_card)

    def action_unavailable(self) -> None:
        current = self._current()
        if current is None:
            return
        book_list, card = current
        who = self._who_at(book_list)
        today = self.hall_app.today()

        def got_form(values: dict | None) -> None:
            if not values:
                return
            self.app.push_screen(ViaDialog(f"{who} unavailable: how did it come in?"),
                                 lambda via: via and self.write(
                                     self.session.declare_unavailable, card, values["date"], values["reason"],
                                     via=via, done=lambda r: self._done(f"Unavailable by {VIA_WORDS[via]}", r)))

        self.app.push_screen(DateReasonDialog(
            f"{who} cannot take work", sentence="At the member's own request. The reason is never shown to members.",
            default_date=today + timedelta(days=7), reason_placeholder="e.g. surgery, family, out of town"), got_form)

    def _done(self, what: str, receipt, book: str | None = None) -> None:
        self._receipt(f"{what} · receipt #{receipt.seq} · {clean(receipt.message)}")
        if book:
            for tabs in self.query("#books").results(TabbedContent):
                tabs.active = f"pane-{book}"
        self.reload()
