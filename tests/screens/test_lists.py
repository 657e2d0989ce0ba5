"""The out-of-work lists: sign, re-sign, unavailable from the list; a generated book of thousands paged."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from hall import audit
from hall.db import connect, immediate
from hall.operations.members import import_members
from hall.session import Session
from hall.operations import accounts
from hall.store import Store
from hall.views import members as views
from screens.lists import ListsScreen
from screens.widgets.booklist import BookList
from textual.widgets import TabbedContent
from tests.screens.conftest import FIXED_NOW, MARIA, make_app, type_text, wait_for_workers
from tests.conftest import ACTOR, new_hall
from tests.conftest import MARIA as MARIA_ACTOR


async def open_lists(app, pilot, user=MARIA):
    await wait_for_workers(app, pilot)
    app.logged_in(Session(app.store, accounts.login(app.store, *user)))
    await wait_for_workers(app, pilot)
    await pilot.press("l")
    await wait_for_workers(app, pilot)
    assert isinstance(app.screen, ListsScreen)
    return app.screen


def registration(path: Path, card: str, book: str) -> dict:
    with Store(path).read() as db:
        row = db.execute(
            "SELECT last_signed_at, signed_via, signed_by, status, registered_at FROM registrations"
            " WHERE card = ? AND book_id = ? AND status != 'removed' ORDER BY id DESC LIMIT 1", [card, book]
        ).fetchone()
    assert row is not None, f"{card} is not on {book}"
    return {"last_signed_at": row[0], "signed_via": row[1], "signed_by": row[2], "status": row[3],
            "registered_at": row[4]}


def head(path: Path) -> int:
    with Store(path).read() as db:
        return audit.head(db)[0]


def receipt_text(screen) -> str:
    return str(screen.query_one("#list-receipt").render())


async def test_resign_highlighted_member_by_phone(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_lists(app, pilot)
        book_list = screen.active_list()
        assert book_list.book_id == "JW-1" and book_list.count > 3
        await pilot.press("down", "down")
        card = book_list.current_card()
        before = registration(demo_hall, card, "JW-1")
        await pilot.press("r")
        await pilot.press("2")  # phone
        await wait_for_workers(app, pilot)
        after = registration(demo_hall, card, "JW-1")
        assert after["signed_via"] == "phone" and after["signed_by"] == "maria"
        assert after["last_signed_at"] == audit.iso(FIXED_NOW) != before["last_signed_at"]
        assert after["registered_at"] == before["registered_at"]  # the place is kept
        seq = head(demo_hall)
        assert f"by phone · receipt #{seq}" in receipt_text(screen)
        # the cursor stays on the member after the reload
        assert book_list.current_card() == card


async def test_sign_a_member_on_another_book(demo_hall):
    order = views.book_order(Store(demo_hall, lambda: FIXED_NOW), "JW-1", page_size=2)
    card = order.rows[1].row.card  # waiting on JW-1, a JW, not working; AP too (one book per classification)
    from hall.operations.members import update_member

    update_member(Store(demo_hall, lambda: FIXED_NOW), card, actor=MARIA_ACTOR, classes=["JW", "AP"])
    app = make_app(demo_hall)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_lists(app, pilot)
        await pilot.press("s")
        await type_text(pilot, card)
        await pilot.press("enter")
        await pilot.press("5")  # the fifth book: AP-1
        await pilot.press("m")  # it came by mail
        await wait_for_workers(app, pilot)
        reg = registration(demo_hall, card, "AP-1")
        assert reg["signed_via"] == "mail" and reg["status"] == "waiting"
        assert reg["registered_at"] == audit.iso(FIXED_NOW)
        assert f"receipt #{head(demo_hall)}" in receipt_text(screen)
        assert screen.active_list().book_id == "AP-1"


async def test_unavailable_from_the_list(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_lists(app, pilot)
        card = screen.active_list().current_card()
        await pilot.press("u")
        # the date is filled in (a week from today): the reason is focused
        await type_text(pilot, "surgery")
        await pilot.press("enter")
        assert app.screen.id == "via-dialog"  # how did it come in?
        await pilot.press("p")
        await wait_for_workers(app, pilot)
        with Store(demo_hall).read() as db:
            rows = db.execute("SELECT until, reason, via, created_by FROM unavailability WHERE card = ?"
                              " ORDER BY id DESC", [card]).fetchall()
        assert rows and rows[0] == ("2026-12-03", "surgery", "phone", "maria")
        assert f"receipt #{head(demo_hall)}" in receipt_text(screen)


# --- a generated book of thousands -------------------------------------------------------

BIG = 3000
RULES = '[hall]\nname = "Big Local"\ntimezone = "America/Chicago"\n'


def big_hall(path: Path, count: int = BIG) -> list[str]:
    """A hall with ``count`` members waiting on JW-1, one minute apart (cards 10000...)."""
    start = FIXED_NOW - timedelta(days=20)
    new_hall(path, RULES, at=start - timedelta(days=1))
    csv_path = path.with_suffix(".csv")
    cards = [str(10000 + i) for i in range(count)]
    lines = ["card,name,phone,classes,certs"]
    for i, card in enumerate(cards):
        lines.append(f"{card},Member {i:05d} Generated,555-{i % 10000:04d},JW,")
    lines[count // 3 * 2 + 1] = f"{cards[count // 3 * 2]},Zelda Quimby,555-0000,JW,"
    csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = Store(path, lambda: start)
    import_members(store, csv_path, actor=ACTOR)
    db = connect(path)
    try:
        with immediate(db):
            db["registrations"].insert_all(
                ({"card": card, "book_id": "JW-1",
                  "registered_at": audit.iso(start + timedelta(minutes=i)),
                  "last_signed_at": audit.iso(FIXED_NOW - timedelta(days=2)),
                  "signed_via": "in_person", "signed_by": "setup", "status": "waiting"}
                 for i, card in enumerate(cards)),
                batch_size=1000,
            )
    finally:
        db.close()
    accounts.add_user(store, "maria", "dispatch", "dispatcher", actor=ACTOR)
    return cards


async def test_generated_book_end_and_search(tmp_path):
    path = tmp_path / "big.db"
    cards = big_hall(path)
    app = make_app(path)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_lists(app, pilot, ("maria", "dispatch"))
        book_list = screen.active_list()
        assert book_list.count == BIG
        # no row per registration: a page or two of rows are held, never the book
        assert sum(len(rows) for rows in book_list.pages.values()) <= 400
        await pilot.press("end")
        await wait_for_workers(app, pilot)
        assert book_list.cursor == BIG - 1
        assert book_list.current_card() == cards[-1]
        last = book_list.row_at(BIG - 1)
        assert last is not None and last.row.position == BIG and last.row.card == cards[-1]
        assert sum(len(rows) for rows in book_list.pages.values()) <= 400
        await pilot.press("home")
        await wait_for_workers(app, pilot)
        assert book_list.current_card() == cards[0]
        # search by name: the cursor lands on the member's row
        await pilot.press("slash")
        await type_text(pilot, "zelda")
        await pilot.press("enter")
        await wait_for_workers(app, pilot)
        assert book_list.current_card() == cards[BIG // 3 * 2]
        assert book_list.cursor == BIG // 3 * 2
        # search by card
        search = screen.query_one("#list-search")
        search.value = cards[1234]
        await pilot.press("enter")
        await wait_for_workers(app, pilot)
        assert book_list.current_card() == cards[1234]
        # escape leaves the search box for the list; enter opens the member
        await pilot.press("escape")
        assert book_list.has_focus
        await pilot.press("enter")
        await wait_for_workers(app, pilot)
        assert app.screen.__class__.__name__ == "MemberScreen"
        assert app.screen.card == cards[1234]


def test_snapshot_lists(demo_hall, snap_compare):
    app = make_app(demo_hall)

    async def run_before(pilot):
        await open_lists(app, pilot)
        await pilot.press("down", "down", "down")

    assert snap_compare(app, run_before=run_before, terminal_size=(120, 36))


async def test_only_shown_tabs_are_built_and_keep_their_place(demo_hall):
    app = make_app(demo_hall)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_lists(app, pilot)
        assert [b.book_id for b in screen.query(BookList)] == ["JW-1"]  # the other books: built when shown
        await pilot.press("down", "down")
        card = screen.active_list().current_card()
        tabs = screen.query_one("#books", TabbedContent)
        assert str(tabs.get_tab("pane-JW-2").label) == "JW-2 (8)"  # the counts are on the tabs from the start
        tabs.active = "pane-JW-2"
        await wait_for_workers(app, pilot)
        second = screen.active_list()
        assert second.book_id == "JW-2" and second.count == 8 and second.has_focus
        assert second.current_card() == views.book_order(Store(demo_hall, lambda: FIXED_NOW), "JW-2",
                                                          page_size=1).rows[0].row.card
        tabs.active = "pane-JW-1"
        await wait_for_workers(app, pilot)
        assert screen.active_list().current_card() == card
        assert sorted(b.book_id for b in screen.query(BookList)) == ["JW-1", "JW-2"]
