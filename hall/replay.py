"""`hall audit replay`: rebuild the records from the log alone and compare them with the tables.

The replayed tables (``hall.changes.REPLAYED``) are rebuilt in a fresh database (a private
temporary file, schema from the same migrations) by applying every entry's writes in
``seq`` order through ``hall.changes.apply``, the code that wrote them; then both sides
are compared row by row and column by column. The live database is only read (attached
``mode=ro``, one read transaction: the entries and the tables of one commit).

A database made before the log held its writes was upgraded by migration
``m005_replay_snapshot``: the rows of the replayed tables then were kept in
``replay_snapshot``, with their SHA-256 and row counts in a ``replay.snapshot`` entry.
Replay starts from those rows (checked against that hash) and applies the entries after it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import tempfile
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

from sqlite_utils import Database

from hall import audit, changes, schema
from hall.errors import HallError

SNAPSHOT_ACTION = "replay.snapshot"
PROGRESS_EVERY = 20_000  # entries between progress calls


@dataclass(frozen=True, slots=True)
class Difference:
    """The first place the tables and the log disagree: the row as a person names it, the column
    (None for a whole row), both values (None where the row is missing; "(hash)" for a hash),
    the entry that last set it (None: no entry), and the sentence."""

    table: str
    row: str
    key: Any
    column: str | None
    in_table: Any
    in_log: Any
    entry: int | None
    text: str


@dataclass(frozen=True, slots=True)
class ReplayResult:
    """What a replay found: how many entries were replayed from which one, the snapshot entry it
    started from (None for a hall whose every entry holds its writes), and the first difference."""

    entries: int
    first: int
    snapshot: int | None
    difference: Difference | None = None
    rows_differing: int = 0

    @property
    def ok(self) -> bool:
        return self.difference is None

    @property
    def note(self) -> str:
        """The one sentence about entries older than replay ('' when there are none)."""
        if self.snapshot is None:
            return ""
        return (f"entries before {self.snapshot} predate replay; the state at entry {self.snapshot} comes from "
                "the snapshot recorded when this database was upgraded")

    @property
    def summary(self) -> str:
        """"N entries replayed; the records match the log." or the difference."""
        if self.ok:
            return f"{self.entries:,} entries replayed; the records match the log."
        more = self.rows_differing - 1
        tail = f" ({more:,} more {'rows differ' if more != 1 else 'row differs'})" if more > 0 else ""
        return f"{self.difference.text}{tail}."

    def as_json(self) -> dict:
        """The document `hall audit replay --json` prints."""
        diff = None
        if self.difference is not None:
            d = self.difference
            diff = {"table": d.table, "row": d.row, "key": d.key, "column": d.column, "in_table": d.in_table,
                    "in_log": d.in_log, "entry": d.entry, "text": d.text}
        return {"ok": self.ok, "entries": self.entries, "from": self.first, "snapshot": self.snapshot,
                "note": self.note or None, "difference": diff, "rows_differing": self.rows_differing}


class _Stop(Exception):
    """The replay found its difference before the comparison."""

    def __init__(self, difference: Difference):
        self.difference = difference


# --- the snapshot an upgrade records -------------------------------------------------------------


def _snapshot_line(table_name: str, row_text: str) -> bytes:
    return f"{table_name}\t{row_text}\n".encode("utf-8")


def record_snapshot(db: Database, at: datetime) -> audit.Entry:
    """Keep the rows of every replayed table (in table order, then key order) in ``replay_snapshot``
    and append the ``replay.snapshot`` entry with their SHA-256 and counts (inside the caller's
    transaction: the migration's)."""
    digest = hashlib.sha256()
    counts: dict[str, int] = {}
    conn = db.conn
    for spec in changes.REPLAYED.values():
        if not db[spec.name].exists():
            continue
        columns = [c.name for c in db[spec.name].columns]
        order = ", ".join(f'"{c}"' for c in spec.key)
        rows = conn.execute(f'SELECT * FROM "{spec.name}" ORDER BY {order}')
        count = 0
        batch = []
        for row in rows:
            text = audit.canonical_data(dict(zip(columns, row)))
            digest.update(_snapshot_line(spec.name, text))
            batch.append((spec.name, text))
            count += 1
            if len(batch) >= 5000:
                conn.executemany("INSERT INTO replay_snapshot (tbl, row) VALUES (?, ?)", batch)
                batch.clear()
        conn.executemany("INSERT INTO replay_snapshot (tbl, row) VALUES (?, ?)", batch)
        counts[spec.name] = count
    seq = audit.head(db)[0] + 1
    row = conn.execute("SELECT id FROM rulesets WHERE effective_at <= ? ORDER BY effective_at DESC, id DESC"
                       " LIMIT 1", [audit.iso(at)]).fetchone() if db["rulesets"].exists() else None
    return audit.append(db, at=at, actor="system", action=SNAPSHOT_ACTION, subject="hall", data={
        "sha256": digest.hexdigest(), "rows": counts, "replay_from": seq + 1,
        "why": "this database was made before each entry held its writes; replay starts from these rows",
    }, ruleset=row[0] if row else None)


# --- replaying -----------------------------------------------------------------------------------


def replay(path: str | Path, *, progress: Callable[[int, int], None] | None = None) -> ReplayResult:
    """Rebuild the replayed tables of the hall at ``path`` from its log and compare them with its
    tables (read-only; nothing of the hall is written). ``progress(done, total)`` is called as it goes
    (entries replayed, then rows compared); an exception it raises stops the replay harmlessly."""
    from hall.store import Store

    path = Path(path)
    with Store(path).read_only():  # a hall database, at this version (one sentence otherwise)
        pass
    workdir = Path(tempfile.mkdtemp(prefix="hall-replay-"))  # 0700: the rows are members' records
    conn = sqlite3.connect(f"file:{quote(str(workdir / 'replay.db'))}", uri=True, isolation_level=None,
                           check_same_thread=False)
    try:
        return _Replay(conn, path, progress).run()
    finally:
        conn.close()
        shutil.rmtree(workdir, ignore_errors=True)


class _Replay:
    """One replay: the fresh database on ``conn``, the hall at ``path`` attached to it read-only."""

    def __init__(self, conn: sqlite3.Connection, path: Path, progress):
        self.conn = conn
        self.path = path
        self.progress = progress
        self.done = 0
        self.total = 0

    def step(self, count: int) -> None:
        self.done += count
        if self.progress is not None:
            self.progress(self.done, self.total)

    def run(self) -> ReplayResult:
        conn = self.conn
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -262144", "busy_timeout = 5000",
                       "foreign_keys = OFF"):
            conn.execute(f"PRAGMA {pragma}")
        conn.execute("BEGIN")
        schema.upgrade(Database(conn))
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
                                    " AND tbl_name != 'audit'").fetchall():
            conn.execute(f'DROP INDEX "{name}"')  # only keys are looked up while replaying
        conn.execute("COMMIT")
        conn.execute("ATTACH DATABASE ? AS live", [f"file:{quote(str(self.path.resolve()))}?mode=ro"])
        conn.execute("BEGIN")  # one read of the live file: the entries and the tables of one commit
        try:
            return self._replay()
        finally:
            with suppress(sqlite3.Error):  # the copy is thrown away; only the read lock matters
                conn.execute("ROLLBACK")

    def _replay(self) -> ReplayResult:
        conn = self.conn
        snapshots = conn.execute("SELECT seq, data FROM live.audit WHERE action = ? ORDER BY seq",
                                 [SNAPSHOT_ACTION]).fetchall()
        snapshot = snapshots[0][0] if snapshots else None
        after = snapshot or 0
        head = conn.execute("SELECT max(seq) FROM live.audit").fetchone()[0] or 0
        entries = max(head - after, 0)
        counts = {spec.name: conn.execute(f'SELECT count(*) FROM live."{spec.name}"').fetchone()[0]
                  for spec in changes.REPLAYED.values()}
        self.total = entries + sum(counts.values())
        result = ReplayResult(entries, after + 1, snapshot)
        try:
            if len(snapshots) > 1:
                raise _Stop(_entry_problem(snapshots[1][0], "a second replay snapshot: only the upgrade that "
                                                            f"made entry {snapshot} records one"))
            if snapshot is not None:
                self._load_snapshot(snapshot, json.loads(snapshots[0][1]))
            self._apply_entries(after)
            found, differing = self._compare(counts)
        except _Stop as stop:
            return ReplayResult(entries, after + 1, snapshot, stop.difference, 1)
        if found is None:
            return result
        return ReplayResult(entries, after + 1, snapshot, self._explain(found, snapshot), differing)

    def _load_snapshot(self, seq: int, data: dict) -> None:
        digest = hashlib.sha256()
        counts: dict[str, int] = {}
        for name, text in self.conn.execute("SELECT tbl, row FROM live.replay_snapshot ORDER BY id"):
            digest.update(_snapshot_line(name, text))
            counts[name] = counts.get(name, 0) + 1
            try:
                changes.apply(self.conn, ("insert", name, json.loads(text)))
            except (HallError, changes.UnloggedWrite, sqlite3.Error, ValueError, TypeError, AttributeError):
                break  # the hash says which: a changed snapshot
        expected = {k: v for k, v in (data.get("rows") or {}).items() if v}
        if digest.hexdigest() != data.get("sha256") or counts != expected:
            raise _Stop(_entry_problem(seq, f"the snapshot recorded at entry {seq} was changed: its rows do not "
                                            "match the hash in that entry"))

    def _apply_entries(self, after: int) -> None:
        conn = self.conn
        apply = changes.apply
        loads = json.loads
        actions = changes.ACTIONS
        step = 0
        cursor = conn.execute("SELECT seq, action, json_extract(data, '$.writes') FROM live.audit WHERE seq > ?"
                              " ORDER BY seq", [after])
        seq = after
        try:
            for seq, action, writes in cursor:
                step += 1
                if step == PROGRESS_EVERY:
                    self.step(step)
                    step = 0
                if writes is None:
                    continue
                declared = actions.get(action)
                try:
                    for write in loads(writes):
                        if declared is None or write[1] not in declared.writes:
                            raise _Stop(_entry_problem(seq, f"{action} does not write {write[1]}"))
                        apply(conn, write)
                except _Stop:
                    raise
                except LookupError as error:
                    raise _Stop(self._missing(seq, write, error)) from None
                except sqlite3.IntegrityError as error:
                    raise _Stop(_entry_problem(seq, f"its write conflicts with a row already written ({error})"))
                except (LookupError, sqlite3.Error, changes.UnloggedWrite, ValueError, TypeError,
                        AttributeError) as error:
                    raise _Stop(_entry_problem(seq, f"its writes cannot be applied ({error})"))
        except sqlite3.OperationalError as error:  # data that is not JSON
            raise _Stop(_entry_problem(seq + 1, f"its data cannot be read ({error})")) from None
        self.step(step)

    def _missing(self, seq: int, write: list, error: LookupError) -> Difference:
        """An entry changes a row the log never wrote: written behind it, when the table has it."""
        spec = changes.REPLAYED[write[1]]
        where = " AND ".join(f'"{c}" = ?' for c in spec.key)
        live = _row(self.conn, f'SELECT * FROM live."{spec.name}" WHERE {where}', spec.key_values(write[2]))
        if live is None:
            return _entry_problem(seq, f"its writes cannot be applied ({error})")
        name = spec.describe(live)
        return Difference(spec.name, name, write[2], None, _public(spec, live), None, None,
                          f"{name} is in the table, but no entry of the log wrote it (entry {seq} changes it)")

    def _compare(self, counts: dict[str, int]) -> tuple[tuple | None, int]:
        """The first differing row (table, key) in table order, then key order; and how many differ."""
        first = None
        differing = 0
        for spec in changes.REPLAYED.values():
            columns = [r[1] for r in self.conn.execute(f'PRAGMA main.table_info("{spec.name}")')]
            live_columns = [r[1] for r in self.conn.execute(f'PRAGMA live.table_info("{spec.name}")')]
            if sorted(columns) != sorted(live_columns):
                extra = sorted(set(live_columns) - set(columns)) or sorted(set(columns) - set(live_columns))
                raise _Stop(Difference(spec.name, f"the table {spec.name}", None, ", ".join(extra), None, None, None,
                                       f"the table {spec.name} does not have the columns of this version of hall "
                                       f"({', '.join(extra)})"))
            keys = _keys(spec, self.conn, columns)
            if keys:
                differing += len(keys)
                if first is None:
                    first = (spec, min(keys))
            self.step(counts[spec.name])
        return first, differing

    def _explain(self, found: tuple, snapshot: int | None) -> Difference:
        spec, key = found
        where = " AND ".join(f'"{c}" = ?' for c in spec.key)
        live = _row(self.conn, f'SELECT * FROM live."{spec.name}" WHERE {where}', key)
        rebuilt = _row(self.conn, f'SELECT * FROM main."{spec.name}" WHERE {where}', key)
        key_value = key[0] if len(key) == 1 else list(key)
        name = spec.describe(live or rebuilt)
        history = _writes_to(self.conn, spec, key_value, snapshot)
        if rebuilt is None:
            deleted = history.deleted_by
            why = f"but the log deleted it (entry {deleted})" if deleted else "but no entry of the log wrote it"
            return Difference(spec.name, name, key_value, None, _public(spec, live), None, deleted,
                              f"{name} is in the table, {why}")
        if live is None:
            return Difference(spec.name, name, key_value, None, None, _public(spec, rebuilt), history.last,
                              f"{name} is not in the table, but the log wrote it ({_source(history.last, snapshot)})")
        column = next((c for c in rebuilt if not _same(live.get(c), rebuilt[c])), None)
        if column is None:  # equal to Python, not to SQLite (a value's type)
            column = next(c for c in rebuilt if type(live.get(c)) is not type(rebuilt[c]))
        entry = history.columns.get(column, history.inserted)
        source = _source(entry, snapshot)
        if spec.hashes and column in spec.hashes:
            text = f"{name}: {column} in the table is not the one in the log ({source})"
            shown = (changes.HIDDEN, changes.HIDDEN)
        else:
            shown = (live[column], rebuilt[column])
            text = (f"{name}: {column} {_text(live[column])} in the table, {_text(rebuilt[column])} in the log "
                    f"({source})")
        return Difference(spec.name, name, key_value, column, shown[0], shown[1], entry, text)


