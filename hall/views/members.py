"""What the member-facing staff screens read: the out-of-work lists (paged), a member's card, the counter.

Plain dicts and tuples; no writes; no textual. Each function opens its own
connection through the Store and reads the rules in force at the Store's now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dispatch import calendar
from dispatch.model import WAITING
from dispatch.rules import RuleSet
from hall import load
from hall.queries import books as lists
from hall.queries.members import member_history, search_members

CERT_WARNING_DAYS = 30


@dataclass(frozen=True, slots=True)
class BookOrder:
    """A book's list as read at ``now``: how many wait, where a kept registration now stands,
    and the page of rows there.

    Other rows are read a page at a time (``book_page``) by offset on the book's index; the
    whole order (``ids``: (registration id, card) in list order) is held only when the
    ordering policy is not registration order (``low_hours`` ranks on hours worked).
    """

    book_id: str
    count: int
    now: datetime
    rules: RuleSet
    ids: list[tuple[int, str]] | None = None
    kept: int | None = None  # the 0-based place of the registration asked to keep, if still waiting
    page: int = 0  # rows = the list's rows page * page_size ...
    rows: tuple = ()


def book_order(store, book_id: str, keep: int | None = None, near: int = 0, page_size: int = 0) -> BookOrder:
    """How many wait on one book (counted on the index), the place of registration ``keep``,
    and (``page_size``) the page holding it, or else the page holding place ``near``."""
    with store.reading() as read:
        db, now, rules = read.db, read.now, read.rules
        ids = None
        if rules.ordering.policy != "registration":
            ids = lists.book_order_ids(db, book_id, rules, now)
            count = len(ids)
            kept = next((i for i, (rid, _) in enumerate(ids) if rid == keep), None)
        else:
            count = lists.book_count(db, book_id, rules, now)
            kept = lists.book_index_of(db, book_id, rules, now, keep) if keep is not None else None
        page, rows = 0, ()
        if page_size and count:
            page = (kept if kept is not None else max(min(near, count - 1), 0)) // page_size
            rows = tuple(lists.book_list_page(db, book_id, rules, now, offset=page * page_size,
                                              limit=page_size, order=ids))
        return BookOrder(book_id, count, now, rules, ids, kept, page, rows)


@dataclass(frozen=True, slots=True)
class ListsOpening:
    """What the lists screen shows first, read at once: every book's count, the first book's
    list at its first page, and whether re-sign removals are due (for the sweep)."""

    counts: dict[str, int]
    order: BookOrder
    lapse_due: bool


def lists_opening(store, book_id: str, page_size: int) -> ListsOpening:
    with store.reading() as read:
        counts = lists.book_counts(read.db, read.rules, read.now)
        lapse_due = lists.lapse_due(read.db, read.rules, read.now)
    return ListsOpening(counts, book_order(store, book_id, page_size=page_size), lapse_due)


def book_page(store, order: BookOrder, offset: int, limit: int) -> list[lists.ListRow]:
    """Rows offset .. offset+limit of a book's list, with names, re-sign due and turndowns."""
    with store.read() as db:
        return lists.book_list_page(db, order.book_id, order.rules, order.now,
                                    offset=offset, limit=limit, order=order.ids)


def find_in_book(store, order: BookOrder, text: str) -> list[int]:
    """0-based places (in the book's list) of rows whose card starts with, or name contains, ``text``."""
    with store.read() as db:
        return lists.find_in_book(db, order.book_id, order.rules, order.now, text, order.ids)


def lapse_due(store) -> bool:
    """Whether some waiting registration is past its re-sign deadline (the sweep has work)."""
    with store.reading() as read:
        return lists.lapse_due(read.db, read.rules, read.now)


def search(store, text: str, limit: int = 30) -> list[dict]:
    """Members by card prefix or name, with their books (for the find box)."""
    with store.read() as db:
        found = search_members(db, text, limit=limit)
        exact = db.execute("SELECT card, name FROM members WHERE card = ?", [(text or "").strip()]).fetchone()
        if exact and all(m["card"] != exact[0] for m in found):
            found.insert(0, {"card": exact[0], "name": exact[1]})
        for m in found:
            m["books"] = [r[0] + ("" if r[1] == WAITING else f" ({r[1].replace('_', ' ')})") for r in db.execute(
                "SELECT book_id, status FROM registrations WHERE card = ? AND status != 'removed' ORDER BY book_id",
                [m["card"]])]
        found.sort(key=lambda m: (m["card"] != (text or "").strip(), m["name"].casefold()))
        return found


def _position(db, reg, rules, now, orders: dict) -> tuple[int | None, int]:
    ids = orders.get(reg.book_id)
    if ids is None:
        ids = orders[reg.book_id] = lists.book_order_ids(db, reg.book_id, rules, now)
    for i, (rid, _) in enumerate(ids, start=1):
        if rid == reg.id:
            return i, len(ids)
    return None, len(ids)


