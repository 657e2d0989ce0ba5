"""Fixtures and helpers for the screen tests (the demo hall, ``wait_for_workers``, ``type_text`` and
the cheap password hashes come from tests/conftest.py).

- ``empty_hall``: a hall with rules but no staff accounts (first run).
- ``clock``: a settable clock at ``FIXED_NOW``, when the demo's history ends; ``clock.advance(seconds=61)``.
- ``make_app(path, clock=...)``: the app on a hall, polling off unless asked.
- ``login(pilot, app, name, password)``: through the log-in screen, then wait for the board.
- ``settle(pilot)``: call last in a snapshot's ``run_before`` (steady cursors, sized tables).
- ``audit_actions(path, ...)``: the audit entries, oldest first.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot

from hall import audit
from hall.clock import fixed
from hall.store import Store
from screens.app import HallApp
from tests.conftest import DEMO_NOW, new_hall, SettableClock, type_text, wait_for_workers, workers_at_work  # noqa: F401

FIXED_NOW = DEMO_NOW

ADMIN = ("admin", "admin999")
MARIA = ("maria", "dispatch")
DWAYNE = ("dwayne", "dispatch")

EMPTY_RULES = '[hall]\nname = "Test Local 1"\ntimezone = "America/Chicago"\n'


@pytest.fixture
def empty_hall(tmp_path: Path) -> Path:
    """A hall with rules, no members and no staff accounts: as one made before `hall init` named
    its first admin (the account is taken out again behind hall's back)."""
    path = new_hall(tmp_path / "empty.db", EMPTY_RULES, at=FIXED_NOW - timedelta(days=1))
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DELETE FROM users")
    conn.close()
    return path


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(FIXED_NOW)


def make_app(path: Path, clock=None, *, poll: bool = False) -> HallApp:
    """The staff app on the hall at ``path`` with a fixed (or given) clock."""
    return HallApp(Store(path), clock=clock or fixed(FIXED_NOW), poll=poll)


def _busy(app) -> bool:
    return bool(workers_at_work(app))


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
