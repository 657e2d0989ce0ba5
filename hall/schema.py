"""The hall's tables, created and upgraded with sqlite-utils' ``Migrations``.

Times are UTC ISO-8601 text (``2026-11-26T13:42:00Z``) so text order is time
order; dates are ``YYYY-MM-DD`` in the hall's zone. A migration that
``transform()``s a table must recreate that table's triggers (transform drops
them); ``AUDIT_TRIGGERS`` are re-asserted after every upgrade.

The log rebuilds the replayed tables (``hall.changes``): a migration never changes
their rows behind it. One that must (a backfill) writes them through ``Tx`` and
records them in an audit entry of its own, and replayed columns are never dropped
(older entries name them).
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import datetime

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("hall")
_UPGRADE_AT: ContextVar[datetime | None] = ContextVar("upgrade_at", default=None)

AUDIT_TRIGGERS = {
    "audit_no_update": (
        "CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: entries cannot be changed'); END"
    ),
    "audit_no_delete": (
        "CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: entries cannot be deleted'); END"
    ),
}


@migrations()
def m001_initial(db: Database) -> None:
    """Every table of the first release."""
    _run_script(
        db,
        """
        CREATE TABLE rulesets (
            id INTEGER PRIMARY KEY,
            text TEXT NOT NULL,
            effective_at TEXT NOT NULL,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            urgent_reason TEXT
        );
        CREATE INDEX rulesets_effective ON rulesets(effective_at, id);

        CREATE TABLE books (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            classification TEXT NOT NULL,
            priority INTEGER NOT NULL,
            requires TEXT NOT NULL DEFAULT '[]'
        );

        CREATE TABLE members (
            card TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            phone TEXT NOT NULL DEFAULT '',
            phone_checked_at TEXT,
            home_local TEXT NOT NULL DEFAULT '',
            standing TEXT NOT NULL DEFAULT 'active'
                CHECK (standing IN ('active', 'suspended')),
            suspension_note TEXT NOT NULL DEFAULT '',
            pin_hash TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX members_name ON members(name COLLATE NOCASE);

        CREATE TABLE member_classes (
            card TEXT NOT NULL REFERENCES members(card),
            classification TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (card, classification)
        );

        CREATE TABLE certifications (
            id INTEGER PRIMARY KEY,
            card TEXT NOT NULL REFERENCES members(card),
            name TEXT NOT NULL,
            expires TEXT,
            UNIQUE (card, name COLLATE NOCASE)
        );
        CREATE INDEX certifications_name ON certifications(name COLLATE NOCASE, expires);

        CREATE TABLE registrations (
            id INTEGER PRIMARY KEY,
            card TEXT NOT NULL REFERENCES members(card),
            book_id TEXT NOT NULL REFERENCES books(id),
            registered_at TEXT NOT NULL,
            last_signed_at TEXT NOT NULL,
            signed_via TEXT NOT NULL DEFAULT 'in_person',
            signed_by TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'waiting'
                CHECK (status IN ('waiting', 'on_short_call', 'dispatched', 'removed')),
            turndowns INTEGER NOT NULL DEFAULT 0,
            restorations INTEGER NOT NULL DEFAULT 0,
            short_call_employer TEXT,
            short_call_until TEXT,
            short_call_call_id INTEGER,
            removed_reason TEXT NOT NULL DEFAULT '',
            removed_at TEXT
        );
        CREATE INDEX registrations_book_order
            ON registrations(book_id, status, registered_at, card);
        CREATE INDEX registrations_card ON registrations(card, status);

        CREATE TABLE registration_history (
            id INTEGER PRIMARY KEY,
            registration_id INTEGER NOT NULL REFERENCES registrations(id),
            card TEXT NOT NULL,
            book_id TEXT NOT NULL,
            at TEXT NOT NULL,
            status TEXT NOT NULL,
            registered_at TEXT NOT NULL,
            event TEXT NOT NULL,
            audit_seq INTEGER
        );
        CREATE INDEX registration_history_book_at ON registration_history(book_id, at);
        CREATE INDEX registration_history_card ON registration_history(card, at);
        CREATE INDEX registration_history_reg ON registration_history(registration_id, at);

        CREATE TABLE hours (
            id INTEGER PRIMARY KEY,
            registration_id INTEGER NOT NULL REFERENCES registrations(id),
            at TEXT NOT NULL,
            hours REAL NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('worked', 'penalty'))
        );
        CREATE INDEX hours_registration ON hours(registration_id, at);

        CREATE TABLE employers (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            phone TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL
        );

        CREATE TABLE employer_bars (
            id INTEGER PRIMARY KEY,
            employer_id INTEGER NOT NULL REFERENCES employers(id),
            card TEXT NOT NULL REFERENCES members(card),
            until TEXT NOT NULL,
            reason TEXT NOT NULL,
            contact TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL
        );
        CREATE INDEX employer_bars_card ON employer_bars(card, until);

        CREATE TABLE unavailability (
            id INTEGER PRIMARY KEY,
            card TEXT NOT NULL REFERENCES members(card),
            start TEXT,
            until TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            via TEXT NOT NULL DEFAULT 'in_person',
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL
        );
        CREATE INDEX unavailability_card ON unavailability(card, until);

        CREATE TABLE calls (
            id INTEGER PRIMARY KEY,
            employer_id INTEGER NOT NULL REFERENCES employers(id),
            classification TEXT NOT NULL,
            workers INTEGER NOT NULL CHECK (workers > 0),
            start_at TEXT NOT NULL,
            duration_days INTEGER NOT NULL CHECK (duration_days > 0),
            site TEXT NOT NULL DEFAULT '',
            notes TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'filled', 'cancelled')),
            taken_by TEXT NOT NULL,
            taken_at TEXT NOT NULL,
            closed_at TEXT,
            cancel_reason TEXT NOT NULL DEFAULT '',
            ruleset_id INTEGER REFERENCES rulesets(id),
            calling_card TEXT,
            calling_by TEXT,
            calling_since TEXT
        );
        CREATE INDEX calls_status ON calls(status, start_at);
        CREATE INDEX calls_employer ON calls(employer_id, taken_at);

        CREATE TABLE call_certs (
            call_id INTEGER NOT NULL REFERENCES calls(id),
            cert TEXT NOT NULL,
            PRIMARY KEY (call_id, cert)
        );

        CREATE TABLE name_requests (
            call_id INTEGER NOT NULL REFERENCES calls(id),
            card TEXT NOT NULL REFERENCES members(card),
            reason TEXT NOT NULL,
            ordinal INTEGER NOT NULL,
            PRIMARY KEY (call_id, card)
        );

        CREATE TABLE offers (
            id INTEGER PRIMARY KEY,
            call_id INTEGER NOT NULL REFERENCES calls(id),
            card TEXT NOT NULL REFERENCES members(card),
            registration_id INTEGER REFERENCES registrations(id),
            book_id TEXT,
            position INTEGER,
            outcome TEXT NOT NULL
                CHECK (outcome IN ('accepted', 'declined', 'no_answer', 'employer_rejected')),
            named INTEGER NOT NULL DEFAULT 0,
            turndown_counted INTEGER NOT NULL DEFAULT 0,
            note TEXT NOT NULL DEFAULT '',
            at TEXT NOT NULL,
            recorded_by TEXT NOT NULL,
            audit_seq INTEGER,
            superseded_by INTEGER  -- the corrections.id that set this outcome aside
        );
        CREATE INDEX offers_call ON offers(call_id, id);
        CREATE INDEX offers_card ON offers(card, at);
        CREATE INDEX offers_at ON offers(at);

        CREATE TABLE referrals (
            id INTEGER PRIMARY KEY,
            call_id INTEGER NOT NULL REFERENCES calls(id),
            card TEXT NOT NULL REFERENCES members(card),
            offer_id INTEGER REFERENCES offers(id),
            employer_id INTEGER NOT NULL REFERENCES employers(id),
            basis TEXT NOT NULL CHECK (basis IN ('list_order', 'name_request', 'remedy')),
            short_call INTEGER NOT NULL DEFAULT 0,
            at TEXT NOT NULL,
            recorded_by TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'active'
                CHECK (status IN ('active', 'ended', 'reversed')),
            reversal TEXT,
            reversal_note TEXT NOT NULL DEFAULT '',
            audit_seq INTEGER
        );
        CREATE INDEX referrals_call ON referrals(call_id, status);
        CREATE INDEX referrals_card ON referrals(card, status);
        CREATE INDEX referrals_employer ON referrals(employer_id, at);

        CREATE TABLE job_ends (
            id INTEGER PRIMARY KEY,
            referral_id INTEGER NOT NULL REFERENCES referrals(id),
            card TEXT NOT NULL REFERENCES members(card),
            reason TEXT NOT NULL CHECK (reason IN ('laid_off', 'quit', 'discharged')),
            at TEXT NOT NULL,
            days_worked INTEGER NOT NULL,
            hours REAL NOT NULL,
            counted_short INTEGER NOT NULL DEFAULT 0,
            recorded_by TEXT NOT NULL,
            audit_seq INTEGER
        );
        CREATE INDEX job_ends_card ON job_ends(card, at);

        CREATE TABLE users (
            name TEXT PRIMARY KEY,
            role TEXT NOT NULL CHECK (role IN ('admin', 'dispatcher')),
            password_hash TEXT NOT NULL,
            disabled INTEGER NOT NULL DEFAULT 0,
            failed_logins INTEGER NOT NULL DEFAULT 0,
            locked_until TEXT,
            created_at TEXT NOT NULL
        );

        CREATE TABLE audit (
            seq INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            subject TEXT NOT NULL,
            data TEXT NOT NULL,
            ruleset INTEGER,
            prev TEXT NOT NULL,
            hash TEXT NOT NULL,
            canonical TEXT NOT NULL
        );
        CREATE INDEX audit_subject ON audit(subject, seq);
        CREATE INDEX audit_action ON audit(action, seq);
        CREATE INDEX audit_actor ON audit(actor, seq);
        CREATE INDEX audit_card ON audit(json_extract(data, '$.card'), seq);
        CREATE INDEX audit_call ON audit(json_extract(data, '$.call'), seq);
        """
    )
    ensure_audit_triggers(db)


def _run_script(db: Database, script: str) -> None:
    # Not executescript(): it commits any open transaction first, and
    # migrations run inside the caller's BEGIN IMMEDIATE.
    for statement in script.split(";\n"):
        if statement.strip():
            db.execute(statement)


def ensure_audit_triggers(db: Database) -> None:
    """(Re)create the triggers that make the audit table append-only."""
    for sql in AUDIT_TRIGGERS.values():
        db.execute(sql)


def schema_version(db: Database) -> int:
    """How many of this release's migrations the database has applied."""
    return len(migrations.applied(db))


