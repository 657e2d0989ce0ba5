"""Several terminals at once: 4 processes dispatch on one database file for ~10 seconds.

Also the control case (why every write uses BEGIN IMMEDIATE) and the busy
message a writer gets when another terminal holds the lock too long.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

import hall.db
from hall.clock import system_now
from hall.errors import Busy, HallError
from hall.operations import members
from hall.store import Store
from tests.conftest import ACTOR, Hall, unchanged
from tests.reliability.helpers import (
    assert_dispatch_rules_held,
    assert_receipts_present,
    assert_sound,
    assert_whole_operations,
    hall_with_members,
    read_log,
    start_worker,
    wait_ready,
)

BUSY_SENTENCE = "The database is busy (another terminal is writing); try again."
SECONDS = 10.0


@pytest.mark.slow
def test_four_terminals_dispatching_at_once(tmp_path: Path):
    db = tmp_path / "hall.db"
    hall_with_members(db, members_count=40)
    procs = []
    for n in range(4):
        log = tmp_path / f"worker{n}.log"
        procs.append((start_worker(db, log, seed=100 + n, seconds=SECONDS, name=f"term{n}"), log))
    for proc, _ in procs:
        wait_ready(proc)
    for proc, _ in procs:
        proc.wait(timeout=SECONDS + 60)
    lines = [line for _, log in procs for line in read_log(log)]
    errors = [line["error"] for line in lines if "error" in line]
    assert not errors, "a worker hit an unexpected error:\n" + errors[0]
    for proc, _ in procs:
        assert proc.returncode == 0, proc.stderr.read()

    acknowledged = [line for line in lines if "seq" in line]
    refused = [line for line in lines if "refused" in line]
    by_op = Counter(line["op"] for line in acknowledged)
    # Enough happened, from every terminal, for the checks below to mean something.
    assert by_op["offer"] >= 40 and by_op["take_call"] >= 5 and by_op["end_job"] >= 5, by_op
    assert {line["worker"] for line in acknowledged} == {f"term{n}" for n in range(4)}
    # The terminals really raced: some offers were refused because another got there first.
    assert any(line["op"] == "offer" for line in refused), "no offer race happened"
    # Jumping down the list is refused...
    assert any("is ahead on the list" in line["refused"] for line in refused if line["op"] == "offer")
    # ...and a "jump" went through only when, by then, the one above had an outcome from
    # another terminal (or had left the list): the snapshot in its audit entry shows it.
    entries = _snapshots(db)
    for line in acknowledged:
        if line.get("jumped"):
            above = {row["card"]: row for row in entries[line["seq"]][:-1]}
            first = above.get(line["first"])
            assert first is None or first["outcome"] is not None or not first["eligible"], line

    assert_sound(db)
    assert_whole_operations(db)
    stats = assert_dispatch_rules_held(db)
    assert stats["offers"] == by_op["offer"]
    assert_receipts_present(db, acknowledged)
    seqs = [line["seq"] for line in acknowledged]
    assert len(seqs) == len(set(seqs)), "two operations were given the same receipt"


def _snapshots(db: Path) -> dict[int, list[dict]]:
    conn = sqlite3.connect(db)
    try:
        return {seq: json.loads(snap) for seq, snap in conn.execute(
            "SELECT seq, json_extract(data, '$.snapshot') FROM audit WHERE action = 'offer.recorded'")}
    finally:
        conn.close()


def _two_connections(path: Path) -> tuple[sqlite3.Connection, sqlite3.Connection]:
    a = hall.db.connect(path).conn
    b = hall.db.connect(path).conn
    return a, b


def test_control_a_deferred_transaction_fails_where_begin_immediate_waits(tmp_path: Path):
    """Two terminals read then write. With a plain BEGIN the second gets 'database is locked'
    at once, busy_timeout notwithstanding (its snapshot is stale: SQLITE_BUSY_SNAPSHOT).
    With BEGIN IMMEDIATE the second waits its turn and succeeds."""
    db = tmp_path / "hall.db"
    hall_with_members(db, members_count=1)
    a, b = _two_connections(db)
    try:
        a.execute("BEGIN")
        b.execute("BEGIN")
        a.execute("SELECT count(*) FROM employers").fetchone()
        b.execute("SELECT count(*) FROM employers").fetchone()
        a.execute("INSERT INTO employers (name, created_at) VALUES ('A Co', 'x')")
        a.execute("COMMIT")
        started = time.monotonic()
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            b.execute("INSERT INTO employers (name, created_at) VALUES ('B Co', 'x')")
        assert time.monotonic() - started < hall.db.BUSY_TIMEOUT_SECONDS / 2, "it should fail at once"
        b.execute("ROLLBACK")

        # The same situation with BEGIN IMMEDIATE: B waits for A, then reads fresh data and writes.
        a.execute("BEGIN IMMEDIATE")
        a.execute("SELECT count(*) FROM employers").fetchone()
        b_asked = threading.Event()  # B's BEGIN IMMEDIATE has started to run (it waits inside it)
        b.set_trace_callback(lambda sql: b_asked.set() if sql.startswith("BEGIN IMMEDIATE") else None)
        b_saw: list[set[str]] = []

        def second():
            b.execute("BEGIN IMMEDIATE")
            b_saw.append({r[0] for r in b.execute("SELECT name FROM employers")})
            b.execute("INSERT INTO employers (name, created_at) VALUES ('D Co', 'x')")
            b.execute("COMMIT")

        thread = threading.Thread(target=second)
        thread.start()
        assert b_asked.wait(timeout=10), "B never asked for the write lock"
        a.execute("INSERT INTO employers (name, created_at) VALUES ('C Co', 'x')")
        a.execute("COMMIT")
        thread.join(timeout=10)
        # B asked before A wrote C Co, yet its transaction saw C Co: it waited for A's commit.
        assert b_saw and "C Co" in b_saw[0], "B must wait while A holds the write lock"
        names = {r[0] for r in a.execute("SELECT name FROM employers")}
        assert {"A Co", "C Co", "D Co"} <= names and "B Co" not in names
    finally:
        a.close()
        b.close()


@pytest.fixture
def short_wait(monkeypatch):
    monkeypatch.setattr(hall.db, "BUSY_TIMEOUT_SECONDS", 0.3)


def test_a_writer_waiting_too_long_gets_busy_and_writes_nothing(tmp_path: Path, short_wait):
    db = tmp_path / "hall.db"
    store = hall_with_members(db, members_count=1)
    holder = sqlite3.connect(db, isolation_level=None)
    with unchanged(db):
        holder.execute("BEGIN IMMEDIATE")
        try:
            started = time.monotonic()
            with pytest.raises(Busy) as caught:
                members.add_member(store, "2001", "Late Writer", actor=ACTOR, classes=["JW"])
            assert str(caught.value) == BUSY_SENTENCE
            assert isinstance(caught.value, HallError)
            assert time.monotonic() - started >= 0.25  # it waited (about the busy timeout) first
        finally:
            holder.execute("ROLLBACK")
            holder.close()
    # Once the lock is free the same operation goes through.
    members.add_member(store, "2001", "Late Writer", actor=ACTOR, classes=["JW"])


def test_the_cli_says_busy_in_one_sentence(tmp_path: Path, short_wait):
    db = tmp_path / "hall.db"
    hall_with_members(db, members_count=1)
    cli = Hall(db, clock=system_now)
    cli.token("tester")
    holder = sqlite3.connect(db, isolation_level=None)
    with unchanged(db):
        holder.execute("BEGIN IMMEDIATE")
        try:
            result = cli.run("member", "add", "2001", "--name", "Late", "--class", "JW")
        finally:
            holder.execute("ROLLBACK")
            holder.close()
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.strip().splitlines() == [f"Error: {BUSY_SENTENCE}"]
    assert "Traceback" not in result.output


def test_a_busy_store_write_leaves_no_transaction_open(tmp_path: Path, short_wait):
    """After Busy, the next operation on the same Store works (no stuck lock, no half state)."""
    db = tmp_path / "hall.db"
    store = hall_with_members(db, members_count=1)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    with pytest.raises(Busy):
        members.add_member(store, "2002", "X Y", actor=ACTOR)
    holder.execute("ROLLBACK")
    holder.close()
    receipt = members.add_member(Store(db), "2002", "X Y", actor=ACTOR)
    assert receipt.seq > 0
    assert_sound(db)
