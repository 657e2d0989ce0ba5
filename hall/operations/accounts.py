"""Staff accounts: Argon2id password hashes, log-ins with lockout, all audited.

The one Argon2id hasher of the hall lives here: staff passwords and members' kiosk
PINs are hashed and checked with ``hash_secret`` and ``secret_matches``. A log-in
under a name that is no account is recorded as an unknown name (never the text
typed: people type passwords into name fields) and takes as long as a real check.
Script tokens and command-line sessions are in ``hall.operations.tokens``.
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
from hall.identity import ADMIN, ANY_ACCOUNT, NOBODY, RESERVED_NAMES, ROLES, Actor, NotAllowed, allowed
from hall.operations.common import Receipt

MIN_PASSWORD = 8
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9._-]{0,31}$")
UNKNOWN = "unknown"  # how the log names who tried to log in under a name that is no account

RECOMMENDED = profiles.RFC_9106_LOW_MEMORY  # Argon2id, the library's default
_hasher = PasswordHasher.from_parameters(RECOMMENDED)
_dummy_hashes: dict[int, str] = {}


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


def needs_rehash(stored_hash: str) -> bool:
    """Whether a stored hash was made with other parameters than new ones are."""
    return _hasher.check_needs_rehash(stored_hash)


def check_nothing(secret: str) -> bool:
    """Spend as long as checking a real hash does, for a name or card that has none (so the
    time taken says nothing about whether it exists); always False."""
    key = id(_hasher)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = _hasher.hash("no such account: a hash only to spend the time")
    secret_matches(_dummy_hashes[key], secret or "")
    return False


User = Actor
"""A logged-in staff member is an ``Actor`` (``Actor.staff(name, role)``)."""


def check_name(name: str) -> str:
    name = (name or "").strip().lower()
    if not NAME_PATTERN.match(name):
        raise HallError("A user name is 1-32 lower-case letters, digits, dots, dashes or underscores, starting with a letter.")
    if name in RESERVED_NAMES:
        raise HallError(f"{name} is a name the audit log uses for something else: choose another user name.")
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
        raise HallError(f"{role[:20]!r} is not a role: use {', '.join(ROLES[:-1])} or {ROLES[-1]}.")
    return role


def has_users(store) -> bool:
    """True once the hall has at least one staff account."""
    with store.read() as db:
        return db.execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None


def list_users(store) -> list[dict]:
    """Every account: name, role, disabled, created, and its live script tokens (created, expires)."""
    with store.read() as db:
        now = audit.iso(store.now())
        tokens: dict[str, list[dict]] = {}
        for user, created, expires in db.execute(
            "SELECT user_name, created_at, expires_at FROM tokens WHERE kind = 'token' AND revoked_at IS NULL"
            " AND expires_at > ? ORDER BY id", [now]
        ):
            tokens.setdefault(user, []).append({"created_at": created, "expires": expires})
        return [
            {"name": r[0], "role": r[1], "disabled": bool(r[2]), "created_at": r[3], "tokens": tokens.get(r[0], [])}
            for r in db.execute("SELECT name, role, disabled, created_at FROM users ORDER BY name")
        ]


def insert_user(tx, name: str, role: str, hashed: str) -> None:
    """Write a new account's row (its name, role and password checked by the caller)."""
    tx.insert("users", {"name": name, "role": role, "password_hash": hashed, "disabled": 0,
                        "failed_logins": 0, "locked_until": None, "created_at": audit.iso(tx.now)})


@allowed(ADMIN, doing="add staff accounts")
def add_user(store, name: str, password: str, role: str, *, actor: Actor) -> Receipt:
    """Create a staff account."""
    name = check_name(name)
    role = check_role(role)
    check_password(password)
    hashed = hash_secret(password)
    with store.write(actor) as tx:
        if tx.db.execute("SELECT 1 FROM users WHERE name = ?", [name]).fetchone():
            raise HallError(f"There is already an account called {name}.")
        insert_user(tx, name, role, hashed)
        entry = tx.record("user.added", f"user:{name}", {"user": name, "role": role})
        return Receipt.of(entry, f"Added {role} account {name}.")


@allowed(anyone=True, doing="create the first admin account")
def add_first_admin(store, name: str, password: str) -> Actor:
    """A hall with no accounts yet (made before log-ins were needed): its first admin, who is
    then logged in. Refused once the hall has any account."""
    name = check_name(name)
    check_password(password)
    hashed = hash_secret(password)
    with store.write(Actor.staff(name)) as tx:
        if tx.db.execute("SELECT 1 FROM users LIMIT 1").fetchone():
            raise HallError("The hall already has accounts: log in as an admin to add more.")
        insert_user(tx, name, ADMIN, hashed)
        tx.record("user.added", f"user:{name}", {"user": name, "role": ADMIN, "first": True})
        tx.record("user.login", f"user:{name}", {"user": name, "via": "app"})
        return Actor.staff(name, ADMIN)


