"""What the call screens read: the intake form's options and "who qualifies now",
the dispatch screen's ranked rows and friendly start times (slips: ``hall.reports.slips``).

Plain dicts and lists; no writes.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time, timedelta

from dispatch import calendar
from dispatch.calls import expected_end
from dispatch.eligibility import is_short_call
from dispatch.model import ON_SHORT_CALL, WAITING, JobCall, NameRequest
from dispatch.ranking import name_request_refusals, next_to_offer, offer_refusal, rank
from dispatch.reasons import render_all
from dispatch.rules import RuleSet
from hall import load
from hall.errors import HallError
from hall.queries.calls import call_info, calls
from hall.queries.certifications import known_certifications
from hall.queries.employers import employers
from hall.queries.members import phones as member_phones
from hall.views.referrals import referral_states, referral_suffix

# --- the intake form ---------------------------------------------------------------


def intake_options(store) -> dict:
    """Known employers, the hall's classifications and known certifications, for the form."""
    with store.reading() as read:
        return {
            "employers": [e["name"] for e in employers(read.db)],
            "classifications": list(read.rules.classifications),
            "certs": known_certifications(read.db),
            "short_max_days": read.rules.short_calls.max_days,
        }


_WEEKDAYS = {
    "mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "wednesday": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4, "friday": 4,
    "sat": 5, "saturday": 5, "sun": 6, "sunday": 6,
}
_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm|a|p)?$")
_EXAMPLE = 'e.g. "2026-11-27 07:00", "fri 07:00" or "tomorrow 7:00"'


def _parse_time(token: str) -> time | None:
    match = _TIME.match(token)
    if not match:
        return None
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half.startswith("p") else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _month(token: str) -> int | None:
    return _MONTHS.get(token[:3]) if len(token) >= 3 and token[:3] in _MONTHS and token.isalpha() else None


def resolve_start(text: str, rules: RuleSet, now: datetime) -> str:
    """A start typed by the dispatcher as "YYYY-MM-DD HH:MM" in the hall's zone, or one sentence.

    Accepts "2026-11-27 07:00", "fri 07:00", "friday 7am", "tomorrow 7:00", "today 13:30",
    "27 nov 07:00", "nov 27 7:00" and "fri 27 nov 07:00". A weekday means the next such day
    (today only if that time is still ahead). The time of day is required.
    """
    raw = " ".join((text or "").strip().lower().replace(",", " ").split())
    if not raw:
        raise HallError(f"The start date and time cannot be empty: {_EXAMPLE}.")
    # ISO forms first: "2026-11-27 07:00" or "2026-11-27T07:00".
    iso = re.match(r"^(\d{4}-\d{2}-\d{2})[ t](.+)$", raw)
    if iso:
        try:
            day = date.fromisoformat(iso.group(1))
        except ValueError:
            raise HallError(f"{iso.group(1)!r} is not a date: write it as YYYY-MM-DD.") from None
        clock = _parse_time(iso.group(2).strip())
        if clock is None:
            raise HallError(f"{iso.group(2)!r} is not a time of day: write it as HH:MM, e.g. 07:00.")
        return f"{day.isoformat()} {clock:%H:%M}"
    if re.match(r"^\d{4}-\d{2}-\d{2}$", raw):
        raise HallError(f"Give the start time too, e.g. \"{raw} 07:00\".")
    tokens = raw.split()
    clock = _parse_time(tokens[-1])
    if clock is None and len(tokens) >= 2 and tokens[-1] in ("am", "pm"):
        clock = _parse_time(tokens[-2] + tokens[-1])
        tokens = tokens[:-1]
    if clock is None:
        raise HallError(f"{text.strip()[:40]!r} has no time of day: {_EXAMPLE}.")
    words = tokens[:-1]
    local_now = calendar.local(now, rules)
    today = local_now.date()
    weekday = None
    day: date | None = None
    rest: list[str] = []
    for word in words:
        if word in _WEEKDAYS and weekday is None:
            weekday = _WEEKDAYS[word]
        elif word == "today":
            day = today
        elif word in ("tomorrow", "tmrw", "tmw"):
            day = today + timedelta(days=1)
        else:
            rest.append(word)
    if rest:
        number = next((w for w in rest if w.isdigit()), None)
        month = next((_month(w) for w in rest if _month(w)), None)
        year = next((int(w) for w in rest if w.isdigit() and len(w) == 4), None)
        if number is not None and len(number) == 4:
            number = next((w for w in rest if w.isdigit() and len(w) <= 2), None)
        if number is None or month is None or len(rest) > 3 or day is not None:
            raise HallError(f"{text.strip()[:40]!r} is not a start I can read: {_EXAMPLE}.")
        try:
            day = date(year or today.year, month, int(number))
            if year is None and day < today - timedelta(days=31):
                day = date(today.year + 1, month, int(number))
        except ValueError:
            raise HallError(f"{' '.join(rest)!r} is not a date.") from None
    if weekday is not None:
        if day is not None:
            if day.weekday() != weekday:
                raise HallError(f"{day:%d %b %Y} is a {day:%A}, not a {calendar_day_name(weekday)}.")
        else:
            ahead = (weekday - today.weekday()) % 7
            if ahead == 0 and clock <= local_now.time().replace(tzinfo=None):
                ahead = 7
            day = today + timedelta(days=ahead)
    if day is None:
        # A time alone: the next time the clock reads it.
        day = today if clock > local_now.time().replace(tzinfo=None) else today + timedelta(days=1)
    return f"{day.isoformat()} {clock:%H:%M}"