def latest_version() -> int:
    return len(migrations._migrations)


def pending(db: Database) -> list[str]:
    """Names of the migrations this database still needs."""
    return [m.name for m in migrations.pending(db)]


def upgrade(db: Database, *, now: datetime | None = None) -> None:
    """Apply pending migrations (the caller holds the write transaction). ``now`` dates any audit
    entry a migration appends (the replay snapshot of an older database)."""
    token = _UPGRADE_AT.set(now)
    try:
        migrations.apply(db)
    finally:
        _UPGRADE_AT.reset(token)
    ensure_audit_triggers(db)


@migrations()
def m002_corrections(db: Database) -> None:
    """Corrections and appeals: each cites an authority; the audit keeps both sides."""
    _run_script(
        db,
        """
        CREATE TABLE corrections (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('outcome', 'restore', 'remedy')),
            card TEXT NOT NULL REFERENCES members(card),
            call_id INTEGER REFERENCES calls(id),
            offer_id INTEGER REFERENCES offers(id),
            registration_id INTEGER REFERENCES registrations(id),
            authority TEXT NOT NULL,
            reason TEXT NOT NULL,
            at TEXT NOT NULL,
            recorded_by TEXT NOT NULL,
            audit_seq INTEGER
        );
        CREATE INDEX corrections_card ON corrections(card, at);
        CREATE INDEX corrections_at ON corrections(at);
        CREATE INDEX registrations_lapse ON registrations(status, last_signed_at);
        ALTER TABLE registration_history ADD COLUMN last_signed_at TEXT;
        CREATE TABLE self_identification (
            card TEXT PRIMARY KEY REFERENCES members(card),
            sex TEXT NOT NULL DEFAULT 'declined',
            race_ethnicity TEXT NOT NULL DEFAULT 'declined',
            recorded_at TEXT NOT NULL
        );
        """,
    )


