"""Script tokens and command-line sessions: random secrets shown once, stored only as a hash.

A script token (``hall user token NAME``) lets a script act as that account until it
expires (90 days unless asked, at most 3650) or is revoked (``hall user revoke``,
disabling the account). A command-line session (``hall login``) is the same kind of
secret, kept in the OS user's state folder by ``hall.cli.login``; it ends with ``hall
logout``, when revoked, after ``security.cli_session_minutes`` without use (the state
file keeps the moment of last use, so a command that only reads writes nothing to the
database), and at the latest ``SESSION_HOURS`` after the log-in.

The secrets have 256 random bits, so a SHA-256 hash is enough to store them (a slow
password hash protects guessable secrets; these cannot be guessed).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from hall import audit
from hall.errors import HallError
from hall.identity import ANY_ACCOUNT, NOBODY, Actor, allowed
from hall.load import parse_time
from hall.operations.accounts import check_login, check_name, own_or_admin
from hall.operations.common import Receipt

PREFIX = "hall_"
DEFAULT_DAYS = 90
MAX_DAYS = 3650
SESSION_HOURS = 12
TOKEN, SESSION = "token", "session"


def new_secret() -> str:
    """A new token: ``hall_`` and 43 URL-safe characters (256 random bits)."""
    return PREFIX + secrets.token_urlsafe(32)


def secret_hash(secret: str) -> str:
    """What the database keeps of a token."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class Credential:
    """A token or session that checked out: whose it is, which row, until when."""

    actor: Actor
    kind: str
    id: int
    expires: datetime


def check_days(days) -> int:
    """How many days a new token lasts: 1 to ``MAX_DAYS``."""
    try:
        value = int(str(days).strip())
    except ValueError:
        raise HallError(f"{str(days)[:20]!r} is not a number of days: give 1 to {MAX_DAYS}.") from None
    if not 1 <= value <= MAX_DAYS:
        raise HallError(f"A token lasts 1 to {MAX_DAYS} days, not {value}.")
    return value


class SessionEnded(HallError):
    """A command-line session that can no longer be used (the state file can go)."""


def authenticate(store, secret: str, *, kind: str, last_used: datetime | None = None) -> Credential:
    """The account a token (``kind`` ``token``) or a session (``session``) belongs to, read on a
    connection that cannot write; one sentence when it is unknown, ended or its account disabled.
    ``last_used``: a session's last use, which ends it after ``security.cli_session_minutes``."""
    secret = (secret or "").strip()
    with store.read() as db:
        row = db.execute(
            "SELECT t.id, t.user_name, t.expires_at, t.revoked_at, t.revoked_why, u.role, u.disabled FROM tokens t"
            " JOIN users u ON u.name = t.user_name WHERE t.hash = ? AND t.kind = ?", [secret_hash(secret), kind]
        ).fetchone()
        now = store.now()
        idle_minutes = store.rules(db, now)[1].security.cli_session_minutes
    if row is None:
        if kind == TOKEN:
            raise HallError("HALL_TOKEN is not a token of this hall: check it, or make one with `hall user token NAME`.")
        raise SessionEnded("Log in first: hall login NAME.")
    token_id, name, expires_at, revoked_at, revoked_why, role, disabled = row
    if revoked_at:
        if kind == TOKEN:
            raise HallError(f"HALL_TOKEN was revoked: make a new one with `hall user token {name}`.")
        raise SessionEnded(f"Log in first: hall login {name} (the session was ended: {revoked_why or 'revoked'}).")
    expires = parse_time(expires_at)
    if expires <= now:
        if kind == TOKEN:
            raise HallError(f"HALL_TOKEN expired on {expires_at[:10]}: make a new one with `hall user token {name}`.")
        raise SessionEnded(f"Log in first: hall login {name} (a session lasts {SESSION_HOURS} hours at most).")
    if kind == SESSION and last_used is not None and now - last_used >= timedelta(minutes=idle_minutes):
        raise SessionEnded(f"Log in first: hall login {name} (the session ended after {idle_minutes} minutes "
                           "without use).")
    if disabled:
        raise HallError(f"The account {name} is disabled.")
    return Credential(Actor.staff(name, role), kind, token_id, expires)


def revoke_all(tx, name: str, *, why: str) -> dict:
    """End every live token and session of an account inside ``tx``; how many of each."""
    now = audit.iso(tx.now)
    counts = {f"{TOKEN}s": 0, f"{SESSION}s": 0}
    live = tx.db.execute("SELECT id, kind FROM tokens WHERE user_name = ? AND revoked_at IS NULL AND expires_at > ?"
                         " ORDER BY id", [name, now]).fetchall()
    for token_id, kind in live:
        tx.update("tokens", token_id, {"revoked_at": now, "revoked_why": why})
        counts[f"{kind}s"] += 1
    return counts


