"""After someone accepts: turned away at the gate, cancelled before start, no-show; and amending a call."""

from __future__ import annotations

from datetime import datetime

from dispatch import calendar
from dispatch.model import QUIT
from dispatch.transitions import apply_job_end, apply_referral_reversal
from hall import audit, load
from hall.errors import HallError, NotFound
from hall.identity import Actor, STAFF, allowed
from hall.operations.calls import _check_count, update_fill_state
from hall.operations.common import Receipt, check_card, check_text, parse_datetime_text, write_registration

REFERRAL_OUTCOMES = ("rejected_at_job", "cancelled", "no_show")


@allowed(STAFF, doing="record what happened to a referral")
def record_referral_outcome(store, call_id: int, card: str, outcome: str, *, actor: Actor,
                            note: str = "") -> Receipt:
    """What the employer or member reports about an accepted referral before work began.

    ``rejected_at_job`` and ``cancelled``: the member's places come back at their
    original ``registered_at``, no turndown, and the call reopens if it still
    needs workers. ``no_show``: treated as a quit.
    """
    card = check_card(card)
    outcome = (outcome or "").strip().lower().replace("-", "_").replace(" ", "_")
    if outcome not in REFERRAL_OUTCOMES:
        raise HallError(f"{outcome[:30]!r} is not a referral outcome: use one of {', '.join(REFERRAL_OUTCOMES)}.")
    note = check_text(note, "note", required=False)
    with store.write(actor) as tx:
        member = load.member(tx.db, card)
        call = load.job_call(tx.db, int(call_id))
        row = tx.db.execute(
            "SELECT id, short_call FROM referrals WHERE call_id = ? AND card = ? AND status = 'active'",
            [call.id, card],
        ).fetchone()
        if row is None:
            raise NotFound(f"{member.name} ({card}) has no open referral to call #{call.id}.")
        ref_id, short = row
        regs = load.registrations_of(tx.db, card, active_only=True)
        by_id = {r.id: r for r in regs}
        if outcome == "no_show":
            effect = apply_job_end(tuple(regs), QUIT, call=call, short_call_at_referral=bool(short),
                                   days_worked=0, hours=0.0, rules=tx.rules, now=tx.now, member_name=member.name)
            changed = effect.registrations
            message = f"{member.name} did not show up at {call.employer}: recorded as a quit; they sign again."
            tx.insert("job_ends", {
                "referral_id": ref_id, "card": card, "reason": QUIT, "at": audit.iso(tx.now), "days_worked": 0,
                "hours": 0, "counted_short": 0, "recorded_by": tx.actor, "audit_seq": tx.next_seq,
            })
        else:
            changed = apply_referral_reversal(tuple(regs), now=tx.now)
            what = "was turned away at the gate" if outcome == "rejected_at_job" else "had the job cancelled before starting"
            message = f"{member.name} {what}: back on the list at the original place, no turndown."
        for new in changed:
            write_registration(tx, by_id.get(new.id), new, f"referral {outcome}")
        tx.update("referrals", ref_id, {"status": "reversed", "reversal": outcome, "reversal_note": note})
        status = update_fill_state(tx, call.id)
        if status == "open" and call.status == "filled":
            message += f" Call #{call.id} is open again."
        entry = tx.record(f"referral.{outcome}", f"call:{call.id}", {
            "call": call.id, "card": card, "referral": ref_id, "outcome": outcome, "note": note,
            "call_status": status, "message": message,
            "registrations": [load.registration_values(r) | {"id": r.id} for r in changed],
        })
        return Receipt.of(entry, message, ref_id)


@allowed(STAFF, doing="amend a call")
def amend_call(store, call_id: int, *, actor: Actor, reason: str, workers=None,
               start: str | datetime | None = None, days=None) -> Receipt:
    """Change a call's workers, start or expected days (audited with old and new values).

    Workers never go below those already accepted; a filled call that gains
    workers reopens.
    """
    reason = check_text(reason, "reason")
    with store.write(actor) as tx:
        call = load.job_call(tx.db, int(call_id))
        if call.status == "cancelled":
            raise HallError(f"Call #{call.id} was cancelled: it cannot be amended.")
        changes: dict = {}
        before: dict = {}
        if workers is not None:
            new_workers = _check_count(workers, "workers", 500)
            if new_workers < call.accepted:
                raise HallError(
                    f"Call #{call.id} already has {call.accepted} accepted: workers cannot go below that."
                )
            changes["workers"], before["workers"] = new_workers, call.workers
        if start is not None:
            start_at = (parse_datetime_text(start, tx.rules, "start date and time") if isinstance(start, str)
                        else calendar.to_utc(start, tx.rules))
            changes["start_at"], before["start_at"] = audit.iso(start_at), audit.iso(call.start)
        if days is not None:
            changes["duration_days"], before["duration_days"] = _check_count(days, "working days", 3650), call.duration_days
        if not changes:
            raise HallError("Nothing to amend: give --workers, --start or --days.")
        tx.update("calls", call.id, changes)
        status = update_fill_state(tx, call.id)
        entry = tx.record("call.amended", f"call:{call.id}", {
            "call": call.id, "reason": reason, "before": before, "after": changes, "call_status": status,
        })
        reopened = " It is open again." if call.status == "filled" and status == "open" else ""
        return Receipt.of(entry, f"Call #{call.id} amended.{reopened}", call.id)
