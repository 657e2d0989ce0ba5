"""What the call screens read: the intake form's options and "who qualifies now", the
dispatch screen's ranked rows, and referral slips.

Frozen dataclasses; no writes to the database (slips are files). Dates and times the
dispatcher types are read by ``hall.parse``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from dispatch import calendar
from dispatch.calls import expected_end, no_turndown_reason
from dispatch.eligibility import is_short_call
from dispatch.model import ON_SHORT_CALL, WAITING, JobCall, NameRequest, Reason
from dispatch.ranking import name_request_refusals, next_to_offer, offer_refusal, rank, rotation_start
from dispatch.rules import RuleSet
from hall import load
from hall.errors import HallError
from hall.parse import start_moment
from hall.queries.calls import call_info, calls
from hall.queries.certifications import known_certifications
from hall.queries.employers import employers
from hall.queries.members import phones as member_phones
from hall.views.referrals import ReferralState, referral_states, referral_suffix

# --- calls as listed ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OpenCall:
    """A job call as the board and the dispatch picker list it."""

    id: int
    employer: str
    classification: str
    workers: int
    start: datetime
    days: int
    status: str
    site: str
    taken_by: str
    taken_at: datetime | None
    accepted: int
    no_turndown: str = ""  # (v2) why declines on the call never count, or ""


def call_summary(row: dict) -> OpenCall:
    """An ``OpenCall`` from a row of ``hall.queries.calls.calls``."""
    return OpenCall(row["id"], row["employer"], row["class"], row["workers"], row["start"], row["days"],
                    row["status"], row["site"] or "", row["taken_by"] or "", row["taken_at"], row["accepted"],
                    row.get("no_turndown") or "")


# --- the intake form ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IntakeOptions:
    """Known employers, the hall's classifications and known certifications, for the form."""

    employers: tuple[str, ...]
    classifications: tuple[str, ...]
    certs: tuple[str, ...]
    short_max_days: int


def intake_options(store) -> IntakeOptions:
    """What the intake form offers to choose from."""
    with store.reading() as read:
        return IntakeOptions(tuple(e["name"] for e in employers(read.db)), tuple(read.rules.classifications),
                             tuple(known_certifications(read.db)), read.rules.short_calls.max_days)


def parse_requests(text: str) -> list[tuple[str, str]]:
    """Name requests typed as "104 foreman on Main St; 107 knows the site" -> [(card, reason)].

    Rows are separated by ";" (or new lines); the first word of a row is the card, the rest
    its reason ("—", "-" or ":" after the card are dropped). Checking is the operation's job.
    """
    rows = []
    for part in re.split(r"[;\n]", text or ""):
        part = part.strip()
        if not part:
            continue
        card, _, reason = part.partition(" ")
        card = card.rstrip(":,")
        reason = reason.strip().lstrip("—–-:").strip()
        rows.append((card, reason))
    return rows


def _count(value) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


@dataclass(frozen=True, slots=True)
class CertCount:
    """Of those waiting in the class: how many hold a certification, how many it excludes."""

    cert: str
    hold: int
    excludes: int


@dataclass(frozen=True, slots=True)
class RequestCheck:
    """A name request as typed, the member it names, and what stands in its way ('' if nothing)."""

    card: str
    name: str
    reason: str
    problem: str


@dataclass(frozen=True, slots=True)
class Qualifies:
    """The intake side panel: who of the class is waiting, how each certification narrows them, how
    many meet everything, a warning when the call may not fill, short call or not, and what becomes
    of each name request."""

    classification: str
    workers: int | None
    days: int | None
    short_max_days: int
    waiting: int = 0
    meet_all: int = 0
    certs: tuple[CertCount, ...] = ()
    requests: tuple[RequestCheck, ...] = ()
    warning: str = ""
    start: datetime | None = None
    start_error: str = ""
    first: tuple[tuple[str, str], ...] = ()
    employer_known: bool | None = None
    short: bool | None = None


def _fill_warning(meet: int, need: int, counts: list[CertCount]) -> str:
    workers = f"{need} worker{'s' if need != 1 else ''}"
    if meet == 0:
        warning = f"Nobody qualifies for {workers}: the call cannot fill now."
    elif meet <= need:
        warning = f"{meet} qualif{'ies' if meet == 1 else 'y'} for {workers}: the call may not fill."
    else:
        return ""
    worst = max(counts, key=lambda c: c.excludes, default=None)
    if worst is not None and worst.excludes:
        warning += f" Is {worst.cert} needed?"
    return warning


