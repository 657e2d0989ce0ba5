"""Corrections and appeals (admin): reverse an outcome, restore a place, grant a remedy referral.

Each cites an authority (an appeal number or a ruling) and a reason, and is
written as new records and a new audit entry: nothing recorded earlier changes.
"""

from __future__ import annotations

from dataclasses import replace

from dispatch.calls import expected_end
from dispatch.model import (
    ACCEPTED,
    DISPATCHED,
    ON_SHORT_CALL,
    REMEDY,
    REMOVED,
    WAITING,
    Registration,
    ShortCallHold,
)
from dispatch.transitions import apply_outcome
from hall import audit, load
from hall.errors import HallError, NotFound
from hall.identity import ADMIN, Actor, allowed
from hall.operations.calls import update_fill_state
from hall.operations.common import Receipt, check_card, check_text, write_registration


def _correction_row(tx, kind: str, card: str, authority: str, reason: str, **ids) -> int:
    return tx.insert("corrections", {
        "kind": kind, "card": card, "authority": authority, "reason": reason, "at": audit.iso(tx.now),
        "recorded_by": tx.actor, "audit_seq": tx.next_seq,
        "call_id": ids.get("call_id"), "offer_id": ids.get("offer_id"),
        "registration_id": ids.get("registration_id"),
    })


def _check_citation(authority: str, reason: str) -> tuple[str, str]:
    return check_text(authority, "authority (appeal number or ruling)"), check_text(reason, "reason")


@allowed(ADMIN, doing="correct a recorded outcome")
def reverse_outcome(store, call_id: int, card: str, *, actor: Actor, authority: str, reason: str) -> Receipt:
    """Set aside a recorded outcome: its turndown no longer counts (a roll-off it caused is undone),
    an accepted referral is reversed, and the member may be offered on the call again."""
    card = check_card(card)
    authority, reason = _check_citation(authority, reason)
    with store.write(actor) as tx:
        member = load.member(tx.db, card)
        call = load.job_call(tx.db, int(call_id))
        row = tx.db.execute(
            "SELECT id, outcome, registration_id, turndown_counted FROM offers"
            " WHERE call_id = ? AND card = ? AND superseded_by IS NULL ORDER BY id DESC LIMIT 1",
            [call.id, card],
        ).fetchone()
        if row is None:
            raise NotFound(f"No outcome is recorded for {member.name} ({card}) on call #{call.id}.")
        offer_id, outcome, reg_id, turndown_counted = row
        changed = []
        regs = {r.id: r for r in load.registrations_of(tx.db, card)}
        reg = regs.get(reg_id)
        if turndown_counted and reg is not None:
            if reg.status == REMOVED and reg.removed_reason.startswith("rolled off"):
                new = replace(reg, status=WAITING, turndowns=max(reg.turndowns - 1, 0), removed_reason="",
                              last_signed_at=tx.now)
                held = load.active_referral(tx.db, card)
                if held is not None:
                    new = _held_like_the_others(tx, new, list(regs.values()), held)
            else:
                new = replace(reg, turndowns=max(reg.turndowns - 1, 0))
            write_registration(tx, reg, new, "correction: turndown set aside")
            changed.append(new)
        if outcome == ACCEPTED:
            ref = tx.db.execute("SELECT id FROM referrals WHERE offer_id = ? AND status = 'active'",
                                [offer_id]).fetchone()
            if ref is None:
                raise HallError(
                    "The referral from that offer has already ended; record a remedy or restore the place instead."
                )
            for held in regs.values():
                if held.status in (DISPATCHED, ON_SHORT_CALL):
                    new = replace(held, status=WAITING, short_call=None, last_signed_at=tx.now)
                    write_registration(tx, held, new, "correction: referral reversed")
                    changed.append(new)
            tx.update("referrals", ref[0], {"status": "reversed", "reversal": "correction"})
        correction_id = _correction_row(tx, "outcome", card, authority, reason, call_id=call.id, offer_id=offer_id)
        tx.update("offers", offer_id, {"superseded_by": correction_id})
        status = update_fill_state(tx, call.id)
        entry = tx.record("correction.outcome", f"call:{call.id}", {
            "call": call.id, "card": card, "offer": offer_id, "outcome_set_aside": outcome,
            "authority": authority, "reason": reason, "correction": correction_id, "call_status": status,
            "registrations": [load.registration_values(r) | {"id": r.id} for r in changed],
        })
        return Receipt.of(entry, f"The {outcome.replace('_', ' ')} recorded for {member.name} on call #{call.id}"
                                 f" is set aside ({authority}).", correction_id)


