"""What the member kiosk reads: one member's own standing, over a read-only connection.

Nothing here writes (the kiosk's connection is SQLite ``mode=ro``): re-sign
removals are computed on the fly by the queries, rankings are computed in
memory. Who is at the kiosk is ``hall.operations.selfservice.identify``'s to say.
About other members it returns only name, card, position and referral basis: never
their phone, address or reasons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlite_utils import Database

from dispatch import calendar
from dispatch.model import Reason
from dispatch.ranking import card_key
from dispatch.reasons import render_all
from dispatch.rules import RuleSet
from hall import audit, load
from hall.errors import NotFound
from hall.queries.calls import calls
from hall.queries.members import member_position

RECENT_DAYS = 30


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 21st..."""
    if 10 <= n % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# --- what the member sees --------------------------------------------------------


@dataclass(frozen=True)
class KioskBook:
    book: str
    name: str
    status: str
    position: int | None
    of: int | None
    resign_due: date | None
    resign_state: str | None
    days_left: int | None
    turndowns: int
    turndown_limit: int
    short_call_employer: str | None = None


@dataclass(frozen=True)
class KioskCall:
    call: int
    employer: str
    classification: str
    workers: int
    filled: int
    start: datetime
    place: int | None  # you would be Nth in line (eligible, no outcome yet)
    why_not: str = ""  # your own reasons, or what already happened
    no_turndown: str = ""  # (v2) why declines on this call never count, or ""


@dataclass(frozen=True)
class KioskPastCall:
    call: int
    employer: str
    at: datetime
    place: int | None  # your place in the ranking when the offers reached you
    text: str


@dataclass(frozen=True)
class KioskChange:
    at: datetime
    book: str
    before: int
    after: int
    text: str


@dataclass(frozen=True)
class KioskView:
    card: str
    name: str
    classifications: list[str]
    books: list[KioskBook]
    receipt: int | None
    open_calls: list[KioskCall]
    past_calls: list[KioskPastCall]
    changes: list[KioskChange]
    now: datetime
    notes: list[str] = field(default_factory=list)
    corrections: list[tuple[datetime, str]] = field(default_factory=list)
    # (v2) The last day of the member's excused absence in force or ahead (never its kind), or None.
    excused_until: date | None = None
    excused_from: date | None = None


def member_view(db: Database, card: str, rules: RuleSet, now: datetime) -> KioskView:
    """Everything the kiosk shows one member (already authenticated)."""
    info = member_position(db, card, rules, now)
    member = info["member"]
    today = calendar.local_date(now, rules)
    books = []
    for b in info["books"]:
        book = rules.book(b["book"])
        hold = b["short_call"]
        books.append(KioskBook(
            book=b["book"], name=book.name if book else b["book"], status=b["status"],
            position=b["position"], of=b["of"], resign_due=b["resign_due"], resign_state=b["resign_state"],
            days_left=(b["resign_due"] - today).days if b["resign_due"] else None,
            turndowns=b["turndowns"], turndown_limit=rules.turndowns.limit,
            short_call_employer=hold.employer if hold else None,
        ))
    receipt = db.execute(
        "SELECT max(seq) FROM audit WHERE json_extract(data, '$.card') = ?"
        " AND action IN ('registration.signed', 'registration.resigned')", [card]
    ).fetchone()[0]
    classes = sorted(member.classifications)
    excused = info.get("excused") or []
    return KioskView(
        card=member.card, name=member.name, classifications=classes, books=books, receipt=receipt,
        open_calls=open_calls(db, card, classes, rules, now),
        past_calls=past_calls(db, card, classes, rules, now),
        changes=position_changes(db, card, rules, now),
        now=now,
        corrections=corrections_for(db, card),
        excused_until=max((e["until"] for e in excused), default=None),
        excused_from=min((e["start"] for e in excused), default=None),
    )


CORRECTION_WORDS = {
    "outcome": "an outcome recorded on call #{call} was set aside",
    "restore": "your place was restored",
    "remedy": "you were referred to call #{call} as a remedy",
}


def corrections_for(db: Database, card: str) -> list[tuple[datetime, str]]:
    """Corrections and appeals about this member (what and on whose authority; not the reason text)."""
    rows = db.execute(
        "SELECT at, kind, call_id, authority FROM corrections WHERE card = ? ORDER BY id DESC LIMIT 10", [card]
    ).fetchall()
    return [(load.parse_time(at), CORRECTION_WORDS.get(kind, "a correction").format(call=call) + f" ({authority})")
            for at, kind, call, authority in rows]


