"""The member kiosk: a separate app. A card number plus the member's PIN (or, in a hall
with ``kiosk.auth = "phone4"``, the last four digits of the phone on file) shows that
member's own standing; with a PIN, the member can also re-sign (F2) and change the PIN
(F3): the self-service operations of ``hall.operations.selfservice``, actor
``member:CARD``, each a short write of its own. Wrong tries are counted in the database
and lock the card for a while (``kiosk.max_misses``, ``kiosk.lock_minutes``).

No command palette, no key that leads to a staff screen, no quit key for members
(a shell would be a way round the kiosk). Everything it shows is read over a SQLite
``mode=ro`` connection. It clears itself after ``kiosk.idle_seconds`` without a key press.
"""

from __future__ import annotations

import os
import time
from typing import Any

from rich.padding import Padding
from rich.text import Text
from textual import events, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Center, Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, Label, Static
from textual.worker import get_current_worker

from dispatch.rules import RuleSet
from hall.errors import HallError
from hall.identity import Actor
from hall.operations import selfservice
from hall.reports import rule_notices
from hall.store import Store
from hall.views import kiosk as kiosk_view
from hall.views.jobboard import MemberMorning, member_morning
from hall.views.kiosk import KioskView, ordinal
from screens.widgets.kiosk_morning import grid, morning_lines
from screens.text import clean, short_date, short_dates, short_day
from screens.widgets.dialogs import ChoiceDialog, ConfirmDialog
from screens.widgets.footer import HallFooter
from screens.widgets.forms import Field, FormDialog

IDLE_CHECK_SECONDS = 1.0


