"""The Store: where the hall's file is and what time it is, the read and the write transaction.

Operations take a ``Store`` and open their own connection for each call; no
connection is kept between operations. Reads go through ``Store.reading()``
(a ``Read``: connection, moment, rules in force) over a connection that cannot
write, writes through ``Store.write(actor)`` (a ``Tx``: the same plus the actor
and the audit entries), which first checks, inside the transaction, that the
actor may run the operation being run (``hall.identity``).

Inside a ``Tx`` the rows of replayed tables are written only with ``tx.insert``,
``tx.update`` and ``tx.delete``, and ``tx.record`` puts them in the operation's
audit entry, so the log rebuilds the records (``hall.changes``, ``hall.replay``).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable, Iterator

from sqlite_utils import Database

from dispatch import calendar
from dispatch.rules import RuleSet, load_rules
from hall import audit, changes, identity, schema
from hall.clock import Clock, system_now
from hall.db import BUSY_TIMEOUT_SECONDS, connect, connect_read_only, immediate
from hall.errors import Busy, HallError
from hall.queries.bidding import selection_due
from hall.identity import Actor, NotAllowed, Permission

_RULES_CACHE: dict[str, RuleSet] = {}


def parse_rules_row(text: str) -> RuleSet:
    """The parsed rule set of a stored text (each distinct text parsed once per process)."""
    rules = _RULES_CACHE.get(text)
    if rules is None:
        rules = load_rules(text)
        _RULES_CACHE[text] = rules
    return rules


def rules_row_in_force(db: Database, now: datetime) -> tuple[int, str] | None:
    """The id and text of the rule set in force at ``now``."""
    row = db.execute(
        "SELECT id, text FROM rulesets WHERE effective_at <= ? ORDER BY effective_at DESC, id DESC LIMIT 1",
        [audit.iso(now)],
    ).fetchone()
    if row is None:
        row = db.execute("SELECT id, text FROM rulesets ORDER BY effective_at, id LIMIT 1").fetchone()
    return (row[0], row[1]) if row else None


@dataclass(frozen=True, slots=True)
class Read:
    """One read of the hall: the connection, the moment it reads at, and the rules in force then."""

    db: Database
    now: datetime
    rules: RuleSet
    ruleset_id: int | None

    @property
    def today(self) -> date:
        """The hall's local date at ``now``."""
        return calendar.local_date(self.now, self.rules)


@dataclass
class Tx:
    """One open write transaction: the connection, the moment, the actor (``actor`` is its
    text as the log records it, ``who`` the ``Actor``, ``role`` its staff role read inside
    this transaction) and the rules in force.

    Rows of replayed tables are written only through ``insert``, ``update`` and ``delete``
    (``hall.changes.apply``); each write is collected and ``record`` puts those collected
    since the last entry into the entry's data (``data["writes"]``), so the log alone
    rebuilds the records. Changes collected but never recorded are refused before commit.
    """

    db: Database
    now: datetime
    actor: str
    rules: RuleSet
    ruleset_id: int | None
    entries: list[audit.Entry] = field(default_factory=list)
    who: Actor | None = None
    role: str | None = None
    writes: list[list] = field(default_factory=list)

    def insert(self, table: str, values: dict) -> Any:
        """Insert one row; returns its key (the new id when the table numbers its rows)."""
        spec = changes.table(table)
        key = changes.apply(self.db, ("insert", table, values))
        if len(spec.key) == 1 and spec.key[0] not in values:
            values = {**values, spec.key[0]: key}
        self.writes.append(["insert", table, values])
        return key

    def insert_many(self, table: str, rows: Iterable[dict]) -> list:
        """Insert many rows (an import): each numbered here when the table numbers its rows."""
        spec = changes.table(table)
        numbered = len(spec.key) == 1 and spec.key[0] == "id"
        next_id = None
        keys = []
        for values in rows:
            if numbered and "id" not in values:
                if next_id is None:
                    next_id = (self.db.execute(f'SELECT max(id) FROM "{table}"').fetchone()[0] or 0) + 1
                values = {"id": next_id, **values}
                next_id += 1
            keys.append(self.insert(table, values))
        return keys

    def update(self, table: str, key: Any, values: dict) -> dict:
        """Set columns of one row (by key); returns the columns that changed (only those are written)."""
        spec = changes.table(table)
        columns = ", ".join(f'"{c}"' for c in values)
        where = " AND ".join(f'"{c}" = ?' for c in spec.key)
        row = self.db.execute(f'SELECT {columns} FROM "{table}" WHERE {where}', spec.key_values(key)).fetchone()
        if row is None:
            raise LookupError(f"{table} has no row {key!r} to update")
        changed = {c: v for (c, v), old in zip(values.items(), row) if not _same(old, v)}
        if changed:
            key = list(key) if isinstance(key, tuple) else key
            changes.apply(self.db, ("update", table, key, changed))
            self.writes.append(["update", table, key, changed])
        return changed

    def delete(self, table: str, key: Any) -> None:
        """Delete one row by key."""
        key = list(key) if isinstance(key, tuple) else key
        changes.apply(self.db, ("delete", table, key))
        self.writes.append(["delete", table, key])

    @property
    def next_seq(self) -> int:
        """The number the next audit entry will get (rows that cite their entry store it)."""
        return audit.head(self.db)[0] + 1

    def record(self, action: str, subject: str, data: dict) -> audit.Entry:
        """Append this operation's audit entry (same transaction as its changes), holding the
        writes made since the last entry."""
        changes.check_action(action, self.writes)
        if self.writes:
            data = {**data, "writes": self.writes}
        entry = audit.append(self.db, at=self.now, actor=self.actor, action=action,
                             subject=subject, data=data, ruleset=self.ruleset_id)
        self.writes = []
        self.entries.append(entry)
        return entry

    def check_recorded(self) -> None:
        """Refuse (``UnloggedWrite``) writes collected but never recorded in an entry."""
        if self.writes:
            tables = ", ".join(sorted({w[1] for w in self.writes}))
            raise changes.UnloggedWrite(f"{len(self.writes)} write(s) to {tables} were never recorded in an "
                                        "audit entry (call tx.record after writing)")

    def execute(self, sql: str, params=()) -> sqlite3.Cursor:
        return self.db.execute(sql, list(params))


