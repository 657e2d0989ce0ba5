"""Eligibility for a call: one small check per reason code, in the table order.

Each ``check_x(reg, member, book, call, ctx, facts)`` returns the reason the
candidate is passed over, or ``None`` (``check_missing_cert`` and
``check_cert_expired`` return a tuple: one reason per certification).
``reasons_for`` runs them all and returns every failing reason, in table order.
The (v2) checks are ``check_exempt`` (an excused absence, "Excused absences"),
``check_not_signed_in`` ("Day-book sign-in") and ``check_not_bid`` ("The morning
dispatch").

``facts`` is what the checks need about the call, computed once per ranking
(``call_facts``), so 30,000 registrations do not each recompute the call's local
date or the re-sign deadlines (those are shared by every call at one moment:
``resign_thresholds``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Callable

from dispatch import calendar
from dispatch import reasons
from dispatch.calls import is_short_call
from dispatch.daybook import day_needed
from dispatch.model import (
    ON_SHORT_CALL,
    SUSPENDED,
    WAITING,
    Book,
    JobCall,
    Member,
    Reason,
    Registration,
    ShortCallHold,
)
from dispatch.rules import RuleSet

if TYPE_CHECKING:  # pragma: no cover
    from dispatch.ranking import RankContext


# --- what every check needs about the call, computed once ----------------------


@dataclass(frozen=True, slots=True)
class CallFacts:
    """What the checks need about one call under one context, computed once."""

    call: JobCall
    call_date: date  # the hall's local date of the call's start
    employer: str  # casefolded
    short_call_blocks: bool  # whether on_short_call passes a candidate over for this call
    # WAITING registrations last signed before this moment are resign_overdue
    # (None: decide registration by registration).
    overdue_before: datetime | None
    # WAITING registrations last signed before this moment have lapsed (removed).
    lapsed_before: datetime | None
    # (v2) The business day an offer now needs a day-book sign-in for (None: no day book).
    daybook_day: date | None = None
    # (v2) The call is posted and its selection has not run: members who did not bid are passed over.
    bids_open: bool = False
    _certs: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def required_certs(self, book: Book) -> tuple[str, ...]:
        """The certifications the call and the book require, case-insensitively deduplicated."""
        names = self._certs.get(book.id)
        if names is None:
            names = self._certs[book.id] = required_certs(self.call, book)
        return names


def required_certs(call: JobCall, book: Book) -> tuple[str, ...]:
    """``call.required_certs`` then ``book.requires``, without case-insensitive repeats."""
    seen: set[str] = set()
    names: list[str] = []
    for name in (*call.required_certs, *book.requires):
        key = name.casefold()
        if key not in seen:
            seen.add(key)
            names.append(name)
    return tuple(names)


def _first_moment_of(day: date, rules: RuleSet) -> datetime:
    """The first UTC moment whose local date is ``day`` (robust to a DST change at midnight)."""
    moment = calendar.start_of_day(day, rules)
    while calendar.local_date(moment, rules) < day:
        moment += timedelta(minutes=15)
    return moment


def _signed_before(
    deadline: Callable[[Registration, RuleSet], datetime], rules: RuleSet, now: datetime
) -> datetime | None:
    """The moment M such that a registration last signed before M has ``deadline(reg) <= now``.

    Deadlines depend only on the local date of the last signing and never move
    earlier for a later signing, so one search over dates answers for every
    registration. ``None`` when no such date is found nearby (callers then
    decide one by one).
    """

    def passed(day: date) -> bool:
        noon = calendar.at_local(day, time(12, 0), rules)
        probe = Registration(0, "", "", noon, noon)
        return deadline(probe, rules) <= now

    today = calendar.local_date(now, rules)
    high = today + timedelta(days=1)  # signed tomorrow: nothing due yet
    if passed(high):
        return None
    low = today - timedelta(days=rules.resign.days + rules.resign.grace_days + 70)
    for _ in range(12):
        if passed(low):
            break
        low -= timedelta(days=366)
    else:
        return None
    # passed(low) is true and passed(high) false: find the first day not passed.
    while (high - low).days > 1:
        middle = low + timedelta(days=(high - low).days // 2)
        if passed(middle):
            low = middle
        else:
            high = middle
    return _first_moment_of(high, rules)


@lru_cache(maxsize=64)
def resign_thresholds(rules: RuleSet, now: datetime) -> tuple[datetime | None, datetime | None]:
    """(overdue_before, lapsed_before) at ``now``: WAITING registrations without an excused
    absence last signed before these moments are ``resign_overdue`` / lapsed. The same for
    every call at one moment, so computed once (a selection ranks hundreds of calls)."""
    return (_signed_before(calendar.overdue_from, rules, now),
            _signed_before(calendar.removal_at, rules, now))


def call_facts(call: JobCall, ctx: RankContext) -> CallFacts:
    """Compute once what the checks need about ``call`` under ``ctx``."""
    rules = ctx.rules
    overdue_before, lapsed_before = resign_thresholds(rules, ctx.now)
    return CallFacts(
        call=call,
        call_date=calendar.local_date(call.start, rules),
        employer=call.employer.casefold(),
        short_call_blocks=not (
            rules.short_calls.offer_regular_calls and not is_short_call(call, rules)
        ),
        overdue_before=overdue_before,
        lapsed_before=lapsed_before,
        daybook_day=day_needed(ctx.now, rules) if rules.daybook.required else None,
        bids_open=call.posted_for is not None and ctx.now < call.posted_for,
    )


def is_lapsed(reg: Registration, ctx: RankContext, facts: CallFacts) -> bool:
    """A WAITING registration whose removal moment ("failed to re-sign") has come
    (an excused absence stops the clock: (v2) "Excused absences")."""
    if reg.status != WAITING:
        return False
    excused = ctx.excused.get(reg.card)
    if excused:
        return calendar.removal_at(reg, ctx.rules, excused) <= ctx.now
    if facts.lapsed_before is not None:
        return reg.last_signed_at < facts.lapsed_before
    return calendar.removal_at(reg, ctx.rules) <= ctx.now


# --- the checks, in the order of the table in referral-rules.md -----------------


def check_resign_overdue(
    reg: Registration, member: Member, book: Book, call: JobCall, ctx: RankContext, facts: CallFacts
) -> Reason | None:
    """``resign.days`` have passed (from closing on the due date) but the grace days have not."""
    if reg.status != WAITING:
        return None
    excused = ctx.excused.get(reg.card, ())
    if excused:
        overdue = ctx.now >= calendar.overdue_from(reg, ctx.rules, excused)
    elif facts.overdue_before is not None:
        overdue = reg.last_signed_at < facts.overdue_before
    else:
        overdue = ctx.now >= calendar.overdue_from(reg, ctx.rules)
    if not overdue:
        return None
    return reasons.resign_overdue(calendar.resign_due(reg, ctx.rules, excused))


def check_missing_cert(
    reg: Registration, member: Member, book: Book, call: JobCall, ctx: RankContext, facts: CallFacts
) -> tuple[Reason, ...]:
    """One reason per certification the call or the book requires that is not held."""
    return tuple(reasons.missing_cert(name) for name in facts.required_certs(book)
                 if member.certification(name) is None)


def check_cert_expired(
    reg: Registration, member: Member, book: Book, call: JobCall, ctx: RankContext, facts: CallFacts
) -> tuple[Reason, ...]:
    """One reason per required certification held but expiring before the call's start date."""
    found = []
    for name in facts.required_certs(book):
        cert = member.certification(name)
        if cert is not None and cert.expires is not None and cert.expires < facts.call_date:
            found.append(reasons.cert_expired(name, cert.expires))
    return tuple(found)


