"""Offers: recording an outcome in strict list order, with the ranking snapshot."""

from __future__ import annotations

from dispatch import calendar
from dispatch.calls import is_short_call
from dispatch.model import ACCEPTED, LEFT_FOR_REGULAR_CALL, LIST_ORDER, NAME_REQUEST, OUTCOMES
from dispatch.ranking import offer_refusal, snapshot
from dispatch.transitions import apply_outcome, apply_unavailable_turndown, describe_outcome
from dispatch.turndowns import counted_today, unavailable_turndowns
from hall import audit, load
from hall.errors import HallError
from hall.identity import Actor, STAFF, allowed
from hall.operations.calls import update_fill_state
from hall.operations.common import Receipt, check_card, check_text, write_registration
from hall.operations.hours import record_penalty

def check_outcome(outcome: str) -> str:
    value = (outcome or "").strip().lower().replace("-", "_").replace(" ", "_")
    if value not in OUTCOMES:
        raise HallError(f"{outcome[:30]!r} is not an outcome: use one of {', '.join(OUTCOMES)}.")
    return value


def _open_call(db, call_id: int):
    call = load.job_call(db, int(call_id))
    if call.status == "filled":
        raise HallError(f"Call #{call.id} is filled ({call.accepted} of {call.workers}): no more offers.")
    if call.status == "cancelled":
        raise HallError(f"Call #{call.id} was cancelled: no more offers.")
    return call


def refuse_if_posted(call, now, rules) -> None:
    """(v2) A call posted for bids is not offered by phone before its selection."""
    if call.posted_for is not None and now < call.posted_for:
        raise HallError(f"Call #{call.id} is posted for bids: its openings are awarded at the selection of "
                        f"{calendar.moment_text(call.posted_for, rules, calendar.local_date(now, rules))}; "
                        "offer the openings left by phone after that.")


def refuse_if_another_is_calling(db, call, actor: str, now, rules) -> None:
    """Someone else marked a candidate of this call as being phoned, and the mark still holds."""
    row = db.execute("SELECT calling_card, calling_by, calling_since FROM calls WHERE id = ?", [call.id]).fetchone()
    if row and row[0] and row[1] != actor:
        since = load.parse_time(row[2])
        if since and (now - since).total_seconds() < rules.offers.calling_minutes * 60:
            raise HallError(f"{row[1]} is calling card {row[0]} on call #{call.id}: wait for that outcome.")


def preview_offer(store, call_id: int, card: str, outcome: str, *, actor: Actor | None = None) -> str:
    """The sentence a dispatcher confirms before recording: what the rules will record. With
    ``actor``, refused (as the recording would be) while someone else is calling on the call."""
    card = check_card(card)
    outcome = check_outcome(outcome)
    with store.reading() as read:
        call = _open_call(read.db, call_id)
        refuse_if_posted(call, read.now, read.rules)
        if actor is not None:
            refuse_if_another_is_calling(read.db, call, actor.text, read.now, read.rules)
        ranking, _ = load.ranking_through(read.db, call, read.rules, read.now, card)
        refusal = offer_refusal(ranking, card)
        if refusal:
            raise HallError(refusal)
        cand = ranking.find(card)
        reg = next(r for r in load.registrations_of(read.db, card) if r.id == cand.registration_id)
        today_count, excused = turndown_facts(read.db, read.rules, read.now, card, reg.id, call)
        sentence = describe_outcome(call, outcome, reg, named=cand.name_request, rules=read.rules,
                                    member_name=cand.name, turndowns_today=today_count, excused=excused,
                                    request=cand.request)
        held = load.active_referral(read.db, card)
        if outcome == ACCEPTED and held is not None and held[2]:
            left = load.job_call(read.db, held[1])
            sentence += f" The short call for {left.employer} (#{left.id}) ends: {LEFT_FOR_REGULAR_CALL}."
        return sentence


