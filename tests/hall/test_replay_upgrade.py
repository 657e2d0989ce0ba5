"""A hall made by the previous release (entries without their writes) upgrades, snapshots its records,
and replays clean from the snapshot; an edit after the upgrade, or to the snapshot, is caught."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from hall import audit, changes, schema
from hall.db import connect, immediate
from hall.load import parse_time
from tests.conftest import DEMO_ADMIN, DEMO_NOW
from tests.hall.conftest import Hall


def previous_release(demo: Path, path: Path) -> Path:
    """The demo hall as the release before this one held it: migrations up to m004, the same rows, and
    the same history in a log whose entries do not hold their writes (chained anew)."""
    db = connect(path, create=True)
    try:
        with immediate(db):
            schema.migrations.apply(db, stop_before="m005_replay_snapshot")
            schema.ensure_audit_triggers(db)
        db.execute("ATTACH DATABASE ? AS demo", [str(demo)])
        with immediate(db):
            for name in [*changes.REPLAYED, "self_identification"]:
                columns = ", ".join(f'"{row[1]}"' for row in db.execute(f'PRAGMA main.table_info("{name}")'))
                if columns:  # a table or column of a later release (tokens, excuses) was not there yet
                    db.execute(f'INSERT INTO main."{name}" ({columns}) SELECT {columns} FROM demo."{name}"')
            for at, actor, action, subject, data, ruleset in db.execute(
                    "SELECT at, actor, action, subject, data, ruleset FROM demo.audit ORDER BY seq").fetchall():
                data = json.loads(data)
                data.pop("writes", None)
                audit.append(db, at=parse_time(at), actor=actor, action=action, subject=subject, data=data,
                             ruleset=ruleset)
        db.execute("DETACH DATABASE demo")
    finally:
        db.close()
    os.chmod(path, 0o600)
    return path


@pytest.fixture
def old(demo_hall, tmp_path) -> Hall:
    return Hall(previous_release(demo_hall, tmp_path / "old.db"), clock=lambda: DEMO_NOW, admin=DEMO_ADMIN)


def snapshot_entry(path: Path) -> tuple[int, dict]:
    conn = sqlite3.connect(path)
    try:
        seq, data = conn.execute("SELECT seq, data FROM audit WHERE action = 'replay.snapshot'").fetchone()
        return seq, json.loads(data)
    finally:
        conn.close()


def test_the_previous_release_cannot_be_replayed_before_it_is_upgraded(old: Hall):
    refused = old.invoke("audit", "replay", token="hall_made-before-tokens")
    assert refused.exit_code == 1 and "logging in on the command line (`hall login NAME`) upgrades it" in refused.stderr
    checked = old.invoke("check")
    assert checked.exit_code == 1
    assert "note     replay: not run: the schema is not this version's" in checked.stdout


def test_the_upgrade_snapshots_the_records_and_replay_starts_there(old: Hall):
    conn = sqlite3.connect(old.path)
    head = conn.execute("SELECT max(seq) FROM audit").fetchone()[0]
    conn.close()
    # Logging in upgrades an older hall (the admin's log-in, token and log-out follow the snapshot).
    assert old.ok("migrate").stdout == "The database is up to date.\n"
    seq, data = snapshot_entry(old.path)
    assert seq == head + 1 and data["replay_from"] == seq + 1
    conn = sqlite3.connect(old.path)
    try:
        # The tables the previous release had (tokens, kiosk misses, web sessions, the (v2) list tables, the
        # outbox, bids, sign-ins and selections came after).
        later = {"tokens", "kiosk_misses", "web_sessions", "qualifications", "excuses", "member_hours",
                 "turndown_charges", "outbox", "bids", "signins", "selections"}
        assert set(data["rows"]) == set(changes.REPLAYED) - later
        counts = {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in data["rows"]}
        assert data["rows"] == counts and counts["registrations"] > 40
        stored = conn.execute("SELECT count(*) FROM replay_snapshot").fetchone()[0]
        assert stored == sum(counts.values())
        assert conn.execute("SELECT count(*) FROM replay_snapshot WHERE tbl = 'self_identification'").fetchone()[0] == 0
    finally:
        conn.close()
    note = (f"Entries before {seq} predate replay; the state at entry {seq} comes from the snapshot recorded "
            "when this database was upgraded.")
    since = _entries_after(old.path, seq)
    assert old.ok("audit", "replay").stdout == f"{note}\n{since} entries replayed; the records match the log.\n"
    old.ok("resign", "1042", actor="maria")
    old.ok("offer", "13", next_candidate(old, 13), "no_answer", actor="maria")
    since = _entries_after(old.path, seq)
    document = old.json("audit", "replay")
    assert (document["ok"], document["entries"], document["from"], document["snapshot"]) == (True, since, seq + 1, seq)
    assert document["note"] == note[0].lower() + note[1:-1]
    checked = old.ok("check").stdout
    assert f"note     replay: entries before {seq} predate replay" in checked
    assert f"ok       replay: {since} entries replayed; the records match the log" in checked


def _entries_after(path: Path, seq: int) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM audit WHERE seq > ?", [seq]).fetchone()[0]
    finally:
        conn.close()


def next_candidate(hall: Hall, call: int) -> str:
    ranked = hall.json("call", "rank", str(call))["candidates"]
    return next(c["card"] for c in ranked if c["eligible"] and "outcome" not in c)


def test_an_edit_after_the_upgrade_is_caught(old: Hall):
    old.ok("migrate")
    old.ok("resign", "1139", actor="maria")
    conn = sqlite3.connect(old.path, isolation_level=None)
    try:
        reg = conn.execute("SELECT id FROM registrations WHERE card = '1139' AND status = 'waiting'").fetchone()[0]
        conn.execute("UPDATE registrations SET registered_at = '2020-01-01T00:00:00Z' WHERE id = ?", [reg])
    finally:
        conn.close()
    difference = json.loads(old.run("audit", "replay", "--json").stdout)["difference"]
    seq, _ = snapshot_entry(old.path)
    assert difference["row"] == f"registration 1139 JW-1 (id {reg})" and difference["column"] == "registered_at"
    # registered_at was last set before the upgrade: the snapshot holds it
    assert difference["text"].endswith(f"in the log (the snapshot at entry {seq})")
    assert old.run("check").exit_code == 1


def test_an_edit_of_the_snapshot_is_caught(old: Hall):
    old.ok("migrate")
    seq, _ = snapshot_entry(old.path)
    conn = sqlite3.connect(old.path, isolation_level=None)
    try:  # move a registration up in the snapshot and in the table alike
        row_id, text = conn.execute("SELECT id, row FROM replay_snapshot WHERE tbl = 'registrations'"
                                    " ORDER BY id DESC LIMIT 1").fetchone()
        row = json.loads(text)
        row["registered_at"] = "2020-01-01T00:00:00Z"
        conn.execute("UPDATE replay_snapshot SET row = ? WHERE id = ?", [audit.canonical_data(row), row_id])
        conn.execute("UPDATE registrations SET registered_at = ? WHERE id = ?", [row["registered_at"], row["id"]])
    finally:
        conn.close()
    result = old.run("audit", "replay")
    assert result.exit_code == 1
    assert result.stderr == (f"Replay FAILED: entry {seq} cannot be replayed: the snapshot recorded at entry {seq} "
                             "was changed: its rows do not match the hash in that entry.\n")