@migrations()
def m003_speed_indexes(db: Database) -> None:
    """Indexes for hot reads found by the benchmark: recent quits and discharges (the
    name-request block every ranking reads) without scanning every job end."""
    _run_script(
        db,
        """
        CREATE INDEX job_ends_at ON job_ends(at);
        """,
    )


@migrations()
def m004_board_indexes(db: Database) -> None:
    """Indexes for the board: the last 90 days of list history (the sparklines) and the
    certifications expiring soon, each read as a range instead of the whole table."""
    _run_script(
        db,
        """
        CREATE INDEX registration_history_at ON registration_history(at);
        CREATE INDEX certifications_expires ON certifications(expires)
        """,
    )


@migrations()
def m005_replay_snapshot(db: Database) -> None:
    """The log rebuilds the lists. A database made before this has entries without their writes:
    the rows of the replayed tables are kept as they are now, hashed, and the hash and row counts
    go in an audit entry (``replay.snapshot``) from which replay starts. A new hall needs none."""
    _run_script(
        db,
        """
        CREATE TABLE replay_snapshot (
            id INTEGER PRIMARY KEY,
            tbl TEXT NOT NULL,
            row TEXT NOT NULL
        )
        """,
    )
    if db.execute("SELECT 1 FROM audit LIMIT 1").fetchone():
        from hall.clock import system_now
        from hall.replay import record_snapshot

        record_snapshot(db, _UPGRADE_AT.get() or system_now())


