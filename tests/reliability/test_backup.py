"""Backups while the hall works, and restoring one."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from hall import backup as backup_module
from hall.clock import system_now
from hall.operations import members
from hall.store import Store
from tests.conftest import ACTOR, Hall, dump, unchanged
from tests.reliability.helpers import (
    assert_receipts_present,
    assert_sound,
    assert_whole_operations,
    hall_with_members,
    read_log,
    start_worker,
    wait_for_acks,
    wait_ready,
)


def hall(db: Path, *args: str):
    result = Hall(db, clock=system_now).run(*args, actor=None if args[0] == "check" else "tester")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert "Traceback" not in result.output
    return result


ACKS = 5  # operations each writer acknowledges before the backup, and again after it


@pytest.mark.slow
def test_backup_while_two_writers_work(tmp_path: Path):
    db = tmp_path / "hall.db"
    hall_with_members(db, members_count=30)
    logs = [tmp_path / f"w{n}.log" for n in range(2)]
    procs = [start_worker(db, log, seed=7 + n, seconds=60, name=f"w{n}", tell=True) for n, log in enumerate(logs)]
    try:
        for proc in procs:
            wait_ready(proc)
        for proc in procs:
            wait_for_acks(proc, ACKS)
        acknowledged = [line for log in logs for line in read_log(log) if "seq" in line]
        copy = tmp_path / "backup.db"
        result = hall(db, "backup", str(copy))
        assert result.exit_code == 0, result.output
        for proc in procs:  # the writers keep working after the backup
            wait_for_acks(proc, ACKS)
    finally:
        for proc in procs:
            proc.terminate()
    for proc in procs:
        _, errors = proc.communicate(timeout=60)
        assert proc.returncode == 0, errors
    lines = [line for log in logs for line in read_log(log)]
    assert not [line for line in lines if "error" in line]
    assert len(acknowledged) >= 2 * ACKS

    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    checked = hall(copy, "check")
    assert checked.exit_code == 0, checked.output
    assert_sound(copy)
    assert_whole_operations(copy)
    assert_receipts_present(copy, acknowledged)  # everything acknowledged before the backup began
    # The copy's log is a prefix of the live one.
    live = sqlite3.connect(db)
    backup = sqlite3.connect(copy)
    seq, digest = backup.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    assert live.execute("SELECT hash FROM audit WHERE seq = ?", [seq]).fetchone()[0] == digest
    assert live.execute("SELECT max(seq) FROM audit").fetchone()[0] > seq
    live.close()
    backup.close()


def test_backup_refuses_to_overwrite(tmp_path: Path):
    db = tmp_path / "hall.db"
    hall_with_members(db, members_count=1, employers_count=1)
    existing = tmp_path / "old.db"
    existing.write_bytes(b"keep me")
    result = hall(db, "backup", str(existing))
    assert result.exit_code == 1 and existing.read_bytes() == b"keep me"


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A live hall, a backup of it, and then more work on the live hall."""
    db = tmp_path / "hall.db"
    store = hall_with_members(db, members_count=3, employers_count=1)
    copy = tmp_path / "backup.db"
    assert hall(db, "backup", str(copy)).exit_code == 0
    members.add_member(store, "9999", "After Backup", actor=ACTOR)
    return db, copy, tmp_path


def test_restore_refuses_to_overwrite_without_force(pair):
    db, copy, _ = pair
    with unchanged(db):
        result = hall(db, "restore", str(copy))
    assert result.exit_code == 1 and "--force" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_restore_with_force_puts_the_backup_in_place(pair):
    db, copy, _ = pair
    result = hall(db, "restore", "--force", str(copy))
    assert result.exit_code == 0, result.output
    assert dump(db) == dump(copy)
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert hall(db, "check").exit_code == 0
    assert "9999" not in [row[0] for row in dump(db)["members"]]  # added after the backup
    assert not list(db.parent.glob(".hall.db.restoring-*")), "a temporary file was left behind"
    # The restored hall works.
    members.add_member(Store(db), "8888", "After Restore", actor=ACTOR)
    assert_sound(db)


def test_restore_to_a_new_path_needs_no_force(pair):
    _, copy, folder = pair
    target = folder / "fresh.db"
    assert Hall(target, clock=system_now).run("restore", str(copy), actor=None).exit_code == 0  # no hall there: no log-in
    assert dump(target) == dump(copy)


def test_restore_removes_a_stale_wal_of_the_old_database(pair):
    """A -wal left by the old database must not be replayed onto the restored one."""
    db, copy, folder = pair
    # Make a real, un-checkpointed WAL for hall.db and keep a copy of it.
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("UPDATE members SET phone = '555-0000'")
    conn.execute("INSERT INTO employers (name, created_at) VALUES ('Stale WAL Co', 'x')")
    conn.execute("COMMIT")
    wal = Path(str(db) + "-wal")
    saved = wal.read_bytes()
    conn.close()
    wal.write_bytes(saved)  # as if the last terminal had died without checkpointing
    assert hall(db, "restore", "--force", str(copy)).exit_code == 0
    assert dump(db) == dump(copy), "the old WAL was applied to the restored database"
    assert hall(db, "check").exit_code == 0


@pytest.mark.parametrize("damage", ["tampered", "not a database", "missing", "itself", "damaged"])
def test_restore_checks_the_source_first(pair, damage):
    db, copy, folder = pair
    if damage == "tampered":
        conn = sqlite3.connect(copy, isolation_level=None)
        conn.execute("DROP TRIGGER audit_no_update")
        conn.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 2")
        conn.close()
        source = copy
    elif damage == "not a database":
        source = folder / "notes.txt"
        source.write_text("hello\n" * 500)
    elif damage == "missing":
        source = folder / "nope.db"
    elif damage == "itself":
        source = db
    else:
        conn = sqlite3.connect(copy)
        page, count = conn.execute("PRAGMA page_size").fetchone()[0], conn.execute("PRAGMA page_count").fetchone()[0]
        conn.close()
        with open(copy, "r+b") as handle:
            for n in range(count // 2, count):
                handle.seek(n * page + 50)
                handle.write(b"\x00\xff" * 200)
        source = copy
    with unchanged(db):
        result = hall(db, "restore", "--force", str(source))
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_a_failed_replace_leaves_the_old_database(pair, monkeypatch):
    db, copy, folder = pair

    def broken(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backup_module.os, "replace", broken)
    with unchanged(db):
        result = hall(db, "restore", "--force", str(copy))
    assert result.exit_code == 1 and "No space left" in result.stderr
    assert not list(folder.glob(".hall.db.restoring-*"))
