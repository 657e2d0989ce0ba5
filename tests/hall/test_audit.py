"""The audit log: append-only, hash-chained, and `hall audit verify` catches tampering."""

from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest

from hall import audit
from hall.db import connect
from hall.schema import AUDIT_TRIGGERS
from tests.hall.conftest import Hall
from tests.conftest import ACTOR


@pytest.fixture
def logged(hall) -> Hall:
    for i, name in enumerate(("Acme", "Bolt Co", "Coil Inc", "Duct Ltd", "Eel Wiring")):
        hall.ok("employer", "add", name, at=f"2026-11-0{i + 2} 09:00")
    hall.ok("member", "add", "101", "--name", "Zoë Ærø", "--class", "JW", at="2026-11-07 09:00")
    return hall


def raw(path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def test_entries_chain_and_canonical_text(logged):
    conn = raw(logged.path)
    rows = conn.execute("SELECT seq, at, actor, action, subject, data, ruleset, prev, hash, canonical"
                        " FROM audit ORDER BY seq").fetchall()
    prev = "0" * 64
    for seq, at, actor, action, subject, data, ruleset, row_prev, digest, text in rows:
        expected = json.dumps({"seq": seq, "at": at, "actor": actor, "action": action, "subject": subject,
                               "data": json.loads(data), "ruleset": ruleset, "prev": prev},
                              sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert text == expected and row_prev == prev
        assert digest == hashlib.sha256(text.encode()).hexdigest()
        assert at.endswith("Z")
        prev = digest
    assert "Zoë Ærø" in rows[-1][9]  # ensure_ascii=False
    assert logged.head() == f"{rows[-1][0]}:{rows[-1][8]}"
    assert f"{len(rows)} entries" in logged.ok("audit", "verify").stdout


def test_triggers_refuse_update_and_delete(logged):
    conn = raw(logged.path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 2")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM audit WHERE seq = 2")
    assert logged.ok("audit", "verify").exit_code == 0


def _drop_triggers(conn):
    for name in AUDIT_TRIGGERS:
        conn.execute(f"DROP TRIGGER {name}")


@pytest.mark.parametrize("column, value", [
    ("actor", "'mallory'"), ("data", "json_set(data, '$.name', 'Fake')"), ("at", "'2026-01-01T00:00:00Z'"),
    ("canonical", "replace(canonical, 'Coil', 'Foil')"), ("hash", "'" + "f" * 64 + "'"),
])
def test_verify_names_an_edited_entry(logged, column, value):
    conn = raw(logged.path)
    _drop_triggers(conn)
    coil = conn.execute("SELECT seq FROM audit WHERE json_extract(data, '$.name') = 'Coil Inc'").fetchone()[0]
    conn.execute(f"UPDATE audit SET {column} = {value} WHERE seq = {coil}")
    result = logged.run("audit", "verify")
    assert result.exit_code == 1
    assert f"entry {coil}" in result.stderr and "Traceback" not in result.output


def test_verify_names_a_deleted_entry(logged):
    conn = raw(logged.path)
    _drop_triggers(conn)
    conn.execute("DELETE FROM audit WHERE seq = 3")
    result = logged.run("audit", "verify")
    assert result.exit_code == 1 and "entry 3" in result.stderr


def _rewrite_from(conn, seq_from: int, change) -> None:
    """Tamper with an entry and recompute the chain from it on, as a careful forger would."""
    _drop_triggers(conn)
    rows = conn.execute("SELECT seq, at, actor, action, subject, data, ruleset, prev FROM audit"
                        " WHERE seq >= ? ORDER BY seq", [seq_from]).fetchall()
    prev = conn.execute("SELECT hash FROM audit WHERE seq = ?", [seq_from - 1]).fetchone()[0]
    for seq, at, actor, action, subject, data, ruleset, _ in rows:
        if seq == seq_from:
            actor = change(actor)
        text = audit.canonical_text(seq, at, actor, action, subject, data, ruleset, prev)
        digest = hashlib.sha256(text.encode()).hexdigest()
        conn.execute("UPDATE audit SET actor = ?, prev = ?, hash = ?, canonical = ? WHERE seq = ?",
                     [actor, prev, digest, text, seq])
        prev = digest


def test_posted_head_catches_a_recomputed_chain(logged):
    posted = logged.head()
    seq = int(posted.split(":")[0])
    earlier = logged.ok("audit", "log", "--json").stdout
    earlier_head = f"{json.loads(earlier)[2]['seq']}:{json.loads(earlier)[2]['hash']}"
    assert logged.ok("audit", "verify", "--head", posted).exit_code == 0
    conn = raw(logged.path)
    _rewrite_from(conn, 3, lambda actor: "mallory")
    assert logged.ok("audit", "verify").exit_code == 0  # the chain alone is consistent again
    for head in (posted, earlier_head):
        result = logged.run("audit", "verify", "--head", head)
        assert result.exit_code == 1
        assert f"entry {head.split(':')[0]}" in result.stderr and "rewritten" in result.stderr
    assert seq >= 3


def test_posted_head_no_longer_in_the_log(logged):
    posted = logged.head()
    conn = raw(logged.path)
    _drop_triggers(conn)
    conn.execute("DELETE FROM audit WHERE seq = ?", [int(posted.split(":")[0])])
    result = logged.run("audit", "verify", "--head", posted)
    assert result.exit_code == 1 and "no longer in the log" in result.stderr


def test_one_entry_per_operation_with_ruleset(store):
    from hall.operations.employers import add_employer
    from hall.operations.members import add_member
    from hall.operations.registrations import resign, sign

    db = connect(store.path)
    start = audit.head(db)[0]
    add_member(store, "101", "Ada Archer", actor=ACTOR, classes=["JW", "AP"])
    sign(store, "101", "JW-1", actor=ACTOR)
    sign(store, "101", "AP-1", actor=ACTOR)
    receipt = resign(store, "101", actor=ACTOR)  # both books: one entry, one receipt
    add_employer(store, "Acme", actor=ACTOR)
    assert audit.head(db)[0] == start + 5
    entry = audit.entries(db, action="registration.resigned")[0]
    assert entry["seq"] == receipt.seq and sorted(entry["data"]["books"]) == ["AP-1", "JW-1"]
    assert all(e["ruleset"] == 1 for e in audit.entries(db))
    db.close()