def member_card(store, card: str, *, history: bool = True) -> dict:
    """Everything the member and counter screens show about one member."""
    card = (card or "").strip()
    with store.reading() as read:
        db, now, rules = read.db, read.now, read.rules
        today = calendar.local_date(now, rules)
        member = load.member(db, card)
        row = db.execute("SELECT phone_checked_at FROM members WHERE card = ?", [card]).fetchone()
        phone_checked = load.parse_time(row[0]) if row else None
        certs = []
        for cert in member.certifications:
            state = "ok"
            if cert.expires is not None:
                if cert.expires < today:
                    state = "expired"
                elif cert.expires <= today + timedelta(days=CERT_WARNING_DAYS):
                    state = "expiring"
            certs.append({"name": cert.name, "expires": cert.expires, "state": state})
        orders: dict = {}
        books = []
        for reg in load.registrations_of(db, card, active_only=True):
            lapsed = reg.status == WAITING and now >= calendar.removal_at(reg, rules)
            if lapsed:
                continue
            book = rules.book(reg.book_id)
            position, of = _position(db, reg, rules, now, orders) if reg.status == WAITING else (None, None)
            signed = db.execute("SELECT signed_via FROM registrations WHERE id = ?", [reg.id]).fetchone()
            books.append({
                "book": reg.book_id, "book_name": book.name if book else reg.book_id,
                "priority": book.priority if book else 99,
                "status": reg.status, "position": position, "of": of,
                "registered_at": reg.registered_at, "last_signed_at": reg.last_signed_at,
                "signed_via": signed[0] if signed else "",
                "resign_due": calendar.resign_due(reg, rules) if reg.status == WAITING else None,
                "resign_state": calendar.resign_state(reg, rules, now) if reg.status == WAITING else None,
                "turndowns": reg.turndowns, "restorations": reg.restorations,
                "short_call": reg.short_call, "registration_id": reg.id,
            })
        books.sort(key=lambda b: (b["priority"], b["book"]))
        unavailable = [
            {"until": date.fromisoformat(r[0]), "start": date.fromisoformat(r[1]) if r[1] else None,
             "reason": r[2], "via": r[3]}
            for r in db.execute(
                "SELECT until, start, reason, via FROM unavailability WHERE card = ? AND until >= ? ORDER BY until",
                [card, today.isoformat()])
        ]
        referral = load.active_referral(db, card)
        working = None
        if referral is not None:
            call = load.job_call(db, referral[1])
            working = {"call": call.id, "employer": call.employer, "short": bool(referral[2]), "start": call.start}
        signable = [b for b in rules.books
                    if b.classification in member.classifications and all(x["book"] != b.id for x in books)]
        result = {
            "now": now, "today": today, "rules": rules, "member": member, "phone_checked": phone_checked,
            "certs": certs, "books": books, "unavailable": unavailable, "working": working,
            "signable": signable, "turndown_limit": rules.turndowns.limit,
            "max_restorations": rules.short_calls.max_restorations,
        }
        if history:
            result["history"] = member_timeline(db, card)
        return result


def member_timeline(db, card: str) -> list[dict]:
    """Offers, referrals and job ends of a member in one list, newest first."""
    past = member_history(db, card)
    events = []
    for o in past["offers"]:
        what = o["outcome"].replace("_", " ")
        if o["turndown"]:
            what += " · turndown"
        if o["named"]:
            what += " · name request"
        pos = f"position {o['position']} on {o['book']}" if o["position"] else (o["book"] or "")
        events.append({"at": o["at"], "kind": "offer", "call": o["call"], "employer": o["employer"],
                       "what": what, "detail": pos, "note": o["note"] or "", "by": o["by"] or ""})
    for r in past["referrals"]:
        what = "referred" + (" (short call)" if r["short_call"] else "")
        detail = r["basis"].replace("_", " ")
        if r["status"] not in ("active", "ended"):
            detail += f" · {r['status']}"
        events.append({"at": r["at"], "kind": "referral", "call": r["call"], "employer": r["employer"],
                       "what": what, "detail": detail, "note": r["reversal"] or "", "by": ""})
    for e in past["ends"]:
        what = "job ended: " + e["reason"].replace("_", " ")
        detail = f"{e['days_worked']} days" + (" · counted as a short call" if e["short"] else "")
        events.append({"at": e["at"], "kind": "end", "call": e["call"], "employer": "",
                       "what": what, "detail": detail, "note": "", "by": ""})
    kinds = {"outcome": "correction: outcome set aside", "restore": "correction: place restored",
             "remedy": "correction: remedy referral"}
    for c in past.get("corrections", ()):
        events.append({"at": c["at"], "kind": "correction", "call": c["call"], "employer": "",
                       "what": kinds.get(c["kind"], "correction"), "detail": c["authority"],
                       "note": c["reason"], "by": c["by"] or ""})
    order = {"correction": -1, "end": 0, "referral": 1, "offer": 2}
    events.sort(key=lambda ev: (ev["at"], -order[ev["kind"]]), reverse=True)
    return events


def positions_of(store, card: str) -> dict[str, tuple[int | None, int]]:
    """book -> (position, of) for a member's waiting registrations (after an operation, for its sentence)."""
    with store.reading() as read:
        orders: dict = {}
        return {reg.book_id: _position(read.db, reg, read.rules, read.now, orders)
                for reg in load.registrations_of(read.db, card, active_only=True) if reg.status == WAITING}


def book_counts(store) -> dict[str, int]:
    """How many are waiting on each book now (for the tab labels)."""
    with store.reading() as read:
        return lists.book_counts(read.db, read.rules, read.now)