def _keys(spec: changes.Table, conn: sqlite3.Connection, columns: list[str]) -> set[tuple]:
    """The keys of the rows that differ between the live table and the rebuilt one (either way)."""
    chosen = ", ".join(f'"{c}" COLLATE BINARY AS "{c}"' for c in columns)  # a NOCASE column compares exactly
    keys = ", ".join(f'"{c}"' for c in spec.key)
    found: set[tuple] = set()
    for one, other in (("live", "main"), ("main", "live")):
        found.update(conn.execute(
            f'SELECT {keys} FROM (SELECT {chosen} FROM {one}."{spec.name}"'
            f' EXCEPT SELECT {chosen} FROM {other}."{spec.name}")').fetchall())
    return found


def _row(conn: sqlite3.Connection, sql: str, key: tuple) -> dict | None:
    cursor = conn.execute(sql, list(key))
    row = cursor.fetchone()
    return None if row is None else dict(zip((d[0] for d in cursor.description), row))


def _same(a, b) -> bool:
    return a == b and isinstance(a, str) == isinstance(b, str)


def _text(value) -> str:
    if value is None:
        return "(none)"
    return "".join(ch if ch.isprintable() else "?" for ch in str(value))


def _public(spec: changes.Table, row: dict | None) -> dict | None:
    return None if row is None else spec.shown(row)


