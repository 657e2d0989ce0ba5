"""Shared pieces of the reliability tests: a hall to work on, worker processes, and the checks."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

from hall import audit
from hall.clock import system_now
from hall.operations import employers, members, registrations
from hall.store import Store
from tests.conftest import ACTOR, add_account, new_hall

WORKER = Path(__file__).with_name("worker.py")
RULES_TEXT = '[hall]\nname = "Reliability Local"\ntimezone = "UTC"\n'


def hall_with_members(path: Path, *, members_count: int = 40, employers_count: int = 3) -> Store:
    """A hall with members on JW-1 (and every fourth on JW-2) and a few employers, on the real clock
    (as the worker processes use)."""
    store = Store(new_hall(path, RULES_TEXT, at=system_now()))
    for i in range(employers_count):
        employers.add_employer(store, f"Employer {i}", actor=ACTOR)
    for i in range(members_count):
        card = f"{1000 + i}"
        members.add_member(store, card, f"Member {i}", actor=ACTOR, classes=["JW"])
        registrations.sign(store, card, "JW-1" if i % 4 else "JW-2", actor=ACTOR)
    return store


def start_worker(db: Path, log: Path, seed: int, seconds: float, name: str, *, tell: bool = False) -> subprocess.Popen:
    """A worker process (worker.py) dispatching on ``db`` for ``seconds`` at most as the dispatcher
    account ``name`` (added if the hall has none); with ``tell`` it prints ``ack SEQ`` for each
    acknowledged operation (read them with ``wait_for_acks``)."""
    with Store(db).read() as conn:
        known = conn.execute("SELECT 1 FROM users WHERE name = ?", [name]).fetchone()
    if known is None:
        add_account(Store(db), name)
    return subprocess.Popen(
        [sys.executable, str(WORKER), str(db), str(log), str(seed), str(seconds), name, *(["--tell"] if tell else [])],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def wait_ready(proc: subprocess.Popen, timeout: float = 30) -> None:
    line = proc.stdout.readline()
    assert line.strip() == "ready", f"worker did not start: {line!r} {proc.stderr.read() if proc.poll() is not None else ''}"


def wait_for_acks(proc: subprocess.Popen, count: int) -> None:
    """Until a ``tell`` worker has acknowledged ``count`` more operations (it stops by itself at its
    deadline, so this cannot wait forever)."""
    for _ in range(count):
        line = proc.stdout.readline()
        assert line.startswith("ack "), f"the worker stopped acknowledging: {line!r} {proc.stderr.read() if proc.poll() is not None else ''}"


def read_log(log: Path) -> list[dict]:
    """The complete lines of a worker log (a killed worker may leave half a line: dropped)."""
    if not log.exists():
        return []
    out = []
    for line in log.read_text().splitlines(keepends=True):
        if line.endswith("\n"):
            out.append(json.loads(line))
    return out


def connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)


def audit_rows(conn: sqlite3.Connection) -> list[tuple[int, str, str, dict]]:
    return [(seq, action, digest, json.loads(data)) for seq, action, digest, data in
            conn.execute("SELECT seq, action, hash, data FROM audit ORDER BY seq")]


def assert_sound(path: Path) -> None:
    """integrity_check ok, no dangling references, contiguous seqs, the chain verifies."""
    conn = connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        low, high, count = conn.execute("SELECT min(seq), max(seq), count(*) FROM audit").fetchone()
        assert (low, high) == (1, count), f"audit seqs are not contiguous: {low}..{high} with {count} entries"
        from sqlite_utils import Database

        result = audit.verify(Database(conn))
        assert result.ok, result.problem
    finally:
        conn.close()


def assert_whole_operations(path: Path) -> None:
    """Each operation is wholly there (rows and audit entry) or wholly absent."""
    conn = connect(path)
    try:
        entries = audit_rows(conn)
        by_action: dict[str, list[tuple[int, dict]]] = defaultdict(list)
        by_seq = {}
        for seq, action, _, data in entries:
            by_action[action].append((seq, data))
            by_seq[seq] = (action, data)

        regs = {r[0] for r in conn.execute("SELECT id FROM registrations")}
        signed = {d["registration"] for _, d in by_action["registration.signed"]}
        assert regs == signed, f"registrations without entry {regs - signed}, entries without row {signed - regs}"

        offers = set(conn.execute("SELECT id, audit_seq FROM offers").fetchall())
        offer_entries = {(d["offer"], seq) for seq, d in by_action["offer.recorded"]}
        assert offers == offer_entries, f"offers {offers ^ offer_entries} not matched"

        for ref_id, offer_id, seq in conn.execute("SELECT id, offer_id, audit_seq FROM referrals"):
            action, data = by_seq.get(seq, (None, {}))
            assert action == "offer.recorded" and data["offer"] == offer_id and data["basis"], (ref_id, seq)
        accepted_entries = sum(1 for _, d in by_action["offer.recorded"] if d["basis"])
        assert conn.execute("SELECT count(*) FROM referrals").fetchone()[0] == accepted_entries

        ends = {seq for (seq,) in conn.execute("SELECT audit_seq FROM job_ends")}
        end_entries = {seq for seq, _ in by_action["job.ended"]} | {seq for seq, _ in by_action["referral.no_show"]}
        assert ends == end_entries

        calls = {r[0] for r in conn.execute("SELECT id FROM calls")}
        assert calls == {d["call"] for _, d in by_action["call.taken"]}

        members_count = conn.execute("SELECT count(*) FROM members").fetchone()[0]
        added = len(by_action["member.added"]) + sum(d["count"] for _, d in by_action["member.imported"])
        assert members_count == added

        employers_count = conn.execute("SELECT count(*) FROM employers").fetchone()[0]
        assert employers_count == len(by_action["employer.added"])

        reversed_refs = conn.execute("SELECT count(*) FROM referrals WHERE status = 'reversed'").fetchone()[0]
        reversal_entries = (len(by_action["referral.rejected_at_job"]) + len(by_action["referral.cancelled"])
                            + sum(len(d["restored"]) for _, d in by_action["call.cancelled"]))
        assert reversed_refs == reversal_entries

        head = entries[-1][0] if entries else 0
        for (seq,) in conn.execute("SELECT audit_seq FROM registration_history"):
            assert seq is not None and 1 <= seq <= head, f"history row for entry {seq}, head is {head}"
    finally:
        conn.close()


def assert_dispatch_rules_held(path: Path) -> dict:
    """No double referral, no over-filled call, strict order in every offer's snapshot."""
    conn = connect(path)
    try:
        doubles = conn.execute(
            "SELECT card, count(*) FROM referrals WHERE status = 'active' GROUP BY card HAVING count(*) > 1"
        ).fetchall()
        assert doubles == [], f"members with two active referrals: {doubles}"
        overfilled = conn.execute(
            "SELECT c.id, c.workers, count(r.id) FROM calls c JOIN referrals r ON r.call_id = c.id"
            " AND r.status != 'reversed' GROUP BY c.id HAVING count(r.id) > c.workers"
        ).fetchall()
        assert overfilled == [], f"calls with more accepted than workers: {overfilled}"
        outcomes_so_far: dict[int, dict[str, str]] = defaultdict(dict)
        stats = Counter()
        for seq, action, _, data in audit_rows(conn):
            if action == "call.cancelled":
                continue
            if action != "offer.recorded":
                continue
            call, card = data["call"], data["card"]
            snapshot = data["snapshot"]
            assert snapshot and snapshot[-1]["card"] == card, f"entry {seq}: the snapshot does not end at {card}"
            offered = snapshot[-1]
            assert offered["eligible"] and offered["outcome"] is None, f"entry {seq}: {card} was not offerable"
            earlier = outcomes_so_far[call]
            for above in snapshot[:-1]:
                # Re-ranked from the snapshot: everyone above was passed over or had an outcome...
                assert (not above["eligible"]) or above["outcome"] is not None, (
                    f"entry {seq}: {card} offered call #{call} while {above['card']} above had no outcome")
                # ...and an outcome shown in the snapshot was really recorded earlier on this call.
                if above["outcome"] is not None:
                    assert earlier.get(above["card"]) == above["outcome"], (
                        f"entry {seq}: snapshot shows {above['card']} {above['outcome']}, "
                        f"the log has {earlier.get(above['card'])}")
            assert card not in earlier, f"entry {seq}: {card} already had an outcome on call #{call}"
            for cand in snapshot:
                if cand["card"] in earlier and cand["outcome"] is None:
                    raise AssertionError(f"entry {seq}: {cand['card']}'s earlier outcome is missing from the snapshot")
            earlier[card] = data["outcome"]
            stats["offers"] += 1
            stats[data["outcome"]] += 1
        return dict(stats)
    finally:
        conn.close()


