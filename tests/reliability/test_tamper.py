"""Edits behind the software's back are caught by `hall audit verify` (and --head)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from hall import audit
from hall.clock import system_now
from hall.operations import members
from hall.store import Store
from tests.reliability.helpers import hall_with_members
from tests.conftest import ACTOR, Hall


def hall(db: Path, *args: str):
    result = Hall(db, clock=system_now).run(*args, actor=None)  # verify and head need no log-in
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def verify(db: Path, *extra: str):
    return hall(db, "audit", "verify", *extra)


def _sql(db: Path, *statements: str, params=()) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        for s in statements:
            conn.execute(s, params) if "?" in s else conn.execute(s)
    finally:
        conn.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "hall.db"
    hall_with_members(path, members_count=5, employers_count=2)  # 1 + 2 + 10 = 13 entries
    return path


def head_text(db: Path) -> str:
    result = hall(db, "audit", "head")
    assert result.exit_code == 0
    return result.stdout.strip()


def test_an_untouched_log_verifies(db: Path):
    result = verify(db, "--head", head_text(db))
    assert result.exit_code == 0 and "verified: 13 entries" in result.stdout


def test_the_triggers_refuse_edits_through_sqlite(db: Path):
    for statement in ("UPDATE audit SET actor = 'x' WHERE seq = 2", "DELETE FROM audit WHERE seq = 13"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            _sql(db, statement)
    assert verify(db).exit_code == 0


def test_an_update_with_the_trigger_dropped_names_the_entry(db: Path):
    _sql(db, "DROP TRIGGER audit_no_update", "UPDATE audit SET actor = 'mallory' WHERE seq = 7")
    result = verify(db)
    assert result.exit_code == 1
    assert "entry 7" in result.stderr and "FAILED" in result.stderr


def test_an_edit_of_the_data_and_its_canonical_text_names_the_entry(db: Path):
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("DROP TRIGGER audit_no_update")
    data, text = conn.execute("SELECT data, canonical FROM audit WHERE seq = 5").fetchone()
    changed = json.loads(data) | {"name": "Somebody Else"}
    new_data = audit.canonical_data(changed)
    conn.execute("UPDATE audit SET data = ?, canonical = ? WHERE seq = 5",
                 [new_data, text.replace(data, new_data)])
    conn.close()
    result = verify(db)
    assert result.exit_code == 1 and "entry 5" in result.stderr


def test_a_deleted_entry_is_named(db: Path):
    _sql(db, "DROP TRIGGER audit_no_delete", "DELETE FROM audit WHERE seq = 9")
    result = verify(db)
    assert result.exit_code == 1
    assert "entry 9 is missing" in result.stderr


def test_a_deleted_last_entry_is_caught_by_the_posted_head(db: Path):
    posted = head_text(db)
    _sql(db, "DROP TRIGGER audit_no_delete", "DELETE FROM audit WHERE seq = 13")
    assert verify(db).exit_code == 0  # internally consistent...
    result = verify(db, "--head", posted)
    assert result.exit_code == 1 and "entry 13" in result.stderr  # ...but the posted head is gone


def _rewrite_from(db: Path, k: int) -> None:
    """Re-compute the chain from entry k on, with a changed entry k, all hashes valid."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("DROP TRIGGER audit_no_update")
    rows = conn.execute(
        "SELECT seq, at, actor, action, subject, data, ruleset FROM audit WHERE seq >= ? ORDER BY seq", [k]
    ).fetchall()
    prev = conn.execute("SELECT hash FROM audit WHERE seq = ?", [k - 1]).fetchone()[0]
    conn.execute("BEGIN")
    for seq, at, actor, action, subject, data, ruleset in rows:
        if seq == k:
            actor = "mallory"
        text = audit.canonical_text(seq, at, actor, action, subject, data, ruleset, prev)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        conn.execute("UPDATE audit SET actor = ?, prev = ?, hash = ?, canonical = ? WHERE seq = ?",
                     [actor, prev, digest, text, seq])
        prev = digest
    conn.execute("COMMIT")
    conn.execute(
        "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: entries cannot be changed'); END")
    conn.close()


def test_a_recomputed_chain_passes_alone_but_not_against_a_posted_head(db: Path):
    posted = head_text(db)  # e.g. printed in the minutes of last month's meeting
    members.add_member(Store(db), "7777", "After Post", actor=ACTOR)
    _rewrite_from(db, 6)
    assert verify(db).exit_code == 0, "the rewrite is internally consistent"
    result = verify(db, "--head", posted)
    assert result.exit_code == 1
    assert "entry 13" in result.stderr and "rewritten" in result.stderr


def test_an_earlier_head_before_the_rewrite_point_still_verifies(db: Path):
    early = f"5:{sqlite3.connect(db).execute('SELECT hash FROM audit WHERE seq = 5').fetchone()[0]}"
    _rewrite_from(db, 6)
    assert verify(db, "--head", early).exit_code == 0  # the log up to 5 is untouched


def test_a_head_from_another_hall_or_garbage(db: Path):
    result = verify(db, "--head", "13:" + "0" * 64)
    assert result.exit_code == 1 and "entry 13" in result.stderr
    result = verify(db, "--head", "999:" + "a" * 64)
    assert result.exit_code == 1 and "999" in result.stderr
    result = verify(db, "--head", "not a head")
    assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) == 1
