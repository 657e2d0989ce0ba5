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
OUTCOMES = (ACCEPTED, DECLINED, NO_ANSWER, EMPLOYER_REJECTED)

LAID_OFF = "laid_off"
QUIT = "quit"
DISCHARGED = "discharged"
END_REASONS = (LAID_OFF, QUIT, DISCHARGED)

LIST_ORDER = "list_order"
NAME_REQUEST = "name_request"
REMEDY = "remedy"
BASES = (LIST_ORDER, NAME_REQUEST, REMEDY)

OPEN = "open"
FILLED = "filled"
CANCELLED = "cancelled"
CALL_STATUSES = (OPEN, FILLED, CANCELLED)

SIGNING_CHANNELS = ("in_person", "phone", "email", "fax", "mail", "kiosk")

# Removal reasons written on a registration (and shown to the member).
REMOVED_RESIGN = "failed to re-sign"
REMOVED_TURNDOWNS = "rolled off: {n} turndowns"
REMOVED_SHORT_CALL_LIMIT = "short-call limit"
REMOVED_QUIT = "quit"
REMOVED_DISCHARGED = "discharged"

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
    ``last_signed_at`` drives the re-sign clock.
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
class NameRequest:
    """An employer's request for a member by name, with its reason."""

    card: str
    reason: str


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
    name_requests: tuple[NameRequest, ...] = ()
    status: str = OPEN
    accepted: int = 0
    site: str = ""


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
    """A member leaving an employer by quit or discharge (blocks name requests)."""

    card: str
    employer: str
    at: datetime
    reason: str  # QUIT or DISCHARGED


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
    name_request: bool = False
    name_request_reason: str = ""
    outcome: str | None = None
    turndowns: int = 0

    @property
    def eligible(self) -> bool:
        return not self.reasons


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