@allowed(STAFF, doing="record an offer")
def record_offer(store, call_id: int, card: str, outcome: str, *, actor: Actor, note: str = "") -> Receipt:
    """Record one offer's outcome; only the next candidate in ranked order may be offered."""
    card = check_card(card)
    outcome = check_outcome(outcome)
    note = check_text(note, "note", required=False)
    with store.write(actor) as tx:
        call = _open_call(tx.db, call_id)
        refuse_if_posted(call, tx.now, tx.rules)
        refuse_if_another_is_calling(tx.db, call, tx.actor, tx.now, tx.rules)
        ranking, _ = load.ranking_through(tx.db, call, tx.rules, tx.now, card)
        refusal = offer_refusal(ranking, card)
        if refusal:
            raise HallError(refusal)
        cand = ranking.find(card)
        regs = load.registrations_of(tx.db, card, active_only=True)
        by_id = {r.id: r for r in regs}
        today_count, excused = turndown_facts(tx.db, tx.rules, tx.now, card, cand.registration_id, call)
        effect = apply_outcome(call, outcome, tuple(regs), cand.registration_id,
                               named=cand.name_request, rules=tx.rules, now=tx.now, member_name=cand.name,
                               turndowns_today=today_count, excused=excused, request=cand.request)
        for new in effect.registrations:
            write_registration(tx, by_id.get(new.id), new, f"{outcome} on call #{call.id}")
        record_penalty(tx, card, effect.penalty_hours)
        seq = tx.next_seq
        offer_id = tx.insert("offers", {
            "call_id": call.id, "card": card, "registration_id": cand.registration_id,
            "book_id": cand.book_id, "position": cand.position, "outcome": outcome,
            "named": int(cand.name_request), "turndown_counted": int(effect.turndown_counted),
            "note": note, "at": audit.iso(tx.now), "recorded_by": tx.actor, "audit_seq": seq,
        })
        basis = None
        left = None
        if effect.referral:
            left = _leave_short_call(tx, call, card, cand.name)
            basis = NAME_REQUEST if cand.name_request else LIST_ORDER
            tx.insert("referrals", {
                "call_id": call.id, "card": card, "offer_id": offer_id,
                "employer_id": tx.db.execute("SELECT employer_id FROM calls WHERE id = ?", [call.id]).fetchone()[0],
                "basis": basis, "short_call": int(effect.short_call), "at": audit.iso(tx.now),
                "recorded_by": tx.actor, "status": "active", "audit_seq": seq,
            })
        charged = _charge_unavailable(tx, ranking, call, card) if effect.referral else []
        tx.update("calls", call.id, {"calling_card": None, "calling_by": None, "calling_since": None})
        status = update_fill_state(tx, call.id)
        if outcome in PHONED_OUTCOMES:
            _tell_phoned(tx, call, cand, outcome, offer_id, effect)
        data = {
            "call": call.id, "card": card, "outcome": outcome, "note": note, "offer": offer_id,
            "book": cand.book_id, "position": cand.position, "named": cand.name_request,
            "turndown_counted": effect.turndown_counted, "basis": basis, "short_call": effect.short_call,
            "call_status": status, "message": effect.message,
            "registrations": [load.registration_values(r) | {"id": r.id} for r in effect.registrations],
            "snapshot": snapshot(ranking, card),
        }
        if left is not None:
            data["left_short_call"] = left
        if charged:
            data["unavailable_turndowns"] = charged
        if call.no_turndown:
            data["no_turndown"] = call.no_turndown
        entry = tx.record("offer.recorded", f"call:{call.id}", data)
        message = effect.message
        for each in charged:
            message += f" {each['message']}"
        if left is not None:
            message += f" The short call for {left['employer']} (#{left['call']}) ends: {LEFT_FOR_REGULAR_CALL}."
        if status == "filled":
            message += f" Call #{call.id} is filled."
        return Receipt.of(entry, message, offer_id)


def turndown_facts(db, rules, now, card: str, registration_id: int, call) -> tuple[int, bool]:
    """(v2) What the turndown rules need about one member now: turndowns already counted on the
    registration on the hall's day of ``now`` (``turndowns.max_per_day``), and whether an excused
    absence covers today or the call's start (an excused member is never charged)."""
    since = audit.iso(calendar.start_of_day(calendar.local_date(now, rules), rules))
    moments = [load.parse_time(at) for (at,) in db.execute(
        "SELECT at FROM offers WHERE registration_id = ? AND turndown_counted = 1 AND superseded_by IS NULL"
        " AND at >= ? UNION ALL SELECT at FROM turndown_charges WHERE registration_id = ? AND counted = 1"
        " AND at >= ?", [registration_id, since, registration_id, since])]
    days = {calendar.local_date(now, rules), calendar.local_date(call.start, rules)}
    absences = load.excused_absences(db, [card]).get(card, ())
    excused = any(absence.covers(day) for absence in absences for day in days)
    return counted_today(moments, now, rules), excused


