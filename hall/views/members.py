"""What the member-facing staff screens read: the out-of-work lists (paged), a member's card, the counter.

Frozen dataclasses; no writes; no textual. Each function opens its own connection
through the Store and reads the rules in force at the Store's now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dispatch import calendar
from dispatch.model import WAITING
from dispatch.rules import RuleSet
from hall import load
from hall.queries import books as lists
from hall.queries.members import excuses_of, member_history, search_members

CERT_WARNING_DAYS = 30
SIGNINGS = ("signed", "re-signed")  # history events that are a member signing (how it came in is kept)


@dataclass(frozen=True, slots=True)
class ListEntry:
    """A row of a book's list, and the date a member's declared unavailability runs to (if today is in it)."""

    row: lists.ListRow
    unavailable_until: date | None = None


def _entries(db, rows: list[lists.ListRow], today: date) -> tuple[ListEntry, ...]:
    """The rows with each member's unavailability in force today."""
    if not rows:
        return ()
    marks = ",".join("?" for _ in rows)
    until = {card: date.fromisoformat(last) for card, last in db.execute(
        f"SELECT card, max(until) FROM unavailability WHERE card IN ({marks}) AND until >= ?"
        " AND (start IS NULL OR start <= ?) GROUP BY card",
        [*(r.card for r in rows), today.isoformat(), today.isoformat()])}
    return tuple(ListEntry(r, until.get(r.card)) for r in rows)


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
    rows: tuple[ListEntry, ...] = ()


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
            rows = _entries(db, lists.book_list_page(db, book_id, rules, now, offset=page * page_size,
                                                     limit=page_size, order=ids),
                            calendar.local_date(now, rules))
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


def book_page(store, order: BookOrder, offset: int, limit: int) -> list[ListEntry]:
    """Rows offset .. offset+limit of a book's list, with names, re-sign due, turndowns and unavailability."""
    with store.read() as db:
        rows = lists.book_list_page(db, order.book_id, order.rules, order.now,
                                    offset=offset, limit=limit, order=order.ids)
        return list(_entries(db, rows, calendar.local_date(order.now, order.rules)))


def find_in_book(store, order: BookOrder, text: str) -> list[int]:
    """0-based places (in the book's list) of rows whose card starts with, or name contains, ``text``."""
    with store.read() as db:
        return lists.find_in_book(db, order.book_id, order.rules, order.now, text, order.ids)


def lapse_due(store) -> bool:
    """Whether some waiting registration is past its re-sign deadline (the sweep has work)."""
    with store.reading() as read:
        return lists.lapse_due(read.db, read.rules, read.now)


@dataclass(frozen=True, slots=True)
class FoundMember:
    """A member the find box found, with the books they are on ("JW-1", "JW-2 (on short call)")."""

    card: str
    name: str
    books: tuple[str, ...]


def search(store, text: str, limit: int = 30) -> list[FoundMember]:
    """Members by card prefix or name, with their books (for the find box); the exact card first."""
    text = (text or "").strip()
    with store.read() as db:
        found = [(m["card"], m["name"]) for m in search_members(db, text, limit=limit)]
        exact = db.execute("SELECT card, name FROM members WHERE card = ?", [text]).fetchone()
        if exact and all(card != exact[0] for card, _ in found):
            found.insert(0, (exact[0], exact[1]))
        result = []
        for card, name in found:
            books = tuple(r[0] + ("" if r[1] == WAITING else f" ({r[1].replace('_', ' ')})") for r in db.execute(
                "SELECT book_id, status FROM registrations WHERE card = ? AND status != 'removed' ORDER BY book_id",
                [card]))
            result.append(FoundMember(card, name, books))
    result.sort(key=lambda m: (m.card != text, m.name.casefold()))
    return result


def _position(db, reg, rules, now, orders: dict) -> tuple[int | None, int]:
    ids = orders.get(reg.book_id)
    if ids is None:
        ids = orders[reg.book_id] = lists.book_order_ids(db, reg.book_id, rules, now)
    for i, (rid, _) in enumerate(ids, start=1):
        if rid == reg.id:
            return i, len(ids)
    return None, len(ids)


@dataclass(frozen=True, slots=True)
class CertState:
    """A certification held: ``state`` is "ok", "expiring" (within 30 days) or "expired"."""

    name: str
    expires: date | None
    state: str


@dataclass(frozen=True, slots=True)
class BookStanding:
    """One of a member's registrations, as the member and counter screens show it.

    ``signed_at``/``signed_via``: the member's last signing or re-signing and how it came in;
    ``clock_from``/``clock_event``: when something else since (a short call's end, a reversal, a
    correction) restarted the re-sign clock, that moment and what it was.
    """

    book: str
    book_name: str
    priority: int
    status: str
    position: int | None
    of: int | None
    registered_at: datetime
    signed_at: datetime | None
    signed_via: str
    clock_from: datetime | None
    clock_event: str
    resign_due: date | None
    resign_state: str | None
    turndowns: int
    restorations: int
    short_call: object
    registration_id: int


