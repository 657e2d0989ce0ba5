"""Plain, frozen data the referral rules work on.

Everything here is immutable and free of I/O. Date-times are timezone-aware
and in UTC; dates (expiries, "until" dates, due dates) are the hall's local
dates. The records layer (``hall``) builds these from the database and writes
back what the rules return.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Mapping

# --- vocabularies -----------------------------------------------------------

ACTIVE = "active"
SUSPENDED = "suspended"
STANDINGS = (ACTIVE, SUSPENDED)

WAITING = "waiting"
ON_SHORT_CALL = "on_short_call"
DISPATCHED = "dispatched"
REMOVED = "removed"
REGISTRATION_STATUSES = (WAITING, ON_SHORT_CALL, DISPATCHED, REMOVED)

ACCEPTED = "accepted"
DECLINED = "declined"
NO_ANSWER = "no_answer"
EMPLOYER_REJECTED = "employer_rejected"
# The outcomes of an offer, as a dispatcher records them.
OUTCOMES = (ACCEPTED, DECLINED, NO_ANSWER, EMPLOYER_REJECTED)
# (v2) A member awarded a call at the selection who then refuses it: a turndown, and the
# opening returns to the call. Recorded on the award, not as an offer's outcome.
AWARD_DECLINED = "award_declined"

LAID_OFF = "laid_off"
QUIT = "quit"
DISCHARGED = "discharged"
END_REASONS = (LAID_OFF, QUIT, DISCHARGED)

LIST_ORDER = "list_order"
NAME_REQUEST = "name_request"
REMEDY = "remedy"
# (v2) Kinds of request, each its own basis (referral-rules.md "Kinds of request").
FOREMAN = "foreman"
RECALL = "recall"
STEWARD = "steward"
JATC = "jatc"
BASES = (LIST_ORDER, NAME_REQUEST, REMEDY, FOREMAN, RECALL, STEWARD, JATC)

# The kind of a request on a call, as ``call rank --json`` shows it ("request"): a name
# request is "name"; the other kinds are named like their basis.
REQUEST_NAME = "name"
REQUEST_FOREMAN = FOREMAN
REQUEST_RECALL = RECALL
REQUEST_STEWARD = STEWARD
REQUEST_JATC = JATC
# In the order honoured requests come in a ranking: foreman, recall, name (offered first,
# in this order); stewards and apprentice assignments are referrals made at once, no offer.
REQUEST_KINDS = (REQUEST_FOREMAN, REQUEST_RECALL, REQUEST_NAME, REQUEST_STEWARD, REQUEST_JATC)
BASIS_OF_REQUEST = {
    REQUEST_NAME: NAME_REQUEST,
    REQUEST_FOREMAN: FOREMAN,
    REQUEST_RECALL: RECALL,
    REQUEST_STEWARD: STEWARD,
    REQUEST_JATC: JATC,
}

# (v2) How a book is referred: down the list, or by the apprenticeship committee.
BOOK_ORDER_LIST = "list"
BOOK_ORDER_JATC = "jatc"

# (v2) Kinds of excused absence (private: never shown to other members or in a reason).
EXCUSE_KINDS = ("military", "jury", "union_business", "medical", "other")

# (v2) Kinds of hours record: hours worked, or turndown penalty hours (low-hours boards).
HOURS_WORKED = "worked"
HOURS_PENALTY = "penalty"
HOURS_KINDS = (HOURS_WORKED, HOURS_PENALTY)

OPEN = "open"
FILLED = "filled"
CANCELLED = "cancelled"
# (v2) Open past release.hours with the list exhausted: the employer may hire directly.
RELEASED = "released"
CALL_STATUSES = (OPEN, FILLED, CANCELLED, RELEASED)

SIGNING_CHANNELS = ("in_person", "phone", "email", "fax", "mail", "kiosk", "web")

# Removal reasons written on a registration (and shown to the member).
REMOVED_RESIGN = "failed to re-sign"
REMOVED_TURNDOWNS = "rolled off: {n} turndowns"
REMOVED_SHORT_CALL_LIMIT = "short-call limit"
REMOVED_QUIT = "quit"
REMOVED_DISCHARGED = "discharged"
# (v2) A member moved to another book of the same classification: "moved to JW-1".
REMOVED_MOVED = "moved to {book}"

# How a short-call referral ends when its member accepts a regular call
# (``short_calls.offer_regular_calls``), as recorded on that referral.
LEFT_FOR_REGULAR_CALL = "left for a regular call"


# --- the hall's people and lists -------------------------------------------


@dataclass(frozen=True, slots=True)
class Certification:
    """A certification or document a member holds, with an optional expiry date."""

    name: str
    expires: date | None = None


@dataclass(frozen=True, slots=True)
class Member:
    """A member or applicant, identified by card number."""

    card: str
    name: str
    classifications: frozenset[str] = frozenset()
    certifications: tuple[Certification, ...] = ()
    standing: str = ACTIVE
    # Why referral is suspended, as the member may read it
    # (e.g. "2 discharges in 12 months"); empty unless suspended.
    suspension_note: str = ""
    phone: str = ""
    home_local: str = ""

    def certification(self, name: str) -> Certification | None:
        """The held certification called ``name`` (case-insensitive), if any."""
        wanted = name.casefold()
        for cert in self.certifications:
            if cert.name.casefold() == wanted:
                return cert
        return None


@dataclass(frozen=True, slots=True)
class Book:
    """One ordered out-of-work list for one classification."""

    id: str
    name: str
    classification: str
    priority: int
    requires: tuple[str, ...] = ()
    # (v2) Signing needs an admin's qualification record for this book.
    requires_qualification: bool = False
    # (v2) "list": referred down the list; "jatc": apprentices assigned by the committee.
    order: str = BOOK_ORDER_LIST

    @property
    def assigned_by_jatc(self) -> bool:
        """Whether the apprenticeship committee assigns from this book (no offers down the list)."""
        return self.order == BOOK_ORDER_JATC


@dataclass(frozen=True, slots=True)
class ShortCallHold:
    """What a member on a short call is working, for the ``on_short_call`` reason."""

    employer: str
    until: date | None = None
    call_id: int | None = None


@dataclass(frozen=True, slots=True)
class ReferralInForce:
    """A referral a member holds now (accepted, neither ended nor reversed), whatever the book.

    A member holds at most one: while it is in force the member is passed over
    (a short call) or not a candidate at all (a regular call) on every other call.
    """

    call_id: int
    employer: str
    short_call: bool
    until: date | None = None  # a short call's expected last day


@dataclass(frozen=True, slots=True)
class Registration:
    """A member's place on one book.

    ``registered_at`` is the position key and survives dispatch and short calls;
    ``last_signed_at`` drives the re-sign clock. ``period_hours`` is what a low-hours
    board orders by: (v2, fix) the member's hours for the period, the same on each of
    their registrations (``hours.with_member_hours``).
    """

    id: int
    card: str
    book_id: str
    registered_at: datetime
    last_signed_at: datetime
    status: str = WAITING
    turndowns: int = 0
    restorations: int = 0
    period_hours: float = 0.0
    short_call: ShortCallHold | None = None
    removed_reason: str = ""


@dataclass(frozen=True, slots=True)
class Request:
    """A request for a member on a call: by name (the default kind), a foreman call-out,
    a recall, a steward appointment or an apprentice assignment, with its reason.

    A recall needs no typed reason (the layoff it follows is its reason).
    """

    card: str
    reason: str
    kind: str = REQUEST_NAME


# The name it had when name requests were the only kind.
NameRequest = Request


@dataclass(frozen=True, slots=True)
class JobCall:
    """An employer's request for workers of one classification."""

    id: int
    employer: str
    classification: str
    workers: int
    start: datetime
    duration_days: int
    required_certs: tuple[str, ...] = ()
    # Every request on the call, of every kind (the name is from when there was one kind).
    name_requests: tuple[Request, ...] = ()
    status: str = OPEN
    accepted: int = 0
    site: str = ""
    # (v2) When the call was taken (the release clock, the recall window, posting).
    taken_at: datetime | None = None
    # (v2) Expected hours, when the employer gave them (short calls by hours).
    expected_hours: float | None = None
    # (v2) Why declines on this call never count as turndowns ("starts 05:00"), or "".
    no_turndown: str = ""
    # (v2) The wage, when given, as the job board shows it.
    wage: str = ""
    # (v2) The selection this call is posted for (bids until then), or None: not posted.
    posted_for: datetime | None = None
    # (v2) Why the call was taken by phone with bidding on (dispatched down the list), or "".
    by_phone: str = ""

    @property
    def requests(self) -> tuple[Request, ...]:
        """The call's requests of every kind (the same as ``name_requests``)."""
        return self.name_requests

    @property
    def openings(self) -> int:
        """Workers still needed: the workers less the referrals already accepted."""
        return max(self.workers - self.accepted, 0)