def _charge_unavailable(tx, ranking, call, accepted_card: str) -> list[dict]:
    """(v2) ``turndowns.unavailable_is_turndown``: one turndown (subject to the daily limit) for each
    member passed over as unavailable above the one who accepted; each charge is recorded."""
    already = {card for (card,) in tx.db.execute("SELECT card FROM turndown_charges WHERE call_id = ?", [call.id])}
    charged = []
    for cand in unavailable_turndowns(ranking, accepted_card, call, tx.rules, already):
        regs = load.registrations_of(tx.db, cand.card, active_only=True)
        reg = next((r for r in regs if r.id == cand.registration_id), None)
        if reg is None:
            continue
        today_count, _ = turndown_facts(tx.db, tx.rules, tx.now, cand.card, reg.id, call)
        effect = apply_unavailable_turndown(call, reg, rules=tx.rules, turndowns_today=today_count,
                                            member_name=cand.name)
        for new in effect.registrations:
            write_registration(tx, reg, new, f"unavailable on call #{call.id}")
        record_penalty(tx, cand.card, effect.penalty_hours)
        tx.insert("turndown_charges", {
            "call_id": call.id, "card": cand.card, "registration_id": reg.id, "at": audit.iso(tx.now),
            "counted": int(effect.turndown_counted), "why_not": "" if effect.turndown_counted else effect.message,
        })
        charged.append({"card": cand.card, "registration": reg.id, "counted": effect.turndown_counted,
                        "message": effect.message})
    return charged


PHONED_OUTCOMES = ("no_answer", "declined")
"""Outcomes of the hall phoning a member that the member is told of (if they asked)."""


def _tell_phoned(tx, call, cand, outcome: str, offer_id: int, effect) -> None:
    """The notice of a phone call that reached no one, or was declined, in the offer's transaction."""
    from dispatch import calendar
    from dispatch.model import REMOVED
    from hall.notices import messages
    from hall.notices.outbox import PHONED, queue, wants

    if not wants(tx.db, cand.card):
        return
    turndown = None
    offered = next((r for r in effect.registrations if r.id == cand.registration_id), None)
    if effect.turndown_counted and offered is not None:
        turndown = (offered.turndowns, tx.rules.turndowns.limit,
                    offered.book_id if offered.status == REMOVED else None)
    notice = messages.phoned(cand.name, cand.card, call.id, call.employer, call.start, outcome, turndown,
                             tx.rules, calendar.local_date(tx.now, tx.rules), tx.now)
    queue(tx, cand.card, PHONED, f"offer:{offer_id}", notice)


def _leave_short_call(tx, call, card: str, name: str) -> dict | None:
    """Before a new referral: end the short call the member is working when they accept a regular
    call (``short_calls.offer_regular_calls``), recorded as "left for a regular call". A member
    never holds two referrals in force: any other referral in force refuses the acceptance."""
    held = load.active_referral(tx.db, card)
    if held is None:
        return None
    ref_id, held_call, short, _ = held
    if not (short and tx.rules.short_calls.offer_regular_calls and not is_short_call(call, tx.rules)):
        kind = "a short call" if short else "a regular call"
        raise HallError(f"{name} ({card}) is working {kind} (#{held_call}): a member holds one referral at a time.")
    tx.update("referrals", ref_id, {"status": "ended", "reversal": LEFT_FOR_REGULAR_CALL})
    employer = load.job_call(tx.db, held_call).employer
    return {"referral": ref_id, "call": held_call, "employer": employer, "why": LEFT_FOR_REGULAR_CALL}


@allowed(STAFF, doing="mark a member as being called")
def mark_calling(store, call_id: int, card: str, *, actor: Actor) -> Receipt:
    """Mark the next candidate as being phoned now; other terminals wait for the outcome."""
    card = check_card(card)
    with store.write(actor) as tx:
        call = _open_call(tx.db, call_id)
        refuse_if_posted(call, tx.now, tx.rules)
        row = tx.db.execute("SELECT calling_card, calling_by, calling_since FROM calls WHERE id = ?",
                            [call.id]).fetchone()
        if row[0] and row[1] != tx.actor:
            since = load.parse_time(row[2])
            if since and (tx.now - since).total_seconds() < tx.rules.offers.calling_minutes * 60:
                raise HallError(f"{row[1]} is already calling card {row[0]} on call #{call.id}.")
        ranking, _ = load.ranking_through(tx.db, call, tx.rules, tx.now, card)
        refusal = offer_refusal(ranking, card)
        if refusal:
            raise HallError(refusal)
        tx.update("calls", call.id, {"calling_card": card, "calling_by": tx.actor,
                                     "calling_since": audit.iso(tx.now)})
        entry = tx.record("offer.calling", f"call:{call.id}", {"call": call.id, "card": card})
        name = ranking.find(card).name
        return Receipt.of(entry, f"Calling {name} ({card}) for call #{call.id}.")
