"""The list screen's paged reads give what the whole book's order gives: pages cut at any
offset, places counted on the index, search by count — with ties on ``registered_at``
ordered by the rules' card order, and with lapsed registrations not yet swept."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hall.db import connect, immediate
from hall.queries.books import (
    _book_where,
    book_count,
    book_index_of,
    book_list_page,
    book_order_ids,
    book_page_ids,
    find_in_book,
)
from hall.store import Store

EXAMPLE = Path(__file__).resolve().parents[2] / "hall.db.example"
MOMENTS = [datetime(2026, 11, 26, 13, 30, tzinfo=UTC) + timedelta(days=d) for d in (0, -10, 25, 120)]
TIE_CARDS = ["9", "10", "A9", "A10", "10A", "-1", "0100", "77"]


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    path = tmp_path_factory.mktemp("paging") / "hall.db"
    shutil.copyfile(EXAMPLE, path)
    db = connect(path)
    with immediate(db):
        # Two ties on JW-1 of cards that sort differently as text and by the rules (numbers as numbers).
        first = db.execute("SELECT min(registered_at), max(last_signed_at) FROM registrations"
                           " WHERE book_id = 'JW-1' AND status = 'waiting'").fetchone()
        middle = db.execute("SELECT registered_at FROM registrations WHERE book_id = 'JW-1'"
                            " AND status = 'waiting' ORDER BY registered_at LIMIT 1 OFFSET 9").fetchone()[0]
        for n, card in enumerate(TIE_CARDS):
            name = f"Tie Member {card}" + (" Quill" if n % 3 == 0 else "")
            db.execute("INSERT INTO members (card, name, created_at) VALUES (?, ?, ?)", [card, name, first[0]])
            db.execute("INSERT INTO registrations (card, book_id, registered_at, last_signed_at, status)"
                       " VALUES (?, 'JW-1', ?, ?, 'waiting')", [card, first[0] if n % 2 else middle, first[1]])
    yield Store(path), db
    db.close()


@pytest.mark.parametrize("now", MOMENTS, ids=lambda m: m.strftime("%m-%d"))
def test_pages_places_and_search_match_the_whole_order(hall, now):
    store, db = hall
    _, rules = store.rules(db, now)
    for book in rules.books:
        order = book_order_ids(db, book.id, rules, now)
        assert book_count(db, book.id, rules, now) == len(order)
        for limit in (1, 3, 7, 200):
            for offset in range(0, len(order) + 2):
                assert book_page_ids(db, book.id, rules, now, offset, limit) == \
                    order[offset:offset + limit], (book.id, offset, limit)
        assert book_list_page(db, book.id, rules, now, offset=2, limit=5) == \
            book_list_page(db, book.id, rules, now, offset=2, limit=5, order=order)
        for place, (reg_id, _) in enumerate(order):
            assert book_index_of(db, book.id, rules, now, reg_id) == place
        gone = db.execute("SELECT id FROM registrations WHERE book_id = ? AND status != 'waiting'",
                          [book.id]).fetchall()
        for (reg_id,) in gone:
            assert book_index_of(db, book.id, rules, now, reg_id) is None
        names = dict(db.execute("SELECT card, name FROM members").fetchall())
        for text in ("Quill", "Tie", "1", "a", "Member 1", "zzz", "%", "_"):
            expected = [i for i, (_, card) in enumerate(order)
                        if card.casefold().startswith(text.casefold()) or text.casefold() in names[card].casefold()]
            assert find_in_book(db, book.id, rules, now, text) == expected, (book.id, text)
            assert find_in_book(db, book.id, rules, now, text, order) == expected, (book.id, text)


def test_the_book_where_reads_the_index_alone_when_nothing_has_lapsed(hall):
    store, db = hall
    now = MOMENTS[0]
    _, rules = store.rules(db, now)
    where, args = _book_where(db, "JW-1", rules, now)
    plan = [row[3] for row in db.execute(f"EXPLAIN QUERY PLAN SELECT count(*) FROM registrations WHERE {where}"
                                         " AND registered_at < ?", [*args, "2026"])]
    if "last_signed_at" not in where:
        assert any("COVERING INDEX registrations_book_order" in line for line in plan), plan
