"""After someone accepts (turned away at the gate, cancelled before start, no-show) and
amending a call: what the dispatch screen shows on an accepted row, and the sentences it
confirms before recording. Reads only; the effects come from the same transitions the
operations use, so the sentence says what will be recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from dispatch import calendar
from dispatch.model import QUIT
from dispatch.transitions import apply_job_end, apply_referral_reversal
from hall import load
from hall.errors import HallError, NotFound
from hall.operations.referrals import REFERRAL_OUTCOMES
from hall.parse import start_moment

REFERRAL_WORDS = {
    "rejected_at_job": "Rejected at the gate",
    "cancelled": "Cancelled before start",
    "no_show": "No-show",
}
REVERSAL_TEXT = {
    "rejected_at_job": "turned away at the gate",
    "cancelled": "cancelled before start",
    "no_show": "no-show, recorded as a quit",
    "correction": "set aside by a correction",
}


@dataclass(frozen=True, slots=True)
class ReferralState:
    """The newest referral of a member on a call: its status, basis, and how it ended."""

    id: int
    status: str
    reversal: str
    basis: str
    note: str


def referral_states(db, call_id: int) -> dict[str, ReferralState]:
    """card -> the newest referral of that card on the call."""
    found: dict[str, ReferralState] = {}
    for ref_id, card, status, reversal, basis, note in db.execute(
        "SELECT id, card, status, reversal, basis, reversal_note FROM referrals WHERE call_id = ? ORDER BY id",
        [call_id],
    ):
        found[card] = ReferralState(ref_id, status, reversal or "", basis, note or "")
    return found


def referral_suffix(state: ReferralState | None) -> str:
    """' · turned away at the gate' for a reversed referral, '' otherwise."""
    if not state or state.status != "reversed":
        return ""
    text = f" · {REVERSAL_TEXT.get(state.reversal, state.reversal or 'reversed')}"
    if state.note:
        text += f" (“{state.note}”)"
    return text


def _call_after(call, leaving: int = 1) -> str:
    """What becomes of the call when ``leaving`` accepted referrals end."""
    if call.status == "cancelled":
        return f"call #{call.id} stays cancelled"
    accepted = max(call.accepted - leaving, 0)
    needs = call.workers - accepted
    if call.status == "filled" and needs > 0:
        return f"call #{call.id} reopens ({accepted} of {call.workers} filled, needs {needs})"
    return f"call #{call.id} still needs {needs}"


def preview_referral_outcome(store, call_id: int, card: str, outcome: str) -> str:
    """The sentence confirmed before recording a gate rejection, a cancellation or a no-show."""
    if outcome not in REFERRAL_OUTCOMES:
        raise HallError(f"{outcome!r} is not a referral outcome: use one of {', '.join(REFERRAL_OUTCOMES)}.")
    with store.reading() as read:
        db, now, rules = read.db, read.now, read.rules
        member = load.member(db, card)
        call = load.job_call(db, int(call_id))
        row = db.execute(
            "SELECT id, short_call FROM referrals WHERE call_id = ? AND card = ? AND status = 'active'",
            [call.id, card],
        ).fetchone()
        if row is None:
            raise NotFound(f"{member.name} ({card}) has no open referral to call #{call.id}: nothing to record.")
        regs = tuple(load.registrations_of(db, card, active_only=True))
        after = _call_after(call)
        who = member.name
        if outcome == "no_show":
            effect = apply_job_end(regs, QUIT, call=call, short_call_at_referral=bool(row[1]), days_worked=0,
                                   hours=0.0, rules=rules, now=now, member_name=member.name)
            books = ", ".join(r.book_id for r in effect.registrations)
            lost = f"loses the place on {books} and signs again at the bottom" if books else "held no place"
            return f"{who} never reported to {call.employer}: recorded as a quit. {who} {lost}; {after}."
        changed = apply_referral_reversal(regs, now=now)
        if changed:
            today = calendar.local_date(now, rules)
            places = ", ".join(f"{r.book_id} (registered {calendar.moment_text(r.registered_at, rules, today)})"
                               for r in changed)
            back = f"{who} goes back to {places} at the original place, no turndown"
        else:
            back = f"{who} held no place on a book: nothing to restore"
        what = ("turned away at the gate by " + call.employer if outcome == "rejected_at_job"
                else f"{call.employer}'s job cancelled before {who} started")
        return f"{what[0].upper()}{what[1:]}: {back}; {after}."


@dataclass(frozen=True, slots=True)
class AmendOptions:
    """A call as it stands, for the amend form: its start as "YYYY-MM-DD HH:MM" in the hall's zone."""

    call: object
    start_text: str


def amend_options(store, call_id: int) -> AmendOptions:
    """A call's current workers, start and days, for the amend form."""
    with store.reading() as read:
        call = load.job_call(read.db, int(call_id))
        return AmendOptions(call, f"{calendar.local(call.start, read.rules):%Y-%m-%d %H:%M}")


@dataclass(frozen=True, slots=True)
class AmendPreview:
    """What an amendment changes, in a sentence, and the values to send to ``amend_call``."""

    sentence: str
    send: dict = field(default_factory=dict)


def preview_amend(store, call_id: int, *, workers: int | None = None, start: str | None = None,
                  days: int | None = None) -> AmendPreview:
    """The amend sentence and the values to send (start resolved to "YYYY-MM-DD HH:MM")."""
    with store.reading() as read:
        now, rules = read.now, read.rules
        call = load.job_call(read.db, int(call_id))
    if call.status == "cancelled":
        raise HallError(f"Call #{call.id} was cancelled: it cannot be amended.")
    parts: list[str] = []
    send: dict = {}
    if workers is not None and workers != call.workers:
        if workers < call.accepted:
            raise HallError(f"Call #{call.id} already has {call.accepted} accepted: workers cannot go below that.")
        parts.append(f"workers {call.workers} → {workers}")
        send["workers"] = workers
    if start:
        moment: datetime = start_moment(start, rules, now)
        if moment != call.start:
            local = calendar.local(moment, rules)
            today = calendar.local_date(now, rules)
            parts.append(f"start {calendar.moment_text(call.start, rules, today)} → "
                         f"{calendar.moment_text(moment, rules, today)}")
            send["start"] = f"{local:%Y-%m-%d %H:%M}"
    if days is not None and days != call.duration_days:
        parts.append(f"days {call.duration_days} → {days}")
        send["days"] = days
    if not send:
        raise HallError(f"Nothing to amend: call #{call.id} already has those workers, start and days.")
    sentence = f"Amend call #{call.id} ({call.employer}): " + ", ".join(parts) + "."
    new_workers = send.get("workers", call.workers)
    if call.status == "filled" and new_workers > call.accepted:
        sentence += f" The call reopens: {call.accepted} of {new_workers} filled."
    elif call.status == "open" and new_workers == call.accepted:
        sentence += f" The call is filled: {call.accepted} of {new_workers}."
    return AmendPreview(sentence, send)