def who_qualifies(store, *, classification: str, certs=(), workers=None, days=None, start: str = "",
                  employer: str = "", requests: str = "") -> Qualifies:
    """What the intake side panel shows for the form as typed so far."""
    with store.reading() as read:
        db, now, rules = read.db, read.now, read.rules
        cls = (classification or "").strip().upper()
        base = {"classification": cls, "workers": _count(workers), "days": _count(days),
                "short_max_days": rules.short_calls.max_days}
        name = (employer or "").strip()
        if name:
            base["employer_known"] = db.execute(
                "SELECT 1 FROM employers WHERE name = ? COLLATE NOCASE", [name]).fetchone() is not None
        if start.strip():
            try:
                base["start"] = start_moment(start, rules, now)
            except HallError as error:
                base["start_error"] = str(error)
        if cls not in rules.classifications:
            return Qualifies(**base)
        parsed = [NameRequest(card, reason) for card, reason in parse_requests(requests)]
        draft = JobCall(0, name, cls, base["workers"] or 1, base.get("start") or now, base["days"] or 1,
                        tuple(certs), tuple(parsed))
        regs = load.candidate_registrations(db, draft, rules, now)
        ctx = load.rank_context(db, draft, rules, now, regs)
        ctx.members.preload()
        ranking = rank(draft, regs, ctx)
        waiting = [c for c in ranking.candidates if c.status == WAITING]
        counts = []
        for cert in certs:
            wanted = cert.casefold()
            lacking = sum(
                1 for c in waiting
                if any(r.code in ("missing_cert", "cert_expired") and r.param("cert").casefold() == wanted
                       for r in c.reasons)
            )
            counts.append(CertCount(cert, len(waiting) - lacking, lacking))
        eligible = [c for c in waiting if c.eligible]
        checks = []
        if parsed:
            known = {c.card: c for c in ranking.candidates}
            refusals = name_request_refusals(draft, ctx, set(known))
            for req in parsed:
                row = db.execute("SELECT name FROM members WHERE card = ?", [req.card]).fetchone()
                problem = refusals.get(req.card) or ranking.unhonoured_requests.get(req.card, "")
                if row is None:
                    problem = f"there is no member with card {req.card}."
                elif not req.reason:
                    problem = f"give a reason after the card, e.g. \"{req.card} foreman\"."
                checks.append(RequestCheck(req.card, row[0] if row else "", req.reason, problem))
        return Qualifies(
            **base, waiting=len(waiting), meet_all=len(eligible), certs=tuple(counts), requests=tuple(checks),
            warning=_fill_warning(len(eligible), base["workers"], counts) if base["workers"] else "",
            first=tuple((c.card, c.name) for c in eligible if not c.name_request)[:3],
            short=is_short_call(draft, rules) if base["days"] else None,
        )


def _count_problem(value, what: str, top: int) -> str:
    text = str(value or "").strip()
    if not text:
        return f"Give the number of {what}: a whole number from 1 to {top}."
    if not text.isdigit() or not 1 <= int(text) <= top:
        return f"{text[:20]!r} is not a number of {what}: give a whole number from 1 to {top}."
    return ""


def check_call_form(store, *, employer: str, classification: str, workers, start: str, days, certs=(),
                    requests: str = "", by_phone: str | None = None) -> list[tuple[str, str]]:
    """Every problem of a call as typed in the form, as (field, sentence), in the form's order;
    an empty list when the operation may be asked (it checks everything again)."""
    from hall.operations.calls import MAX_DAYS, MAX_WORKERS

    q = who_qualifies(store, classification=classification, certs=certs, workers=workers, days=days, start=start,
                      employer=employer, requests=requests)
    problems: list[tuple[str, str]] = []
    if not (employer or "").strip():
        problems.append(("employer", "Type the employer's name (a new one is added with the call)."))
    rules = store.rules()[1]
    if q.classification not in rules.classifications:
        problems.append(("classification", f"Choose a classification: {', '.join(rules.classifications)}."))
    if problem := _count_problem(workers, "workers", MAX_WORKERS):
        problems.append(("workers", problem))
    if not (start or "").strip():
        problems.append(("start", "Give the start: when the members report, e.g. \"fri 7am\"."))
    elif q.start_error:
        problems.append(("start", q.start_error))
    if problem := _count_problem(days, "working days", MAX_DAYS):
        problems.append(("days", problem))
    for request in q.requests:
        if request.problem:
            problems.append(("requests", f"Name request {request.card}: {request.problem}"))
    if by_phone is not None and not by_phone.strip():
        problems.append(("by_phone", "Say why this call cannot wait for the morning selection (it goes out by "
                                     "phone now), or choose to post it for bids."))
    return problems


