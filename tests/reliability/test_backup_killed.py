"""A backup or a restore killed part-way (SIGKILL) leaves the destination absent or whole: the copy is
made under a temporary name beside it and renamed into place; the next run cleans up what a killed
one left, and `hall check` names such leftovers beside the database (issue 12, section 4)."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from hall.clock import system_now
from tests.conftest import Hall
from tests.reliability.helpers import connect, cut_off_copy, hall_with_members

ROOT = Path(__file__).resolve().parents[2]

KILLED_PART_WAY = """
import sys
from pathlib import Path
from hall.store import Store

def progress(status, remaining, total):
    # One step of the copy is done: say so, then wait to be killed.
    print(f"copying {remaining} {total}", flush=True)
    sys.stdin.readline()

what, src, dest = sys.argv[1:4]
if what == "backup":
    from hall.backup import backup_to
    backup_to(Store(src), Path(dest), progress=progress)
else:
    from hall.backup import restore_from
    restore_from(Path(src), Path(dest), force=True, progress=progress)
print("finished", flush=True)
"""


def kill_part_way(what: str, src: Path, dest: Path) -> None:
    """Run a backup (``what`` = "backup") or a restore in a process and SIGKILL it once the copy has
    begun and pages remain to copy."""
    proc = subprocess.Popen([sys.executable, "-c", KILLED_PART_WAY, what, str(src), str(dest)], cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("copying "), f"{line!r} {proc.stderr.read() if proc.poll() is not None else ''}"
        remaining, total = map(int, line.split()[1:])
        assert 0 < remaining < total, line  # part-way
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
        proc.stdout.close()
        proc.stderr.close()
        proc.stdin.close()
    assert proc.returncode == -signal.SIGKILL


def padded_hall(path: Path) -> Path:
    """A small hall made big enough (about 6 MB) that its copy takes several steps of 1,024 pages."""
    hall_with_members(path, members_count=3, employers_count=1)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE padding (b BLOB)")
    for _ in range(6):
        conn.execute("INSERT INTO padding VALUES (randomblob(1000000))")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


def run(db: Path, *args: str):
    cli = Hall(db, clock=system_now)
    result = cli.run(*args, actor=None if args[0] in ("check", "audit") else "")
    assert "Traceback" not in result.output
    return result


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".backup-" in p.name or ".restoring-" in p.name)


def one_sentence(result) -> str:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.slow
def test_a_killed_backup_leaves_no_destination_and_the_next_one_cleans_up(tmp_path: Path):
    db = padded_hall(tmp_path / "hall.db")
    dest = tmp_path / "backup.db"
    kill_part_way("backup", db, dest)

    assert not dest.exists() and not Path(f"{dest}-journal").exists()
    left = leftovers(tmp_path)
    assert left and all(name.startswith(".backup.db.backup-") for name in left), left
    checked = run(db, "check")
    assert checked.exit_code == 0, checked.output  # information, not a problem
    note = [line for line in checked.stdout.splitlines() if "leftover" in line]
    assert note and left[0] in note[0] and "delete" in note[0], checked.stdout
    refused = one_sentence(run(db, "restore", "--force", str(dest)))
    assert "There is no backup at" in refused
    from_leftover = one_sentence(run(db, "restore", "--force", str(tmp_path / left[0])))
    assert "readonly" not in from_leftover and "not a complete copy" in from_leftover

    made = run(db, "backup", str(dest))
    assert made.exit_code == 0, made.output
    assert leftovers(tmp_path) == [], "the killed backup's leftovers were not cleaned up"
    assert run(dest, "audit", "verify").exit_code == 0
    assert "backup-" not in run(db, "check").stdout


@pytest.mark.slow
def test_a_killed_restore_leaves_the_database_and_the_next_one_works(tmp_path: Path):
    db = padded_hall(tmp_path / "hall.db")
    copy = tmp_path / "copy.db"
    assert run(db, "backup", str(copy)).exit_code == 0
    Hall(db, clock=system_now).ok("member", "add", "9999", "--name", "After Backup", "--class", "JW")
    before = digest(db)

    kill_part_way("restore", copy, db)

    assert digest(db) == before, "a killed restore changed the database"
    assert not Path(f"{db}-journal").exists()
    left = leftovers(tmp_path)
    assert left and all(name.startswith(".hall.db.restoring-") for name in left), left
    checked = run(db, "check")
    note = [line for line in checked.stdout.splitlines() if "leftover" in line]
    assert note and left[0] in note[0] and "delete" in note[0], checked.stdout

    restored = run(db, "restore", "--force", str(copy))
    assert restored.exit_code == 0, restored.output
    assert leftovers(tmp_path) == []
    conn = connect(db)
    assert conn.execute("SELECT count(*) FROM members WHERE card = '9999'").fetchone()[0] == 0
    conn.close()
    assert run(db, "check").exit_code == 0


def test_restoring_a_partial_backup_with_a_hot_journal_says_so(tmp_path: Path):
    """A copy cut off by an older hall (the file and its hot journal) is named as such, not as "attempt
    to write a readonly database", and left byte for byte as it was."""
    db = tmp_path / "hall.db"
    hall_with_members(db, members_count=3, employers_count=1)
    partial = tmp_path / "partial.db"
    assert run(db, "backup", str(partial)).exit_code == 0  # rollback-journal mode, as backups are
    cut = tmp_path / "cut.db"
    cut_off_copy(partial, cut)
    before = digest(cut), digest(Path(f"{cut}-journal"))
    sentence = one_sentence(run(db, "restore", "--force", str(cut)))
    assert "readonly" not in sentence and "hot journal" in sentence and "not a complete copy" in sentence
    note = [line for line in run(db, "check").stdout.splitlines() if "leftovers" in line]
    assert note and "cut.db-journal" in note[0] and "delete both" in note[0]
    assert "partial.db" not in note[0]  # its transaction ended: the journal is gone
    assert (digest(cut), digest(Path(f"{cut}-journal"))) == before


def test_check_leaves_a_leftover_of_a_running_copy_alone_and_says_so(tmp_path: Path):
    db = tmp_path / "hall.db"
    hall_with_members(db, members_count=1, employers_count=1)
    running = tmp_path / f".other.db.backup-{os.getpid()}"  # this process is alive
    running.write_bytes(b"x" * 10)
    note = [line for line in run(db, "check").stdout.splitlines() if running.name in line]
    assert note and "still running" in note[0], note
    assert running.exists()
