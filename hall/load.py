"""Turning rows into the plain data ``dispatch`` works on, and back."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Iterable, Iterator, Mapping

from sqlite_utils import Database

from dispatch import calendar
from dispatch.calls import expected_end, is_short_call
from dispatch.daybook import day_needed
from dispatch.hours import period_bounds
from dispatch.model import (
    DISCHARGED,
    QUIT,
    Certification,
    EmployerBar,
    ExcusedAbsence,
    JobCall,
    Member,
    NameRequest,
    PastReferral,
    Qualification,
    ReferralInForce,
    Registration,
    RotationPoint,
    Separation,
    ShortCallHold,
    Unavailability,
)
from dispatch.ranking import RankContext, rank
from dispatch.rules import RuleSet
from hall.audit import iso
from hall.errors import NotFound


def parse_time(text: str | None) -> datetime | None:
    """A stored UTC time (``...Z``) as an aware datetime."""
    if not text:
        return None
    return datetime.fromisoformat(text).astimezone(UTC)


def parse_date(text: str | None) -> date | None:
    """A stored local date (``YYYY-MM-DD``), or None."""
    return date.fromisoformat(text) if text else None


def lapse_cutoff_text(rules: RuleSet, now: datetime) -> str:
    """``calendar.lapse_cutoff`` as stored text, computed once per rules and moment (it
    searches the calendar, and every read of a list or a ranking asks for it)."""
    try:
        return _lapse_cutoff_text(rules, now)
    except TypeError:  # rules that cannot be hashed: no memo
        return iso(calendar.lapse_cutoff(rules, now))


@lru_cache(maxsize=64)
def _lapse_cutoff_text(rules: RuleSet, now: datetime) -> str:
    return iso(calendar.lapse_cutoff(rules, now))


RESIGNED_EVENT = "re-signed"  # a history row's event when a waiting registration was re-signed

REGISTRATION_COLUMNS = (
    "id, card, book_id, registered_at, last_signed_at, status, turndowns, restorations,"
    " short_call_employer, short_call_until, short_call_call_id, removed_reason"
)


def registration_from_row(row, period_hours: float = 0.0) -> Registration:
    """A ``Registration`` from a row selected with ``REGISTRATION_COLUMNS``."""
    hold = None
    if row[8]:
        hold = ShortCallHold(row[8], parse_date(row[9]), row[10])
    return Registration(
        id=row[0], card=row[1], book_id=row[2],
        registered_at=parse_time(row[3]), last_signed_at=parse_time(row[4]),
        status=row[5], turndowns=row[6], restorations=row[7],
        period_hours=period_hours, short_call=hold, removed_reason=row[11] or "",
    )


def registration_values(reg: Registration) -> dict:
    """The columns to write back for a registration the rules changed."""
    hold = reg.short_call
    return {
        "registered_at": iso(reg.registered_at),
        "last_signed_at": iso(reg.last_signed_at),
        "status": reg.status,
        "turndowns": reg.turndowns,
        "restorations": reg.restorations,
        "short_call_employer": hold.employer if hold else None,
        "short_call_until": hold.until.isoformat() if hold and hold.until else None,
        "short_call_call_id": hold.call_id if hold else None,
        "removed_reason": reg.removed_reason,
    }


def member(db: Database, card: str) -> Member:
    """The member with this card, with classifications and certifications."""
    row = db.execute(
        "SELECT card, name, standing, suspension_note, phone, home_local FROM members WHERE card = ?",
        [card],
    ).fetchone()
    if row is None:
        raise NotFound(f"No member has card {card}.")
    classes = frozenset(r[0] for r in db.execute(
        "SELECT classification FROM member_classes WHERE card = ?", [card]))
    certs = tuple(
        Certification(r[0], parse_date(r[1]))
        for r in db.execute("SELECT name, expires FROM certifications WHERE card = ? ORDER BY name", [card])
    )
    return Member(row[0], row[1], classes, certs, row[2], row[3], row[4], row[5])


def registrations_of(db: Database, card: str, *, active_only: bool = False) -> list[Registration]:
    """A member's registrations (all, or only those not removed), oldest first."""
    sql = f"SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE card = ?"
    if active_only:
        sql += " AND status != 'removed'"
    return [registration_from_row(r) for r in db.execute(sql + " ORDER BY id", [card])]


