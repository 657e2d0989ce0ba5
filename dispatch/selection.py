"""(v2) The selection: the morning dispatch's awards, in list order.

referral-rules.md "The morning dispatch: posted calls, bids and selection (v2)":
selection happens at ``bidding.selection_at`` on each business day, as of that moment.
First the honoured requests of each posted call go to requested members who bid on it;
then members are taken in referral order (book priority, then list position; a member
on several classifications at their best-placed registration) and each is awarded
their best choice that still has an opening and for which they are eligible. An award
is a referral (basis as usual: ``list_order``, or the request's). Not bidding, and not
being awarded, is never a turndown.

``select`` is one pure function from the posted calls, the bids, the registrations and
the context (``ctx.now`` is the selection's moment) to a ``Selection``: the awards, the
openings left, and for each call its bidders in referral order with each one's reason
("awarded call #40, their choice 1", the reasons they are passed over, "call #40 was
full when reached", "did not bid" for a requested member) for the audit entry. It checks
eligibility only where a member reaches a call with an opening, so 500 calls and 5,000
bidders holding 10 bids each take well under a second (``bench/selection.py``).
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field, replace
from typing import Iterable, Mapping, Sequence

from dispatch import calendar
from dispatch.eligibility import call_facts, reasons_for, resign_thresholds
from dispatch.model import (
    BASIS_OF_REQUEST,
    LIST_ORDER,
    ON_SHORT_CALL,
    WAITING,
    Bid,
    Book,
    JobCall,
    Reason,
    Registration,
    Request,
)
from dispatch.ranking import LOW_HOURS, RankContext, card_key
from dispatch.reasons import render_all
from dispatch.requests import distinct_requests, honoured_order, request_refusals


@dataclass(frozen=True, slots=True)
class Award:
    """One opening of a posted call awarded to one member at the selection."""

    call_id: int
    card: str
    registration_id: int
    book_id: str
    choice: int
    basis: str = LIST_ORDER
    request: str | None = None  # the kind of the honoured request, when awarded by one


@dataclass(frozen=True, slots=True)
class BidderRow:
    """One member in a call's audit: their choice number for the call (None: requested but
    did not bid), their place in the selection's referral order (None: not on the list),
    whether this call was awarded to them, and the reason as a member reads it."""

    card: str
    name: str
    choice: int | None
    order: int | None
    awarded: bool
    text: str
    reasons: tuple[Reason, ...] = ()

    def to_dict(self) -> dict:
        return {"card": self.card, "name": self.name, "choice": self.choice, "order": self.order,
                "awarded": self.awarded, "text": self.text, "reasons": [r.to_dict() for r in self.reasons]}


@dataclass(frozen=True, slots=True)
class Selection:
    """What a selection decided: the awards, each call's openings left and its bidders."""

    awards: tuple[Award, ...]
    openings_left: Mapping[int, int]
    rows: Mapping[int, tuple[BidderRow, ...]] = field(default_factory=dict)  # call id -> rows in order

    def awards_for(self, call_id: int) -> tuple[Award, ...]:
        return tuple(award for award in self.awards if award.call_id == call_id)

    def award_of(self, card: str) -> Award | None:
        return next((award for award in self.awards if award.card == card), None)

    def audit(self, call_id: int) -> list[dict]:
        """The call's bidders in referral order with each one's reason, JSON-ready."""
        return [row.to_dict() for row in self.rows.get(call_id, ())]

    def member_rows(self, card: str) -> list[tuple[int, BidderRow]]:
        """(call id, row) for each call the member bid on or was requested for: what the
        kiosk shows after the selection ("awarded" or why not)."""
        found = [(call_id, row) for call_id, rows in self.rows.items() for row in rows if row.card == card]
        return sorted(found, key=lambda item: (item[1].choice is None, item[1].choice or 0, item[0]))


def _awarded_text(award: Award) -> str:
    text = f"awarded call #{award.call_id}, their choice {award.choice}"
    return text if award.request is None else f"{text} ({award.request} request)"


