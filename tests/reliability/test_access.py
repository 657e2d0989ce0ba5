"""Access: the kiosk cannot write; disabled accounts and locked-out names stay out;
a dispatcher cannot reach admin operations."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from hall.clock import system_now
from hall.errors import HallError
from hall.operations import accounts
from hall.operations.accounts import User
from hall.session import NotAllowed, Session
from hall.store import Store
from tests.reliability.helpers import make_hall


class Clock:
    def __init__(self):
        self.moment = system_now()

    def __call__(self):
        return self.moment


def _dump(db: Path):
    conn = sqlite3.connect(db)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


@pytest.fixture(scope="module", autouse=True)
def _cheap_hashes():
    """Argon2id with small costs: the same code paths, a fraction of the time."""
    from argon2 import PasswordHasher

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        yield


@pytest.fixture(scope="module")
def _template(tmp_path_factory, _cheap_hashes) -> Path:
    db = tmp_path_factory.mktemp("access") / "hall.db"
    make_hall(db, members_count=2, employers_count=1)
    store = Store(db)
    accounts.add_user(store, "admin", "admin-pass-1", "admin", actor="setup", first_admin=True)
    accounts.add_user(store, "maria", "maria-pass-1", "dispatcher", actor="admin")
    return db


@pytest.fixture
def hall(_template: Path, tmp_path: Path) -> tuple[Path, Clock]:
    db = tmp_path / "hall.db"
    shutil.copyfile(_template, db)
    return db, Clock()


@pytest.mark.parametrize("statement", [
    "INSERT INTO employers (name, created_at) VALUES ('Kiosk Co', 'x')",
    "UPDATE members SET name = 'changed'",
    "DELETE FROM registrations",
    "CREATE TABLE kiosk_was_here (x)",
    "DROP TRIGGER audit_no_update",
])
def test_the_kiosk_connection_cannot_write(hall, statement):
    db, clock = hall
    before = _dump(db)
    with Store(db, clock).read_only() as conn:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            conn.execute(statement)
    assert _dump(db) == before


def test_the_kiosk_refuses_an_older_database(hall):
    db, clock = hall
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm002_corrections'")
    conn.close()
    with pytest.raises(HallError, match="hall migrate"):
        with Store(db, clock).read_only():
            pass


def test_a_disabled_account_cannot_log_in(hall):
    db, clock = hall
    store = Store(db, clock)
    assert accounts.login(store, "maria", "maria-pass-1") == User("maria", "dispatcher")
    accounts.disable_user(store, "maria", actor="admin")
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
    clock.moment += timedelta(seconds=rules.lockout_seconds - 1)
    with pytest.raises(HallError, match="Too many failed log-ins"):
        accounts.login(store, "maria", "maria-pass-1")
    clock.moment += timedelta(seconds=2)
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
    before = _dump(db)
    attempts = {
        "set_rules": lambda: session.set_rules('[hall]\nname = "Mine now"\n', "2030-01-01 00:00", "urgent"),
        "add_user": lambda: session.add_user("eve", "eve-pass-123", "admin"),
        "disable_user": lambda: session.disable_user("admin"),
        "set_password": lambda: session.set_password("admin", "taken-over-1"),
        "reinstate": lambda: session.reinstate("1000", "because I can"),
    }
    for name, attempt in attempts.items():
        with pytest.raises(NotAllowed, match="Only an admin"):
            attempt()
    assert _dump(db) == before, "a refused admin action wrote something"
    # Her own password she may change.
    session.set_password("maria", "maria-pass-2")


def test_an_admin_session_can(hall):
    db, clock = hall
    store = Store(db, clock)
    session = Session(store, accounts.login(store, "admin", "admin-pass-1"))
    session.add_user("eve", "eve-pass-123", "dispatcher")
    session.disable_user("eve")