@dataclass(frozen=True, slots=True)
class Unavailability:
    """A member's own declaration that they cannot take work through ``until`` (inclusive)."""

    card: str
    until: date
    start: date | None = None


@dataclass(frozen=True, slots=True)
class EmployerBar:
    """An employer's no-referral request for one member, in force through ``until``."""

    card: str
    employer: str
    until: date
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Separation:
    """A member leaving an employer: a quit or discharge blocks requests by it; a layoff
    from a site lets it recall the member there (v2)."""

    card: str
    employer: str
    at: datetime
    reason: str  # QUIT, DISCHARGED or (v2, for recalls) LAID_OFF
    site: str = ""


@dataclass(frozen=True, slots=True)
class ExcusedAbsence:
    """(v2) An absence staff excused, with evidence: passed over as ``exempt`` on calls
    starting in it, never charged a turndown, and the re-sign clock stops.

    ``kind`` (one of ``EXCUSE_KINDS``) and ``evidence`` are private: no reason or
    sentence a member reads carries them, only ``until``.
    """

    card: str
    start: date
    until: date  # inclusive
    kind: str = "other"
    evidence: str = ""

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.until


@dataclass(frozen=True, slots=True)
class HoursRecord:
    """(v2) Hours belonging to a member on one day: worked (from a job end, staff or payroll,
    with the employer and, for apprentices, the category) or turndown penalty hours."""

    card: str
    day: date
    hours: float
    employer: str = ""
    category: str = ""
    kind: str = HOURS_WORKED


