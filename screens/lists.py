"""The out-of-work lists: a tab per book, each in list order, paged so a 30,000-row book stays quick.

Each book is a ``BookList`` (Line API) over the book's count, rows read a page at a time by
offset on the book's index, in read workers. A tab's title, header and list are built when
the tab is first shown, not for every book. ← and → (or 1-9) change book.
"""

from __future__ import annotations

from datetime import timedelta

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Static, TabbedContent, TabPane, Tabs

from hall.parse import UNAVAILABLE
from hall.views import members as views
from screens.base import Cancelled, HallScreen, Refused, flow
from screens.text import clean, short_day
from screens.widgets.booklist import PAGE, BookHeader, BookList
from screens.widgets.dialogs import ChoiceDialog, via_phrase
from screens.widgets.forms import Field, FormDialog


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


def _book_bindings() -> list[Binding]:
    return [Binding(str(i), f"book({i - 1})", f"Book {i}", id=f"book_{i}", show=False,
                    tooltip=f"Show the {i}{'st' if i == 1 else 'nd' if i == 2 else 'rd' if i == 3 else 'th'} book")
            for i in range(1, 10)]


class ListsScreen(HallScreen):
    """Every book's out-of-work list; sign, re-sign, unavailable; Enter opens the member."""

    CSS_PATH = "lists.tcss"
    SCREEN_TITLE = "Out-of-work lists"
    AUTO_FOCUS = "BookList"  # (built with the first read; not the find box first, then the list)
    BINDINGS = [
        # priority: the list (a scroll view) would take the arrows for sideways scrolling it does not do
        Binding("left", "next_book(-1)", "Prev", id="previous_book", key_display="←", priority=True,
                tooltip="The book to the left"),
        Binding("right", "next_book(1)", "Next book", id="next_book", key_display="→", priority=True,
                tooltip="The book to the right"),
        Binding("slash", "search", "Find", id="find", tooltip="Find a card or name on this book (Enter: next match)"),
        Binding("r", "resign", "Re-sign", id="resign", tooltip="Re-sign the highlighted member on this book"),
        Binding("s", "sign", "Sign", id="sign", tooltip="Put a member on a book (card, book, how it came in)"),
        Binding("u", "unavailable", "Unavailable", id="unavailable",
                tooltip="The highlighted member cannot take work until a date"),
        Binding("enter", "open_member", "Member", id="open_member", tooltip="Open the highlighted member"),
        *_book_bindings(),
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
                BookHeader(classes="list-header", low_hours=self.rules.ordering.policy == "low_hours"),
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

    def _title(self, book) -> Text:
        if book.id not in self.counts:
            return Text(clean(book.name))
        needs = f" · requires {', '.join(book.requires)}" if book.requires else ""
        return Text(f"{clean(book.name)} · {self.counts[book.id]} waiting · priority {book.priority}{needs}")

    # --- reading -------------------------------------------------------------------

    def _tabs(self) -> TabbedContent | None:
        return next(self.query("#books").results(TabbedContent), None)  # None until the first read is in

    def active_list(self) -> BookList | None:
        tabs = self._tabs()
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
        tabs = self._tabs()
        if tabs is None:
            return
        for book in self.rules.books:
            if not tabs.query(f"#pane-{book.id}"):  # a book added by a rules change appears on the next visit
                continue
            tab = tabs.get_tab(f"pane-{book.id}")
            if tab.label.plain != self._label(book):  # (Textual slides the tab underline on each relabel)
                tab.label = self._label(book)
            for title in self.query(f"#title-{book.id}").results(Static):  # built when the tab was first shown
                title.update(self._title(book))

    def _show_order(self, order: views.BookOrder) -> None:
        self.loading.discard(order.book_id)
        for book_list in self.query(f"#list-{order.book_id}").results(BookList):
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

    # --- changing book -------------------------------------------------------------------

    def _show_book(self, index: int) -> None:
        tabs = self._tabs()
        books = self.rules.books
        if tabs is None or not books:
            return
        tabs.active = f"pane-{books[index % len(books)].id}"

    def action_next_book(self, step: int) -> None:
        current = self.active_list()
        ids = [b.id for b in self.rules.books]
        index = ids.index(current.book_id) if current is not None and current.book_id in ids else 0
        self._show_book(index + step)

    def action_book(self, index: int) -> None:
        if 0 <= index < len(self.rules.books):
            self._show_book(index)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("next_book", "book") and not isinstance(self.focused, BookList):
            return False  # the arrows and digits belong to the find box (or a dialog) then
        return True

    # --- search ----------------------------------------------------------------------

    def action_search(self) -> None:
        search = self.query_one("#list-search", Input)
        search.focus()
        search.select_all()

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
        receipt.update(Text(f"{clean(text)!r}: match {number} of {len(indexes)} on {book_list.book_id}"
                            f" (position {target + 1}) · Enter again for the next"))

    # --- actions ----------------------------------------------------------------------

    def say(self, message: str) -> None:
        self.query_one("#list-receipt", Static).update(Text(self.sentence(message)) if message else "")

    def _current(self) -> tuple[BookList, str, str]:
        """The list, the highlighted card and who it is, or ``Refused``."""
        book_list = self.active_list()
        entry = book_list.current() if book_list else None
        if book_list is None or entry is None:
            if book_list is not None and book_list.count:
                raise Refused("One moment: the list is still being read.")
            raise Refused("Nobody is highlighted: this book is empty.")
        return book_list, entry.row.card, f"{clean(entry.row.name)} ({entry.row.card})"

    def action_open_member(self) -> None:
        book_list = self.active_list()
        card = book_list.current_card() if book_list else None
        if card:
            self.hall_app.action_member(card)

    @flow
    async def action_resign(self) -> None:
        book_list, card, who = self._current()
        book = book_list.book_id
        via = await self.ask_how(f"Re-sign {who} on {book}: how did it come in?")
        self._done(f"Re-signed {who} on {book} {via_phrase(via)}", await self.commit(self.session.resign, card, book, via))

    @flow
    async def action_sign(self) -> None:
        book_list = self.active_list()
        values = await self.ask(FormDialog("Sign a book", [Field("card", "Card number", "e.g. 1042")]))
        if not values:
            raise Cancelled("Nothing recorded.")
        card = values["card"]
        book = await self.ask(ChoiceDialog(f"Sign card {clean(card)} on which book?",
                                           [(b.id, f"{b.id}  {clean(b.name)}") for b in self.rules.books],
                                           selected=book_list.book_id if book_list else None))
        if not book:
            raise Cancelled("Nothing recorded.")
        via = await self.ask_how(f"Sign {clean(card)} on {book}: how did it come in?")
        self._done(f"Signed {clean(card)} on {book} {via_phrase(via)}",
                   await self.commit(self.session.sign, card, book, via), book)

    @flow
    async def action_unavailable(self) -> None:
        _, card, who = self._current()
        today = self.hall_app.today()
        values = await self.ask(FormDialog(f"{who} cannot take work", [
            Field("until", "Until (the last day unavailable)", value=short_day(today + timedelta(days=7)), kind="day",
                  span=UNAVAILABLE),
            Field("reason", "Reason (never shown to members)", "e.g. surgery, family, out of town"),
        ], sentence="At the member's own request.", dialog_id="unavailable-dialog"))
        if not values:
            raise Cancelled("Nothing recorded.")
        via = await self.ask_how(f"{who} unavailable: how did it come in?")
        receipt = await self.commit(self.session.declare_unavailable, card, values["until"], values["reason"], via=via)
        self._done(f"{who} unavailable {via_phrase(via)}", receipt)

    def _done(self, what: str, receipt, book: str | None = None) -> None:
        self.query_one("#list-receipt", Static).update(
            Text(f"{what} · receipt #{receipt.seq} · {self.sentence(receipt.message)}", style="bold"))
        if book:
            tabs = self._tabs()
            if tabs is not None:
                tabs.active = f"pane-{book}"
        self.reload()