def assert_receipts_present(path: Path, acknowledged: list[dict]) -> None:
    """Every operation that reported success is in the audit log, with its action and hash."""
    conn = connect(path)
    try:
        rows = {seq: (action, digest) for seq, action, digest, _ in audit_rows(conn)}
    finally:
        conn.close()
    for line in acknowledged:
        assert line["seq"] in rows, f"receipt #{line['seq']} ({line['action']}) is not in the audit log"
        assert rows[line["seq"]] == (line["action"], line["hash"]), (
            f"receipt #{line['seq']} was {line['action']} {line['hash'][:12]}, the log has {rows[line['seq']]}")


def cut_off_copy(source: Path, dest: Path) -> None:
    """At ``dest``, what a write to the rollback-journal database ``source`` killed part-way leaves: the
    file and its hot journal (``source`` itself is left as it was)."""
    writer = sqlite3.connect(source, isolation_level=None)
    try:
        writer.execute("PRAGMA cache_size = 1")  # spill to the file: the journal is hot mid-transaction
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("CREATE TABLE filler (x)")
        for _ in range(500):
            writer.execute("INSERT INTO filler VALUES (randomblob(1000))")
        dest.write_bytes(source.read_bytes())
        Path(f"{dest}-journal").write_bytes(Path(f"{source}-journal").read_bytes())
        writer.execute("ROLLBACK")
    finally:
        writer.close()
