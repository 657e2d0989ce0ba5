"""`hall check`: a readable report, exit 1 on any problem, nothing written."""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from freezegun import freeze_time

from hall.clock import system_now
from tests.conftest import Hall, new_hall, unchanged
from tests.reliability.helpers import hall_with_members


def run_check(db: Path):
    result = Hall(db, clock=system_now).run("check", actor=None)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def line_for(result, name: str) -> str:
    found = [l for l in result.stdout.splitlines() if f" {name}:" in l]
    assert found, result.stdout
    return found[0]


def _sql(db: Path, *statements: str) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        for s in statements:
            conn.execute(s)
    finally:
        conn.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "hall.db"
    hall_with_members(path, members_count=3, employers_count=1)
    return path


def test_a_sound_hall_passes_and_nothing_is_written(db: Path):
    with unchanged(db):
        result = run_check(db)
    assert result.exit_code == 0, result.output
    out = result.stdout
    for name in ("integrity", "foreign keys", "schema", "audit chain", "audit triggers",
                 "re-sign removals", "file permissions"):
        assert line_for(result, name).strip().startswith("ok"), out
    assert out.strip().endswith("All checks passed.")


def test_loose_file_permissions_are_a_problem(db: Path):
    os.chmod(db, 0o644)
    result = run_check(db)
    assert result.exit_code == 1
    assert "PROBLEM" in line_for(result, "file permissions") and "chmod 600" in result.stdout
    assert result.stdout.strip().endswith("1 problem found.")


def test_a_missing_audit_trigger_is_a_problem(db: Path):
    _sql(db, "DROP TRIGGER audit_no_update")
    result = run_check(db)
    assert result.exit_code == 1
    assert "audit_no_update" in line_for(result, "audit triggers")


def test_an_edited_audit_entry_is_a_problem(db: Path):
    _sql(db, "DROP TRIGGER audit_no_update", "UPDATE audit SET actor = 'mallory' WHERE seq = 3")
    result = run_check(db)
    assert result.exit_code == 1
    assert "entry 3" in line_for(result, "audit chain")


def test_a_dangling_reference_is_a_problem(db: Path):
    _sql(db, "PRAGMA foreign_keys = OFF",
         "INSERT INTO registrations (card, book_id, registered_at, last_signed_at)"
         " VALUES ('NOBODY', 'JW-1', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')")
    result = run_check(db)
    assert result.exit_code == 1
    assert "PROBLEM" in line_for(result, "foreign keys") and "registrations" in result.stdout


def test_a_pending_migration_is_a_problem(db: Path):
    _sql(db, "DELETE FROM _sqlite_migrations WHERE name = 'm002_corrections'")
    result = run_check(db)
    assert result.exit_code == 1
    assert "hall migrate" in line_for(result, "schema")


def test_a_newer_schema_is_a_problem(db: Path):
    _sql(db, "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
             " VALUES ('hall', 'm999_future', '2030-01-01')")
    result = run_check(db)
    assert result.exit_code == 1
    assert "newer version" in line_for(result, "schema")


def test_lapsed_registrations_are_a_note_not_a_fault(db: Path):
    with unchanged(db), freeze_time(datetime.now(UTC) + timedelta(days=60)):  # nobody re-signed since
        result = run_check(db)  # check does not record the removals itself
    assert result.exit_code == 0, result.output
    line = line_for(result, "re-sign removals")
    assert line.strip().startswith("note") and "3 registration" in line


def test_a_damaged_file_is_a_problem(db: Path):
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.close()
    with open(db, "r+b") as handle:  # scribble over the second half of the file's pages
        for page in range(pages // 2, pages):
            handle.seek(page * page_size + 100)
            handle.write(b"\xde\xad\xbe\xef" * 64)
    result = run_check(db)
    assert result.exit_code == 1
    assert "PROBLEM" in result.stdout


def test_not_a_database_at_all(tmp_path: Path):
    path = tmp_path / "notes.db"
    path.write_text("shopping list\n" * 200)
    os.chmod(path, 0o600)
    result = run_check(path)
    assert result.exit_code == 1
    assert "PROBLEM" in line_for(result, "integrity")


def test_a_missing_file_is_one_sentence(tmp_path: Path):
    result = run_check(tmp_path / "nope.db")
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "no hall database" in result.stderr
    assert not (tmp_path / "nope.db").exists()


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_init_and_backup_make_owner_only_files(tmp_path: Path):
    old = os.umask(0o022)
    try:
        cli = Hall(new_hall(tmp_path / "new.db", at=system_now()), clock=system_now)
        cli.ok("member", "add", "1", "--name", "A B", "--class", "JW")
        cli.ok("backup", str(tmp_path / "copy.db"))
    finally:
        os.umask(old)
    for name in ("new.db", "copy.db"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name
    for extra in ("new.db-wal", "new.db-shm"):
        path = tmp_path / extra
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, f"{extra} is readable by others"


def test_check_names_the_sqlite_library_and_notes_the_wal_reset_bug(db: Path):
    import sqlite3 as sqlite

    from hall.check import has_wal_reset_bug

    line = line_for(run_check(db), "sqlite")
    assert sqlite.sqlite_version in line
    assert line.strip().startswith("note" if has_wal_reset_bug(sqlite.sqlite_version) else "ok")
    affected = ["3.7.0", "3.40.1", "3.44.5", "3.45.0", "3.50.6", "3.51.0", "3.51.2"]
    fixed = ["3.6.23", "3.44.6", "3.44.9", "3.50.7", "3.51.3", "3.52.0"]
    assert [has_wal_reset_bug(v) for v in affected] == [True] * len(affected)
    assert [has_wal_reset_bug(v) for v in fixed] == [False] * len(fixed)
