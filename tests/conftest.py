"""What every test folder shares: time, halls to work on, proof that nothing was written, and
waiting for an app's workers.

- Time is written as the hall's local time (America/Chicago): ``local("2026-11-20 08:00")`` is an
  aware UTC moment, ``zulu(...)`` the same as the CLI's JSON shows it. ``SettableClock`` is the
  clock tests give a ``Store`` or the app; the ``clock`` fixture starts at 2026-11-20 08:00.
- Halls are made and used as people do, logged in (no bypass): ``new_hall(path, rules_text, at=...)``
  runs ``hall init --admin tester --password-stdin`` (a real file, not ``:memory:``, so WAL and
  several connections are real); the ``fresh_hall`` fixture makes them in the test's folder,
  ``fresh_db`` is the first of them and ``store`` its ``Store`` on ``clock``. Operations called
  from Python take an ``Actor``: ``ACTOR`` is the admin ``tester`` every new hall has;
  ``add_account(store, name, role)`` adds another and returns its ``Actor``.
- ``Hall(path)`` runs `hall` commands through click's CliRunner, with the time frozen, as an
  account: each run sets ``HALL_TOKEN`` to a script token of the account named by ``actor=``
  (the hall's admin, ``tester``, unless said; ``actor=None``: no log-in at all), made with ``hall user token`` by
  the hall's admin, who logged in with ``hall login``; an account a test names that does not
  exist yet is added first (``hall user add``, a dispatcher unless ``hall.add_user(name, role)``
  made it already). ``HALL_STATE_DIR`` is a folder of the test's own.
- The demo hall is built once per test session (per xdist worker) as of ``DEMO_DAY``; ``demo_hall``
  is a private copy of it for one test (staff ``admin``/``admin999``, ``maria``/``dispatch`` and
  ``dwayne``/``dispatch``; ``Hall(demo_hall, admin=DEMO_ADMIN)`` drives it).
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
import json
import shutil
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Iterator
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner, Result
from freezegun import freeze_time

from hall.cli import main
from hall.identity import Actor
from hall.store import Store

ZONE = ZoneInfo("America/Chicago")
RULES_TEXT = '[hall]\nname = "Test Local 1"\ntimezone = "America/Chicago"\n'
INIT_AT = "2026-10-01 09:00"
ADMIN_NAME = "tester"
PASSWORD = "tester-password"
ACTOR = Actor.staff(ADMIN_NAME, "admin")
"""The admin account every new hall of the tests has (``hall init --admin tester``)."""
DEMO_ADMIN = ("admin", "admin999")
ADMIN, MARIA, DWAYNE = (Actor.staff("admin", "admin"), Actor.staff("maria", "dispatcher"),
                        Actor.staff("dwayne", "dispatcher"))
"""The demo hall's accounts, for operations called from Python."""
PASSWORDS = {ADMIN_NAME: PASSWORD, "admin": "admin999", "maria": "dispatch", "dwayne": "dispatch"}
"""The passwords of the accounts the tests' halls have (the demo's included)."""

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
             admin: str = ADMIN_NAME) -> Path:
    """A new hall database file at ``path`` with ``rules_text``, made at ``at`` (hall time) with
    ``hall init --rules FILE --admin tester --password-stdin``."""
    path = Path(path)
    rules_file = path.with_name(path.name + ".rules.toml")
    rules_file.write_text(rules_text, encoding="utf-8")
    moment = local(at) if isinstance(at, str) else at
    with freeze_time(moment):
        result = CliRunner().invoke(
            main, ["--db", str(path), "init", "--rules", str(rules_file), "--admin", admin, "--password-stdin"],
            input=PASSWORDS.get(admin, PASSWORD) + "\n", env={"HALL_TOKEN": "", "HALL_STATE_DIR": str(path.parent)})
    assert result.exit_code == 0, f"hall init failed: {result.output}"
    return path


def add_account(store: Store, name: str, role: str = "dispatcher", *, by: Actor = ACTOR) -> Actor:
    """Add a staff account (password ``PASSWORDS`` or ``NAME-password``) and return its ``Actor``."""
    from hall.operations.accounts import add_user

    add_user(store, name, PASSWORDS.get(name, f"{name}-password"), role, actor=by)
    return Actor.staff(name, role)