@allowed(ADMIN, doing="disable staff accounts")
def disable_user(store, name: str, *, actor: Actor) -> Receipt:
    """Disable an account: it can no longer log in, and its tokens and sessions end."""
    from hall.operations.tokens import revoke_all

    name = check_name(name)
    with store.write(actor) as tx:
        row = tx.db.execute("SELECT disabled, role FROM users WHERE name = ?", [name]).fetchone()
        if row is None:
            raise NotFound(f"There is no account called {name}.")
        if row[0]:
            raise HallError(f"The account {name} is already disabled.")
        admins = tx.db.execute(
            "SELECT count(*) FROM users WHERE role = 'admin' AND disabled = 0 AND name != ?", [name]
        ).fetchone()[0]
        if row[1] == ADMIN and admins == 0:
            raise HallError(f"{name} is the last admin: add another admin before disabling this one.")
        tx.update("users", name, {"disabled": 1})
        revoked = revoke_all(tx, name, why=f"account disabled by {tx.actor}")
        entry = tx.record("user.disabled", f"user:{name}", {"user": name, "revoked": revoked})
        return Receipt.of(entry, f"Disabled {name}.")


def own_or_admin(tx, name: str, doing: str) -> bool:
    """Inside ``tx``: refuse (recorded) unless ``name`` is the actor's own account or the actor is
    an admin now; one sentence when there is no such account. Returns whether it is disabled."""
    if name != tx.actor and tx.role != ADMIN:
        raise NotAllowed(f"Only an admin can {doing}.")
    row = tx.db.execute("SELECT disabled FROM users WHERE name = ?", [name]).fetchone()
    if row is None:
        raise NotFound(f"There is no account called {name}.")
    return bool(row[0])


@allowed(ANY_ACCOUNT, doing="change passwords")
def set_password(store, name: str, password: str, *, actor: Actor) -> Receipt:
    """Set a new password (and clear any lockout): one's own, or anyone's for an admin."""
    name = check_name(name)
    check_password(password)
    hashed = hash_secret(password)
    with store.write(actor) as tx:
        own_or_admin(tx, name, "change another account's password")
        tx.update("users", name, {"password_hash": hashed, "failed_logins": 0, "locked_until": None})
        entry = tx.record("user.password", f"user:{name}", {"user": name})
        return Receipt.of(entry, f"Password changed for {name}.")


def check_login(tx, typed_name: str, password: str) -> tuple[Actor | None, str]:
    """Inside a write transaction: check a name and password, record the log-in failure or
    clear the failure count, and return the account (or None and the sentence to show).

    A failure is recorded here; the caller records the successful log-in (with how it came
    in) and raises the sentence only after the transaction commits the failure.
    """
    name = (typed_name or "").strip().lower()
    row = None
    if NAME_PATTERN.match(name):
        row = tx.db.execute(
            "SELECT role, password_hash, disabled, failed_logins, locked_until FROM users WHERE name = ?", [name]
        ).fetchone()
    if row is None:
        check_nothing(password)  # as long as a real check
        tx.actor = UNKNOWN
        tx.record("user.login_failed", "users", {"why": "unknown name"})
        return None, "Wrong name or password."
    tx.actor = name
    role, stored, disabled, failures, locked_until = row
    security = tx.rules.security
    if locked_until and audit.iso(tx.now) < locked_until:
        wait = int((_parse(locked_until) - tx.now).total_seconds()) + 1
        tx.record("user.login_refused", f"user:{name}", {"user": name, "why": "locked"})
        return None, f"Too many failed log-ins for {name}: try again in {wait} seconds."
    matches = secret_matches(stored, password or "")
    if matches and disabled:  # said only to whoever knows the password
        tx.record("user.login_failed", f"user:{name}", {"user": name, "why": "disabled"})
        return None, f"The account {name} is disabled."
    if matches:
        renewed = {"password_hash": hash_secret(password)} if needs_rehash(stored) else {}
        tx.update("users", name, {"failed_logins": 0, "locked_until": None, **renewed})
        return Actor.staff(name, role), ""
    changes: dict = {"failed_logins": failures + 1}
    if failures + 1 >= security.failed_logins:
        changes["locked_until"] = audit.iso(tx.now + timedelta(seconds=security.lockout_seconds))
        changes["failed_logins"] = 0
    tx.update("users", name, changes)
    tx.record("user.login_failed", f"user:{name}", {"user": name, "why": "wrong password"})
    return None, "Wrong name or password."


@allowed(anyone=True, doing="log in")
def login(store, name: str, password: str, *, via: str = "app") -> Actor:
    """Check a name and password; audited either way. After too many failures in a row the name is locked."""
    with store.write(NOBODY) as tx:
        actor, refusal = check_login(tx, name, password)
        if actor is not None:
            tx.record("user.login", f"user:{actor.name}", {"user": actor.name, "via": via})
            return actor
    # Raised only after the transaction committed the failure's audit entry.
    raise HallError(refusal)


@allowed(ANY_ACCOUNT, doing="log out")
def logout(store, actor: Actor, *, why: str = "logout") -> Receipt:
    """Record that a user logged out (or was logged out by another's log-in)."""
    with store.write(actor, sweep=False) as tx:
        entry = tx.record("user.logout", f"user:{actor.name}", {"user": actor.name, "why": why})
        return Receipt.of(entry, f"{actor.name} logged out.")


def _parse(text: str):
    from hall.load import parse_time

    return parse_time(text)