class KioskScreen(Screen):
    """The prompt and, after a good lookup, the member's standing."""

    CSS_PATH = "kiosk.tcss"
    BINDINGS = [
        Binding("escape", "clear", "Clear", id="kiosk_clear", tooltip="Clear the screen for the next member"),
        # priority: the card box (an Input) would take the arrows and pages for scrolling itself
        Binding("down", "scroll(1)", "Scroll", id="kiosk_down", key_display="↑↓", priority=True,
                tooltip="Scroll your standing down a line (↑ up)"),
        Binding("up", "scroll(-1)", "Up", id="kiosk_up", show=False, priority=True,
                tooltip="Scroll your standing up a line"),
        Binding("pagedown", "page(1)", "Page", id="kiosk_page_down", key_display="PgUp PgDn", priority=True,
                tooltip="Scroll your standing down a screenful (PgUp: up)"),
        Binding("pageup", "page(-1)", "Page up", id="kiosk_page_up", show=False, priority=True,
                tooltip="Scroll your standing up a screenful"),
        # F-keys: letters belong to the card box (cards have letters too)
        Binding("f2", "resign", "Re-sign", id="kiosk_resign", priority=True,
                tooltip="Re-sign your books (keeps your place)"),
        Binding("f3", "change_pin", "Change PIN", id="kiosk_change_pin", priority=True,
                tooltip="Choose a new PIN"),
        # (v2) the morning dispatch
        Binding("f4", "bid", "Bid", id="kiosk_bid", priority=True, tooltip="Bid on a posted call"),
        Binding("f5", "withdraw", "Withdraw", id="kiosk_withdraw", priority=True, tooltip="Withdraw one of your bids"),
        Binding("f6", "sign_in", "Sign in", id="kiosk_sign_in", priority=True,
                tooltip="Sign the day book (to be referred that day)"),
    ]

    def compose(self) -> ComposeResult:
        app: KioskApp = self.app  # type: ignore[assignment]
        pin = app.rules.kiosk.auth == selfservice.PIN_AUTH
        yield Static(f"{clean(app.hall_name)} · Out-of-work list", id="kiosk-title")
        yield Static(notice_text(app.notices), id="kiosk-notices", classes="warning")
        with Center():
            with Horizontal(id="kiosk-prompt"):
                yield Label("Card number:", classes="prompt-label")
                yield Input(id="kiosk-card", max_length=12, restrict=r"[A-Za-z0-9-]*", placeholder="card")
                yield Label("Your PIN:" if pin else "Last 4 of your phone:", classes="prompt-label",
                            id="kiosk-secret-label")
                yield Input(id="kiosk-secret", password=True, max_length=12 if pin else 4,
                            restrict=None if pin else r"[0-9]*", placeholder="••••")
                yield Label("(Enter)", classes="prompt-hint")
        yield Static("", id="kiosk-message")
        yield VerticalScroll(id="kiosk-result", can_focus=False)
        yield HallFooter()

    def on_mount(self) -> None:
        self.query_one("#kiosk-notices", Static).display = bool(self.kiosk_app.notices)
        self.query_one("#kiosk-card", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        card = self.query_one("#kiosk-card", Input)
        secret = self.query_one("#kiosk-secret", Input)
        if event.input is card:
            secret.focus()
            return
        if not card.value.strip():
            card.focus()
            return
        if not secret.value.strip():  # not a try (and not a miss to count)
            secret.focus()
            self.say("Type your PIN too, then Enter." if self.kiosk_app.rules.kiosk.auth == selfservice.PIN_AUTH
                     else "Type the last 4 digits of your phone too, then Enter.")
            return
        self.kiosk_app.lookup(card.value, secret.value)

    @property
    def kiosk_app(self) -> "KioskApp":
        return self.app  # type: ignore[return-value]

    def action_clear(self) -> None:
        self.kiosk_app.clear()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """Re-sign, PIN change, bids and the day book only for a member who gave their PIN, while
        their standing shows; bids where the hall bids, the sign-in where it keeps a day book."""
        if action in ("resign", "change_pin", "bid", "withdraw", "sign_in"):
            rules = self.kiosk_app.rules
            if action in ("bid", "withdraw") and not rules.bidding.enabled:
                return False
            if action == "sign_in" and not rules.daybook.required:
                return False
            return self.kiosk_app.member is not None
        return True

    def action_resign(self) -> None:
        self.kiosk_app.ask_resign()

    def action_change_pin(self) -> None:
        self.kiosk_app.ask_new_pin()

    def action_bid(self) -> None:
        self.kiosk_app.ask_bid()

    def action_withdraw(self) -> None:
        self.kiosk_app.ask_withdraw()

    def action_sign_in(self) -> None:
        self.kiosk_app.ask_sign_in()

    def action_scroll(self, lines: int) -> None:
        """The member's standing scrolls with the arrows while the cursor stays in the card box."""
        self.query_one("#kiosk-result", VerticalScroll).scroll_relative(y=lines, animate=False)

    def action_page(self, direction: int) -> None:
        result = self.query_one("#kiosk-result", VerticalScroll)
        result.scroll_relative(y=direction * max(result.scrollable_content_region.height - 1, 1), animate=False)

    # --- showing --------------------------------------------------------------------

    def say(self, message: str, *, error: bool = False) -> None:
        widget = self.query_one("#kiosk-message", Static)
        widget.update(Text(message))
        widget.set_class(error, "error")

    def clear_all(self) -> None:
        self.query_one("#kiosk-card", Input).value = ""
        self.query_one("#kiosk-secret", Input).value = ""
        self.say("")
        self.query_one("#kiosk-result", VerticalScroll).remove_children()
        self.query_one("#kiosk-card", Input).focus()

    def show_member(self, view: KioskView, rules: RuleSet, morning: MemberMorning | None = None) -> None:
        zone = rules.zone
        today = self.kiosk_app.store.now().astimezone(zone).date()
        self.query_one("#kiosk-secret", Input).value = ""
        self.say("")
        lines: list[Static] = []

        def line(text: str | Text, *classes: str) -> None:
            lines.append(Static(text if isinstance(text, Text) else Text(text), classes=" ".join(classes) or None))

        line(f"{clean(view.name)} · {clean(view.card)}", "member-name")
        if not view.books:
            line("  You are not on any book right now. Ask at the window to sign a book.")
        for b in view.books:
            name = f"{b.book} {clean(b.name)}"
            if b.status == "waiting":
                ahead = b.position - 1 if b.position else 0
                ahead_text = "nobody ahead of you" if ahead == 0 else f"{ahead} ahead of you"
                line(f"  {name:<24} position {b.position} of {b.of}    {ahead_text}", "book-line")
                if b.resign_due is not None:
                    days = b.days_left or 0
                    when = short_day(b.resign_due, year=True)
                    if b.resign_state == "overdue":
                        line(f"  ! Re-sign was due {when}: re-sign now to be offered work", "warning")
                    elif b.resign_state == "due_soon":
                        line(f"  ! Re-sign by {when} ({days} day{'s' if days != 1 else ''} left)", "warning")
                    else:
                        line(f"    Re-sign by {when} ({days} days)")
                flag = b.turndowns and b.turndowns >= b.turndown_limit - 1
                line(f"  {'!' if flag else ' '} Turndowns {b.turndowns} of {b.turndown_limit}",
                     *(["warning"] if flag else []))
            elif b.status == "on_short_call":
                employer = f" for {clean(b.short_call_employer)}" if b.short_call_employer else ""
                line(f"  {name:<24} working a short call{employer}: your place is kept", "book-line")
            elif b.status == "dispatched":
                line(f"  {name:<24} dispatched (working): sign again when the job ends", "book-line")
        if view.excused_until is not None:
            start = view.excused_from
            when = f"from {short_day(start)} " if start is not None and start > today else ""
            line(f"  Excused {when}until {short_day(view.excused_until, year=True)}: your place is kept and the "
                 "re-sign clock stops", "book-line")
        if view.receipt:
            line(f"    Last sign or re-sign receipt #{view.receipt}", "muted")
        if morning is not None:
            lines.extend(morning_lines(morning, rules, self.size.width))

        muted = "dim"
        table = grid

        line("")
        line("Open calls you qualify for today", "section-title")
        # narrow kiosks: a shorter employer column, so the last (the reason) is not folded letter by letter
        employer = 30 if self.size.width >= 110 else 18 if self.size.width >= 90 else 12
        calls = table(5, employer, 6, 16, None)
        for c in view.open_calls:
            row = [f"#{c.call}", clean(c.employer), f"{c.classification} ×{c.workers}", short_date(c.start, zone)]
            counts = f" · declines don't count: {clean(c.no_turndown)}" if c.no_turndown else ""
            if c.place is not None:
                calls.add_row(*row, f"you would be {ordinal(c.place)} in line{counts}")
            else:
                calls.add_row(*(Text(x, style=muted) for x in [*row, short_dates(c.why_not, today) + counts]))
        if view.open_calls:
            lines.append(Static(Padding(calls, (0, 0, 0, 2))))
        else:
            line("  No open calls for your classification right now.", "muted")

        classes = "/".join(view.classifications) or "your classification"
        line("")
        line(f"Calls for {classes} in the last 30 days", "section-title")
        past = table(10, 5, employer, None)
        for p in view.past_calls:
            place = f"you were {ordinal(p.place)}: " if p.place else ""
            past.add_row(short_day(p.at.astimezone(zone).date()), f"#{p.call}", clean(p.employer),
                         place + short_dates(p.text, today))
        if view.past_calls:
            lines.append(Static(Padding(past, (0, 0, 0, 2))))
        else:
            line("  No offers were made for your classification in the last 30 days.", "muted")

        line("")
        line("How your position changed", "section-title")
        moves = table(10, 5, 9, None)
        for ch in view.changes:
            moves.add_row(short_day(ch.at.astimezone(zone).date()), ch.book, f"{ch.before:>3} → {ch.after:<3}",
                          short_dates(ch.text, today))
        if view.changes:
            lines.append(Static(Padding(moves, (0, 0, 0, 2))))
        else:
            line("  No changes in the last 30 days.", "muted")
        if view.corrections:
            line("")
            line("Corrections and appeals", "section-title")
            for at, text in view.corrections:
                line(f"  {short_day(at.astimezone(zone).date(), year=True)}  {clean(text)}")
        result = self.query_one("#kiosk-result", VerticalScroll)
        result.remove_children()
        result.mount_all(lines)
        result.scroll_home(animate=False)


class KioskApp(App, inherit_bindings=False):
    """The members' kiosk (read-only)."""

    TITLE = "hall kiosk"
    ENABLE_COMMAND_PALETTE = False
    # Replaces App.BINDINGS: no quit key for members (a shell is a way round the kiosk).
    BINDINGS = [
        Binding("ctrl+q", "ignore", show=False, priority=True, id="kiosk_no_quit"),
        Binding("ctrl+c", "ignore", show=False, priority=True, id="kiosk_no_copy_quit"),
    ]

    def __init__(self, store: Store, *, clock=None, allow_quit: bool = False):
        super().__init__()
        if clock is not None:
            store = Store(store.path, clock=clock)
        self.store = store
        self.allow_quit = allow_quit
        with store.read_only() as db:  # refuses an older database, naming `hall migrate`
            _, self.rules = store.rules(db)
            self.notices = rule_notices(db, store.now())
        self.hall_name = self.rules.hall.name
        self.last_activity = time.monotonic()
        self.showing: str | None = None  # the card shown, if any
        self.member: Actor | None = None  # who gave card and PIN (may re-sign, change the PIN)
        self.morning: MemberMorning | None = None  # (v2) the job board and their bids, as shown

    def on_mount(self) -> None:
        self.title = self.hall_name
        self.push_screen(KioskScreen())
        self.set_interval(IDLE_CHECK_SECONDS, self.idle_check)

    def action_ignore(self) -> None:
        if self.allow_quit:
            self.exit()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown)):
            self.last_activity = time.monotonic()
        await super().on_event(event)

    @property
    def kiosk_screen(self) -> KioskScreen | None:
        for screen in self.screen_stack:
            if isinstance(screen, KioskScreen):
                return screen
        return None

    # --- idle -----------------------------------------------------------------------

    def idle_check(self, now: float | None = None) -> bool:
        """Clear the screen after ``kiosk.idle_seconds`` without a key; True when it cleared."""
        now = time.monotonic() if now is None else now
        if now - self.last_activity < self.rules.kiosk.idle_seconds:
            return False
        screen = self.kiosk_screen
        if screen is None:
            return False
        typed = any(i.value for i in screen.query(Input))
        if self.showing is None and not typed:
            return False
        self.clear()
        return True

    def clear(self) -> None:
        self.showing = None
        self.member = None
        self.morning = None
        self.workers.cancel_group(self, "lookup")
        while len(self.screen_stack) > 1 and not isinstance(self.screen, KioskScreen):
            self.pop_screen()  # a dialog left open by the member who walked away
        screen = self.kiosk_screen
        if screen is not None:
            screen.clear_all()
            screen.refresh_bindings()

    # --- lookup ----------------------------------------------------------------------

    def lookup(self, card: str, secret: str) -> None:
        screen = self.kiosk_screen
        if screen is None:
            return
        self.showing = None
        self.member = None
        screen.refresh_bindings()
        screen.query_one("#kiosk-result", VerticalScroll).remove_children()
        screen.say("Looking up…")
        self._lookup(card.strip(), secret)

    @work(thread=True, exclusive=True, group="lookup", exit_on_error=False)
    def _lookup(self, card: str, secret: str) -> None:
        worker = get_current_worker()
        result: tuple[str, Any, Any]
        try:
            # A miss is counted (a short write of its own); a good check writes nothing.
            actor = selfservice.identify(self.store, card, secret)
            result = self._read_view(actor)
        except HallError as error:
            result = ("refused", str(error), None)
        except Exception as error:  # a bug: say so plainly, keep the kiosk running
            self.log.error(repr(error))
            result = ("error", "Something went wrong looking that up. Please ask at the window.", None)
        if not worker.is_cancelled:
            self.call_from_thread(self._looked_up, card, result)

    def _read_view(self, actor: Actor) -> tuple[str, Any, Any]:
        """The member's standing and the morning dispatch, over the read-only connection."""
        with self.store.reading(read_only=True) as read:
            now, rules = read.now, read.rules
            notices = rule_notices(read.db, now)
            self.call_from_thread(self._show_notices, notices)
            may_write = rules.kiosk.auth == selfservice.PIN_AUTH
            view = kiosk_view.member_view(read.db, actor.name, rules, now)
            return "ok", (view, member_morning(read, actor.name), actor if may_write else None), rules

    # --- self-service (card and PIN given) ----------------------------------------------

    def ask_resign(self) -> None:
        member = self.member
        if member is None or self.kiosk_screen is None:
            return

        def answered(yes: bool | None) -> None:
            if yes and self.member == member:
                self._self_service(selfservice.resign, member, done="Re-signed")

        self.push_screen(ConfirmDialog(
            "Re-sign every book you are waiting on? Your place stays the same; the next re-sign date moves.",
            title="Re-sign", confirm_label="Enter to re-sign", dialog_id="kiosk-resign-dialog"), answered)

    def ask_new_pin(self) -> None:
        member = self.member
        if member is None or self.kiosk_screen is None:
            return

        def answered(values: dict | None) -> None:
            if not values or self.member != member:
                return
            if values["new"] != values["again"]:
                self.kiosk_screen.say("The two new PINs differ: nothing was changed. Press F3 to try again.",
                                      error=True)
                return
            self._self_service(selfservice.change_pin, member, done="PIN changed",
                               current=values["current"], new=values["new"])

        self.push_screen(FormDialog("Change your PIN", [
            Field("current", "Your PIN now", kind="password"),
            Field("new", "New PIN (4 to 8 digits)", kind="password"),
            Field("again", "The new PIN again", kind="password"),
        ], dialog_id="kiosk-pin-dialog"), answered)

    # --- (v2) the morning dispatch: bid, withdraw, sign the day book ------------------------

    def ask_bid(self) -> None:
        member = self.member
        if member is None or self.kiosk_screen is None:
            return
        posted = [c.id for c in self.morning.board.calls] if self.morning else []
        sentence = ("Posted calls: " + ", ".join(f"#{n}" for n in posted) + ". Choice 1 is the call you want most; "
                    "leave it empty for your next choice.") if posted else "No calls are posted for bids right now."

        def answered(values: dict | None) -> None:
            if values and self.member == member:
                self._self_service(selfservice.member_bid, member, done="Bid",
                                   call_id=values["call"], choice=values["choice"] or None)

        self.push_screen(FormDialog("Bid on a posted call", [
            Field("call", "Call number", placeholder="40", value=str(posted[0]) if len(posted) == 1 else ""),
            Field("choice", "Your choice number (empty: the next)", required=False, kind="number"),
        ], sentence=sentence, dialog_id="kiosk-bid-dialog"), answered)

    def ask_withdraw(self) -> None:
        member = self.member
        screen = self.kiosk_screen
        if member is None or screen is None:
            return
        bids = self.morning.bids if self.morning else ()
        if not bids:
            screen.say("You have no bids to withdraw.", error=True)
            return

        def answered(call: str | None) -> None:
            if call and self.member == member:
                self._self_service(selfservice.member_withdraw, member, done="Withdrawn", call_id=int(call))

        self.push_screen(ChoiceDialog("Withdraw which bid?", [
            (str(b.call_id), f"choice {b.choice}: #{b.call_id} {clean(b.employer)}") for b in bids
        ], sentence="Until bids close you can bid again.", dialog_id="kiosk-withdraw-dialog"), answered)

    def ask_sign_in(self) -> None:
        member = self.member
        if member is None or self.kiosk_screen is None:
            return
        day = self.morning.signin_day if self.morning else None
        when = f" for {short_day(day)}" if day else ""

        def answered(yes: bool | None) -> None:
            if yes and self.member == member:
                self._self_service(selfservice.member_sign_in, member, done="Signed in")

        self.push_screen(ConfirmDialog(f"Sign the day book{when}? You are referred only on days you signed in for.",
                                       title="Sign in", confirm_label="Enter to sign in",
                                       dialog_id="kiosk-signin-dialog"), answered)

    @work(thread=True, group="kiosk-write", exit_on_error=False)
    def _self_service(self, operation, member: Actor, *, done: str, **options) -> None:
        """One self-service operation (its own short write), then the standing read again."""
        try:
            receipt = operation(self.store, actor=member, **options)
            message = f"{receipt.message} Receipt #{receipt.seq}."
            result = self._read_view(member)
            self.call_from_thread(self._written, member, message, result)
        except HallError as error:
            self.call_from_thread(self._refused, member, str(error))
        except Exception as error:  # a bug: say so plainly, keep the kiosk running
            self.log.error(repr(error))
            self.call_from_thread(self._refused, member, "Something went wrong. Please ask at the window.")

    def _written(self, member: Actor, message: str, result: tuple[str, Any, Any]) -> None:
        screen = self.kiosk_screen
        if screen is None or self.member != member:
            return
        _, (view, self.morning, _), rules = result
        morning = self.morning
        self.rules = rules
        screen.show_member(view, rules, morning)
        screen.refresh_bindings()
        screen.say(message)

    def _refused(self, member: Actor, message: str) -> None:
        screen = self.kiosk_screen
        if screen is not None and self.member == member:
            screen.say(message, error=True)

    def _show_notices(self, notices: list[str]) -> None:
        self.notices = notices
        screen = self.kiosk_screen
        if screen is not None:
            widget = screen.query_one("#kiosk-notices", Static)
            widget.update(notice_text(notices))
            widget.display = bool(notices)

    def _looked_up(self, card: str, result: tuple[str, Any, Any]) -> None:
        screen = self.kiosk_screen
        if screen is None:
            return
        kind, value, rules = result
        if rules is not None:
            self.rules = rules
        if kind == "ok":
            view, self.morning, self.member = value
            self.showing = card
            screen.show_member(view, rules, self.morning)
            screen.refresh_bindings()
            return
        secret = screen.query_one("#kiosk-secret", Input)
        secret.value = ""
        screen.say(value, error=True)
        secret.focus()


def notice_text(notices: list[str]) -> Text:
    """'! rules change on Mon 07 Dec 2026: resign.days: 30 → 45', one line per change."""
    return Text("\n".join(f"! {clean(line)}" for line in notices))


def run_kiosk(store: Store) -> None:
    """Open the kiosk on a hall database (refuses a missing or older one with a sentence).

    ``HALL_KIOSK_ALLOW_QUIT=1`` lets ctrl+q quit (for staff trying it out);
    otherwise the kiosk has no quit key: stop it from the hall's own terminal.
    """
    KioskApp(store, allow_quit=os.environ.get("HALL_KIOSK_ALLOW_QUIT") == "1").run()