def job_call(db: Database, call_id: int) -> JobCall:
    """The call with this number."""
    row = db.execute(
        "SELECT c.id, e.name, c.classification, c.workers, c.start_at, c.duration_days, c.status, c.site,"
        " c.expected_hours, c.no_turndown, c.taken_at, c.wage, c.posted_for, c.by_phone"
        " FROM calls c JOIN employers e ON e.id = c.employer_id WHERE c.id = ?",
        [call_id],
    ).fetchone()
    if row is None:
        raise NotFound(f"There is no call #{call_id}.")
    certs = tuple(r[0] for r in db.execute("SELECT cert FROM call_certs WHERE call_id = ? ORDER BY cert", [call_id]))
    requests = tuple(
        NameRequest(r[0], r[1])
        for r in db.execute("SELECT card, reason FROM name_requests WHERE call_id = ? ORDER BY ordinal", [call_id])
    )
    accepted = db.execute(
        "SELECT count(*) FROM referrals WHERE call_id = ? AND status != 'reversed'", [call_id]
    ).fetchone()[0]
    return JobCall(
        id=row[0], employer=row[1], classification=row[2], workers=row[3],
        start=parse_time(row[4]), duration_days=row[5], required_certs=certs,
        name_requests=requests, status=row[6], accepted=accepted, site=row[7],
        expected_hours=row[8], no_turndown=row[9] or "", taken_at=parse_time(row[10]),
        wage=row[11], posted_for=parse_time(row[12]), by_phone=row[13],
    )


def call_outcomes(db: Database, call_id: int) -> dict[str, str]:
    """card -> the outcome in force on this call (corrections supersede earlier rows)."""
    return {
        card: outcome
        for card, outcome in db.execute(
            "SELECT card, outcome FROM offers WHERE call_id = ? AND superseded_by IS NULL ORDER BY id",
            [call_id],
        )
    }


class LazyMembers(Mapping[str, Member]):
    """Members loaded only when the ranking asks for them (it stops at a screenful)."""

    def __init__(self, db: Database, cards: Iterable[str], cert_names: Iterable[str]):
        self._db = db
        self._cards = set(cards)
        self._cert_names = tuple(cert_names)
        self._cache: dict[str, Member] = {}

    def __getitem__(self, card: str) -> Member:
        found = self._cache.get(card)
        if found is None:
            if card not in self._cards:
                raise KeyError(card)
            found = member(self._db, card)
            self._cache[card] = found
        return found

    def preload(self) -> None:
        """Load every member at once (three queries), for a full ranking."""
        classes: dict[str, set[str]] = {}
        for card, cls in self._db.execute("SELECT card, classification FROM member_classes"):
            if card in self._cards:
                classes.setdefault(card, set()).add(cls)
        certs: dict[str, list[Certification]] = {}
        for card, name, expires in self._db.execute(
            "SELECT card, name, expires FROM certifications ORDER BY name"
        ):
            if card in self._cards:
                certs.setdefault(card, []).append(Certification(name, parse_date(expires)))
        for card, name, standing, note, phone, home in self._db.execute(
            "SELECT card, name, standing, suspension_note, phone, home_local FROM members"
        ):
            if card in self._cards:
                self._cache[card] = Member(card, name, frozenset(classes.get(card, ())),
                                           tuple(certs.get(card, ())), standing, note, phone, home)

    def preload_cards(self) -> None:
        """Load every member of ``cards`` at once, by card (a few queries per 500 cards):
        for a ranking that walks only the top of the books, where the cards are few."""
        wanted = sorted(card for card in self._cards if card not in self._cache)
        for i in range(0, len(wanted), 500):
            chunk = wanted[i:i + 500]
            marks = ",".join("?" for _ in chunk)
            classes: dict[str, set[str]] = {}
            for card, cls in self._db.execute(
                f"SELECT card, classification FROM member_classes WHERE card IN ({marks})", chunk
            ):
                classes.setdefault(card, set()).add(cls)
            certs: dict[str, list[Certification]] = {}
            for card, name, expires in self._db.execute(
                f"SELECT card, name, expires FROM certifications WHERE card IN ({marks}) ORDER BY name", chunk
            ):
                certs.setdefault(card, []).append(Certification(name, parse_date(expires)))
            for card, name, standing, note, phone, home in self._db.execute(
                "SELECT card, name, standing, suspension_note, phone, home_local FROM members"
                f" WHERE card IN ({marks})", chunk
            ):
                self._cache[card] = Member(card, name, frozenset(classes.get(card, ())),
                                           tuple(certs.get(card, ())), standing, note, phone, home)

    def __iter__(self) -> Iterator[str]:
        return iter(self._cards)

    def __len__(self) -> int:
        return len(self._cards)


