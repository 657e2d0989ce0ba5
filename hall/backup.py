"""Online backups with SQLite's backup API (safe while other terminals write), and restoring one.

Both copy into a temporary file beside the destination (``.NAME.backup-PID`` or
``.NAME.restoring-PID``, owner-only), check the copy, and only then rename it into place, so a
run killed part-way leaves the destination as it was: absent, or the old database. What a killed
run leaves under the temporary name is removed by the next run to the same destination once its
process is gone, and ``hall check`` names any it finds beside the database (``leftovers``).
"""

from __future__ import annotations

import errno
import os
import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from hall import audit, files
from hall.db import connect
from hall.errors import HallError

STEP_PAGES = 1024
"""Pages copied per step: other terminals may write between steps, and ``progress`` is told after each."""
SIDE_SUFFIXES = ("-journal", "-wal", "-shm")
_TEMPORARY = re.compile(r"^\.(?P<dest>.+)\.(?P<kind>backup|restoring)-(?P<pid>\d+)$")
_HOT_JOURNAL = "SQLITE_READONLY_ROLLBACK"


@dataclass(frozen=True, slots=True)
class Leftover:
    """A temporary copy a backup or restore made (``kind``: "backup" or "restoring") for the file
    ``dest`` in the same folder, by process ``pid``; ``names`` are its files (the copy, its journal)."""

    path: Path
    dest: str
    kind: str
    pid: int
    running: bool
    names: tuple[str, ...]

    def advice(self) -> str:
        """What a person should do about it, in one clause."""
        shown = " and ".join(self.names)
        run = "backup" if self.kind == "backup" else "restore"
        doing = f"a {run} {'to' if run == 'backup' else 'of'} {self.dest}"
        if self.running:
            return f"{shown}: {doing} still running (process {self.pid}); leave it"
        return (f"{shown}: left by {doing} that was cut off (process {self.pid} is gone), not a complete copy; "
                f"delete it (`rm {self.path.name}*`) or run the {run} again, which does")


def _temporary_path(dest: Path, kind: str) -> Path:
    return dest.with_name(f".{dest.name}.{kind}-{os.getpid()}")


def _with_sides(path: Path) -> list[Path]:
    return [path] + [Path(f"{path}{suffix}") for suffix in SIDE_SUFFIXES]


def _remove(path: Path) -> None:
    for each in _with_sides(path):
        each.unlink(missing_ok=True)


def process_running(pid: int) -> bool:
    """Whether a process ``pid`` exists (when that cannot be told, it is taken to: nothing is removed)."""
    if os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process, or no way to tell
        return True
    return True


def leftovers(folder: Path, *, dest: str | None = None) -> list[Leftover]:
    """The temporary copies of backups and restores in ``folder`` (only those for the file named
    ``dest``, if given), in name order."""
    try:
        names = sorted(entry.name for entry in os.scandir(folder))
    except OSError:
        return []
    present = set(names)
    found = []
    for name in names:
        match = _TEMPORARY.match(name)
        if match is None or (dest is not None and match["dest"] != dest):
            continue
        pid = int(match["pid"])
        sides = tuple(n for n in (name, *(name + s for s in SIDE_SUFFIXES)) if n in present)
        found.append(Leftover(folder / name, match["dest"], match["kind"], pid, process_running(pid), sides))
    return found


def cut_off_copies(folder: Path, *, besides: Path) -> list[str]:
    """The rollback journals in ``folder`` beside a file other than ``besides`` and other than the
    temporary copies: a copy whose writing was cut off (e.g. a backup by an older hall, killed
    part-way), whose file is not a complete copy."""
    try:
        names = {entry.name for entry in os.scandir(folder)}
    except OSError:
        return []
    known = {name for leftover in leftovers(folder) for name in leftover.names}
    return sorted(name for name in names - known
                  if name.endswith("-journal") and name[: -len("-journal")] in names - {besides.name}
                  and _size(folder / name) > 0)  # an empty journal is no cut-off write


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _clean_up_after_killed_runs(dest: Path, kind: str) -> None:
    """Remove the temporary copies earlier runs of ``kind`` to ``dest`` left when they were killed."""
    for leftover in leftovers(dest.parent, dest=dest.name):
        if leftover.kind == kind and not leftover.running:
            _remove(leftover.path)


def _copy(source: sqlite3.Connection, temp: Path, progress) -> None:
    """The whole database of ``source`` into the new owner-only file ``temp``, in rollback-journal mode."""
    fd = os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    with closing(sqlite3.connect(temp)) as target:
        source.backup(target, pages=STEP_PAGES, progress=progress)
        target.execute("PRAGMA journal_mode = DELETE")


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)


