"""The dispatcher's app: a thin shell holding the session, global keys, workers and the change poller."""

from __future__ import annotations

import inspect
import time
from typing import Any, Callable

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.worker import get_current_worker

from hall.clock import Clock
from hall.db import ChangeWatcher
from hall.errors import HallError
from hall.session import Session
from hall.store import Store
from screens.commands import HallCommands

POLL_SECONDS = 1.0
IDLE_CHECK_SECONDS = 5.0


class HallApp(App):
    """The hiring hall's staff app."""

    CSS_PATH = "app.tcss"
    TITLE = "hall"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = App.COMMANDS | {HallCommands}

    BINDINGS = [
        Binding("n", "new_call", "New call", id="new_call", tooltip="Take a job call an employer is phoning in"),
        Binding("d", "dispatch", "Dispatch", id="dispatch", tooltip="Work down a call's ranked candidates"),
        Binding("c", "counter", "Counter", id="counter", tooltip="A member at the window: re-sign, sign, job end"),
        Binding("l", "lists", "Lists", id="lists", tooltip="The out-of-work lists, a tab per book"),
        Binding("m", "member", "Member", id="member", tooltip="Find a member by card or name"),
        Binding("e", "employers", "Employers", id="employers", tooltip="Employers and their bars"),
        Binding("a", "audit", "Audit", id="audit", tooltip="The audit log and its verification"),
        Binding("r", "reports", "Reports", id="reports", tooltip="Day book, lists, fairness, member packets: view and export"),
        Binding("ctrl+r", "admin", "Admin", id="admin", show=False,
                tooltip="Admin only: the rules in force and coming, load a rule set, staff accounts"),
        Binding("ctrl+l", "lock", "Lock", id="lock", tooltip="Lock the terminal now", priority=True),
        Binding("ctrl+q", "quit", "Quit", id="quit", tooltip="Log out and quit", show=False, priority=True),
    ]

    def __init__(self, store: Store, *, clock: Clock | None = None, poll: bool = True):
        super().__init__()
        if clock is not None:
            store = Store(store.path, clock=clock)
        self.store = store
        self.session: Session | None = None
        self.poll_enabled = poll
        self.last_activity = time.monotonic()
        self._watcher: ChangeWatcher | None = None
        self.hall_name = ""
        self.zone = None
        self._load_hall()

    def today(self):
        """The hall's local date now (from the rules already loaded: no database work)."""
        from dispatch import calendar

        return calendar.local_date(self.store.now(), self.rules)

    def _load_hall(self) -> None:
        _, rules = self.store.rules()
        self.hall_name = rules.hall.name
        self.zone = rules.zone
        self.rules = rules

    # --- start, log-in, lock -------------------------------------------------------

    def on_mount(self) -> None:
        from hall.operations.accounts import has_users
        from screens.login import FirstAdminScreen, LoginScreen

        self.title = self.hall_name
        self.push_screen(LoginScreen() if has_users(self.store) else FirstAdminScreen())
        if self.poll_enabled:
            self._watcher = ChangeWatcher(self.store.path)
            self.set_interval(POLL_SECONDS, self._poll)
        self.set_interval(IDLE_CHECK_SECONDS, self._check_idle)

    def logged_in(self, session: Session) -> None:
        """Called by the log-in screen: open the board."""
        from screens.board import BoardScreen

        self.session = session
        self.last_activity = time.monotonic()
        self._load_hall()
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(BoardScreen())

    async def on_event(self, event) -> None:
        from textual import events

        if isinstance(event, (events.Key, events.MouseDown)):
            self.last_activity = time.monotonic()
        await super().on_event(event)

    def _check_idle(self) -> None:
        if self.session is None:
            return
        idle_minutes = self.rules.security.idle_lock_minutes
        if time.monotonic() - self.last_activity >= idle_minutes * 60:
            self.action_lock()

    def action_lock(self) -> None:
        """Cover the screen until the same user's password (or another user's log-in)."""
        from screens.login import LockScreen

        if self.session is None or isinstance(self.screen, LockScreen):
            return
        self.push_screen(LockScreen())

    def unlocked(self) -> None:
        self.last_activity = time.monotonic()
        self.pop_screen()

    async def action_quit(self) -> None:
        if self.session is not None:
            try:
                self.session.logout()
            except HallError:
                pass
        self.exit()

    # --- navigation ------------------------------------------------------------------

    def _open(self, screen) -> None:
        if self.session is None:
            return
        from screens.login import LockScreen

        if isinstance(self.screen, LockScreen):
            return
        # One instance of each kind of screen on the stack: going to one pops back to it.
        for index, existing in enumerate(self.screen_stack):
            if type(existing) is type(screen) and index > 0:
                while self.screen is not existing:
                    self.pop_screen()
                if hasattr(existing, "open_with"):
                    existing.open_with(screen)
                return
        self.push_screen(screen)

    def action_board(self) -> None:
        from screens.board import BoardScreen

        self._open(BoardScreen())

    def action_new_call(self) -> None:
        from screens.intake import IntakeScreen

        self._open(IntakeScreen())

    def action_dispatch(self, call_id: int | None = None) -> None:
        from screens.dispatch import DispatchScreen

        self._open(DispatchScreen(call_id))

    def action_counter(self, card: str | None = None) -> None:
        from screens.counter import CounterScreen

        self._open(CounterScreen(card))

    def action_lists(self) -> None:
        from screens.lists import ListsScreen

        self._open(ListsScreen())

    def action_member(self, card: str | None = None) -> None:
        from screens.member import MemberScreen

        self._open(MemberScreen(card))

    def action_employers(self) -> None:
        from screens.employers import EmployersScreen

        self._open(EmployersScreen())

    def action_audit(self) -> None:
        from screens.audit import AuditScreen

        self._open(AuditScreen())

    def action_reports(self) -> None:
        from screens.reports import ReportsScreen

        self._open(ReportsScreen())

    def action_admin(self, tab: str = "rules") -> None:
        from screens.admin import open_admin

        open_admin(self, tab)

    # --- workers ------------------------------------------------------------------------

    def run_read(self, fn: Callable[..., Any], *args, done: Callable[[Any], None], group: str, **kw) -> None:
        """A read in a thread; only the newest read of a group delivers its result."""

        def job() -> None:
            worker = get_current_worker()
            try:
                result = fn(*args, **kw)
            except HallError as error:
                self.call_from_thread(self.notify, str(error), severity="error")
                return
            except Exception as error:  # a bug: say so plainly, keep the app running
                self.call_from_thread(self.notify, f"Could not read the records: {error}", severity="error")
                self.log.error(repr(error))
                return
            if not worker.is_cancelled:
                self.call_from_thread(self._deliver, done, result)

        self.run_worker(job, thread=True, group=group, exclusive=True, exit_on_error=False)

    async def _deliver(self, done: Callable[[Any], Any], result: Any) -> None:
        """Show a read's result; a failure to show it is said, not swallowed by the worker."""
        try:
            shown = done(result)
            if inspect.isawaitable(shown):
                await shown
        except Exception as error:  # a bug in a screen: say so, keep the app running
            import traceback

            self.log.error("".join(traceback.format_exception(error)))
            self.notify(f"Could not show the records: {error}", severity="error", timeout=10)

    def run_write(self, fn: Callable[..., Any], *args, done: Callable[[Any], None] | None = None,
                  failed: Callable[[str], None] | None = None, **kw) -> None:
        """An operation in a thread (never exclusive: a cancelled thread still commits)."""

        def job() -> None:
            try:
                result = fn(*args, **kw)
            except HallError as error:
                self.call_from_thread(self._write_failed, str(error), failed)
                return
            except Exception as error:  # a bug: the transaction rolled back; say so
                self.log.error(repr(error))
                self.call_from_thread(self._write_failed, f"Nothing was saved: {error}", failed)
                return
            self.call_from_thread(self._write_done, result, done)

        self.run_worker(job, thread=True, group="write", exit_on_error=False)

    def _write_failed(self, message: str, failed: Callable[[str], None] | None) -> None:
        self.notify(message, severity="error", timeout=8)
        if failed:
            failed(message)

    def _write_done(self, result: Any, done: Callable[[Any], None] | None) -> None:
        if self._watcher is not None:
            self._watcher.changed()  # our own commit: take it as seen
        self._notify_changed()
        if done:
            done(result)

    # --- noticing other terminals -----------------------------------------------------

    def _poll(self) -> None:
        if self._watcher is not None and self._watcher.changed():
            self._notify_changed()

    def _notify_changed(self) -> None:
        self._load_hall()
        screen = self.screen
        if hasattr(screen, "data_changed") and self.session is not None:
            screen.data_changed()

    def on_unmount(self) -> None:
        if self._watcher is not None:
            self._watcher.close()


def run_app(store: Store) -> None:
    """Open the app on a hall database: a missing one is refused with a sentence, an older
    one is copied aside and upgraded first."""
    store.prepare_for_writing()
    HallApp(store).run()