def excused_absences(db: Database, cards: Iterable[str] | None = None) -> dict[str, tuple[ExcusedAbsence, ...]]:
    """card -> the member's excused absences (kind and evidence included: staff reads only), for
    ``cards`` or every member who has one."""
    wanted = None if cards is None else set(cards)
    found: dict[str, list[ExcusedAbsence]] = {}
    for card, start, until, kind, evidence in db.execute(
        "SELECT card, start, until, kind, evidence FROM excuses ORDER BY start, id"
    ):
        if wanted is None or card in wanted:
            found.setdefault(card, []).append(ExcusedAbsence(card, parse_date(start), parse_date(until), kind, evidence))
    return {card: tuple(absences) for card, absences in found.items()}


def kept_by_excuse(db: Database, rules: RuleSet, now: datetime) -> tuple[int, ...]:
    """Waiting registrations past the plain re-sign cutoff that an excused absence keeps on the list
    (the clock stopped while the member was excused): usually none, always few."""
    cutoff = lapse_cutoff_text(rules, now)
    rows = db.execute(
        f"SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE status = 'waiting' AND last_signed_at < ?"
        " AND card IN (SELECT card FROM excuses)", [cutoff]
    ).fetchall()
    if not rows:
        return ()
    excused = excused_absences(db, {row[1] for row in rows})
    return tuple(sorted(
        row[0] for row in rows
        if calendar.removal_at(registration_from_row(row), rules, excused.get(row[1], ())) > now
    ))


def unlapsed_where(db: Database, rules: RuleSet, now: datetime, alias: str = "") -> tuple[str, list]:
    """The SQL condition (and its arguments) for a waiting registration that has not lapsed at ``now``:
    last signed on or after the cutoff, or kept by an excused absence (``kept_by_excuse``)."""
    return _lapse_condition(db, rules, now, alias, lapsed=False)


def lapsed_where(db: Database, rules: RuleSet, now: datetime, alias: str = "") -> tuple[str, list]:
    """The SQL condition for a waiting registration that has lapsed at ``now`` (the opposite of
    ``unlapsed_where``; searches ``registrations_lapse``)."""
    return _lapse_condition(db, rules, now, alias, lapsed=True)


def _lapse_condition(db: Database, rules: RuleSet, now: datetime, alias: str, *, lapsed: bool) -> tuple[str, list]:
    cutoff = lapse_cutoff_text(rules, now)
    kept = kept_by_excuse(db, rules, now)
    signed = f"{alias}last_signed_at < ?" if lapsed else f"+{alias}last_signed_at >= ?"
    if not kept:
        return signed, [cutoff]
    marks = ",".join("?" for _ in kept)
    if lapsed:
        return f"{signed} AND {alias}id NOT IN ({marks})", [cutoff, *kept]
    return f"({signed} OR {alias}id IN ({marks}))", [cutoff, *kept]


def qualifications_of(db: Database, card: str) -> tuple[Qualification, ...]:
    """A member's qualification records (why they may sign a book that requires one)."""
    return tuple(
        Qualification(card, book_id, evidence, parse_time(at))
        for book_id, evidence, at in db.execute(
            "SELECT book_id, evidence, at FROM qualifications WHERE card = ? ORDER BY id", [card])
    )


def member_hours(db: Database, cards: Iterable[str] | None, now: datetime, rules: RuleSet,
                 *, through: datetime | None = None) -> dict[str, float]:
    """card -> the member's hours for the low-hours period containing ``now`` (worked and turndown
    penalty), from their hours records; with ``through``, only records made by then (the as-of list)."""
    first, last = period_bounds(now, rules)
    sql = "SELECT card, sum(hours) FROM member_hours WHERE day >= ? AND day <= ?"
    params: list = [first.isoformat(), last.isoformat()]
    if through is not None:
        sql += " AND recorded_at <= ?"
        params.append(iso(through))
    totals = dict(db.execute(sql + " GROUP BY card", params).fetchall())
    if cards is None:
        return totals
    return {card: totals[card] for card in set(cards) if card in totals}