def check_unavailable(
    reg: Registration, member: Member, book: Book, call: JobCall, ctx: RankContext, facts: CallFacts
) -> Reason | None:
    """The member declared themselves unavailable for the call's start date ("until" included)."""
    declared = ctx.unavailability.get(reg.card, ())
    start = facts.call_date
    until = max(
        (u.until for u in declared if (u.start is None or u.start <= start) and u.until >= start),
        default=None,
    )
    return None if until is None else reasons.unavailable(until)


def check_employer_bar(
    reg: Registration, member: Member, book: Book, call: JobCall, ctx: RankContext, facts: CallFacts
) -> Reason | None:
    """The call's employer asked not to be sent this member, through a date not yet past."""
    in_force = [bar for bar in ctx.bars.get(reg.card, ())
                if bar.employer.casefold() == facts.employer and bar.until >= facts.call_date]
    if not in_force:
        return None
    bar = max(in_force, key=lambda b: b.until)
    return reasons.employer_bar(bar.employer, bar.until)


def check_suspended(
    reg: Registration, member: Member, book: Book, call: JobCall, ctx: RankContext, facts: CallFacts
) -> Reason | None:
    """The member's standing is ``suspended``."""
    if member.standing != SUSPENDED:
        return None
    return reasons.suspended(member.suspension_note)


