"""Staff accounts: Argon2id password hashes, log-ins with lockout, all audited.

The one Argon2id hasher of the hall lives here: staff passwords and members' kiosk
PINs are hashed and checked with ``hash_secret`` and ``secret_matches``.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Iterator

from argon2 import Parameters, PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from hall import audit
from hall.errors import HallError, NotFound
from hall.operations.common import Receipt

ROLES = ("admin", "dispatcher")
MIN_PASSWORD = 8
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9._-]{0,31}$")

RECOMMENDED = profiles.RFC_9106_LOW_MEMORY  # Argon2id, the library's default
_hasher = PasswordHasher.from_parameters(RECOMMENDED)


def use_profile(parameters: Parameters) -> None:
    """Hash new passwords with these Argon2 parameters (the test suite picks ``profiles.CHEAPEST``).

    A stored hash is always checked with the parameters it was made with, and one made with
    other parameters is replaced at the next successful log-in.
    """
    global _hasher
    _hasher = PasswordHasher.from_parameters(parameters)


_salts: Iterator[bytes] | None = None  # set only while a demo hall is built


@contextmanager
def reproducible_salts(seed: str) -> Iterator[None]:
    """Salts drawn from ``seed`` instead of at random, while the block runs: the demo hall's
    accounts (whose passwords everyone knows) hash the same for the same date, so its log does."""
    global _salts
    # as long as the hasher's own salts (else every log-in would renew the hash)
    _salts = (hashlib.sha256(f"{seed}:{n}".encode()).digest()[:_hasher.salt_len] for n in itertools.count())
    try:
        yield
    finally:
        _salts = None


def hash_secret(secret: str) -> str:
    """An Argon2id hash of a password or a PIN (salted: never the same twice)."""
    return _hasher.hash(secret, salt=next(_salts) if _salts is not None else None)


def secret_matches(stored_hash: str, secret: str) -> bool:
    """Whether ``secret`` is the password or PIN ``stored_hash`` was made from."""
    try:
        return _hasher.verify(stored_hash, secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True, slots=True)
class User:
    """A logged-in staff member."""

    name: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def check_name(name: str) -> str:
    name = (name or "").strip().lower()
    if not NAME_PATTERN.match(name):
        raise HallError("A user name is 1-32 lower-case letters, digits, dots, dashes or underscores, starting with a letter.")
    return name


def check_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD:
        raise HallError(f"A password needs at least {MIN_PASSWORD} characters.")
    if len(password) > 200:
        raise HallError("A password can have at most 200 characters.")
    return password


def check_role(role: str) -> str:
    role = (role or "").strip().lower()
    if role not in ROLES:
        raise HallError(f"{role[:20]!r} is not a role: use admin or dispatcher.")
    return role


def has_users(store) -> bool:
    """True once the hall has at least one staff account."""
    with store.read() as db:
        return db.execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None


def list_users(store) -> list[dict]:
    """Every account: name, role, disabled, created."""
    with store.read() as db:
        return [
            {"name": r[0], "role": r[1], "disabled": bool(r[2]), "created_at": r[3]}
            for r in db.execute("SELECT name, role, disabled, created_at FROM users ORDER BY name")
        ]


def add_user(store, name: str, password: str, role: str, *, actor: str, first_admin: bool = False) -> Receipt:
    """Create a staff account. With ``first_admin``, only allowed while there are no accounts."""
    name = check_name(name)
    role = check_role(role)
    check_password(password)
    hashed = hash_secret(password)
    with store.write(actor) as tx:
        if first_admin:
            if tx.db.execute("SELECT 1 FROM users LIMIT 1").fetchone():
                raise HallError("The hall already has accounts: log in as an admin to add more.")
            if role != "admin":
                raise HallError("The first account must be an admin.")
        if tx.db.execute("SELECT 1 FROM users WHERE name = ?", [name]).fetchone():
            raise HallError(f"There is already an account called {name}.")
        tx.insert("users", {"name": name, "role": role, "password_hash": hashed, "disabled": 0,
                            "failed_logins": 0, "locked_until": None, "created_at": audit.iso(tx.now)})
        entry = tx.record("user.added", f"user:{name}", {"user": name, "role": role})
        return Receipt.of(entry, f"Added {role} account {name}.")


def disable_user(store, name: str, *, actor: str) -> Receipt:
    """Disable an account: it can no longer log in."""
    name = check_name(name)
    with store.write(actor) as tx:
        row = tx.db.execute("SELECT disabled FROM users WHERE name = ?", [name]).fetchone()
        if row is None:
            raise NotFound(f"There is no account called {name}.")
        if row[0]:
            raise HallError(f"The account {name} is already disabled.")
        admins = tx.db.execute(
            "SELECT count(*) FROM users WHERE role = 'admin' AND disabled = 0 AND name != ?", [name]
        ).fetchone()[0]
        role = tx.db.execute("SELECT role FROM users WHERE name = ?", [name]).fetchone()[0]
        if role == "admin" and admins == 0:
            raise HallError(f"{name} is the last admin: add another admin before disabling this one.")
        tx.update("users", name, {"disabled": 1})
        entry = tx.record("user.disabled", f"user:{name}", {"user": name})
        return Receipt.of(entry, f"Disabled {name}.")


def set_password(store, name: str, password: str, *, actor: str) -> Receipt:
    """Set a new password (and clear any lockout)."""
    name = check_name(name)
    check_password(password)
    hashed = hash_secret(password)
    with store.write(actor) as tx:
        if tx.db.execute("SELECT 1 FROM users WHERE name = ?", [name]).fetchone() is None:
            raise NotFound(f"There is no account called {name}.")
        tx.update("users", name, {"password_hash": hashed, "failed_logins": 0, "locked_until": None})
        entry = tx.record("user.password", f"user:{name}", {"user": name})
        return Receipt.of(entry, f"Password changed for {name}.")


def login(store, name: str, password: str) -> User:
    """Check a name and password; audited either way. After too many failures in a row the name is locked."""
    name = (name or "").strip().lower()
    refusal = ""
    with store.write(name or "unknown") as tx:
        row = tx.db.execute(
            "SELECT role, password_hash, disabled, failed_logins, locked_until FROM users WHERE name = ?", [name]
        ).fetchone()
        security = tx.rules.security
        if row is not None and row[4] and audit.iso(tx.now) < row[4]:
            wait = int((_parse(row[4]) - tx.now).total_seconds()) + 1
            tx.record("user.login_refused", f"user:{name}", {"user": name, "why": "locked"})
            refusal = f"Too many failed log-ins for {name}: try again in {wait} seconds."
        else:
            ok = row is not None and not row[2] and secret_matches(row[1], password or "")
            if ok:
                renewed = {"password_hash": hash_secret(password)} if _hasher.check_needs_rehash(row[1]) else {}
                tx.update("users", name, {"failed_logins": 0, "locked_until": None, **renewed})
                tx.record("user.login", f"user:{name}", {"user": name})
                return User(name, row[0])
            if row is not None:
                failures = row[3] + 1
                changes: dict = {"failed_logins": failures}
                if failures >= security.failed_logins:
                    changes["locked_until"] = audit.iso(tx.now + timedelta(seconds=security.lockout_seconds))
                    changes["failed_logins"] = 0
                tx.update("users", name, changes)
            disabled = row is not None and bool(row[2])
            tx.record("user.login_failed", f"user:{name}",
                      {"user": name, "why": "disabled" if disabled else "wrong name or password"})
            refusal = f"The account {name} is disabled." if disabled else "Wrong name or password."
    # Raised only after the transaction committed the failure's audit entry.
    raise HallError(refusal)


def logout(store, name: str, *, why: str = "logout") -> Receipt:
    """Record that a user logged out (or was logged out by another's log-in)."""
    with store.write(name) as tx:
        entry = tx.record("user.logout", f"user:{name}", {"user": name, "why": why})
        return Receipt.of(entry, f"{name} logged out.")


def _parse(text: str):
    from hall.load import parse_time

    return parse_time(text)
