"""The board's cheap reads give what the full reads give (the example hall, several moments)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hall import queries
from hall.db import connect
from hall.store import Store

EXAMPLE = Path(__file__).resolve().parents[2] / "hall.db.example"
MOMENTS = [datetime(2026, 11, 26, 13, 30, tzinfo=UTC) + timedelta(days=d, hours=h)
           for d, h in ((0, 0), (-10, 5), (-27, 2), (6, 20), (25, 0), (120, 0))]


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    path = tmp_path_factory.mktemp("board") / "hall.db"
    shutil.copyfile(EXAMPLE, path)
    db = connect(path)
    yield Store(path), db
    db.close()


@pytest.mark.parametrize("now", MOMENTS, ids=lambda m: m.strftime("%m-%d"))
def test_waiting_history_matches_the_full_replay(hall, now):
    store, db = hall
    _, rules = store.rules(db, now)
    for days in (1, 7, 90):
        assert queries.waiting_history(db, rules, now, days) == queries.waiting_history_replay(db, rules, now, days)


@pytest.mark.parametrize("now", MOMENTS, ids=lambda m: m.strftime("%m-%d"))
def test_resign_due_top_is_the_head_of_the_full_list(hall, now):
    store, db = hall
    _, rules = store.rules(db, now)
    for days in (0, 3, 7, 40):
        full = queries.resign_due_soon(db, rules, now, days=days)
        for limit in (1, 2, 5, 13, 1000):
            top, total = queries.resign_due_top(db, rules, now, days=days, limit=limit)
            assert total == len(full)
            assert top == full[:limit]


@pytest.mark.parametrize("now", MOMENTS, ids=lambda m: m.strftime("%m-%d"))
def test_certifications_expiring_top_is_the_head_of_the_full_list(hall, now):
    store, db = hall
    _, rules = store.rules(db, now)
    today = now.date()
    for days in (7, 30, 400):
        full = queries.certifications_expiring(db, today, days)
        for limit in (1, 3, 1000):
            top, total = queries.certifications_expiring_top(db, today, days, limit=limit)
            assert (top, total) == (full[:limit], len(full))
