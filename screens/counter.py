"""The counter: a member at the window or on the phone. Card, Enter, one or two keys, receipt, next.

During a re-sign window this is most of a dispatcher's day: card, Enter, r, 2 (phone): done,
the receipt number big enough to read back, the cursor back in the card box.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Digits, Footer, Input, Label, Static

from hall.errors import HallError
from hall.views import members as views
from screens.base import HallScreen, clean
from screens.member import (
    MEMBER_BINDINGS,
    MemberActions,
    book_line,
    cert_text,
    counts_line,
    standing_text,
    theme_style,
)


class Summary(Static, can_focus=True):
    """The member at the counter (focusable, so the action keys reach the screen)."""


class CounterScreen(MemberActions, HallScreen):
    """One member at a time: type the card, Enter, then a key."""

    CSS_PATH = "counter.tcss"
    SCREEN_TITLE = "Counter"
    BINDINGS = [
        *MEMBER_BINDINGS,
        Binding("escape", "clear", "Clear", id="clear", tooltip="Clear for the next member (again: back)"),
    ]

    def __init__(self, card: str | None = None):
        super().__init__()
        self.card = (card or "").strip() or None
        self.info: dict | None = None

    def compose_footer(self) -> ComposeResult:
        # compact: the screen's own keys stay on the footer at 80 columns (global keys drop off first)
        yield Footer(compact=True)

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        with Horizontal(id="counter-card-row"):
            yield Label("card", id="counter-card-label")
            yield Input(placeholder="card number, then Enter", id="counter-card", value=self.card or "")
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

    def on_screen_resume(self) -> None:
        if self.card and self.info is None:
            self._lookup(self.card)
        else:
            super().on_screen_resume()

    def reload(self) -> None:
        if self.session is None or self.card is None:
            return
        self.load(views.member_card, self.hall_app.store, self.card, history=False, done=self._show,
                  group=f"counter-{id(self)}")

    # --- the card box ----------------------------------------------------------------

    @on(Input.Submitted, "#counter-card")
    def _card_entered(self, event: Input.Submitted) -> None:
        card = event.value.strip()
        if not card:
            if self.info is not None:  # Enter on an empty box: back to the member shown
                self.query_one("#counter-summary", Summary).focus()
            return
        self._lookup(card)

    def _lookup(self, card: str) -> None:
        self.query_one("#counter-card", Input).value = card
        store = self.hall_app.store

        def read():
            try:
                return views.member_card(store, card, history=False)
            except HallError as error:
                return str(error)

        self.load(read, done=lambda info: self._looked_up(card, info), group=f"counter-{id(self)}")

    def _looked_up(self, card: str, info) -> None:
        if isinstance(info, str):
            self.card, self.info = None, None
            self.query_one("#counter-summary", Summary).update(Text(clean(info), style="bold"))
            box = self.query_one("#counter-card", Input)
            box.focus()
            box.select_all() if hasattr(box, "select_all") else None
            return
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

    # --- showing ----------------------------------------------------------------------

    def _show(self, info: dict) -> None:
        if info["member"].card != self.card:
            return
        self.info = info
        member = info["member"]
        zone = info["rules"].zone
        warn = theme_style(self.app, "warning")
        text = Text()
        text.append(clean(member.name), style="bold")
        text.append(f" · {clean(member.card)} · {', '.join(sorted(member.classifications)) or 'no classification'}")
        if member.phone:
            checked = f" (checked {info['phone_checked'].astimezone(zone):%d %b}" + ")" if info["phone_checked"] else ""
            text.append(f" · phone {clean(member.phone)}{checked}")
        else:
            text.append(" · no phone on file", style=warn)
        if member.standing == "suspended":
            text.append("\n")
            text.append_text(standing_text(info, theme_style(self.app, "error", reverse=True)))
        for b in info["books"]:
            text.append("\n ")
            text.append_text(book_line(info, b, zone, warn))
            text.append("\n ")
            text.append_text(counts_line(info, b, warn))
        if not info["books"]:
            text.append("\n on no book", style="dim")
            if info["signable"]:
                text.append(" · g signs one", style="dim")
        if info["working"]:
            w = info["working"]
            text.append(f"\n working call #{w['call']} · {clean(w['employer'])}" + (" (short call)" if w["short"] else ""))
        for u in info["unavailable"]:
            text.append(f"\n unavailable until {u['until']:%a %d %b}")
        if any(c["state"] != "ok" for c in info["certs"]):
            text.append("\n certifications ")
            text.append_text(cert_text(info, warn))
        self.query_one("#counter-summary", Summary).update(text)

    def _hide_receipt(self) -> None:
        self.query_one("#counter-receipt-box").display = False

    def show_receipt(self, text: str, receipt=None, message: str = "") -> None:
        box = self.query_one("#counter-receipt-box")
        box.display = True
        self.query_one("#counter-receipt", Static).update(Text(text, style="bold"))
        if receipt is not None:
            self.query_one("#counter-receipt-label", Label).update("receipt #")
            self.query_one("#counter-receipt-number", Digits).update(str(receipt.seq))
        self.query_one("#counter-receipt-message", Static).update(message)
        # the next member: the card box is ready to type into; Enter on it empty returns here
        card_box = self.query_one("#counter-card", Input)
        card_box.value = ""
        card_box.focus()
