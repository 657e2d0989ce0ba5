"""The board's cheap reads give what the full reads give (the example hall, several moments)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dispatch import calendar
from hall import audit
from hall.db import connect
from hall.queries.books import waiting_history
from hall.queries.certifications import certifications_expiring, certifications_expiring_top
from hall.queries.resign import resign_due_soon, resign_due_top
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


def waiting_history_replay(db, rules, now, days):
    """The reference ``waiting_history`` is held to: at the end of each day (now for today),
    each registration where its newest history row at or before that moment puts it,
    counted where it says waiting. Reads every history row for every day."""
    today = calendar.local_date(now, rules)
    ends = [calendar.start_of_day(today - timedelta(days=days - 2 - k), rules) for k in range(days)]
    ends[-1] = now
    rows = db.execute("SELECT registration_id, book_id, at, status FROM registration_history ORDER BY at, id").fetchall()
    series: dict[str, list[int]] = {book.id: [] for book in rules.books}
    for end in ends:
        latest = {reg_id: (book, status) for reg_id, book, at, status in rows if at <= audit.iso(end)}
        for book in series:
            series[book].append(sum(1 for where, status in latest.values() if where == book and status == "waiting"))
    return series


@pytest.mark.parametrize("now", MOMENTS, ids=lambda m: m.strftime("%m-%d"))
def test_waiting_history_matches_the_full_replay(hall, now):
    store, db = hall
    _, rules = store.rules(db, now)
    for days in (1, 7, 90):
        assert waiting_history(db, rules, now, days) == waiting_history_replay(db, rules, now, days)


@pytest.mark.parametrize("now", MOMENTS, ids=lambda m: m.strftime("%m-%d"))
def test_resign_due_top_is_the_head_of_the_full_list(hall, now):
    store, db = hall
    _, rules = store.rules(db, now)
    for days in (0, 3, 7, 40):
        full = resign_due_soon(db, rules, now, days=days)
        for limit in (1, 2, 5, 13, 1000):
            top, total = resign_due_top(db, rules, now, days=days, limit=limit)
            assert total == len(full)
            assert top == full[:limit]


@pytest.mark.parametrize("now", MOMENTS, ids=lambda m: m.strftime("%m-%d"))
def test_certifications_expiring_top_is_the_head_of_the_full_list(hall, now):
    store, db = hall
    _, rules = store.rules(db, now)
    today = now.date()
    for days in (7, 30, 400):
        full = certifications_expiring(db, today, days)
        for limit in (1, 3, 1000):
            top, total = certifications_expiring_top(db, today, days, limit=limit)
            assert (top, total) == (full[:limit], len(full))
