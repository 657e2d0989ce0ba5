"""Leaving a job: laid off, quit or discharged, with short-call restoration and discipline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from dispatch import calendar
from dispatch.model import DISCHARGED, END_REASONS, Effect, JobCall, Member, Registration
from dispatch.transitions import apply_job_end
from hall import audit, load
from hall.errors import HallError
from hall.identity import Actor, STAFF, allowed
from hall.operations.common import Receipt, check_card, check_via, parse_datetime_text, write_registration
from hall.operations.hours import record_hours


@dataclass(frozen=True)
class JobEndPlan:
    """What recording a job end would do, worked out before anything is written."""

    member: Member
    referral_id: int
    call: JobCall
    end_at: datetime
    days_worked: int
    hours: float
    registrations: tuple[Registration, ...]
    effect: Effect


def _check_numbers(days_worked, hours) -> tuple[int | None, float | None]:
    if days_worked is not None:
        try:
            days_worked = int(str(days_worked))
        except ValueError:
            raise HallError(f"{str(days_worked)[:20]!r} is not a number of days.") from None
        if not 0 <= days_worked <= 10000:
            raise HallError(f"Days worked must be from 0 to 10000, not {days_worked}.")
    if hours is not None:
        try:
            hours = float(str(hours))
        except ValueError:
            raise HallError(f"{str(hours)[:20]!r} is not a number of hours.") from None
        if not (0 <= hours <= 100000) or hours != hours:
            raise HallError("Hours must be from 0 to 100000.")
    return days_worked, hours


def plan_job_end(db, rules, now: datetime, card: str, reason: str, *, days_worked=None, hours=None,
                 at: str | datetime | None = None) -> JobEndPlan:
    """Check a job end and work out its effect from the records (reads only: ``end_job`` writes it,
    the app shows it before the dispatcher confirms)."""
    card = check_card(card)
    reason = (reason or "").strip().lower().replace("-", "_").replace(" ", "_")
    if reason not in END_REASONS:
        raise HallError(f"{reason[:30]!r} is not a way to leave a job: use one of {', '.join(END_REASONS)}.")
    days_worked, hours = _check_numbers(days_worked, hours)
    member = load.member(db, card)
    referral = load.active_referral(db, card)
    if referral is None:
        raise HallError(f"{member.name} ({card}) has no job to end: no referral is open.")
    ref_id, call_id, short_at_referral, referred_at = referral
    call = load.job_call(db, call_id)
    if at is None:
        end_at = now
    elif isinstance(at, str):
        end_at = parse_datetime_text(at, rules, "end date and time")
    else:
        end_at = calendar.to_utc(at, rules)
    if end_at > now:
        raise HallError("A job end cannot be recorded for a time still to come.")
    start_day = calendar.local_date(call.start, rules)
    end_day = calendar.local_date(end_at, rules)
    if end_day < start_day:
        raise HallError(
            f"Call #{call.id} started {calendar.day_text(start_day, calendar.local_date(now, rules))}: "
            "the job cannot end before that."
        )
    referred = load.parse_time(referred_at)
    if end_at < referred.replace(second=0, microsecond=0):  # (a time typed to the minute)
        raise HallError(
            f"{member.name} ({card}) was referred to call #{call.id} "
            f"{calendar.moment_text(referred, rules, calendar.local_date(now, rules))}: "
            "the job cannot end before that."
        )
    if days_worked is None:
        # From the day the member reported: the call's start, or the referral if later.
        reported = max(start_day, calendar.local_date(referred, rules))
        days_worked = calendar.business_days_between(reported, end_day, rules)
    if hours is None:  # (v2) days worked x ordering.hours_per_day
        hours = float(days_worked * rules.ordering.hours_per_day)
    # The window runs back from this job end (which may be keyed after it happened).
    window_start = end_at - timedelta(days=rules.discipline.discharge_window_days)
    earlier_discharges = db.execute(
        "SELECT count(*) FROM job_ends WHERE card = ? AND reason = ? AND at >= ? AND at <= ?",
        [card, DISCHARGED, audit.iso(window_start), audit.iso(end_at)],
    ).fetchone()[0]
    regs = tuple(load.registrations_of(db, card, active_only=True))
    effect = apply_job_end(
        regs, reason, call=call, short_call_at_referral=bool(short_at_referral),
        days_worked=days_worked, hours=hours, rules=rules, now=now,
        discharges_in_window=earlier_discharges, member_name=member.name,
    )
    return JobEndPlan(member, ref_id, call, end_at, days_worked, hours, regs, effect)


@allowed(STAFF, doing="record a job end")
def end_job(store, card: str, reason: str, *, actor: Actor, days_worked=None, hours=None,
            at: str | datetime | None = None, via: str | None = None) -> Receipt:
    """Record that a member left the job they were referred to (``via``: how the news came in)."""
    card = check_card(card)
    _check_numbers(days_worked, hours)
    via = check_via(via) if via is not None else None
    with store.write(actor) as tx:
        plan = plan_job_end(tx.db, tx.rules, tx.now, card, reason, days_worked=days_worked, hours=hours, at=at)
        reason = (reason or "").strip().lower().replace("-", "_").replace(" ", "_")
        ref_id, call, end_at = plan.referral_id, plan.call, plan.end_at
        days_worked, hours, effect = plan.days_worked, plan.hours, plan.effect
        by_id = {r.id: r for r in plan.registrations}
        for new in effect.registrations:
            write_registration(tx, by_id.get(new.id), new, f"job ended: {reason}")
        if hours > 0:  # (v2) hours belong to the member, recorded at every job end
            record_hours(tx, card, calendar.local_date(end_at, tx.rules), hours, source="job_end",
                         employer=call.employer)
        tx.update("referrals", ref_id, {"status": "ended"})
        tx.insert("job_ends", {
            "referral_id": ref_id, "card": card, "reason": reason, "at": audit.iso(end_at),
            "days_worked": days_worked, "hours": hours, "counted_short": int(effect.short_call),
            "recorded_by": tx.actor, "audit_seq": tx.next_seq,
        })
        if effect.suspend:
            tx.update("members", card, {"standing": "suspended", "suspension_note": effect.suspension_note})
        entry = tx.record("job.ended", f"member:{card}", {
            "card": card, "call": call.id, "referral": ref_id, "reason": reason,
            "at": audit.iso(end_at), "days_worked": days_worked, "hours": hours,
            "counted_short": effect.short_call, "suspended": effect.suspend,
            "suspension_note": effect.suspension_note, **({"via": via} if via else {}),
            "registrations": [load.registration_values(r) | {"id": r.id} for r in effect.registrations],
        })
        return Receipt.of(entry, effect.message, ref_id)
