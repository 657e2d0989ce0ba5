"""Small builders for the dispatch tests: members, registrations, calls, contexts.

Times: ``utc(...)`` is an aware UTC moment; ``local(...)`` a wall-clock time in
the hall's zone (America/Chicago in ``RULES``) converted to UTC. Every builder
takes keywords for anything a test cares about and defaults the rest.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from dispatch.model import (
    WAITING,
    Certification,
    EmployerBar,
    JobCall,
    Member,
    NameRequest,
    PastReferral,
    Registration,
    Separation,
    ShortCallHold,
    Unavailability,
    LIST_ORDER,
)
from dispatch.ranking import RankContext
from dispatch.rules import HallRules, RuleSet

ZONE = "America/Chicago"
RULES = RuleSet(hall=HallRules(timezone=ZONE))

_ids = itertools.count(1)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    """An aware UTC moment."""
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    """A wall-clock time in the hall's zone (Chicago), as an aware UTC moment."""
    return datetime(year, month, day, hour, minute, second, tzinfo=ZoneInfo(ZONE)).astimezone(UTC)


def rules(**sections: dict) -> RuleSet:
    """``RULES`` with some sections' fields replaced: ``rules(ordering={"policy": "low_hours"})``."""
    result = RULES
    for name, changes in sections.items():
        if name == "books":
            result = replace(result, books=tuple(changes))
        else:
            result = replace(result, **{name: replace(getattr(result, name), **changes)})
    return result


def cert(name: str, expires: date | None = None) -> Certification:
    return Certification(name, expires)


def member(
    card: str,
    name: str | None = None,
    *,
    certs: tuple = ("OSHA-30",),
    standing: str = "active",
    note: str = "",
    classifications: tuple[str, ...] = ("JW",),
) -> Member:
    """A member; ``certs`` are names (no expiry) or Certification objects."""
    held = tuple(c if isinstance(c, Certification) else Certification(c) for c in certs)
    return Member(
        card=card,
        name=name if name is not None else f"Member {card}",
        classifications=frozenset(classifications),
        certifications=held,
        standing=standing,
        suspension_note=note,
    )


def reg(
    card: str,
    book: str = "JW-1",
    at: datetime | None = None,
    *,
    signed: datetime | None = None,
    status: str = WAITING,
    id: int | None = None,
    turndowns: int = 0,
    hours: float = 0.0,
    hold: ShortCallHold | None = None,
) -> Registration:
    """A registration; ``signed`` (last signing) defaults to ``at``."""
    at = at if at is not None else local(2026, 11, 1, 8)
    return Registration(
        id=id if id is not None else next(_ids),
        card=card,
        book_id=book,
        registered_at=at,
        last_signed_at=signed if signed is not None else at,
        status=status,
        turndowns=turndowns,
        period_hours=hours,
        short_call=hold,
    )


def named(card: str, reason: str = "worked this site before") -> NameRequest:
    return NameRequest(card, reason)


def call(
    *,
    id: int = 1,
    employer: str = "Acme Electric",
    classification: str = "JW",
    workers: int = 2,
    start: datetime | None = None,
    duration: int = 30,
    certs: tuple[str, ...] = (),
    requests: tuple[NameRequest, ...] = (),
) -> JobCall:
    """A job call; starts Monday 2026-11-23 07:00 Chicago unless told."""
    return JobCall(
        id=id,
        employer=employer,
        classification=classification,
        workers=workers,
        start=start if start is not None else local(2026, 11, 23, 7),
        duration_days=duration,
        required_certs=tuple(certs),
        name_requests=tuple(requests),
    )


def context(
    members,
    *,
    now: datetime | None = None,
    rules: RuleSet = RULES,
    unavailable: tuple[Unavailability, ...] = (),
    bars: tuple[EmployerBar, ...] = (),
    outcomes: dict[str, str] | None = None,
    separations: tuple[Separation, ...] = (),
    referrals: tuple[PastReferral, ...] = (),
) -> RankContext:
    """A RankContext; ``members`` is an iterable of Member (or a dict by card).

    ``now`` defaults to Friday 2026-11-20 10:00 Chicago (the worked example's day).
    """
    by_card = dict(members) if isinstance(members, dict) else {m.card: m for m in members}
    unav: dict[str, tuple] = {}
    for u in unavailable:
        unav[u.card] = unav.get(u.card, ()) + (u,)
    barred: dict[str, tuple] = {}
    for b in bars:
        barred[b.card] = barred.get(b.card, ()) + (b,)
    return RankContext(
        rules=rules,
        now=now if now is not None else local(2026, 11, 20, 10),
        members=by_card,
        unavailability=unav,
        bars=barred,
        outcomes=dict(outcomes or {}),
        separations=tuple(separations),
        employer_referrals=tuple(referrals),
    )


def past(at: datetime, *, basis: str = LIST_ORDER, employer: str = "Acme Electric", card: str = "", call_id=None) -> PastReferral:
    return PastReferral(employer=employer, at=at, basis=basis, card=card, call_id=call_id)


def worked_example():
    """referral-rules.md's worked example: members, registrations, the Nov 20 call and context."""
    members = [
        member("101", "Ada Lovelace"),
        member("102", "Ben Ito"),
        member("103", "Cy Park", certs=()),
        member("104", "Di Ramos"),
        member("201", "Ed Stone"),
    ]
    regs = [
        reg("101", "JW-1", local(2026, 11, 1, 8), id=9),
        reg("102", "JW-1", local(2026, 11, 1, 8), id=2),
        reg("103", "JW-1", local(2026, 11, 2, 9), id=3),
        reg("104", "JW-1", local(2026, 11, 3, 9), id=4),
        reg("201", "JW-2", local(2026, 10, 28, 9), signed=local(2026, 11, 19, 9), id=5),
    ]
    the_call = call(workers=2, duration=30, certs=("OSHA-30",))
    return members, regs, the_call