@migrations()
def m006_identity(db: Database) -> None:
    """Identity (v2): the ``jatc`` role, script tokens and command-line sessions (stored only as
    hashes), and the kiosk's missed card checks counted in the database."""
    _run_script(
        db,
        """
        CREATE TABLE users_new (
            name TEXT PRIMARY KEY,
            role TEXT NOT NULL CHECK (role IN ('admin', 'dispatcher', 'jatc')),
            password_hash TEXT NOT NULL,
            disabled INTEGER NOT NULL DEFAULT 0,
            failed_logins INTEGER NOT NULL DEFAULT 0,
            locked_until TEXT,
            created_at TEXT NOT NULL
        );
        INSERT INTO users_new (name, role, password_hash, disabled, failed_logins, locked_until, created_at)
            SELECT name, role, password_hash, disabled, failed_logins, locked_until, created_at FROM users;
        DROP TABLE users;
        ALTER TABLE users_new RENAME TO users;

        CREATE TABLE tokens (
            id INTEGER PRIMARY KEY,
            user_name TEXT NOT NULL REFERENCES users(name),
            kind TEXT NOT NULL CHECK (kind IN ('token', 'session')),
            hash TEXT NOT NULL UNIQUE,
            os_user TEXT,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            revoked_at TEXT,
            revoked_why TEXT
        );
        CREATE INDEX tokens_user ON tokens(user_name, kind, revoked_at);

        CREATE TABLE kiosk_misses (
            card TEXT PRIMARY KEY REFERENCES members(card),
            misses INTEGER NOT NULL DEFAULT 0,
            locked_until TEXT
        )
        """,
    )


