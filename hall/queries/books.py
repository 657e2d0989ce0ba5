"""The out-of-work lists, book by book: the order, positions, counts, pages, search and
how many waited on each day (the board's sparklines)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlite_utils import Database

from dispatch import calendar
from dispatch.ranking import book_order, card_key
from dispatch.rules import RuleSet
from hall import audit, load
from hall.queries import escape_like


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
    # (v2) The member's hours for the period (shown on a low-hours book; 0 otherwise).
    period_hours: float = 0.0
    # (v2) The last day of an excused absence in force or to come (never why), or None.
    excused_until: date | None = None


def waiting_registrations(db: Database, book_id: str, rules: RuleSet, now: datetime):
    """The book's waiting registrations in list order (lapsed ones excluded)."""
    unlapsed, params = load.unlapsed_where(db, rules, now)
    rows = db.execute(
        f"SELECT {load.REGISTRATION_COLUMNS} FROM registrations"
        f" WHERE book_id = ? AND status = 'waiting' AND {unlapsed}"
        " ORDER BY registered_at, card",
        [book_id, *params],
    ).fetchall()
    hours: dict[str, float] = {}
    if rules.ordering.policy == "low_hours":
        hours = load.member_hours(db, {r[1] for r in rows}, now, rules)
    regs = [load.registration_from_row(r, hours.get(r[1], 0.0)) for r in rows]
    book = rules.book(book_id)
    return book_order(regs, rules, book)


def book_list(db: Database, book_id: str, rules: RuleSet, now: datetime) -> list[ListRow]:
    """The out-of-work list of one book, in order, with positions and re-sign dates."""
    regs = waiting_registrations(db, book_id, rules, now)
    names = dict(db.execute(
        "SELECT m.card, m.name FROM members m JOIN registrations r ON r.card = m.card"
        " WHERE r.book_id = ? AND r.status = 'waiting'", [book_id]
    ).fetchall())
    excused = load.excused_absences(db, {reg.card for reg in regs})
    return [list_row(i, reg, names.get(reg.card, ""), rules, now, excused.get(reg.card, ()))
            for i, reg in enumerate(regs, start=1)]


def list_row(position: int, reg, name: str, rules: RuleSet, now: datetime, excused=()) -> ListRow:
    """A waiting registration as a row of its book's list: the re-sign due date and state with the
    member's excused absences (which stop the clock), their period hours, and how long they are excused."""
    today = calendar.local_date(now, rules)
    until = max((a.until for a in excused if a.until >= today), default=None)
    return ListRow(position, reg.card, name, reg.book_id, reg.registered_at, reg.last_signed_at,
                   calendar.resign_due(reg, rules, excused), calendar.resign_state(reg, rules, now, excused),
                   reg.turndowns, reg.id, reg.period_hours, until)


def book_counts(db: Database, rules: RuleSet, now: datetime) -> dict[str, int]:
    """How many are waiting on each book now: all waiting counted on ``registrations_book_order``
    alone, less the lapsed ones not yet swept (found on ``registrations_lapse``; usually none)."""
    lapsed_sql, params = load.lapsed_where(db, rules, now)
    counts = {book.id: db.execute("SELECT count(*) FROM registrations WHERE book_id = ? AND status = 'waiting'",
                                  [book.id]).fetchone()[0] for book in rules.books}
    for book_id, lapsed in db.execute(
        f"SELECT book_id, count(*) FROM registrations WHERE status = 'waiting' AND {lapsed_sql}"
        " GROUP BY +book_id", params
    ):
        if book_id in counts:
            counts[book_id] -= lapsed
    return counts