def rotation_points(db: Database, book_ids: Iterable[str]) -> dict[str, RotationPoint]:
    """(v2) book id -> who most recently accepted a short call from that book, at their place there
    (``short_calls.rotation``)."""
    found: dict[str, RotationPoint] = {}
    for book_id in book_ids:
        row = db.execute(
            "SELECT r.card, g.registered_at FROM referrals r JOIN offers o ON o.id = r.offer_id"
            " JOIN registrations g ON g.id = o.registration_id"
            " WHERE r.short_call = 1 AND o.book_id = ? ORDER BY r.id DESC LIMIT 1", [book_id]
        ).fetchone()
        if row is not None:
            found[book_id] = RotationPoint(book_id, row[0], parse_time(row[1]))
    return found


def referrals_in_force(db: Database, cards: Iterable[str], rules: RuleSet) -> dict[str, ReferralInForce]:
    """card -> the referral that member holds now (the newest, should there be two), for ``cards``."""
    wanted = sorted(set(cards))
    found: dict[str, ReferralInForce] = {}
    for i in range(0, len(wanted), 500):
        chunk = wanted[i:i + 500]
        marks = ",".join("?" for _ in chunk)
        for card, call_id, short, employer, start, days in db.execute(
            "SELECT r.card, r.call_id, r.short_call, e.name, c.start_at, c.duration_days FROM referrals r"
            " JOIN calls c ON c.id = r.call_id JOIN employers e ON e.id = r.employer_id"
            f" WHERE r.card IN ({marks}) AND r.status = 'active' ORDER BY r.id", chunk
        ):
            until = None
            if short:
                until = expected_end(JobCall(id=call_id, employer=employer, classification="", workers=1,
                                             start=parse_time(start), duration_days=days), rules)
            found[card] = ReferralInForce(call_id=call_id, employer=employer, short_call=bool(short), until=until)
    return found


def rank_context(db: Database, call: JobCall, rules: RuleSet, now: datetime,
                 registrations: list[Registration]) -> RankContext:
    """Everything the ranking needs beyond the registrations, read for one call."""
    start_day = calendar.local_date(call.start, rules).isoformat()
    cards = {reg.card for reg in registrations}
    unavailability: dict[str, tuple[Unavailability, ...]] = {}
    for card, start, until in db.execute(
        "SELECT card, start, until FROM unavailability WHERE until >= ?", [start_day]
    ):
        if card in cards:
            unavailability[card] = unavailability.get(card, ()) + (
                Unavailability(card, parse_date(until), parse_date(start)),)
    bars: dict[str, tuple[EmployerBar, ...]] = {}
    for card, employer, until, reason in db.execute(
        "SELECT b.card, e.name, b.until, b.reason FROM employer_bars b JOIN employers e ON e.id = b.employer_id"
        " WHERE b.until >= ? AND e.name = ? COLLATE NOCASE", [start_day, call.employer]
    ):
        bars[card] = bars.get(card, ()) + (EmployerBar(card, employer, parse_date(until), reason),)
    # A day more than the block: the engine blocks through the local date left + block_days.
    block_since = now - timedelta(days=rules.name_requests.block_days + 1)
    separations = tuple(
        Separation(card, employer, parse_time(at), reason)
        for card, employer, at, reason in db.execute(
            "SELECT j.card, e.name, j.at, j.reason FROM job_ends j"
            " JOIN referrals r ON r.id = j.referral_id JOIN employers e ON e.id = r.employer_id"
            " WHERE j.reason IN (?, ?) AND j.at >= ?", [QUIT, DISCHARGED, iso(block_since)]
        )
    )
    window_since = now - timedelta(days=rules.name_requests.window_days)
    referrals = tuple(
        PastReferral(employer, parse_time(at), basis, card)
        for employer, at, basis, card in db.execute(
            "SELECT e.name, r.at, r.basis, r.card FROM referrals r JOIN employers e ON e.id = r.employer_id"
            " WHERE e.name = ? COLLATE NOCASE AND r.at >= ? AND r.call_id != ?",
            [call.employer, iso(window_since), call.id],
        )
    )
    cert_names = set(call.required_certs)
    for book in rules.books_for(call.classification):
        cert_names.update(book.requires)
    rotation = {}
    if rules.short_calls.rotation and is_short_call(call, rules):
        rotation = rotation_points(db, (book.id for book in rules.books_for(call.classification)))
    return RankContext(
        rules=rules, now=now, members=LazyMembers(db, cards, cert_names),
        unavailability=unavailability, bars=bars, outcomes=call_outcomes(db, call.id),
        separations=separations, employer_referrals=referrals,
        in_force=referrals_in_force(db, cards, rules), excused=excused_absences(db, cards),
        rotation=rotation, signins=daybook_signins(db, rules, now, cards), bidders=open_bidders(db, call, now),
    )


