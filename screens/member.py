"""A member: find by card or name, then details, registrations and history, and the member's actions.

``MemberActions`` (the keys j r g u p t i) is shared with the counter screen.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from hall.views import admin as admin_views
from hall.views import members as views
from screens.base import HallScreen, clean, short_date
from screens.dialogs import (
    VIA_WORDS,
    ChoiceDialog,
    ConfirmDialog,
    DateReasonDialog,
    EndReasonDialog,
    Field,
    FormDialog,
    ViaDialog,
)
from screens.lists import resign_flag, turndown_text

PACKET_DIR = Path("reports")

def theme_style(app, name: str = "warning", *, bold: bool = True, reverse: bool = False) -> Style:
    """A rich style in one of the theme's colours (for Text built in code; the .tcss uses $names)."""
    color = app.theme_variables.get(name) or app.get_css_variables().get(name)
    try:
        return Style(color=color, bold=bold, reverse=reverse)
    except Exception:
        return Style(bold=bold, reverse=reverse)


STATUS_WORDS = {"waiting": "waiting", "on_short_call": "on a short call", "dispatched": "dispatched"}


def standing_text(info: dict, loud: Style | str = "bold reverse") -> Text:
    member = info["member"]
    if member.standing == "suspended":
        note = f": {clean(member.suspension_note)}" if member.suspension_note else ""
        return Text(f" SUSPENDED — referral suspended{note} ", style=loud)
    return Text("active")


def cert_text(info: dict, warn: str = "bold") -> Text:
    """Certifications with expiry; expired and expiring within 30 days marked with a word."""
    text = Text()
    if not info["certs"]:
        return Text("none recorded", style="dim")
    for i, cert in enumerate(info["certs"]):
        if i:
            text.append(" · ")
        text.append(clean(cert["name"]))
        if cert["expires"] is None:
            continue
        when = f"{cert['expires']:%d %b %Y}"
        if cert["state"] == "expired":
            text.append(f" ! expired {when}", style=warn)
        elif cert["state"] == "expiring":
            text.append(f" ! expires {when}", style=warn)
        else:
            text.append(f" to {when}", style="dim")
    return text


def book_line(info: dict, b: dict, zone, warn: str = "bold") -> Text:
    """'JW-1  waiting  position 2 of 42  signed 01 Nov  re-sign due Tue 1 Dec ! due' and the rest."""
    text = Text()
    text.append(f"{b['book']:<6}", style="bold")
    status = STATUS_WORDS.get(b["status"], b["status"])
    text.append(f"{status:<16}")
    if b["position"] is not None:
        text.append(f"position {b['position']} of {b['of']}".ljust(22), style="bold")
    elif b["status"] == "on_short_call" and b["short_call"] is not None:
        hold = b["short_call"]
        until = f" until {hold.until:%a %d %b}" if hold.until else ""
        text.append(f"place held: {clean(hold.employer)}{until}".ljust(22))
    else:
        text.append(" " * 22)
    text.append(f"registered {short_date(b['registered_at'], zone)}  ")
    if b["resign_due"] is not None:
        flag = resign_flag(b["resign_state"])
        text.append(f"re-sign due {b['resign_due']:%a %d %b}", style=warn if flag else "")
        if flag:
            text.append(f" {flag}", style=warn)
    return text


def counts_line(info: dict, b: dict, warn: str = "bold") -> Text:
    text = Text("      ")
    turns, at_limit = turndown_text(b["turndowns"], info["turndown_limit"])
    text.append(f"turndowns {turns}" if turns else "no turndowns", style=warn if at_limit else "")
    used = b["restorations"]
    text.append(" · ")
    text.append(f"{used} of {info['max_restorations']} short-call restorations used" if used
                else "no short-call restorations used")
    if b["signed_via"]:
        text.append(f" · last signed {short_date(b['last_signed_at'], info['rules'].zone)}"
                    f" by {VIA_WORDS.get(b['signed_via'], b['signed_via'])}", style="dim")
    return text


