"""The dispatcher's app: a thin shell holding the session, global keys and navigation, the
workers, the keys held while a dialog is on its way, and the change poller."""

from __future__ import annotations

import asyncio
import inspect
import time
import traceback
from collections import deque
from typing import Any, Callable

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.worker import get_current_worker

from dispatch import calendar
from hall.clock import Clock
from hall.db import ChangeWatcher
from hall.errors import HallError
from hall.session import Session
from hall.store import Store
from screens.commands import HallCommands

POLL_SECONDS = 1.0
IDLE_CHECK_SECONDS = 5.0


def read_hall(store: Store) -> tuple[Any, bool]:
    """The rules in force and whether the hall has staff accounts (read in a worker at start)."""
    from hall.operations.accounts import has_users

    _, rules = store.rules()
    return rules, has_users(store)


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
        Binding("b", "job_board", "Job board", id="job_board",
                tooltip="The morning dispatch: posted calls, bids, the countdown, the selection's results"),
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
        self._held_keys: list[events.Key] | None = None
        self._replay: deque[events.Key] = deque()  # held keys being handed over, one at a time
        self._replaying: events.Key | None = None
        self.asking: set = set()  # flow workers waiting for a dialog's answer
        self.hall_name = ""
        self.zone = None
        self.rules = None

    def today(self):
        """The hall's local date now (from the rules already loaded: no database work)."""
        return calendar.local_date(self.store.now(), self.rules)

    def _hall_read(self, rules) -> None:
        self.rules = rules
        self.hall_name = rules.hall.name
        self.zone = rules.zone
        self.title = self.hall_name

    # --- start, log-in, lock -------------------------------------------------------

    def on_mount(self) -> None:
        self.hold_keys()  # a name typed while the hall is read goes to the log-in screen
        self.run_read(read_hall, self.store, done=self._started, failed=self._cannot_start, group="start")
        self.set_interval(IDLE_CHECK_SECONDS, self._check_idle)

    async def _started(self, found: tuple[Any, bool]) -> None:
        from screens.login import FirstAdminScreen, LoginScreen

        rules, has_users = found
        self._hall_read(rules)
        await self.push_screen(LoginScreen() if has_users else FirstAdminScreen())
        self.release_keys()
        if self.poll_enabled:
            self._watcher = ChangeWatcher(self.store.path)
            self.set_interval(POLL_SECONDS, self._poll)

    def _cannot_start(self, message: str) -> None:
        self.release_keys(replay=False)
        self.exit(return_code=1, message=message)

    def logged_in(self, session: Session) -> None:
        """Called by the log-in screen: open the board (yesterday's notifications go)."""
        from screens.board import BoardScreen

        self.session = session
        self.last_activity = time.monotonic()
        self.clear_notifications()
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(BoardScreen())

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown)):
            self.last_activity = time.monotonic()
        if isinstance(event, events.Key) and event is not self._replaying:
            if self._held_keys is not None:
                self._held_keys.append(event)  # for the dialog on its way (``release_keys``)
                return
            if self._replay and not event.is_forwarded:
                self._replay.append(event)  # typed while held keys are handed over: after them
                return
        await super().on_event(event)

    def _check_idle(self) -> None:
        if self.session is None or self.rules is None:
            return
        idle_minutes = self.rules.security.idle_lock_minutes
        if time.monotonic() - self.last_activity >= idle_minutes * 60:
            self.action_lock()

    def action_lock(self) -> None:
        """Cover the screen until the same user's password (or another user's log-in)."""
        from screens.login import LockScreen

        if self.session is None or isinstance(self.screen, LockScreen):
            return
        self.clear_notifications()
        self.push_screen(LockScreen())

    def unlocked(self) -> None:
        self.last_activity = time.monotonic()
        self.clear_notifications()
        self.pop_screen()

    async def action_quit(self) -> None:
        if self.session is not None:
            try:
                self.session.logout()
            except HallError as error:  # the log-out could not be recorded: quit anyway, say why
                self.log.error(f"log-out not recorded: {error}")
        self.exit()

    # --- keys typed while a dialog is on its way -------------------------------------------

    def hold_keys(self) -> None:
        """Keep the keys typed from now on (not handled) until ``release_keys``."""
        if self._held_keys is None:
            self._held_keys = []

    def release_keys(self, *, replay: bool = True) -> int:
        """Stop holding keys: hand the held ones, one at a time, to whatever has the focus then
        (``replay``), or set them aside. Returns how many there were."""
        held, self._held_keys = self._held_keys, None
        if held and replay:
            start = not self._replay
            self._replay.extend(held)
            if start:
                self.run_worker(self._hand_over(), group="replay-keys", exit_on_error=False)
        return len(held or ())

    async def _hand_over(self) -> None:
        """Give the held keys as if typed now, each once the one before has had its effect (an
        Enter that closes a dialog has closed it before the next key comes)."""
        try:
            while self._replay:
                if self._held_keys is not None:  # a flow holds keys again: the rest wait for its dialog
                    self._held_keys.extend(self._replay)
                    self._replay.clear()
                    return
                held = self._replay.popleft()
                key = events.Key(held.key, held.character)
                key.set_sender(self)  # as from the terminal: it bubbles back up to the app's bindings
                self._replaying = key
                self.post_message(key)
                await self.settled()
        finally:
            self._replaying = None

    async def settled(self, rounds: int = 3, limit: int = 1000) -> None:
        """Until the app and the screen's widgets have no messages waiting, a few turns in a row.

        (Textual hands a key to the focused widget's queue before that widget has handled the key
        before it; waiting here keeps held keys in the order and place a person typed them.)"""
        quiet = 0
        for _ in range(limit):
            await asyncio.sleep(0)
            nodes = [self, *self.screen_stack, *self.screen.walk_children()]
            pending = any(not node._message_queue.empty() for node in nodes)  # (Textual's queue, read only)
            quiet = 0 if pending else quiet + 1
            if quiet >= rounds:
                return

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

    def action_new_call(self, employer: str = "") -> None:
        from screens.intake import IntakeScreen

        self._open(IntakeScreen(employer))

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

    def action_job_board(self) -> None:
        from screens.jobboard import JobBoardScreen

        self._open(JobBoardScreen())

    def action_reports(self) -> None:
        from screens.reports import ReportsScreen

        self._open(ReportsScreen())

    def action_admin(self, tab: str = "rules") -> None:
        """The admin screen on a tab, or the one sentence saying why not (nothing is written)."""
        from screens.admin import AdminScreen

        if self.session is None:
            return
        try:
            self.session.require("administer")
        except HallError as error:
            self.notify(str(error), severity="error", timeout=8)
            return
        self._open(AdminScreen(tab))

    # --- workers ------------------------------------------------------------------------

    def busy_workers(self) -> list:
        """Workers doing work now: not finished, not a flow waiting for a person to answer a dialog."""
        return [w for w in self.workers if not w.is_finished and w not in self.asking]

    def report_bug(self, what: str, error: BaseException) -> None:
        """A bug, not a refusal: log the traceback, say it in one line, keep the app running."""
        self.log.error("".join(traceback.format_exception(error)))
        self.notify(f"{what}: {error}", severity="error", timeout=10)

    def run_read(self, fn: Callable[..., Any], *args, done: Callable[[Any], Any],
                 failed: Callable[[str], Any] | None = None, group: str, **kw) -> None:
        """A read in a thread; only the newest read of a group delivers its result (``done``) or
        its refusal (``failed``, else a notification)."""

        def job() -> None:
            worker = get_current_worker()
            try:
                result = fn(*args, **kw)
            except HallError as error:
                if not worker.is_cancelled:
                    self.call_from_thread(self._read_refused, str(error), failed)
                return
            except Exception as error:  # a bug: say so plainly, keep the app running
                self.call_from_thread(self.report_bug, "Could not read the records", error)
                return
            if not worker.is_cancelled:
                self.call_from_thread(self._deliver, done, result)

        self.run_worker(job, thread=True, group=group, exclusive=True, exit_on_error=False)

    def _read_refused(self, message: str, failed: Callable[[str], Any] | None) -> None:
        if failed is None:
            self.notify(message, severity="error")
        else:
            failed(message)

    async def _deliver(self, done: Callable[[Any], Any], result: Any) -> None:
        """Show a read's result; a failure to show it is said, not swallowed by the worker."""
        try:
            shown = done(result)
            if inspect.isawaitable(shown):
                await shown
        except Exception as error:  # a bug in a screen: say so, keep the app running
            self.report_bug("Could not show the records", error)

    def run_write(self, fn: Callable[..., Any], *args, done: Callable[[Any], Any] | None = None,
                  failed: Callable[[str], Any] | None = None, quiet: bool = False, **kw) -> None:
        """An operation in a thread (never exclusive: a cancelled thread still commits). A refusal
        is a notification (unless ``quiet``: the caller shows it) and ``failed(sentence)``."""

        def job() -> None:
            try:
                result = fn(*args, **kw)
            except HallError as error:
                self.call_from_thread(self._write_failed, str(error), failed, quiet)
                return
            except Exception as error:  # a bug: the transaction rolled back; say so
                self.call_from_thread(self.report_bug, "Nothing was saved", error)
                self.call_from_thread(self._write_failed, f"Nothing was saved: {error}", failed, True)
                return
            self.call_from_thread(self._write_done, result, done)

        self.run_worker(job, thread=True, group="write", exit_on_error=False)

    def _write_failed(self, message: str, failed: Callable[[str], Any] | None, quiet: bool) -> None:
        if not quiet:
            self.notify(message, severity="error", timeout=8)
        if failed:
            failed(message)

    def _write_done(self, result: Any, done: Callable[[Any], Any] | None) -> None:
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
        """Something was committed: read the rules again (they may have changed), then the screen."""
        if self.session is None:
            return
        self.run_read(lambda: self.store.rules()[1], done=self._rules_read, group="hall-rules")

    def _rules_read(self, rules) -> None:
        self._hall_read(rules)
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
