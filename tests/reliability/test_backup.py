"""Backups while the hall works, and restoring one."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from hall import backup as backup_module
from hall.cli import main
from hall.operations import members
from hall.store import Store
from tests.reliability.helpers import (
    assert_receipts_present,
    assert_sound,
    assert_whole_operations,
    make_hall,
    read_log,
    start_worker,
    wait_ready,
)


def hall(db: Path, *args: str):
    result = CliRunner().invoke(main, list(args), env={"HALL_DB": str(db), "HALL_ACTOR": "t"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert "Traceback" not in result.output
    return result


def _dump(db: Path):
    conn = sqlite3.connect(db)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


@pytest.mark.slow
def test_backup_while_two_writers_work(tmp_path: Path):
    db = tmp_path / "hall.db"
    make_hall(db, members_count=30)
    logs = [tmp_path / f"w{n}.log" for n in range(2)]
    procs = [start_worker(db, log, seed=7 + n, seconds=5, name=f"w{n}") for n, log in enumerate(logs)]
    for proc in procs:
        wait_ready(proc)
    time.sleep(1.5)
    acknowledged = [line for log in logs for line in read_log(log) if "seq" in line]
    assert acknowledged, "the writers did nothing before the backup"
    copy = tmp_path / "backup.db"
    result = hall(db, "backup", str(copy))
    assert result.exit_code == 0, result.output
    after_backup = sum(1 for log in logs for line in read_log(log) if "seq" in line)
    for proc in procs:
        proc.wait(timeout=60)
    lines = [line for log in logs for line in read_log(log)]
    assert not [line for line in lines if "error" in line]
    finished = sum(1 for line in lines if "seq" in line)
    assert finished > after_backup, "the writers should keep working after the backup"

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
    live.close()
    backup.close()


def test_backup_refuses_to_overwrite(tmp_path: Path):
    db = tmp_path / "hall.db"
    make_hall(db, members_count=1, employers_count=1)
    existing = tmp_path / "old.db"
    existing.write_bytes(b"keep me")
    result = hall(db, "backup", str(existing))
    assert result.exit_code == 1 and existing.read_bytes() == b"keep me"


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A live hall, a backup of it, and then more work on the live hall."""
    db = tmp_path / "hall.db"
    store = make_hall(db, members_count=3, employers_count=1)
    copy = tmp_path / "backup.db"
    assert hall(db, "backup", str(copy)).exit_code == 0
    members.add_member(store, "9999", "After Backup", actor="t")
    return db, copy, tmp_path


def test_restore_refuses_to_overwrite_without_force(pair):
    db, copy, _ = pair
    before = _dump(db)
    result = hall(db, "restore", str(copy))
    assert result.exit_code == 1 and "--force" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert _dump(db) == before


def test_restore_with_force_puts_the_backup_in_place(pair):
    db, copy, _ = pair
    result = hall(db, "restore", "--force", str(copy))
    assert result.exit_code == 0, result.output
    assert _dump(db) == _dump(copy)
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert hall(db, "check").exit_code == 0
    assert "9999" not in "".join(_dump(db))
    assert not list(db.parent.glob(".hall.db.restoring-*")), "a temporary file was left behind"
    # The restored hall works.
    members.add_member(Store(db), "8888", "After Restore", actor="t")
    assert_sound(db)


def test_restore_to_a_new_path_needs_no_force(pair):
    _, copy, folder = pair
    target = folder / "fresh.db"
    assert hall(target, "restore", str(copy)).exit_code == 0
    assert _dump(target) == _dump(copy)


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
    assert _dump(db) == _dump(copy), "the old WAL was applied to the restored database"
    assert hall(db, "check").exit_code == 0


@pytest.mark.parametrize("damage", ["tampered", "not a database", "missing", "itself", "damaged"])
def test_restore_checks_the_source_first(pair, damage):
    db, copy, folder = pair
    before = _dump(db)
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
    result = hall(db, "restore", "--force", str(source))
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert _dump(db) == before


def test_a_failed_replace_leaves_the_old_database(pair, monkeypatch):
    db, copy, folder = pair
    before = _dump(db)

    def broken(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backup_module.os, "replace", broken)
    result = hall(db, "restore", "--force", str(copy))
    assert result.exit_code == 1 and "No space left" in result.stderr
    assert _dump(db) == before
    assert not list(folder.glob(".hall.db.restoring-*"))
