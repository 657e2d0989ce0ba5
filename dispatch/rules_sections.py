"""The rule set as data: one frozen class per section of the file, and the schema of the file.

``RuleSet()`` is the default rule set of referral-rules.md. ``SECTIONS`` says,
for every ``[section]`` of the file, its class and each key's field kind and
help text, in file order; ``dispatch.rules`` reads, writes and compares rule
sets with it, so the three cannot drift apart. A new key is one field in its
section's class (with its default) and one line in ``SECTIONS``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from fractions import Fraction
from zoneinfo import ZoneInfo

from dispatch.model import BOOK_ORDER_JATC, BOOK_ORDER_LIST, Book
from dispatch.rules_fields import (
    ApprenticeCategory,
    Bool,
    Categories,
    Choice,
    Clock,
    Dates,
    Field,
    Folder,
    Int,
    Months,
    Number,
    OptionalClock,
    Share,
    Text,
    Weekdays,
    Zone,
)


@dataclass(frozen=True, slots=True)
class HallRules:
    name: str = "Hiring hall"
    timezone: str = "UTC"
    closing_time: time = time(17, 0)
    business_days: tuple[int, ...] = (0, 1, 2, 3, 4)  # date.weekday() numbers
    holidays: tuple[date, ...] = ()
    exports_folder: str = "exports"  # a relative folder is beside the database


@dataclass(frozen=True, slots=True)
class OrderingRules:
    policy: str = "registration"  # or "low_hours"
    low_hours_period: str = "month"  # or "week"
    turndown_penalty_hours: float = 10
    hours_per_day: float = 8  # (v2) hours credited per day worked when none are given


@dataclass(frozen=True, slots=True)
class RegistrationRules:
    """(v2) Terms: at most one live registration per classification."""

    one_per_classification: bool = True


@dataclass(frozen=True, slots=True)
class ResignRules:
    mode: str = "rolling"  # or "window"
    days: int = 30
    window_start_day: int = 10
    window_end_day: int = 16
    grace_days: int = 0
    warning_days: int = 5
    window_months: tuple[int, ...] = ()  # (v2) months that have a window; () = every month


@dataclass(frozen=True, slots=True)
class TurndownRules:
    limit: int = 3
    no_answer_is_turndown: bool = False
    short_call_turndowns_count: bool = False
    max_per_day: int = 0  # (v2) 0 = no daily limit
    exempt_max_days: int = 0  # (v2) declines on calls of at most this many days never count
    exempt_start_before: time | None = None  # (v2) declines on calls starting before this never count
    unavailable_is_turndown: bool = False  # (v2)


@dataclass(frozen=True, slots=True)
class ShortCallRules:
    max_days: int = 10
    max_restorations: int = 2
    by_actual: bool = True
    offer_regular_calls: bool = False
    max_hours: float = 0  # (v2) 0 = short calls by days
    uncounted_max_days: int = 0  # (v2)
    rotation: bool = False  # (v2)


@dataclass(frozen=True, slots=True)
class NameRequestRules:
    # An exact fraction (never a float): the share of workers an employer may name.
    max_share: Fraction = Fraction(1, 2)
    window_days: int = 30
    allow_single: bool = False
    block_days: int = 14


@dataclass(frozen=True, slots=True)
class RequestRules:
    """(v2) Kinds of request: foreman call-outs, recalls, stewards."""

    foreman_per_call: int = 1
    recall_days: int = 14  # 0 = no recalls
    stewards_per_call: int = 1


@dataclass(frozen=True, slots=True)
class ReleaseRules:
    """(v2) The exhausted list: business hours after which an open call is released."""

    hours: int = 0  # 0 = never


@dataclass(frozen=True, slots=True)
class BiddingRules:
    """(v2) The morning dispatch: posted calls, bids and the selection."""

    enabled: bool = False
    post_cutoff: time = time(15, 0)
    window_closes: time = time(6, 30)
    selection_at: time = time(7, 0)
    max_bids: int = 10


@dataclass(frozen=True, slots=True)
class DaybookRules:
    """(v2) The day-book sign-in."""

    required: bool = False
    deadline: time = time(8, 0)


@dataclass(frozen=True, slots=True)
class ApprenticeRules:
    """(v2) Apprentices: the ratio check and the categories of hours."""

    journeymen_per_apprentice: int = 0  # 0 = no ratio check
    categories: tuple[ApprenticeCategory, ...] = ()


@dataclass(frozen=True, slots=True)
class OfferRules:
    calling_minutes: int = 10


@dataclass(frozen=True, slots=True)
class NoticeRules:
    days: int = 7


@dataclass(frozen=True, slots=True)
class SecurityRules:
    idle_lock_minutes: int = 5
    failed_logins: int = 5
    lockout_seconds: int = 60
    cli_session_minutes: int = 15  # (v2) a command-line session ends after this long idle


@dataclass(frozen=True, slots=True)
class KioskRules:
    auth: str = "phone4"  # or "pin"
    idle_seconds: int = 30
    max_misses: int = 5  # (v2) wrong PINs in a row, then the card is locked for:
    lock_minutes: int = 15  # (v2)


@dataclass(frozen=True, slots=True)
class BarRules:
    max_days: int = 730


@dataclass(frozen=True, slots=True)
class DisciplineRules:
    discharge_suspend_count: int = 2
    discharge_window_days: int = 365


DEFAULT_BOOKS: tuple[Book, ...] = (
    Book("JW-1", "Inside Wireman I", "JW", 1),
    Book("JW-2", "Inside Wireman II", "JW", 2),
    Book("JW-3", "Inside Wireman III", "JW", 3),
    Book("JW-4", "Inside Wireman IV", "JW", 4),
    Book("AP-1", "Apprentice", "AP", 1),
)


@dataclass(frozen=True, slots=True)
class RuleSet:
    """A complete, validated rule set. ``RuleSet()`` is the defaults."""

    hall: HallRules = field(default_factory=HallRules)
    ordering: OrderingRules = field(default_factory=OrderingRules)
    books: tuple[Book, ...] = DEFAULT_BOOKS
    resign: ResignRules = field(default_factory=ResignRules)
    turndowns: TurndownRules = field(default_factory=TurndownRules)
    short_calls: ShortCallRules = field(default_factory=ShortCallRules)
    name_requests: NameRequestRules = field(default_factory=NameRequestRules)
    offers: OfferRules = field(default_factory=OfferRules)
    notice: NoticeRules = field(default_factory=NoticeRules)
    security: SecurityRules = field(default_factory=SecurityRules)
    kiosk: KioskRules = field(default_factory=KioskRules)
    bars: BarRules = field(default_factory=BarRules)
    discipline: DisciplineRules = field(default_factory=DisciplineRules)
    registration: RegistrationRules = field(default_factory=RegistrationRules)
    requests: RequestRules = field(default_factory=RequestRules)
    release: ReleaseRules = field(default_factory=ReleaseRules)
    bidding: BiddingRules = field(default_factory=BiddingRules)
    daybook: DaybookRules = field(default_factory=DaybookRules)
    apprentices: ApprenticeRules = field(default_factory=ApprenticeRules)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.hall.timezone)

    def book(self, book_id: str) -> Book | None:
        for book in self.books:
            if book.id.casefold() == book_id.casefold():
                return book
        return None

    def books_for(self, classification: str) -> tuple[Book, ...]:
        """The books of one classification, highest priority (lowest number) first."""
        return tuple(
            sorted(
                (b for b in self.books if b.classification == classification),
                key=lambda b: b.priority,
            )
        )

    @property
    def classifications(self) -> tuple[str, ...]:
        seen: list[str] = []
        for book in self.books:
            if book.classification not in seen:
                seen.append(book.classification)
        return tuple(seen)


# --- the schema of the file ---------------------------------------------------------
# section name -> (class, {key: (field kind, help text)}), keys in file order.
# "books" is an array of tables, read by ``dispatch.rules`` with ``BOOK_KEYS``.

SECTIONS: dict[str, tuple[type, dict[str, tuple[Field, str]]]] = {
    "hall": (HallRules, {
        "name": (Text(), "shown on screens and reports"),
        "timezone": (Zone(), "IANA zone; a date-time typed without an offset is in it"),
        "closing_time": (Clock(), '"HH:MM"; re-sign removals happen at this local time'),
        "business_days": (Weekdays(), "any of mon, tue, wed, thu, fri, sat, sun"),
        "holidays": (Dates(), 'not business days, e.g. ["2026-12-25", "2027-01-01"]'),
        "exports_folder": (Folder(), "where reports, packets and slips are written (relative: beside the database)"),
    }),
    "ordering": (OrderingRules, {
        "policy": (Choice("registration", "low_hours"), '"registration" or "low_hours"'),
        "low_hours_period": (Choice("month", "week"), '"month" or "week": when period hours reset'),
        "turndown_penalty_hours": (Number(0, 10000), "low_hours: hours added for a turndown"),
        "hours_per_day": (Number(1, 24), "hours credited per day worked when none are given"),
    }),
    "registration": (RegistrationRules, {
        "one_per_classification": (Bool(), "a member holds at most one live registration per classification"),
    }),
    "resign": (ResignRules, {
        "mode": (Choice("rolling", "window"), '"rolling" or "window"'),
        "days": (Int(1, 3650), "rolling: days from the last signing to the due date"),
        "window_start_day": (Int(1, 28), "window: first day of the monthly window (1-28)"),
        "window_end_day": (Int(1, 28), "window: last day of the monthly window (1-28), the due date"),
        "window_months": (Months(), "window: months that have a window, e.g. [1, 4, 7, 10]; [] = every month"),
        "grace_days": (Int(0, 3650), "calendar days after the due date before removal"),
        "warning_days": (Int(0, 3650), 'days before the due date shown as "re-sign due"'),
    }),
    "turndowns": (TurndownRules, {
        "limit": (Int(1, 1000), "turndowns that roll a member off the book"),
        "no_answer_is_turndown": (Bool(), "true or false"),
        "short_call_turndowns_count": (Bool(), "true or false"),
        "max_per_day": (Int(0, 1000), "turndowns that count per registration per day; 0 = no limit"),
        "exempt_max_days": (Int(0, 3650), "declines on calls of at most this many days never count; 0 = none"),
        "exempt_start_before": (OptionalClock(), 'declines on calls starting before "HH:MM" never count; "" = none'),
        "unavailable_is_turndown": (Bool(), "a member passed over as unavailable is charged a turndown"),
    }),
    "short_calls": (ShortCallRules, {
        "max_days": (Int(0, 3650), "working days; a call this long or shorter is a short call"),
        "max_hours": (Number(0, 100000), "expected hours; a call of at most this many is short; 0 = by max_days"),
        "max_restorations": (Int(0, 1000), "restorations to the book after short calls"),
        "uncounted_max_days": (Int(0, 3650), "a short call ended within this many days worked is not counted"),
        "rotation": (Bool(), "short calls start after the member who last accepted one from the book"),
        "by_actual": (Bool(), "a layoff within max_days worked counts as a short call"),
        "offer_regular_calls": (Bool(), "offer regular calls to members on a short call"),
    }),
    "name_requests": (NameRequestRules, {
        "max_share": (Share(), 'from 0 to 1, e.g. 0.5, or text such as "1/3"'),
        "window_days": (Int(0, 3650), "days of an employer's referrals the share counts"),
        "allow_single": (Bool(), "a one-worker call may be named"),
        "block_days": (Int(0, 3650), "days after a quit or discharge the employer cannot request the member"),
    }),
    "requests": (RequestRules, {
        "foreman_per_call": (Int(0, 100), "foreman call-outs by name per call"),
        "recall_days": (Int(0, 3650), "days after a layoff the employer may recall the member; 0 = no recalls"),
        "stewards_per_call": (Int(0, 100), "job stewards the business manager may appoint per call"),
    }),
    "release": (ReleaseRules, {
        "hours": (Int(0, 10000), "business hours after which an exhausted open call is released; 0 = never"),
    }),
    "bidding": (BiddingRules, {
        "enabled": (Bool(), "calls are posted for bids and awarded at the selection"),
        "post_cutoff": (Clock(), "calls taken before this on a business day go to the next selection"),
        "window_closes": (Clock(), "bids close at this time on the day of the selection"),
        "selection_at": (Clock(), "the selection runs at this time each business day"),
        "max_bids": (Int(1, 1000), "open bids a member may hold"),
    }),
    "daybook": (DaybookRules, {
        "required": (Bool(), "members must sign in each business day to be referred that day"),
        "deadline": (Clock(), "a sign-in after this counts for the next business day"),
    }),
    "apprentices": (ApprenticeRules, {
        "journeymen_per_apprentice": (Int(0, 1000), "journeymen an employer needs per apprentice; 0 = no check"),
        "categories": (Categories(), "[[apprentices.categories]] tables: name and required hours"),
    }),
    "offers": (OfferRules, {
        "calling_minutes": (Int(1, 1440), "minutes an offer stays 'calling' without an outcome"),
    }),
    "notice": (NoticeRules, {
        "days": (Int(0, 3650), "rule changes take effect at least this far ahead"),
    }),
    "security": (SecurityRules, {
        "idle_lock_minutes": (Int(1, 1440), "minutes before an idle screen locks"),
        "failed_logins": (Int(1, 1000), "failed logins in a row, then the name is locked for:"),
        "lockout_seconds": (Int(0, 604800), "seconds"),
        "cli_session_minutes": (Int(1, 10080), "minutes a command-line log-in lasts while idle"),
    }),
    "kiosk": (KioskRules, {
        "auth": (Choice("phone4", "pin"), '"phone4" or "pin": what a member types after the card number'),
        "idle_seconds": (Int(1, 3600), "seconds before the kiosk clears the screen"),
        "max_misses": (Int(1, 1000), "wrong PINs in a row, then the card is locked for:"),
        "lock_minutes": (Int(1, 10080), "minutes"),
    }),
    "bars": (BarRules, {
        "max_days": (Int(1, 3650), "longest an employer bar may run"),
    }),
    "discipline": (DisciplineRules, {
        "discharge_suspend_count": (Int(1, 1000), "discharges within the window that suspend referral"),
        "discharge_window_days": (Int(1, 3650), "days"),
    }),
}

BOOK_KEYS = ("id", "name", "classification", "priority", "requires", "requires_qualification", "order")
BOOK_ORDERS = (BOOK_ORDER_LIST, BOOK_ORDER_JATC)

# The order of the file: the sections of referral-rules.md's TOML, books after ordering.
SECTION_ORDER = ("hall", "ordering", "books", "registration", "resign", "turndowns", "short_calls",
                 "name_requests", "requests", "release", "bidding", "daybook", "apprentices",
                 "offers", "notice", "security", "kiosk", "bars", "discipline")
