"""Offers: recording an outcome in strict list order, with the ranking snapshot."""

from __future__ import annotations

from dispatch.model import ACCEPTED, LIST_ORDER, NAME_REQUEST, OUTCOMES
from dispatch.ranking import offer_refusal, snapshot
from dispatch.transitions import apply_outcome, describe_outcome
from hall import audit, load
from hall.errors import HallError
from hall.operations.calls import update_fill_state
from hall.operations.common import Receipt, check_card, check_text, write_registration

SCREEN_MARGIN = 60


def check_outcome(outcome: str) -> str:
    value = (outcome or "").strip().lower().replace("-", "_").replace(" ", "_")
    if value not in OUTCOMES:
        raise HallError(f"{outcome[:30]!r} is not an outcome: use one of {', '.join(OUTCOMES)}.")
    return value


def ranking_through(db, call, rules, now, card: str | None = None):
    """The call's ranking far enough to include ``card`` (a screenful past the call's needs)."""
    outcomes = load.call_outcomes(db, call.id)
    limit = len(outcomes) + call.workers + SCREEN_MARGIN
    ranking, ctx = load.rank_call(db, call, rules, now, limit=limit)
    if card is not None and ranking.truncated and ranking.find(card) is None:
        ranking, ctx = load.rank_call(db, call, rules, now)
    return ranking, ctx


def _open_call(db, call_id: int):
    call = load.job_call(db, int(call_id))
    if call.status == "filled":
        raise HallError(f"Call #{call.id} is filled ({call.accepted} of {call.workers}): no more offers.")
    if call.status == "cancelled":
        raise HallError(f"Call #{call.id} was cancelled: no more offers.")
    return call


def refuse_if_another_is_calling(db, call, actor: str, now, rules) -> None:
    """Someone else marked a candidate of this call as being phoned, and the mark still holds."""
    row = db.execute("SELECT calling_card, calling_by, calling_since FROM calls WHERE id = ?", [call.id]).fetchone()
    if row and row[0] and row[1] != actor:
        since = load.parse_time(row[2])
        if since and (now - since).total_seconds() < rules.offers.calling_minutes * 60:
            raise HallError(f"{row[1]} is calling card {row[0]} on call #{call.id}: wait for that outcome.")


def preview_offer(store, call_id: int, card: str, outcome: str, *, actor: str | None = None) -> str:
    """The sentence a dispatcher confirms before recording: what the rules will record. With
    ``actor``, refused (as the recording would be) while someone else is calling on the call."""
    card = check_card(card)
    outcome = check_outcome(outcome)
    with store.read() as db:
        now = store.now()
        _, rules = store.rules(db, now)
        call = _open_call(db, call_id)
        if actor is not None:
            refuse_if_another_is_calling(db, call, actor, now, rules)
        ranking, _ = ranking_through(db, call, rules, now, card)
        refusal = offer_refusal(ranking, card)
        if refusal:
            raise HallError(refusal)
        cand = ranking.find(card)
        reg = next(r for r in load.registrations_of(db, card) if r.id == cand.registration_id)
        return describe_outcome(call, outcome, reg, named=cand.name_request, rules=rules, member_name=cand.name)