def _insert(tx, name: str, kind: str, expires: datetime, os_user: str | None = None) -> tuple[int, str]:
    secret = new_secret()
    token_id = tx.insert("tokens", {
        "user_name": name, "kind": kind, "hash": secret_hash(secret), "os_user": os_user,
        "created_at": audit.iso(tx.now), "expires_at": audit.iso(expires), "revoked_at": None, "revoked_why": None,
    })
    return token_id, secret


@allowed(ANY_ACCOUNT, doing="make script tokens")
def make_token(store, name: str, *, actor: Actor, days=DEFAULT_DAYS) -> tuple[str, datetime, Receipt]:
    """A new script token for ``name`` (an admin's for anyone, anyone's for themselves): the
    secret (shown once, never stored), when it expires, and the receipt."""
    name = check_name(name)
    days = check_days(days)
    with store.write(actor) as tx:
        if own_or_admin(tx, name, "make a token for another account"):
            raise HallError(f"The account {name} is disabled: it cannot have tokens.")
        expires = tx.now + timedelta(days=days)
        token_id, secret = _insert(tx, name, TOKEN, expires)
        entry = tx.record("user.token_made", f"user:{name}", {
            "user": name, "token": token_id, "expires": audit.iso(expires)})
        return secret, expires, Receipt.of(entry, f"Made a token for {name}, valid until {expires:%Y-%m-%d}.",
                                           token_id)


@allowed(ANY_ACCOUNT, doing="revoke tokens and sessions")
def revoke(store, name: str, *, actor: Actor) -> Receipt:
    """End every token and session of ``name`` (an admin's for anyone, anyone's for themselves)."""
    name = check_name(name)
    with store.write(actor) as tx:
        own_or_admin(tx, name, "revoke another account's tokens and sessions")
        counts = revoke_all(tx, name, why=f"revoked by {tx.actor}")
        entry = tx.record("user.revoked", f"user:{name}", {"user": name, **counts})
        tokens, sessions = counts["tokens"], counts["sessions"]
        said = (f"Revoked {tokens} token{'s' if tokens != 1 else ''} and {sessions} "
                f"session{'s' if sessions != 1 else ''} of {name}.")
        return Receipt.of(entry, said)


@allowed(anyone=True, doing="log in")
def open_session(store, name: str, password: str, *, os_user: str,
                 replaces: str | None = None) -> tuple[Credential, str]:
    """Log in on the command line: check the password (a failure is recorded as the app's is)
    and start a session; returns it and its secret (for the state file only). ``replaces``:
    the secret of this OS user's earlier session on this hall, which ends."""
    with store.write(NOBODY) as tx:
        actor, refusal = check_login(tx, name, password)
        if actor is not None:
            expires = tx.now + timedelta(hours=SESSION_HOURS)
            token_id, secret = _insert(tx, actor.name, SESSION, expires, os_user=os_user)
            tx.actor = actor.name
            tx.record("user.login", f"user:{actor.name}", {"user": actor.name, "via": "cli", "session": token_id})
            if replaces:
                _end_replaced(tx, replaces, actor.name)
            return Credential(actor, SESSION, token_id, expires), secret
    raise HallError(refusal)


def _end_replaced(tx, secret: str, by: str) -> None:
    row = tx.db.execute(
        "SELECT id, user_name FROM tokens WHERE hash = ? AND kind = ? AND revoked_at IS NULL",
        [secret_hash(secret), SESSION]).fetchone()
    if row is None:
        return
    tx.update("tokens", row[0], {"revoked_at": audit.iso(tx.now), "revoked_why": f"replaced by {by}'s log-in"})
    previous = tx.actor
    tx.actor = row[1]
    tx.record("user.logout", f"user:{row[1]}", {"user": row[1], "via": "cli", "session": row[0],
                                                "why": f"replaced by {by}"})
    tx.actor = previous


@allowed(ANY_ACCOUNT, doing="log out")
def close_session(store, credential: Credential) -> Receipt:
    """End a command-line session (``hall logout``)."""
    with store.write(credential.actor) as tx:
        ended = tx.db.execute("SELECT revoked_at FROM tokens WHERE id = ?", [credential.id]).fetchone()
        if ended is not None and ended[0] is None:
            tx.update("tokens", credential.id, {"revoked_at": audit.iso(tx.now), "revoked_why": "logout"})
        entry = tx.record("user.logout", f"user:{tx.actor}", {"user": tx.actor, "via": "cli", "session": credential.id,
                                                             "why": "logout"})
        return Receipt.of(entry, f"{tx.actor} logged out.")
