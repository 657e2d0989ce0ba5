"""What every test folder shares: time, halls to work on, proof that nothing was written, and
waiting for an app's workers.

- Time is written as the hall's local time (America/Chicago): ``local("2026-11-20 08:00")`` is an
  aware UTC moment, ``zulu(...)`` the same as the CLI's JSON shows it. ``SettableClock`` is the
  clock tests give a ``Store`` or the app; the ``clock`` fixture starts at 2026-11-20 08:00.
- Halls: ``new_hall(path, rules_text, at=...)`` creates a hall database file (a real file, not
  ``:memory:``, so WAL and several connections are real); the ``fresh_hall`` fixture makes them in
  the test's folder, ``fresh_db`` is the first of them and ``store`` its ``Store`` on ``clock``.
- The demo hall is built once per test session (per xdist worker) as of ``DEMO_DAY``; ``demo_hall``
  is a private copy of it for one test (staff ``admin``/``admin999``, ``maria``/``dispatch`` and
  ``dwayne``/``dispatch``).
- ``dump(path)`` is everything in a database file; ``with unchanged(path): ...`` fails the test if
  the block changed any of it.
- ``wait_for_workers(app, pilot)`` (also a fixture) returns once no worker of the app is at work
  (never sleeps: it waits for them, then lets the app handle what they posted);
  ``type_text(pilot, text)`` types into the focused widget in one burst.
- Passwords are hashed with Argon2id's cheapest parameters for the whole session (the same code
  paths, a millisecond instead of a fifth of a second per log-in).
"""

from __future__ import annotations

import itertools
import shutil
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Iterator
from zoneinfo import ZoneInfo

import pytest

from hall.operations.rules import init_database
from hall.store import Store

ZONE = ZoneInfo("America/Chicago")
RULES_TEXT = '[hall]\nname = "Test Local 1"\ntimezone = "America/Chicago"\n'
INIT_AT = "2026-10-01 09:00"
ACTOR = "tester"

DEMO_DAY = date(2026, 11, 26)
DEMO_NOW = datetime(2026, 11, 26, 13, 30, tzinfo=UTC)  # 07:30 in Chicago, when the demo's history ends


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests first: run in parallel (pytest -n), none of them is then left to end the run alone."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


# --- time ----------------------------------------------------------------------------------------


def local(text: str) -> datetime:
    """``"YYYY-MM-DD HH:MM[:SS]"`` in the hall's zone as an aware UTC moment."""
    naive = datetime.fromisoformat(text)
    return naive.replace(tzinfo=ZONE).astimezone(UTC)


def zulu(text: str) -> str:
    """A local time as the CLI's JSON shows it (UTC with ``Z``)."""
    return local(text).strftime("%Y-%m-%dT%H:%M:%SZ")


class SettableClock:
    """A clock for ``Store`` and the app that a test moves: ``clock.set("2026-11-20 08:00")`` (hall
    time) or ``clock.advance(minutes=11)``."""

    def __init__(self, moment: datetime | str):
        self.moment = local(moment) if isinstance(moment, str) else moment

    def __call__(self) -> datetime:
        return self.moment

    def set(self, text: str) -> None:
        self.moment = local(text)

    def advance(self, **delta: float) -> datetime:
        self.moment = self.moment + timedelta(**delta)
        return self.moment


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock("2026-11-20 08:00")


# --- halls ---------------------------------------------------------------------------------------


def new_hall(path: Path, rules_text: str = RULES_TEXT, *, at: str | datetime = INIT_AT,
             actor: str = ACTOR) -> Path:
    """A new hall database file at ``path`` with ``rules_text``, initialized at ``at`` (hall time)."""
    init_database(path, actor=actor, now=local(at) if isinstance(at, str) else at, rules_text=rules_text)
    return Path(path)


@pytest.fixture
def fresh_hall(tmp_path: Path):
    """Makes new hall database files in the test's folder: ``fresh_hall()`` with the test rules,
    ``fresh_hall(RULES_TEXT + "[turndowns]\\nlimit = 2\\n", at="2026-11-02 08:00")``. The first is
    ``hall.db``, the next ``hall2.db``..."""
    numbers = itertools.count(1)

    def make(rules_text: str = RULES_TEXT, *, at: str | datetime = INIT_AT) -> Path:
        n = next(numbers)
        return new_hall(tmp_path / ("hall.db" if n == 1 else f"hall{n}.db"), rules_text, at=at)

    return make


