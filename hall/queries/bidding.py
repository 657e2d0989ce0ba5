"""(v2) The morning dispatch as stored: posted calls, bids, sign-ins, and the selections due.

A call is *posted* while ``calls.posted_for`` (the selection it waits for) is still to
come and the call is open. A bid is *open* while it is not withdrawn and its call is
still posted for the selection it was made for (``bids.selection_at``). A selection is
*due* at a moment that has passed, when an open call is posted for it and no row of
``selections`` says it was recorded. ``selection_inputs`` reads everything
``dispatch.selection.select`` needs for one selection, in a few queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Mapping

from sqlite_utils import Database

from dispatch import calendar
from dispatch.model import (
    DISCHARGED,
    QUIT,
    Bid,
    EmployerBar,
    JobCall,
    PastReferral,
    Registration,
    Separation,
    Unavailability,
)
from dispatch.ranking import RankContext
from dispatch.rules import RuleSet
from hall import load
from hall.audit import iso

POSTED_CALLS = ("SELECT id FROM calls WHERE status = 'open' AND posted_for > ? ORDER BY posted_for, id")


def posted_call_ids(db: Database, now: datetime) -> list[int]:
    """The calls posted for a selection still to come (the job board), soonest selection first."""
    return [row[0] for row in db.execute(POSTED_CALLS, [iso(now)])]


def posted_calls(db: Database, now: datetime) -> list[JobCall]:
    """The posted calls as the rules see them."""
    return [load.job_call(db, call_id) for call_id in posted_call_ids(db, now)]


def bid_counts(db: Database, now: datetime) -> dict[int, int]:
    """call id -> open bids on it, for the calls posted now."""
    return {call_id: count for call_id, count in db.execute(
        "SELECT b.call_id, count(*) FROM bids b JOIN calls c ON c.id = b.call_id"
        " WHERE b.withdrawn_at IS NULL AND b.selection_at = c.posted_for AND c.posted_for > ?"
        " AND c.status = 'open' GROUP BY b.call_id", [iso(now)])}


def open_bids_of(db: Database, card: str, now: datetime) -> list[Bid]:
    """A member's open bids (their calls' selections still to come), by choice number."""
    return [Bid(card, call_id, choice, load.parse_time(at)) for call_id, choice, at in db.execute(
        "SELECT b.call_id, b.choice, b.at FROM bids b JOIN calls c ON c.id = b.call_id"
        " WHERE b.card = ? AND b.withdrawn_at IS NULL AND b.selection_at = c.posted_for"
        " AND c.posted_for > ? AND c.status = 'open' ORDER BY b.choice", [card, iso(now)])]


def bid_id(db: Database, card: str, call_id: int, selection_at: datetime) -> int | None:
    """The id of the member's open bid on a call for its selection, or None."""
    row = db.execute("SELECT id FROM bids WHERE card = ? AND call_id = ? AND selection_at = ?"
                     " AND withdrawn_at IS NULL", [card, call_id, iso(selection_at)]).fetchone()
    return row[0] if row else None


@dataclass(frozen=True, slots=True)
class BidRow:
    """One bid as staff and members see it."""

    id: int
    call_id: int
    card: str
    name: str
    choice: int
    selection_at: datetime
    at: datetime
    via: str
    recorded_by: str
    withdrawn_at: datetime | None
    audit_seq: int | None

    @property
    def open(self) -> bool:
        return self.withdrawn_at is None

    def to_dict(self) -> dict:
        return {"id": self.id, "call": self.call_id, "card": self.card, "name": self.name, "choice": self.choice,
                "selection_at": self.selection_at, "at": self.at, "via": self.via, "recorded_by": self.recorded_by,
                "withdrawn_at": self.withdrawn_at, "receipt": self.audit_seq}