@migrations()
def m007_web_sessions(db: Database) -> None:
    """Members at home (v2, ``hall web``): their web sessions, stored only as hashes (the notices
    each member chose came with ``m009_notices``)."""
    _run_script(
        db,
        """
        CREATE TABLE web_sessions (
            id INTEGER PRIMARY KEY,
            card TEXT NOT NULL REFERENCES members(card),
            hash TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            ended_at TEXT,
            ended_why TEXT
        );
        CREATE INDEX web_sessions_card ON web_sessions(card, ended_at)
        """,
    )


@migrations()
def m008_lists_v2(db: Database) -> None:
    """The (v2) list rules (issue 14): qualification records, excused absences, hours that belong to
    the member, calls with expected hours or declines that never count, and the turndowns charged
    to members passed over as unavailable. Hours recorded per registration before this are copied
    to their member's records, written through the log (an ``hours.migrated`` entry)."""
    _run_script(
        db,
        """
        CREATE TABLE qualifications (
            id INTEGER PRIMARY KEY,
            card TEXT NOT NULL REFERENCES members(card),
            book_id TEXT NOT NULL,
            evidence TEXT NOT NULL,
            at TEXT NOT NULL,
            recorded_by TEXT NOT NULL
        );
        CREATE INDEX qualifications_card ON qualifications(card, book_id);

        CREATE TABLE excuses (
            id INTEGER PRIMARY KEY,
            card TEXT NOT NULL REFERENCES members(card),
            kind TEXT NOT NULL CHECK (kind IN ('military', 'jury', 'union_business', 'medical', 'other')),
            start TEXT NOT NULL,
            until TEXT NOT NULL,
            evidence TEXT NOT NULL,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            changed_at TEXT,
            changed_by TEXT
        );
        CREATE INDEX excuses_card ON excuses(card, until);
        CREATE INDEX excuses_until ON excuses(until);

        CREATE TABLE member_hours (
            id INTEGER PRIMARY KEY,
            card TEXT NOT NULL REFERENCES members(card),
            day TEXT NOT NULL,
            hours REAL NOT NULL,
            employer TEXT NOT NULL DEFAULT '',
            category TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL CHECK (kind IN ('worked', 'penalty')),
            source TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            recorded_by TEXT NOT NULL
        );
        CREATE INDEX member_hours_day ON member_hours(day, card);
        CREATE INDEX member_hours_card ON member_hours(card, day);

        CREATE TABLE turndown_charges (
            id INTEGER PRIMARY KEY,
            call_id INTEGER NOT NULL REFERENCES calls(id),
            card TEXT NOT NULL REFERENCES members(card),
            registration_id INTEGER NOT NULL REFERENCES registrations(id),
            at TEXT NOT NULL,
            counted INTEGER NOT NULL,
            why_not TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX turndown_charges_call ON turndown_charges(call_id, card);
        CREATE INDEX turndown_charges_reg ON turndown_charges(registration_id, at);
        CREATE INDEX offers_registration ON offers(registration_id, at);

        ALTER TABLE calls ADD COLUMN expected_hours REAL;
        ALTER TABLE calls ADD COLUMN no_turndown TEXT NOT NULL DEFAULT ''
        """,
    )
    if db.execute("SELECT 1 FROM hours LIMIT 1").fetchone():
        from hall.clock import system_now
        from hall.operations.hours import migrate_registration_hours

        migrate_registration_hours(db, _UPGRADE_AT.get() or system_now())


