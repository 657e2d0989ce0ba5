"""What screens, the CLI and reports read: plain dicts and lists, no writes.

Reads exclude registrations whose re-sign deadline has passed even before the
removal is recorded, so no list ever shows a lapsed registration.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlite_utils import Database

from dispatch import calendar
from dispatch.model import WAITING, Registration
from dispatch.ranking import book_order
from dispatch.rules import RuleSet
from hall import audit, load


@dataclass(frozen=True, slots=True)
class ListRow:
    """One waiting registration in list order."""

    position: int
    card: str
    name: str
    book: str
    registered_at: datetime
    last_signed_at: datetime
    resign_due: date
    resign_state: str
    turndowns: int
    registration_id: int


def waiting_registrations(db: Database, book_id: str, rules: RuleSet, now: datetime):
    """The book's waiting registrations in list order (lapsed ones excluded)."""
    cutoff = load.lapse_cutoff_text(rules, now)
    rows = db.execute(
        f"SELECT {load.REGISTRATION_COLUMNS} FROM registrations"
        " WHERE book_id = ? AND status = 'waiting' AND +last_signed_at >= ?"
        " ORDER BY registered_at, card",
        [book_id, cutoff],
    ).fetchall()
    hours: dict[int, float] = {}
    if rules.ordering.policy == "low_hours":
        hours = load.period_hours(db, (r[0] for r in rows), calendar.period_start(now, rules))
    regs = [load.registration_from_row(r, hours.get(r[0], 0.0)) for r in rows]
    book = rules.book(book_id)
    return book_order(regs, rules, book)


def book_list(db: Database, book_id: str, rules: RuleSet, now: datetime) -> list[ListRow]:
    """The out-of-work list of one book, in order, with positions and re-sign dates."""
    regs = waiting_registrations(db, book_id, rules, now)
    names = dict(db.execute(
        "SELECT m.card, m.name FROM members m JOIN registrations r ON r.card = m.card"
        " WHERE r.book_id = ? AND r.status = 'waiting'", [book_id]
    ).fetchall())
    return [
        ListRow(i, reg.card, names.get(reg.card, ""), reg.book_id, reg.registered_at, reg.last_signed_at,
                calendar.resign_due(reg, rules), calendar.resign_state(reg, rules, now), reg.turndowns, reg.id)
        for i, reg in enumerate(regs, start=1)
    ]


def book_counts(db: Database, rules: RuleSet, now: datetime) -> dict[str, int]:
    """How many are waiting on each book now: all waiting counted on ``registrations_book_order``
    alone, less the lapsed ones not yet swept (found on ``registrations_lapse``; usually none)."""
    cutoff = load.lapse_cutoff_text(rules, now)
    counts = {book.id: db.execute("SELECT count(*) FROM registrations WHERE book_id = ? AND status = 'waiting'",
                                  [book.id]).fetchone()[0] for book in rules.books}
    for book_id, lapsed in db.execute(
        "SELECT book_id, count(*) FROM registrations WHERE status = 'waiting' AND last_signed_at < ?"
        " GROUP BY +book_id", [cutoff]
    ):
        if book_id in counts:
            counts[book_id] -= lapsed
    return counts


def member_position(db: Database, card: str, rules: RuleSet, now: datetime) -> dict:
    """A member's books: status, position (waiting only), registered and re-sign due."""
    member = load.member(db, card)
    books = []
    for reg in load.registrations_of(db, card, active_only=True):
        if reg.status == WAITING and now >= calendar.removal_at(reg, rules):
            continue
        position = None
        of = None
        if reg.status == WAITING:
            position, of = _position_of(db, reg, rules, now)
        books.append({
            "book": reg.book_id, "status": reg.status, "position": position, "of": of,
            "registered_at": reg.registered_at, "last_signed_at": reg.last_signed_at,
            "resign_due": calendar.resign_due(reg, rules) if reg.status == WAITING else None,
            "resign_state": calendar.resign_state(reg, rules, now) if reg.status == WAITING else None,
            "turndowns": reg.turndowns, "restorations": reg.restorations,
            "short_call": reg.short_call, "registration_id": reg.id,
        })
    books.sort(key=lambda b: (rules.book(b["book"]).priority if rules.book(b["book"]) else 99, b["book"]))
    return {"member": member, "books": books}