def open_calls(db: Database, card: str, classes: list[str], rules: RuleSet, now: datetime) -> list[KioskCall]:
    """Open calls of the member's classifications and where the member would stand on each
    ((v2) not the calls posted for bids: the kiosk shows those on its job board)."""
    result = []
    for c in calls(db, open_only=True, rules=rules):
        if c["class"] not in classes:
            continue
        job = load.job_call(db, c["id"])
        if job.posted_for is not None and job.posted_for > now:
            continue
        ranking, _ = load.ranking_through(db, job, rules, now, card)
        place = None
        why = ""
        me = ranking.find(card)
        if me is None:
            why = "you are not waiting on a book for this call"
        elif me.outcome is not None:
            why = "you already answered this call: " + _outcome_words(me.outcome)
        elif not me.eligible:
            why = _own_reasons(me.reasons)
        else:
            ahead = 0
            for cand in ranking.candidates:
                if cand.card == card:
                    break
                if cand.eligible and cand.outcome is None:
                    ahead += 1
            place = ahead + 1
        result.append(KioskCall(c["id"], c["employer"], c["class"], c["workers"], c["accepted"], c["start"],
                                place, why, c["no_turndown"] or ""))
    return result


def _own_reasons(reasons: tuple[Reason, ...] | list) -> str:
    if reasons and isinstance(reasons[0], dict):
        reasons = [Reason(r["code"], tuple(sorted((r.get("params") or {}).items()))) for r in reasons]
    return render_all(reasons)


def _outcome_words(outcome: str, turndown: bool = False, turndowns: int | None = None,
                   limit: int | None = None) -> str:
    if outcome == "accepted":
        return "you accepted: referred"
    if outcome == "declined":
        if turndown and turndowns is not None and limit:
            return f"you declined (turndown {turndowns} of {limit})"
        return "you declined" + (" (a turndown)" if turndown else " (not a turndown)")
    if outcome == "no_answer":
        return "no answer" + (" (a turndown)" if turndown else " (not a turndown)")
    if outcome == "employer_rejected":
        return "the employer turned you down (no turndown, place kept)"
    return outcome.replace("_", " ")


def past_calls(db: Database, card: str, classes: list[str], rules: RuleSet, now: datetime) -> list[KioskPastCall]:
    """Calls of the last 30 days where the member was a candidate, from the offers' ranking snapshots."""
    since = audit.iso(now - timedelta(days=RECENT_DAYS))
    by_call: dict[int, list[dict]] = {}
    for seq, at, data in db.execute(
        "SELECT seq, at, data FROM audit WHERE action = 'offer.recorded' AND at >= ? ORDER BY seq", [since]
    ):
        entry = audit_json(data)
        by_call.setdefault(int(entry["call"]), []).append({"seq": seq, "at": load.parse_time(at), **entry})
    result = []
    for call_id, offers in by_call.items():
        try:
            job = load.job_call(db, call_id)
        except NotFound:
            continue
        if job.classification not in classes:
            continue
        mine = [o for o in offers if o.get("card") == card]
        place = None
        text = ""
        at = offers[-1]["at"]
        if mine:
            own = mine[-1]
            at = own["at"]
            place = _place_in(own.get("snapshot") or [], card)
            turndowns = max((r.get("turndowns", 0) for r in own.get("registrations") or []), default=None)
            text = _outcome_words(own["outcome"], bool(own.get("turndown_counted")), turndowns,
                                  rules.turndowns.limit)
            if own.get("named"):
                text += " · named by the employer"
        else:
            seen = None
            for o in offers:
                snap = o.get("snapshot") or []
                row = next((r for r in snap if r.get("card") == card), None)
                if row is not None:
                    seen = (_place_in(snap, card), row)
                if seen and not seen[1].get("eligible", True):
                    break
            if seen is None:
                accepted = sum(1 for o in offers if o.get("outcome") == "accepted")
                if not accepted or not _was_waiting(db, card, job, rules, offers[-1]["at"]):
                    continue
                ahead = f"the {accepted} ahead of you" if accepted > 1 else "the one ahead of you"
                if job.status == "open":
                    text = f"not reached yet: {accepted} of {job.workers} referred so far"
                elif job.status == "cancelled":
                    text = "the call was cancelled before it reached you"
                else:
                    text = f"filled by {ahead}"
            else:
                place, row = seen
                if not row.get("eligible", True):
                    text = "passed over: " + _own_reasons(row.get("reasons") or [])
                elif row.get("outcome"):
                    text = _outcome_words(row["outcome"])
                else:
                    text = "ranked ahead of the offers recorded; no outcome recorded for you"
        result.append(KioskPastCall(call_id, job.employer, at, place, text))
    result.sort(key=lambda p: p.at, reverse=True)
    return result


def _place_in(snapshot: list[dict], card: str) -> int | None:
    """The member's place in line in an offer's ranking snapshot ("you were Nth"): waiting
    members only, as the positions on the dispatch screen count them; none for a member
    with no position (working a short call)."""
    ahead = 0
    for row in snapshot:
        if row.get("card") == card:
            return ahead + 1 if row.get("position") is not None else None
        if row.get("position") is not None:
            ahead += 1
    return None