@dataclass(frozen=True, slots=True)
class Unavailable:
    """A declared unavailability in force or ahead (the reason is for staff only)."""

    until: date
    start: date | None
    reason: str
    via: str


@dataclass(frozen=True, slots=True)
class Excused:
    """(v2) An excused absence in force or ahead: its number, kind and evidence are for staff only
    (members read only "excused until")."""

    id: int
    kind: str
    start: date
    until: date
    evidence: str


@dataclass(frozen=True, slots=True)
class Working:
    """The member's referral in force."""

    call: int
    employer: str
    short: bool
    start: datetime


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    """One line of a member's history: an offer, a referral, a job end or a correction."""

    at: datetime
    kind: str
    call: int | None
    employer: str
    what: str
    detail: str
    note: str
    by: str


@dataclass(frozen=True, slots=True)
class MemberCard:
    """Everything the member and counter screens show about one member."""

    now: datetime
    today: date
    rules: RuleSet
    member: object
    phone_checked: datetime | None
    certs: tuple[CertState, ...]
    books: tuple[BookStanding, ...]
    unavailable: tuple[Unavailable, ...]
    working: Working | None
    signable: tuple
    turndown_limit: int
    max_restorations: int
    history: tuple[HistoryEvent, ...] = ()
    # (v2) Excused absences in force or ahead; the member's hours this period on a low-hours board
    # (None on other boards); the books an admin could move the member to (same classification).
    excused: tuple[Excused, ...] = ()
    period_hours: float | None = None
    movable: tuple = ()


def _signings(db, reg) -> tuple[datetime | None, datetime | None, str]:
    """When the member last signed or re-signed this registration, and (when later) when and by
    what else the re-sign clock restarted."""
    rows = db.execute(
        "SELECT at, event, last_signed_at FROM registration_history WHERE registration_id = ?"
        " ORDER BY at DESC, id DESC", [reg.id]).fetchall()
    signed = next((load.parse_time(at) for at, event, _ in rows if event in SIGNINGS), None)
    if signed is None or reg.last_signed_at is None or reg.last_signed_at <= signed:
        return signed, None, ""
    restart = next(((load.parse_time(at), event) for at, event, last in rows
                    if event not in SIGNINGS and last and load.parse_time(last) == reg.last_signed_at), None)
    if restart is None:
        return signed, reg.last_signed_at, ""
    return signed, restart[0], restart[1].replace("_", " ")


def member_card(store, card: str, *, history: bool = True) -> MemberCard:
    """Everything the member and counter screens show about one member (``NotFound`` with a sentence)."""
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
            certs.append(CertState(cert.name, cert.expires, state))
        orders: dict = {}
        books = []
        absences = load.excused_absences(db, [card]).get(card, ())
        for reg in load.registrations_of(db, card, active_only=True):
            if reg.status == WAITING and now >= calendar.removal_at(reg, rules, absences):
                continue  # lapsed: the next write records the removal
            book = rules.book(reg.book_id)
            position, of = _position(db, reg, rules, now, orders) if reg.status == WAITING else (None, None)
            via = db.execute("SELECT signed_via FROM registrations WHERE id = ?", [reg.id]).fetchone()
            signed_at, clock_from, clock_event = _signings(db, reg)
            books.append(BookStanding(
                book=reg.book_id, book_name=book.name if book else reg.book_id,
                priority=book.priority if book else 99, status=reg.status, position=position, of=of,
                registered_at=reg.registered_at, signed_at=signed_at, signed_via=via[0] if via else "",
                clock_from=clock_from, clock_event=clock_event,
                resign_due=calendar.resign_due(reg, rules, absences) if reg.status == WAITING else None,
                resign_state=calendar.resign_state(reg, rules, now, absences) if reg.status == WAITING else None,
                turndowns=reg.turndowns, restorations=reg.restorations, short_call=reg.short_call,
                registration_id=reg.id,
            ))
        books.sort(key=lambda b: (b.priority, b.book))
        unavailable = tuple(
            Unavailable(date.fromisoformat(r[0]), date.fromisoformat(r[1]) if r[1] else None, r[2], r[3])
            for r in db.execute(
                "SELECT until, start, reason, via FROM unavailability WHERE card = ? AND until >= ? ORDER BY until",
                [card, today.isoformat()])
        )
        referral = load.active_referral(db, card)
        working = None
        if referral is not None:
            call = load.job_call(db, referral[1])
            working = Working(call.id, call.employer, bool(referral[2]), call.start)
        held = {rules.book(x.book).classification for x in books if rules.book(x.book)}
        one_each = rules.registration.one_per_classification
        signable = tuple(b for b in rules.books
                         if b.classification in member.classifications and all(x.book != b.id for x in books)
                         and not (one_each and b.classification in held))
        waiting_classes = {rules.book(x.book).classification for x in books if x.status == WAITING and rules.book(x.book)}
        movable = tuple(b for b in rules.books if b.classification in waiting_classes
                        and all(x.book != b.id for x in books))
        excused = tuple(Excused(r["id"], r["kind"], r["start"], r["until"], r["evidence"])
                        for r in excuses_of(db, card, today))
        period_hours = (load.member_hours(db, [card], now, rules).get(card, 0.0)
                        if rules.ordering.policy == "low_hours" else None)
        return MemberCard(
            now=now, today=today, rules=rules, member=member, phone_checked=phone_checked, certs=tuple(certs),
            books=tuple(books), unavailable=unavailable, working=working, signable=signable,
            turndown_limit=rules.turndowns.limit, max_restorations=rules.short_calls.max_restorations,
            history=tuple(member_timeline(db, card)) if history else (),
            excused=excused, period_hours=period_hours, movable=movable,
        )