def _position_of(db: Database, reg, rules: RuleSet, now: datetime) -> tuple[int | None, int]:
    """A waiting registration's position on its book and how many wait there, counted on
    the index (``registration`` policy) rather than by ordering the whole book.

    Same answer as its place in ``waiting_registrations``: those ahead are the waiting,
    unlapsed registrations registered earlier, then, at the same ``registered_at``, those
    before it by card number (then id), compared in Python as the rules do.
    """
    if rules.ordering.policy != "registration":
        order = waiting_registrations(db, reg.book_id, rules, now)
        return next((i for i, r in enumerate(order, start=1) if r.id == reg.id), None), len(order)
    from dispatch.ranking import card_key

    cutoff = load.lapse_cutoff_text(rules, now)
    where = "book_id = ? AND status = 'waiting' AND +last_signed_at >= ?"
    of = db.execute(f"SELECT count(*) FROM registrations WHERE {where}", [reg.book_id, cutoff]).fetchone()[0]
    mine = db.execute(f"SELECT registered_at FROM registrations WHERE id = ? AND {where}",
                      [reg.id, reg.book_id, cutoff]).fetchone()
    if mine is None:
        return None, of
    ahead = db.execute(f"SELECT count(*) FROM registrations WHERE {where} AND registered_at < ?",
                       [reg.book_id, cutoff, mine[0]]).fetchone()[0]
    own = (card_key(reg.card), reg.id)
    for other_id, other_card in db.execute(
        f"SELECT id, card FROM registrations WHERE {where} AND registered_at = ? AND id != ?",
        [reg.book_id, cutoff, mine[0], reg.id],
    ):
        if (card_key(other_card), other_id) < own:
            ahead += 1
    return ahead + 1, of


def calls(db: Database, *, open_only: bool = False) -> list[dict]:
    """Job calls, newest first, with fill state."""
    sql = (
        "SELECT c.id, e.name, c.classification, c.workers, c.start_at, c.duration_days, c.status,"
        " c.site, c.taken_by, c.taken_at, c.calling_card, c.calling_by, c.calling_since,"
        " (SELECT count(*) FROM referrals r WHERE r.call_id = c.id AND r.status != 'reversed')"
        " FROM calls c JOIN employers e ON e.id = c.employer_id"
    )
    if open_only:
        sql += " WHERE c.status = 'open'"
    sql += " ORDER BY c.id DESC"
    return [
        {"id": r[0], "employer": r[1], "class": r[2], "workers": r[3], "start": load.parse_time(r[4]),
         "days": r[5], "status": r[6], "site": r[7], "taken_by": r[8], "taken_at": load.parse_time(r[9]),
         "calling_card": r[10], "calling_by": r[11], "calling_since": load.parse_time(r[12]),
         "accepted": r[13]}
        for r in db.execute(sql).fetchall()
    ]


def employers(db: Database) -> list[dict]:
    """Known employers with their open bars."""
    return [
        {"id": r[0], "name": r[1], "phone": r[2]}
        for r in db.execute("SELECT id, name, phone FROM employers ORDER BY name COLLATE NOCASE")
    ]


def bars(db: Database, today: date) -> list[dict]:
    return [
        {"id": r[0], "employer": r[1], "card": r[2], "name": r[3], "until": date.fromisoformat(r[4]),
         "reason": r[5], "contact": r[6], "created_by": r[7]}
        for r in db.execute(
            "SELECT b.id, e.name, b.card, m.name, b.until, b.reason, b.contact, b.created_by"
            " FROM employer_bars b JOIN employers e ON e.id = b.employer_id JOIN members m ON m.card = b.card"
            " WHERE b.until >= ? ORDER BY e.name, b.until", [today.isoformat()]
        )
    ]


def known_certifications(db: Database) -> list[str]:
    """Every certification name held by someone or asked for on a call."""
    names = {r[0] for r in db.execute("SELECT DISTINCT name FROM certifications")}
    names |= {r[0] for r in db.execute("SELECT DISTINCT cert FROM call_certs")}
    return sorted(names, key=str.casefold)


