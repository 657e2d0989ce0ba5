"""Online backups with SQLite's backup API: safe while other terminals write."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from hall import audit
from hall.db import connect
from hall.errors import HallError


def backup_to(store, dest: Path, *, progress=None) -> str:
    """Copy the hall's database to ``dest`` (owner-only), then check the copy's chain."""
    dest = Path(dest)
    if dest.exists():
        raise HallError(f"{dest} already exists: choose a new file name for the backup.")
    if not dest.parent.exists():
        raise HallError(f"The folder {dest.parent} does not exist.")
    source = connect(store.path)
    try:
        fd = os.open(dest, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
        target = sqlite3.connect(dest)
        try:
            source.conn.backup(target, pages=1024, progress=progress)
            target.execute("PRAGMA journal_mode = DELETE")
        finally:
            target.close()
    except sqlite3.Error as error:
        dest.unlink(missing_ok=True)
        raise HallError(f"The backup failed: {error}.") from None
    finally:
        source.close()
    copy = sqlite3.connect(f"file:{dest.resolve()}?mode=ro", uri=True)
    try:
        from sqlite_utils import Database

        result = audit.verify(Database(copy))
    finally:
        copy.close()
    if not result.ok:
        raise HallError(f"The backup at {dest} does not verify: {result.problem}.")
    seq, digest = result.head
    return f"Backed up to {dest}: {result.checked} audit entries, head {seq}:{digest}."