@pytest.fixture
def fresh_db(fresh_hall) -> Path:
    """A new hall database file with the test rules (Chicago)."""
    return fresh_hall()


@pytest.fixture
def store(fresh_db: Path, clock: SettableClock) -> Store:
    return Store(fresh_db, clock)


# --- the demo hall -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoBuild:
    """The session's demo hall (never opened by tests: each takes a copy) and what `hall demo` said."""

    path: Path
    summary: str


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory, cheap_password_hashes) -> DemoBuild:
    from hall.demo import build_demo

    path = tmp_path_factory.mktemp("demo") / "hall.db"
    summary = build_demo(path, DEMO_DAY)
    return DemoBuild(path, summary)


@pytest.fixture
def demo_hall(demo_build: DemoBuild, tmp_path: Path) -> Path:
    """A private copy of the demo hall for one test."""
    path = tmp_path / "hall.db"
    shutil.copyfile(demo_build.path, path)
    return path


# --- nothing written -----------------------------------------------------------------------------


def dump(path: Path) -> dict[str, list[tuple]]:
    """Everything in a database file: its schema (``sqlite_master``: tables, indexes, triggers) and
    every row of every table in rowid order."""
    conn = sqlite3.connect(path)
    try:
        schema = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").fetchall()
        content = {"sqlite_master": schema}
        for _, name, _, _ in (row for row in schema if row[0] == "table"):
            content[name] = conn.execute(f'SELECT * FROM "{name}" ORDER BY rowid').fetchall()
        return content
    finally:
        conn.close()


@contextmanager
def unchanged(path: Path) -> Iterator[None]:
    """Fails if the block changes anything in the database file at ``path`` (schema or rows)."""
    before = dump(path)
    yield
    after = dump(path)
    changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    assert not changed, f"{Path(path).name} changed: {', '.join(changed)}"


# --- Textual apps --------------------------------------------------------------------------------


def workers_at_work(app) -> list:
    """The app's workers doing work now: not finished and, where the app tells (``busy_workers``),
    not a flow waiting for a person to answer its dialog."""
    busy = getattr(app, "busy_workers", None)
    return busy() if busy is not None else [w for w in app.workers if not w.is_finished]


async def wait_for_workers(app, pilot, rounds: int = 100) -> None:
    """Until the app's workers are done. Each round waits for those at work, then lets the app handle
    what they posted, which may start more (a result that opens a screen whose mount loads it, a
    dialog's answer that starts a write): none at work must hold for two rounds in a row."""
    from textual.worker import WorkerCancelled

    quiet = 0
    for _ in range(rounds):
        working = workers_at_work(app)
        if working:  # (an empty list would mean every worker to Textual)
            try:
                await app.workers.wait_for_complete(working)
            except WorkerCancelled:
                pass
        await pilot.pause()
        quiet = 0 if workers_at_work(app) else quiet + 1
        if quiet == 2:
            return
    raise AssertionError(f"workers still at work after {rounds} rounds: {workers_at_work(app)}")


async def type_text(pilot, text: str) -> None:
    """Type ``text`` into the focused widget in one burst, as a quick typist or a card reader does (no
    pause between the keys), then let the app handle them. Keys that move the focus go through
    ``pilot.press``, which waits after each key."""
    from textual import events
    from textual.keys import _character_to_key

    app = pilot.app
    for char in text:
        key = events.Key(char if char.isalnum() else _character_to_key(char), char)
        key.set_sender(app)
        app.post_message(key)
    await pilot.pause()  # the app passes the keys on to the focused widget...
    await pilot.pause()  # ...which handles them


@pytest.fixture(name="wait_for_workers")
def wait_for_workers_fixture():
    """``await wait_for_workers(app, pilot)``: until the app has no workers (never sleeps)."""
    return wait_for_workers


# --- passwords -----------------------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes() -> Iterator[None]:
    """Argon2id with the library's cheapest parameters: the same hashing, verifying and rehashing,
    a millisecond each. (A test in a subprocess checks the hall's own default.)"""
    from argon2 import profiles

    from hall.operations import accounts

    accounts.use_profile(profiles.CHEAPEST)
    yield
    accounts.use_profile(accounts.RECOMMENDED)