def resign_due_soon(db: Database, rules: RuleSet, now: datetime, days: int = 7) -> list[dict]:
    """Waiting registrations due within ``days`` (or already overdue), soonest first."""
    cutoff = load.lapse_cutoff_text(rules, now)
    horizon = calendar.local_date(now, rules) + timedelta(days=days)
    result = []
    sql = (f"SELECT {load.REGISTRATION_COLUMNS}, m.name FROM registrations r JOIN members m USING (card)"
           " WHERE r.status = 'waiting' AND r.last_signed_at >= ?")
    params = [cutoff]
    if rules.resign.mode == "rolling":
        # Due = the signing's local date + days: only those signed before the start of
        # (horizon - days + 2) can be due by the horizon (a day's slack; checked below).
        bound = calendar.start_of_day(horizon - timedelta(days=rules.resign.days - 2), rules)
        sql += " AND r.last_signed_at < ?"
        params.append(audit.iso(bound))
    for row in db.execute(sql, params):
        reg = load.registration_from_row(row[:12])
        due = calendar.resign_due(reg, rules)
        if due <= horizon:
            result.append({"card": reg.card, "name": row[12], "book": reg.book_id, "due": due,
                           "state": calendar.resign_state(reg, rules, now)})
    result.sort(key=lambda r: (r["due"], r["book"], r["card"]))
    return result


def _first_signing_due_after(rules: RuleSet, first: date, last: date, limit: date) -> datetime | None:
    """The start of the first local signing date in ``first``..``last`` whose re-sign due date
    is after ``limit`` (None: none is). The due date only grows with the signing date, so a
    binary search finds it."""
    def due(day: date) -> date:
        moment = calendar.start_of_day(day, rules)
        return calendar.resign_due(Registration(0, "", "", moment, moment), rules)

    if due(last) <= limit:
        return None
    lo, hi = first, last  # due(hi) > limit
    while lo < hi:
        mid = lo + (hi - lo) // 2
        if due(mid) > limit:
            hi = mid
        else:
            lo = mid + timedelta(days=1)
    return calendar.start_of_day(lo, rules)


def resign_due_top(db: Database, rules: RuleSet, now: datetime, days: int = 7,
                   limit: int = 100) -> tuple[list[dict], int]:
    """``resign_due_soon(...)[:limit]`` and ``len(resign_due_soon(...))``, reading only those rows.

    The due date grows with the signing date, so those due by the horizon are a range of
    ``last_signed_at`` (counted on ``registrations_lapse``), the soonest due are the earliest
    signed, and the ties at the last due date shown are read in (book, card) order.
    """
    cutoff = load.lapse_cutoff_text(rules, now)
    today = calendar.local_date(now, rules)
    horizon = today + timedelta(days=days)
    first = calendar.local_date(load.parse_time(cutoff), rules) - timedelta(days=1)
    last = today + timedelta(days=800)
    upper = _first_signing_due_after(rules, first, last, horizon)
    where = "r.status = 'waiting' AND r.last_signed_at >= ?"
    params: list = [cutoff]
    if upper is not None:
        where += " AND r.last_signed_at < ?"
        params.append(audit.iso(upper))
    total = db.execute(f"SELECT count(*) FROM registrations r JOIN members m USING (card) WHERE {where}",
                       params).fetchone()[0]
    columns = ", ".join("r." + c.strip() for c in load.REGISTRATION_COLUMNS.split(","))
    select = f"SELECT {columns}, m.name FROM registrations r JOIN members m USING (card) WHERE {where}"
    rows = db.execute(select + " ORDER BY r.last_signed_at LIMIT ?", [*params, limit]).fetchall()

    def entry(row) -> dict:
        reg = load.registration_from_row(row[:12])
        return {"card": reg.card, "name": row[12], "book": reg.book_id, "due": calendar.resign_due(reg, rules),
                "state": calendar.resign_state(reg, rules, now)}

    result = [entry(row) for row in rows]
    if total > limit and result:
        # The rows due on the last date shown, in (book, card) order, replace those read so far.
        last_due = result[-1]["due"]
        result = [r for r in result if r["due"] < last_due]
        low = _first_signing_due_after(rules, first, last, last_due - timedelta(days=1))
        high = _first_signing_due_after(rules, first, last, last_due)
        tie_where, tie_params = where, list(params)
        if low is not None:
            tie_where += " AND r.last_signed_at >= ?"
            tie_params.append(audit.iso(low))
        if high is not None:
            tie_where += " AND r.last_signed_at < ?"
            tie_params.append(audit.iso(high))
        tie = f"SELECT {columns}, m.name FROM registrations r JOIN members m USING (card) WHERE {tie_where}"
        result += [entry(row) for row in db.execute(tie + " ORDER BY r.book_id, r.card LIMIT ?",
                                                    [*tie_params, limit - len(result)])]
    result.sort(key=lambda r: (r["due"], r["book"], r["card"]))
    return result, total