def record_offer(store, call_id: int, card: str, outcome: str, *, actor: str, note: str = "") -> Receipt:
    """Record one offer's outcome; only the next candidate in ranked order may be offered."""
    card = check_card(card)
    outcome = check_outcome(outcome)
    note = check_text(note, "note", required=False)
    with store.write(actor) as tx:
        call = _open_call(tx.db, call_id)
        calling = tx.db.execute(
            "SELECT calling_card, calling_by, calling_since FROM calls WHERE id = ?", [call.id]
        ).fetchone()
        if calling and calling[0] and calling[1] != tx.actor:
            since = load.parse_time(calling[2])
            if since and (tx.now - since).total_seconds() < tx.rules.offers.calling_minutes * 60:
                raise HallError(
                    f"{calling[1]} is calling card {calling[0]} on call #{call.id}: wait for that outcome."
                )
        ranking, _ = ranking_through(tx.db, call, tx.rules, tx.now, card)
        refusal = offer_refusal(ranking, card)
        if refusal:
            raise HallError(refusal)
        cand = ranking.find(card)
        regs = load.registrations_of(tx.db, card, active_only=True)
        by_id = {r.id: r for r in regs}
        effect = apply_outcome(call, outcome, tuple(regs), cand.registration_id,
                               named=cand.name_request, rules=tx.rules, now=tx.now, member_name=cand.name)
        for new in effect.registrations:
            write_registration(tx, by_id.get(new.id), new, f"{outcome} on call #{call.id}")
            if tx.rules.ordering.policy == "low_hours" and effect.turndown_counted:
                tx.db["hours"].insert({"registration_id": new.id, "at": audit.iso(tx.now),
                                       "hours": tx.rules.ordering.turndown_penalty_hours, "kind": "penalty"})
        seq = audit.head(tx.db)[0] + 1
        offer_id = tx.db["offers"].insert({
            "call_id": call.id, "card": card, "registration_id": cand.registration_id,
            "book_id": cand.book_id, "position": cand.position, "outcome": outcome,
            "named": int(cand.name_request), "turndown_counted": int(effect.turndown_counted),
            "note": note, "at": audit.iso(tx.now), "recorded_by": tx.actor, "audit_seq": seq,
        }).last_pk
        basis = None
        if effect.referral:
            basis = NAME_REQUEST if cand.name_request else LIST_ORDER
            tx.db["referrals"].insert({
                "call_id": call.id, "card": card, "offer_id": offer_id,
                "employer_id": tx.db.execute("SELECT employer_id FROM calls WHERE id = ?", [call.id]).fetchone()[0],
                "basis": basis, "short_call": int(effect.short_call), "at": audit.iso(tx.now),
                "recorded_by": tx.actor, "status": "active", "audit_seq": seq,
            })
        tx.db.execute("UPDATE calls SET calling_card = NULL, calling_by = NULL, calling_since = NULL"
                      " WHERE id = ?", [call.id])
        status = update_fill_state(tx, call.id)
        entry = tx.record("offer.recorded", f"call:{call.id}", {
            "call": call.id, "card": card, "outcome": outcome, "note": note, "offer": offer_id,
            "book": cand.book_id, "position": cand.position, "named": cand.name_request,
            "turndown_counted": effect.turndown_counted, "basis": basis, "short_call": effect.short_call,
            "call_status": status, "message": effect.message,
            "registrations": [load.registration_values(r) | {"id": r.id} for r in effect.registrations],
            "snapshot": snapshot(ranking, card),
        })
        message = effect.message
        if status == "filled":
            message += f" Call #{call.id} is filled."
        return Receipt.of(entry, message, offer_id)


def mark_calling(store, call_id: int, card: str, *, actor: str) -> Receipt:
    """Mark the next candidate as being phoned now; other terminals wait for the outcome."""
    card = check_card(card)
    with store.write(actor) as tx:
        call = _open_call(tx.db, call_id)
        row = tx.db.execute("SELECT calling_card, calling_by, calling_since FROM calls WHERE id = ?",
                            [call.id]).fetchone()
        if row[0] and row[1] != tx.actor:
            since = load.parse_time(row[2])
            if since and (tx.now - since).total_seconds() < tx.rules.offers.calling_minutes * 60:
                raise HallError(f"{row[1]} is already calling card {row[0]} on call #{call.id}.")
        ranking, _ = ranking_through(tx.db, call, tx.rules, tx.now, card)
        refusal = offer_refusal(ranking, card)
        if refusal:
            raise HallError(refusal)
        tx.db["calls"].update(call.id, {"calling_card": card, "calling_by": tx.actor,
                                        "calling_since": audit.iso(tx.now)})
        entry = tx.record("offer.calling", f"call:{call.id}", {"call": call.id, "card": card})
        name = ranking.find(card).name
        return Receipt.of(entry, f"Calling {name} ({card}) for call #{call.id}.")
