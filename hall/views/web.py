"""What ``hall web`` shows: the public job board and audit heads, and one member's own page.

Frozen dataclasses read in one ``Read`` on a connection that cannot write (as the kiosk
reads). The member's page is the kiosk's view (``hall.views.kiosk.member_view``) with what
the web adds: whether each book may be re-signed now, and the member's choice of notices.
Nothing about another member beyond name, card and position; no member names at all on the
public pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dispatch import calendar
from dispatch.calls import is_short_call, no_turndown_reason
from dispatch.model import WAITING
from dispatch.registration import resign_refusal, window_words
from hall import audit, load
from hall.queries.calls import calls as call_rows
from hall.views.kiosk import KioskView, member_view

HEAD_DAYS = 60


@dataclass(frozen=True, slots=True)
class Stamp:
    """When a page was read and the audit head it was read at (every page says both)."""

    at: datetime
    seq: int
    hash: str

    @property
    def head(self) -> str:
        return f"{self.seq}:{self.hash}"


def head_seq(read) -> int:
    """The newest audit entry's number (it changes with every write)."""
    return read.db.execute("SELECT coalesce(max(seq), 0) FROM audit").fetchone()[0]


def stamp(read) -> Stamp:
    """The moment of ``read`` and the newest audit entry it sees."""
    seq, digest = audit.head(read.db)
    return Stamp(read.now, seq, digest)


# --- the job board (public: no member names) -------------------------------------------------


@dataclass(frozen=True, slots=True)
class BoardCall:
    """One open call as the public job board lists it."""

    id: int
    employer: str
    site: str
    classification: str
    openings: int
    start: datetime
    days: int
    wage: str
    certs: tuple[str, ...]
    short: bool
    no_turndown: str  # why declines on it never count, or "" (they count)

    def to_dict(self) -> dict:
        """The call as ``/api/jobs`` gives it."""
        return {"call": self.id, "employer": self.employer, "site": self.site, "class": self.classification,
                "openings": self.openings, "start": audit.iso(self.start), "days": self.days,
                "wage": self.wage or None, "certs": list(self.certs), "short": self.short,
                "decline_counts": not self.no_turndown, "no_turndown": self.no_turndown or None}


@dataclass(frozen=True, slots=True)
class Board:
    """The open calls, newest start last, as of ``stamp``."""

    stamp: Stamp
    calls: tuple[BoardCall, ...]

    def to_dict(self) -> dict:
        return {"at": audit.iso(self.stamp.at), "head": self.stamp.head, "calls": [c.to_dict() for c in self.calls]}


def job_board(read) -> Board:
    """Open calls with openings left: employer, site, start, duration, wage, certifications,
    short or not, and whether a decline counts."""
    found = []
    for row in call_rows(read.db, open_only=True):
        call = load.job_call(read.db, row["id"])
        if call.openings <= 0:
            continue
        found.append(BoardCall(call.id, call.employer, call.site or "", call.classification, call.openings,
                               call.start, call.duration_days, call.wage, call.required_certs,
                               is_short_call(call, read.rules), no_turndown_reason(call, read.rules)))
    found.sort(key=lambda c: (c.start, c.id))
    return Board(stamp(read), tuple(found))


# --- audit heads (public) ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Head:
    """A day's closing head: its last entry."""

    day: date
    seq: int
    hash: str

    def to_dict(self) -> dict:
        return {"day": self.day.isoformat(), "seq": self.seq, "hash": self.hash}


@dataclass(frozen=True, slots=True)
class Heads:
    """Each day's closing head for the last ``HEAD_DAYS`` days, newest first."""

    stamp: Stamp
    days: tuple[Head, ...]

    def to_dict(self) -> dict:
        return {"at": audit.iso(self.stamp.at), "head": self.stamp.head, "days": [h.to_dict() for h in self.days]}


def audit_heads(read) -> Heads:
    """What the hall posts on the wall: each day's closing ``SEQ:HASH``."""
    since = read.today - timedelta(days=HEAD_DAYS)
    heads = audit.closing_heads(read.db, read.rules.zone, since=since)
    return Heads(stamp(read), tuple(Head(d, s, h) for d, s, h in reversed(heads)))


# --- one member's own page -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Resign:
    """Whether a waiting book may be re-signed now, and if not, why (one sentence)."""

    book: str
    allowed: bool
    refusal: str


@dataclass(frozen=True, slots=True)
class MemberPage:
    """Everything a member's own pages show, read at one moment."""

    stamp: Stamp
    view: KioskView
    resign: tuple[Resign, ...]
    window: str  # "from the 10th to the 16th of each month" in window mode, else ""
    notices: str  # email, sms or none

    @property
    def may_resign(self) -> bool:
        return any(r.allowed for r in self.resign)

    def resign_of(self, book: str) -> Resign | None:
        return next((r for r in self.resign if r.book == book), None)


def member_page(read, card: str) -> MemberPage:
    """The member's standing (as the kiosk shows it), what may be re-signed now, and their notices."""
    view = member_view(read.db, card, read.rules, read.now)
    member = load.member(read.db, card)
    shown = {b.book for b in view.books if b.status == WAITING}
    resign = []
    for reg in load.registrations_of(read.db, card, active_only=True):
        if reg.book_id not in shown:
            continue
        refusal = resign_refusal(reg, member, read.rules, read.now)
        resign.append(Resign(reg.book_id, refusal is None, refusal or ""))
    window = window_words(read.rules) if read.rules.resign.mode == "window" else ""
    notices = read.db.execute("SELECT notices FROM members WHERE card = ?", [card]).fetchone()[0]
    return MemberPage(stamp(read), view, tuple(resign), window, notices)


def moment_words(moment: datetime, rules, today: date | None = None) -> str:
    """"Fri 27 Nov 07:00" in the hall's zone (the year when not this year's)."""
    return calendar.moment_text(moment, rules, today)