def certifications_expiring_top(db: Database, today: date, days: int = 30,
                                limit: int = 100) -> tuple[list[dict], int]:
    """``certifications_expiring(...)[:limit]`` and how many there are in all."""
    low = (today - timedelta(days=days)).isoformat()
    high = (today + timedelta(days=days)).isoformat()
    total = db.execute("SELECT count(*) FROM certifications c JOIN members m USING (card)"
                       " WHERE c.expires BETWEEN ? AND ?", [low, high]).fetchone()[0]
    return certifications_expiring(db, today, days, limit=limit), total


def certifications_expiring(db: Database, today: date, days: int = 30, *, limit: int = -1) -> list[dict]:
    """Certifications expiring within ``days`` (or expired in the last ``days``), soonest first."""
    low = (today - timedelta(days=days)).isoformat()
    high = (today + timedelta(days=days)).isoformat()
    return [
        {"card": r[0], "name": r[1], "cert": r[2], "expires": date.fromisoformat(r[3])}
        for r in db.execute(
            "SELECT c.card, m.name, c.name, c.expires FROM certifications c JOIN members m USING (card)"
            " WHERE c.expires BETWEEN ? AND ? ORDER BY c.expires, c.card LIMIT ?", [low, high, limit]
        )
    ]


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
            [_like(text) + "%", "%" + _like(text) + "%", limit],
        )
    ]


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def book_order_ids(db: Database, book_id: str, rules: RuleSet, now: datetime) -> list[tuple[int, str]]:
    """(registration id, card) of a book's waiting registrations in list order, read lightly."""
    if rules.ordering.policy != "registration":
        return [(reg.id, reg.card) for reg in waiting_registrations(db, book_id, rules, now)]
    from dispatch.ranking import card_key

    cutoff = load.lapse_cutoff_text(rules, now)
    rows = db.execute(
        "SELECT id, card, registered_at FROM registrations"
        " WHERE book_id = ? AND status = 'waiting' AND +last_signed_at >= ?"
        " ORDER BY registered_at, card",
        [book_id, cutoff],
    ).fetchall()
    # SQL orders ties on registered_at by card text; the rules compare all-digit cards as numbers.
    ordered: list[tuple[int, str]] = []
    i = 0
    while i < len(rows):
        j = i + 1
        while j < len(rows) and rows[j][2] == rows[i][2]:
            j += 1
        group = rows[i:j]
        if len(group) > 1:
            group = sorted(group, key=lambda r: card_key(r[1]))
        ordered.extend((r[0], r[1]) for r in group)
        i = j
    return ordered


def _book_where(db: Database, book_id: str, rules: RuleSet, now: datetime, alias: str = "") -> tuple[str, list]:
    """The WHERE clause (and its arguments) selecting a book's waiting, unlapsed registrations;
    ``alias`` ("r.") prefixes the columns.

    Usually no registration of the book is past its re-sign deadline (the sweep records
    them), and then the clause needs only ``registrations_book_order`` (counts and pages
    read the index alone). When some are (probed on ``registrations_lapse``), it also
    filters ``last_signed_at``, which reads the table. The same rows either way.
    """
    cutoff = load.lapse_cutoff_text(rules, now)
    lapsed = db.execute(
        "SELECT 1 FROM registrations WHERE status = 'waiting' AND last_signed_at < ? AND +book_id = ? LIMIT 1",
        [cutoff, book_id]).fetchone()
    where = f"{alias}book_id = ? AND {alias}status = 'waiting'"
    if lapsed is None:
        return where, [book_id]
    return where + f" AND +{alias}last_signed_at >= ?", [book_id, cutoff]


