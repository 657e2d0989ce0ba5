"""`hall member import` checks the whole file before it takes the write lock, then writes under it (issue 12,
section 4: a 600,000-row import held the lock while it checked rows)."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager

import pytest

from hall.errors import HallError
from hall.operations.members import add_member, import_members
from hall.store import Store
from tests.conftest import ACTOR, Hall, dump


def test_a_bad_file_is_refused_while_another_terminal_holds_the_lock(hall: Hall, tmp_path):
    csv = tmp_path / "members.csv"
    csv.write_text("card,name,phone,classes,certs\n2001,Gail Good,,JW,\n2002,Bad Class,,XX,\n", encoding="utf-8")
    other = sqlite3.connect(hall.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another terminal is writing
    try:
        sentence = hall.fails("member", "import", str(csv)).stderr.strip()
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert "busy" not in sentence and "line 3, column classes" in sentence, sentence


class StoreWithANeighbour(Store):
    """A store whose write transactions begin just after another terminal added card 2002."""

    @contextmanager
    def write(self, actor, **kw):
        if not getattr(self, "added", False):
            self.added = True
            add_member(Store(self.path, self.clock), "2002", "Added Meanwhile", actor=ACTOR, classes=["JW"])
        with super().write(actor, **kw) as tx:
            yield tx


def test_a_card_added_between_the_check_and_the_write_is_caught_under_the_lock(store, tmp_path):
    csv = tmp_path / "members.csv"
    csv.write_text("card,name,phone,classes,certs\n2001,Gail Good,,JW,\n2002,Otto Late,,JW,\n", encoding="utf-8")
    neighbour = StoreWithANeighbour(store.path, store.clock)
    with pytest.raises(HallError) as error:
        import_members(neighbour, csv, actor=ACTOR)
    assert "line 3, column card: card 2002 already exists" in str(error.value)
    with store.read() as db:
        assert [r[0] for r in db.execute("SELECT card FROM members ORDER BY card")] == ["2002"]


def test_a_good_file_is_written_whole(store, tmp_path):
    csv = tmp_path / "members.csv"
    csv.write_text("card,name,phone,classes,certs\n2001,Gail Good,555-0101,JW;AP,OSHA-30:2027-01-31\n"
                   "2002,Otto Ok,,JW,\n", encoding="utf-8")
    receipt = import_members(store, csv, actor=ACTOR)
    assert receipt.message == "Imported 2 members from members.csv."
    rows = dump(store.path)
    assert sorted(r[0] for r in rows["members"]) == ["2001", "2002"]
    assert sorted(rows["member_classes"])[:3] == [("2001", "AP", ""), ("2001", "JW", ""), ("2002", "JW", "")]
