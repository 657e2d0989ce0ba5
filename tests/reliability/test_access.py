"""Access: the kiosk cannot write; disabled accounts and locked-out names stay out;
a dispatcher cannot reach admin operations (refused with one sentence, recorded as
``access.refused`` and nothing else)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from hall.clock import system_now
from hall.errors import HallError
from hall.operations import accounts
from hall.identity import Actor
from hall.session import NotAllowed, Session
from hall.store import Store
from tests.conftest import ACTOR, ADMIN, SettableClock, dump, unchanged
from tests.reliability.helpers import hall_with_members


@pytest.fixture(scope="module")
def _template(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("access") / "hall.db"
    hall_with_members(db, members_count=2, employers_count=1)
    store = Store(db)
    accounts.add_user(store, "admin", "admin-pass-1", "admin", actor=ACTOR)
    accounts.add_user(store, "maria", "maria-pass-1", "dispatcher", actor=ACTOR)
    return db


@pytest.fixture
def hall(_template: Path, tmp_path: Path) -> tuple[Path, SettableClock]:
    db = tmp_path / "hall.db"
    shutil.copyfile(_template, db)
    return db, SettableClock(system_now())


@pytest.mark.parametrize("statement", [
    "INSERT INTO employers (name, created_at) VALUES ('Kiosk Co', 'x')",
    "UPDATE members SET name = 'changed'",
    "DELETE FROM registrations",
    "CREATE TABLE kiosk_was_here (x)",
    "DROP TRIGGER audit_no_update",
])
def test_the_kiosk_connection_cannot_write(hall, statement):
    db, clock = hall
    with unchanged(db), Store(db, clock).read_only() as conn:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            conn.execute(statement)


def test_the_kiosk_refuses_an_older_database(hall):
    db, clock = hall
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm002_corrections'")
    conn.close()
    with pytest.raises(HallError, match="older version"):
        with Store(db, clock).read_only():
            pass


def test_a_disabled_account_cannot_log_in(hall):
    db, clock = hall
    store = Store(db, clock)
    assert accounts.login(store, "maria", "maria-pass-1") == Actor.staff("maria", "dispatcher")
    accounts.disable_user(store, "maria", actor=ADMIN)
    with pytest.raises(HallError, match="disabled"):
        accounts.login(store, "maria", "maria-pass-1")
    with Store(db, clock).read() as conn:
        why = conn.execute("SELECT json_extract(data, '$.why') FROM audit WHERE action = 'user.login_failed'"
                           " ORDER BY seq DESC LIMIT 1").fetchone()[0]
    assert why == "disabled"


def test_the_lockout_after_failed_logins_holds(hall):
    db, clock = hall
    store = Store(db, clock)
    rules = store.rules()[1].security
    for _ in range(rules.failed_logins):
        with pytest.raises(HallError, match="Wrong name or password"):
            accounts.login(store, "maria", "guess-guess")
    # The right password does not help while locked, from this terminal or another.
    for terminal in (store, Store(db, clock)):
        with pytest.raises(HallError, match="Too many failed log-ins"):
            accounts.login(terminal, "maria", "maria-pass-1")
    clock.advance(seconds=rules.lockout_seconds - 1)
    with pytest.raises(HallError, match="Too many failed log-ins"):
        accounts.login(store, "maria", "maria-pass-1")
    clock.advance(seconds=2)
    assert accounts.login(store, "maria", "maria-pass-1").name == "maria"


def test_failures_spread_over_terminals_still_lock(hall):
    db, clock = hall
    limit = Store(db, clock).rules()[1].security.failed_logins
    for i in range(limit):
        with pytest.raises(HallError):
            accounts.login(Store(db, clock), "maria", f"wrong-{i}")
    with pytest.raises(HallError, match="Too many failed log-ins"):
        accounts.login(Store(db, clock), "maria", "maria-pass-1")


def test_a_dispatcher_session_cannot_do_admin_actions(hall):
    db, clock = hall
    store = Store(db, clock)
    session = Session(store, accounts.login(store, "maria", "maria-pass-1"))
    assert not session.user.is_admin
    attempts = {
        "set_rules": lambda: session.set_rules('[hall]\nname = "Mine now"\n', "2030-01-01 00:00", "urgent"),
        "add_user": lambda: session.add_user("eve", "eve-pass-123", "admin"),
        "disable_user": lambda: session.disable_user("admin"),
        "set_password": lambda: session.set_password("admin", "taken-over-1"),
        "reinstate": lambda: session.reinstate("1000", "because I can"),
    }
    before = _rows_but_the_audit(db)
    with Store(db).read() as conn:
        first = conn.execute("SELECT max(seq) FROM audit").fetchone()[0] + 1
    for attempt in attempts.values():
        with pytest.raises(NotAllowed, match="Only an admin"):
            attempt()
    # A refused admin action writes nothing but its access.refused entry.
    assert _rows_but_the_audit(db) == before
    with Store(db).read() as conn:
        refused = conn.execute("SELECT actor, action, json_extract(data, '$.operation') FROM audit WHERE seq >= ?"
                               " ORDER BY seq", [first]).fetchall()
    assert refused == [("maria", "access.refused", f"{module}.{name}") for name, module in (
        ("set_rules", "rules"), ("add_user", "accounts"), ("disable_user", "accounts"),
        ("set_password", "accounts"), ("reinstate", "members"))]
    # Her own password she may change.
    session.set_password("maria", "maria-pass-2")
    assert accounts.login(store, "maria", "maria-pass-2") == Actor.staff("maria", "dispatcher")


def _rows_but_the_audit(db: Path) -> dict:
    content = dump(db)
    content.pop("audit")
    return content


def test_an_admin_session_can(hall):
    """What a dispatcher is refused above, an admin does, each step audited under the admin's name."""
    db, clock = hall
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("UPDATE members SET standing = 'suspended', suspension_note = 'two discharges' WHERE card = '1000'")
    conn.close()
    store = Store(db, clock)
    session = Session(store, accounts.login(store, "admin", "admin-pass-1"))
    receipts = [
        session.add_user("eve", "eve-pass-123", "dispatcher"),
        session.set_password("maria", "maria-pass-9"),
        session.reinstate("1000", "appeal granted", authority="Board 2026-7"),
        session.set_rules('[hall]\nname = "Renamed Local"\ntimezone = "UTC"\n', "2030-01-01 00:00", "urgent"),
    ]
    assert accounts.login(store, "eve", "eve-pass-123") == Actor.staff("eve", "dispatcher")
    assert accounts.login(store, "maria", "maria-pass-9") == Actor.staff("maria", "dispatcher")
    receipts.append(session.disable_user("eve"))
    with pytest.raises(HallError, match="The account eve is disabled."):
        accounts.login(store, "eve", "eve-pass-123")
    with store.read() as conn:
        assert conn.execute("SELECT standing FROM members WHERE card = '1000'").fetchone()[0] == "active"
        assert conn.execute("SELECT count(*) FROM rulesets WHERE effective_at = '2030-01-01T00:00:00Z'"
                            ).fetchone()[0] == 1
        entries = {seq: (actor, action) for seq, actor, action in conn.execute("SELECT seq, actor, action FROM audit")}
    assert [entries[r.seq] for r in receipts] == [
        ("admin", "user.added"), ("admin", "user.password"), ("admin", "member.reinstated"),
        ("admin", "rules.changed"), ("admin", "user.disabled")]


def test_outside_the_test_suite_passwords_get_argon2s_recommended_profile(tmp_path: Path):
    """The suite hashes with the cheapest parameters (tests/conftest.py); `hall` itself never does."""
    env = {**os.environ, "HALL_DB": str(tmp_path / "hall.db"), "HALL_STATE_DIR": str(tmp_path / "state"),
           "HALL_TOKEN": ""}
    hall = [str(Path(sys.executable).parent / "hall")]
    subprocess.run([*hall, "init", "--admin", "ada", "--password-stdin"], input="ada-secret-1\n", text=True,
                   env=env, check=True, capture_output=True, timeout=60)
    conn = sqlite3.connect(tmp_path / "hall.db")
    try:
        (stored,) = conn.execute("SELECT password_hash FROM users WHERE name = 'ada'").fetchone()
    finally:
        conn.close()
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$"), stored