def bids(db: Database, *, call_id: int | None = None, card: str | None = None,
         selection_at: datetime | None = None) -> list[BidRow]:
    """Bids (withdrawn ones too) on one call or by one member, newest selection first, then by
    choice number (a member's) or card (a call's)."""
    where, params = [], []
    if call_id is not None:
        where.append("b.call_id = ?")
        params.append(call_id)
    if card is not None:
        where.append("b.card = ?")
        params.append(card)
    if selection_at is not None:
        where.append("b.selection_at = ?")
        params.append(iso(selection_at))
    order = "b.selection_at DESC, b.choice, b.id" if card is not None else "b.selection_at DESC, b.id"
    sql = ("SELECT b.id, b.call_id, b.card, m.name, b.choice, b.selection_at, b.at, b.via, b.recorded_by,"
           " b.withdrawn_at, b.audit_seq FROM bids b JOIN members m ON m.card = b.card"
           + (" WHERE " + " AND ".join(where) if where else "") + f" ORDER BY {order}")
    return [BidRow(r[0], r[1], r[2], r[3], r[4], load.parse_time(r[5]), load.parse_time(r[6]), r[7], r[8],
                   load.parse_time(r[9]), r[10]) for r in db.execute(sql, params)]


def signin_days(db: Database, card: str, since: date) -> list[tuple[date, datetime, int | None]]:
    """The days a member signed in for from ``since`` on: (day, when, receipt)."""
    return [(date.fromisoformat(day), load.parse_time(at), seq) for day, at, seq in db.execute(
        "SELECT day, at, audit_seq FROM signins WHERE card = ? AND day >= ? ORDER BY day",
        [card, since.isoformat()])]


def signed_in_count(db: Database, day: date) -> int:
    """How many members signed in for a day."""
    return db.execute("SELECT count(*) FROM signins WHERE day = ?", [day.isoformat()]).fetchone()[0]


# --- the selections due -----------------------------------------------------------------------


def due_selections(db: Database, now: datetime) -> list[datetime]:
    """The moments of selections that have come (at or before ``now``) and are not recorded yet."""
    return [load.parse_time(at) for (at,) in db.execute(
        "SELECT DISTINCT posted_for FROM calls WHERE posted_for <= ? AND status = 'open'"
        " AND posted_for NOT IN (SELECT at FROM selections) ORDER BY posted_for", [iso(now)])]


def selection_due(db: Database, now: datetime) -> bool:
    """Whether a selection has come and is not recorded yet (one indexed probe)."""
    return db.execute(
        "SELECT 1 FROM calls WHERE posted_for <= ? AND status = 'open'"
        " AND posted_for NOT IN (SELECT at FROM selections) LIMIT 1", [iso(now)]).fetchone() is not None


@dataclass(frozen=True, slots=True)
class SelectionInputs:
    """What one selection reads: its calls, the open bids on them, the registrations of their
    books, the context, and the outcomes already recorded on each call."""

    moment: datetime
    calls: tuple[JobCall, ...]
    bids: tuple[Bid, ...]
    registrations: tuple[Registration, ...]
    ctx: RankContext
    outcomes: Mapping[int, Mapping[str, str]]


def _chunks(values, size: int = 500):
    values = sorted(values)
    for i in range(0, len(values), size):
        yield values[i:i + size]