def _sync(path: Path) -> None:
    """Flush a file, or a folder's entries, to the disk."""
    if os.name != "posix" and path.is_dir():
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _move_into_place(temp: Path, dest: Path, *, replace: bool) -> None:
    """Rename the checked copy ``temp`` to ``dest`` in one step; without ``replace`` never over a file
    that appeared there meanwhile."""
    _sync(temp)
    if replace:
        os.replace(temp, dest)
    else:
        try:
            os.link(temp, dest)  # fails if dest exists: no file made meanwhile is overwritten
        except FileExistsError:
            raise HallError(f"{dest} appeared while the backup was made: choose a new file name.") from None
        except OSError as error:
            if error.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK, errno.EXDEV):
                raise
            if dest.exists():  # a disk without hard links (a FAT USB stick): check, then rename
                raise HallError(f"{dest} appeared while the backup was made: choose a new file name.") from None
            os.rename(temp, dest)
        else:
            temp.unlink()
    _sync(dest.parent)


def backup_to(store, dest: Path, *, progress=None) -> str:
    """Copy the hall's database to ``dest`` (owner-only) and check the copy's chain before it takes
    that name; ``progress(status, remaining, total)`` is told after each step of the copy."""
    dest = Path(dest)
    if dest.exists():
        raise HallError(f"{dest} already exists: choose a new file name for the backup.")
    if not dest.parent.exists():
        raise HallError(f"The folder {dest.parent} does not exist.")
    _clean_up_after_killed_runs(dest, "backup")
    temp = _temporary_path(dest, "backup")
    _remove(temp)
    try:
        source = connect(store.path)
        try:
            _copy(source.conn, temp, progress)
        finally:
            source.close()
        with closing(_read_only(temp)) as copy:
            from sqlite_utils import Database

            result = audit.verify(Database(copy))
        if not result.ok:
            raise HallError(f"The copy does not verify ({result.problem}): no backup was written to {dest}.")
        _move_into_place(temp, dest, replace=False)
    except sqlite3.Error as error:
        raise HallError(f"The backup failed: {error}; nothing was written to {dest}.") from None
    except OSError as error:
        raise HallError(f"The backup failed: {error.strerror or error}; nothing was written to {dest}.") from None
    finally:
        _remove(temp)
    seq, digest = result.head
    return f"Backed up to {dest}: {result.checked} audit entries, head {seq}:{digest}."


def _verify_source(src: Path) -> str:
    """Refuse a restore source that is damaged, cut off, not a hall, or whose audit chain is broken."""
    from sqlite_utils import Database

    try:
        conn = _read_only(src)
    except sqlite3.Error as error:
        raise HallError(f"{src} cannot be opened: {error}.") from None
    try:
        try:
            rows = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
        except sqlite3.DatabaseError as error:
            if getattr(error, "sqlite_errorname", "") == _HOT_JOURNAL:
                raise HallError(f"{src} was left in the middle of a write (it has a hot journal, {src.name}-journal): "
                                "it is not a complete copy; restore from another backup.") from None
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


def _checkpoint(target: Path) -> None:
    """Move what the database's WAL holds into the file and empty it, so removing the WAL before the
    swap loses nothing even if the restore is killed between the two."""
    if not Path(f"{target}-wal").exists():
        return
    with closing(sqlite3.connect(target, timeout=5)) as conn:
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    if busy:
        raise HallError(f"{target} is in use by another terminal: stop every terminal, then restore.")


def restore_from(src: Path, target: Path, *, force: bool = False, progress=None) -> str:
    """Put the backup ``src`` in place as the hall database ``target``.

    The source is checked first (integrity and audit chain). The copy is written to a temporary
    file beside the target (owner-only), checked, synced, and moved over the target in one
    ``os.replace``; the old database's WAL is checkpointed and its ``-wal``/``-shm`` files removed
    first so they can never be applied to the restored one. Stop every terminal before restoring.
    ``progress(status, remaining, total)`` is told after each step of the copy.
    """
    src, target = files.existing_file(src, "backup"), Path(target)
    if target.exists() and src.resolve() == target.resolve():
        raise HallError(f"{src} is the hall database itself: restore from a backup copy.")
    if target.exists() and not force:
        raise HallError(f"{target} already exists: use --force to replace it with the backup.")
    if not target.parent.exists():
        raise HallError(f"The folder {target.parent} does not exist.")
    summary = _verify_source(src)
    _clean_up_after_killed_runs(target, "restoring")
    temp = _temporary_path(target, "restoring")
    _remove(temp)
    try:
        with closing(_read_only(src)) as source:
            _copy(source, temp, progress)
        with closing(_read_only(temp)) as copy:
            rows = [r[0] for r in copy.execute("PRAGMA integrity_check").fetchall()]
        if rows != ["ok"]:
            raise HallError(f"The copy of {src} did not check out ({rows[0]}): nothing was restored.")
        if target.exists():
            _checkpoint(target)
        for suffix in SIDE_SUFFIXES:
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        _move_into_place(temp, target, replace=True)
        os.chmod(target, 0o600)
    except sqlite3.Error as error:
        raise HallError(f"The restore failed: {error}; nothing was replaced.") from None
    except OSError as error:
        raise HallError(f"The restore failed: {error.strerror or error}; nothing was replaced.") from None
    finally:
        _remove(temp)
    return f"Restored {target} from {src}: {summary}."