def position_of(db: Database, reg, rules: RuleSet, now: datetime) -> tuple[int | None, int]:
    """A waiting registration's position on its book and how many wait there, counted on
    the index (``registration`` policy) rather than by ordering the whole book.

    Same answer as its place in ``waiting_registrations``: those ahead are the waiting,
    unlapsed registrations registered earlier, then, at the same ``registered_at``, those
    before it by card number (then id), compared in Python as the rules do.
    """
    if rules.ordering.policy != "registration":
        order = waiting_registrations(db, reg.book_id, rules, now)
        return next((i for i, r in enumerate(order, start=1) if r.id == reg.id), None), len(order)
    unlapsed, params = load.unlapsed_where(db, rules, now)
    where = f"book_id = ? AND status = 'waiting' AND {unlapsed}"
    args = [reg.book_id, *params]
    of = db.execute(f"SELECT count(*) FROM registrations WHERE {where}", args).fetchone()[0]
    mine = db.execute(f"SELECT registered_at FROM registrations WHERE id = ? AND {where}",
                      [reg.id, *args]).fetchone()
    if mine is None:
        return None, of
    ahead = db.execute(f"SELECT count(*) FROM registrations WHERE {where} AND registered_at < ?",
                       [*args, mine[0]]).fetchone()[0]
    own = (card_key(reg.card), reg.id)
    for other_id, other_card in db.execute(
        f"SELECT id, card FROM registrations WHERE {where} AND registered_at = ? AND id != ?",
        [*args, mine[0], reg.id],
    ):
        if (card_key(other_card), other_id) < own:
            ahead += 1
    return ahead + 1, of


def book_order_ids(db: Database, book_id: str, rules: RuleSet, now: datetime) -> list[tuple[int, str]]:
    """(registration id, card) of a book's waiting registrations in list order, read lightly."""
    if rules.ordering.policy != "registration":
        return [(reg.id, reg.card) for reg in waiting_registrations(db, book_id, rules, now)]
    unlapsed, params = load.unlapsed_where(db, rules, now)
    rows = db.execute(
        "SELECT id, card, registered_at FROM registrations"
        f" WHERE book_id = ? AND status = 'waiting' AND {unlapsed}"
        " ORDER BY registered_at, card",
        [book_id, *params],
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
    lapsed_sql, params = load.lapsed_where(db, rules, now)
    lapsed = db.execute(
        f"SELECT 1 FROM registrations WHERE status = 'waiting' AND {lapsed_sql} AND +book_id = ? LIMIT 1",
        [*params, book_id]).fetchone()
    where = f"{alias}book_id = ? AND {alias}status = 'waiting'"
    if lapsed is None:
        return where, [book_id]
    unlapsed, params = load.unlapsed_where(db, rules, now, alias)
    return where + f" AND {unlapsed}", [book_id, *params]


def lapse_due(db: Database, rules: RuleSet, now: datetime) -> bool:
    """Whether a waiting registration is past its re-sign deadline (the sweep's probe)."""
    lapsed_sql, params = load.lapsed_where(db, rules, now)
    return db.execute(f"SELECT 1 FROM registrations WHERE status = 'waiting' AND {lapsed_sql} LIMIT 1",
                      params).fetchone() is not None


def _tie_order(rows) -> list:
    """(id, card, registered_at) rows in list order: ties on ``registered_at`` by the rules' card order."""
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
    cards = {row[1] for row in details.values()}
    excused = load.excused_absences(db, cards)
    hours = load.member_hours(db, cards, now, rules) if rules.ordering.policy == "low_hours" else {}
    rows = []
    for i, (reg_id, _) in enumerate(page, start=offset + 1):
        row = details[reg_id]
        reg = load.registration_from_row(row[:12], hours.get(row[1], 0.0))
        rows.append(list_row(i, reg, row[12], rules, now, excused.get(reg.card, ())))
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
        [*args, escape_like(text) + "%", "%" + escape_like(text) + "%"],
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
    Re-signings are left out: they keep a waiting registration waiting (and are most of
    a large hall's history).
    """
    today = calendar.local_date(now, rules)
    marks = [calendar.start_of_day(today - timedelta(days=days - 1 - k) + timedelta(days=1), rules)
             for k in range(days)]
    marks[-1] = now
    mark_texts = [audit.iso(mark) for mark in marks]
    start = mark_texts[0]
    rows = db.execute(
        "SELECT registration_id, book_id, at, status FROM registration_history WHERE at > ? AND event != ?"
        " ORDER BY at, id", [start, load.RESIGNED_EVENT],
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
