"""What an audit entry means: the rows it wrote, the one way to write them, and what is replayed.

Every table the referral order, the kiosk or a permission depends on is *replayed*: its
rows are written only through ``apply`` (an operation calls ``Tx.insert``, ``Tx.update``
and ``Tx.delete``, which apply the write and collect it), and ``Tx.record`` puts the
writes collected since its last entry into that entry's data as ``data["writes"]``:

    ["insert", "registrations", {"id": 57, "card": "1139", "book_id": "JW-1", ...}]
    ["update", "registrations", 57, {"last_signed_at": "2026-11-26T15:02:00Z"}]
    ["delete", "member_classes", ["1139", "AP"]]

An insert holds every value the operation gave, its key included; an update the
columns it changed, by key; a delete the key (a list for a key of several columns).
``hall audit replay`` (``hall.replay``) applies the same writes, through the same
``apply``, to a fresh database and compares it with the live tables.

While an operation's transaction is open (``logged``), an SQLite authorizer refuses any
INSERT, UPDATE or DELETE on a replayed table that does not come from ``apply``, so a new
operation cannot write behind the log; and every action an entry can have is declared in
``ACTIONS`` with what it means and the tables it may write.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

HIDDEN = "(hash)"  # what people are shown instead of a password or PIN hash


@dataclass(frozen=True, slots=True)
class Table:
    """A replayed table: its key columns, how one of its rows is named to a person (a format over
    the row's columns), and the columns that hold secrets' hashes (never shown)."""

    name: str
    key: tuple[str, ...]
    label: str
    hashes: tuple[str, ...] = ()

    def describe(self, row: dict) -> str:
        """The row as a person names it: "registration 1139 JW-1 (id 57)", "call #41"."""
        return self.label.format_map(_Shown(row))

    def key_of(self, row: dict) -> Any:
        """The row's key as a write holds it: the value, or a list for several columns."""
        if len(self.key) == 1:
            return row[self.key[0]]
        return [row[column] for column in self.key]

    def shown(self, values: dict) -> dict:
        """Column values as people may see them: a hash as "(hash)"."""
        if not self.hashes:
            return values
        return {c: (HIDDEN if c in self.hashes and v is not None else v) for c, v in values.items()}

    def key_values(self, key: Any) -> list:
        """A write's key as the values of the key columns, in order."""
        if len(self.key) == 1:
            return [key[0] if isinstance(key, (list, tuple)) else key]
        return list(key)


class _Shown(dict):
    """Row values for a label: printable text, "?" for a column the row lacks."""

    def __missing__(self, column: str) -> str:
        return "?"

    def __getitem__(self, column: str) -> str:
        value = super().get(column) if column in self else self.__missing__(column)
        return "".join(ch if ch.isprintable() else "?" for ch in str(value))


# In the order they are rebuilt and compared (a row's references come before it).
REPLAYED: dict[str, Table] = {t.name: t for t in (
    Table("rulesets", ("id",), "rule set {id}"),
    Table("books", ("id",), "book {id}"),
    Table("users", ("name",), "user {name}", hashes=("password_hash",)),
    # Script tokens and command-line sessions decide who may act: made and ended only by audited
    # operations (log-in, log-out, user token, user revoke, disabling), so they replay. A
    # session's last use is kept in the OS user's state file, never here: reading writes nothing.
    Table("tokens", ("id",), "{kind} {id} of user {user_name}", hashes=("hash",)),
    Table("members", ("card",), "member {card}", hashes=("pin_hash",)),
    # A card's missed PIN checks and its lock: a permission (the kiosk and the web refuse a locked
    # card), counted by audited operations, so they replay.
    Table("kiosk_misses", ("card",), "card {card}'s missed PIN checks"),
    # Members' web sessions: made and ended only by audited operations (log-in, log-out, the idle
    # end), so they replay; like a command-line session, a web session's last use is kept by the
    # `hall web` process, never here (reading a page writes nothing).
    Table("web_sessions", ("id",), "web session {id} of member {card}", hashes=("hash",)),
    Table("member_classes", ("card", "classification"), "member {card}'s classification {classification}"),
    Table("certifications", ("id",), "member {card}'s certification {name} (id {id})"),
    Table("employers", ("id",), "employer {name} (id {id})"),
    Table("employer_bars", ("id",), "bar {id} on member {card}"),
    Table("unavailability", ("id",), "unavailability {id} of member {card}"),
    Table("registrations", ("id",), "registration {card} {book_id} (id {id})"),
    Table("registration_history", ("id",), "history row {id} of registration {card} {book_id}"),
    Table("hours", ("id",), "hours row {id} of registration {registration_id}"),
    Table("calls", ("id",), "call #{id}"),
    Table("call_certs", ("call_id", "cert"), "call #{call_id}'s requirement {cert}"),
    Table("name_requests", ("call_id", "card"), "call #{call_id}'s name request for {card}"),
    Table("offers", ("id",), "offer {id} (call #{call_id}, card {card})"),
    Table("referrals", ("id",), "referral {id} (call #{call_id}, card {card})"),
    Table("job_ends", ("id",), "job end {id} (card {card})"),
    Table("corrections", ("id",), "correction {id} (card {card})"),
    Table("qualifications", ("id",), "qualification {id} of member {card} for {book_id}"),
    Table("excuses", ("id",), "excused absence {id} of member {card}"),
    Table("member_hours", ("id",), "hours record {id} of member {card} ({day})"),
    Table("turndown_charges", ("id",), "turndown charge {id} (call #{call_id}, card {card})"),
    # What the hall decided to tell a member, and when: written in the same transaction as the
    # event that causes it (hall.notices), so the log answers "was I told?". Whether and how it
    # was delivered is not referral state: ``deliveries`` and ``notice_attempts`` below.
    Table("outbox", ("id",), "notice {id} ({kind} to member {card})"),
    Table("bids", ("id",), "bid {id} (call #{call_id}, card {card})"),
    Table("signins", ("id",), "sign-in {id} (card {card}, {day})"),
    Table("selections", ("at",), "the selection of {at}"),
)}

# Every other table of the schema, and why the log does not rebuild it.
NOT_REPLAYED: dict[str, str] = {
    "audit": "the log itself (the hash chain proves it; `hall audit verify`)",
    "self_identification": "members' voluntary EEO answers are never put in the log",
    "replay_snapshot": "the rows recorded when an older database was upgraded; their hash is in the log",
    "_sqlite_migrations": "the schema's own bookkeeping (which migrations ran, and when)",
    "deliveries": "where each notice's delivery stands (written by `hall notify run`, not by an operation: "
                  "what a mail server or text gateway did is not referral state)",
    "notice_attempts": "every try at delivering a notice, with the error (the delivery's own record)",
    "notice_marks": "how far the notices that fall due at a moment were looked for (a bookmark that saves "
                    "looking again; the outbox's unique key keeps each notice once without it)",
}


def table(name: str) -> Table:
    """The replayed table called ``name`` (a programming error for any other)."""
    try:
        return REPLAYED[name]
    except KeyError:
        raise UnloggedWrite(f"{name!r} is not a replayed table: writes to it are not logged") from None


@dataclass(frozen=True, slots=True)
class Action:
    """What an entry with this action means, and the tables its writes may touch."""

    meaning: str
    writes: tuple[str, ...] = ()


_REGS = ("registrations", "registration_history")
ACTIONS: dict[str, Action] = {
    "hall.initialized": Action("the hall was created with its first rule set, books and admin account",
                               ("rulesets", "books", "users")),
    "access.refused": Action("an account or a member tried what its role does not allow (nothing else written)"),
    "rules.changed": Action("a new rule set was adopted, with its books", ("rulesets", "books")),
    "replay.snapshot": Action("an older database was upgraded: the state of its records then (no writes)"),
    "user.added": Action("a staff account was created", ("users",)),
    "user.disabled": Action("a staff account was disabled (its tokens and sessions ended)", ("users", "tokens")),
    "user.password": Action("a staff password was set", ("users",)),
    "user.login": Action("a staff member logged in (failures reset, hash renewed; on the command line, a "
                         "session begun)", ("users", "tokens")),
    "user.login_failed": Action("a log-in failed (the failure counted, the name locked)", ("users",)),
    "user.login_refused": Action("a log-in was refused while the name was locked"),
    "user.logout": Action("a staff member logged out (a command-line session ended)", ("tokens",)),
    "user.token_made": Action("a script token was made (only its hash kept)", ("tokens",)),
    "user.revoked": Action("an account's tokens and sessions were revoked", ("tokens",)),
    "employer.added": Action("an employer was added", ("employers",)),
    "employer.bar": Action("an employer asked that a member not be referred", ("employer_bars",)),
    "member.added": Action("a member was added", ("members", "member_classes", "certifications")),
    "member.imported": Action("members were imported", ("members", "member_classes", "certifications")),
    "member.updated": Action("a member's details or classifications changed", ("members", "member_classes")),
    "member.cert_set": Action("a certification was recorded", ("certifications",)),
    "member.cert_removed": Action("a certification was removed", ("certifications",)),
    "member.unavailable": Action("a member is unavailable at their request", ("unavailability",)),
    "member.reinstated": Action("a suspension was lifted", ("members",)),
    "member.pin_set": Action("a member's kiosk PIN was set by the staff (the card's misses forgotten)",
                             ("members", "kiosk_misses")),
    "member.pin_changed": Action("a member changed their own PIN at the kiosk", ("members",)),
    "member.check_failed": Action("a card and PIN did not match (the miss counted, the card locked at the "
                                  "limit; never the digits typed)", ("kiosk_misses",)),
    "member.check_passed": Action("a card and PIN matched after misses (the count starts again)",
                                  ("kiosk_misses",)),
    "member.web_login": Action("a member logged in on the web with card and PIN (a session begun)",
                               ("web_sessions",)),
    "member.web_logout": Action("a member's web session ended (logged out, idle, or ended by a new PIN)",
                                ("web_sessions",)),
    "member.self_identified": Action("a member answered the voluntary self-identification (not logged)"),
    "registration.signed": Action("a member signed a book", _REGS),
    "registration.resigned": Action("a member re-signed", _REGS),
    "registration.lapsed": Action("a registration was removed for want of a re-sign (the member told, if they "
                                  "asked)", (*_REGS, "outbox")),
    "call.taken": Action("a job call was taken", ("calls", "call_certs", "name_requests")),
    "call.amended": Action("a call's workers, start or days changed", ("calls",)),
    "call.cancelled": Action("a call was cancelled (referrals reversed)", ("calls", "referrals", *_REGS)),
    "offer.calling": Action("a candidate is being phoned", ("calls",)),
    "offer.recorded": Action("an offer's outcome (the turndowns charged to those unavailable above; a member "
                             "phoned without an answer, or who declined, told if they asked)",
                             ("offers", "referrals", "calls", "hours", "member_hours", "turndown_charges", "outbox",
                              *_REGS)),
    "member.notices": Action("a member's choice of notices changed (by staff, by the member, or a text reply "
                             "of STOP); one who just asked is told what is already due", ("members", "outbox")),
    "notices.due": Action("notices that fell due at a moment (re-sign due soon, the re-sign window open), "
                          "one per member, once each", ("outbox",)),
    "referral.rejected_at_job": Action("a referral was turned away at the job",
                                       ("referrals", "calls", *_REGS)),
    "referral.cancelled": Action("a referral was cancelled before work began", ("referrals", "calls", *_REGS)),
    "referral.no_show": Action("a referred member did not show up (a quit)",
                               ("referrals", "calls", "job_ends", *_REGS)),
    "job.ended": Action("a member left a job", ("referrals", "job_ends", "hours", "member_hours", "members", *_REGS)),
    "member.qualified": Action("an admin recorded why a member qualifies for a book", ("qualifications",)),
    "registration.moved": Action("a member was moved to another book of the same classification", _REGS),
    "member.excused": Action("staff recorded an excused absence (the member told, if they asked)",
                             ("excuses", "outbox")),
    "member.excuse_changed": Action("an excused absence was ended early or corrected", ("excuses",)),
    "hours.added": Action("staff recorded hours a member worked", ("member_hours",)),
    "hours.imported": Action("hours were imported from payroll", ("member_hours",)),
    "hours.migrated": Action("hours kept per registration were copied to their members' records",
                             ("member_hours",)),
    "correction.outcome": Action("a recorded outcome was set aside",
                                 ("offers", "referrals", "corrections", "calls", *_REGS)),
    "correction.restore": Action("a removed place was restored", ("corrections", *_REGS)),
    "call.posted": Action("an open call's openings were posted for the next selection", ("calls",)),
    "bid.placed": Action("a member bid on a posted call", ("bids",)),
    "bid.withdrawn": Action("a member withdrew a bid", ("bids",)),
    "member.signed_in": Action("a member signed the day book", ("signins",)),
    "selection.award": Action("the selection awarded a posted call's opening (a referral)",
                              ("offers", "referrals", "calls", "hours", *_REGS)),
    "selection.recorded": Action("a selection was recorded, with each call's bidders and why",
                                 ("selections", "calls")),
    "referral.award_declined": Action("an awarded member refused the call (a turndown; the opening reopens)",
                                      ("offers", "referrals", "calls", "hours", *_REGS)),
    "correction.remedy": Action("a remedy referral was granted", ("referrals", "corrections", "calls", *_REGS)),
}


class UnloggedWrite(RuntimeError):
    """A programming error: a write to a replayed table that the log would not hold (written
    around ``apply``, collected but never recorded, or under an action that does not declare it)."""


def check_action(action: str, writes: Sequence[list]) -> None:
    """Refuse (``UnloggedWrite``) an undeclared action, or writes to a table its action does not declare."""
    declared = ACTIONS.get(action)
    if declared is None:
        raise UnloggedWrite(f"the action {action!r} is not declared in hall.changes.ACTIONS")
    for write in writes:
        if write[1] not in declared.writes:
            raise UnloggedWrite(f"{action} writes {write[1]}, which it does not declare in hall.changes.ACTIONS")


# --- applying a write ----------------------------------------------------------------------------

_applying = threading.local()  # set while ``apply`` runs: the authorizer lets its statements through
_SQL: dict[tuple, str] = {}


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _where(spec: Table) -> str:
    return " AND ".join(f"{_quoted(c)} = ?" for c in spec.key)


def statement(op: str, spec: Table, columns: tuple[str, ...]) -> str:
    """The SQL of one kind of write (cached)."""
    cache_key = (op, spec.name, columns)
    sql = _SQL.get(cache_key)
    if sql is None:
        name = _quoted(spec.name)
        if op == "insert":
            sql = (f"INSERT INTO {name} ({', '.join(map(_quoted, columns))})"
                   f" VALUES ({', '.join('?' for _ in columns)})")
        elif op == "update":
            sql = f"UPDATE {name} SET {', '.join(f'{_quoted(c)} = ?' for c in columns)} WHERE {_where(spec)}"
        elif op == "delete":
            sql = f"DELETE FROM {name} WHERE {_where(spec)}"
        else:
            raise ValueError(f"{op!r} is not a write (insert, update or delete)")
        _SQL[cache_key] = sql
    return sql


def apply(db, write: Sequence) -> Any:
    """Execute one write (the live operation's and the replay's one path); returns the row's key.

    ``db`` is a sqlite-utils ``Database`` or a ``sqlite3.Connection``. An update or delete that
    finds no row raises ``LookupError``.
    """
    conn = getattr(db, "conn", db)
    op, name = write[0], write[1]
    spec = table(name)
    if op == "insert":
        values = write[2]
        sql, params = statement("insert", spec, tuple(values)), tuple(values.values())
    elif op == "update":
        key, values = write[2], write[3]
        sql, params = statement("update", spec, tuple(values)), (*values.values(), *spec.key_values(key))
    else:
        key = write[2]
        sql, params = statement(op, spec, ()), tuple(spec.key_values(key))
    _applying.on = True
    try:
        cursor = conn.execute(sql, params)
    finally:
        _applying.on = False
    if op == "insert":
        values = write[2]
        if len(spec.key) == 1 and spec.key[0] not in values:
            return cursor.lastrowid
        return spec.key_of(values)
    if cursor.rowcount != 1:
        raise LookupError(f"{spec.name} has no row {key!r} to {op}")
    return key


# --- the guard -----------------------------------------------------------------------------------

_WRITING = {sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE}


@contextmanager
def logged(db) -> Iterator[None]:
    """While open, the connection refuses INSERT, UPDATE and DELETE on replayed tables unless the
    statement comes from ``apply``; a refusal is raised as ``UnloggedWrite`` naming the table."""
    conn = getattr(db, "conn", db)
    refused: list[str] = []

    def authorize(action, arg1, _arg2, database, _trigger):
        if action in _WRITING and arg1 in REPLAYED and database == "main" and not getattr(_applying, "on", False):
            refused.append(arg1)
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK

    conn.set_authorizer(authorize)
    try:
        yield
    except sqlite3.DatabaseError as error:
        if refused and "not authorized" in str(error):
            raise UnloggedWrite(f"a write to {refused[-1]} outside hall.changes.apply: use Tx.insert, "
                                "Tx.update or Tx.delete, so the log holds it") from error
        raise
    finally:
        conn.set_authorizer(None)


# --- showing entries to people -------------------------------------------------------------------


def redacted(data: dict) -> dict:
    """An entry's data as people may see it: password and PIN hashes in its writes shown as "(hash)"."""
    writes = data.get("writes") if isinstance(data, dict) else None
    if not isinstance(writes, list):
        return data
    shown = []
    for write in writes:
        spec = REPLAYED.get(write[1]) if isinstance(write, list) and len(write) >= 3 else None
        if spec is None or not spec.hashes or not isinstance(write[-1], dict):
            shown.append(write)
        else:
            shown.append([*write[:-1], spec.shown(write[-1])])
    return {**data, "writes": shown}


def write_text(write: Sequence) -> str:
    """One write as a line for people: "update registrations 57: last_signed_at 2026-11-26T15:02:00Z"
    (hashes shown as "(hash)"; an insert's key after the table, not among its values)."""
    op, name = write[0], write[1]
    spec = REPLAYED.get(name)
    values = write[-1] if op in ("insert", "update") and isinstance(write[-1], dict) else {}
    if op == "insert":
        key_columns = spec.key if spec and all(c in values for c in spec.key) else ()
        key = [values[c] for c in key_columns]
        values = {c: v for c, v in values.items() if c not in key_columns}
    else:
        key = write[2] if len(write) > 2 else ""
    key_text = " ".join(map(str, key)) if isinstance(key, list) else str(key)
    shown = ", ".join(f"{c} {_value(v)}" for c, v in (spec.shown(values) if spec else values).items())
    return f"{op} {name} {key_text}" + (f": {shown}" if shown else "")


def _value(value) -> str:
    return "(none)" if value is None else str(value)
