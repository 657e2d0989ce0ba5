"""Fixtures for the records layer and the CLI: a real database file, a settable clock, a CLI runner.

Times in tests are written as the hall's local time (America/Chicago), e.g.
``"2026-11-20 08:00"``; ``local()`` turns them into aware UTC moments.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner, Result
from freezegun import freeze_time

from hall.cli import main
from hall.operations.rules import init_database
from hall.store import Store

ZONE = ZoneInfo("America/Chicago")
RULES_TEXT = '[hall]\nname = "Test Local 1"\ntimezone = "America/Chicago"\n'
INIT_AT = "2026-10-01 09:00"
ACTOR = "tester"


def local(text: str) -> datetime:
    """``"YYYY-MM-DD HH:MM[:SS]"`` in the hall's zone as an aware UTC moment."""
    naive = datetime.fromisoformat(text)
    return naive.replace(tzinfo=ZONE).astimezone(UTC)


def zulu(text: str) -> str:
    """A local time as the CLI's JSON shows it (UTC with ``Z``)."""
    return local(text).strftime("%Y-%m-%dT%H:%M:%SZ")


class SettableClock:
    """A clock for ``Store``: ``clock.set("2026-11-20 08:00")`` moves it."""

    def __init__(self, moment: datetime):
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def set(self, text: str) -> None:
        self.moment = local(text)


def dump(path: Path) -> dict:
    """Every row of every table (to prove a refused command wrote nothing)."""
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {t: conn.execute(f'SELECT * FROM "{t}" ORDER BY rowid').fetchall() for t in tables}
    finally:
        conn.close()


class Hall:
    """Runs `hall` commands through click's CliRunner with time frozen (hall time)."""

    def __init__(self, path: Path, now: str = "2026-11-20 08:00"):
        self.path = Path(path)
        self.now = now
        self.runner = CliRunner()

    def run(self, *args: str, at: str | None = None, actor: str = ACTOR, input: str | None = None) -> Result:
        env = {"HALL_DB": str(self.path), "HALL_ACTOR": actor}
        with freeze_time(local(at or self.now)):
            return self.runner.invoke(main, [str(a) for a in args], env=env, input=input)

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
        return self.ok("audit", "head").stdout.strip()

    def state(self) -> tuple[str, dict]:
        return self.head(), dump(self.path)

    def audit(self, **filters) -> list[dict]:
        args = ["audit", "log", "--limit", "1000"]
        for key, value in filters.items():
            args += [f"--{key}", str(value)]
        return list(reversed(self.json(*args)))


@pytest.fixture
def rules_file(tmp_path) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(RULES_TEXT, encoding="utf-8")
    return path


def make_db(path: Path, rules_text: str = RULES_TEXT, at: str = INIT_AT) -> Path:
    init_database(path, actor=ACTOR, now=local(at), rules_text=rules_text)
    return path


@pytest.fixture
def fresh_db(tmp_path) -> Path:
    """A new hall database FILE (not :memory:) with Chicago rules."""
    return make_db(tmp_path / "hall.db")


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(local("2026-11-20 08:00"))


@pytest.fixture
def store(fresh_db, clock) -> Store:
    return Store(fresh_db, clock)


@pytest.fixture
def hall(fresh_db) -> Hall:
    """The CLI on ``fresh_db`` (HALL_DB and HALL_ACTOR set)."""
    return Hall(fresh_db)


@pytest.fixture
def make_hall(tmp_path):
    """A CLI helper on a new database made with other rules: ``make_hall(rules_text)``."""
    count = [0]

    def build(rules_text: str = RULES_TEXT) -> Hall:
        count[0] += 1
        return Hall(make_db(tmp_path / f"hall{count[0]}.db", rules_text))

    return build
