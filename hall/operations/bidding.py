"""(v2) The morning dispatch: posting calls, bids, day-book sign-ins, and recording the selection.

referral-rules.md "The morning dispatch: posted calls, bids and selection (v2)". The rules
are in ``dispatch.bidding`` (the window, refusals, receipts), ``dispatch.daybook`` (which
day a sign-in counts for) and ``dispatch.selection`` (who is awarded what); these
operations read their inputs, write what they decide and audit it.

The selection is the hall's own work, like re-sign removals: ``record_selections`` runs
inside every write transaction before the operation (``Store.write``, next to
``record_lapsed``) and records each selection that has come, as of its moment, with actor
``system``; reads before that write see the same result (``Store.reading`` records it in a transaction
it rolls back, or, for the kiosk's read-only door, in an in-memory copy it throws away).
"""

from __future__ import annotations

from datetime import datetime

from dispatch import calendar
from dispatch.bidding import (
    bid_refusal,
    bid_sentence,
    default_choice,
    posted_sentence,
    selection_for,
    withdraw_refusal,
)
from dispatch.daybook import signin_day, signin_sentence
from dispatch.model import ACCEPTED, AWARD_DECLINED, DECLINED, FILLED, LIST_ORDER, OPEN
from dispatch.selection import Award, Selection, select
from dispatch.transitions import apply_award_declined, apply_outcome
from hall import audit, load
from hall.errors import HallError, NotFound
from hall.identity import STAFF, SYSTEM, Actor, allowed
from hall.operations.calls import update_fill_state
from hall.operations.common import Receipt, check_card, check_text, write_registration
from hall.queries import bidding as q

IN_PERSON, PHONE, KIOSK, WEB = "in_person", "phone", "kiosk", "web"
BID_CHANNELS = (IN_PERSON, PHONE, KIOSK, WEB)
"""How a bid or a day-book sign-in came in: at the window, by phone through staff, or the
member's own at the kiosk or from home."""


def check_channel(via: str | None) -> str:
    """A bid or sign-in channel as stored, or one sentence."""
    value = (via or IN_PERSON).strip().lower().replace(" ", "_").replace("-", "_")
    if value not in BID_CHANNELS:
        raise HallError(f"{str(via)[:20]!r} is not how a bid or sign-in comes in: use one of "
                        f"{', '.join(BID_CHANNELS)}.")
    return value


def _who(member) -> str:
    return f"{member.name} ({member.card})"


# --- posting ----------------------------------------------------------------------------------


@allowed(STAFF, doing="post a call for the morning selection")
def post_call(store, call_id: int, *, actor: Actor) -> Receipt:
    """Post an open call's unfilled openings for the next selection (bids open until its
    window closes); refused for a call already posted, filled, cancelled, or with bidding off."""
    with store.write(actor) as tx:
        call = load.job_call(tx.db, int(call_id))
        if not tx.rules.bidding.enabled:
            raise HallError("Bidding is off in this hall (bidding.enabled is false): calls are dispatched by phone.")
        if call.status != OPEN or call.openings == 0:
            state = "filled" if call.status in (OPEN, FILLED) else call.status
            raise HallError(f"Call #{call.id} is {state}: there is nothing to post.")
        if call.posted_for is not None and tx.now < call.posted_for:
            raise HallError(f"Call #{call.id} is already posted for the selection of "
                            f"{calendar.moment_text(call.posted_for, tx.rules, calendar.local_date(tx.now, tx.rules))}.")
        moment = selection_for(tx.now, tx.rules)
        tx.update("calls", call.id, {"posted_for": audit.iso(moment), "calling_card": None, "calling_by": None,
                                     "calling_since": None})
        posted = load.job_call(tx.db, call.id)
        message = f"Call #{call.id} ({call.employer}, {call.openings} opening(s)) is {posted_sentence(posted, tx.rules, tx.now)}."
        entry = tx.record("call.posted", f"call:{call.id}", {
            "call": call.id, "posted_for": audit.iso(moment), "openings": call.openings, "message": message,
        })
        return Receipt.of(entry, message, call.id)


# --- bids -------------------------------------------------------------------------------------


def _check_choice(choice) -> int | None:
    if choice is None or str(choice).strip() == "":
        return None
    try:
        return int(str(choice).strip())
    except ValueError:
        raise HallError(f"{str(choice)[:20]!r} is not a choice number: give a whole number (1 = most wanted).") from None