def daybook_signins(db: Database, rules: RuleSet, now: datetime, cards=None) -> dict[str, frozenset[date]]:
    """(v2) card -> {day} for the members signed in for the day an offer at ``now`` needs
    (``cards`` only, when given); nothing when the hall keeps no day book."""
    if not rules.daybook.required:
        return {}
    day = day_needed(now, rules)
    wanted = None if cards is None else set(cards)
    return {card: frozenset({day}) for (card,) in db.execute("SELECT card FROM signins WHERE day = ?",
                                                            [day.isoformat()])
            if wanted is None or card in wanted}


def open_bidders(db: Database, call: JobCall, now: datetime) -> frozenset[str]:
    """(v2) Cards with an open bid on a posted call before its selection (empty otherwise)."""
    if call.posted_for is None or now >= call.posted_for:
        return frozenset()
    return frozenset(card for (card,) in db.execute(
        "SELECT card FROM bids WHERE call_id = ? AND selection_at = ? AND withdrawn_at IS NULL",
        [call.id, iso(call.posted_for)]))


def candidate_registrations(db: Database, call: JobCall, rules: RuleSet, now: datetime,
                            outcome_cards: Iterable[str] = (), *,
                            limit: int | None = None) -> list[Registration]:
    """Registrations that can be candidates for a call: waiting or on a short call on its
    books (lapsed ones excluded), plus those of members with an outcome on it.

    With ``limit`` (a ranking that stops after ``limit`` candidates), only what that
    ranking walks is read where that can be told in advance: each book's waiting
    registrations from the top, in index order, as far as the limit needs
    (see ``_walked_registrations``). The ranking comes out the same.
    """
    outcome_cards = set(outcome_cards)
    rotating = rules.short_calls.rotation and is_short_call(call, rules)
    if limit is not None and rules.ordering.policy == "registration" and not call.name_requests and not rotating:
        return _walked_registrations(db, call, rules, now, outcome_cards, limit)
    book_ids = [b.id for b in rules.books_for(call.classification)]
    if not book_ids:
        return []
    marks = ",".join("?" for _ in book_ids)
    unlapsed, params = unlapsed_where(db, rules, now)
    rows = db.execute(
        f"SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE book_id IN ({marks})"
        f" AND (status = 'on_short_call' OR (status = 'waiting' AND {unlapsed}))",
        [*book_ids, *params],
    ).fetchall()
    if outcome_cards:
        seen = {r[0] for r in rows}
        for row in _outcome_rows(db, book_ids, outcome_cards):
            if row[0] not in seen:
                rows.append(row)
    hours: dict[str, float] = {}
    if rules.ordering.policy == "low_hours":
        hours = member_hours(db, {r[1] for r in rows}, now, rules)
    return [registration_from_row(r, hours.get(r[1], 0.0)) for r in rows]


def _outcome_rows(db: Database, book_ids: list[str], outcome_cards: set[str]) -> list:
    marks = ",".join("?" for _ in book_ids)
    card_marks = ",".join("?" for _ in outcome_cards)
    return db.execute(
        f"SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE book_id IN ({marks})"
        f" AND card IN ({card_marks})",
        [*book_ids, *outcome_cards],
    ).fetchall()


