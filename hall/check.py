"""`hall check`: is this hall database sound? A readable report, nothing written.

Each check gives a ``Finding``: ``ok``, ``info`` (worth knowing, not a fault:
e.g. re-sign removals the next write will record) or ``problem``. The database
is opened read-only, so checking never changes it.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable
from urllib.parse import quote
from pathlib import Path

from hall import audit, files, schema
from hall.errors import HallError

OK, INFO, PROBLEM = "ok", "info", "problem"


@dataclass(frozen=True, slots=True)
class Finding:
    """One check's result: its name, ``ok``/``info``/``problem``, and a sentence."""

    name: str
    level: str
    text: str


@dataclass
class Report:
    """Every finding about one database file."""

    path: Path
    findings: list[Finding] = field(default_factory=list)

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.level == PROBLEM]

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, name: str, level: str, text: str) -> None:
        self.findings.append(Finding(name, level, text))

    def lines(self) -> list[str]:
        out = [f"Checking {self.path}"]
        for f in self.findings:
            mark = {OK: "ok", INFO: "note", PROBLEM: "PROBLEM"}[f.level]
            out.append(f"  {mark:<8} {f.name}: {f.text}")
        count = len(self.problems)
        out.append("All checks passed." if not count else
                   f"{count} problem{'s' if count != 1 else ''} found.")
        return out


def _open(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, isolation_level=None,
                           check_same_thread=False, timeout=5)
    conn.execute("PRAGMA busy_timeout = 5000")
    return conn


def check_database(path: str | os.PathLike, *, now: datetime | None = None,
                   progress: Callable[[int, int], None] | None = None) -> Report:
    """Run every check on the hall database at ``path`` (read-only); ``progress(done, total)``
    follows the replay, the longest of them."""
    from sqlite_utils import Database

    path = files.existing_file(path, "hall database")
    report = Report(path)
    _check_sqlite(report, sqlite3.sqlite_version)
    _check_permissions(report, path)
    _check_leftovers(report, path)
    try:
        conn = _open(path)
    except sqlite3.Error as error:
        report.add("open", PROBLEM, f"the file cannot be opened ({error})")
        return report
    try:
        try:
            rows = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
        except sqlite3.DatabaseError as error:
            report.add("integrity", PROBLEM, f"not a readable SQLite database ({error})")
            return report
        if rows == ["ok"]:
            report.add("integrity", OK, "PRAGMA integrity_check says ok")
        else:
            shown = "; ".join(rows[:3]) + (f" (and {len(rows) - 3} more)" if len(rows) > 3 else "")
            report.add("integrity", PROBLEM, f"the file is damaged: {shown}")
        db = Database(conn)
        if not db["audit"].exists():
            report.add("hall", PROBLEM, "this is not a hall database (it has no audit table)")
            return report
        _check_foreign_keys(report, conn)
        _check_schema(report, db)
        _check_audit(report, db)
        _check_triggers(report, conn)
        _check_referrals_in_force(report, db)
        _check_lapsed(report, db, now)
    except sqlite3.Error as error:
        report.add("read", PROBLEM, f"the database could not be read ({error})")
        return report
    finally:
        conn.close()
    _check_replay(report, path, progress)
    return report


WAL_RESET_BUG = ((3, 7, 0), (3, 51, 3))
"""The SQLite releases with the WAL-reset bug (DESIGN.md "SQLite itself"): from 3.7.0, fixed in 3.51.3."""
WAL_RESET_BACKPORTS = (((3, 44, 6), (3, 45, 0)), ((3, 50, 7), (3, 51, 0)))
"""The older branches the fix was backported to (3.44.6 and 3.50.7)."""


def has_wal_reset_bug(version: str) -> bool:
    """Whether the SQLite library ``version`` ("3.45.1") is one with the WAL-reset bug."""
    numbers = tuple(int(part) for part in version.split(".")[:3])
    start, fixed = WAL_RESET_BUG
    if not start <= numbers < fixed:
        return False
    return not any(low <= numbers < high for low, high in WAL_RESET_BACKPORTS)


def _check_sqlite(report: Report, version: str) -> None:
    if has_wal_reset_bug(version):
        report.add("sqlite", INFO, f"SQLite {version} has the WAL-reset bug (3.7.0 to 3.51.2; fixed in 3.51.3, "
                                   "3.50.7 and 3.44.6): run the hall on a fixed SQLite (see DESIGN.md, \"SQLite "
                                   "itself\")")
    else:
        report.add("sqlite", OK, f"SQLite {version}")


def _check_permissions(report: Report, path: Path) -> None:
    if os.name != "posix":
        return
    loose = []
    for suffix in ("", "-wal", "-shm"):
        candidate = Path(str(path) + suffix)
        try:
            mode = stat.S_IMODE(candidate.stat().st_mode)
        except FileNotFoundError:
            continue
        # -shm is only an index of the WAL (no member data), but keep it private too.
        if mode & 0o077:
            loose.append(f"{candidate.name} is {mode:04o}")
    if loose:
        report.add("file permissions", PROBLEM,
                   f"{', '.join(loose)}: others can read it; run `chmod 600 {path}`")
    else:
        report.add("file permissions", OK, "readable by the owner only (0600)")


def _check_leftovers(report: Report, path: Path) -> None:
    """Copies that a killed backup or restore left beside the database: worth knowing, not a fault."""
    from hall.backup import cut_off_copies, leftovers

    found = [leftover.advice() for leftover in leftovers(path.parent)]
    found += [f"{name}: a write to {name[:-len('-journal')]} was cut off (a backup killed part-way, perhaps), so "
              f"{name[:-len('-journal')]} is not a complete copy; delete both" for name in
              cut_off_copies(path.parent, besides=path)]
    if found:
        report.add("leftovers", INFO, "; ".join(found))
    else:
        report.add("leftovers", OK, "no copy cut off by a killed backup or restore beside the database")