def _bid_in(tx, card: str, call_id: int, choice: int | None, via: str) -> Receipt:
    member = load.member(tx.db, card)
    call = load.job_call(tx.db, int(call_id))
    mine = q.open_bids_of(tx.db, card, tx.now)
    candidate = None
    if call.posted_for is not None:
        ranking, _ = load.ranking_through(tx.db, call, tx.rules, tx.now, card)
        candidate = ranking.find(card)
    refusal = bid_refusal(call, card, member_name=member.name, candidate=candidate, open_bids=mine,
                          choice=choice, now=tx.now, rules=tx.rules)
    if refusal:
        raise HallError(refusal)
    choice = default_choice(mine) if choice is None else choice
    bid_id = tx.insert("bids", {
        "call_id": call.id, "card": card, "choice": choice, "selection_at": audit.iso(call.posted_for),
        "at": audit.iso(tx.now), "via": via, "recorded_by": tx.actor, "audit_seq": tx.next_seq,
    })
    message = bid_sentence(call, card, member.name, choice, tx.now, tx.rules)
    entry = tx.record("bid.placed", f"call:{call.id}", {
        "call": call.id, "card": card, "bid": bid_id, "choice": choice, "via": via,
        "selection_at": audit.iso(call.posted_for), "message": message,
    })
    return Receipt.of(entry, message, bid_id)


def _withdraw_in(tx, card: str, call_id: int, via: str) -> Receipt:
    member = load.member(tx.db, card)
    call = load.job_call(tx.db, int(call_id))
    mine = q.open_bids_of(tx.db, card, tx.now)
    refusal = withdraw_refusal(call, card, member_name=member.name, open_bids=mine, now=tx.now, rules=tx.rules)
    if refusal:
        raise HallError(refusal)
    bid_id = q.bid_id(tx.db, card, call.id, call.posted_for)
    choice = next(b.choice for b in mine if b.call_id == call.id)
    tx.update("bids", bid_id, {"withdrawn_at": audit.iso(tx.now), "withdrawn_by": tx.actor})
    message = f"{_who(member)} withdrew the bid on call #{call.id} (choice {choice})."
    entry = tx.record("bid.withdrawn", f"call:{call.id}", {
        "call": call.id, "card": card, "bid": bid_id, "choice": choice, "via": via, "message": message,
    })
    return Receipt.of(entry, message, bid_id)


@allowed(STAFF, doing="take a member's bid")
def place_bid(store, card: str, call_id: int, *, actor: Actor, choice=None, via: str = IN_PERSON) -> Receipt:
    """Staff take a member's bid (at the window or by phone); the receipt says when bids close."""
    card = check_card(card)
    via = check_channel(via)
    choice = _check_choice(choice)
    with store.write(actor) as tx:
        return _bid_in(tx, card, call_id, choice, via)


@allowed(STAFF, doing="withdraw a member's bid")
def withdraw_bid(store, card: str, call_id: int, *, actor: Actor, via: str = IN_PERSON) -> Receipt:
    """Staff withdraw a member's bid at their request, until bids close."""
    card = check_card(card)
    via = check_channel(via)
    with store.write(actor) as tx:
        return _withdraw_in(tx, card, call_id, via)


# --- the day book -----------------------------------------------------------------------------


def _sign_in_in(tx, card: str, via: str) -> Receipt:
    member = load.member(tx.db, card)
    if not tx.rules.daybook.required:
        raise HallError("This hall keeps no day book (daybook.required is false): there is nothing to sign.")
    day = signin_day(tx.now, tx.rules)
    row = tx.db.execute("SELECT audit_seq FROM signins WHERE card = ? AND day = ?",
                        [card, day.isoformat()]).fetchone()
    if row is not None:
        shown = calendar.day_text(day, calendar.local_date(tx.now, tx.rules))
        raise HallError(f"{_who(member)} is already signed in for {shown} (receipt #{row[0]}).")
    signin_id = tx.insert("signins", {"card": card, "day": day.isoformat(), "at": audit.iso(tx.now), "via": via,
                                      "recorded_by": tx.actor, "audit_seq": tx.next_seq})
    message = signin_sentence(member.name, card, tx.now, tx.rules)
    entry = tx.record("member.signed_in", f"member:{card}", {
        "card": card, "day": day.isoformat(), "via": via, "signin": signin_id, "message": message,
    })
    return Receipt.of(entry, message, signin_id)


