"""Who is acting, and what each role may do: one model for every door.

The app, the command line, the kiosk (and later the web) each find out who is there
in their own way (a log-in screen, a token, a card and PIN), and all of them then
hand the operations an ``Actor``: a staff account, ``SYSTEM`` (the hall's own
automatic work, such as recording re-sign removals) or ``member:CARD`` (a member's
self-service). Its ``text`` is what the audit log records: ``maria``, ``system``,
``member:1042``.

Each operation declares who may run it, next to its definition::

    @allowed(ADMIN, doing="change the rules")
    def set_rules(store, text, effective, *, actor: Actor, ...): ...

and ``Store.write`` (or ``Store.authorize`` for a read) checks the declaration
inside the operation's own transaction: it re-reads the account (it exists, is not
disabled, and what its role is *now*: a role carried in from outside is never
trusted). A refusal is one sentence (``NotAllowed``: "Only an admin can change the
rules.") whose only write is an ``access.refused`` audit entry saying who tried which
operation.

Roles: ``admin``, ``dispatcher`` and ``jatc`` (the apprenticeship committee's staff,
who will see apprentices only; until the JATC screen exists, a ``jatc`` account can
read and run nothing but its own log-in, log-out, password and tokens). Admin only:
the rules, other people's staff accounts, corrections, reinstatement; and, with later
issues, qualifications and book moves, steward appointments and the records release,
each declared with one line using the constants below.
"""

from __future__ import annotations

import functools
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Callable, Iterator, TypeVar

from hall.errors import HallError

STAFF_KIND, SYSTEM_KIND, MEMBER_KIND, UNKNOWN_KIND = "staff", "system", "member", "unknown"

ADMIN, DISPATCHER, JATC = "admin", "dispatcher", "jatc"
ROLES = (ADMIN, DISPATCHER, JATC)
ROLE_WORDS = {ADMIN: "an admin", DISPATCHER: "a dispatcher", JATC: "JATC staff"}

STAFF = (ADMIN, DISPATCHER)
"""Everything a dispatcher does all day (an admin may too)."""
ANY_ACCOUNT = ROLES
"""What every account may do for itself (its password, its tokens)."""
MEMBER = MEMBER_KIND
"""A member acting for themselves (``member:CARD``): the self-service operations only."""
SYSTEM_WORK = SYSTEM_KIND
"""The hall's own automatic work."""

# What later issues declare admin-only, each in one line: ``@allowed(ADMIN, doing=MOVE_BOOK)``.
QUALIFY = "record a member's qualification"
MOVE_BOOK = "move a member to another book"
APPOINT_STEWARD = "appoint a steward"
RELEASE_RECORDS = "release a member's records"

RESERVED_NAMES = frozenset({"system", "unknown", "member", "hall", "admin-none"})
"""Account names that would read, in the audit log, like something other than a person."""


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: ``kind`` (staff, system or member) and ``name`` (the account name,
    ``system`` or the card). ``role`` is the staff role found when the actor was
    authenticated, for what a door offers; operations re-read it, never trust it."""

    kind: str
    name: str
    role: str | None = None

    @classmethod
    def staff(cls, name: str, role: str | None = None) -> "Actor":
        """A staff account (its role, if known, is only a hint for what to offer)."""
        return cls(STAFF_KIND, name, role)

    @classmethod
    def member(cls, card: str) -> "Actor":
        """A member acting for themselves, after card and PIN."""
        return cls(MEMBER_KIND, card)

    @property
    def text(self) -> str:
        """How the audit log names this actor: ``maria``, ``system``, ``member:1042``."""
        if self.kind == MEMBER_KIND:
            return f"member:{self.name}"
        return self.name

    @property
    def is_admin(self) -> bool:
        """Whether the role found at log-in is admin (what a door offers; operations check again)."""
        return self.kind == STAFF_KIND and self.role == ADMIN

    def __str__(self) -> str:
        return self.text


SYSTEM = Actor(SYSTEM_KIND, "system")
NOBODY = Actor(UNKNOWN_KIND, "unknown")
"""Someone not (yet) identified: a log-in being checked, a card and PIN being tried. Only
operations declared ``anyone=True`` (which check who is there themselves) take it."""


class NotAllowed(HallError):
    """The actor may not run this operation. ``record``: the refusal is written to the audit
    log as ``access.refused`` (a real account or member trying what it may not)."""

    def __init__(self, message: str, *, record: bool = True, why: str = "role"):
        super().__init__(message)
        self.record = record
        self.why = why


@dataclass(frozen=True, slots=True)
class Permission:
    """Who may run one operation: staff ``roles``, ``members`` (self-service), ``system``;
    ``doing`` completes "Only an admin can ...". ``anyone``: the operation checks who is
    there itself (logging in)."""

    operation: str
    doing: str
    roles: tuple[str, ...] = ()
    members: bool = False
    system: bool = False
    anyone: bool = False

    def refusal(self) -> str:
        """The one sentence for someone whose role does not allow this."""
        if not self.roles:
            return f"Staff cannot {self.doing}: members do it themselves at the kiosk."
        words = [ROLE_WORDS[r] for r in ROLES if r in self.roles]
        who = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
        return f"Only {who} can {self.doing}."


_declared: ContextVar[Permission | None] = ContextVar("hall_operation", default=None)

F = TypeVar("F", bound=Callable)


def _flatten(who) -> list[str]:
    out: list[str] = []
    for item in who:
        out.extend(_flatten(item) if isinstance(item, (tuple, list)) else [item])
    return out


def allowed(*who, doing: str, anyone: bool = False) -> Callable[[F], F]:
    """Declare who may run an operation: roles (``ADMIN``, ``DISPATCHER``, ``JATC`` or the
    groups ``STAFF`` and ``ANY_ACCOUNT``), ``MEMBER`` for self-service, ``SYSTEM_WORK``.
    ``doing`` names the work in the refusal ("Only an admin can {doing}.")."""
    names = _flatten(who)
    unknown = [n for n in names if n not in ROLES and n not in (MEMBER, SYSTEM_WORK)]
    if unknown:
        raise ValueError(f"unknown roles in a declaration: {unknown}")

    def declare(function: F) -> F:
        module = function.__module__.rsplit(".", 1)[-1]
        permission = Permission(
            operation=f"{module}.{function.__name__}", doing=doing,
            roles=tuple(r for r in ROLES if r in names), members=MEMBER in names,
            system=SYSTEM_WORK in names, anyone=anyone,
        )

        @functools.wraps(function)
        def run(*args, **kwargs):
            with declared(permission):
                return function(*args, **kwargs)

        run.permission = permission  # type: ignore[attr-defined]
        return run  # type: ignore[return-value]

    return declare


@contextmanager
def declared(permission: Permission) -> Iterator[Permission]:
    """Run the block as the operation ``permission`` declares (what ``allowed`` does around
    each call); e.g. a door asking an operation's question before it runs it."""
    token = _declared.set(permission)
    try:
        yield permission
    finally:
        _declared.reset(token)


