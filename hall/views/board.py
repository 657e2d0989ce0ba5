"""What the board shows, as the session reads it (``Session.board``): open calls, each book's
count and first in line, the 90-day history, re-signs due, certifications expiring, the
audit head, the rule changes coming and the notices' outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from dispatch.rules import Book, RuleSet
from hall.views.calls import OpenCall, call_summary
from hall.views.notices import OutboxSummary

if TYPE_CHECKING:
    from hall.views.jobboard import MorningSummary


@dataclass(frozen=True, slots=True)
class BookCount:
    """A book, how many wait on it, and who is first in line (None when nobody)."""

    book: Book
    waiting: int
    first_card: str | None
    first_name: str | None


@dataclass(frozen=True, slots=True)
class ResignDue:
    """A waiting registration whose re-sign is due soon (``state``: "due_soon" or "overdue")."""

    card: str
    name: str
    book: str
    due: date
    state: str


@dataclass(frozen=True, slots=True)
class CertExpiring:
    """A certification that expired or expires soon."""

    card: str
    name: str
    cert: str
    expires: date


@dataclass(frozen=True, slots=True)
class RulesComing:
    """A rule change adopted, in force from ``effective_at``, in readable lines."""

    id: int
    effective_at: datetime
    changes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Board:
    """Everything the board shows, read at one moment."""

    now: datetime
    rules: RuleSet
    today: date
    calls: tuple[OpenCall, ...]
    books: tuple[BookCount, ...]
    history: dict[str, list[int]]
    resign_due: tuple[ResignDue, ...]
    resign_due_total: int
    certs: tuple[CertExpiring, ...]
    certs_total: int
    head: tuple[int, str]
    upcoming_rules: tuple[RulesComing, ...]
    morning: "MorningSummary | None" = None  # (v2) with bidding on: the next selection and what waits for it
    outbox: OutboxSummary | None = None


def make_board(*, now, rules, today, calls, books, history, resign_due, resign_due_total, certs, certs_total,
               head, upcoming_rules, morning=None, outbox: OutboxSummary | None = None) -> Board:
    """A ``Board`` from the rows ``hall.queries`` reads (dicts and ``ListRow``s)."""
    return Board(
        now=now, rules=rules, today=today, calls=tuple(call_summary(c) for c in calls),
        books=tuple(BookCount(book, count, top.card if top else None, top.name if top else None)
                    for book, count, top in books),
        history=history,
        resign_due=tuple(ResignDue(r["card"], r["name"], r["book"], r["due"], r["state"]) for r in resign_due),
        resign_due_total=resign_due_total,
        certs=tuple(CertExpiring(c["card"], c["name"], c["cert"], c["expires"]) for c in certs),
        certs_total=certs_total, head=head,
        upcoming_rules=tuple(RulesComing(u["id"], u["effective_at"], tuple(u["changes"] or ())) for u in upcoming_rules),
        morning=morning,
        outbox=outbox,
    )