def _source(entry: int | None, snapshot: int | None) -> str:
    if entry is None:
        return f"the snapshot at entry {snapshot}" if snapshot else "no entry"
    return f"entry {entry}"


def _entry_problem(seq: int, why: str) -> Difference:
    return Difference("audit", f"entry {seq}", seq, None, None, None, seq, f"entry {seq} cannot be replayed: {why}")


@dataclass
class _History:
    inserted: int | None = None  # the entry that last inserted the row
    last: int | None = None  # the entry that last wrote any of it
    deleted_by: int | None = None
    columns: dict | None = None


def _writes_to(conn: sqlite3.Connection, spec: changes.Table, key: Any, snapshot: int | None) -> _History:
    """Which entries wrote this row: the last insert, the last write, each column's last setter, and a
    delete after them. A second pass, over the entries that name the table, only for a difference."""
    history = _History(columns={})
    needle = json.dumps(spec.name)
    for seq, writes in conn.execute(
        "SELECT seq, json_extract(data, '$.writes') FROM live.audit WHERE seq > ? AND instr(data, ?) > 0"
        " ORDER BY seq", [snapshot or 0, needle]
    ):
        if writes is None:
            continue
        for write in json.loads(writes):
            if write[1] != spec.name:
                continue
            op = write[0]
            if op == "insert":
                if spec.key_of(write[2]) != key:
                    continue
                history.inserted = history.last = seq
                history.deleted_by = None
                history.columns = {c: seq for c in write[2]}
            elif write[2] == key:
                history.last = seq
                if op == "delete":
                    history.deleted_by = seq
                else:
                    history.columns.update({c: seq for c in write[3]})
    return history

