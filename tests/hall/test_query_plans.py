"""The hot queries hit indexes: EXPLAIN QUERY PLAN shows no full scan of a big table.

Run on a freshly made hall (no ``ANALYZE`` statistics: what a real hall has), so
the plans are the ones the schema alone gives. A ``SCAN`` that walks an index
("USING INDEX", "USING COVERING INDEX") is fine; a bare ``SCAN registrations``
is not. The SQL is the code's own (hall/load.py, hall/queries.py, hall/audit.py,
hall/operations/registrations.py); keep them in step.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime

import pytest

from hall.load import REGISTRATION_COLUMNS
from tests.conftest import ACTOR, new_hall

BIG = ("registrations", "audit", "offers", "members", "referrals", "job_ends", "registration_history",
       "certifications")

HOT = {
    # queries.waiting_registrations / book_order_ids: the book list in order
    "book list order": (
        f"SELECT {REGISTRATION_COLUMNS} FROM registrations"
        " WHERE book_id = ? AND status = 'waiting' AND +last_signed_at >= ? ORDER BY registered_at, card"),
    # load._walked_registrations: a call's candidates, the top of each book
    "candidates: top of a book": (
        f"SELECT {REGISTRATION_COLUMNS} FROM registrations"
        " WHERE book_id = ? AND status = 'waiting' AND +last_signed_at >= ? ORDER BY registered_at, card LIMIT ?"),
    "candidates: a tie at the cut": (
        f"SELECT {REGISTRATION_COLUMNS} FROM registrations"
        " WHERE book_id = ? AND status = 'waiting' AND +last_signed_at >= ? AND registered_at = ?"),
    "candidates: on a short call": (
        f"SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE book_id IN (?, ?) AND status = 'on_short_call'"),
    "candidates: members with an outcome": (
        f"SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE book_id IN (?, ?)"
        " AND card IN (?, ?) AND status IN ('dispatched', 'on_short_call', 'waiting')"),
    "candidates: the full set": (
        f"SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE book_id IN (?, ?)"
        " AND (status = 'on_short_call' OR (status = 'waiting' AND last_signed_at >= ?))"),
    # queries.member_position / _position_of
    "member position: how many wait": (
        "SELECT count(*) FROM registrations WHERE book_id = ? AND status = 'waiting' AND +last_signed_at >= ?"),
    "member position: how many ahead": (
        "SELECT count(*) FROM registrations WHERE book_id = ? AND status = 'waiting' AND +last_signed_at >= ?"
        " AND registered_at < ?"),
    "member's registrations": f"SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE card = ? ORDER BY id",
    "member": "SELECT card, name, standing, suspension_note, phone, home_local FROM members WHERE card = ?",
    # audit.entries by card and by call
    "audit by card": (
        "SELECT seq, at, actor, action, subject, data, ruleset, hash FROM audit"
        " WHERE json_extract(data, '$.card') = ? ORDER BY seq DESC LIMIT 50"),
    "audit by call": (
        "SELECT seq, at, actor, action, subject, data, ruleset, hash FROM audit"
        " WHERE json_extract(data, '$.call') = ? ORDER BY seq DESC"),
    # load.call_outcomes
    "offers by call": "SELECT card, outcome FROM offers WHERE call_id = ? AND superseded_by IS NULL ORDER BY id",
    # registrations.sweep_lapsed: the probe every list and app poll runs
    "sweep probe": "SELECT 1 FROM registrations WHERE status = 'waiting' AND last_signed_at < ? LIMIT 1",
    # load.referrals_in_force: who of the candidates works a call now (one referral at a time)
    "candidates' referrals in force": (
        "SELECT r.card, r.call_id, r.short_call, e.name, c.start_at, c.duration_days FROM referrals r"
        " JOIN calls c ON c.id = r.call_id JOIN employers e ON e.id = r.employer_id"
        " WHERE r.card IN (?, ?) AND r.status = 'active' ORDER BY r.id"),
    # load.rank_context: the name-request block and the employer's share
    "recent quits and discharges": (
        "SELECT j.card, e.name, j.at, j.reason FROM job_ends j"
        " JOIN referrals r ON r.id = j.referral_id JOIN employers e ON e.id = r.employer_id"
        " WHERE j.reason IN (?, ?) AND j.at >= ?"),
    "employer's referrals in the window": (
        "SELECT e.name, r.at, r.basis, r.card FROM referrals r JOIN employers e ON e.id = r.employer_id"
        " WHERE e.name = ? COLLATE NOCASE AND r.at >= ? AND r.call_id != ?"),
    # queries.waiting_history (the board's sparklines): the history of the last 90 days only
    "list history since a day": (
        "SELECT registration_id, book_id, at, status FROM registration_history WHERE at > ? ORDER BY at, id"),
    "list history before a day": (
        "SELECT registration_id, book_id, status, at, id FROM registration_history"
        " WHERE registration_id IN (?, ?) AND at <= ?"),
    # queries.resign_due_top: how many are due this week, and the soonest
    "re-signs due: how many": (
        "SELECT count(*) FROM registrations r JOIN members m USING (card)"
        " WHERE r.status = 'waiting' AND r.last_signed_at >= ? AND r.last_signed_at < ?"),
    "re-signs due: the soonest": (
        f"SELECT {', '.join('r.' + c.strip() for c in REGISTRATION_COLUMNS.split(','))}, m.name"
        " FROM registrations r JOIN members m USING (card)"
        " WHERE r.status = 'waiting' AND r.last_signed_at >= ? AND r.last_signed_at < ?"
        " ORDER BY r.last_signed_at LIMIT ?"),
    # queries.certifications_expiring_top
    "certifications expiring": (
        "SELECT c.card, m.name, c.name, c.expires FROM certifications c JOIN members m USING (card)"
        " WHERE c.expires BETWEEN ? AND ? ORDER BY c.expires, c.card LIMIT ?"),
    # queries.book_counts: each book on the index, less the lapsed not yet swept
    "book counts: waiting on a book": "SELECT count(*) FROM registrations WHERE book_id = ? AND status = 'waiting'",
    "book counts: lapsed, not yet swept": (
        "SELECT book_id, count(*) FROM registrations WHERE status = 'waiting' AND last_signed_at < ?"
        " GROUP BY +book_id"),
    # the list screen (queries.book_page_ids, _places, find_in_book): pages, places and search on a book
    "list: is a registration of the book lapsed": (
        "SELECT 1 FROM registrations WHERE status = 'waiting' AND last_signed_at < ? AND +book_id = ? LIMIT 1"),
    "list: a page at an offset": (
        "SELECT registered_at FROM registrations WHERE book_id = ? AND status = 'waiting'"
        " ORDER BY registered_at, card LIMIT ? OFFSET ?"),
    "list: a page at an offset, lapsed left out": (
        "SELECT registered_at FROM registrations WHERE book_id = ? AND status = 'waiting' AND +last_signed_at >= ?"
        " ORDER BY registered_at, card LIMIT ? OFFSET ?"),
    "list: how many ahead": (
        "SELECT count(*) FROM registrations WHERE book_id = ? AND status = 'waiting' AND registered_at < ?"),
    "list: the rows between two keys": (
        "SELECT id, card, registered_at FROM registrations WHERE book_id = ? AND status = 'waiting'"
        " AND registered_at BETWEEN ? AND ?"),
    "list: find a card or name on a book": (
        "SELECT r.id, r.card, r.registered_at FROM registrations r JOIN members m ON m.card = r.card"
        " WHERE r.book_id = ? AND r.status = 'waiting' AND (m.card LIKE ? ESCAPE '\\' OR m.name LIKE ? ESCAPE '\\')"),
}


@pytest.fixture(scope="module")
def conn(tmp_path_factory):
    path = tmp_path_factory.mktemp("plans") / "hall.db"
    new_hall(path, '[hall]\nname = "Plans"\ntimezone = "America/Chicago"\n', at=datetime(2026, 10, 1, 14, tzinfo=UTC))
    connection = sqlite3.connect(path)
    yield connection
    connection.close()


def full_scans(plan: list[str]) -> list[str]:
    """Plan lines that scan a big table without an index."""
    bad = []
    for line in plan:
        match = re.match(r"SCAN (\w+)(?: AS (\w+))?", line)
        if not match or "USING INDEX" in line or "USING COVERING INDEX" in line:
            continue
        bad.append(line)
    return bad


def aliases(sql: str) -> dict[str, str]:
    found = {t: t for t in BIG}
    for table, alias in re.findall(r"\b(?:FROM|JOIN)\s+(\w+)\s+(?:AS\s+)?(\w+)", sql):
        if table in BIG and alias.upper() not in ("WHERE", "JOIN", "ON", "ORDER", "GROUP", "LIMIT"):
            found[alias] = table
    return found


@pytest.mark.parametrize("name", list(HOT))
def test_hot_query_uses_an_index(conn, name):
    sql = HOT[name]
    plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, [None] * sql.count("?"))]
    names = aliases(sql)
    bad = [line for line in full_scans(plan) if names.get(line.split()[1]) in BIG]
    assert not bad, f"{name}: full scan of a big table in {plan}"


def test_list_pages_read_the_index_alone(conn):
    """The list screen's pages and counts need no table row (nothing lapsed: the usual case)."""
    for name in ("book counts: waiting on a book", "list: a page at an offset", "list: how many ahead"):
        sql = HOT[name]
        plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, [None] * sql.count("?"))]
        assert any("COVERING INDEX registrations_book_order" in line for line in plan), (name, plan)
        assert not any("TEMP B-TREE" in line for line in plan), (name, plan)


def test_book_order_walks_the_index_in_order(conn):
    """The list order comes from the index, not from sorting the whole book."""
    plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + HOT["candidates: top of a book"], [None] * 3)]
    assert any("registrations_book_order" in line for line in plan), plan
    assert not any("TEMP B-TREE" in line for line in plan), plan


def test_the_plan_check_catches_a_full_scan(conn):
    plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN SELECT * FROM offers WHERE note = ?", [None])]
    assert full_scans(plan)