def audit_json(text: str) -> dict:
    import json

    return json.loads(text)


def _was_waiting(db: Database, card: str, job, rules: RuleSet, moment: datetime) -> bool:
    """Was the member waiting on one of the call's books at ``moment`` (from the registration history)?"""
    books = {b.id for b in rules.books_for(job.classification)}
    latest: dict[int, tuple[str, str]] = {}
    for reg_id, book, status in db.execute(
        "SELECT registration_id, book_id, status FROM registration_history WHERE card = ? AND at <= ?"
        " ORDER BY at, id", [card, audit.iso(moment)]
    ):
        latest[reg_id] = (book, status)
    return any(book in books and status == "waiting" for book, status in latest.values())


_CALL_RE = re.compile(r"#(\d+)")


def position_changes(db: Database, card: str, rules: RuleSet, now: datetime) -> list[KioskChange]:
    """How the member's position changed in the last 30 days on each book they wait on, newest first.

    Walks back from today's position through the history rows of the members
    ahead: someone ahead leaving the list moved the member up one, someone coming
    back to an earlier place moved them down one. Registrations that lapsed
    but whose removal is not recorded yet count as leaving at their removal moment.
    Only for the registration ordering (on a low-hours board places follow hours).
    """
    if rules.ordering.policy != "registration":
        return []
    since = now - timedelta(days=RECENT_DAYS)
    info = member_position(db, card, rules, now)
    changes: list[KioskChange] = []
    for b in info["books"]:
        if b["status"] != "waiting" or b["position"] is None:
            continue
        my_key = (b["registered_at"], card_key(card))
        my_since = db.execute(
            "SELECT max(at) FROM registration_history WHERE registration_id = ? AND status != 'waiting'",
            [b["registration_id"]],
        ).fetchone()[0]
        start = max(since, load.parse_time(my_since) or since, b["registered_at"])
        events = _book_events(db, b["book"], card, my_key, start, rules, now)
        position = b["position"]
        for moment, delta, text in sorted(events, key=lambda e: e[0], reverse=True):
            before = position - delta
            if before < 1:
                continue
            changes.append(KioskChange(moment, b["book"], before, position, text))
            position = before
    changes.sort(key=lambda c: c.at, reverse=True)
    return changes


def _book_events(db: Database, book_id: str, card: str, my_key: tuple, start: datetime, rules: RuleSet,
                 now: datetime) -> list[tuple[datetime, int, str]]:
    """(moment, change of my position, sentence) for others ahead of me on one book since ``start``."""
    rows = db.execute(
        "SELECT h.registration_id, h.card, m.name, h.at, h.status, h.registered_at, h.event"
        " FROM registration_history h JOIN members m ON m.card = h.card"
        " WHERE h.book_id = ? AND h.card != ? AND h.registration_id IN"
        " (SELECT registration_id FROM registration_history WHERE book_id = ? AND at > ?)"
        " ORDER BY h.at, h.id",
        [book_id, card, book_id, audit.iso(start)],
    ).fetchall()
    events = []
    prev: dict[int, str] = {}
    for reg_id, other, name, at_text, status, registered_text, event in rows:
        at = load.parse_time(at_text)
        was = prev.get(reg_id)
        prev[reg_id] = status
        if at <= start or was is None and status == "waiting" and event == "signed":
            continue  # before my window; a new signing goes to the bottom
        ahead = (load.parse_time(registered_text), card_key(other)) < my_key
        if not ahead:
            continue
        who = f"{name} ({other})"
        if was == "waiting" and status != "waiting":
            match = _CALL_RE.search(event or "")
            if event.startswith("accepted") and match:
                text = f"{who}, ahead of you, was referred to #{match.group(1)}"
            else:
                text = f"{who}, ahead of you, left the list"
            events.append((at, -1, text))
        elif was != "waiting" and status == "waiting":
            events.append((at, +1, f"{who} came back to an earlier place, ahead of you"))
    # Lapsed ahead of me but not recorded yet: they left at their removal moment.
    lapsed_sql, params = load.lapsed_where(db, rules, now)
    rows = db.execute(
        f"SELECT {load.REGISTRATION_COLUMNS} FROM registrations"
        f" WHERE book_id = ? AND status = 'waiting' AND {lapsed_sql} AND card != ?",
        [book_id, *params, card],
    ).fetchall()
    excused = load.excused_absences(db, {row[1] for row in rows}) if rows else {}
    for row in rows:
        reg = load.registration_from_row(row)
        moment = calendar.removal_at(reg, rules, excused.get(reg.card, ()))
        if moment > start and (reg.registered_at, card_key(reg.card)) < my_key:
            name = db.execute("SELECT name FROM members WHERE card = ?", [reg.card]).fetchone()[0]
            events.append((moment, -1, f"{name} ({reg.card}), ahead of you, left the list"))
    return events