def _short_call_held(reg: Registration, ctx: RankContext) -> ShortCallHold | None:
    """The short call the member is working, whatever book it came through: the member's
    referral in force when the context knows it, else the registration's own hold."""
    held = ctx.in_force.get(reg.card)
    if held is not None:
        return ShortCallHold(held.employer, held.until, held.call_id) if held.short_call else None
    if reg.status != ON_SHORT_CALL:
        return None
    return reg.short_call or ShortCallHold("")


def check_on_short_call(
    reg: Registration, member: Member, book: Book, call: JobCall, ctx: RankContext, facts: CallFacts
) -> Reason | None:
    """Working a short call (through any book, of any classification), unless
    ``short_calls.offer_regular_calls`` and this call is regular."""
    if not facts.short_call_blocks:
        return None
    hold = _short_call_held(reg, ctx)
    if hold is None:
        return None
    if hold.call_id is not None and hold.call_id == call.id:
        return None  # the short call it is working is this very call (accepted here)
    return reasons.on_short_call(hold.employer, hold.until)


def check_exempt(
    reg: Registration, member: Member, book: Book, call: JobCall, ctx: RankContext, facts: CallFacts
) -> Reason | None:
    """(v2) An excused absence covers the call's start date ("until" included); the reason
    names only the end of the absence that covers it, never its kind."""
    absences = ctx.excused.get(reg.card)
    if not absences:
        return None
    start = facts.call_date
    until = max((a.until for a in absences if a.covers(start)), default=None)
    return None if until is None else reasons.exempt(until)


def check_not_signed_in(
    reg: Registration, member: Member, book: Book, call: JobCall, ctx: RankContext, facts: CallFacts
) -> Reason | None:
    """(v2) With ``daybook.required``, no sign-in for the day the member is offered (hall
    zone; a call offered on a day that is not a business day needs the next one's)."""
    day = facts.daybook_day
    if day is None or day in ctx.signins.get(reg.card, ()):
        return None
    return reasons.not_signed_in(day)


def check_not_bid(
    reg: Registration, member: Member, book: Book, call: JobCall, ctx: RankContext, facts: CallFacts
) -> Reason | None:
    """(v2) The call is posted for bids, its selection has not run, and the member did not
    bid on it (after the selection, its unfilled openings go down the list as before)."""
    if not facts.bids_open or reg.card in ctx.bidders:
        return None
    return reasons.not_bid(call.id)


CHECKS = (
    check_resign_overdue,
    check_missing_cert,
    check_cert_expired,
    check_unavailable,
    check_employer_bar,
    check_suspended,
    check_on_short_call,
    check_exempt,
    check_not_signed_in,
    check_not_bid,
)
"""The checks in the order of the reason table (``reasons.REASON_CODES``)."""


def reasons_for(
    reg: Registration, member: Member, book: Book, call: JobCall, ctx: RankContext, facts: CallFacts
) -> tuple[Reason, ...]:
    """Every reason ``reg`` is passed over for ``call``, in table order (empty: eligible)."""
    found: list[Reason] = []
    for check in CHECKS:
        result = check(reg, member, book, call, ctx, facts)
        if result is None:
            continue
        if isinstance(result, tuple):
            found.extend(result)
        else:
            found.append(result)
    return tuple(found)
