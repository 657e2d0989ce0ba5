"""The command line for the records layer's tests: ``Hall`` runs `hall` commands through click's
CliRunner with the time frozen; the ``hall`` fixture is the CLI on ``fresh_db``, ``make_hall(rules)``
the CLI on a new hall with other rules.

Times are written as the hall's local time (America/Chicago), e.g. ``"2026-11-20 08:00"``; the
clock, the halls and ``dump``/``unchanged`` come from tests/conftest.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from freezegun import freeze_time

from hall.cli import main
from tests.conftest import ACTOR, RULES_TEXT, SettableClock, dump, local, zulu  # noqa: F401 (shared names)


class Hall:
    """Runs `hall` commands through click's CliRunner with time frozen (hall time): at ``now``, or
    at what ``clock`` says when the hall follows a test's clock."""

    def __init__(self, path: Path, now: str = "2026-11-20 08:00", *, clock: SettableClock | None = None):
        self.path = Path(path)
        self.now = now
        self.clock = clock
        self.runner = CliRunner()

    def run(self, *args: str, at: str | None = None, actor: str = ACTOR, input: str | None = None) -> Result:
        env = {"HALL_DB": str(self.path), "HALL_ACTOR": actor}
        moment = local(at) if at else self.clock() if self.clock else local(self.now)
        with freeze_time(moment):
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


@pytest.fixture
def hall(fresh_db) -> Hall:
    """The CLI on ``fresh_db`` (HALL_DB and HALL_ACTOR set)."""
    return Hall(fresh_db)


@pytest.fixture
def make_hall(fresh_hall):
    """The CLI on a new hall with other rules: ``make_hall(RULES_TEXT + "[turndowns]\\nlimit = 2\\n")``."""

    def make(rules_text: str = RULES_TEXT) -> Hall:
        return Hall(fresh_hall(rules_text))

    return make