def lapse_due(db: Database, rules: RuleSet, now: datetime) -> bool:
    """Whether a waiting registration is past its re-sign deadline (the sweep's probe)."""
    cutoff = load.lapse_cutoff_text(rules, now)
    return db.execute("SELECT 1 FROM registrations WHERE status = 'waiting' AND last_signed_at < ? LIMIT 1",
                      [cutoff]).fetchone() is not None


def _tie_order(rows) -> list:
    """(id, card, registered_at) rows in list order: ties on ``registered_at`` by the rules' card order."""
    from dispatch.ranking import card_key

    return sorted(rows, key=lambda r: (r[2], card_key(r[1]), r[0]))


def book_count(db: Database, book_id: str, rules: RuleSet, now: datetime) -> int:
    """How many wait on one book now (counted on the index)."""
    if rules.ordering.policy != "registration":
        return len(waiting_registrations(db, book_id, rules, now))
    where, args = _book_where(db, book_id, rules, now)
    return db.execute(f"SELECT count(*) FROM registrations WHERE {where}", args).fetchone()[0]


def book_page_ids(db: Database, book_id: str, rules: RuleSet, now: datetime,
                  offset: int, limit: int) -> list[tuple[int, str]]:
    """``book_order_ids(...)[offset:offset + limit]`` without reading the whole book.

    ``registration`` policy: the page is read at its offset on ``registrations_book_order``;
    SQL orders a tie on ``registered_at`` by card text, so the ties at the page's edges are
    read whole, the rows before the first key counted, and the page cut from that.
    """
    if rules.ordering.policy != "registration":
        return book_order_ids(db, book_id, rules, now)[offset:offset + limit]
    if limit <= 0:
        return []
    where, args = _book_where(db, book_id, rules, now)
    page = db.execute(f"SELECT registered_at FROM registrations WHERE {where}"
                      " ORDER BY registered_at, card LIMIT ? OFFSET ?", [*args, limit, offset]).fetchall()
    if not page:
        return []
    first, last = page[0][0], page[-1][0]
    ahead = db.execute(f"SELECT count(*) FROM registrations WHERE {where} AND registered_at < ?",
                       [*args, first]).fetchone()[0]
    rows = _tie_order(db.execute(
        f"SELECT id, card, registered_at FROM registrations WHERE {where} AND registered_at BETWEEN ? AND ?",
        [*args, first, last]).fetchall())
    return [(r[0], r[1]) for r in rows[offset - ahead:offset - ahead + limit]]


def book_index_of(db: Database, book_id: str, rules: RuleSet, now: datetime, reg_id: int) -> int | None:
    """The 0-based place of a registration in its book's list order (None if not waiting there)."""
    if rules.ordering.policy != "registration":
        return next((i for i, (rid, _) in enumerate(book_order_ids(db, book_id, rules, now)) if rid == reg_id), None)
    where, args = _book_where(db, book_id, rules, now)
    mine = db.execute(f"SELECT id, card, registered_at FROM registrations WHERE id = ? AND {where}",
                      [reg_id, *args]).fetchone()
    if mine is None:
        return None
    return _places(db, where, args, [mine])[reg_id]


