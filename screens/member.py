"""A member: find by card or name, then details, registrations and history, and the member's
actions (``MemberActions``, shared with the counter); ``+`` adds a new member or applicant.

At 80 columns the history keeps when, call, what and detail; the employer and note give way.
"""

from __future__ import annotations

from datetime import timedelta

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from hall.views import admin as admin_views
from hall.views import exports
from hall.views import members as views
from hall.views.members import FoundMember, MemberCard
from screens.base import Cancelled, HallScreen, Refused, flow
from screens.member_actions import MEMBER_BINDINGS, MemberActions
from screens.text import clean, fit, short_date, short_day, theme_style
from screens.widgets.dialogs import ChoiceDialog, via_phrase
from screens.widgets.forms import Field, FormDialog
from screens.widgets.member_summary import book_line, cert_text, counts_line, excused_lines, standing_text

WIDE = 110  # narrower: the history's employer and note columns give way


class MemberScreen(MemberActions, HallScreen):
    """Find a member, then everything about them."""

    CSS_PATH = "member.tcss"
    SCREEN_TITLE = "Member"
    BINDINGS = [
        Binding("slash", "find", "Find", id="find", tooltip="Find another member by card or name"),
        *MEMBER_BINDINGS,
        Binding("t", "certification", "Cert", id="certification", tooltip="Add or update a certification"),
        Binding("k", "packet", "Packet", id="member_packet",
                tooltip="Write the member's records packet (PDF and Markdown) to the hall's exports folder"),
        # priority: "+" is never part of a card or a name, so it works from the find box too
        Binding("plus,ctrl+n", "add_member", "Add member", id="add_member", key_display="+", priority=True,
                tooltip="Add a new member or applicant (card, name, phone, classifications)"),
        Binding("i", "reinstate", "Reinstate", id="reinstate", show=False, tooltip="Lift a suspension (admin only)"),
        Binding("z", "restore_place", "Restore place", id="restore_place", show=False,
                tooltip="Admin: put a removed registration back at its original place, citing an authority"),
    ]

    def __init__(self, card: str | None = None):
        super().__init__()
        self.card = (card or "").strip() or None
        self.info: MemberCard | None = None
        self._wide: bool | None = None
        self._history: dict[str, int] = {}

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        with Vertical(id="find-box"):
            yield Input(placeholder="card number or name, then Enter · + adds a new member", id="member-find")
            yield OptionList(id="member-results")
        with VerticalScroll(id="member-body"):
            yield Static("", id="member-title")
            yield Static("", id="member-details")
            yield Label("BOOKS", classes="section-title")
            yield Static("", id="member-books")
            yield Label("HISTORY", classes="section-title", id="history-title")
            yield DataTable(id="member-history", cursor_type="row", zebra_stripes=True)
        yield Static("", id="member-receipt")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one("#member-results", OptionList).display = False
        self._set_columns(self.size.width or WIDE)
        self._show_mode()

    def on_resize(self, event) -> None:
        if self._set_columns(event.size.width) and self.info is not None:
            self._show(self.info)

    def _set_columns(self, width: int) -> bool:
        wide = width >= WIDE
        if wide == self._wide:
            return False
        self._wide = wide
        table = self.query_one("#member-history", DataTable)
        table.clear(columns=True)
        room = width - 2 - 2  # padding, scrollbar
        if wide:
            free = room - (16 + 5 + 26 + 22) - 6 * 2
            sizes = {"when": 16, "call": 5, "employer": free * 2 // 5, "what": 26, "detail": 22,
                     "note": free - free * 2 // 5}
        else:
            sizes = {"when": 10, "call": 5, "what": 24, "detail": max(room - (10 + 5 + 24) - 4 * 2, 10)}
        self._history = sizes
        for label, size in sizes.items():
            table.add_column(label, width=size)
        return True

    def open_with(self, other: "MemberScreen") -> None:
        self.card = other.card
        self.info = None
        self._show_mode()
        self.reload()

    def _show_mode(self) -> None:
        self.query_one("#member-body").display = self.card is not None
        if self.card is None:
            self.query_one("#member-find", Input).focus()
        else:
            self.query_one("#member-history", DataTable).focus()

    def reload(self) -> None:
        if self.session is None or self.card is None:
            return
        self.load(views.member_card, self.hall_app.store, self.card, done=self._show, failed=self._not_found,
                  group=f"member-{id(self)}")

    def _not_found(self, message: str) -> None:
        self.card, self.info = None, None
        self._show_mode()
        self.say(message)

    def say(self, message: str) -> None:
        self.query_one("#member-receipt", Static).update(Text(self.sentence(message)) if message else "")

    # --- finding ---------------------------------------------------------------------

    def action_find(self) -> None:
        find = self.query_one("#member-find", Input)
        find.value = ""
        find.focus()

    @on(Input.Changed, "#member-find")
    def _typed(self, event: Input.Changed) -> None:
        text = event.value.strip()
        results = self.query_one("#member-results", OptionList)
        if not text:
            results.clear_options()
            results.display = False
            return
        self.load(views.search, self.hall_app.store, text, done=self._found, group=f"find-{id(self)}")

    def _found(self, found: list[FoundMember]) -> None:
        results = self.query_one("#member-results", OptionList)
        results.clear_options()
        for m in found:
            books = ", ".join(m.books) or "on no book"
            results.add_option(Option(Text.assemble((f"{clean(m.card):<8}", "bold"), f"{fit(clean(m.name), 27):<28}",
                                                    (books, "dim")), id=m.card))
        results.display = bool(found)
        if not found:
            self.say("No member matches: + adds a new member.")
        else:
            self.say("")
            results.highlighted = 0

    @on(Input.Submitted, "#member-find")
    def _find_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            return
        self.load(views.search, self.hall_app.store, text, done=lambda found: self._pick(text, found),
                  group=f"find-{id(self)}")

    def _pick(self, text: str, found: list[FoundMember]) -> None:
        exact = [m for m in found if m.card == text]
        if exact or len(found) == 1:
            self._open_card((exact or found)[0].card)
            return
        self._found(found)
        if found:
            self.query_one("#member-results", OptionList).focus()

    @on(OptionList.OptionSelected, "#member-results")
    def _result_chosen(self, event: OptionList.OptionSelected) -> None:
        self._open_card(event.option.id)

    def _open_card(self, card: str) -> None:
        self.card = card
        self.info = None
        self.query_one("#member-find", Input).value = ""
        results = self.query_one("#member-results", OptionList)
        results.clear_options()
        results.display = False
        self.say("")
        self._show_mode()
        self.reload()

    def action_back(self) -> None:
        if self.query_one("#member-find", Input).has_focus and self.card is not None:
            self.query_one("#member-find", Input).value = ""
            self._show_mode()
            return
        super().action_back()

    # --- showing ---------------------------------------------------------------------

    def _show(self, info: MemberCard) -> None:
        if info.member.card != self.card:
            return
        self.info = info
        zone, member = info.rules.zone, info.member
        warn = theme_style(self.app, "warning")
        title = Text.assemble((clean(member.name), "bold"), f" · {clean(member.card)} · ",
                              ", ".join(sorted(member.classifications)) or "no classification")
        header = self.query_one("#member-title", Static)
        header.update(title)
        header.set_class(member.standing == "suspended", "suspended")

        details = Text()
        details.append("standing     ")
        details.append_text(standing_text(info, theme_style(self.app, "error", reverse=True)))
        details.append("\nphone        ")
        if member.phone:
            checked = f" (checked {short_day(info.phone_checked.astimezone(zone).date(), year=True)})" \
                if info.phone_checked else ""
            details.append(f"{clean(member.phone)}{checked}")
        else:
            details.append("none on file", style=warn)
        details.append("\nhome local   " + (clean(member.home_local) or "this local"))
        details.append("\ncerts        ")
        details.append_text(cert_text(info, warn))
        for u in info.unavailable:
            start = f"from {short_day(u.start)} " if u.start else ""
            how = via_phrase(u.via)
            details.append(f"\nunavailable  {start}until {short_day(u.until, year=True)} · {clean(u.reason)}"
                           + (f" ({how})" if how else ""))
        for line in excused_lines(info):
            details.append(f"\nexcused      {line}")
        if info.period_hours is not None:
            details.append(f"\nhours        {info.period_hours:g} this period")
        if info.working:
            w = info.working
            details.append(f"\nworking      call #{w.call} · {clean(w.employer)}"
                           + (" · short call" if w.short else "") + "  (j: job ended)")
        self.query_one("#member-details", Static).update(details)

        books = Text()
        for i, b in enumerate(info.books):
            if i:
                books.append("\n")
            books.append_text(book_line(b, zone, warn, wide=bool(self._wide)))
            books.append("\n")
            books.append_text(counts_line(info, b, warn))
        if not info.books:
            books.append("on no book" + (" · g: sign a book" if info.signable else ""), style="dim")
        self.query_one("#member-books", Static).update(books)

        table = self.query_one("#member-history", DataTable)
        table.clear()
        for ev in info.history:
            call = f"#{ev.call}" if ev.call is not None else ""
            size = self._history
            if self._wide:
                table.add_row(short_date(ev.at, zone), call, fit(clean(ev.employer), size["employer"]),
                              fit(ev.what, size["what"]), fit(clean(ev.detail), size["detail"]),
                              fit(clean(ev.note), size["note"]))
            else:
                when = ev.at.astimezone(zone)
                table.add_row(short_day(when.date()), call, fit(ev.what, size["what"]),
                              fit(clean(ev.detail), size["detail"]))
        self.query_one("#history-title", Label).update(f"HISTORY ({len(info.history)})")

    def show_receipt(self, text: str, receipt=None, message: str = "") -> None:
        self.query_one("#member-receipt", Static).update(
            Text.assemble((text, "bold"), ("  " + clean(message)) if message else ""))

    # --- adding, corrections and the records packet ---------------------------------------------

    @flow
    async def action_add_member(self) -> None:
        """A new member or applicant: card, name, phone, classifications; then their screen (g signs)."""
        classes = ", ".join(self.hall_app.rules.classifications)
        session = self.session

        def add(values: dict):
            receipt = session.add_member(values["card"], values["name"], phone=values["phone"],
                                         classes=[c.strip().upper() for c in values["classes"].split(",") if c.strip()],
                                         home_local=values["home_local"])
            return receipt, values["card"].strip()

        added = await self.ask(FormDialog("Add a member or applicant", [
            Field("card", "Card number", "e.g. 1042"),
            Field("name", "Name", "e.g. Ada Lovelace"),
            Field("phone", "Phone", "e.g. (312) 555-0101", required=False),
            Field("classes", f"Classifications ({classes})", "e.g. JW", required=False),
            Field("home_local", "Home local (blank: this local)", "e.g. IBEW 134", required=False),
        ], sentence="Certifications: t on the member's screen; g signs a book.", dialog_id="add-member-dialog",
            save=add))
        if added is None:
            raise Cancelled("Nothing added.")
        receipt, card = added
        self._open_card(card)
        self.show_receipt(f"{clean(receipt.message)} Receipt #{receipt.seq}.")

    @flow
    async def action_restore_place(self) -> None:
        """Admin: put a removed registration back at its original place (authority and reason)."""
        card, _ = self._loaded()
        self.session.require("restore_place")
        places = await self.fetch(admin_views.removed_places, self.hall_app.store, card)
        if not places:
            raise Refused(f"{self._who()} has no removed place to restore.")
        place = places[0]
        if len(places) > 1:
            book = await self.ask(ChoiceDialog(Text(f"Restore which place of {self._who()}?"),
                                               [(p.book, clean(p.label)) for p in places]))
            if not book:
                raise Cancelled("Nothing recorded.")
            place = next(p for p in places if p.book == book)
        values = await self.ask(FormDialog("Restore a place", [
            Field("authority", "Authority (appeal number or ruling)", "e.g. Appeal 2026-14"),
            Field("reason", "Reason", "e.g. removed for not re-signing while in hospital"),
        ], sentence=Text(clean(place.sentence) + "\nRemoved: " + clean(place.removed_reason)),
            dialog_id="restore-dialog"))
        if not values:
            raise Cancelled("Nothing recorded.")
        receipt = await self.commit(self.session.restore_place, card, place.book, values["authority"],
                                    values["reason"])
        self._finished("Place restored", receipt)

    @flow
    async def action_packet(self) -> None:
        """The member's records packet since a date, as PDF and Markdown in the hall's exports folder."""
        card, info = self._loaded()
        folder = exports.exports_folder(self.hall_app.store, self.hall_app.rules)
        values = await self.ask(FormDialog(Text(f"Records packet for {self._who()}"), [
            Field("since", "Since", value=(info.today - timedelta(days=365)).isoformat(), kind="since"),
        ], sentence=f"Everything the member may see about their place: PDF and Markdown, in {folder}.",
            dialog_id="packet-dialog"))
        if not values:
            raise Cancelled("No packet written.")
        session, store = self.session, self.hall_app.store

        def write_packet():
            return exports.export_report(store, session.member_packet(card, values["since"]))

        paths = await self.fetch(write_packet)
        names = ", ".join(p.name for p in paths)
        self.show_receipt("Records packet written", None, f"{names} in {paths[0].parent}")
        self.notify(f"Wrote {names} in {paths[0].parent}", title="Records packet", timeout=10)
