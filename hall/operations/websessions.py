"""Members' sessions on the web (``hall web``): random secrets in a cookie, stored only as a hash.

A member logs in with card and PIN (``selfservice.identify``: the kiosk's check and its
lockout, counted in the database); ``log_in`` then begins a session, whose secret goes
to the browser once and whose SHA-256 hash is kept in ``web_sessions``. Each request
hands the cookie's secret to ``session_member``, which reads the row on a connection
that cannot write. A session ends when the member logs out, when the web finds it idle
(``end_idle``; the moment of last use is the web process's to keep, so reading a page
writes nothing), or at the latest ``SESSION_HOURS`` after the log-in.

The secrets have 256 random bits, so a fast hash is enough (as for ``hall.operations.tokens``);
the CSRF token of a session's forms is derived from its secret (``csrf_token``), so it needs
no row of its own and a page of another session cannot forge it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from hall import audit
from hall.errors import HallError
from hall.identity import MEMBER, Actor, allowed
from hall.load import parse_time
from hall.operations import selfservice
from hall.operations.common import Receipt

SESSION_HOURS = 12
LOGGED_OUT, IDLE = "logged out", "idle"


class SessionEnded(HallError):
    """A web session that can no longer be used (the member logs in again)."""


@dataclass(frozen=True, slots=True)
class WebSession:
    """A session that checked out: whose it is, which row, since and until when."""

    actor: Actor
    id: int
    created: datetime
    expires: datetime


def new_secret() -> str:
    """A new session secret: 43 URL-safe characters (256 random bits)."""
    return secrets.token_urlsafe(32)


def secret_hash(secret: str) -> str:
    """What the database keeps of a session's secret."""
    return hashlib.sha256(("web:" + secret).encode("utf-8", "surrogatepass")).hexdigest()


def csrf_token(secret: str) -> str:
    """The token every form of this session carries (derived from the secret, never stored)."""
    return hmac.new(secret.encode("utf-8", "surrogatepass"), b"hall web forms", hashlib.sha256).hexdigest()


def log_in(store, card: str, pin: str) -> tuple[str, Receipt]:
    """Card and PIN (a miss counted, the card locked at the limit, as at the kiosk), then a new
    session: its secret (for the cookie, never stored) and the receipt."""
    actor = selfservice.identify(store, card, pin)
    return _begin(store, actor=actor)


@allowed(MEMBER, doing="log in on the web")
def _begin(store, *, actor: Actor) -> tuple[str, Receipt]:
    secret = new_secret()
    with store.write(actor, sweep=False) as tx:
        expires = tx.now + timedelta(hours=SESSION_HOURS)
        session_id = tx.insert("web_sessions", {
            "card": actor.name, "hash": secret_hash(secret), "created_at": audit.iso(tx.now),
            "expires_at": audit.iso(expires), "ended_at": None, "ended_why": None,
        })
        entry = tx.record("member.web_login", f"member:{actor.name}", {
            "card": actor.name, "session": session_id, "expires": audit.iso(expires), "via": selfservice.WEB})
        return secret, Receipt.of(entry, "You are logged in.", session_id)


def session_member(store, secret: str) -> WebSession:
    """The member whose session ``secret`` is, read on a connection that cannot write; ``SessionEnded``
    (one sentence) when it is unknown, ended or expired."""
    secret = (secret or "").strip()
    if not secret:
        raise SessionEnded("Log in with your card and PIN.")
    with store.read() as db:
        row = db.execute("SELECT id, card, created_at, expires_at, ended_at, ended_why FROM web_sessions"
                         " WHERE hash = ?", [secret_hash(secret)]).fetchone()
        now = store.now()
    if row is None:
        raise SessionEnded("Log in with your card and PIN.")
    session_id, card, created_at, expires_at, ended_at, ended_why = row
    if ended_at:
        raise SessionEnded(f"You were logged out ({ended_why}): log in again with your card and PIN.")
    expires = parse_time(expires_at)
    if expires <= now:
        raise SessionEnded(f"A session lasts {SESSION_HOURS} hours at most: log in again with your card and PIN.")
    return WebSession(Actor.member(card), session_id, parse_time(created_at), expires)


def log_out(store, secret: str, *, actor: Actor) -> Receipt:
    """End the member's own session (the cookie's)."""
    return _end(store, secret, LOGGED_OUT, actor=actor)


def end_idle(store, secret: str, *, actor: Actor, minutes: int) -> Receipt:
    """End a session the web found idle for ``minutes``."""
    return _end(store, secret, f"{IDLE} {minutes} minutes", actor=actor)


@allowed(MEMBER, doing="log out on the web")
def _end(store, secret: str, why: str, *, actor: Actor) -> Receipt:
    with store.write(actor, sweep=False) as tx:
        row = tx.db.execute("SELECT id, card, ended_at FROM web_sessions WHERE hash = ?",
                            [secret_hash(secret or "")]).fetchone()
        if row is None or row[1] != actor.name or row[2]:
            raise SessionEnded("That session has already ended.")
        tx.update("web_sessions", row[0], {"ended_at": audit.iso(tx.now), "ended_why": why})
        entry = tx.record("member.web_logout", f"member:{actor.name}",
                          {"card": actor.name, "session": row[0], "why": why})
        return Receipt.of(entry, "You are logged out." if why == LOGGED_OUT else
                          "You were logged out after a while without use: log in again with your card and PIN.")