def _places(db: Database, where: str, args: list, rows) -> dict[int, int]:
    """registration id -> 0-based place in the list, for (id, card, registered_at) rows of one book:
    those ahead counted on the index, then the rules' card order inside a tie."""
    places: dict[int, int] = {}
    keys = sorted({r[2] for r in rows})
    if len(keys) <= 6:
        ahead = {key: db.execute(f"SELECT count(*) FROM registrations WHERE {where} AND registered_at < ?",
                                 [*args, key]).fetchone()[0] for key in keys}
        ties = {key: db.execute(f"SELECT count(*) FROM registrations WHERE {where} AND registered_at = ?",
                                [*args, key]).fetchone()[0] for key in keys}
    else:  # many: one walk of the index's keys instead of a count per key
        import bisect

        every = [r[0] for r in db.execute(
            f"SELECT registered_at FROM registrations WHERE {where} ORDER BY registered_at", args)]
        ahead = {key: bisect.bisect_left(every, key) for key in keys}
        ties = {key: bisect.bisect_right(every, key) - ahead[key] for key in keys}
    for reg_id, _, key in rows:
        if ties[key] == 1:
            places[reg_id] = ahead[key]
        else:
            group = _tie_order(db.execute(
                f"SELECT id, card, registered_at FROM registrations WHERE {where} AND registered_at = ?",
                [*args, key]).fetchall())
            places[reg_id] = ahead[key] + next(i for i, r in enumerate(group) if r[0] == reg_id)
    return places


def book_list_page(db: Database, book_id: str, rules: RuleSet, now: datetime, *,
                   offset: int = 0, limit: int = 100, order: list[tuple[int, str]] | None = None) -> list[ListRow]:
    """One page of a book's list (positions offset+1 ...), without building every row.

    ``order``, when given, is the whole book's ``book_order_ids``; otherwise only the page is read.
    """
    page = order[offset:offset + limit] if order is not None else \
        book_page_ids(db, book_id, rules, now, offset, limit)
    if not page:
        return []
    marks = ",".join("?" for _ in page)
    details = {
        r[0]: r for r in db.execute(
            f"SELECT {', '.join('r.' + c.strip() for c in load.REGISTRATION_COLUMNS.split(','))}, m.name"
            f" FROM registrations r JOIN members m ON m.card = r.card WHERE r.id IN ({marks})",
            [reg_id for reg_id, _ in page],
        )
    }
    rows = []
    for i, (reg_id, _) in enumerate(page, start=offset + 1):
        row = details[reg_id]
        reg = load.registration_from_row(row[:12])
        rows.append(ListRow(i, reg.card, row[12], reg.book_id, reg.registered_at, reg.last_signed_at,
                            calendar.resign_due(reg, rules), calendar.resign_state(reg, rules, now),
                            reg.turndowns, reg.id))
    return rows


def find_in_book(db: Database, book_id: str, rules: RuleSet, now: datetime, text: str,
                 order: list[tuple[int, str]] | None = None) -> list[int]:
    """0-based places in the book's list of registrations whose card starts with or name contains ``text``.

    One query finds them (walking the book on its index, each member by card); their places
    are counted on the index. ``order``, when given, is the whole book's ``book_order_ids``.
    """
    text = (text or "").strip()
    if not text:
        return []
    ranked = order is None and rules.ordering.policy == "registration"
    where, args = _book_where(db, book_id, rules, now, alias="r.") if ranked else \
        ("r.book_id = ? AND r.status = 'waiting'", [book_id])
    found = db.execute(
        "SELECT r.id, r.card, r.registered_at FROM registrations r JOIN members m ON m.card = r.card"
        f" WHERE {where} AND (m.card LIKE ? ESCAPE '\\' OR m.name LIKE ? ESCAPE '\\')",
        [*args, _like(text) + "%", "%" + _like(text) + "%"],
    ).fetchall()
    if not ranked:
        order = order if order is not None else book_order_ids(db, book_id, rules, now)
        matches = {r[0] for r in found}
        return [i for i, (reg_id, _) in enumerate(order) if reg_id in matches]
    if not found:
        return []
    where, args = _book_where(db, book_id, rules, now)
    return sorted(_places(db, where, args, found).values())


