"""Storage: pragmas on every connection, owner-only files, triggers after migrations, backups."""

from __future__ import annotations

import sqlite3
import stat

import pytest

from hall import schema
from hall.db import connect, connect_read_only, immediate
from hall.errors import Busy, NoDatabase
from hall.operations.employers import add_employer
from tests.hall.conftest import Hall, dump
from tests.conftest import ACTOR


def test_pragmas_on_each_connection(fresh_db):
    for _ in range(2):
        db = connect(fresh_db)
        try:
            assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
            assert db.execute("PRAGMA synchronous").fetchone()[0] == 2
            assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 3000
        finally:
            db.close()
    ro = connect_read_only(fresh_db)
    try:
        assert ro.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert ro.execute("PRAGMA busy_timeout").fetchone()[0] >= 3000
        with pytest.raises(sqlite3.OperationalError):
            ro.execute("INSERT INTO employers (name, created_at) VALUES ('x', 'y')")
    finally:
        ro.close()


def test_foreign_keys_enforced(fresh_db):
    db = connect(fresh_db)
    try:
        with pytest.raises(sqlite3.IntegrityError):
            with immediate(db):
                db.execute("INSERT INTO member_classes (card, classification) VALUES ('nobody', 'JW')")
    finally:
        db.close()


def test_file_is_owner_only(fresh_db):
    assert stat.S_IMODE(fresh_db.stat().st_mode) == 0o600


def test_missing_file_is_not_created(tmp_path):
    path = tmp_path / "typo.db"
    with pytest.raises(NoDatabase, match="hall init"):
        connect(path)
    with pytest.raises(NoDatabase, match="hall init"):
        connect_read_only(path)
    assert not path.exists()


def test_audit_triggers_exist_after_migrations(fresh_db):
    db = connect(fresh_db)
    try:
        names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit'")}
        assert set(schema.AUDIT_TRIGGERS) <= names
        assert schema.pending(db) == []
        assert schema.schema_version(db) == schema.latest_version()
        with immediate(db):
            schema.upgrade(db)  # idempotent
        names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit'")}
        assert set(schema.AUDIT_TRIGGERS) <= names
    finally:
        db.close()


def test_migrate_command_on_an_up_to_date_database(hall):
    before = hall.state()
    assert "up to date" in hall.ok("migrate").stdout
    assert hall.state() == before


def test_write_lock_is_taken_up_front(store):
    holder = connect(store.path)
    try:
        holder.conn.execute("PRAGMA busy_timeout = 0")
        holder.conn.execute("BEGIN IMMEDIATE")
        other = connect(store.path)
        other.conn.execute("PRAGMA busy_timeout = 50")
        with pytest.raises(Busy):
            with immediate(other):
                pass
        other.close()
    finally:
        holder.conn.execute("ROLLBACK")
        holder.close()
    add_employer(store, "Acme", actor=ACTOR)  # works once the lock is gone


def test_backup_copy_verifies(hall, tmp_path):
    hall.ok("employer", "add", "Acme")
    dest = tmp_path / "backup.db"
    out = hall.ok("backup", str(dest)).stdout
    head = hall.head()
    assert head in out
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    copy = Hall(dest)
    assert copy.ok("audit", "verify", actor=None).exit_code == 0
    assert copy.head() == head
    assert dump(dest) == dump(hall.path)
    # a second backup to the same place is refused, the first is kept
    hall.fails("backup", str(dest))
    assert copy.head() == head


def test_backup_into_a_missing_folder(hall, tmp_path):
    hall.fails("backup", str(tmp_path / "nope" / "b.db"))
    assert not (tmp_path / "nope").exists()