class MemberActions:
    """The actions on one member, shared by the member screen and the counter.

    The screen provides ``card``, ``info`` (from ``views.member_card``), ``show_receipt(text)``
    and ``reload()``.
    """

    card: str | None
    info: dict | None

    def _who(self) -> str:
        member = self.info["member"]
        return f"{clean(member.name)} ({member.card})"

    def _card_ready(self) -> bool:
        if not self.card or not self.info:
            self.notify("Type a card number first.")
            return False
        return True

    def _at(self, receipt) -> str:
        now = self.hall_app.store.now().astimezone(self.hall_app.zone)
        return f"at {now:%H:%M} · receipt #{receipt.seq}"

    def _finished(self, what: str, receipt) -> None:
        self.show_receipt(f"{what} {self._at(receipt)}", receipt, clean(receipt.message))
        self.reload()

    def action_resign(self) -> None:
        if not self._card_ready():
            return
        waiting = [b["book"] for b in self.info["books"] if b["status"] == "waiting"]
        if not waiting:
            self.notify(f"{self._who()} is not waiting on any book: sign a book instead (g).", severity="warning")
            return
        card = self.card

        def chosen(via: str | None) -> None:
            if via:
                self.write(self.session.resign, card, None, via,
                           done=lambda r: self._finished(f"Re-signed {', '.join(waiting)} by {VIA_WORDS[via]}", r))

        self.app.push_screen(ViaDialog(f"Re-sign {self._who()} on {', '.join(waiting)}: how did it come in?"),
                             chosen)

    def action_sign(self) -> None:
        if not self._card_ready():
            return
        signable = self.info["signable"]
        if not signable:
            classes = ", ".join(sorted(self.info["member"].classifications)) or "no classification"
            self.notify(f"{self._who()} ({classes}) is already on every book of their classifications.",
                        severity="warning")
            return
        card = self.card
        choices = [(b.id, f"{b.id}  {clean(b.name)}") for b in signable]

        def got_book(book: str | None) -> None:
            if book:
                self.app.push_screen(ViaDialog(f"Sign {self._who()} on {book}: how did it come in?"),
                                     lambda via: via and self.write(
                                         self.session.sign, card, book, via,
                                         done=lambda r: self._finished(f"Signed {book} by {VIA_WORDS[via]}", r)))

        self.app.push_screen(ChoiceDialog(f"Sign {self._who()} on which book?", choices), got_book)

    def action_unavailable(self) -> None:
        if not self._card_ready():
            return
        card = self.card
        today = self.info["today"]

        def got_form(values: dict | None) -> None:
            if values:
                self.app.push_screen(ViaDialog(f"{self._who()} unavailable: how did it come in?"),
                                     lambda via: via and self.write(
                                         self.session.declare_unavailable, card, values["date"], values["reason"],
                                         via=via, done=lambda r: self._finished(
                                             f"Unavailable until {values['date']} by {VIA_WORDS[via]}", r)))

        self.app.push_screen(DateReasonDialog(
            f"{self._who()} cannot take work",
            sentence="At the member's own request. The reason is never shown to members.",
            default_date=today + timedelta(days=7), reason_placeholder="e.g. surgery, family, out of town"), got_form)

    def action_phone(self) -> None:
        if not self._card_ready():
            return
        card = self.card
        current = self.info["member"].phone or ""

        def got(values: dict | None) -> None:
            if values:
                self.write(self.session.update_member, card, phone=values["phone"],
                           done=lambda r: self._finished(f"Phone {values['phone']} recorded", r))

        self.app.push_screen(FormDialog(f"Phone for {self._who()}", [
            Field("phone", "Phone number (checked with the member now)", "e.g. (312) 555-0101", current)]), got)

    def action_job_ended(self) -> None:
        if not self._card_ready():
            return
        working = self.info["working"]
        if working is None:
            self.notify(f"{self._who()} has no job to end: no referral is open.", severity="warning")
            return
        card = self.card
        where = f"call #{working['call']} · {clean(working['employer'])}" + (" (short call)" if working["short"] else "")

        def got_reason(reason: str | None) -> None:
            if not reason:
                return
            self.app.push_screen(FormDialog(
                f"Job ended: {self._who()}", [Field("days", "Days worked", "blank: counted from the start",
                                                    required=False, kind="number")],
                sentence=where), lambda values: values is not None and confirm(reason, values.get("days", "")))

        def confirm(reason: str, days: str) -> None:
            recorded = "laid_off" if reason == "short_call_over" else reason
            words = {"laid_off": "laid off", "quit": "quit", "discharged": "discharged",
                     "short_call_over": "short call over (recorded as laid off)"}[reason]
            days_text = f"{days} days worked" if days else "days worked counted from the start"
            sentence = f"Record that {self._who()} left {where}: {words}, {days_text}."
            self.app.push_screen(ConfirmDialog(sentence, title="Job ended"),
                                 lambda ok: ok and self.write(
                                     self.session.end_job, card, recorded, days_worked=int(days) if days else None,
                                     done=lambda r: self._ended(r)))

        self.app.push_screen(EndReasonDialog(f"{self._who()} · {where}"), got_reason)

    def _ended(self, receipt) -> None:
        card = self.card

        def with_positions(positions: dict) -> None:
            where = "; ".join(f"position {p} of {n} on {book}" for book, (p, n) in positions.items() if p)
            tail = f" · now {where}" if where else ""
            self.show_receipt(f"Job end recorded {self._at(receipt)}", receipt, clean(receipt.message) + tail)
            self.reload()

        self.load(views.positions_of, self.hall_app.store, card, done=with_positions, group=f"pos-{id(self)}")

    def action_certification(self) -> None:
        if not self._card_ready():
            return
        card = self.card

        def got(values: dict | None) -> None:
            if values:
                self.write(self.session.set_certification, card, values["name"], expires=values["expires"] or None,
                           done=lambda r: self._finished(f"Certification {values['name']} recorded", r))

        self.app.push_screen(FormDialog(f"Certification for {self._who()}", [
            Field("name", "Certification (new, or one held: its expiry is updated)", "e.g. OSHA-30"),
            Field("expires", "Expires (YYYY-MM-DD)", "blank: does not expire", required=False, kind="date"),
        ]), got)

    def action_reinstate(self) -> None:
        if not self._card_ready():
            return
        card = self.card
        if not self.session.user.is_admin:
            # the session refuses with its own sentence; nothing is written
            self.write(self.session.reinstate, card, "")
            return

        def got(values: dict | None) -> None:
            if values:
                self.write(self.session.reinstate, card, values["reason"], values["authority"],
                           done=lambda r: self._finished("Reinstated", r))

        self.app.push_screen(FormDialog(f"Reinstate {self._who()}", [
            Field("reason", "Reason", "e.g. appeal upheld"),
            Field("authority", "Authority (appeal number or ruling)", "e.g. Appeal 2026-14", required=False),
        ], sentence=f"Suspended: {clean(self.info['member'].suspension_note) or 'no note'}"), got)


