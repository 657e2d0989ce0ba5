"""Anything that only reads opens the file read-only and leaves every byte as it was: a file that is
no hall, a backup in rollback-journal mode, a partial copy with a hot journal (issue 12, section 4)."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import Hall
from tests.reliability.helpers import cut_off_copy


def hashes(*paths: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else None for p in paths}


def test_a_file_that_is_no_hall_is_not_switched_to_wal(tmp_path):
    other = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes (x)")
    conn.commit()
    conn.close()
    files = (other, Path(f"{other}-wal"), Path(f"{other}-shm"), Path(f"{other}-journal"))
    before = hashes(*files)
    cli = Hall(other)
    for result in (cli.invoke("list"), cli.invoke("list", token="hall_anything"), cli.invoke("audit", "verify")):
        assert result.exit_code == 1 and "not a hall database" in result.stderr
    assert hashes(*files) == before
    assert sqlite3.connect(other).execute("PRAGMA journal_mode").fetchone()[0] == "delete"


@pytest.fixture
def backup(hall: Hall, tmp_path) -> Path:
    """A copy of a hall in rollback-journal mode, as a backup on a USB stick is."""
    hall.ok("member", "add", "1042", "--name", "Ada Lovelace", "--class", "JW")
    copy = tmp_path / "backup.db"
    source = sqlite3.connect(hall.path)
    target = sqlite3.connect(copy)
    source.backup(target)
    target.execute("PRAGMA journal_mode = DELETE")
    target.close()
    source.close()
    return copy


def test_audit_verify_and_check_on_a_backup_change_nothing(backup):
    files = (backup, Path(f"{backup}-wal"), Path(f"{backup}-shm"))
    before = hashes(*files)
    cli = Hall(backup)
    assert cli.invoke("audit", "verify").exit_code == 0
    assert cli.invoke("audit", "head").exit_code == 0
    assert cli.invoke("check").exit_code in (0, 1)
    assert hashes(*files) == before


def test_a_partial_backup_with_a_hot_journal_is_one_sentence_and_left_as_it_was(backup, tmp_path):
    partial = tmp_path / "partial.db"
    cut_off_copy(backup, partial)  # killed part-way: the file and its hot journal
    files = (partial, Path(f"{partial}-journal"))
    before = hashes(*files)
    result = Hall(partial).invoke("audit", "verify")
    assert result.exit_code == 1 and "hot journal" in result.stderr and "changed nothing" in result.stderr
    assert "Traceback" not in result.output
    assert hashes(*files) == before