def selection_inputs(db: Database, moment: datetime, rules: RuleSet) -> SelectionInputs:
    """Everything the selection at ``moment`` needs, read from the database as it stands (nothing
    has been written since the moment: every write records the selections due first)."""
    at = iso(moment)
    call_ids = [row[0] for row in db.execute(
        "SELECT id FROM calls WHERE posted_for = ? AND status = 'open' ORDER BY id", [at])]
    calls = tuple(load.job_call(db, call_id) for call_id in call_ids)
    marks = ",".join("?" for _ in call_ids) or "NULL"
    bid_list = tuple(Bid(card, call_id, choice, load.parse_time(when)) for card, call_id, choice, when in db.execute(
        f"SELECT card, call_id, choice, at FROM bids WHERE call_id IN ({marks}) AND selection_at = ?"
        " AND withdrawn_at IS NULL ORDER BY id", [*call_ids, at]))
    cards = {bid.card for bid in bid_list} | {r.card for call in calls for r in call.name_requests}
    classifications = sorted({call.classification for call in calls})
    book_ids = [b.id for cls in classifications for b in rules.books_for(cls)]
    registrations: list[Registration] = []
    if book_ids:
        book_marks = ",".join("?" for _ in book_ids)
        rows = db.execute(f"SELECT {load.REGISTRATION_COLUMNS} FROM registrations WHERE book_id IN ({book_marks})"
                          " AND status IN ('waiting', 'on_short_call')", book_ids).fetchall()
        hours: dict[int, float] = {}
        if rules.ordering.policy == "low_hours":
            hours = load.period_hours(db, (r[0] for r in rows), calendar.period_start(moment, rules))
        registrations = [load.registration_from_row(r, hours.get(r[0], 0.0)) for r in rows]
    first_day = min((calendar.local_date(call.start, rules) for call in calls), default=calendar.local_date(moment, rules))
    unavailability: dict[str, tuple[Unavailability, ...]] = {}
    bars: dict[str, tuple[EmployerBar, ...]] = {}
    for chunk in _chunks(cards):
        card_marks = ",".join("?" for _ in chunk)
        for card, start, until in db.execute(
            f"SELECT card, start, until FROM unavailability WHERE card IN ({card_marks}) AND until >= ?",
            [*chunk, first_day.isoformat()]):
            unavailability[card] = unavailability.get(card, ()) + (
                Unavailability(card, load.parse_date(until), load.parse_date(start)),)
        for card, employer, until, reason in db.execute(
            "SELECT b.card, e.name, b.until, b.reason FROM employer_bars b JOIN employers e ON e.id = b.employer_id"
            f" WHERE b.card IN ({card_marks}) AND b.until >= ?", [*chunk, first_day.isoformat()]):
            bars[card] = bars.get(card, ()) + (EmployerBar(card, employer, load.parse_date(until), reason),)
    block_since = moment - timedelta(days=rules.name_requests.block_days + 1)
    separations = tuple(
        Separation(card, employer, load.parse_time(when), reason)
        for card, employer, when, reason in db.execute(
            "SELECT j.card, e.name, j.at, j.reason FROM job_ends j"
            " JOIN referrals r ON r.id = j.referral_id JOIN employers e ON e.id = r.employer_id"
            " WHERE j.reason IN (?, ?) AND j.at >= ?", [QUIT, DISCHARGED, iso(block_since)]))
    employers = sorted({call.employer for call in calls})
    past: tuple[PastReferral, ...] = ()
    if employers:
        window_since = moment - timedelta(days=rules.name_requests.window_days)
        employer_marks = ",".join("?" for _ in employers)
        past = tuple(
            PastReferral(employer, load.parse_time(when), basis, card, call_id)
            for employer, when, basis, card, call_id in db.execute(
                "SELECT e.name, r.at, r.basis, r.card, r.call_id FROM referrals r"
                " JOIN employers e ON e.id = r.employer_id"
                f" WHERE e.name IN ({employer_marks}) AND r.at >= ?", [*employers, iso(window_since)]))
    cert_names = {cert for call in calls for cert in call.required_certs}
    for cls in classifications:
        for book in rules.books_for(cls):
            cert_names.update(book.requires)
    members = load.LazyMembers(db, cards, cert_names)
    members.preload_cards()
    ctx = RankContext(
        rules=rules, now=moment, members=members, unavailability=unavailability, bars=bars,
        separations=separations, employer_referrals=past,
        in_force=load.referrals_in_force(db, cards, rules),
        signins=load.daybook_signins(db, rules, moment, cards),
    )
    outcomes = {call.id: load.call_outcomes(db, call.id) for call in calls}
    return SelectionInputs(moment, calls, bid_list, tuple(registrations), ctx, outcomes)