class _Hall:
    """The registrations the selection reads, indexed once: for the members who matter
    (bidders and requested members), their live registrations by classification and their
    place in the referral order. Positions count every waiting registration of a book (by
    bisection in each book's sorted keys)."""

    def __init__(self, registrations: Sequence[Registration], ctx: RankContext, classifications: set[str],
                 cards: set[str]):
        rules = ctx.rules
        self.ctx = ctx
        self.books: dict[str, Book] = {b.id: b for b in rules.books}
        self.low_hours = rules.ordering.policy == LOW_HOURS
        working = {card for card, held in ctx.in_force.items() if not held.short_call}
        _, lapsed_before = resign_thresholds(rules, ctx.now)
        excused = ctx.excused
        low = self.low_hours
        ties: dict[str, list[tuple]] = {book_id: [] for book_id in self.books}
        mine: list[Registration] = []
        for reg in registrations:
            status = reg.status
            if (status != WAITING and status != ON_SHORT_CALL) or reg.book_id not in ties:
                continue
            if status == WAITING:
                if lapsed_before is not None and reg.card not in excused:
                    if reg.last_signed_at < lapsed_before:
                        continue
                elif calendar.removal_at(reg, rules, excused.get(reg.card, ())) <= ctx.now:
                    continue
                ties[reg.book_id].append((reg.period_hours, reg.registered_at, card_key(reg.card), reg.id) if low
                                         else (reg.registered_at, card_key(reg.card), reg.id))
            if reg.card in cards and reg.card not in working:
                mine.append(reg)
        for keys in ties.values():
            keys.sort()
        self._keys = ties
        self.by_class: dict[tuple[str, str], Registration] = {}  # (card, classification) -> best placed
        self.order: dict[str, tuple] = {}  # card -> place in the referral order
        for reg in mine:
            book = self.books[reg.book_id]
            tie = self._tie(reg)
            own = (card_key(reg.card), reg.id)
            if book.classification in classifications:
                slot = (reg.card, book.classification)
                best = self.by_class.get(slot)
                if best is None or (book.priority, tie, own) < (self.books[best.book_id].priority, self._tie(best),
                                                               (card_key(best.card), best.id)):
                    self.by_class[slot] = reg
            # Referral order: book priority, then list position, then registered_at and card.
            position = bisect_left(self._keys[reg.book_id], (*tie, *own)) + 1
            place = (book.priority, position, reg.registered_at, *own)
            if reg.card not in self.order or place < self.order[reg.card]:
                self.order[reg.card] = place

    def _tie(self, reg: Registration) -> tuple:
        return (reg.period_hours, reg.registered_at) if self.low_hours else (reg.registered_at,)


def select(
    calls: Sequence[JobCall],
    bids: Iterable[Bid],
    registrations: Sequence[Registration],
    ctx: RankContext,
    *,
    outcomes: Mapping[int, Mapping[str, str]] | None = None,
) -> Selection:
    """The awards of the selection at ``ctx.now`` over the posted ``calls``.

    ``bids``: the members' open bids (bids on other calls are left out); ``registrations``:
    every registration that may matter (the live ones of the bidders at least, for their
    places: positions count every waiting registration of a book, so pass whole books);
    ``ctx``: what eligibility needs (members, unavailability, bars, separations with
    layoffs for recalls, referrals in force, excused absences, sign-ins, the employers'
    referrals for the name shares); ``outcomes``: per call, outcomes already recorded on
    it (e.g. a steward appointed). Each call's openings are ``call.openings``.
    """
    by_id = {call.id: call for call in sorted(calls, key=lambda c: c.id)}
    choices: dict[str, dict[int, int]] = {}  # card -> call id -> choice number (their lowest)
    for bid in bids:
        if bid.call_id in by_id:
            mine = choices.setdefault(bid.card, {})
            if bid.call_id not in mine or bid.choice < mine[bid.call_id]:
                mine[bid.call_id] = bid.choice
    requested = {request.card for call in by_id.values() for request in call.name_requests}
    hall = _Hall(registrations, ctx, {call.classification for call in by_id.values()}, set(choices) | requested)
    # Bidders in referral order; bidders with no live registration last, by card.
    ranked = sorted(choices, key=lambda card: (0, hall.order[card]) if card in hall.order else (1, card_key(card)))
    order = {card: number for number, card in enumerate((c for c in ranked if c in hall.order), start=1)}
    run = _Run(hall, by_id, choices, outcomes or {}, order)

    awarded: dict[str, Award] = {}
    for award in run.requested_awards():
        awarded[award.card] = award
    for card in ranked:
        for call_id, choice in sorted(choices[card].items(), key=lambda item: (item[1], item[0])):
            if card in awarded:
                run.note(call_id, card, choice, _awarded_text(awarded[card]))
            elif run.candidate_registration(card, call_id, choice) is None:
                continue
            elif run.open_left[call_id] <= 0:
                run.note(call_id, card, choice, f"call #{call_id} was full when reached")
            else:
                reg = run.eligible_registration(card, call_id, choice)
                if reg is not None:
                    awarded[card] = run.award(Award(call_id, card, reg.id, reg.book_id, choice))
    for call_id in by_id:
        run.note_requested_without_bid(call_id)
    return Selection(tuple(run.awards), dict(run.open_left), {call_id: run.rows(call_id) for call_id in by_id})


