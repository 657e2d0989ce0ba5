"""The records layer's tests use the shared fixtures of tests/conftest.py: ``hall`` (the command line on
``fresh_db``, logged in), ``make_hall(rules)``, the clock, the halls and ``dump``/``unchanged``.

Times are written as the hall's local time (America/Chicago), e.g. ``"2026-11-20 08:00"``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ACTOR, RULES_TEXT, Hall, SettableClock, dump, local, zulu  # noqa: F401 (shared names)


@pytest.fixture
def rules_file(tmp_path) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(RULES_TEXT, encoding="utf-8")
    return path