def _check_foreign_keys(report: Report, conn: sqlite3.Connection) -> None:
    rows = conn.execute("PRAGMA foreign_key_check").fetchall()
    if not rows:
        report.add("foreign keys", OK, "every reference points at a row that exists")
        return
    tables = sorted({r[0] for r in rows})
    report.add("foreign keys", PROBLEM,
               f"{len(rows)} row(s) refer to rows that do not exist (in {', '.join(tables)})")


def _check_schema(report: Report, db) -> None:
    known = {m.name for m in schema.migrations._migrations}
    applied = {m.name for m in schema.migrations.applied(db)}
    unknown = sorted(applied - known)
    pending = schema.pending(db)
    if unknown:
        report.add("schema", PROBLEM,
                   f"made by a newer version of hall (unknown migrations {', '.join(unknown)}): upgrade hall")
    elif pending:
        report.add("schema", PROBLEM,
                   f"{len(pending)} migration(s) pending ({', '.join(pending)}): run `hall migrate`")
    else:
        report.add("schema", OK, f"up to date (version {len(applied)})")


def _check_audit(report: Report, db) -> None:
    result = audit.verify(db)
    if result.ok:
        seq, digest = result.head
        report.add("audit chain", OK, f"{result.checked} entries verified; head {seq}:{digest}")
    else:
        report.add("audit chain", PROBLEM, f"broken at entry {result.bad_seq}: {result.problem}")


def _check_triggers(report: Report, conn: sqlite3.Connection) -> None:
    present = {r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit'")}
    missing = [name for name in schema.AUDIT_TRIGGERS if name not in present]
    if missing:
        report.add("audit triggers", PROBLEM,
                   f"missing {', '.join(missing)}: the audit log is not protected against edits")
    else:
        report.add("audit triggers", OK, "the audit log is append-only (update and delete refused)")


def _check_referrals_in_force(report: Report, db) -> None:
    rows = db.execute(
        "SELECT card, group_concat(call_id, ', #') FROM referrals WHERE status = 'active'"
        " GROUP BY card HAVING count(*) > 1 ORDER BY card"
    ).fetchall()
    if not rows:
        report.add("referrals in force", OK, "no member holds more than one")
        return
    shown = "; ".join(f"card {card} on calls #{calls}" for card, calls in rows[:5])
    more = f" (and {len(rows) - 5} more)" if len(rows) > 5 else ""
    report.add("referrals in force", PROBLEM,
               f"{len(rows)} member(s) hold two referrals at once: {shown}{more}; record the end of one "
               "(`hall end CARD` ends the newest)")


def _check_lapsed(report: Report, db, now: datetime | None) -> None:
    from dispatch import calendar
    from hall.clock import system_now
    from dispatch.rules import RulesError, load_rules
    from hall.store import rules_row_in_force

    moment = now or system_now()
    row = rules_row_in_force(db, moment)
    if row is None:
        report.add("rules", PROBLEM, "the database has no rule set")
        return
    try:
        rules = load_rules(row[1])
    except RulesError as error:  # a stored rule set that no longer loads is a finding, not a crash
        report.add("rules", PROBLEM, f"the rule set in force cannot be read ({error})")
        return
    from hall import load

    _check_double_registrations(report, db, rules)
    if db["excuses"].exists():
        lapsed_sql, params = load.lapsed_where(db, rules, moment)
    else:  # an older schema: no excused absences yet
        lapsed_sql, params = "last_signed_at < ?", [audit.iso(calendar.lapse_cutoff(rules, moment))]
    count = db.execute(
        f"SELECT count(*) FROM registrations WHERE status = 'waiting' AND {lapsed_sql}", params
    ).fetchone()[0]
    if count:
        report.add("re-sign removals", INFO,
                   f"{count} registration(s) passed their re-sign deadline; the next write records "
                   "their removal (not a fault)")
    else:
        report.add("re-sign removals", OK, "none pending")


def _check_double_registrations(report: Report, db, rules) -> None:
    """(v2) Members holding two live registrations of one classification: databases made before
    ``registration.one_per_classification`` keep what they hold (information, not a problem)."""
    from dispatch.registration import double_registrations
    from hall import load

    regs = [load.registration_from_row(row) for row in db.execute(
        f"SELECT {load.REGISTRATION_COLUMNS} FROM registrations WHERE status != 'removed'")]
    found = double_registrations(regs, rules)
    if not found:
        report.add("one book per classification", OK, "no member holds two books of one classification")
        return
    shown = "; ".join(f"card {card} on {' and '.join(books)}" for card, _, books in found[:5])
    more = f" (and {len(found) - 5} more)" if len(found) > 5 else ""
    report.add("one book per classification", INFO,
               f"{len(found)} member(s) hold two books of one classification, from before the rule: {shown}{more}; "
               "`hall member move` leaves one")


def _check_replay(report: Report, path: Path, progress) -> None:
    """The records are what the log says: rebuilt from the entries alone, they match the tables."""
    from hall.replay import replay

    if any(f.name == "schema" and f.level == PROBLEM for f in report.findings):
        report.add("replay", INFO, "not run: the schema is not this version's")
        return
    try:
        result = replay(path, progress=progress)
    except (HallError, sqlite3.Error) as error:
        report.add("replay", PROBLEM, f"the log could not be replayed ({error})")
        return
    if result.note:
        report.add("replay", INFO, result.note)
    if result.ok:
        report.add("replay", OK, f"{result.entries:,} entries replayed; the records match the log")
    else:
        report.add("replay", PROBLEM, result.summary.rstrip("."))
