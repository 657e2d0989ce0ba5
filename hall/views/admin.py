"""What the admin screens read: corrections' sentences, a member's removed places, the rule
set in force and the changes coming, a rules file checked before adopting it, staff accounts.
Reads only (the writes are the Session's admin operations).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from dispatch import calendar
from dispatch.rules import describe_changes
from hall import files, load
from hall.errors import HallError
from hall.operations.accounts import list_users
from hall.operations.common import parse_datetime_text
from hall.operations.rules import read_rules_text
from hall.queries.rules import upcoming_rules

OUTCOME_WORDS = {"accepted": "accepted", "declined": "declined", "no_answer": "no answer",
                 "employer_rejected": "employer rejected"}

# --- corrections ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CorrectionChoices:
    """For one member on one call: the sentence of setting aside the outcome recorded (''
    when there is none), the sentence of a remedy referral, and why one is not possible now."""

    name: str
    set_aside: str
    remedy: str
    remedy_refusal: str


def correction_choices(store, call_id: int, card: str) -> CorrectionChoices:
    """For the highlighted row of a call: the outcome that could be set aside (with what that
    undoes), and whether a remedy referral to this call is possible now (or why not)."""
    with store.reading() as read:
        db, rules = read.db, read.rules
        member = load.member(db, card)
        call = load.job_call(db, int(call_id))
        offer = db.execute(
            "SELECT id, outcome, turndown_counted, registration_id FROM offers"
            " WHERE call_id = ? AND card = ? AND superseded_by IS NULL ORDER BY id DESC LIMIT 1",
            [call.id, card],
        ).fetchone()
        set_aside = ""
        if offer is not None:
            offer_id, outcome, counted, reg_id = offer
            words = OUTCOME_WORDS.get(outcome, outcome)
            effects = []
            if counted:
                reg = next((r for r in load.registrations_of(db, card) if r.id == reg_id), None)
                if reg is not None and reg.status == "removed" and reg.removed_reason.startswith("rolled off"):
                    effects.append(f"the turndown no longer counts and {member.name} goes back on {reg.book_id}")
                elif reg is not None:
                    effects.append(f"the turndown no longer counts ({reg.book_id}: {reg.turndowns} → "
                                   f"{max(reg.turndowns - 1, 0)} of {rules.turndowns.limit})")
            if outcome == "accepted":
                active = db.execute("SELECT 1 FROM referrals WHERE offer_id = ? AND status = 'active'",
                                    [offer_id]).fetchone()
                if active:
                    effects.append(f"the referral is reversed and {member.name} waits at the original place")
            effects.append(f"{member.name} may be offered on call #{call.id} again")
            set_aside = (f"Set aside the {words} recorded for {member.name} ({card}) on call #{call.id}: "
                         + "; ".join(effects) + ".")
        remedy_refusal = ""
        if call.status != "open":
            remedy_refusal = (f"Call #{call.id} is {call.status}: a remedy referral needs an open call "
                              f"(amend the call to add a worker first).")
        elif load.active_referral(db, card) is not None:
            remedy_refusal = f"{member.name} ({card}) already has an open referral."
        remedy = (f"Refer {member.name} ({card}) to call #{call.id} ({call.employer}) as a remedy, "
                  f"outside the list order (basis: remedy).")
        return CorrectionChoices(member.name, set_aside, remedy, remedy_refusal)


@dataclass(frozen=True, slots=True)
class RemovedPlace:
    """A member's removed registration that a correction could put back."""

    id: int
    book: str
    registered_at: datetime
    removed_reason: str
    removed_at: datetime | None
    label: str
    sentence: str


def removed_places(store, card: str) -> list[RemovedPlace]:
    """A member's removed registrations that could be restored (no active place on that book)."""
    with store.reading() as read:
        db, now, rules = read.db, read.now, read.rules
        member = load.member(db, card)
        rows = db.execute(
            "SELECT id, book_id, registered_at, removed_reason, removed_at, status FROM registrations"
            " WHERE card = ? ORDER BY id", [card]
        ).fetchall()
    active = {r[1] for r in rows if r[5] != "removed"}
    latest: dict[str, tuple] = {}
    for reg_id, book, registered, reason, removed_at, status in rows:
        if status == "removed" and book not in active:
            latest[book] = (reg_id, book, load.parse_time(registered), reason, load.parse_time(removed_at))
    found = []
    today = calendar.local_date(now, rules)
    for reg_id, book, registered_at, reason, removed_at in latest.values():
        registered = calendar.local(registered_at, rules)
        removed = f", removed {calendar.local(removed_at, rules):%d %b %Y}" if removed_at else ""
        found.append(RemovedPlace(
            reg_id, book, registered_at, reason, removed_at,
            label=f"{book}  registered {registered:%d %b %Y %H:%M}{removed}: {reason}",
            sentence=(f"Put {member.name} ({card}) back on {book} at the original place "
                      f"(registered {calendar.moment_text(registered_at, rules, today)}), turndowns cleared."),
        ))
    return found


