"""Shared fixtures and helpers for the screen tests.

- ``demo_hall``: a fresh copy of the demo hall (built once per session as of
  2026-11-26) in the test's tmp_path; users ``admin``/``admin999`` (admin),
  ``maria``/``dispatch`` and ``dwayne``/``dispatch`` (dispatchers).
- ``empty_hall``: a hall with rules but no staff accounts (first run).
- ``clock``: a settable clock at ``FIXED_NOW``; ``clock.advance(seconds=61)``.
- ``make_app(path, clock=...)``: the app on a hall, polling off unless asked.
- ``wait_for_workers(app, pilot)``: until no worker is running (never sleeps).
- ``login(pilot, app, name, password)``: through the log-in screen's inputs.
- ``settle(pilot)``: call last in a snapshot's ``run_before`` (steady cursors, sized tables).
- ``audit_actions(path, ...)``: the audit entries, oldest first.
"""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from hall import audit
from hall.clock import fixed
from hall.operations.rules import init_database
from hall.store import Store
from screens.app import HallApp

DEMO_DAY = date(2026, 11, 26)
FIXED_NOW = datetime(2026, 11, 26, 13, 30, tzinfo=UTC)  # 07:30 in Chicago, when the demo ends

ADMIN = ("admin", "admin999")
MARIA = ("maria", "dispatch")
DWAYNE = ("dwayne", "dispatch")

EMPTY_RULES = '[hall]\nname = "Test Local 1"\ntimezone = "America/Chicago"\n'


class SettableClock:
    """A clock for the app's Store that tests can move: ``clock.advance(seconds=61)``."""

    def __init__(self, moment: datetime = FIXED_NOW):
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta) -> datetime:
        self.moment = self.moment + timedelta(**delta)
        return self.moment


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory) -> Path:
    from hall.demo import build_demo

    path = tmp_path_factory.mktemp("demo-template") / "hall.db"
    build_demo(path, DEMO_DAY)
    return path


@pytest.fixture
def demo_hall(_demo_template: Path, tmp_path: Path) -> Path:
    """A private copy of the demo hall for one test."""
    path = tmp_path / "hall.db"
    shutil.copyfile(_demo_template, path)
    return path


@pytest.fixture
def empty_hall(tmp_path: Path) -> Path:
    """A new hall: rules, no members, no staff accounts."""
    path = tmp_path / "empty.db"
    init_database(path, actor="setup", now=FIXED_NOW - timedelta(days=1), rules_text=EMPTY_RULES)
    return path


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(FIXED_NOW)


def make_app(path: Path, clock=None, *, poll: bool = False) -> HallApp:
    """The staff app on the hall at ``path`` with a fixed (or given) clock."""
    return HallApp(Store(path), clock=clock or fixed(FIXED_NOW), poll=poll)


def _pending(app) -> list:
    """Workers at work (a dialog flow waiting for its dialog's answer is not)."""
    busy = getattr(app, "busy_workers", None)
    return busy() if busy is not None else [w for w in app.workers if not w.is_finished]


def _busy(app) -> bool:
    return bool(_pending(app))


async def wait_for_workers(app, pilot: Pilot, rounds: int = 200) -> None:
    """Until no worker is running. A finished worker's callback may push a screen whose mount
    starts the next read, so "no workers" must hold over two rounds of messages in a row."""
    quiet = 0
    for _ in range(rounds):
        pending = _pending(app)
        try:
            if pending:  # (an empty list would mean every worker to Textual)
                await app.workers.wait_for_complete(pending)
        except WorkerCancelled:
            pass
        await pilot.pause()
        quiet = 0 if _busy(app) else quiet + 1
        if quiet >= 2:
            return
    raise AssertionError(f"workers still running: {list(app.workers)}")


async def settle(pilot: Pilot, rounds: int = 50) -> None:
    """Before a snapshot: workers done, cursors steady (no blink phase in the picture), and every
    DataTable's column widths updated (DataTable sizes its columns on its next idle)."""
    from textual.widgets import DataTable, Input

    app = pilot.app
    quiet = 0
    for _ in range(rounds):
        await wait_for_workers(app, pilot)
        for widget in app.screen.query(Input):
            widget.cursor_blink = False
        await pilot.pause()
        pending = _busy(app) or any(t._require_update_dimensions for t in app.screen.query(DataTable))
        quiet = 0 if pending else quiet + 1
        if quiet >= 2:
            return
    raise AssertionError("the screen did not settle")


async def type_text(pilot: Pilot, text: str) -> None:
    await pilot.press(*text)


async def login(pilot: Pilot, app, name: str, password: str) -> None:
    """Log in through the log-in screen: name, Enter, password, Enter; then wait for the board."""
    from screens.login import LoginScreen

    await wait_for_workers(app, pilot)  # the hall is read in a worker before the log-in screen
    assert isinstance(app.screen, LoginScreen), f"expected the log-in screen, got {app.screen!r}"
    name_input = app.screen.query_one("#login-name")
    name_input.value = ""
    name_input.focus()
    await type_text(pilot, name)
    await pilot.press("enter")
    await type_text(pilot, password)
    await pilot.press("enter")
    await wait_for_workers(app, pilot)
    if app.session is not None:  # logged in: wait for the board to be up and loaded
        for _ in range(100):
            if not isinstance(app.screen, LoginScreen) and app.screen.is_mounted:
                break
            await pilot.pause()
        await wait_for_workers(app, pilot)


def audit_actions(path: Path, *, action: str | None = None, actor: str | None = None,
                  after_seq: int = 0) -> list[dict]:
    """Audit entries (oldest first), optionally filtered."""
    with Store(path).read() as db:
        rows = audit.entries(db, action=action, actor=actor, newest_first=False)
    return [r for r in rows if r["seq"] > after_seq]


def audit_head(path: Path) -> int:
    with Store(path).read() as db:
        return audit.head(db)[0]
