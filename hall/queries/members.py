"""A member: where they stand on each book, their history, finding them, their phones."""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from dispatch import calendar
from dispatch.hours import period_bounds
from dispatch.model import WAITING
from dispatch.rules import RuleSet
from hall import load
from hall.queries import escape_like
from hall.queries.books import position_of


def member_position(db: Database, card: str, rules: RuleSet, now: datetime) -> dict:
    """A member's books: status, position (waiting only), registered and re-sign due."""
    member = load.member(db, card)
    excused = load.excused_absences(db, [card]).get(card, ())
    books = []
    for reg in load.registrations_of(db, card, active_only=True):
        if reg.status == WAITING and now >= calendar.removal_at(reg, rules, excused):
            continue
        position = None
        of = None
        if reg.status == WAITING:
            position, of = position_of(db, reg, rules, now)
        books.append({
            "book": reg.book_id, "status": reg.status, "position": position, "of": of,
            "registered_at": reg.registered_at, "last_signed_at": reg.last_signed_at,
            "resign_due": calendar.resign_due(reg, rules, excused) if reg.status == WAITING else None,
            "resign_state": calendar.resign_state(reg, rules, now, excused) if reg.status == WAITING else None,
            "turndowns": reg.turndowns, "restorations": reg.restorations,
            "short_call": reg.short_call, "registration_id": reg.id,
        })
    books.sort(key=lambda b: (rules.book(b["book"]).priority if rules.book(b["book"]) else 99, b["book"]))
    today = calendar.local_date(now, rules)
    hours = load.member_hours(db, [card], now, rules).get(card, 0.0)
    return {"member": member, "books": books, "excused": excuses_of(db, card, today),
            "period_hours": hours, "period": period_bounds(now, rules)}


def excuses_of(db: Database, card: str, today) -> list[dict]:
    """A member's excused absences in force or to come, for staff (kind and evidence included:
    never shown to members; the kiosk shows only the last day)."""
    return [{"id": r[0], "kind": r[1], "start": load.parse_date(r[2]), "until": load.parse_date(r[3]),
             "evidence": r[4]}
            for r in db.execute("SELECT id, kind, start, until, evidence FROM excuses WHERE card = ? AND until >= ?"
                                " ORDER BY start, id", [card, today.isoformat()])]


def member_history(db: Database, card: str) -> dict:
    """A member's offers, referrals and job ends, newest first."""
    offers = [
        {"call": r[0], "employer": r[1], "outcome": r[2], "at": load.parse_time(r[3]), "position": r[4],
         "book": r[5], "named": bool(r[6]), "turndown": bool(r[7]), "note": r[8], "by": r[9]}
        for r in db.execute(
            "SELECT o.call_id, e.name, o.outcome, o.at, o.position, o.book_id, o.named, o.turndown_counted,"
            " o.note, o.recorded_by FROM offers o JOIN calls c ON c.id = o.call_id"
            " JOIN employers e ON e.id = c.employer_id WHERE o.card = ? ORDER BY o.id DESC", [card]
        )
    ]
    referrals = [
        {"call": r[0], "employer": r[1], "basis": r[2], "at": load.parse_time(r[3]), "status": r[4],
         "short_call": bool(r[5]), "reversal": r[6]}
        for r in db.execute(
            "SELECT r.call_id, e.name, r.basis, r.at, r.status, r.short_call, r.reversal FROM referrals r"
            " JOIN employers e ON e.id = r.employer_id WHERE r.card = ? ORDER BY r.id DESC", [card]
        )
    ]
    ends = [
        {"call": r[0], "reason": r[1], "at": load.parse_time(r[2]), "days_worked": r[3], "short": bool(r[4])}
        for r in db.execute(
            "SELECT r.call_id, j.reason, j.at, j.days_worked, j.counted_short FROM job_ends j"
            " JOIN referrals r ON r.id = j.referral_id WHERE j.card = ? ORDER BY j.id DESC", [card]
        )
    ]
    corrections = [
        {"kind": r[0], "call": r[1], "authority": r[2], "reason": r[3], "at": load.parse_time(r[4]), "by": r[5]}
        for r in db.execute(
            "SELECT kind, call_id, authority, reason, at, recorded_by FROM corrections WHERE card = ?"
            " ORDER BY id DESC", [card]
        )
    ]
    return {"offers": offers, "referrals": referrals, "ends": ends, "corrections": corrections}


def search_members(db: Database, text: str, limit: int = 20) -> list[dict]:
    """Members whose card starts with, or name contains, ``text``."""
    text = (text or "").strip()
    if not text:
        return []
    return [
        {"card": r[0], "name": r[1]}
        for r in db.execute(
            "SELECT card, name FROM members WHERE card LIKE ? ESCAPE '\\' OR name LIKE ? ESCAPE '\\'"
            " ORDER BY name COLLATE NOCASE LIMIT ?",
            [escape_like(text) + "%", "%" + escape_like(text) + "%", limit],
        )
    ]


def phones(db: Database, cards: list[str]) -> dict[str, str]:
    """card -> phone on file, for the staff's dispatch screen (never the kiosk)."""
    if not cards:
        return {}
    result = {}
    for i in range(0, len(cards), 500):
        chunk = cards[i:i + 500]
        marks = ",".join("?" for _ in chunk)
        result.update(dict(db.execute(f"SELECT card, phone FROM members WHERE card IN ({marks})", chunk)))
    return result