def waiting_history(db: Database, rules: RuleSet, now: datetime, days: int = 90) -> dict[str, list[int]]:
    """How many were waiting on each book at the end of each of the last ``days`` days.

    Counted from the registration history as it stood (a registration counts where its
    latest history row up to that moment says waiting). Read cheaply: the counts now come
    from the registrations table (which keeps each registration's latest status), the
    registrations with history after the first mark are taken back to where they stood
    then, and only the history rows after it (``registration_history_at``) are replayed.
    """
    today = calendar.local_date(now, rules)
    marks = [calendar.start_of_day(today - timedelta(days=days - 1 - k) + timedelta(days=1), rules)
             for k in range(days)]
    marks[-1] = now
    mark_texts = [audit.iso(mark) for mark in marks]
    start = mark_texts[0]
    rows = db.execute(
        "SELECT registration_id, book_id, at, status FROM registration_history WHERE at > ? ORDER BY at, id",
        [start],
    ).fetchall()
    counts: dict[str, int] = {b.id: 0 for b in rules.books}
    for book_id, count in db.execute(
        "SELECT book_id, count(*) FROM registrations WHERE status = 'waiting' GROUP BY book_id"
    ):
        counts[book_id] = counts.get(book_id, 0) + count
    status: dict[int, tuple[str, str]] = {}  # registration -> (book, status) as replayed
    moved = sorted({r[0] for r in rows})
    for i in range(0, len(moved), 500):
        chunk = moved[i:i + 500]
        marks_sql = ",".join("?" for _ in chunk)
        for _, book_id, state in db.execute(
            f"SELECT id, book_id, status FROM registrations WHERE id IN ({marks_sql})", chunk
        ):
            if state == "waiting":
                counts[book_id] = counts.get(book_id, 0) - 1
        latest: dict[int, tuple] = {}
        for reg_id, book_id, state, at, row_id in db.execute(
            "SELECT registration_id, book_id, status, at, id FROM registration_history"
            f" WHERE registration_id IN ({marks_sql}) AND at <= ?", [*chunk, start]
        ):
            seen = latest.get(reg_id)
            if seen is None or (at, row_id) > seen[:2]:
                latest[reg_id] = (at, row_id, book_id, state)
        for reg_id, (_, _, book_id, state) in latest.items():
            status[reg_id] = (book_id, state)
            if state == "waiting":
                counts[book_id] = counts.get(book_id, 0) + 1
    return _replay_counts(rows, mark_texts, counts, status, rules)


def _replay_counts(rows, mark_texts: list[str], counts: dict[str, int], status: dict[int, tuple[str, str]],
                   rules: RuleSet) -> dict[str, list[int]]:
    """Replay history rows (registration, book, at, status) from ``counts``, sampling at each mark."""
    series: dict[str, list[int]] = {b.id: [] for b in rules.books}
    mark_i = 0
    for reg_id, book_id, at, state in rows:
        while mark_i < len(mark_texts) and at > mark_texts[mark_i]:
            for b in series:
                series[b].append(counts.get(b, 0))
            mark_i += 1
        before = status.get(reg_id)
        if before and before[1] == "waiting":
            counts[before[0]] = counts.get(before[0], 0) - 1
        if state == "waiting":
            counts[book_id] = counts.get(book_id, 0) + 1
        status[reg_id] = (book_id, state)
    while mark_i < len(mark_texts):
        for b in series:
            series[b].append(counts.get(b, 0))
        mark_i += 1
    return series


def upcoming_rules(db: Database, now: datetime) -> list[dict]:
    """Rule changes adopted but not yet in force: when, and what changes."""
    import json

    result = []
    for row in db.execute(
        "SELECT id, effective_at FROM rulesets WHERE effective_at > ? ORDER BY effective_at", [audit.iso(now)]
    ):
        entry = db.execute(
            "SELECT data FROM audit WHERE action = 'rules.changed' AND json_extract(data, '$.new_ruleset') = ?",
            [row[0]],
        ).fetchone()
        changes = json.loads(entry[0]).get("changes", []) if entry else []
        result.append({"id": row[0], "effective_at": load.parse_time(row[1]), "changes": changes})
    return result


def call_info(db: Database, call_id: int) -> dict:
    """A call's record as taken: site, notes, who took it, who is calling whom."""
    row = db.execute(
        "SELECT site, notes, taken_by, taken_at, calling_card, calling_by, calling_since, cancel_reason,"
        " closed_at FROM calls WHERE id = ?", [call_id]
    ).fetchone()
    if row is None:
        return {}
    return {"site": row[0], "notes": row[1], "taken_by": row[2], "taken_at": load.parse_time(row[3]),
            "calling_card": row[4], "calling_by": row[5], "calling_since": load.parse_time(row[6]),
            "cancel_reason": row[7], "closed_at": load.parse_time(row[8])}


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

