"""(v2) What the morning dispatch shows: the job board (posted calls, their bids, the time left to
bid), the results of the last selection (each call's awards with basis and choice number, the
openings left), a member's bids and, after the selection, what they were awarded or why not.

Frozen dataclasses read in one ``Read``. A selection that has come but is not recorded yet is
already in the tables every read sees, the kiosk's too (``Store.reading`` records it in a
private copy), exactly as the next write records it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dispatch import calendar
from dispatch.bidding import bids_close_at, next_selection
from dispatch.calls import is_short_call, no_turndown_reason
from dispatch.model import JobCall
from dispatch.rules import RuleSet
from hall import load
from hall.queries import bidding as q


def countdown(delta: timedelta) -> str:
    """Time left as people say it: "14 h 50 min", "9 min", "40 s", "closed"."""
    seconds = int(delta.total_seconds())
    if seconds <= 0:
        return "closed"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"


@dataclass(frozen=True, slots=True)
class PostedCall:
    """One posted call as the job board shows it."""

    id: int
    employer: str
    site: str
    classification: str
    openings: int
    start: datetime
    days: int
    hours: float | None
    wage: str
    certs: tuple[str, ...]
    short: bool
    no_turndown: str  # why declines on it never count, or ""
    bids: int
    selection_at: datetime
    closes_at: datetime

    def to_dict(self) -> dict:
        return {"id": self.id, "employer": self.employer, "site": self.site, "class": self.classification,
                "openings": self.openings, "start": self.start, "days": self.days, "hours": self.hours,
                "wage": self.wage, "certs": list(self.certs), "short": self.short,
                "decline_counts": not self.no_turndown, "no_turndown": self.no_turndown, "bids": self.bids,
                "selection_at": self.selection_at, "bids_close_at": self.closes_at}


@dataclass(frozen=True, slots=True)
class JobBoard:
    """The posted calls, the next selection and when its bids close."""

    now: datetime
    enabled: bool
    next_selection: datetime | None
    closes_at: datetime | None
    calls: tuple[PostedCall, ...]

    @property
    def total_bids(self) -> int:
        return sum(call.bids for call in self.calls)

    def time_left(self, now: datetime | None = None) -> timedelta:
        """Until the next selection's bids close (zero once closed)."""
        if self.closes_at is None:
            return timedelta(0)
        return max(self.closes_at - (now or self.now), timedelta(0))


def posted_row(call: JobCall, bids: int, rules: RuleSet) -> PostedCall:
    """A posted call as a job board row."""
    return PostedCall(call.id, call.employer, call.site, call.classification, call.openings, call.start,
                      call.duration_days, call.expected_hours, call.wage, call.required_certs,
                      is_short_call(call, rules), no_turndown_reason(call, rules) or "", bids, call.posted_for,
                      bids_close_at(call.posted_for, rules))


def job_board(read) -> JobBoard:
    """The job board as of the read."""
    rules, now = read.rules, read.now
    counts = q.bid_counts(read.db, now)
    calls = tuple(posted_row(call, counts.get(call.id, 0), rules) for call in q.posted_calls(read.db, now))
    upcoming = min((call.selection_at for call in calls), default=None)
    if upcoming is None and rules.bidding.enabled:
        upcoming = next_selection(now, rules)
    closes = bids_close_at(upcoming, rules) if upcoming is not None else None
    return JobBoard(now, rules.bidding.enabled, upcoming, closes, calls)


# --- the results of a selection -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AwardRow:
    """One opening awarded at the selection."""

    card: str
    name: str
    choice: int
    basis: str
    declined: bool  # the member refused the award afterwards (award_declined)


@dataclass(frozen=True, slots=True)
class CallResult:
    """One call of a selection: its awards and the openings still to phone."""

    id: int
    employer: str
    classification: str
    workers: int
    openings_left: int
    status: str
    awards: tuple[AwardRow, ...]
    bidders: int


@dataclass(frozen=True, slots=True)
class Results:
    """The last selection recorded (or due): its moment and each of its calls."""

    at: datetime | None
    calls: tuple[CallResult, ...]

    @property
    def awards(self) -> int:
        return sum(len(c.awards) for c in self.calls)

    @property
    def openings_left(self) -> int:
        return sum(c.openings_left for c in self.calls)