# --- rules ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RulesChange:
    """A rule set adopted but not yet in force: when, what changes, by whom, and why if urgent."""

    id: int
    effective_at: datetime
    changes: tuple[str, ...]
    created_at: datetime | None
    created_by: str
    urgent_reason: str


@dataclass(frozen=True, slots=True)
class RulesInForce:
    """The rule set in force (its TOML text) and each change adopted but not yet in force."""

    id: int | None
    rules: object
    now: datetime
    text: str
    effective_at: datetime | None
    created_by: str
    urgent_reason: str
    upcoming: tuple[RulesChange, ...]
    notice_days: int


def rules_view(store) -> RulesInForce:
    """The rules in force and the changes coming."""
    with store.reading() as read:
        db = read.db
        row = db.execute("SELECT text, effective_at, created_at, created_by, urgent_reason FROM rulesets"
                         " WHERE id = ?", [read.ruleset_id]).fetchone()
        upcoming = []
        for change in upcoming_rules(db, read.now):
            extra = db.execute("SELECT created_at, created_by, urgent_reason FROM rulesets WHERE id = ?",
                               [change["id"]]).fetchone()
            upcoming.append(RulesChange(change["id"], change["effective_at"], tuple(change["changes"] or ()),
                                        load.parse_time(extra[0]), extra[1] or "", extra[2] or ""))
        return RulesInForce(
            id=read.ruleset_id, rules=read.rules, now=read.now, text=row[0] if row else "",
            effective_at=load.parse_time(row[1]) if row else None,
            created_by=(row[3] or "") if row else "", urgent_reason=(row[4] or "") if row else "",
            upcoming=tuple(upcoming), notice_days=read.rules.notice.days,
        )


def read_rules_file(path: str) -> str:
    """A rules file's text, or one sentence."""
    raw = (path or "").strip()
    if not raw:
        raise HallError("Give the path of a rules file (TOML).")
    return files.read_text(raw, "rules file")


@dataclass(frozen=True, slots=True)
class RulesPreview:
    """A rules file checked before adopting it: its text, what changes, from when, and whether
    that date is inside the notice (then only as an urgent change)."""

    text: str
    changes: tuple[str, ...]
    effective_at: datetime
    inside_notice: bool
    sentence: str


def preview_rules_file(store, path: str, effective: str, urgent_reason: str = "") -> RulesPreview:
    """A rules file checked completely before adopting it: its text, what changes, when, and
    whether the date is inside the notice window (then only an urgent change with a reason)."""
    text = read_rules_text_checked(path)
    with store.reading() as read:
        now, current = read.now, read.rules
    new = read_rules_text(text, default_timezone=current.hall.timezone)
    effective_at: datetime = parse_datetime_text(effective, current, "effective date and time")
    if effective_at < now:
        raise HallError("A rule change cannot take effect in the past.")
    earliest = now + timedelta(days=current.notice.days)
    inside = effective_at < earliest
    if inside and not (urgent_reason or "").strip():
        raise HallError(
            f"Rule changes need {current.notice.days} days' notice: take effect on or after "
            f"{calendar.moment_text(earliest, current, calendar.local_date(now, current))}, "
            "or mark the change urgent with a reason."
        )
    changes = describe_changes(current, new)
    when = calendar.moment_text(effective_at, current, calendar.local_date(now, current))
    sentence = f"Adopt the rules in {path.strip()} from {when}"
    sentence += f" (urgent: {urgent_reason.strip()})." if inside else "."
    return RulesPreview(text, tuple(changes), effective_at, inside, sentence)


def read_rules_text_checked(path: str) -> str:
    text = read_rules_file(path)
    read_rules_text(text)  # a bad file is refused first, with the key it names
    return text


# --- staff accounts --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StaffAccount:
    """A staff account: its role, whether disabled, when made, and its last log-in (from the audit)."""

    name: str
    role: str
    disabled: bool
    created: datetime | None
    last_login: datetime | None


def staff(store) -> list[StaffAccount]:
    """Every staff account with its last log-in."""
    users = list_users(store)
    found = []
    with store.read() as db:
        for user in users:
            row = db.execute("SELECT max(at) FROM audit WHERE action = 'user.login' AND subject = ?",
                             [f"user:{user['name']}"]).fetchone()
            found.append(StaffAccount(user["name"], user["role"], bool(user["disabled"]),
                                      load.parse_time(user["created_at"]) if user["created_at"] else None,
                                      load.parse_time(row[0]) if row and row[0] else None))
    return found