@dataclass(frozen=True, slots=True)
class Qualification:
    """(v2) An admin's record of why a member qualifies for a book (exam, years, hours)."""

    card: str
    book_id: str
    evidence: str = ""
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Bid:
    """(v2) A member's open bid on a posted call, with their choice number (1 = most wanted)."""

    card: str
    call_id: int
    choice: int
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SignIn:
    """(v2) A day-book sign-in: the business day it counts for (``bidding.signin_day``)."""

    card: str
    day: date
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RotationPoint:
    """(v2) Who most recently accepted a short call from a book, at their place on it:
    with ``short_calls.rotation``, short calls from the book start after this place."""

    book_id: str
    card: str
    registered_at: datetime
    period_hours: float = 0.0


@dataclass(frozen=True, slots=True)
class PastReferral:
    """A referral already made, as the name-request share limit needs it."""

    employer: str
    at: datetime
    basis: str
    card: str = ""
    # The call it was made on: referrals of the call being ranked are not "past".
    call_id: int | None = None


# --- what the rules return --------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a candidate is passed over: a stable code and its parameters.

    ``params`` is a tuple of (name, value) pairs, values as text (dates as ISO
    dates), so screens can format them their own way; ``text`` is the sentence
    a member reads.
    """

    code: str
    params: tuple[tuple[str, str], ...] = ()

    def param(self, name: str, default: str = "") -> str:
        for key, value in self.params:
            if key == name:
                return value
        return default

    @property
    def text(self) -> str:
        from dispatch.reasons import render

        return render(self)

    def to_dict(self) -> dict:
        return {"code": self.code, "text": self.text, "params": dict(self.params)}


@dataclass(frozen=True, slots=True)
class Candidate:
    """One candidate in a call's ranking, eligible or with the reasons they are passed over."""

    card: str
    name: str
    registration_id: int
    book_id: str
    book_priority: int
    registered_at: datetime
    status: str
    position: int | None
    reasons: tuple[Reason, ...] = ()
    name_request: bool = False  # an honoured request by name (kind "name")
    name_request_reason: str = ""  # the reason of the honoured request, of any kind
    outcome: str | None = None
    turndowns: int = 0
    # (v2) The kind of the honoured request this candidate is listed for (``REQUEST_KINDS``),
    # or None: list order.
    request: str | None = None
    # (v2) On a book the apprenticeship committee assigns from: never offered down the list.
    assigned_by_jatc: bool = False

    @property
    def eligible(self) -> bool:
        return not self.reasons

    @property
    def requested(self) -> bool:
        """Listed for an honoured request of any kind: a decline is no turndown."""
        return self.request is not None

    @property
    def basis(self) -> str:
        """The basis a referral of this candidate on this call carries."""
        return BASIS_OF_REQUEST[self.request] if self.request is not None else LIST_ORDER


@dataclass(frozen=True, slots=True)
class Ranking:
    """A call's candidates in offer order: honoured name requests, then list order."""

    call_id: int
    candidates: tuple[Candidate, ...]
    # Name requests not honoured in this ranking, card -> sentence why.
    unhonoured_requests: Mapping[str, str] = field(default_factory=dict)
    # True when the ranking stopped early (a ``limit`` was given and reached).
    truncated: bool = False

    def find(self, card: str) -> Candidate | None:
        for cand in self.candidates:
            if cand.card == card:
                return cand
        return None


@dataclass(frozen=True, slots=True)
class Effect:
    """The result of an offer outcome or a job end on one member.

    ``registrations`` holds the new state of every registration of the member
    that changed (others are untouched). ``turndown_counted`` says whether the
    outcome counted as a turndown; ``referral`` whether a referral is issued;
    ``suspend`` whether the member's standing becomes suspended (with
    ``suspension_note``); ``message`` is one sentence for the dispatcher.
    """

    registrations: tuple[Registration, ...] = ()
    turndown_counted: bool = False
    referral: bool = False
    short_call: bool = False
    suspend: bool = False
    suspension_note: str = ""
    message: str = ""
    # (v2) Penalty hours to record for the member (a counted turndown on a low-hours board).
    penalty_hours: float = 0.0
    # (v2) Hours worked to record for the member at a job end.
    hours_worked: float = 0.0