def _selection_entry(db, at: datetime | None = None) -> tuple[datetime, dict] | None:
    row = db.execute(
        "SELECT s.at, a.data FROM selections s JOIN audit a ON a.seq = s.audit_seq"
        + (" WHERE s.at = ?" if at else "") + " ORDER BY s.at DESC LIMIT 1",
        [load.iso(at)] if at else []).fetchone()
    if row is None:
        return None
    return load.parse_time(row[0]), json.loads(row[1])


def results(read, at: datetime | None = None) -> Results:
    """The last selection's results (or the one at ``at``), as the records hold them now: awards
    refused since are marked, the openings left are the call's own."""
    found = _selection_entry(read.db, at)
    if found is None:
        return Results(None, ())
    moment, data = found
    calls = []
    for call_id_text, summary in sorted(data.get("calls", {}).items(), key=lambda item: int(item[0])):
        call = load.job_call(read.db, int(call_id_text))
        awards = tuple(AwardRow(card, name, choice, basis, status == "reversed") for card, name, choice, basis, status in
                       read.db.execute(
                           "SELECT o.card, m.name, o.award_choice, r.basis, r.status FROM offers o"
                           " JOIN referrals r ON r.offer_id = o.id JOIN members m ON m.card = o.card"
                           " WHERE o.call_id = ? AND o.award_choice IS NOT NULL AND o.at = ? ORDER BY o.id",
                           [call.id, load.iso(moment)]))
        calls.append(CallResult(call.id, call.employer, call.classification, call.workers, call.openings,
                                call.status, awards, len(summary.get("bidders", ()))))
    return Results(moment, tuple(calls))


# --- one member (the kiosk) --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MemberBid:
    """One of a member's open bids."""

    call_id: int
    employer: str
    choice: int
    start: datetime
    closes_at: datetime


@dataclass(frozen=True, slots=True)
class Ahead:
    """A bidder ahead of the member on a call at the selection (name, card and place only)."""

    order: int | None
    name: str
    card: str
    awarded: bool


@dataclass(frozen=True, slots=True)
class MemberResult:
    """What the last selection did for a member on one call: awarded, or why not, with the
    bidders ahead of them in the call's referral order."""

    call_id: int
    employer: str
    choice: int | None
    awarded: bool
    text: str
    ahead: tuple[Ahead, ...] = ()


@dataclass(frozen=True, slots=True)
class MemberMorning:
    """The morning dispatch for one member at the kiosk: the job board with their choice on each
    call they bid on, their open bids, the day book, and the last selection's rows for them."""

    board: JobBoard
    bids: tuple[MemberBid, ...]
    daybook: bool
    signin_day: date  # the day a sign-in now counts for
    signed_in: tuple[tuple[date, int | None], ...]  # (day, receipt) from today on
    results_at: datetime | None
    results: tuple[MemberResult, ...]

    def choice_on(self, call_id: int) -> int | None:
        """The member's choice number on a posted call (None: no bid)."""
        return next((b.choice for b in self.bids if b.call_id == call_id), None)

    def signed_in_for(self, day: date) -> int | None | bool:
        """The receipt of the member's sign-in for ``day`` (True without one), False if none."""
        return next(((seq or True) for signed, seq in self.signed_in if signed == day), False)


def member_bids(read, card: str) -> tuple[MemberBid, ...]:
    """A member's open bids, by choice number."""
    found = []
    for bid in q.open_bids_of(read.db, card, read.now):
        call = load.job_call(read.db, bid.call_id)
        found.append(MemberBid(call.id, call.employer, bid.choice, call.start, bids_close_at(call.posted_for,
                                                                                           read.rules)))
    return tuple(found)


