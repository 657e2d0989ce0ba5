"""The order of referral: list order, positions, name requests and strict offers.

Policy order (referral-rules.md "Order"): book priority, then ``registered_at``
(``registration`` policy) or hours worked in the period then ``registered_at``
(``low_hours`` policy), then the card number. ``list_key`` states it; ``rank``
computes the same order fast enough for 30,000 registrations (a sort on plain
tuples; with ``limit``, a partial selection of each book's top that grows only
as far as the walk goes) and the tests hold the two together.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from fractions import Fraction
from math import floor
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
    DISCHARGED,
    DISPATCHED,
    EMPLOYER_REJECTED,
    NAME_REQUEST,
    NO_ANSWER,
    ON_SHORT_CALL,
    QUIT,
    WAITING,
    Book,
    Candidate,
    EmployerBar,
    JobCall,
    Member,
    NameRequest,
    PastReferral,
    Ranking,
    ReferralInForce,
    Registration,
    Separation,
    Unavailability,
)
from dispatch.reasons import render_all
from dispatch.rules import RuleSet

__all__ = [
    "RankContext",
    "card_key",
    "list_key",
    "book_order",
    "positions",
    "is_short_call",
    "rank",
    "name_request_refusals",
    "next_to_offer",
    "offer_refusal",
    "snapshot",
]

LOW_HOURS = "low_hours"


@dataclass(frozen=True, slots=True)
class RankContext:
    """Everything besides the call and the registrations that a ranking depends on."""

    rules: RuleSet
    now: datetime
    members: Mapping[str, Member]
    unavailability: Mapping[str, tuple[Unavailability, ...]] = field(default_factory=dict)  # by card
    bars: Mapping[str, tuple[EmployerBar, ...]] = field(default_factory=dict)  # by card
    outcomes: Mapping[str, str] = field(default_factory=dict)  # card -> outcome on THIS call
    separations: tuple[Separation, ...] = ()  # quits/discharges (name-request block)
    employer_referrals: tuple[PastReferral, ...] = ()  # this employer's referrals (window share)
    # The referral each candidate's member holds now, from any book (by card): a short call
    # passes them over (``on_short_call``); with a regular one they are no candidate at all.
    in_force: Mapping[str, ReferralInForce] = field(default_factory=dict)


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
) -> list[Registration]:
    """The WAITING registrations of ``book`` in policy order (position = index + 1).

    With ``now``, registrations that have lapsed (failed to re-sign) by then are left out.
    """
    waiting = [
        reg
        for reg in registrations
        if reg.book_id == book.id
        and reg.status == WAITING
        and (now is None or calendar.removal_at(reg, rules) > now)
    ]
    waiting.sort(key=lambda reg: (*list_key(reg, book, rules), reg.id))
    return waiting


def positions(
    registrations: Iterable[Registration], rules: RuleSet, *, now: datetime | None = None
) -> dict[int, int]:
    """Registration id -> position on its book, for every WAITING registration of a known book."""
    regs = list(registrations)
    found: dict[int, int] = {}
    for book in rules.books:
        for index, reg in enumerate(book_order(regs, rules, book, now=now)):
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
        self.low_hours = ctx.rules.ordering.policy == LOW_HOURS
        self.width = 2 if self.low_hours else 1
        self.book_ids = {book.id for book in books}
        self._entries: dict[str, list[tuple]] = {}

    def lapsed(self, reg: Registration) -> bool:
        if self.lapsed_before is not None:
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
            regs = self.registrations
            if self.low_hours:
                found = [(r.period_hours, r.registered_at, r.id, r) for r in regs if r.book_id == book_id]
            else:
                found = [(r.registered_at, r.id, r) for r in regs if r.book_id == book_id]
            self._entries[book_id] = found
        return found

    def walk(self, book_id: str, limit: int | None) -> Iterator[Registration]:
        """The book's registrations in policy order (unfiltered). With ``limit``, only the
        top of the book is selected, as far as the walk goes (``_walk_smallest``)."""
        if limit is None:
            return _in_policy_order(self.entries(book_id), self.width, lazily=False)
        regs = [r for r in self.registrations if r.book_id == book_id]
        key = attrgetter("period_hours", "registered_at") if self.low_hours else attrgetter("registered_at")
        return _walk_smallest(regs, key, 2 * limit + 32)

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
    """The call's candidates in offer order: honoured name requests, then list order.

    Candidates are the WAITING and ON_SHORT_CALL registrations on the books of
    the call's classification (lapsed ones dropped), plus the registrations of
    members with an outcome already on this call. Each member appears once, at
    their best-placed registration, with every reason they are passed over.
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
    requests = _distinct_requests(call.name_requests)
    special = set(outcomes).union(request.card for request in requests)
    listing = _Listing(registrations, books, ctx, facts)

    # Members with an outcome or a name request: the registration they appear at.
    special_regs: dict[str, list[Registration]] = {}
    if special:
        for reg in registrations:
            if reg.card in special and listing.listed(reg):
                special_regs.setdefault(reg.card, []).append(reg)
    chosen = {card: _best_placed(regs, book_by_id, rules) for card, regs in special_regs.items()}

    def build(reg: Registration, position: int | None, request: NameRequest | None = None) -> Candidate:
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
            name_request=request is not None,
            name_request_reason=request.reason if request is not None else "",
            outcome=outcomes.get(reg.card),
            turndowns=reg.turndowns,
        )

    # Name requests: honoured when a candidate, eligible and within the limits.
    unhonoured: dict[str, str] = {}
    named: dict[str, Candidate] = {}
    fitting: list[NameRequest] = []
    for request in requests:
        reg = chosen.get(request.card)
        if reg is None:
            fitting.append(request)  # name_request_refusals says it is not waiting
            continue
        position = listing.position_of(reg) if reg.status == WAITING else None
        candidate = build(reg, position, request)
        if candidate.eligible:
            named[request.card] = candidate
            fitting.append(request)
        else:
            unhonoured[request.card] = f"{_who(candidate)} is passed over: {render_all(candidate.reasons)}."
    refused = name_request_refusals(replace(call, name_requests=tuple(fitting)), ctx, set(chosen))
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
            break
        counter = 0
        for reg in listing.walk(book.id, limit):
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