class Hall:
    """Runs `hall` commands through click's CliRunner with time frozen (hall time): at ``now``, or
    at what ``clock`` says when the hall follows a test's clock; as the account ``actor`` names,
    with its script token in ``HALL_TOKEN`` (see the module's docstring)."""

    def __init__(self, path: Path, now: str = "2026-11-20 08:00", *, clock: SettableClock | None = None,
                 admin: tuple[str, str] = (ADMIN_NAME, PASSWORD)):
        self.path = Path(path)
        self.now = now
        self.clock = clock
        self.admin = admin[0]
        self.passwords = {**PASSWORDS, admin[0]: admin[1]}
        self.runner = CliRunner()
        self.state_dir = self.path.parent / f".{self.path.name}.state"
        self.tokens: dict[str, str] = _TOKENS.setdefault(str(self.path.resolve()), {})

    def _moment(self, at: str | datetime | None) -> datetime:
        if isinstance(at, datetime):
            return at
        return local(at) if at else self.clock() if self.clock else local(self.now)

    def invoke(self, *args: str, token: str = "", at: str | datetime | None = None, input: str | None = None,
               env: dict | None = None) -> Result:
        """One command with exactly this ``HALL_TOKEN`` (empty: none) and no other set-up."""
        full_env = {"HALL_DB": str(self.path), "HALL_STATE_DIR": str(self.state_dir), "HALL_TOKEN": token,
                    "HALL_ACTOR": "", **(env or {})}
        with freeze_time(self._moment(at)):
            return self.runner.invoke(main, [str(a) for a in args], env=full_env, input=input)

    def token(self, name: str) -> str:
        """A script token of the account ``name`` (made once per database: the admin logs in,
        adds the account if the hall has none of that name, and makes it)."""
        if name not in self.tokens:
            if name == self.admin:
                self._must(self.invoke("login", name, "--password-stdin", input=self.passwords[name] + "\n"))
                made = self._must(self.invoke("user", "token", name, "--days", "3650", "--json"))
                self._must(self.invoke("logout"))
            else:
                admin = self.token(self.admin)
                known = json.loads(self._must(self.invoke("user", "list", "--json", token=admin)).stdout)
                if name not in {row["name"] for row in known}:
                    self.add_user(name)
                made = self._must(self.invoke("user", "token", name, "--days", "3650", "--json", token=admin))
            self.tokens[name] = json.loads(made.stdout)["token"]
        return self.tokens[name]

    def add_user(self, name: str, role: str = "dispatcher") -> None:
        """Add a staff account (``hall user add NAME --role ROLE --password-stdin``) as the admin."""
        password = self.passwords.setdefault(name, f"{name}-password")
        self._must(self.invoke("user", "add", name, "--role", role, "--password-stdin", input=password + "\n",
                               token=self.token(self.admin)))

    @staticmethod
    def _must(result: Result) -> Result:
        assert result.exit_code == 0, f"set-up command failed: {result.output}"
        return result

    def run(self, *args: str, at: str | datetime | None = None, actor: str | None = "",
            input: str | None = None, env: dict | None = None) -> Result:
        """``hall ARGS`` as ``actor`` (an account name; unsaid: the hall's admin; ``None``: no log-in)."""
        if actor == "":
            actor = self.admin
        token = self.token(actor) if actor else ""
        return self.invoke(*args, token=token, at=at, input=input, env=env)

    def ok(self, *args: str, **kw) -> Result:
        result = self.run(*args, **kw)
        assert result.exit_code == 0, f"hall {' '.join(map(str, args))} failed: {result.output}"
        assert "Traceback" not in result.output
        return result

    def json(self, *args: str, **kw):
        return json.loads(self.ok(*args, "--json", **kw).stdout)

    def fails(self, *args: str, **kw) -> Result:
        """The command is refused: non-zero exit, one sentence on stderr, no traceback."""
        result = self.run(*args, **kw)
        assert result.exit_code != 0, f"hall {' '.join(map(str, args))} should fail: {result.output}"
        assert isinstance(result.exception, SystemExit), repr(result.exception)
        assert "Traceback" not in result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].strip(), f"not one sentence: {result.stderr!r}"
        return result

    def head(self) -> str:
        return self.ok("audit", "head", actor=None).stdout.strip()

    def state(self) -> tuple[str, dict]:
        return self.head(), dump(self.path)

    def audit(self, **filters) -> list[dict]:
        args = ["audit", "log", "--limit", "100000"]
        for key, value in filters.items():
            args += [f"--{key}", str(value)]
        return list(reversed(self.json(*args)))


_TOKENS: dict[str, dict[str, str]] = {}  # database path -> account -> token, for every Hall on that file


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
def hall(fresh_db) -> Hall:
    """The command line on ``fresh_db``, logged in as its admin ``tester`` (its token made already)."""
    cli = Hall(fresh_db)
    cli.token(ADMIN_NAME)
    return cli


@pytest.fixture
def make_hall(fresh_hall):
    """The command line on a new hall with other rules: ``make_hall(RULES_TEXT + "[turndowns]\\nlimit = 2\\n")``."""

    def make(rules_text: str = RULES_TEXT) -> Hall:
        cli = Hall(fresh_hall(rules_text))
        cli.token(ADMIN_NAME)
        return cli

    return make


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