def calendar_day_name(weekday: int) -> str:
    return ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"][weekday]


def start_moment(text: str, rules: RuleSet, now: datetime) -> datetime:
    """The start as an aware UTC moment (daylight-saving gaps and folds refused with a sentence)."""
    resolved = resolve_start(text, rules, now)
    try:
        return calendar.to_utc(datetime.fromisoformat(resolved), rules)
    except calendar.TimeError as error:
        raise HallError(str(error)) from None


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


def who_qualifies(store, *, classification: str, certs=(), workers=None, days=None, start: str = "",
                  employer: str = "", requests: str = "") -> dict:
    """The intake side panel: who of that class is waiting, how each certification narrows
    them, how many meet everything, a warning when the call may not fill, short call or not,
    and what becomes of each name request."""
    with store.reading() as read:
        db, now, rules = read.db, read.now, read.rules
        cls = (classification or "").strip().upper()
        result: dict = {"classification": cls, "workers": _count(workers), "days": _count(days),
                        "certs": [], "requests": [], "warning": "", "start": None, "start_error": "",
                        "short_max_days": rules.short_calls.max_days, "first": [], "employer_known": None}
        name = (employer or "").strip()
        if name:
            result["employer_known"] = db.execute(
                "SELECT 1 FROM employers WHERE name = ? COLLATE NOCASE", [name]).fetchone() is not None
        if start.strip():
            try:
                result["start"] = start_moment(start, rules, now)
            except HallError as error:
                result["start_error"] = str(error)
        if cls not in rules.classifications:
            result["waiting"] = 0
            result["meet_all"] = 0
            return result
        moment = result["start"] or now
        days_n = result["days"] or 1
        workers_n = result["workers"] or 1
        parsed = [NameRequest(card, reason) for card, reason in parse_requests(requests)]
        draft = JobCall(0, name, cls, workers_n, moment, days_n, tuple(certs), tuple(parsed))
        regs = load.candidate_registrations(db, draft, rules, now)
        ctx = load.rank_context(db, draft, rules, now, regs)
        ctx.members.preload()
        ranking = rank(draft, regs, ctx)
        waiting = [c for c in ranking.candidates if c.status == WAITING]
        result["waiting"] = len(waiting)
        for cert in certs:
            wanted = cert.casefold()
            lacking = sum(
                1 for c in waiting
                if any(r.code in ("missing_cert", "cert_expired") and r.param("cert").casefold() == wanted
                       for r in c.reasons)
            )
            result["certs"].append({"cert": cert, "hold": len(waiting) - lacking, "excludes": lacking})
        eligible = [c for c in waiting if c.eligible]
        result["meet_all"] = len(eligible)
        result["first"] = [(c.card, c.name) for c in eligible if not c.name_request][:3]
        if result["workers"]:
            meet, need = len(eligible), result["workers"]
            if meet == 0:
                result["warning"] = f"Nobody qualifies for {need} worker{'s' if need != 1 else ''}: the call cannot fill now."
            elif meet <= need:
                result["warning"] = (f"{meet} qualif{'ies' if meet == 1 else 'y'} for {need} "
                                     f"worker{'s' if need != 1 else ''}: the call may not fill.")
            if result["warning"] and result["certs"]:
                worst = max(result["certs"], key=lambda c: c["excludes"])
                if worst["excludes"]:
                    result["warning"] += f" Is {worst['cert']} needed?"
        if result["days"]:
            result["short"] = is_short_call(draft, rules)
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
                result["requests"].append({"card": req.card, "name": row[0] if row else "", "reason": req.reason,
                                           "problem": problem})
        return result