@migrations()
def m009_notices(db: Database) -> None:
    """Notices (v2): a member's email and choice of notices, the ``outbox`` (what the hall
    decided to tell whom, written with the event and replayed), and the delivery of each
    notice and every attempt (written by ``hall notify run``, not replayed)."""
    _run_script(
        db,
        """
        ALTER TABLE members ADD COLUMN email TEXT NOT NULL DEFAULT '';
        ALTER TABLE members ADD COLUMN notices TEXT NOT NULL DEFAULT 'none'
            CHECK (notices IN ('none', 'email', 'sms'));
        ALTER TABLE members ADD COLUMN notice_calls INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX members_notices ON members(notices) WHERE notices != 'none';

        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            card TEXT NOT NULL REFERENCES members(card),
            kind TEXT NOT NULL,
            ref TEXT NOT NULL,
            subject TEXT NOT NULL,
            body TEXT NOT NULL,
            at TEXT NOT NULL,
            audit_seq INTEGER,
            UNIQUE (card, kind, ref)
        );

        CREATE TABLE deliveries (
            outbox_id INTEGER PRIMARY KEY REFERENCES outbox(id),
            state TEXT NOT NULL DEFAULT 'waiting'
                CHECK (state IN ('waiting', 'retrying', 'sending', 'sent', 'unknown', 'dropped')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_at TEXT NOT NULL,
            channel TEXT,
            address TEXT,
            claimed_by TEXT,
            claimed_at TEXT,
            sent_at TEXT,
            last_error TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX deliveries_due ON deliveries(state, next_at);
        CREATE INDEX deliveries_sent ON deliveries(sent_at);

        CREATE TABLE notice_attempts (
            id INTEGER PRIMARY KEY,
            outbox_id INTEGER NOT NULL REFERENCES outbox(id),
            at TEXT NOT NULL,
            channel TEXT NOT NULL,
            address TEXT NOT NULL,
            outcome TEXT NOT NULL CHECK (outcome IN ('sending', 'sent', 'failed', 'unknown')),
            error TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX notice_attempts_outbox ON notice_attempts(outbox_id, id);

        CREATE TABLE notice_marks (
            kind TEXT PRIMARY KEY,
            checked_at TEXT NOT NULL
        )
        """,
    )


@migrations()
def m010_morning_dispatch(db: Database) -> None:
    """(v2) The morning dispatch: posted calls (the selection each is posted for, the wage, why
    one was taken by phone), members' bids with their choice numbers, day-book sign-ins, the
    selections recorded, and the choice number on an offer that is an award."""
    _run_script(
        db,
        """
        ALTER TABLE calls ADD COLUMN posted_for TEXT;
        ALTER TABLE calls ADD COLUMN wage TEXT NOT NULL DEFAULT '';
        ALTER TABLE calls ADD COLUMN by_phone TEXT NOT NULL DEFAULT '';
        CREATE INDEX calls_posted ON calls(posted_for);
        ALTER TABLE offers ADD COLUMN award_choice INTEGER;
        CREATE TABLE bids (
            id INTEGER PRIMARY KEY,
            call_id INTEGER NOT NULL REFERENCES calls(id),
            card TEXT NOT NULL REFERENCES members(card),
            choice INTEGER NOT NULL CHECK (choice > 0),
            selection_at TEXT NOT NULL,
            at TEXT NOT NULL,
            via TEXT NOT NULL,
            recorded_by TEXT NOT NULL,
            withdrawn_at TEXT,
            withdrawn_by TEXT,
            audit_seq INTEGER
        );
        CREATE INDEX bids_call ON bids(call_id, selection_at);
        CREATE INDEX bids_card ON bids(card, selection_at);
        CREATE TABLE signins (
            id INTEGER PRIMARY KEY,
            card TEXT NOT NULL REFERENCES members(card),
            day TEXT NOT NULL,
            at TEXT NOT NULL,
            via TEXT NOT NULL,
            recorded_by TEXT NOT NULL,
            audit_seq INTEGER,
            UNIQUE (card, day)
        );
        CREATE INDEX signins_day ON signins(day, card);
        CREATE TABLE selections (
            at TEXT PRIMARY KEY,
            recorded_at TEXT NOT NULL,
            calls INTEGER NOT NULL,
            awards INTEGER NOT NULL,
            audit_seq INTEGER
        )
        """,
    )
