"""The counter: a member at the window or on the phone. Card, Enter, one or two keys, receipt, next.

During a re-sign window this is most of a dispatcher's day: card, Enter, r, 2 (phone): done,
the receipt number big enough to read back. The member stays on screen with their keys for
the next thing they ask; typing digits starts the next member's card, esc clears.
"""

from __future__ import annotations

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Digits, Input, Label, Static

from dispatch import calendar
from hall.views import members as views
from hall.views.jobboard import read_job_board
from hall.views.members import MemberCard
from screens.base import Cancelled, HallScreen, Refused, flow
from screens.member_actions import MEMBER_BINDINGS, MemberActions
from screens.text import clean, short_day, theme_style
from screens.widgets.dialogs import ChoiceDialog
from screens.widgets.forms import Field, FormDialog
from screens.widgets.member_summary import book_line, cert_text, counts_line, excused_lines, standing_text

WIDE = 110  # narrower: the registration time leaves the book lines


class Summary(Static, can_focus=True):
    """The member at the counter (focusable, so the action keys reach the screen). Typing a digit
    here starts the next member's card in the card box."""

    def on_key(self, event: events.Key) -> None:
        if event.character and event.character.isdigit():
            event.stop()
            self.screen.start_card(event.character)


class CounterScreen(MemberActions, HallScreen):
    """One member at a time: type the card, Enter, then a key."""

    CSS_PATH = "counter.tcss"
    SCREEN_TITLE = "Counter"
    BINDINGS = [
        *MEMBER_BINDINGS,
        Binding("b", "bid", "Bid", id="counter_bid", tooltip="(v2) A bid on a posted call for the member here"),
        Binding("i", "sign_in", "Sign in", id="counter_sign_in", tooltip="(v2) Sign the member in to the day book"),
        Binding("escape", "clear", "Clear", id="clear", tooltip="Clear for the next member (again: back)"),
    ]

    def __init__(self, card: str | None = None):
        super().__init__()
        self.card = (card or "").strip() or None
        self.info: MemberCard | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        with Horizontal(id="counter-card-row"):
            yield Label("card", id="counter-card-label")
            # (no select-all on focus: a digit typed on the member's summary starts the card here)
            yield Input(placeholder="card number, then Enter", id="counter-card", value=self.card or "",
                        select_on_focus=False)
            yield Static("", id="counter-hint")
        with VerticalScroll(id="counter-body", can_focus=False):
            yield Summary("", id="counter-summary")
            with Vertical(id="counter-receipt-box"):
                yield Static("", id="counter-receipt")
                with Horizontal(id="counter-receipt-row"):
                    yield Label("", id="counter-receipt-label")
                    yield Digits("", id="counter-receipt-number")
                yield Static("", id="counter-receipt-message")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one("#counter-receipt-box").display = False
        self.query_one("#counter-card", Input).focus()

    def open_with(self, other: "CounterScreen") -> None:
        if other.card:
            self._lookup(other.card)
        else:
            self.action_clear()

    def on_resize(self) -> None:
        if self.info is not None:
            self._show(self.info)

    def reload(self) -> None:
        if self.session is None or self.card is None:
            return
        if self.info is None:  # opened on a card (from the palette or another screen): as if typed
            self._lookup(self.card)
            return
        self.load(views.member_card, self.hall_app.store, self.card, history=False, done=self._show,
                  failed=self._not_found, group=f"counter-{id(self)}")

    # --- the card box ----------------------------------------------------------------

    @on(Input.Submitted, "#counter-card")
    def _card_entered(self, event: Input.Submitted) -> None:
        card = event.value.strip()
        if not card:
            if self.info is not None:  # Enter on an empty box: back to the member shown
                self.query_one("#counter-summary", Summary).focus()
            return
        self._lookup(card)

    def start_card(self, first: str) -> None:
        """The next member: a card typed while the member shown has the focus."""
        box = self.query_one("#counter-card", Input)
        box.value = first
        box.cursor_position = len(first)
        box.focus()

    def _lookup(self, card: str) -> None:
        self.query_one("#counter-card", Input).value = card
        self.load(views.member_card, self.hall_app.store, card, history=False,
                  done=lambda info: self._looked_up(card, info), failed=self._not_found,
                  group=f"counter-{id(self)}")

    def _not_found(self, message: str) -> None:
        """No such card (or it could not be read): nobody is shown, not even the last receipt."""
        self.card, self.info = None, None
        self._hide_receipt()
        self.query_one("#counter-summary", Summary).update(Text(self.sentence(message), style="bold"))
        box = self.query_one("#counter-card", Input)
        box.focus()
        box.select_all()

    def _looked_up(self, card: str, info: MemberCard) -> None:
        self.card = card
        self._hide_receipt()
        self._show(info)
        self.query_one("#counter-summary", Summary).focus()

    def action_clear(self) -> None:
        box = self.query_one("#counter-card", Input)
        if self.card is None and not box.value and box.has_focus:
            self.action_back()
            return
        self.card, self.info = None, None
        box.value = ""
        self.query_one("#counter-summary", Summary).update("")
        self._hide_receipt()
        box.focus()

    # --- (v2) the morning dispatch ------------------------------------------------------

    @flow
    async def action_bid(self) -> None:
        card, _ = self._loaded()
        board, rules = await self.fetch(read_job_board, self.hall_app.store)
        if not board.calls:
            raise Refused("No calls are posted for bids now.")
        today = calendar.local_date(board.now, rules)
        call = await self.ask(ChoiceDialog(f"{self._who()} bids on which call?", [
            (str(c.id), f"#{c.id}  {clean(c.employer)}  {c.classification} · {c.openings} open · "
                        f"{calendar.moment_text(c.start, rules, today)}") for c in board.calls]))
        if not call:
            raise Cancelled("No bid taken.")
        values = await self.ask(FormDialog(f"{self._who()} on call #{call}", [
            Field("choice", "Choice number", "blank: their next free number (1 = most wanted)", required=False,
                  kind="number"),
        ], dialog_id="counter-bid-dialog"))
        if values is None:
            raise Cancelled("No bid taken.")
        via = await self.ask(ChoiceDialog("How did the bid come in?", [("in_person", "At the window"),
                                                                      ("phone", "By phone")]))
        if not via:
            raise Cancelled("No bid taken.")
        receipt = await self.commit(self.session.place_bid, card, int(call), values["choice"] or None, via)
        self._finished(f"Bid on call #{call}", receipt)

    @flow
    async def action_sign_in(self) -> None:
        card, _ = self._loaded()
        via = await self.ask(ChoiceDialog(f"Sign {self._who()} in to the day book: how did it come in?",
                                          [("in_person", "At the window"), ("phone", "By phone")]))
        if not via:
            raise Cancelled("Nothing recorded.")
        receipt = await self.commit(self.session.sign_in, card, via)
        self._finished("Signed in", receipt)

    # --- showing ----------------------------------------------------------------------

    def _show(self, info: MemberCard) -> None:
        if info.member.card != self.card:
            return
        self.info = info
        member, zone = info.member, info.rules.zone
        warn = theme_style(self.app, "warning")
        wide = self.size.width >= WIDE
        text = Text()
        text.append(clean(member.name), style="bold")
        text.append(f" · {clean(member.card)} · {', '.join(sorted(member.classifications)) or 'no classification'}")
        if member.phone:
            checked = f" (checked {short_day(info.phone_checked.astimezone(zone).date())})" if info.phone_checked else ""
            text.append(f" · phone {clean(member.phone)}{checked}")
        else:
            text.append(" · no phone on file", style=warn)
        if member.standing == "suspended":
            text.append("\n")
            text.append_text(standing_text(info, theme_style(self.app, "error", reverse=True)))
        for b in info.books:
            text.append("\n ")
            text.append_text(book_line(b, zone, warn, wide=wide))
            text.append("\n ")
            text.append_text(counts_line(info, b, warn))
        if not info.books:
            text.append("\n on no book", style="dim")
            if info.signable:
                text.append(" · g signs one", style="dim")
        if info.working:
            w = info.working
            text.append(f"\n working call #{w.call} · {clean(w.employer)}" + (" (short call)" if w.short else "")
                        + " · j: job ended")
        for u in info.unavailable:
            text.append(f"\n unavailable until {short_day(u.until)}")
        for line in excused_lines(info):
            text.append(f"\n excused {line}")
        if info.period_hours is not None:
            text.append(f"\n {info.period_hours:g} hours this period")
        if any(c.state != "ok" for c in info.certs):
            text.append("\n certifications ")
            text.append_text(cert_text(info, warn))
        self.query_one("#counter-summary", Summary).update(text)
        self.query_one("#counter-hint", Static).update("type a card for the next member · esc clears")

    def _hide_receipt(self) -> None:
        self.query_one("#counter-receipt-box").display = False

    def show_receipt(self, text: str, receipt=None, message: str = "") -> None:
        """The receipt to read back; the member stays shown with their keys."""
        self.query_one("#counter-receipt-box").display = True
        self.query_one("#counter-receipt", Static).update(Text(text, style="bold"))
        if receipt is not None:
            self.query_one("#counter-receipt-label", Label).update("receipt #")
            self.query_one("#counter-receipt-number", Digits).update(str(receipt.seq))
        self.query_one("#counter-receipt-message", Static).update(Text(clean(message)))
        self.query_one("#counter-summary", Summary).focus()