class _Run:
    """The bookkeeping of one selection: per-call contexts and facts (built once, lazily),
    the openings left, the awards, and the audit rows."""

    def __init__(self, hall: _Hall, calls: Mapping[int, JobCall], choices: Mapping[str, Mapping[int, int]],
                 outcomes: Mapping[int, Mapping[str, str]], order: Mapping[str, int]):
        self.hall = hall
        self.calls = calls
        self.choices = choices
        self.outcomes = outcomes
        self.order = order
        bidders: dict[int, set[str]] = {call_id: set() for call_id in calls}
        for card, mine in choices.items():
            for call_id in mine:
                bidders[call_id].add(card)
        self.bidders = {call_id: frozenset(cards) for call_id, cards in bidders.items()}
        self.open_left = {call_id: call.openings for call_id, call in calls.items()}
        self.awards: list[Award] = []
        self._contexts: dict[int, tuple[RankContext, object]] = {}
        self._rows: dict[int, dict[str, BidderRow]] = {call_id: {} for call_id in calls}

    def context(self, call_id: int) -> tuple[RankContext, object]:
        found = self._contexts.get(call_id)
        if found is None:
            call = self.calls[call_id]
            ctx = replace(self.hall.ctx, outcomes=self.outcomes.get(call_id, {}), bidders=self.bidders[call_id])
            found = self._contexts[call_id] = (ctx, call_facts(call, ctx))
        return found

    def candidate_registration(self, card: str, call_id: int, choice: int | None) -> Registration | None:
        """The registration the member is a candidate at for the call (their best placed of
        its classification); else None, with why noted in the call's rows."""
        call = self.calls[call_id]
        done = self.outcomes.get(call_id, {}).get(card)
        if done is not None:
            self.note(call_id, card, choice, f"already {done.replace('_', ' ')} on call #{call_id}")
            return None
        reg = self.hall.by_class.get((card, call.classification))
        if reg is None:
            self.note(call_id, card, choice, f"not waiting on a {call.classification} book")
            return None
        book = self.hall.books[reg.book_id]
        if book.assigned_by_jatc:
            self.note(call_id, card, choice, f"{book.id} is assigned by the apprenticeship committee")
            return None
        return reg

    def eligible_registration(self, card: str, call_id: int, choice: int | None) -> Registration | None:
        """The member's registration for the call when they are eligible for it; else None,
        with why noted in the call's rows (not a candidate, or the reasons passed over)."""
        reg = self.candidate_registration(card, call_id, choice)
        if reg is None:
            return None
        call = self.calls[call_id]
        book = self.hall.books[reg.book_id]
        ctx, facts = self.context(call_id)
        member = ctx.members.get(card)
        if member is None:
            raise ValueError(f"card {card} has a registration but no member record.")
        found = reasons_for(reg, member, book, call, ctx, facts)
        if found:
            self.note(call_id, card, choice, render_all(found), reasons=found)
            return None
        return reg

    def award(self, award: Award) -> Award:
        self.awards.append(award)
        self.open_left[award.call_id] -= 1
        self.note(award.call_id, award.card, award.choice, _awarded_text(award), awarded=True)
        return award

    def requested_awards(self) -> list[Award]:
        """First phase: each call's honoured requests to requested members who bid on it; a
        member honoured on several calls gets the one they chose first."""
        honoured: dict[str, list[tuple[int, int, Request, Registration]]] = {}
        for call_id, call in self.calls.items():
            requested = [r for r in honoured_order(distinct_requests(call.name_requests))
                         if call_id in self.choices.get(r.card, {})]
            fitting: list[tuple[Request, Registration]] = []
            for request in requested:
                reg = self.eligible_registration(request.card, call_id, self.choices[request.card][call_id])
                if reg is not None:
                    fitting.append((request, reg))
            if not fitting:
                continue
            ctx, _ = self.context(call_id)
            refused = request_refusals(replace(call, name_requests=tuple(r for r, _ in fitting)), ctx,
                                       {r.card for r, _ in fitting})
            for request, reg in fitting:
                choice = self.choices[request.card][call_id]
                if request.card in refused:
                    self.note(call_id, request.card, choice, refused[request.card])
                else:
                    honoured.setdefault(request.card, []).append((choice, call_id, request, reg))
        awards = []
        for card in sorted(honoured, key=lambda c: self.order.get(c, 0)):
            for choice, call_id, request, reg in sorted(honoured[card], key=lambda item: (item[0], item[1])):
                if self.open_left[call_id] <= 0:
                    self.note(call_id, card, choice, f"call #{call_id} was full when reached")
                    continue
                basis = BASIS_OF_REQUEST[request.kind]
                awards.append(self.award(Award(call_id, card, reg.id, reg.book_id, choice, basis, request.kind)))
                break
        return awards

    def note(self, call_id: int, card: str, choice: int | None, text: str, *, awarded: bool = False,
             reasons: tuple[Reason, ...] = ()) -> None:
        """Record a member's row on a call; a row saying the call was awarded to them stays."""
        rows = self._rows[call_id]
        earlier = rows.get(card)
        if earlier is not None and earlier.awarded:
            return
        member = self.hall.ctx.members.get(card)
        rows[card] = BidderRow(card, member.name if member is not None else "", choice, self.order.get(card),
                               awarded, text, reasons)

    def note_requested_without_bid(self, call_id: int) -> None:
        """A requested member who did not bid (and was not appointed already): "did not bid"."""
        done = self.outcomes.get(call_id, {})
        for request in distinct_requests(self.calls[call_id].name_requests):
            if call_id not in self.choices.get(request.card, {}) and request.card not in done:
                self.note(call_id, request.card, None, "did not bid")

    def rows(self, call_id: int) -> tuple[BidderRow, ...]:
        """The call's rows in referral order (requested members who did not bid last)."""
        return tuple(sorted(self._rows[call_id].values(),
                            key=lambda row: (row.order is None, row.order or 0, card_key(row.card))))