# --- the dispatch screen -----------------------------------------------------------


def open_calls(store) -> list[dict]:
    """Open calls for the dispatch screen's picker (newest first)."""
    with store.read() as db:
        return calls(db, open_only=True)


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


def dispatch_view(store, call_id: int) -> dict:
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
                calling = {"card": info["calling_card"], "by": info["calling_by"], "since": info["calling_since"],
                           "name": who.name if who else info["calling_card"]}
        today = calendar.local_date(now, rules)
        limit = rules.turndowns.limit
        rows = []
        for cand in ranking.candidates:
            reg = regs.get(cand.registration_id)
            due = calendar.resign_due(reg, rules) if reg is not None and reg.status == WAITING else None
            due_warn = due is not None and (due - today).days <= rules.resign.warning_days
            offer = offers.get(cand.card)
            warn = False
            if offer is not None:
                state = "done"
                outcome = _outcome_text(offer, rules, requests.get(cand.card, ""))
            elif not cand.eligible:
                state = "passed"
                outcome = f"passed over: {render_all(cand.reasons)}"
            else:
                state = "next" if nxt is not None and nxt.card == cand.card else "waiting"
                parts = []
                if calling and calling["card"] == cand.card:
                    parts.append(f"calling ({calling['by']}, {calendar.local(calling['since'], rules):%H:%M})")
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
            })
        _place_missing_offers(rows, offers, ranking, regs, phones_of=lambda c: member_phones(db, [c]).get(c, ""),
                              db=db, rules=rules, requests=requests)
        referrals = referral_states(db, job.id)
        listed = {row["card"] for row in rows}
        for card, state in referrals.items():
            if card not in listed and state["basis"] == "remedy":  # granted by a correction, no offer
                name = load.member(db, card).name
                rows.insert(0, {
                    "card": card, "name": name, "pos": "remedy", "book": "", "registered_at": None,
                    "phone": member_phones(db, [card]).get(card, ""), "resign_due": None, "resign_warn": False,
                    "state": "done", "outcome": "remedy referral (correction)", "warn": False,
                    "refusal": f"{name} ({card}) was referred to this call as a remedy.",
                })
        for row in rows:
            state = referrals.get(row["card"])
            row["referral"] = state["status"] if state else None
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
        return {
            "call": job, "info": info, "rows": rows, "now": now, "rules": rules,
            "next": nxt.card if nxt else None, "next_name": nxt.name if nxt else "",
            "calling": calling, "age": age, "closed": closed_sentence,
            "short": is_short_call(job, rules),
            "short_until": expected_end(job, rules) if is_short_call(job, rules) else None,
            "unhonoured": list(ranking.unhonoured_requests.values()),
            "truncated": ranking.truncated, "referrals": referrals,
        }


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