@allowed(STAFF, doing="sign a member in to the day book")
def sign_in(store, card: str, *, actor: Actor, via: str = IN_PERSON) -> Receipt:
    """Staff sign a member in to the day book (at the window or by phone); after the deadline it
    counts for the next business day, and the receipt says so."""
    card = check_card(card)
    via = check_channel(via)
    with store.write(actor) as tx:
        return _sign_in_in(tx, card, via)


# --- the selection ----------------------------------------------------------------------------


def compute_selection(db, moment: datetime, rules) -> tuple[q.SelectionInputs, Selection]:
    """The selection at ``moment`` from the database as it stands (nothing written)."""
    inputs = q.selection_inputs(db, moment, rules)
    result = select(inputs.calls, inputs.bids, inputs.registrations, inputs.ctx, outcomes=inputs.outcomes)
    return inputs, result


def record_selections(db, now: datetime, rules, ruleset_id) -> int:
    """Write the selections that have come (actor ``system``) inside the caller's transaction,
    each as of its moment with the rules in force then: one ``selection.award`` entry per award
    (a referral, with the call's bidders in order and each one's reason) and one
    ``selection.recorded`` entry per selection (every call's bidders and openings left).

    Called, like ``record_lapsed``, inside a write's ``BEGIN IMMEDIATE`` before the operation,
    so a refused operation rolls it back too. Returns the number of selections recorded.
    """
    from hall.store import Tx, rules_row_in_force, parse_rules_row

    moments = q.due_selections(db, now)
    for moment in moments:
        row = rules_row_in_force(db, moment)
        ruleset_at, rules_at = (row[0], parse_rules_row(row[1])) if row else (ruleset_id, rules)
        inputs, result = compute_selection(db, moment, rules_at)
        tx = Tx(db, moment, SYSTEM.text, rules_at, ruleset_at, who=SYSTEM)
        calls = {call.id: call for call in inputs.calls}
        bidders = {call_id: result.audit(call_id) for call_id in calls}  # once per call, not per award
        for award in result.awards:
            _record_award(tx, calls[award.call_id], award, result, bidders)
        summary = {}
        for call in inputs.calls:
            left = result.openings_left.get(call.id, call.openings)
            summary[str(call.id)] = {"openings": call.openings, "awarded": call.openings - left, "left": left,
                                     "bidders": bidders[call.id]}
        tx.insert("selections", {"at": audit.iso(moment), "recorded_at": audit.iso(now), "calls": len(calls),
                                 "awards": len(result.awards), "audit_seq": tx.next_seq})
        tx.record("selection.recorded", "selection", {
            "at": audit.iso(moment), "calls": summary, "awards": len(result.awards),
            "message": f"The selection of {calendar.moment_text(moment, rules_at)} awarded "
                       f"{len(result.awards)} opening(s) on {len(calls)} posted call(s).",
        })
    return len(moments)


def _record_award(tx, call, award: Award, result: Selection, bidders: dict[int, list[dict]]) -> None:
    """One award: the member's registrations as after an accepted offer, an offer row (outcome
    ``accepted``, the choice number) and a referral with its basis."""
    from hall.operations.offers import _leave_short_call

    member = load.member(tx.db, award.card)
    regs = load.registrations_of(tx.db, award.card, active_only=True)
    by_id = {r.id: r for r in regs}
    effect = apply_outcome(call, ACCEPTED, tuple(regs), award.registration_id, named=award.request is not None,
                           rules=tx.rules, now=tx.now, member_name=member.name, request=award.request)
    for new in effect.registrations:
        write_registration(tx, by_id.get(new.id), new, f"awarded call #{call.id} at the selection")
    row = next((r for r in result.rows.get(call.id, ()) if r.card == award.card), None)
    seq = tx.next_seq
    offer_id = tx.insert("offers", {
        "call_id": call.id, "card": award.card, "registration_id": award.registration_id, "book_id": award.book_id,
        "position": row.order if row is not None else None, "outcome": ACCEPTED,
        "named": int(award.request is not None), "turndown_counted": 0,
        "note": f"awarded at the selection, their choice {award.choice}", "at": audit.iso(tx.now),
        "recorded_by": tx.actor, "audit_seq": seq, "award_choice": award.choice,
    })
    left = _leave_short_call(tx, call, award.card, member.name)
    employer_id = tx.db.execute("SELECT employer_id FROM calls WHERE id = ?", [call.id]).fetchone()[0]
    tx.insert("referrals", {
        "call_id": call.id, "card": award.card, "offer_id": offer_id, "employer_id": employer_id,
        "basis": award.basis or LIST_ORDER, "short_call": int(effect.short_call), "at": audit.iso(tx.now),
        "recorded_by": tx.actor, "status": "active", "audit_seq": seq,
    })
    status = update_fill_state(tx, call.id)
    data = {
        "call": call.id, "card": award.card, "choice": award.choice, "basis": award.basis,
        "request": award.request, "offer": offer_id, "book": award.book_id, "short_call": effect.short_call,
        "call_status": status, "selection_at": audit.iso(tx.now),
        "message": f"{_who(member)} was awarded call #{call.id} ({call.employer}), their choice {award.choice}.",
        "registrations": [load.registration_values(r) | {"id": r.id} for r in effect.registrations],
        "bidders": bidders[call.id],
    }
    if left is not None:
        data["left_short_call"] = left
    tx.record("selection.award", f"call:{call.id}", data)