def member_timeline(db, card: str) -> list[HistoryEvent]:
    """Offers, referrals, job ends and corrections of a member in one list, newest first."""
    past = member_history(db, card)
    events = []
    for o in past["offers"]:
        what = o["outcome"].replace("_", " ")
        if o["turndown"]:
            what += " · turndown"
        if o["named"]:
            what += " · name request"
        pos = f"position {o['position']} on {o['book']}" if o["position"] else (o["book"] or "")
        events.append(HistoryEvent(o["at"], "offer", o["call"], o["employer"], what, pos, o["note"] or "",
                                   o["by"] or ""))
    for r in past["referrals"]:
        what = "referred" + (" (short call)" if r["short_call"] else "")
        detail = r["basis"].replace("_", " ")
        if r["status"] not in ("active", "ended"):
            detail += f" · {r['status']}"
        events.append(HistoryEvent(r["at"], "referral", r["call"], r["employer"], what, detail,
                                   r["reversal"] or "", ""))
    for e in past["ends"]:
        what = "job ended: " + e["reason"].replace("_", " ")
        detail = f"{e['days_worked']} days" + (" · counted as a short call" if e["short"] else "")
        events.append(HistoryEvent(e["at"], "end", e["call"], "", what, detail, "", ""))
    kinds = {"outcome": "correction: outcome set aside", "restore": "correction: place restored",
             "remedy": "correction: remedy referral"}
    for c in past.get("corrections", ()):
        events.append(HistoryEvent(c["at"], "correction", c["call"], "", kinds.get(c["kind"], "correction"),
                                   c["authority"], c["reason"], c["by"] or ""))
    order = {"correction": -1, "end": 0, "referral": 1, "offer": 2}
    events.sort(key=lambda ev: (ev.at, -order[ev.kind]), reverse=True)
    return events


@dataclass(frozen=True, slots=True)
class Place:
    """Where a member waits on one book: ``position`` of ``of``."""

    book: str
    position: int | None
    of: int


def positions_of(store, card: str) -> list[Place]:
    """A member's places on the books they wait on (after an operation, for its sentence)."""
    with store.reading() as read:
        orders: dict = {}
        return [Place(reg.book_id, *_position(read.db, reg, read.rules, read.now, orders))
                for reg in load.registrations_of(read.db, card, active_only=True) if reg.status == WAITING]


def book_counts(store) -> dict[str, int]:
    """How many are waiting on each book now (for the tab labels)."""
    with store.reading() as read:
        return lists.book_counts(read.db, read.rules, read.now)


@dataclass(frozen=True, slots=True)
class JobEndPreview:
    """What recording a job end will do, before the dispatcher confirms: ``effect`` is the rules'
    sentence; ``days_worked`` as counted (or as typed)."""

    name: str
    call: int
    employer: str
    short: bool
    end_at: datetime
    days_worked: int
    counted: bool
    effect: str


def preview_job_end(store, card: str, reason: str, *, at: str | None = None,
                    days_worked: str | None = None) -> JobEndPreview:
    """The job end checked and its effect worked out, nothing written (``HallError`` with the sentence)."""
    from hall.operations.jobs import plan_job_end

    with store.reading() as read:
        plan = plan_job_end(read.db, read.rules, read.now, card, reason, days_worked=days_worked or None,
                            at=at or None)
        short = bool(read.db.execute("SELECT short_call FROM referrals WHERE id = ?",
                                     [plan.referral_id]).fetchone()[0])
    return JobEndPreview(plan.member.name, plan.call.id, plan.call.employer, short, plan.end_at, plan.days_worked,
                         not days_worked, plan.effect.message)


@dataclass(frozen=True, slots=True)
class ExcusePreview:
    """(v2) What recording an excused absence will do to a member's re-sign due dates: (book, due now,
    due with the absence) for each book they wait on."""

    dues: tuple[tuple[str, date, date], ...]


def preview_excuse(store, card: str, start: str, until: str) -> ExcusePreview:
    """The due dates a new excused absence from ``start`` to ``until`` (ISO dates) would give (reads only)."""
    from dispatch.model import ExcusedAbsence

    first, last = date.fromisoformat(start), date.fromisoformat(until)
    with store.reading() as read:
        absences = load.excused_absences(read.db, [card]).get(card, ())
        added = (*absences, ExcusedAbsence(card, first, last))
        dues = tuple(
            (reg.book_id, calendar.resign_due(reg, read.rules, absences), calendar.resign_due(reg, read.rules, added))
            for reg in load.registrations_of(read.db, card, active_only=True) if reg.status == WAITING
        )
    return ExcusePreview(dues)
