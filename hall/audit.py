"""The audit log: append-only, hash-chained, one entry per operation.

An entry's canonical text is ``json.dumps`` of ``{seq, at, actor, action,
subject, data, ruleset, prev}`` with sorted keys, no spaces and
``ensure_ascii=False``; its hash is the SHA-256 hex of that text; the first
entry's ``prev`` is 64 zeros. The canonical text is stored beside the columns
so ``verify`` can check both the chain and that every column still matches it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from json.encoder import encode_basestring as _quote  # ensure_ascii=False quoting
from typing import Any, Callable

from sqlite_utils import Database

from hall.changes import redacted
from hall.errors import HallError

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class Entry:
    """One audit entry as written."""

    seq: int
    at: str
    actor: str
    action: str
    subject: str
    data: dict
    ruleset: int | None
    prev: str
    hash: str


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """What ``verify`` found: ``ok``, how many entries were checked, and the first bad one."""

    ok: bool
    checked: int
    bad_seq: int | None = None
    problem: str = ""
    head: tuple[int, str] | None = None


def canonical_data(data: Any) -> str:
    """The canonical JSON text of an entry's data."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_text(seq: int, at: str, actor: str, action: str, subject: str,
                   data_json: str, ruleset: int | None, prev: str) -> str:
    """The canonical text of an entry, from its columns (``data_json`` already canonical).

    Equal to ``json.dumps({...}, sort_keys=True, separators=(",", ":"),
    ensure_ascii=False)`` of the whole entry, built without re-encoding ``data``.
    """
    ruleset_text = "null" if ruleset is None else str(int(ruleset))
    return (
        f'{{"action":{_quote(action)},"actor":{_quote(actor)},"at":{_quote(at)},'
        f'"data":{data_json},"prev":{_quote(prev)},"ruleset":{ruleset_text},'
        f'"seq":{int(seq)},"subject":{_quote(subject)}}}'
    )


def iso(moment: datetime) -> str:
    """A UTC moment as stored: ``2026-11-26T13:42:00Z``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def head(db: Database) -> tuple[int, str]:
    """The newest entry's sequence number and hash (``(0, GENESIS)`` when empty)."""
    row = db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    return (row[0], row[1]) if row else (0, GENESIS)


def append(db: Database, *, at: datetime, actor: str, action: str, subject: str,
           data: dict, ruleset: int | None) -> Entry:
    """Append one entry; call inside the operation's own write transaction."""
    last_seq, last_hash = head(db)
    seq = last_seq + 1
    at_text = iso(at)
    data_json = canonical_data(data)
    text = canonical_text(seq, at_text, actor, action, subject, data_json, ruleset, last_hash)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    db.execute(
        "INSERT INTO audit (seq, at, actor, action, subject, data, ruleset, prev, hash, canonical)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [seq, at_text, actor, action, subject, data_json, ruleset, last_hash, digest, text],
    )
    return Entry(seq, at_text, actor, action, subject, data, ruleset, last_hash, digest)


PARALLEL_FROM = 200_000  # entries: below this, one process verifies the chain


def _check_range(rows, prev: str, expected_seq: int, expect_head: tuple[int, str] | None,
                 on_batch: Callable[[int], None] | None = None) -> tuple:
    """Check consecutive entries from ``expected_seq`` on, the first following ``prev``.

    ``rows`` yields batches of ``(seq, at, actor, action, subject, data, ruleset, prev,
    hash, canonical)``. Returns ``(problem, checked, prev, expected_seq, head_seen)``;
    ``problem`` is ``(bad_seq, sentence)`` for the first entry that does not match, or None.
    """
    sha256 = hashlib.sha256
    quote = _quote
    checked = 0
    head_seen = False
    for batch in rows:
        for seq, at, actor, action, subject, data, ruleset, row_prev, digest, text in batch:
            if seq != expected_seq:
                return (expected_seq, f"entry {expected_seq} is missing (next is {seq})"), checked, prev, \
                    expected_seq, head_seen
            if row_prev != prev:
                return (seq, f"entry {seq} does not follow entry {seq - 1}"), checked, prev, expected_seq, head_seen
            if sha256(text.encode("utf-8")).hexdigest() != digest:
                return (seq, f"entry {seq} does not match its hash"), checked, prev, expected_seq, head_seen
            # canonical_text(), inlined (the hot loop): ``row_prev`` is GENESIS or the
            # previous entry's checked hex digest, so it needs no quoting.
            if ruleset is None:
                ruleset = "null"
            elif type(ruleset) is not int:
                ruleset = int(ruleset)
            if text != (f'{{"action":{quote(action)},"actor":{quote(actor)},"at":{quote(at)},'
                        f'"data":{data},"prev":"{row_prev}","ruleset":{ruleset},'
                        f'"seq":{seq},"subject":{quote(subject)}}}'):
                return (seq, f"entry {seq} was changed after it was written"), checked, prev, expected_seq, \
                    head_seen
            if expect_head is not None and seq == expect_head[0]:
                if digest != expect_head[1]:
                    return (seq, f"entry {seq} is not the one posted as head {expect_head[0]}:"
                                 f"{expect_head[1][:12]}…: the log was rewritten"), checked, prev, expected_seq, \
                        head_seen
                head_seen = True
            prev = digest
            expected_seq += 1
            checked += 1
        if on_batch:
            on_batch(checked)
    return None, checked, prev, expected_seq, head_seen