MEMBER_BINDINGS = [
    Binding("r", "resign", "Re-sign", id="resign", tooltip="Re-sign every book the member is waiting on"),
    Binding("g", "sign", "Sign a book", id="sign", tooltip="Put the member on another book"),
    Binding("j", "job_ended", "Job ended", id="job_ended", tooltip="Laid off, quit, discharged or short call over"),
    Binding("u", "unavailable", "Unavailable", id="unavailable", tooltip="Cannot take work until a date"),
    Binding("p", "phone", "Phone", id="phone", tooltip="Record the phone number checked with the member"),
]


class MemberScreen(MemberActions, HallScreen):
    """Find a member, then everything about them."""

    CSS_PATH = "member.tcss"
    SCREEN_TITLE = "Member"
    BINDINGS = [
        Binding("slash", "find", "Find", id="find", tooltip="Find another member by card or name"),
        *MEMBER_BINDINGS,
        Binding("t", "certification", "Cert", id="certification", tooltip="Add or update a certification"),
        Binding("i", "reinstate", "Reinstate", id="reinstate", tooltip="Lift a suspension (admin only)"),
        Binding("z", "restore_place", "Restore place", id="restore_place",
                tooltip="Admin: put a removed registration back at its original place, citing an authority"),
        Binding("k", "packet", "Packet", id="member_packet",
                tooltip="Write the member's records packet (PDF and Markdown) to ./reports/"),
    ]

    def __init__(self, card: str | None = None):
        super().__init__()
        self.card = (card or "").strip() or None
        self.info: dict | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        with Vertical(id="find-box"):
            yield Input(placeholder="card number or name, then Enter", id="member-find")
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
        self.query_one("#member-history", DataTable).add_columns("when", "call", "employer", "what", "detail", "note")
        self.query_one("#member-results", OptionList).display = False
        self._show_mode()

    def open_with(self, other: "MemberScreen") -> None:
        self.card = other.card
        self.info = None
        self._show_mode()
        self.reload()

    def _show_mode(self) -> None:
        body = self.query_one("#member-body")
        body.display = self.card is not None
        find = self.query_one("#member-find", Input)
        if self.card is None:
            find.focus()
        else:
            self.query_one("#member-history", DataTable).focus()

    def reload(self) -> None:
        if self.session is None or self.card is None:
            return
        self.load(views.member_card, self.hall_app.store, self.card, done=self._show, group=f"member-{id(self)}")

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

    def _found(self, found: list[dict]) -> None:
        results = self.query_one("#member-results", OptionList)
        results.clear_options()
        for m in found:
            books = ", ".join(m["books"]) or "on no book"
            results.add_option(Option(Text.assemble((f"{clean(m['card']):<8}", "bold"), f"{clean(m['name']):<28}",
                                                    (books, "dim")), id=m["card"]))
        results.display = bool(found)
        if not found:
            self.query_one("#member-receipt", Static).update("No member matches.")
        else:
            results.highlighted = 0

    @on(Input.Submitted, "#member-find")
    def _find_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            return
        self.load(views.search, self.hall_app.store, text, done=lambda found: self._pick(text, found),
                  group=f"find-{id(self)}")

    def _pick(self, text: str, found: list[dict]) -> None:
        exact = [m for m in found if m["card"] == text]
        if exact or len(found) == 1:
            self._open_card((exact or found)[0]["card"])
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
        find = self.query_one("#member-find", Input)
        find.value = ""
        results = self.query_one("#member-results", OptionList)
        results.clear_options()
        results.display = False
        self.query_one("#member-receipt", Static).update("")
        self._show_mode()
        self.reload()

    def action_back(self) -> None:
        if self.query_one("#member-find", Input).has_focus and self.card is not None:
            self.query_one("#member-find", Input).value = ""
            self._show_mode()
            return
        super().action_back()

    # --- showing ---------------------------------------------------------------------

    def _show(self, info: dict) -> None:
        if info["member"].card != self.card:
            return
        self.info = info
        zone = info["rules"].zone
        member = info["member"]
        warn = theme_style(self.app, "warning")
        title = Text.assemble((clean(member.name), "bold"), f" · {clean(member.card)} · ",
                              ", ".join(sorted(member.classifications)) or "no classification")
        self.query_one("#member-title", Static).update(title)
        standing = self.query_one("#member-title", Static)
        standing.set_class(member.standing == "suspended", "suspended")

        details = Text()
        details.append("standing     ")
        details.append_text(standing_text(info, theme_style(self.app, "error", reverse=True)))
        details.append("\nphone        ")
        if member.phone:
            checked = f" (checked {info['phone_checked'].astimezone(zone):%d %b %Y})" if info["phone_checked"] else ""
            details.append(f"{clean(member.phone)}{checked}")
        else:
            details.append("none on file", style=warn)
        details.append("\nhome local   " + (clean(member.home_local) or "this local"))
        details.append("\ncerts        ")
        details.append_text(cert_text(info, warn))
        for u in info["unavailable"]:
            start = f"from {u['start']:%a %d %b} " if u["start"] else ""
            details.append(f"\nunavailable  {start}until {u['until']:%a %d %b %Y} · {clean(u['reason'])}"
                           f" (by {VIA_WORDS.get(u['via'], u['via'])})")
        if info["working"]:
            w = info["working"]
            details.append(f"\nworking      call #{w['call']} · {clean(w['employer'])}"
                           + (" · short call" if w["short"] else "") + "  (j: job ended)")
        self.query_one("#member-details", Static).update(details)

        books = Text()
        for i, b in enumerate(info["books"]):
            if i:
                books.append("\n")
            books.append_text(book_line(info, b, zone, warn))
            books.append("\n")
            books.append_text(counts_line(info, b, warn))
        if not info["books"]:
            books.append("on no book" + (" · g: sign a book" if info["signable"] else ""), style="dim")
        self.query_one("#member-books", Static).update(books)

        table = self.query_one("#member-history", DataTable)
        table.clear()
        for ev in info.get("history", []):
            table.add_row(short_date(ev["at"], zone), f"#{ev['call']}", clean(ev["employer"]), ev["what"],
                          ev["detail"], clean(ev["note"]))
        self.query_one("#history-title", Label).update(f"HISTORY ({len(info.get('history', []))})")

    def show_receipt(self, text: str, receipt=None, message: str = "") -> None:
        self.query_one("#member-receipt", Static).update(
            Text.assemble((text, "bold"), ("  " + message) if message else ""))


    # --- corrections and the records packet ---------------------------------------------------

    def action_restore_place(self) -> None:
        """Admin: put a removed registration back at its original place (authority and reason)."""
        if not self._card_ready():
            return
        card = self.card
        if not self.session.user.is_admin:
            # the session refuses with its own sentence; nothing is written
            self.write(self.session.restore_place, card, "", "", "")
            return

        def got_places(places: list[dict]) -> None:
            if not places:
                self.notify(f"{self._who()} has no removed place to restore.", severity="warning")
                return
            if len(places) == 1:
                cite(places[0])
                return
            self.app.push_screen(ChoiceDialog(Text(f"Restore which place of {self._who()}?"),
                                              [(p["book"], clean(p["label"])) for p in places]),
                                 lambda book: book and cite(next(p for p in places if p["book"] == book)))

        def cite(place: dict) -> None:
            self.app.push_screen(FormDialog("Restore a place", [
                Field("authority", "Authority (appeal number or ruling)", "e.g. Appeal 2026-14"),
                Field("reason", "Reason", "e.g. removed for not re-signing while in hospital"),
            ], sentence=Text(clean(place["sentence"]) + "\nRemoved: " + clean(place["removed_reason"])),
                dialog_id="restore-dialog"),
                lambda values: values and self.write(
                    self.session.restore_place, card, place["book"], values["authority"], values["reason"],
                    done=lambda r: self._finished("Place restored", r)))

        self.load(admin_views.removed_places, self.hall_app.store, card, done=got_places,
                  group=f"restore-{id(self)}")

    def action_packet(self) -> None:
        """The member's records packet since a date, as PDF and Markdown in ./reports/."""
        if not self._card_ready():
            return
        card = self.card
        since = self.info["today"] - timedelta(days=365)
        session = self.session

        def write_packet(day: str) -> list:
            from hall.reports.export import default_name

            report = session.member_packet(card, day)
            PACKET_DIR.mkdir(parents=True, exist_ok=True)
            return [session.export_report(report, PACKET_DIR / default_name(report, fmt), fmt)
                    for fmt in ("pdf", "md")]

        def got(values: dict | None) -> None:
            if values:
                self.load(write_packet, values["since"], done=written, group=f"packet-{id(self)}")

        def written(paths: list) -> None:
            names = ", ".join(str(p) for p in paths)
            self.show_receipt("Records packet written", None, names)
            self.notify(f"Wrote {names}", title="Records packet", timeout=10)

        self.app.push_screen(FormDialog(Text(f"Records packet for {self._who()}"), [
            Field("since", "Since (YYYY-MM-DD)", "YYYY-MM-DD", since.isoformat(), kind="date"),
        ], sentence="Everything the member may see about their place: PDF and Markdown, in ./reports/.",
            dialog_id="packet-dialog"), got)
