"""Online backups with SQLite's backup API: safe while other terminals write."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from hall import audit, files
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


def _verify_source(src: Path) -> str:
    """Refuse a restore source that is damaged, not a hall, or whose audit chain is broken."""
    from sqlite_utils import Database

    try:
        conn = sqlite3.connect(f"file:{src.resolve()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise HallError(f"{src} cannot be opened: {error}.") from None
    try:
        try:
            rows = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
        except sqlite3.DatabaseError as error:
            raise HallError(f"{src} is not a hall database ({error}): nothing was restored.") from None
        if rows != ["ok"]:
            raise HallError(f"{src} is damaged ({rows[0]}): nothing was restored.")
        db = Database(conn)
        if not db["audit"].exists():
            raise HallError(f"{src} is not a hall database (no audit log): nothing was restored.")
        result = audit.verify(db)
        if not result.ok:
            raise HallError(f"{src} does not verify ({result.problem}): nothing was restored.")
        seq, digest = result.head
        return f"{result.checked} audit entries, head {seq}:{digest}"
    finally:
        conn.close()


def restore_from(src: Path, target: Path, *, force: bool = False) -> str:
    """Put the backup ``src`` in place as the hall database ``target``.

    The source is checked first (integrity and audit chain). The copy is
    written to a temporary file beside the target (owner-only), synced, and
    moved over the target in one ``os.replace``; stale ``-wal``/``-shm`` files
    of the old database are removed first so they can never be applied to
    the restored one. Stop every terminal before restoring.
    """
    src, target = files.existing_file(src, "backup"), Path(target)
    if target.exists() and src.resolve() == target.resolve():
        raise HallError(f"{src} is the hall database itself: restore from a backup copy.")
    if target.exists() and not force:
        raise HallError(f"{target} already exists: use --force to replace it with the backup.")
    if not target.parent.exists():
        raise HallError(f"The folder {target.parent} does not exist.")
    summary = _verify_source(src)
    temp = target.with_name(f".{target.name}.restoring-{os.getpid()}")
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(str(temp) + suffix).unlink(missing_ok=True)
    try:
        fd = os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
        source = sqlite3.connect(f"file:{src.resolve()}?mode=ro", uri=True)
        copy = sqlite3.connect(temp)
        try:
            source.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")
            rows = [r[0] for r in copy.execute("PRAGMA integrity_check").fetchall()]
        finally:
            copy.close()
            source.close()
        if rows != ["ok"]:
            raise HallError(f"The copy of {src} did not check out ({rows[0]}): nothing was restored.")
        with open(temp, "rb+") as handle:
            os.fsync(handle.fileno())
        for suffix in ("-wal", "-shm", "-journal"):
            Path(str(target) + suffix).unlink(missing_ok=True)
        os.replace(temp, target)
        os.chmod(target, 0o600)
        if os.name == "posix":
            dir_fd = os.open(target.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
    except sqlite3.Error as error:
        raise HallError(f"The restore failed: {error}; nothing was replaced.") from None
    except OSError as error:
        raise HallError(f"The restore failed: {error.strerror}; nothing was replaced.") from None
    finally:
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(str(temp) + suffix).unlink(missing_ok=True)
    return f"Restored {target} from {src}: {summary}."