_COLUMNS = "seq, at, actor, action, subject, data, ruleset, prev, hash, canonical"


def _batches(conn, where: str, params: list, size: int):
    cursor = conn.execute(f"SELECT {_COLUMNS} FROM audit{where} ORDER BY seq", params)
    try:
        while True:
            rows = cursor.fetchmany(size)
            if not rows:
                return
            yield rows
    finally:
        cursor.close()


def _verify_tail(path: str, first: int, prev: str, expect_head: tuple[int, str] | None) -> tuple:
    """The entries from ``first`` on, in a process of their own (``verify``'s second half)."""
    import sqlite3

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5.0)
    try:
        return _check_range(_batches(conn, " WHERE seq >= ?", [first], 20000), prev, first, expect_head)
    finally:
        conn.close()


def _pool_context():
    import multiprocessing
    import threading

    # fork is cheap and safe while this process runs one thread (the CLI); else spawn.
    method = "fork" if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods() \
        else "spawn"
    return multiprocessing.get_context(method)


def verify(db: Database, *, expect_head: tuple[int, str] | None = None,
           progress: Callable[[int, int], None] | None = None,
           batch: int = 20000) -> VerifyResult:
    """Recompute the whole chain; name the first entry that does not match.

    With ``expect_head`` (a ``(seq, hash)`` posted earlier), also check that
    that entry is still part of the chain. ``progress(done, total)`` is called
    after each batch.

    Each entry's links are checkable on their own (its seq, its ``prev`` against
    the stored hash before it, its hash, its columns against its text), so a
    large log without ``progress`` is split at the middle ``seq``: a second
    process checks the later half, this one the first, and the first problem
    in ``seq`` order is reported, exactly as one pass would.
    """
    total = db.execute("SELECT count(*) FROM audit").fetchone()[0]
    conn = db.conn
    path = ""
    if progress is None and total >= PARALLEL_FROM and not conn.in_transaction:
        row = conn.execute("PRAGMA database_list").fetchone()
        path = row[2] if row and row[1] == "main" else ""
    split = None
    if path:
        low, high = conn.execute("SELECT min(seq), max(seq) FROM audit").fetchone()
        if low == 1 and high and high > 2:
            split = (high + 1) // 2 + 1  # the later process checks seq >= split
    if split is None:
        on_batch = (lambda done: progress(done, total)) if progress else None
        problem, checked, prev, expected_seq, head_seen = _check_range(
            _batches(conn, "", [], batch), GENESIS, 1, expect_head, on_batch)
    else:
        before = conn.execute("SELECT hash FROM audit WHERE seq = ?", [split - 1]).fetchone()
        tail_prev = before[0] if before and isinstance(before[0], str) else ""
        with _pool_context().Pool(1) as pool:
            tail = pool.apply_async(_verify_tail, (path, split, tail_prev, expect_head))
            problem, checked, prev, expected_seq, head_seen = _check_range(
                _batches(conn, " WHERE seq < ?", [split], batch), GENESIS, 1, expect_head)
            if problem is None and expected_seq != split:
                # The first half ends early: a gap (or the log ends there, and the tail is empty).
                nxt = conn.execute("SELECT min(seq) FROM audit WHERE seq >= ?", [split]).fetchone()[0]
                if nxt is not None:
                    problem = (expected_seq, f"entry {expected_seq} is missing (next is {nxt})")
            if problem is None:
                t_problem, t_checked, t_prev, t_expected, t_head = tail.get()
                problem, checked, head_seen = t_problem, checked + t_checked, head_seen or t_head
                if t_checked or t_problem is not None:
                    prev, expected_seq = t_prev, t_expected
    if problem is not None:
        return VerifyResult(False, checked, problem[0], problem[1])
    if expect_head is not None and not head_seen:
        return VerifyResult(False, checked, expect_head[0],
                            f"entry {expect_head[0]} posted as head is no longer in the log")
    return VerifyResult(True, checked, head=(expected_seq - 1, prev) if checked else (0, GENESIS))


