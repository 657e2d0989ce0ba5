"""Job calls: take one (with name requests checked by the rules), cancel, amend."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from dispatch import calendar
from dispatch.bidding import posted_sentence, selection_for
from dispatch.calls import no_turndown_reason
from dispatch.model import FILLED, OPEN, JobCall, NameRequest
from dispatch.ranking import name_request_refusals
from dispatch.transitions import apply_referral_reversal
from hall import audit, load
from hall.errors import HallError
from hall.identity import Actor, STAFF, allowed
from hall.operations.common import (
    Receipt,
    check_card,
    check_text,
    parse_datetime_text,
    write_registration,
)
from hall.operations.employers import add_employer_in, employer_id

MAX_WORKERS = 500
MAX_DAYS = 3650


def _check_count(value, what: str, top: int) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise HallError(f"{str(value)[:20]!r} is not a number of {what}: give a whole number from 1 to {top}.") from None
    if not 1 <= number <= top:
        raise HallError(f"The number of {what} must be from 1 to {top}, not {number}.")
    return number


@allowed(STAFF, doing="take a job call")
def take_call(store, *, employer: str, classification: str, workers, start: str | datetime, days,
              actor: Actor, certs=(), requests=(), site: str = "", notes: str = "",
              add_employer: bool = False, hours=None, no_turndown: str = "", wage: str = "",
              by_phone: str | None = None) -> Receipt:
    """Take a job call an employer phoned in; refuses name requests the rules do not allow.

    (v2) ``hours``: the expected hours, when the employer gives them (short calls by hours);
    ``no_turndown``: why declines on this call never count as turndowns ("starts 05:00"). With
    ``bidding.enabled`` the call is posted for the next selection (members bid on it) unless
    ``by_phone`` gives why it must go down the list by phone now (an emergency).
    """
    workers = _check_count(workers, "workers", MAX_WORKERS)
    wage = check_text(wage, "wage", required=False, limit=40)
    if by_phone is not None:
        by_phone = check_text(by_phone, "reason for taking the call by phone")
    days = _check_count(days, "working days", MAX_DAYS)
    if hours is not None and str(hours).strip() != "":
        from hall.operations.hours import check_hours

        hours = check_hours(hours, "expected hours")
    else:
        hours = None
    no_turndown = check_text(no_turndown, "reason declines do not count", required=False, limit=100)
    site = check_text(site, "site", required=False)
    notes = check_text(notes, "notes", required=False, limit=500)
    cert_names: list[str] = []
    for cert in certs:
        name = check_text(cert, "certification name", limit=60)
        if name.casefold() not in {c.casefold() for c in cert_names}:
            cert_names.append(name)
    parsed_requests: list[NameRequest] = []
    for req in requests:
        card, reason = (req if isinstance(req, tuple) else (str(req).partition(":")[0], str(req).partition(":")[2]))
        card = check_card(card)
        reason = check_text(reason, f"reason for naming {card}")
        if any(r.card == card for r in parsed_requests):
            raise HallError(f"Card {card} is named twice on this call.")
        parsed_requests.append(NameRequest(card, reason))
    with store.write(actor) as tx:
        cls = (classification or "").strip().upper()
        if cls not in tx.rules.classifications:
            raise HallError(
                f"{classification[:20]!r} is not a classification of this hall: use one of "
                f"{', '.join(tx.rules.classifications)}."
            )
        if isinstance(start, str):
            start_at = parse_datetime_text(start, tx.rules, "start date and time")
        else:
            start_at = calendar.to_utc(start, tx.rules)
        name = check_text(employer, "employer name", limit=100)
        row = tx.db.execute("SELECT id, name FROM employers WHERE name = ? COLLATE NOCASE", [name]).fetchone()
        if row is None:
            if not add_employer:
                employer_id(tx.db, name)  # raises the sentence naming `hall employer add`
            emp_id, emp_name = add_employer_in(tx, name), name
        else:
            emp_id, emp_name = row
        draft = JobCall(0, emp_name, cls, workers, start_at, days, tuple(cert_names), tuple(parsed_requests),
                        expected_hours=hours, no_turndown=no_turndown)
        if parsed_requests:
            for req in parsed_requests:
                load.member(tx.db, req.card)  # unknown card: one sentence
            registrations = load.candidate_registrations(tx.db, draft, tx.rules, tx.now)
            ctx = load.rank_context(tx.db, draft, tx.rules, tx.now, registrations)
            refusals = name_request_refusals(draft, ctx, {r.card for r in registrations})
            if refusals:
                first_card = next(r.card for r in parsed_requests if r.card in refusals)
                raise HallError(f"Name request for {first_card} refused: {refusals[first_card].rstrip('.')}.")
        posted_for = None
        if by_phone is not None and not tx.rules.bidding.enabled:
            raise HallError("Bidding is off in this hall (bidding.enabled is false): every call is dispatched "
                            "by phone, so --by-phone is not needed.")
        if tx.rules.bidding.enabled and by_phone is None:
            posted_for = selection_for(tx.now, tx.rules)
        call_id = tx.insert("calls", {
            "employer_id": emp_id, "classification": cls, "workers": workers,
            "start_at": audit.iso(start_at), "duration_days": days, "site": site, "notes": notes,
            "status": OPEN, "taken_by": tx.actor, "taken_at": audit.iso(tx.now), "ruleset_id": tx.ruleset_id,
            "expected_hours": hours, "no_turndown": no_turndown,
            "wage": wage, "by_phone": by_phone or "",
            "posted_for": audit.iso(posted_for) if posted_for else None,
        })
        for cert in cert_names:
            tx.insert("call_certs", {"call_id": call_id, "cert": cert})
        for ordinal, req in enumerate(parsed_requests):
            tx.insert("name_requests", {"call_id": call_id, "card": req.card, "reason": req.reason,
                                        "ordinal": ordinal})
        entry = tx.record("call.taken", f"call:{call_id}", {
            "call": call_id, "employer": emp_name, "employer_id": emp_id, "class": cls, "workers": workers,
            "start": audit.iso(start_at), "days": days, "certs": cert_names,
            "requests": [{"card": r.card, "reason": r.reason} for r in parsed_requests],
            "site": site, "notes": notes, "hours": hours, "no_turndown": no_turndown,
            "wage": wage, "by_phone": by_phone or "",
            "posted_for": audit.iso(posted_for) if posted_for else None,
        })
        exempt = no_turndown_reason(replace(draft, id=call_id), tx.rules)
        message = f"Call #{call_id} taken: {emp_name}, {cls} ×{workers}"
        message += f"; declines don't count: {exempt}." if exempt else "."
        if posted_for is not None:
            posted = load.job_call(tx.db, call_id)
            message += f" It is {posted_sentence(posted, tx.rules, tx.now)}."
        elif by_phone:
            message += f" Dispatched by phone: {by_phone}."
        return Receipt.of(entry, message, call_id)


def _reverse_referrals(tx, call_id: int, kind: str) -> list[str]:
    cards = []
    for ref_id, card in tx.db.execute(
        "SELECT id, card FROM referrals WHERE call_id = ? AND status = 'active'", [call_id]
    ).fetchall():
        regs = load.registrations_of(tx.db, card, active_only=True)
        by_id = {r.id: r for r in regs}
        for new in apply_referral_reversal(tuple(regs), now=tx.now):
            write_registration(tx, by_id[new.id], new, f"referral {kind}")
        tx.update("referrals", ref_id, {"status": "reversed", "reversal": kind})
        cards.append(card)
    return cards


@allowed(STAFF, doing="cancel a call")
def cancel_call(store, call_id: int, reason: str, *, actor: Actor) -> Receipt:
    """Cancel a call; members already referred to it get their places back."""
    reason = check_text(reason, "reason")
    with store.write(actor) as tx:
        call = load.job_call(tx.db, int(call_id))
        if call.status == "cancelled":
            raise HallError(f"Call #{call.id} is already cancelled.")
        restored = _reverse_referrals(tx, call.id, "cancelled")
        tx.update("calls", call.id, {"status": "cancelled", "closed_at": audit.iso(tx.now),
                                     "cancel_reason": reason, "calling_card": None,
                                     "calling_by": None, "calling_since": None})
        entry = tx.record("call.cancelled", f"call:{call.id}", {
            "call": call.id, "reason": reason, "restored": restored, "status_before": call.status,
        })
        extra = f"; {len(restored)} referred member(s) keep their places" if restored else ""
        return Receipt.of(entry, f"Call #{call.id} cancelled{extra}.", call.id)


def update_fill_state(tx, call_id: int) -> str:
    """Set the call filled when it has as many accepted referrals as workers, open otherwise."""
    call = load.job_call(tx.db, call_id)
    if call.status == "cancelled":
        return call.status
    status = FILLED if call.accepted >= call.workers else OPEN
    if status != call.status:
        tx.update("calls", call_id, {"status": status,
                                     "closed_at": audit.iso(tx.now) if status == FILLED else None})
    return status