def member_results(read, card: str, *, since: timedelta = timedelta(days=1)) -> tuple[datetime | None,
                                                                                     tuple[MemberResult, ...]]:
    """The member's rows in the last selection (within ``since`` of now), choices first: awarded,
    or why not and who was ahead of them. A selection that has come but is not recorded yet is
    in the records every read sees (``Store.reading``), as the next write will record it."""
    found = _selection_entry(read.db)
    if found is None or read.now - found[0] > since:
        return None, ()
    moment, data = found
    rows = []
    for call_id, summary in data.get("calls", {}).items():
        bidders = summary.get("bidders", ())
        for n, row in enumerate(bidders):
            if row["card"] == card:
                ahead = tuple(Ahead(b.get("order"), b["name"], b["card"], b["awarded"]) for b in bidders[:n]
                              if b["choice"] is not None)
                rows.append((int(call_id), row, ahead))
    out = []
    for call_id, row, ahead in sorted(rows, key=lambda r: (r[1]["choice"] is None, r[1]["choice"] or 0, r[0])):
        call = load.job_call(read.db, call_id)
        out.append(MemberResult(call_id, call.employer, row["choice"], row["awarded"], row["text"], ahead))
    return moment, tuple(out)


def member_morning(read, card: str) -> MemberMorning | None:
    """What the kiosk shows a member of the morning dispatch (None when the hall neither bids nor
    keeps a day book)."""
    from dispatch.daybook import signin_day

    rules = read.rules
    if not rules.bidding.enabled and not rules.daybook.required:
        return None
    today = calendar.local_date(read.now, rules)
    signed = tuple((day, seq) for day, _, seq in q.signin_days(read.db, card, today))
    moment, rows = member_results(read, card)
    return MemberMorning(job_board(read), member_bids(read, card), rules.daybook.required,
                         signin_day(read.now, rules), signed, moment, rows)


def bids_close_text(board: JobBoard, rules: RuleSet) -> str:
    """"Next selection Tue 24 Nov 07:00 (bids close 06:30, in 14 h 50 min)"."""
    if board.next_selection is None:
        return "Bidding is off in this hall."
    today = calendar.local_date(board.now, rules)
    left = board.time_left()
    when = "closed" if left <= timedelta(0) else f"in {countdown(left)}"
    return (f"Next selection {calendar.moment_text(board.next_selection, rules, today)} · bids close "
            f"{calendar.local(board.closes_at, rules):%H:%M} ({when})")


@dataclass(frozen=True, slots=True)
class MorningSummary:
    """The board's line: the next selection, the calls and bids waiting for it, who signed in today."""

    next_selection: datetime
    closes_at: datetime
    calls: int
    bids: int
    daybook: bool
    signed_in: int
    last_awards: int | None  # the awards of a selection in the last day (None: none)


def morning_summary(read) -> MorningSummary | None:
    """The morning dispatch at a glance (None when the hall neither bids nor keeps a day book)."""
    rules = read.rules
    if not rules.bidding.enabled and not rules.daybook.required:
        return None
    board = job_board(read)
    upcoming = board.next_selection or next_selection(read.now, rules)
    waiting = [c for c in board.calls if c.selection_at == upcoming]
    found = _selection_entry(read.db)
    last = found[1].get("awards") if found and read.now - found[0] <= timedelta(days=1) else None
    from dispatch.daybook import day_needed

    return MorningSummary(upcoming, bids_close_at(upcoming, rules), len(waiting), sum(c.bids for c in waiting),
                          rules.daybook.required, q.signed_in_count(read.db, day_needed(read.now, rules)), last)


# --- reads for the screens (each its own ``Read``) ----------------------------------------------


def read_job_board(store) -> tuple[JobBoard, RuleSet]:
    """The job board now, with the rules it was read under."""
    with store.reading() as read:
        return job_board(read), read.rules


def read_results(store) -> tuple[Results, RuleSet]:
    """The last selection's results now, with the rules."""
    with store.reading() as read:
        return results(read), read.rules


def read_call_bids(store, call_id: int) -> tuple[JobCall, list[q.BidRow]]:
    """A posted call and its open bids."""
    with store.reading() as read:
        call = load.job_call(read.db, call_id)
        return call, [b for b in q.bids(read.db, call_id=call_id, selection_at=call.posted_for) if b.open]
