"""The order of referral: list order, positions, requests and strict offers.

Policy order (referral-rules.md "Ordering"): book priority, then ``registered_at``
(``registration`` policy) or hours worked in the period then ``registered_at``
(``low_hours`` policy), then the card number. ``list_key`` states it; ``rank``
computes the same order fast enough for 30,000 registrations (a sort on plain
tuples; with ``limit``, a partial selection of each book's top that grows only
as far as the walk goes) and the tests hold the two together.

(v2) In a ranking, honoured requests come first in the order foreman, recall, name
("Kinds of request"; which are refused is ``dispatch.requests``), each candidate marked
with its request kind; with ``short_calls.rotation`` a short call's list order starts,
book by book, after the member who last accepted a short call from that book
("Short calls as locals define them": ``rotation_start`` names where); candidates on a
book the apprenticeship committee assigns from are never offered ("Apprentices").
On low-hours boards the hours are the member's (``dispatch.hours``).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from operator import attrgetter
from typing import Iterable, Iterator, Mapping, Sequence

from dispatch import calendar
from dispatch.eligibility import (
    CallFacts,
    call_facts,
    is_lapsed,
    is_short_call,
    reasons_for,
)
from dispatch.model import (
    ACCEPTED,
    DECLINED,
    DISPATCHED,
    EMPLOYER_REJECTED,
    NO_ANSWER,
    ON_SHORT_CALL,
    REQUEST_FOREMAN,
    REQUEST_NAME,
    REQUEST_RECALL,
    WAITING,
    Book,
    Candidate,
    EmployerBar,
    ExcusedAbsence,
    JobCall,
    Member,
    PastReferral,
    Ranking,
    ReferralInForce,
    Registration,
    Request,
    RotationPoint,
    Separation,
    Unavailability,
)
from dispatch.reasons import render_all
from dispatch.requests import distinct_requests, honoured_order, max_share, name_request_refusals, request_refusals
from dispatch.rules import RuleSet

__all__ = [
    "RankContext",
    "card_key",
    "list_key",
    "book_order",
    "positions",
    "is_short_call",
    "rank",
    "max_share",
    "name_request_refusals",
    "request_refusals",
    "next_to_offer",
    "offer_refusal",
    "rotation_start",
    "snapshot",
]

LOW_HOURS = "low_hours"
# Honoured requests of these kinds are offered; stewards and apprentice assignments are
# referrals made at once (no offer).
OFFERED_REQUESTS = (REQUEST_FOREMAN, REQUEST_RECALL, REQUEST_NAME)


@dataclass(frozen=True, slots=True)
class RankContext:
    """Everything besides the call and the registrations that a ranking depends on."""

    rules: RuleSet
    now: datetime
    members: Mapping[str, Member]
    unavailability: Mapping[str, tuple[Unavailability, ...]] = field(default_factory=dict)  # by card
    bars: Mapping[str, tuple[EmployerBar, ...]] = field(default_factory=dict)  # by card
    outcomes: Mapping[str, str] = field(default_factory=dict)  # card -> outcome on THIS call
    # Members' job ends with employers: quits and discharges (the request block) and, for
    # (v2) recalls, layoffs with their site.
    separations: tuple[Separation, ...] = ()
    employer_referrals: tuple[PastReferral, ...] = ()  # this employer's referrals (window share)
    # The referral each candidate's member holds now, from any book (by card): a short call
    # passes them over (``on_short_call``); with a regular one they are no candidate at all.
    in_force: Mapping[str, ReferralInForce] = field(default_factory=dict)
    # (v2) Excused absences by card: ``exempt`` on calls starting in them; the re-sign clock stops.
    excused: Mapping[str, tuple[ExcusedAbsence, ...]] = field(default_factory=dict)
    # (v2) Day-book sign-ins: card -> the business days signed in for (``daybook.signin_day``).
    signins: Mapping[str, frozenset[date]] = field(default_factory=dict)
    # (v2) Cards with an open bid on THIS call (a posted call, before its selection).
    bidders: frozenset[str] = frozenset()
    # (v2) Short-call rotation: book id -> who last accepted a short call from that book.
    rotation: Mapping[str, RotationPoint] = field(default_factory=dict)


# --- list order -----------------------------------------------------------------


def card_key(card: str) -> tuple:
    """Card order at equal ``registered_at``: as numbers when both cards are all digits
    ("9" < "10"), otherwise as text ("9" < "A10", "A10" < "A9").

    The rule as written is not a total order when a card starts with a digit but is
    not all digits ("9" < "10" as numbers, "10" < "10A" and "10A" < "9" as text), and
    a ranking must come out the same whatever order its input is in. So cards that sort
    as text before every digit (a first character below "0") come first, then all-digit
    cards as numbers, then every other card as text. This agrees with the rule for every
    pair except an all-digit card against one like "10A".
    """
    if card.isascii() and card.isdigit():
        return (1, int(card), card)
    if card[:1] < "0":
        return (0, 0, card)
    return (2, 0, card)


def list_key(reg: Registration, book: Book, rules: RuleSet) -> tuple:
    """The policy order of a registration (smaller first).

    ``registration``: (book priority, registered_at, card);
    ``low_hours``: (book priority, hours worked in the period, registered_at, card).
    """
    if rules.ordering.policy == LOW_HOURS:
        return (book.priority, reg.period_hours, reg.registered_at, card_key(reg.card))
    return (book.priority, reg.registered_at, card_key(reg.card))


def book_order(
    registrations: Iterable[Registration],
    rules: RuleSet,
    book: Book,
    *,
    now: datetime | None = None,
    excused: Mapping[str, tuple[ExcusedAbsence, ...]] | None = None,
) -> list[Registration]:
    """The WAITING registrations of ``book`` in policy order (position = index + 1).

    With ``now``, registrations that have lapsed (failed to re-sign) by then are left out
    (``excused``: excused absences by card, which stop the re-sign clock).
    """
    excused = excused or {}
    waiting = [
        reg
        for reg in registrations
        if reg.book_id == book.id
        and reg.status == WAITING
        and (now is None or calendar.removal_at(reg, rules, excused.get(reg.card, ())) > now)
    ]
    waiting.sort(key=lambda reg: (*list_key(reg, book, rules), reg.id))
    return waiting


def positions(
    registrations: Iterable[Registration], rules: RuleSet, *, now: datetime | None = None,
    excused: Mapping[str, tuple[ExcusedAbsence, ...]] | None = None,
) -> dict[int, int]:
    """Registration id -> position on its book, for every WAITING registration of a known book."""
    regs = list(registrations)
    found: dict[int, int] = {}
    for book in rules.books:
        for index, reg in enumerate(book_order(regs, rules, book, now=now, excused=excused)):
            found[reg.id] = index + 1
    return found


def _tie_order(group: list[tuple]) -> list[Registration]:
    """Entries equal up to the card: the card number breaks the tie."""
    if len(group) == 1:
        return [group[0][-1]]
    return sorted((entry[-1] for entry in group), key=lambda r: (card_key(r.card), r.id))


def _in_policy_order(entries: list[tuple], width: int, *, lazily: bool) -> Iterator[Registration]:
    """Walk one book's entries ``(*tie_key, id, registration)`` in policy order.

    ``tie_key`` (the first ``width`` items) is the policy order within a book
    without the card: (registered_at,) or (hours, registered_at). Entries are
    ordered by it, the card number breaking ties. ``lazily``: a heap, so a walk
    stopped early costs O(n) rather than a full sort. Consumes ``entries``.
    """
    if lazily:
        heapq.heapify(entries)
        pop = heapq.heappop

        def stream() -> Iterator[tuple]:
            while entries:
                yield pop(entries)

        source: Iterable[tuple] = stream()
    else:
        entries.sort()
        source = entries
    group: list[tuple] = []
    group_key: tuple = ()
    for entry in source:
        tie = entry[:width]
        if group and tie != group_key:
            yield from _tie_order(group)
            group = []
        group_key = tie
        group.append(entry)
    if group:
        yield from _tie_order(group)


def _walk_smallest(regs: list[Registration], key, start: int) -> Iterator[Registration]:
    """Walk one book's registrations in policy order, selecting only what is walked.

    ``key`` is the policy order within a book without the card (``tie_key``);
    the card number breaks ties. Each round selects the ``k`` smallest by key
    (``heapq.nsmallest``: one pass, no sort of the book) and yields the whole
    tie groups strictly below the k-th key; a walk that goes past them selects
    four times as many (the groups already yielded are exactly the prefix of the
    next selection), and a selection that would cover the book sorts it.
    """
    n = len(regs)
    k = max(start, 1)
    done = 0  # how many of the smallest are yielded
    while True:
        if k * 2 >= n:
            ordered = sorted(regs, key=key)
            boundary = None
        else:
            ordered = heapq.nsmallest(k, regs, key=key)
            boundary = key(ordered[-1])
        i, size = done, len(ordered)
        while i < size:
            tie = key(ordered[i])
            if boundary is not None and tie == boundary:
                break
            j = i + 1
            while j < size and key(ordered[j]) == tie:
                j += 1
            if j == i + 1:
                yield ordered[i]
            else:
                yield from sorted(ordered[i:j], key=lambda r: (card_key(r.card), r.id))
            i = j
        if boundary is None:
            return
        done = i
        k *= 4


# --- the ranking ------------------------------------------------------------------

_ACTIVE = (WAITING, ON_SHORT_CALL, DISPATCHED)


def _best_placed(regs: list[Registration], book_by_id: Mapping[str, Book], rules: RuleSet) -> Registration:
    """The registration a member appears at: the best placed active one.

    Active (waiting, on a short call, or dispatched on this call) before
    removed; among removed ones (e.g. rolled off by a turndown on this call)
    the most recent.
    """
    active = [reg for reg in regs if reg.status in _ACTIVE]
    if active:
        return min(active, key=lambda reg: (*list_key(reg, book_by_id[reg.book_id], rules), reg.id))
    return min(regs, key=lambda reg: (-reg.registered_at.timestamp(), book_by_id[reg.book_id].priority, reg.id))


def _member(ctx: RankContext, card: str) -> Member:
    member = ctx.members.get(card)
    if member is None:
        raise ValueError(f"card {card} has a registration but no member record.")
    return member


def _who(candidate: Candidate) -> str:
    return f"{candidate.name} ({candidate.card})" if candidate.name else candidate.card


class _Listing:
    """Which registrations a ranking lists, and each book's entries as plain tuples.

    A registration is listed when it is on one of the call's books and is
    WAITING (not lapsed), ON_SHORT_CALL, or its member has an outcome on this
    call; never when its member works a regular call other than this one (they
    hold a referral in force: "never a candidate for another call"). Only
    WAITING ones hold a position, listed or not.
    """

    def __init__(self, registrations: Sequence[Registration], books, ctx: RankContext, facts: CallFacts):
        self.registrations = registrations
        self.ctx = ctx
        self.facts = facts
        self.outcomes = ctx.outcomes
        self.working = {card for card, held in ctx.in_force.items()
                        if not held.short_call and held.call_id != facts.call.id}
        self.lapsed_before = facts.lapsed_before
        self.excused = ctx.excused
        self.low_hours = ctx.rules.ordering.policy == LOW_HOURS
        self.width = 2 if self.low_hours else 1
        self.book_ids = {book.id for book in books}
        self.rotating = ctx.rules.short_calls.rotation and is_short_call(facts.call, ctx.rules)
        self._entries: dict[str, list[tuple]] = {}

    def lapsed(self, reg: Registration) -> bool:
        if self.lapsed_before is not None and reg.card not in self.excused:
            return reg.last_signed_at < self.lapsed_before
        return is_lapsed(reg, self.ctx, self.facts)

    def listed(self, reg: Registration) -> bool:
        if reg.book_id not in self.book_ids or reg.card in self.working:
            return False
        if reg.status == WAITING:
            return not self.lapsed(reg)
        return reg.status == ON_SHORT_CALL or reg.card in self.outcomes

    def holds_position(self, reg: Registration) -> bool:
        return reg.status == WAITING and not self.lapsed(reg)

    def entries(self, book_id: str) -> list[tuple]:
        """Every registration of the book as ``(*tie_key, id, reg)``; filtered as walked.

        Built once per book (walking consumes it); no filtering here, so the
        pass over 30,000 registrations stays a bare comprehension.
        """
        found = self._entries.get(book_id)
        if found is None:
            found = self._entries[book_id] = self._as_entries(r for r in self.registrations if r.book_id == book_id)
        return found

    def _tie(self):
        return attrgetter("period_hours", "registered_at") if self.low_hours else attrgetter("registered_at")

    def _as_entries(self, regs: Iterable[Registration]) -> list[tuple]:
        """Registrations as ``(*tie_key, id, reg)`` tuples (the tie key: the policy order
        within a book, without the card)."""
        if self.low_hours:
            return [(r.period_hours, r.registered_at, r.id, r) for r in regs]
        return [(r.registered_at, r.id, r) for r in regs]

    def _walk(self, regs: list[Registration], limit: int | None) -> Iterator[Registration]:
        if limit is None:
            return _in_policy_order(self._as_entries(regs), self.width, lazily=False)
        return _walk_smallest(regs, self._tie(), 2 * limit + 32)

    def segments(self, book_id: str, limit: int | None) -> list[tuple[Iterator[Registration], int]]:
        """The book's registrations in walking order (unfiltered), as segments of
        (registrations, position offset). With ``limit``, only the top of each segment is
        selected, as far as the walk goes (``_walk_smallest``).

        One segment from the top; or, for a short call with ``short_calls.rotation`` and a
        rotation point on the book, those after the point, then from the top round to it
        (the later segment's positions continue after the earlier part of the book).
        """
        point = self.ctx.rotation.get(book_id) if self.rotating else None
        if point is None:
            if limit is None:
                return [(_in_policy_order(self.entries(book_id), self.width, lazily=False), 0)]
            regs = [r for r in self.registrations if r.book_id == book_id]
            return [(_walk_smallest(regs, self._tie(), 2 * limit + 32), 0)]
        mark = self._rotation_key(point)
        after: list[Registration] = []
        before: list[Registration] = []
        for reg in self.registrations:
            if reg.book_id == book_id:
                (after if self._full_key(reg) > mark else before).append(reg)
        ahead = sum(1 for reg in before if self.holds_position(reg))
        return [(self._walk(after, limit), ahead), (self._walk(before, limit), 0)]

    def _full_key(self, reg: Registration) -> tuple:
        tie = (reg.period_hours, reg.registered_at) if self.low_hours else (reg.registered_at,)
        return (*tie, card_key(reg.card), reg.id)

    def _rotation_key(self, point: RotationPoint) -> tuple:
        """The place of the member who last accepted a short call from the book: their
        registration there when listed, else where it was."""
        for reg in self.registrations:
            if reg.book_id == point.book_id and reg.card == point.card:
                return self._full_key(reg)
        tie = (point.period_hours, point.registered_at) if self.low_hours else (point.registered_at,)
        return (*tie, card_key(point.card), -1)

    def position_of(self, reg: Registration) -> int:
        """The position of a WAITING registration, counted without sorting the book."""
        width = self.width
        entries = self.entries(reg.book_id)
        mine = next(entry for entry in entries if entry[-1] is reg)
        tie, own = mine[:width], (card_key(reg.card), reg.id)
        ahead = 0
        for entry in entries:
            other = entry[-1]
            if other is reg or not self.holds_position(other):
                continue
            other_tie = entry[:width]
            if other_tie < tie or (other_tie == tie and (card_key(other.card), other.id) < own):
                ahead += 1
        return ahead + 1


def rank(
    call: JobCall,
    registrations: Sequence[Registration],
    ctx: RankContext,
    *,
    limit: int | None = None,
) -> Ranking:
    """The call's candidates in offer order: honoured requests (foreman, recall, name,
    then stewards and apprentice assignments), then list order.

    Candidates are the WAITING and ON_SHORT_CALL registrations on the books of
    the call's classification (lapsed ones dropped), plus the registrations of
    members with an outcome already on this call. Each member appears once, at
    their best-placed registration, with every reason they are passed over.
    A request is honoured (its candidate marked with its kind) when the member is
    a candidate, eligible, and the request within the limits (``request_refusals``).
    With ``limit``, only the first ``limit`` candidates are built (positions
    stay exact) and ``truncated`` says whether any were left out.
    """
    if limit is not None and limit < 0:
        raise ValueError("limit cannot be negative.")
    rules = ctx.rules
    facts = call_facts(call, ctx)
    books = rules.books_for(call.classification)
    book_by_id = {book.id: book for book in books}
    outcomes = ctx.outcomes
    requests = honoured_order(distinct_requests(call.name_requests))
    special = set(outcomes).union(request.card for request in requests)
    listing = _Listing(registrations, books, ctx, facts)

    # Members with an outcome or a request: the registration they appear at.
    special_regs: dict[str, list[Registration]] = {}
    if special:
        for reg in registrations:
            if reg.card in special and listing.listed(reg):
                special_regs.setdefault(reg.card, []).append(reg)
    chosen = {card: _best_placed(regs, book_by_id, rules) for card, regs in special_regs.items()}

    def build(reg: Registration, position: int | None, request: Request | None = None) -> Candidate:
        book = book_by_id[reg.book_id]
        member = _member(ctx, reg.card)
        return Candidate(
            card=reg.card,
            name=member.name,
            registration_id=reg.id,
            book_id=book.id,
            book_priority=book.priority,
            registered_at=reg.registered_at,
            status=reg.status,
            position=position,
            reasons=reasons_for(reg, member, book, call, ctx, facts),
            name_request=request is not None and request.kind == REQUEST_NAME,
            name_request_reason=request.reason if request is not None else "",
            outcome=outcomes.get(reg.card),
            turndowns=reg.turndowns,
            request=request.kind if request is not None else None,
            assigned_by_jatc=book.assigned_by_jatc,
        )

    # Requests: honoured when a candidate, eligible and within the limits.
    unhonoured: dict[str, str] = {}
    named: dict[str, Candidate] = {}
    fitting: list[Request] = []
    for request in requests:
        reg = chosen.get(request.card)
        if reg is None:
            fitting.append(request)  # request_refusals says it is not waiting
            continue
        position = listing.position_of(reg) if reg.status == WAITING else None
        candidate = build(reg, position, request)
        if candidate.eligible:
            named[request.card] = candidate
            fitting.append(request)
        else:
            unhonoured[request.card] = f"{_who(candidate)} is passed over: {render_all(candidate.reasons)}."
    refused = request_refusals(replace(call, name_requests=tuple(fitting)), ctx, set(chosen))
    for card in refused:
        named.pop(card, None)
    unhonoured.update(refused)
    unhonoured = {r.card: unhonoured[r.card] for r in requests if r.card in unhonoured}

    # Then list order, book by book; positions count every waiting registration.
    candidates: list[Candidate] = list(named.values())
    truncated = False
    if limit is not None and len(candidates) > limit:
        del candidates[limit:]
        truncated = True
    seen: set[str] = set()
    for book in books:
        if truncated:
            break  # later books are not even looked at
        for segment, offset in listing.segments(book.id, limit):
            if truncated:
                break
            counter = offset
            for reg in segment:
                status = reg.status
                card = reg.card
                if status == WAITING:
                    if listing.lapsed(reg):
                        continue
                    counter += 1
                elif status != ON_SHORT_CALL and card not in outcomes:
                    continue
                if card in listing.working:
                    continue
                if card in special:
                    if chosen[card] is not reg or card in named:
                        continue
                elif card in seen:
                    continue
                else:
                    seen.add(card)
                if limit is not None and len(candidates) >= limit:
                    truncated = True
                    break
                candidates.append(build(reg, counter if status == WAITING else None))
    return Ranking(call.id, tuple(candidates), unhonoured, truncated)


def rotation_start(
    book: Book,
    registrations: Iterable[Registration],
    point: RotationPoint | None,
    rules: RuleSet,
    now: datetime,
    excused: Mapping[str, tuple[ExcusedAbsence, ...]] | None = None,
) -> Registration | None:
    """(v2) The waiting registration a short call from ``book`` starts at under
    ``short_calls.rotation``: the first one after the place of ``point`` (who last accepted
    a short call from the book) in list order, wrapping round to the top; the top of the
    book without a point. None when nobody waits. What the dispatch screen shows.
    """
    order = book_order(registrations, rules, book, now=now, excused=excused)
    if not order or point is None:
        return order[0] if order else None
    low = rules.ordering.policy == LOW_HOURS

    def key(card: str, hours: float, registered_at: datetime, reg_id: int) -> tuple:
        return ((hours, registered_at) if low else (registered_at,)) + (card_key(card), reg_id)

    regs = [r for r in registrations if r.book_id == book.id and r.card == point.card]
    mark = (key(point.card, regs[0].period_hours, regs[0].registered_at, regs[0].id) if regs
            else key(point.card, point.period_hours, point.registered_at, -1))
    for reg in order:
        if key(reg.card, reg.period_hours, reg.registered_at, reg.id) > mark:
            return reg
    return order[0]


# --- offers --------------------------------------------------------------------------


def _offered(candidate: Candidate) -> bool:
    """Whether offers reach this candidate at all: not on a book the apprenticeship committee
    assigns from, and not listed for a steward appointment or an assignment (made at once)."""
    return not candidate.assigned_by_jatc and (candidate.request is None or candidate.request in OFFERED_REQUESTS)


def next_to_offer(ranking: Ranking) -> Candidate | None:
    """The first candidate in ranking order who is eligible, is offered calls at all, and
    has no outcome yet."""
    for candidate in ranking.candidates:
        if candidate.eligible and candidate.outcome is None and _offered(candidate):
            return candidate
    return None


_OUTCOME_DONE = {
    ACCEPTED: "already accepted this call",
    DECLINED: "already declined this call",
    NO_ANSWER: "already has no answer recorded on this call",
    EMPLOYER_REJECTED: "was already rejected by the employer for this call",
}


def offer_refusal(ranking: Ranking, card: str) -> str | None:
    """None if ``card`` may be offered the call now, else one sentence why not.

    Offers go strictly in ranked order: nobody may be offered while an eligible
    candidate ranked above them has no outcome on this call.
    """
    target = ranking.find(card)
    if target is None:
        if ranking.truncated:
            return f"{card} is not among the first {len(ranking.candidates)} candidates for this call."
        return f"{card} is not a candidate for this call."
    if target.outcome is not None:
        done = _OUTCOME_DONE.get(target.outcome, f"already has an outcome ({target.outcome}) on this call")
        return f"{_who(target)} {done}."
    if target.assigned_by_jatc:
        return (f"{target.book_id} is assigned by the apprenticeship committee, not offered down the list: "
                f"hall call assign {ranking.call_id} {target.card} --reason TEXT.")
    if not _offered(target):
        return f"{_who(target)} is listed for a {target.request} appointment, which is made without an offer."
    if not target.eligible:
        return f"{_who(target)} is passed over: {render_all(target.reasons)}."
    first = next_to_offer(ranking)
    if first is not None and first is not target:
        first_name = first.name.split()[0] if first.name.split() else first.card
        return (
            f"{_who(first)} is ahead on the list and has no outcome yet: "
            f"record {first_name}'s outcome first."
        )
    return None


def snapshot(ranking: Ranking, card: str) -> list[dict]:
    """JSON-ready record of every candidate above and including ``card`` (for the offer's audit entry).

    A candidate listed for an honoured request carries ``"request"``: its kind (v2).
    """
    rows: list[dict] = []
    for candidate in ranking.candidates:
        row = {
            "card": candidate.card,
            "name": candidate.name,
            "book": candidate.book_id,
            "position": candidate.position,
            "eligible": candidate.eligible,
            "name_request": candidate.name_request,
            "reasons": [reason.to_dict() for reason in candidate.reasons],
            "outcome": candidate.outcome,
        }
        if candidate.request is not None:
            row["request"] = candidate.request
        rows.append(row)
        if candidate.card == card:
            return rows
    raise ValueError(f"{card} is not a candidate in this ranking.")