def body(operation: Callable) -> Callable:
    """An operation's body without its declaration, to run under another operation's (a
    self-service operation doing exactly what staff do at the counter)."""
    return operation.__wrapped__  # type: ignore[attr-defined]


def permission_of(operation: Callable) -> Permission:
    """The declaration of an operation (decorated with ``allowed``)."""
    permission = getattr(operation, "permission", None)
    if permission is None:
        raise TypeError(f"{getattr(operation, '__name__', operation)!r} declares no roles (hall.identity.allowed)")
    return permission


def current_permission() -> Permission:
    """The declaration of the operation now running; a write outside any declared operation
    is a programming error."""
    permission = _declared.get()
    if permission is None:
        raise RuntimeError("a write outside a declared operation: decorate it with hall.identity.allowed")
    return permission


def check_actor(actor) -> "Actor":
    """``actor`` itself, when it is an ``Actor`` (operations never take a free-text name)."""
    if not isinstance(actor, Actor):
        raise TypeError(f"operations take a hall.identity.Actor, not {type(actor).__name__} {actor!r}")
    return actor


def authorize(db, actor: Actor, permission: Permission, *, kiosk_auth: str | None = None,
              now_text: str | None = None) -> str | None:
    """Check, on ``db`` (inside the operation's transaction), that ``actor`` may run the
    operation; returns the staff role read now (None for system and members).

    Raises ``NotAllowed``: for want of a role, a disabled account or a member outside
    self-service (recorded), or for an account or member that does not exist (not
    recorded: no name typed by anyone goes into the log that way).
    """
    check_actor(actor)
    if permission.anyone:
        return None
    if actor.kind == SYSTEM_KIND:
        if not permission.system:
            raise NotAllowed(f"The hall's automatic work cannot {permission.doing}.", record=False)
        return None
    if actor.kind == MEMBER_KIND:
        return _authorize_member(db, actor, permission, kiosk_auth, now_text)
    if actor.kind != STAFF_KIND:
        raise NotAllowed(f"Someone not identified cannot {permission.doing}.", record=False)
    row = db.execute("SELECT role, disabled FROM users WHERE name = ?", [actor.name]).fetchone()
    if row is None:
        raise NotAllowed(f"There is no account called {actor.name}.", record=False, why="no account")
    role, disabled = row
    if disabled:
        raise NotAllowed(f"The account {actor.name} is disabled.", why="disabled")
    if role not in permission.roles:
        raise NotAllowed(permission.refusal())
    return role


def _authorize_member(db, actor: Actor, permission: Permission, kiosk_auth: str | None,
                      now_text: str | None) -> None:
    row = db.execute("SELECT pin_hash FROM members WHERE card = ?", [actor.name]).fetchone()
    if row is None:
        raise NotAllowed(f"There is no member with card {actor.name}.", record=False, why="no member")
    if not permission.members:
        raise NotAllowed(permission.refusal())
    if kiosk_auth != "pin" or not row[0]:
        # phone4 look-ups prove too little for a change: self-service needs the member's PIN
        raise NotAllowed("Members change their records only with a PIN: ask at the window.", why="no pin")
    if now_text is not None:
        locked = db.execute("SELECT locked_until FROM kiosk_misses WHERE card = ?", [actor.name]).fetchone()
        if locked and locked[0] and now_text < locked[0]:
            raise NotAllowed("This card is locked after too many wrong tries: ask at the window.", why="locked")
    return None