def _distinct_requests(requests: Iterable[NameRequest]) -> list[NameRequest]:
    """The call's name requests, each card once (the first request for it)."""
    seen: set[str] = set()
    distinct = []
    for request in requests:
        if request.card not in seen:
            seen.add(request.card)
            distinct.append(request)
    return distinct


# --- name requests ------------------------------------------------------------------


def _share_words(share: Fraction) -> str:
    words = {
        Fraction(1, 2): "half",
        Fraction(1, 3): "a third",
        Fraction(2, 3): "two thirds",
        Fraction(1, 4): "a quarter",
        Fraction(3, 4): "three quarters",
        Fraction(1): "all",
        Fraction(0): "none",
    }
    if share in words:
        return words[share]
    percent = share * 100
    if percent.denominator == 1:
        return f"{percent.numerator}%"
    return f"{share.numerator}/{share.denominator}"


def max_share(rules: RuleSet) -> Fraction:
    """``name_requests.max_share`` as an exact fraction (0.5 -> 1/2, 0.3 -> 3/10)."""
    return Fraction(str(rules.name_requests.max_share))


def _block(card: str, call: JobCall, ctx: RankContext) -> str | None:
    """Why ``call.employer`` cannot name ``card`` (quit or discharged there recently), or None."""
    days = ctx.rules.name_requests.block_days
    if days <= 0:
        return None
    employer = call.employer.casefold()
    today = calendar.local_date(ctx.now, ctx.rules)
    latest: tuple | None = None
    for sep in ctx.separations:
        if sep.card != card or sep.employer.casefold() != employer or sep.reason not in (QUIT, DISCHARGED):
            continue
        left = calendar.local_date(sep.at, ctx.rules)
        until = left + timedelta(days=days)
        if left <= today <= until and (latest is None or until > latest[1]):
            latest = (left, until, sep)
    if latest is None:
        return None
    left, until, sep = latest
    member = ctx.members.get(card)
    who = f"{card} {member.name}" if member is not None and member.name else card
    verb = f"quit {call.employer}" if sep.reason == QUIT else f"was discharged by {call.employer}"
    return (f"{who} {verb} on {calendar.day_text(left, today)}: no name request by it until "
            f"{calendar.day_text(until, today)}.")


