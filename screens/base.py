"""What every staff screen shares: the header and footer, reading and writing through workers,
dialog flows, reloading on change.

Two ways to reach the records:
- ``load(fn, ..., done=, failed=)``: a read in a thread worker for what the screen shows; only
  the newest read of a group delivers (``done`` on the UI thread, or ``failed`` with the sentence).
- a *flow* (``@flow`` on an action): a key that reads, asks in dialogs and writes, written top
  to bottom in one ``@work`` coroutine (``fetch``, ``ask`` = ``push_screen_wait``, ``commit``).
  From the key press until its first dialog is up, the keys typed meanwhile are held by the app
  and then given to that dialog; if the flow is refused before any dialog, they are set aside.
"""

from __future__ import annotations

import asyncio
import functools
from typing import TYPE_CHECKING, Any, Awaitable, Callable, TypeVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import get_current_worker

from hall.errors import HallError
from screens.text import short_dates
from screens.widgets.dialogs import HallDialog, ViaDialog
from screens.widgets.footer import HallFooter
from screens.widgets.header import HallHeader

if TYPE_CHECKING:
    from hall.session import Session
    from screens.app import HallApp

T = TypeVar("T")


class Refused(HallError):
    """A flow stops here and says why (nothing was written)."""


class Cancelled(HallError):
    """The dispatcher closed a flow's dialog: nothing was written, nothing to warn about."""


def flow(method: Callable[..., Awaitable[None]]) -> Callable[..., None]:
    """Make an async screen method a dialog flow: keys are held from the call (the key press)
    until its first dialog is up, and it runs as a worker (see ``HallScreen.run_flow``)."""

    @functools.wraps(method)
    def start(self: "HallScreen", *args, **kw) -> None:
        self.run_flow(method(self, *args, **kw))

    return start


class HallScreen(Screen):
    """A staff screen. Subclasses load what they show in ``reload`` through ``load``, and act
    through flows (``@flow``) or ``write``."""

    SCREEN_TITLE = ""

    BINDINGS = [
        Binding("escape", "back", "Back", id="back", tooltip="Go back to the previous screen"),
    ]

    @property
    def hall_app(self) -> "HallApp":
        return self.app  # type: ignore[return-value]

    @property
    def session(self) -> "Session":
        return self.hall_app.session  # type: ignore[return-value]

    def compose_header(self) -> ComposeResult:
        header = HallHeader()
        header.title = self.SCREEN_TITLE
        yield header

    def compose_footer(self) -> ComposeResult:
        yield HallFooter()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Read what the screen shows (in a worker). Called on show and when the database changes."""

    def data_changed(self) -> None:
        """Another terminal (or a worker of ours) committed: refresh what is shown."""
        self.reload()

    def say(self, message: str) -> None:
        """Show a sentence on the screen's message line (screens that have one say where)."""

    def refused(self, message: str) -> None:
        """Something was refused and nothing was written: a notification and the message line."""
        self.notify(self.sentence(message), severity="warning", timeout=8)
        self.say(message)

    def sentence(self, message: str) -> str:
        """A sentence from the records for the screen: cleaned, dates in the hall's short words."""
        return short_dates(message, self.hall_app.today() if self.hall_app.rules else None)

    # --- reading and writing with callbacks ------------------------------------------

    def load(self, fn: Callable[..., Any], *args, done: Callable[[Any], Any],
             failed: Callable[[str], Any] | None = None, group: str | None = None, **kw) -> None:
        """Run a read in a thread; ``done(result)`` runs on the UI thread unless a newer read of the
        group replaced it; a refusal calls ``failed(sentence)`` (or shows a notification)."""
        self.hall_app.run_read(fn, *args, done=done, failed=failed, group=group or f"read-{id(self)}", **kw)

    def write(self, fn: Callable[..., Any], *args, done: Callable[[Any], Any] | None = None,
              failed: Callable[[str], Any] | None = None, **kw) -> None:
        """Run an operation in a write worker; errors show as one notification and nothing is written."""
        self.hall_app.run_write(fn, *args, done=done, failed=failed, **kw)

    # --- flows: read, ask, write, written top to bottom ------------------------------------

    def run_flow(self, steps: Awaitable[None]) -> None:
        """Hold the keys typed from now on, and run ``steps`` (see ``flow``)."""
        self.hall_app.hold_keys()
        self._flow(steps)

    @work(group="flow", exit_on_error=False)
    async def _flow(self, steps: Awaitable[None]) -> None:
        replay = False
        try:
            # keys typed before this one (still in a widget's queue: a priority key such as
            # ctrl+s overtakes them) land first, so the flow reads the form as it was typed
            await self.hall_app.settled()
            await steps
            replay = True  # keys typed after the last dialog are for this screen
        except Cancelled as cancelled:
            replay = True
            self.say(str(cancelled))
        except HallError as error:  # refused (or the records said no): nothing was written
            set_aside = self.hall_app.release_keys(replay=False)
            message = str(error)
            if set_aside:
                message += (f" ({set_aside} key{'s' if set_aside != 1 else ''} typed meanwhile "
                            f"{'were' if set_aside != 1 else 'was'} set aside.)")
            self.refused(message)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a bug: say so, keep the app running
            self.hall_app.report_bug("Could not finish that", error)
        finally:
            self.hall_app.release_keys(replay=replay)

    async def fetch(self, fn: Callable[..., T], *args, **kw) -> T:
        """A read in a thread, from a flow: its result, or ``HallError`` with the sentence."""
        return await asyncio.to_thread(fn, *args, **kw)

    async def ask(self, dialog: HallDialog[T]) -> T:
        """Show a dialog from a flow and wait for its answer (keys typed after it closes are held
        for the flow's next dialog)."""
        dialog.hold_keys_after = True
        worker = get_current_worker()
        self.hall_app.asking.add(worker)  # waiting for a person, not for work (see ``HallApp.busy_workers``)
        try:
            return await self.app.push_screen_wait(dialog)
        finally:
            self.hall_app.asking.discard(worker)

    async def ask_how(self, question: str) -> str:
        """How it came in (in person, phone, email, fax, mail), from a flow; esc: ``Cancelled``."""
        via = await self.ask(ViaDialog(question))
        if via is None:
            raise Cancelled("Nothing recorded.")
        return via

    async def commit(self, fn: Callable[..., T], *args, **kw) -> T:
        """An operation in the app's write worker, from a flow: its receipt, or ``HallError``."""
        future: asyncio.Future = asyncio.get_running_loop().create_future()

        def done(result) -> None:
            if not future.done():
                future.set_result(result)

        def failed(message: str) -> None:
            if not future.done():
                future.set_exception(HallError(message))

        self.hall_app.run_write(fn, *args, done=done, failed=failed, quiet=True, **kw)
        return await future

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
        else:
            self.hall_app.action_board()