def action_clause(action: str, *, family: bool = False) -> tuple[str, list]:
    """An action filter: exact, or with ``family`` and no dot ("offer") every action of that
    subject ("offer.recorded", "offer.calling")."""
    action = action.strip()
    if not family or "." in action:
        return "action = ?", [action]
    # Every action starting "offer." sorts between "offer." and "offer/" ('/' follows '.'): uses the index.
    return "action >= ? AND action < ?", [action + ".", action + "/"]


def entries(db: Database, *, card: str | None = None, call: int | None = None,
            action: str | None = None, actor: str | None = None, limit: int | None = None,
            before_seq: int | None = None, newest_first: bool = True, action_family: bool = False) -> list[dict]:
    """Audit entries as dicts (data parsed), filtered by card, call, action and actor.

    Every entry about a member carries ``card`` in its data, and every entry
    about a call carries ``call``: both are indexed. ``limit`` (the newest so many) is at least 1.
    """
    if limit is not None and limit < 1:
        raise HallError(f"The number of entries to show must be at least 1, not {limit}.")
    where: list[str] = []
    params: list = []
    if card is not None:
        where.append("json_extract(data, '$.card') = ?")
        params.append(card)
    if call is not None:
        where.append("json_extract(data, '$.call') = ?")
        params.append(int(call))
    if action:
        clause, values = action_clause(action, family=action_family)
        where.append(clause)
        params.extend(values)
    if actor:
        where.append("actor = ?")
        params.append(actor)
    if before_seq is not None:
        where.append("seq < ?")
        params.append(before_seq)
    sql = "SELECT seq, at, actor, action, subject, data, ruleset, hash FROM audit"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY seq " + ("DESC" if newest_first else "ASC")
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [
        {"seq": r[0], "at": r[1], "actor": r[2], "action": r[3], "subject": r[4],
         "data": redacted(json.loads(r[5])), "ruleset": r[6], "hash": r[7]}
        for r in db.execute(sql, params).fetchall()
    ]


def _midnight(day: date, zone: tzinfo) -> str:
    """The moment a day starts in ``zone``, as stored (UTC text)."""
    return iso(datetime.combine(day, time(0), zone).astimezone(timezone.utc))


def closing_heads(db: Database, zone: tzinfo, *, since: date | None = None) -> list[tuple[date, int, str]]:
    """Each day's closing head: the last entry (highest ``seq``) of each day in the hall's zone, as
    ``(day, seq, hash)``, oldest day first; from ``since`` on. What a hall posts on the wall: a head
    printed then proves later that nothing up to it was rewritten (``verify --head``)."""
    params: list = []
    where = ""
    if since is not None:
        where = " WHERE at >= ?"
        params.append(_midnight(since, zone))
    last: dict[date, int] = {}
    low = high = ""
    day = None
    for seq, at in db.execute(f"SELECT seq, at FROM audit{where} ORDER BY seq", params):
        if not low <= at < high:  # another day than the entry before (entries mostly come in time order)
            day = datetime.fromisoformat(at).astimezone(zone).date()
            low, high = _midnight(day, zone), _midnight(day + timedelta(days=1), zone)
        last[day] = seq
    if since is not None:
        last = {d: s for d, s in last.items() if d >= since}
    hashes = {}
    seqs = sorted(last.values())
    for start in range(0, len(seqs), 500):
        chunk = seqs[start:start + 500]
        hashes.update(db.execute(f"SELECT seq, hash FROM audit WHERE seq IN ({','.join('?' * len(chunk))})",
                                 chunk).fetchall())
    return [(d, s, hashes[s]) for d, s in sorted(last.items())]