# --- an award refused ---------------------------------------------------------------------------


@allowed(STAFF, doing="record an award refused")
def award_declined(store, call_id: int, card: str, *, actor: Actor, note: str = "") -> Receipt:
    """An awarded member refuses the call: a turndown as the rules count it; their places come back
    at their original ``registered_at`` and the opening returns to the call (phoned down the list)."""
    card = check_card(card)
    note = check_text(note, "note", required=False)
    with store.write(actor) as tx:
        member = load.member(tx.db, card)
        call = load.job_call(tx.db, int(call_id))
        row = tx.db.execute(
            "SELECT r.id, o.registration_id, o.named FROM referrals r JOIN offers o ON o.id = r.offer_id"
            " WHERE r.call_id = ? AND r.card = ? AND r.status = 'active' AND o.award_choice IS NOT NULL",
            [call.id, card]).fetchone()
        if row is None:
            raise NotFound(f"{_who(member)} holds no award of call #{call.id} from a selection: "
                           "a referral by phone is declined with `hall offer`, or reported with `hall referral`.")
        ref_id, reg_id, named = row
        regs = load.registrations_of(tx.db, card, active_only=True)
        by_id = {r.id: r for r in regs}
        if reg_id not in by_id:
            reg_id = next(iter(by_id), None)
        if reg_id is None:
            raise HallError(f"{_who(member)} has no registration left to return to.")
        effect = apply_award_declined(call, tuple(regs), reg_id, rules=tx.rules, now=tx.now, member_name=member.name,
                                      request="name" if named else None)
        for new in effect.registrations:
            write_registration(tx, by_id.get(new.id), new, f"award of call #{call.id} declined")
            if tx.rules.ordering.policy == "low_hours" and effect.turndown_counted and new.id == reg_id:
                tx.insert("hours", {"registration_id": new.id, "at": audit.iso(tx.now),
                                    "hours": tx.rules.ordering.turndown_penalty_hours, "kind": "penalty"})
        tx.update("referrals", ref_id, {"status": "reversed", "reversal": AWARD_DECLINED, "reversal_note": note})
        # The member's outcome on the call is now a refusal (the newest offer row is the one in force).
        award = tx.db.execute("SELECT book_id, position FROM offers WHERE id = (SELECT offer_id FROM referrals"
                              " WHERE id = ?)", [ref_id]).fetchone()
        tx.insert("offers", {
            "call_id": call.id, "card": card, "registration_id": reg_id, "book_id": award[0], "position": award[1],
            "outcome": DECLINED, "named": int(bool(named)), "turndown_counted": int(effect.turndown_counted),
            "note": ("award declined: " + note) if note else "award declined", "at": audit.iso(tx.now),
            "recorded_by": tx.actor, "audit_seq": tx.next_seq,
        })
        status = update_fill_state(tx, call.id)
        entry = tx.record("referral.award_declined", f"call:{call.id}", {
            "call": call.id, "card": card, "referral": ref_id, "outcome": AWARD_DECLINED, "note": note,
            "turndown_counted": effect.turndown_counted, "call_status": status, "message": effect.message,
            "registrations": [load.registration_values(r) | {"id": r.id} for r in effect.registrations],
        })
        return Receipt.of(entry, effect.message, ref_id)


__all__ = [
    "BID_CHANNELS", "post_call", "place_bid", "withdraw_bid", "sign_in", "compute_selection",
    "record_selections", "award_declined",
]