def name_request_refusals(
    call: JobCall, ctx: RankContext, candidates_cards: set[str] | None = None
) -> dict[str, str]:
    """Card -> one sentence why each of the call's name requests is refused (empty: all fine).

    In request order: a reason is required; a one-worker call may be named only
    with ``name_requests.allow_single`` (which exempts it from both limits); a
    member who quit or was discharged by the employer within ``block_days``
    cannot be named; at most floor(max_share x workers) per call; and over the
    window, named <= max_share x (referrals in the window + this call's workers).
    Requests refused for themselves take no share; the limits refuse the
    requests beyond what fits. With ``candidates_cards``, a named card not
    among them is refused.
    """
    rules = ctx.rules.name_requests
    requests = _distinct_requests(call.name_requests)
    if not requests:
        return {}
    share = max_share(ctx.rules)
    single = call.workers <= 1
    exempt = single and rules.allow_single
    per_call = call.workers if exempt else floor(share * call.workers)
    since = ctx.now - timedelta(days=rules.window_days)
    employer = call.employer.casefold()
    window = [
        ref
        for ref in ctx.employer_referrals
        if ref.employer.casefold() == employer
        and since <= ref.at <= ctx.now
        and (ref.call_id is None or ref.call_id != call.id)
    ]
    named_before = sum(1 for ref in window if ref.basis == NAME_REQUEST)
    refusals: dict[str, str] = {}
    granted = 0
    for request in requests:
        card = request.card
        if not request.reason.strip():
            refusals[card] = f"a name request needs a reason: none was given for {card}."
            continue
        if single and not rules.allow_single:
            refusals[card] = "a one-worker call cannot be named (name_requests.allow_single is off)."
            continue
        if candidates_cards is not None and card not in candidates_cards:
            refusals[card] = f"{card} is not waiting on a {call.classification} book."
            continue
        blocked = _block(card, call, ctx)
        if blocked is not None:
            refusals[card] = blocked
            continue
        if granted + 1 > per_call:
            if per_call == 0:
                refusals[card] = f"{call.employer} may not name any of the {call.workers} workers on this call."
            else:
                refusals[card] = f"{call.employer} may name at most {per_call} of {call.workers} workers on this call."
            continue
        if not exempt and named_before + granted + 1 > share * (len(window) + call.workers):
            noun = "referral" if len(window) == 1 else "referrals"
            refusals[card] = (
                f"{call.employer} has named {named_before} of its last {len(window)} {noun} "
                f"in {rules.window_days} days; naming {card} would exceed {_share_words(share)}."
            )
            continue
        granted += 1
    return refusals


# --- offers --------------------------------------------------------------------------


def next_to_offer(ranking: Ranking) -> Candidate | None:
    """The first candidate in ranking order who is eligible and has no outcome yet."""
    for candidate in ranking.candidates:
        if candidate.eligible and candidate.outcome is None:
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
    """JSON-ready record of every candidate above and including ``card`` (for the offer's audit entry)."""
    rows: list[dict] = []
    for candidate in ranking.candidates:
        rows.append(
            {
                "card": candidate.card,
                "name": candidate.name,
                "book": candidate.book_id,
                "position": candidate.position,
                "eligible": candidate.eligible,
                "name_request": candidate.name_request,
                "reasons": [reason.to_dict() for reason in candidate.reasons],
                "outcome": candidate.outcome,
            }
        )
        if candidate.card == card:
            return rows
    raise ValueError(f"{card} is not a candidate in this ranking.")