# --- the dispatch screen -----------------------------------------------------------


def open_calls(store) -> list[OpenCall]:
    """Open calls for the dispatch screen's picker (newest first)."""
    with store.reading() as read:
        return [call_summary(row) for row in calls(read.db, open_only=True, rules=read.rules)]


def duration_text(seconds: float) -> str:
    """'13 min', '2 h 05 min', '3 days'."""
    minutes = max(int(seconds // 60), 0)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    return f"{hours // 24} days"


def _offer_rows(db, call_id: int) -> dict[str, dict]:
    """card -> the offer in force on the call, with the turndown count it left."""
    found = {}
    for card, outcome, note, by, at, counted, named, seq, regs, reg_id, book, position, name in db.execute(
        "SELECT o.card, o.outcome, o.note, o.recorded_by, o.at, o.turndown_counted, o.named, o.audit_seq,"
        " json_extract(a.data, '$.registrations'), o.registration_id, o.book_id, o.position,"
        " (SELECT m.name FROM members m WHERE m.card = o.card)"
        " FROM offers o LEFT JOIN audit a ON a.seq = o.audit_seq"
        " WHERE o.call_id = ? AND o.superseded_by IS NULL ORDER BY o.id", [call_id]
    ):
        after = json.loads(regs)[0] if regs and json.loads(regs) else {}
        found[card] = {"outcome": outcome, "note": note, "by": by, "at": load.parse_time(at),
                       "turndown": bool(counted), "named": bool(named), "seq": seq,
                       "turndowns": after.get("turndowns"), "removed": after.get("status") == "removed",
                       "registration_id": reg_id, "book": book, "position": position, "name": name or ""}
    return found


def _outcome_text(offer: dict, rules: RuleSet, request_reason: str) -> str:
    outcome = offer["outcome"]
    limit = rules.turndowns.limit
    if outcome == "accepted":
        text = "accepted · " + (f"name request: {request_reason}" if offer["named"] else "list order")
    elif outcome == "employer_rejected":
        text = "employer rejected · not a turndown"
    else:
        text = "declined" if outcome == "declined" else "no answer"
        if offer["turndown"]:
            if offer["removed"]:
                text += f" · turndown {offer['turndowns']} of {limit}, rolled off"
            elif rules.ordering.policy == "low_hours":
                text += " · penalty hours"
            else:
                text += f" · turndown {offer['turndowns']} of {limit}"
        else:
            text += " · not a turndown"
    if offer["note"]:
        text += f" · “{offer['note']}”"
    return text


@dataclass(frozen=True, slots=True)
class CallInfo:
    """What the call records beside its terms: where, notes, who took it and when, who is calling."""

    site: str = ""
    notes: str = ""
    taken_by: str = ""
    taken_at: datetime | None = None
    cancel_reason: str = ""
    closed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Calling:
    """Someone is phoning a candidate on this call now."""

    card: str
    name: str
    by: str
    since: datetime


@dataclass(frozen=True, slots=True)
class DispatchRow:
    """One candidate on a call, in offer order.

    ``state``: "next" (the one to offer now), "waiting", "passed" (``reasons`` say why) or "done"
    (``outcome`` says what was recorded); ``refusal`` is the sentence when an outcome is asked for a
    row that is not next; ``referral`` is the status of an accepted member's referral.
    """

    card: str
    name: str
    pos: str
    book: str
    registered_at: datetime | None
    phone: str
    resign_due: date | None
    resign_warn: bool
    state: str
    outcome: str
    warn: bool
    refusal: str | None
    reasons: tuple[Reason, ...] = ()
    referral: str | None = None


@dataclass(frozen=True, slots=True)
class DispatchView:
    """Everything the dispatch screen shows for one call, read at one moment."""

    call: JobCall
    info: CallInfo
    rows: tuple[DispatchRow, ...]
    now: datetime
    rules: RuleSet
    next: str | None
    next_name: str
    calling: Calling | None
    age: str
    closed: str
    short: bool
    short_until: date | None
    unhonoured: tuple[str, ...]
    truncated: bool
    referrals: dict[str, ReferralState] = field(default_factory=dict)
    # (v2) Why declines on this call never count ("" when they can); with short_calls.rotation and a
    # short call, where each book's rotation starts: (book, after whom, who is first).
    no_turndown: str = ""
    rotation: tuple[tuple[str, str, str], ...] = ()

    def row(self, card: str | None) -> DispatchRow | None:
        """The row of ``card`` (None when it is not listed)."""
        return next((r for r in self.rows if r.card == card), None)


def dispatch_view(store, call_id: int) -> DispatchView:
    """Everything the dispatch screen shows for one call, read at one moment."""
    with store.reading() as read:
        db, now, rules = read.db, read.now, read.rules
        job = load.job_call(db, int(call_id))
        ranking, ctx = load.ranking_through(db, job, rules, now)
        info = call_info(db, job.id)
        phones = member_phones(db, [c.card for c in ranking.candidates])
        offers = _offer_rows(db, job.id)
        ids = [c.registration_id for c in ranking.candidates]
        regs = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            marks = ",".join("?" for _ in chunk)
            for row in db.execute(f"SELECT {load.REGISTRATION_COLUMNS} FROM registrations WHERE id IN ({marks})",
                                  chunk):
                regs[row[0]] = load.registration_from_row(row)
        requests = {r.card: r.reason for r in job.name_requests}
        nxt = next_to_offer(ranking) if job.status == "open" else None
        calling = None
        if info.get("calling_card") and info.get("calling_since"):
            if (now - info["calling_since"]).total_seconds() < rules.offers.calling_minutes * 60:
                who = ranking.find(info["calling_card"])
                calling = Calling(info["calling_card"], who.name if who else info["calling_card"],
                                  info["calling_by"], info["calling_since"])
        today = calendar.local_date(now, rules)
        limit = rules.turndowns.limit
        rows = []
        for cand in ranking.candidates:
            reg = regs.get(cand.registration_id)
            due = (calendar.resign_due(reg, rules, ctx.excused.get(reg.card, ()))
                   if reg is not None and reg.status == WAITING else None)
            due_warn = due is not None and (due - today).days <= rules.resign.warning_days
            offer = offers.get(cand.card)
            warn = False
            if offer is not None:
                state = "done"
                outcome = _outcome_text(offer, rules, requests.get(cand.card, ""))
            elif not cand.eligible:
                state = "passed"
                outcome = "passed over"
            else:
                state = "next" if nxt is not None and nxt.card == cand.card else "waiting"
                parts = []
                if calling and calling.card == cand.card:
                    parts.append(f"calling ({calling.by}, {calendar.local(calling.since, rules):%H:%M})")
                if cand.name_request:
                    parts.append(f"name request: {cand.name_request_reason}")
                if cand.status == ON_SHORT_CALL:
                    parts.append("on a short call")
                if cand.turndowns and rules.ordering.policy != "low_hours":
                    warn = cand.turndowns >= limit - 1
                    parts.append(f"{'! ' if warn else ''}turndowns {cand.turndowns} of {limit}")
                outcome = " · ".join(parts)
            if cand.name_request:
                pos = "name"
            elif cand.position is not None:
                pos = str(cand.position)
            else:
                pos = "—"
            rows.append({
                "card": cand.card, "name": cand.name, "pos": pos, "book": cand.book_id,
                "registered_at": cand.registered_at, "phone": phones.get(cand.card, ""),
                "resign_due": due, "resign_warn": due_warn, "state": state, "outcome": outcome,
                "warn": warn, "refusal": None if state == "next" else offer_refusal(ranking, cand.card),
                "reasons": tuple(cand.reasons) if state == "passed" else (),
            })
        _place_missing_offers(rows, offers, ranking, regs, phones_of=lambda c: member_phones(db, [c]).get(c, ""),
                              db=db, rules=rules, requests=requests)
        referrals = referral_states(db, job.id)
        listed = {row["card"] for row in rows}
        for card, state in referrals.items():
            if card not in listed and state.basis == "remedy":  # granted by a correction, no offer
                name = load.member(db, card).name
                rows.insert(0, {
                    "card": card, "name": name, "pos": "remedy", "book": "", "registered_at": None,
                    "phone": member_phones(db, [card]).get(card, ""), "resign_due": None, "resign_warn": False,
                    "state": "done", "outcome": "remedy referral (correction)", "warn": False,
                    "refusal": f"{name} ({card}) was referred to this call as a remedy.",
                })
        for row in rows:
            state = referrals.get(row["card"])
            row["referral"] = state.status if state else None
            row["outcome"] += referral_suffix(state)
        if job.status == "filled":
            closed = info.get("closed_at") or now
            age = f"filled in {duration_text((closed - info['taken_at']).total_seconds())}"
        elif job.status == "cancelled":
            age = f"cancelled: {info.get('cancel_reason', '')}"
        else:
            age = f"open {duration_text((now - info['taken_at']).total_seconds())}"
        if job.status != "open":
            closed_sentence = (f"Call #{job.id} is filled ({job.accepted} of {job.workers}): no more offers."
                               if job.status == "filled" else f"Call #{job.id} was cancelled: no more offers.")
        else:
            closed_sentence = ""
        return DispatchView(
            call=job, rows=tuple(DispatchRow(**row) for row in rows), now=now, rules=rules,
            info=CallInfo(info.get("site") or "", info.get("notes") or "", info.get("taken_by") or "",
                          info.get("taken_at"), info.get("cancel_reason") or "", info.get("closed_at")),
            next=nxt.card if nxt else None, next_name=nxt.name if nxt else "",
            calling=calling, age=age, closed=closed_sentence, short=is_short_call(job, rules),
            short_until=expected_end(job, rules) if is_short_call(job, rules) else None,
            unhonoured=tuple(ranking.unhonoured_requests.values()), truncated=ranking.truncated,
            referrals=referrals, no_turndown=no_turndown_reason(job, rules),
            rotation=_rotation(db, job, rules, now, ctx),
        )


def _rotation(db, job: JobCall, rules: RuleSet, now: datetime, ctx) -> tuple[tuple[str, str, str], ...]:
    """(v2) With ``short_calls.rotation``, for a short call: each book's rotation point (who last accepted
    a short call from it) and the waiting member the call starts at."""
    if not ctx.rotation:
        return ()
    found = []
    for book in rules.books_for(job.classification):
        point = ctx.rotation.get(book.id)
        if point is None:
            continue
        regs = [load.registration_from_row(r) for r in db.execute(
            f"SELECT {load.REGISTRATION_COLUMNS} FROM registrations WHERE book_id = ? AND status = 'waiting'",
            [book.id])]
        start = rotation_start(book, regs, point, rules, now, ctx.excused)
        names = dict(db.execute("SELECT card, name FROM members WHERE card IN (?, ?)",
                                [point.card, start.card if start else ""]).fetchall())
        found.append((book.id, f"{names.get(point.card, point.card)} ({point.card})",
                      f"{names.get(start.card, start.card)} ({start.card})" if start else ""))
    return tuple(found)


def _place_missing_offers(rows: list[dict], offers: dict, ranking, regs: dict, *, phones_of, db, rules,
                          requests: dict) -> None:
    """Members with an outcome on the call whose registration left the ranking (e.g. rolled off by
    this decline) are still listed, at their place when offered (book, then position)."""
    order = {book.id: book.priority for book in rules.books}
    for card, offer in offers.items():
        if ranking.find(card) is not None:
            continue
        registered = None
        if offer["registration_id"] is not None:
            row = db.execute(f"SELECT {load.REGISTRATION_COLUMNS} FROM registrations WHERE id = ?",
                             [offer["registration_id"]]).fetchone()
            registered = load.registration_from_row(row).registered_at if row else None
        new = {
            "card": card, "name": offer["name"], "pos": str(offer["position"]) if offer["position"] else "—",
            "book": offer["book"] or "", "registered_at": registered, "phone": phones_of(card),
            "resign_due": None, "resign_warn": False, "state": "done",
            "outcome": _outcome_text(offer, rules, requests.get(card, "")), "warn": False,
            "refusal": f"{offer['name'] or card} ({card}) already has an outcome on this call.",
        }
        key = (order.get(offer["book"], 99), offer["position"] or 0)
        at = len(rows)
        for i, row in enumerate(rows):
            if row["pos"].isdigit() and (order.get(row["book"], 99), int(row["pos"])) >= key:
                at = i
                break
        rows.insert(at, new)
