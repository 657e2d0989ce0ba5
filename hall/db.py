"""Connections to the hall's SQLite file, and the write transaction every change runs in."""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import quote

import sqlite_utils

from hall.errors import Busy, NoDatabase

BUSY_TIMEOUT_SECONDS = 5.0


def default_path() -> Path:
    """``$HALL_DB`` if set, else ``./hall.db``."""
    return Path(os.environ.get("HALL_DB") or "hall.db")


def _apply_pragmas(conn: sqlite3.Connection, *, read_only: bool = False, path: Path | None = None) -> None:
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
    conn.execute("PRAGMA foreign_keys = ON")
    if path is not None and not _is_hall(conn):
        # Before switching the journal mode: a file that is not a hall is left exactly as it was.
        raise NoDatabase(f"{path} is not a hall database: create one with `hall init`.")
    if not read_only:
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        if mode.lower() != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")


def connect(path: str | os.PathLike, *, create: bool = False) -> sqlite_utils.Database:
    """A new connection with the hall's pragmas (WAL, FULL sync, foreign keys, busy wait).

    Refuses a missing file unless ``create`` (so a typo never makes an empty hall).
    """
    path = Path(path)
    if not create and not path.exists():
        raise NoDatabase(f"There is no hall database at {path}: create one with `hall init`.")
    if create and not path.exists():
        # Owner-only from the first byte: the file holds members' phone numbers.
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None,
                           check_same_thread=False)
    try:
        _apply_pragmas(conn, path=None if create else path)
    except sqlite3.DatabaseError as error:
        conn.close()
        raise NoDatabase(f"{path} is not a hall database ({error}).") from None
    except NoDatabase:
        conn.close()
        raise
    return sqlite_utils.Database(conn)


def _is_hall(conn: sqlite3.Connection) -> bool:
    """Whether the file has the hall's audit table (an empty or foreign file has not)."""
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit'").fetchone()
    return row is not None


def connect_read_only(path: str | os.PathLike) -> sqlite_utils.Database:
    """A connection that cannot write (the kiosk's): SQLite ``mode=ro``."""
    path = Path(path)
    if not path.exists():
        raise NoDatabase(f"There is no hall database at {path}: create one with `hall init`.")
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"  # a '?', '#' or '%' in a folder's name stays a name
    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None,
                           check_same_thread=False)
    _apply_pragmas(conn, read_only=True)
    return sqlite_utils.Database(conn)


@contextmanager
def immediate(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``: takes the write lock up front; rolls back on any error."""
    conn = db.conn
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        if "locked" in str(error) or "busy" in str(error):
            raise Busy("The database is busy (another terminal is writing); try again.") from None
        raise
    try:
        yield db
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        try:
            conn.execute("COMMIT")
        except sqlite3.OperationalError as error:
            conn.execute("ROLLBACK")
            if "locked" in str(error) or "busy" in str(error):
                raise Busy("The database is busy (another terminal is writing); try again.") from None
            raise


class ChangeWatcher:
    """Notices commits by any other connection (other terminals, this app's own workers).

    Holds one connection that never writes, never opens a transaction and never
    keeps a cursor open: reading ``PRAGMA data_version`` is all it does.
    """

    def __init__(self, path: str | os.PathLike):
        self._conn = sqlite3.connect(Path(path), check_same_thread=False, isolation_level=None)
        self._version = self._read()

    def _read(self) -> int | None:
        try:
            return self._conn.execute("PRAGMA data_version").fetchone()[0]
        except sqlite3.Error:
            return None

    def changed(self) -> bool:
        """True when someone committed since the last call."""
        version = self._read()
        if version is None or version == self._version:
            return False
        self._version = version
        return True

    def close(self) -> None:
        self._conn.close()