def _walked_registrations(db: Database, call: JobCall, rules: RuleSet, now: datetime,
                          outcome_cards: set[str], limit: int) -> list[Registration]:
    """The registrations a ranking limited to ``limit`` walks (``registration`` policy, no name
    requests): every registration on a short call of the call's books and every one of members
    with an outcome (both few), and each book's waiting ones in list order from the top.

    Books are read in the ranking's order. A book read to its end yields at least as many
    candidates as it has waiting members not met in earlier books and without an outcome; the
    first book that is not read to its end is read (whole ``registered_at`` ties at the cut)
    until, with the books before it, it holds enough members for ``limit + 1`` candidates, so
    the ranking stops inside what was read; later books are not read. Positions count from
    the top of each book, so they stay exact. Members working a regular call (a referral in
    force) are no candidates, so they are not counted towards ``limit + 1``.
    """
    book_ids = [b.id for b in rules.books_for(call.classification)]
    if not book_ids:
        return []
    unlapsed, unlapsed_params = unlapsed_where(db, rules, now)
    marks = ",".join("?" for _ in book_ids)
    rows = db.execute(
        f"SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE book_id IN ({marks})"
        " AND status = 'on_short_call'", book_ids,
    ).fetchall()
    short_cards: dict[str, set[str]] = {}
    for row in rows:
        short_cards.setdefault(row[2], set()).add(row[1])
    if outcome_cards:
        rows += _outcome_rows(db, book_ids, outcome_cards)
    need = limit + 1  # candidates the walk must be able to reach inside what is read
    produced = 0  # at least this many candidates come from the books read to their end
    seen: set[str] = set()  # every card of the books read (a superset of those the walk met)
    top = (f"SELECT {REGISTRATION_COLUMNS} FROM registrations"
           f" WHERE book_id = ? AND status = 'waiting' AND {unlapsed}"
           " ORDER BY registered_at, card LIMIT ?")
    tie = (f"SELECT {REGISTRATION_COLUMNS} FROM registrations"
           f" WHERE book_id = ? AND status = 'waiting' AND {unlapsed} AND registered_at = ?")
    for book_id in book_ids:
        size = need - produced + len(outcome_cards) + 16
        while True:
            waiting = db.execute(top, [book_id, *unlapsed_params, size]).fetchall()
            complete = len(waiting) < size
            if not complete:
                have = {r[0] for r in waiting}
                waiting += [r for r in db.execute(tie, [book_id, *unlapsed_params, waiting[-1][3]])
                            if r[0] not in have]
            cards = {r[1] for r in waiting}
            working = {card for card, held in referrals_in_force(db, cards - seen - outcome_cards, rules).items()
                       if not held.short_call}
            fresh = len(cards - seen - outcome_cards - working)
            if complete or produced + fresh >= need:
                break
            size *= 2
        rows += waiting
        if not complete:
            break  # the ranking stops inside this book
        produced += fresh
        seen |= cards | short_cards.get(book_id, set())
    by_id: dict[int, tuple] = {}
    for row in rows:
        by_id.setdefault(row[0], row)
    return [registration_from_row(r) for r in by_id.values()]


def rank_call(db: Database, call: JobCall, rules: RuleSet, now: datetime, *,
              limit: int | None = None):
    """The call's ranking as the rules compute it now, with its context."""
    outcomes = call_outcomes(db, call.id)
    registrations = candidate_registrations(db, call, rules, now, outcomes.keys(), limit=limit)
    ctx = rank_context(db, call, rules, now, registrations)
    if limit is None:
        ctx.members.preload()
    elif len(registrations) <= 2000:  # the top of the books: a few queries, not three per member
        ctx.members.preload_cards()
    return rank(call, registrations, ctx, limit=limit), ctx


SCREEN_MARGIN = 60  # candidates a ranking for the dispatcher goes past the call's needs


def ranking_through(db: Database, call: JobCall, rules: RuleSet, now: datetime, card: str | None = None):
    """The call's ranking (and its context) far enough to include ``card``: a screenful past
    the call's needs, or the whole ranking when ``card`` is further down."""
    outcomes = call_outcomes(db, call.id)
    limit = len(outcomes) + call.workers + SCREEN_MARGIN
    ranking, ctx = rank_call(db, call, rules, now, limit=limit)
    if card is not None and ranking.truncated and ranking.find(card) is None:
        ranking, ctx = rank_call(db, call, rules, now)
    return ranking, ctx


def active_referral(db: Database, card: str):
    """The member's referral not yet ended (id, call_id, short_call, at), or None."""
    return db.execute(
        "SELECT id, call_id, short_call, at FROM referrals WHERE card = ? AND status = 'active'"
        " ORDER BY id DESC LIMIT 1", [card]
    ).fetchone()

