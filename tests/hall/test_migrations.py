"""An older database is upgraded (a copy kept aside), never damaged; the kiosk refuses it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from dispatch.rules import RuleSet, rules_to_toml
from hall import audit, schema
from hall.db import connect, immediate
from hall.errors import HallError
from hall.operations.accounts import hash_secret
from hall.store import Store, Tx
from tests.conftest import Hall

OLDER = ["m002_corrections", "m003_speed_indexes", "m004_board_indexes", "m005_replay_snapshot", "m006_identity",
         "m007_web_sessions", "m008_lists_v2", "m009_notices", "m010_morning_dispatch"]


def make_old_database(path):
    """A database as the first release made it: only the first migration, with some history."""
    db = connect(path, create=True)
    with immediate(db):
        schema.migrations.apply(db, stop_before="m002_corrections")
        schema.ensure_audit_triggers(db)
        now = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
        text = rules_to_toml(RuleSet())
        rules_id = db["rulesets"].insert({"text": text, "effective_at": audit.iso(now),
                                          "created_at": audit.iso(now), "created_by": "t"}).last_pk
        for book in RuleSet().books:
            db["books"].insert({"id": book.id, "name": book.name, "classification": book.classification,
                                "priority": book.priority, "requires": "[]"})
        tx = Tx(db, now, "t", RuleSet(), rules_id)
        tx.record("hall.initialized", "hall", {"rules": text})
        db["users"].insert({"name": "maria", "role": "dispatcher", "password_hash": hash_secret("dispatch"),
                            "disabled": 0, "failed_logins": 0, "created_at": audit.iso(now)})
        tx.record("user.added", "user:maria", {"user": "maria", "role": "dispatcher"})
        db["members"].insert({"card": "101", "name": "Ada", "created_at": audit.iso(now)})
        db["member_classes"].insert({"card": "101", "classification": "JW"})
        tx.record("member.added", "member:101", {"card": "101"})
    db.close()


def test_an_older_database_is_copied_aside_and_upgraded(tmp_path):
    path = tmp_path / "hall.db"
    make_old_database(path)
    db = connect(path)
    assert schema.pending(db) == OLDER
    head_before = audit.head(db)
    db.close()
    cli = Hall(path, now="2026-11-03 09:00")
    cli.ok("login", "maria", "--password-stdin", input="dispatch\n", actor=None)  # upgrades first
    cli.ok("sign", "101", "JW-1", actor=None)  # in maria's session
    assert (tmp_path / "hall.db.before-1").exists()
    db = connect(path)
    try:
        assert schema.pending(db) == []
        triggers = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        assert set(schema.AUDIT_TRIGGERS) <= triggers
        assert audit.verify(db).ok
        # The upgrade's replay snapshot, the log-in, then the signing.
        assert [r[0] for r in db.execute("SELECT action FROM audit WHERE seq > ? ORDER BY seq", [head_before[0]])] \
            == ["replay.snapshot", "user.login", "registration.signed"]
    finally:
        db.close()
    old = connect(tmp_path / "hall.db.before-1")
    try:
        assert schema.pending(old) == OLDER
        assert audit.head(old) == head_before
    finally:
        old.close()


def test_a_read_command_and_the_kiosk_refuse_an_older_database(tmp_path):
    path = tmp_path / "hall.db"
    make_old_database(path)
    with pytest.raises(HallError, match="hall login NAME"):
        with Store(path).read_only():
            pass
    cli = Hall(path, now="2026-11-03 09:00")
    refused = cli.fails("position", "101", actor=None, env={"HALL_TOKEN": "hall_made-before-tokens"})
    assert "older version" in refused.stderr and "hall login NAME" in refused.stderr
    cli.ok("login", "maria", "--password-stdin", input="dispatch\n", actor=None)
    assert "up to date" in cli.ok("migrate", actor=None).stdout
    assert cli.json("position", "101", actor=None)["card"] == "101"


def test_hours_kept_per_registration_move_to_the_member_through_the_log(tmp_path):
    """m006: hours the first release kept per registration become the member's hours records, written
    through the log (an ``hours.migrated`` entry) so replay rebuilds them."""
    from hall.replay import replay
    from hall.store import Store

    path = tmp_path / "hall.db"
    make_old_database(path)
    db = connect(path)
    with immediate(db):
        schema.migrations.apply(db, stop_before="m005_replay_snapshot")
        db.execute("INSERT INTO registrations (id, card, book_id, registered_at, last_signed_at)"
                   " VALUES (1, '101', 'JW-1', '2026-11-02T14:00:00Z', '2026-11-02T14:00:00Z')")
        db.execute("INSERT INTO hours (registration_id, at, hours, kind)"
                   " VALUES (1, '2026-11-03T02:00:00Z', 16, 'worked'), (1, '2026-11-04T15:00:00Z', 10, 'penalty')")
    db.close()
    Store(path, clock=lambda: datetime(2026, 11, 5, 15, 0, tzinfo=UTC)).prepare_for_writing()
    db = connect(path)
    try:
        rows = db.execute("SELECT card, day, hours, kind, source FROM member_hours ORDER BY id").fetchall()
        # Dated in the hall's zone (these rules: UTC).
        assert rows == [("101", "2026-11-03", 16.0, "worked", "migrated"), ("101", "2026-11-04", 10.0, "penalty",
                                                                              "migrated")]
        actor, data = db.execute("SELECT actor, data FROM audit WHERE action = 'hours.migrated'").fetchone()
        assert actor == "system" and json.loads(data)["rows"] == 2
    finally:
        db.close()
    assert replay(path).ok