def _same(stored, new) -> bool:
    """Whether writing ``new`` over ``stored`` changes nothing (1 and True, 8.0 and 8 are the same)."""
    return stored == new


@contextmanager
def _private_copy(db: Database) -> Iterator[Database]:
    """An in-memory copy of the database ``db`` reads (one consistent commit), to write in and
    throw away: what a read shows of the hall's own work that is due but not yet recorded."""
    memory = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    try:
        db.conn.backup(memory)
        memory.execute("PRAGMA foreign_keys = ON")
        yield Database(memory)
    finally:
        memory.close()


class Store:
    """The hall's database file and its clock."""

    def __init__(self, path: str | Path, clock: Clock = system_now):
        self.path = Path(path)
        self.clock = clock

    def now(self) -> datetime:
        return self.clock()

    # --- reading ------------------------------------------------------------

    @contextmanager
    def reading(self, *, at: datetime | None = None, read_only: bool = False,
                snapshot: bool = False) -> Iterator[Read]:
        """Read the hall at one moment (now, or ``at``) with the rules in force then.

        ``read_only``: over a connection that cannot write (the kiosk's). ``snapshot``:
        inside one read transaction, so every query sees the same commit (a report's
        rows and its audit head agree).
        """
        with (self.read_only() if read_only else self.read()) as db:
            now = at or self.now()
            if at is None and selection_due(db, now):
                # (v2) A selection has come but is not recorded yet: the read sees it recorded, in a
                # transaction it rolls back (the next write records the same).
                with self._scratch(db, read_only=read_only) as scratch:
                    ruleset_id, rules = self.rules(scratch, now)
                    self._record_system_events(scratch, now, rules, ruleset_id, lapsed=False)
                    yield Read(scratch, now, rules, ruleset_id)
                return
            if snapshot:
                db.execute("BEGIN")
            try:
                ruleset_id, rules = self.rules(db, now)
                yield Read(db, now, rules, ruleset_id)
            finally:
                if snapshot:
                    db.execute("ROLLBACK")

    @contextmanager
    def _scratch(self, db: Database, *, read_only: bool) -> Iterator[Database]:
        """Somewhere a read may write what is due and throw it away, leaving the file as it was.

        A live hall (WAL, writable, not the kiosk's read-only door): a second connection in a
        transaction that is rolled back, its changes kept in memory (``cache_spill`` off, so no
        page reaches the file or the WAL) and closed while ``db`` still reads (so closing it
        checkpoints nothing). Otherwise (the kiosk, a copy in rollback-journal mode, a file
        this user cannot write): an in-memory copy of the database, which costs its size.
        """
        live = (not read_only and os.access(self.path, os.W_OK)
                and db.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal")
        if not live:
            with _private_copy(db) as copy:
                yield copy
            return
        # ``db`` holds a read transaction until the scratch connection is closed: closing the last
        # connection that could would otherwise checkpoint the WAL into the file and remove it.
        db.execute("BEGIN")
        db.execute("SELECT 1 FROM audit LIMIT 1").fetchall()
        try:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None,
                                   check_same_thread=False)
            try:
                conn.execute("PRAGMA foreign_keys = ON")
                conn.execute("PRAGMA cache_spill = OFF")
                conn.execute("BEGIN")
                try:
                    yield Database(conn)
                finally:
                    conn.execute("ROLLBACK")
            finally:
                conn.close()
        finally:
            db.execute("ROLLBACK")

    @contextmanager
    def read(self) -> Iterator[Database]:
        """A connection for reading, which cannot write (reading leaves every byte of the file
        as it was); refuses a database that needs upgrading."""
        with self.read_only() as db:
            yield db

    @contextmanager
    def read_only(self) -> Iterator[Database]:
        """A connection that cannot write (SQLite ``mode=ro``)."""
        db = connect_read_only(self.path)
        try:
            self._check_schema(db, writing=False)
            yield db
        finally:
            db.close()

    def _check_schema(self, db: Database, *, writing: bool) -> None:
        try:
            has_audit = db["audit"].exists()
        except sqlite3.OperationalError as error:
            if getattr(error, "sqlite_errorname", "") == "SQLITE_READONLY_ROLLBACK":
                raise HallError(
                    f"{self.path} was left in the middle of a write (it has a hot journal, "
                    f"{self.path.name}-journal): it is not a complete copy, and reading it changed nothing."
                ) from None
            raise HallError(f"{self.path} is not a hall database ({error}).") from None
        except sqlite3.DatabaseError as error:
            raise HallError(f"{self.path} is not a hall database ({error}).") from None
        if not has_audit:
            raise HallError(f"{self.path} is not a hall database: create one with `hall init`.")
        missing = schema.pending(db)
        if missing and not writing:
            raise HallError(
                f"{self.path} was made by an older version of hall: logging in on the command line "
                "(`hall login NAME`) upgrades it, keeping a copy beside it."
            )

    def rules(self, db: Database | None = None, at: datetime | None = None) -> tuple[int | None, RuleSet]:
        """The id and rule set in force at ``at`` (default now)."""
        at = at or self.now()
        if db is None:
            with self.read() as own:
                return self.rules(own, at)
        row = rules_row_in_force(db, at)
        if row is None:
            return None, RuleSet()
        return row[0], parse_rules_row(row[1])

    # --- writing ------------------------------------------------------------

    def upgrade_if_needed(self, db: Database) -> list[str]:
        """Bring an older database up to date: copy it aside first, then migrate in one transaction."""
        needed = schema.pending(db)
        if not needed:
            return []
        version = schema.schema_version(db)
        if db["audit"].exists():
            backup = self.path.with_name(f"{self.path.name}.before-{version}")
            db.execute("PRAGMA wal_checkpoint(FULL)")
            shutil.copy2(self.path, backup)
        with immediate(db):
            schema.upgrade(db, now=self.now())
        return needed

    def prepare_for_writing(self) -> list[str]:
        """Check this is a hall database and upgrade it if it is older (a copy is kept aside)."""
        db = connect(self.path)
        try:
            self._check_schema(db, writing=True)
            return self.upgrade_if_needed(db)
        finally:
            db.close()

    def sweep(self, *, book: str | None = None) -> int:
        """Record the re-sign removals that are due, then the notices that fell due, as their own
        ``system`` entries (writes only when there are some). An older database is upgraded
        first; with ``book``, an unknown book is refused before anything is recorded."""
        from hall.notices.due import sweep_notices
        from hall.operations.registrations import sweep_lapsed

        db = connect(self.path)
        try:
            self._check_schema(db, writing=True)
            self.upgrade_if_needed(db)
            if book is not None:
                _, rules = self.rules(db)
                if rules.book(book) is None:
                    known = ", ".join(b.id for b in rules.books)
                    raise HallError(f"There is no book {book!r}: the books are {known}.")
            if selection_due(db, self.now()):
                now = self.now()
                with immediate(db), changes.logged(db):
                    ruleset_id, rules = self.rules(db, now)
                    self._record_system_events(db, now, rules, ruleset_id, lapsed=False)
            return sweep_lapsed(self, db) + sweep_notices(self, db)
        finally:
            db.close()

    @staticmethod
    def _record_system_events(db: Database, now: datetime, rules: RuleSet, ruleset_id: int | None, *,
                              lapsed: bool = True) -> None:
        """The hall's own work that has come due, actor ``system``, inside the caller's transaction:
        (v2) the selections (``record_selections``, first: each as of its moment, before a removal
        recorded later could take a member off the list it read), then the re-sign removals."""
        from hall.operations.bidding import record_selections
        from hall.operations.registrations import record_lapsed

        try:
            record_selections(db, now, rules, ruleset_id)
        except sqlite3.OperationalError as error:
            if "locked" in str(error) or "busy" in str(error):
                raise Busy("The database is busy (another terminal is writing); try again.") from None
            raise
        if lapsed:
            record_lapsed(db, now, rules, ruleset_id)

    @contextmanager
    def write(self, actor: Actor, *, sweep: bool = True) -> Iterator[Tx]:
        """One ``BEGIN IMMEDIATE`` transaction with the rules in force; rolls back on any error.

        Inside it, first, ``actor`` is checked against the running operation's declaration
        (``hall.identity.allowed``); a refusal rolls everything back and records only an
        ``access.refused`` entry. Then pending re-sign removals, and the notices that fell
        due, are recorded (actor ``system``, their own audit entries), so no operation works
        on a lapsed list, and a refused operation records nothing, removals included.
        """
        identity.check_actor(actor)
        permission = identity.current_permission()
        db = connect(self.path)
        try:
            self._check_schema(db, writing=True)
            self.upgrade_if_needed(db)
            now = self.now()
            try:
                with immediate(db), changes.logged(db):
                    ruleset_id, rules = self.rules(db, now)
                    role = identity.authorize(db, actor, permission, kiosk_auth=rules.kiosk.auth,
                                              now_text=audit.iso(now))
                    if sweep:
                        # Pending selections, re-sign removals and notices due, in the same
                        # transaction: if the operation is refused they roll back with it.
                        from hall.notices.due import record_notices_due

                        self._record_system_events(db, now, rules, ruleset_id)
                        record_notices_due(db, now, rules, ruleset_id)
                    tx = Tx(db, now, actor.text, rules, ruleset_id, who=actor, role=role)
                    yield tx
                    tx.check_recorded()
            except NotAllowed as refusal:
                if refusal.record:
                    self._record_refusal(db, actor, permission, refusal)
                raise
            except sqlite3.OperationalError as error:
                if "locked" in str(error) or "busy" in str(error):
                    raise Busy("The database is busy (another terminal is writing); try again.") from None
                raise
        finally:
            db.close()

    def authorize(self, actor: Actor) -> str | None:
        """For an operation that only reads: check ``actor`` against its declaration on a
        connection that cannot write; returns the staff role read now. A refusal is
        recorded (``access.refused``, its only write) like a refused write."""
        identity.check_actor(actor)
        permission = identity.current_permission()
        with self.read_only() as db:
            now = self.now()
            _, rules = self.rules(db, now)
            try:
                return identity.authorize(db, actor, permission, kiosk_auth=rules.kiosk.auth,
                                          now_text=audit.iso(now))
            except NotAllowed as refusal:
                refused = refusal
        if refused.record:
            db = connect(self.path)
            try:
                self._record_refusal(db, actor, permission, refused)
            finally:
                db.close()
        raise refused

    def _record_refusal(self, db: Database, actor: Actor, permission: Permission, refusal: NotAllowed) -> None:
        """The ``access.refused`` entry: who tried which operation, and why not (its own transaction)."""
        data: dict = {"operation": permission.operation, "doing": permission.doing, "why": refusal.why}
        if actor.kind == identity.MEMBER_KIND:
            data["card"] = actor.name
            subject = f"member:{actor.name}"
        else:
            data["user"] = actor.name
            subject = f"user:{actor.name}"
        now = self.now()
        with immediate(db):
            ruleset_id, _ = self.rules(db, now)
            if actor.kind == identity.STAFF_KIND:
                row = db.execute("SELECT role FROM users WHERE name = ?", [actor.name]).fetchone()
                data["role"] = row[0] if row else None
            audit.append(db, at=now, actor=actor.text, action="access.refused", subject=subject,
                         data=data, ruleset=ruleset_id)