@allowed(ADMIN, doing="restore a member's place")
def restore_place(store, card: str, book_id: str, *, actor: Actor, authority: str, reason: str) -> Receipt:
    """Put a removed registration back on its book at its original ``registered_at``."""
    card = check_card(card)
    authority, reason = _check_citation(authority, reason)
    with store.write(actor) as tx:
        member = load.member(tx.db, card)
        book = tx.rules.book(book_id or "")
        if book is None:
            raise NotFound(f"There is no book {book_id!r}.")
        regs = load.registrations_of(tx.db, card)
        if any(r.book_id == book.id and r.status != REMOVED for r in regs):
            raise HallError(f"{member.name} ({card}) is already on {book.id}: nothing to restore.")
        removed = [r for r in regs if r.book_id == book.id and r.status == REMOVED]
        if not removed:
            raise NotFound(f"{member.name} ({card}) has no removed registration on {book.id}.")
        reg = removed[-1]
        new = replace(reg, status=WAITING, removed_reason="", last_signed_at=tx.now, turndowns=0)
        held = load.active_referral(tx.db, card)
        working = ""
        if held is not None:
            # Working a call: the place comes back held, as the member's other places are while
            # they work, so they are never offered a second job (one referral in force).
            new = _held_like_the_others(tx, new, regs, held)
            working = f", held while {member.name} works call #{held[1]}"
        write_registration(tx, reg, new, "correction: place restored")
        correction_id = _correction_row(tx, "restore", card, authority, reason, registration_id=reg.id)
        entry = tx.record("correction.restore", f"member:{card}", {
            "card": card, "book": book.id, "registration": reg.id, "registered_at": audit.iso(reg.registered_at),
            "removed_reason": reg.removed_reason, "authority": authority, "reason": reason,
            "correction": correction_id,
        })
        return Receipt.of(entry, f"{member.name} is back on {book.id} at the original place{working} ({authority}).",
                          correction_id)


def _held_like_the_others(tx, reg: Registration, regs: list[Registration], held) -> Registration:
    """A restored registration in the state a referral in force gives every place of its member:
    dispatched for a regular call, on the short call (with its hold) for a short one."""
    _, call_id, short, _ = held
    if not short:
        return replace(reg, status=DISPATCHED, short_call=None)
    hold = next((r.short_call for r in regs if r.status == ON_SHORT_CALL and r.short_call is not None), None)
    if hold is None:
        call = load.job_call(tx.db, call_id)
        hold = ShortCallHold(employer=call.employer, until=expected_end(call, tx.rules), call_id=call.id)
    return replace(reg, status=ON_SHORT_CALL, short_call=hold)


@allowed(ADMIN, doing="grant a remedy referral")
def grant_referral(store, call_id: int, card: str, *, actor: Actor, authority: str, reason: str) -> Receipt:
    """Refer a member to a call outside the list order, as a remedy (basis ``remedy``)."""
    card = check_card(card)
    authority, reason = _check_citation(authority, reason)
    with store.write(actor) as tx:
        member = load.member(tx.db, card)
        call = load.job_call(tx.db, int(call_id))
        if call.status != "open":
            raise HallError(
                f"Call #{call.id} is {call.status}: a remedy referral needs an open call "
                f"(amend the call to add a worker first: hall call amend {call.id} --workers N)."
            )
        if load.active_referral(tx.db, card) is not None:
            raise HallError(f"{member.name} ({card}) already has an open referral.")
        regs = load.registrations_of(tx.db, card, active_only=True)
        holding = [r for r in regs if r.status in (WAITING, ON_SHORT_CALL)]
        by_id = {r.id: r for r in regs}
        changed = ()
        if holding:
            effect = apply_outcome(call, ACCEPTED, tuple(regs), holding[0].id, named=False, rules=tx.rules,
                                   now=tx.now, member_name=member.name)
            changed = effect.registrations
            short = effect.short_call
        else:
            short = False
        for new in changed:
            write_registration(tx, by_id.get(new.id), new, f"remedy referral to call #{call.id}")
        emp_id = tx.db.execute("SELECT employer_id FROM calls WHERE id = ?", [call.id]).fetchone()[0]
        ref_id = tx.insert("referrals", {
            "call_id": call.id, "card": card, "offer_id": None, "employer_id": emp_id, "basis": REMEDY,
            "short_call": int(short), "at": audit.iso(tx.now), "recorded_by": tx.actor, "status": "active",
            "audit_seq": tx.next_seq,
        })
        correction_id = _correction_row(tx, "remedy", card, authority, reason, call_id=call.id)
        status = update_fill_state(tx, call.id)
        entry = tx.record("correction.remedy", f"call:{call.id}", {
            "call": call.id, "card": card, "referral": ref_id, "basis": REMEDY, "authority": authority,
            "reason": reason, "correction": correction_id, "call_status": status,
            "registrations": [load.registration_values(r) | {"id": r.id} for r in changed],
        })
        return Receipt.of(entry, f"{member.name} is referred to call #{call.id} as a remedy ({authority}).", ref_id)
