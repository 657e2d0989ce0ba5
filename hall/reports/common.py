"""What every report builder shares: the moment, the rules in force, the audit head, formatting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dispatch import calendar
from hall import audit, load
from hall.errors import HallError
from hall.operations.common import check_card, parse_date_text
from hall.reports.model import Report
from hall.store import Read

BASIS_WORDS = {"list_order": "list order", "name_request": "name request", "remedy": "remedy"}


@dataclass(frozen=True, slots=True)
class Ctx(Read):
    """One report's reading (a ``Read``: connection, moment, rules in force) and the audit head."""

    head: tuple[int, str]

    def report(self, name: str, title: str, **params) -> Report:
        return Report(name=name, title=title, hall=self.rules.hall.name, produced_at=self.now,
                      zone=self.rules.zone, ruleset_id=self.ruleset_id, head=self.head,
                      params={k: str(v) for k, v in params.items() if v not in (None, "")})

    def t(self, moment: datetime | str | None) -> str:
        """A moment as hall time, ``2026-11-26 07:30``."""
        if isinstance(moment, str):
            moment = load.parse_time(moment)
        if moment is None:
            return ""
        return calendar.local(moment, self.rules).strftime("%Y-%m-%d %H:%M")

    def day_start(self, day: date) -> datetime:
        return calendar.start_of_day(day, self.rules)

    def day_range(self, day: date) -> tuple[str, str]:
        """The UTC bounds ``[start, end)`` of a local day, as stored text."""
        return audit.iso(self.day_start(day)), audit.iso(self.day_start(day + timedelta(days=1)))

    def names(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT card, name FROM members").fetchall())


def need_date(value, what: str) -> date:
    if value is None or value == "":
        raise HallError(f"Give the {what} (YYYY-MM-DD).")
    if isinstance(value, date):
        return value
    return parse_date_text(str(value), what)


def need_card(ctx: Ctx, value) -> str:
    if not value:
        raise HallError("Give a card number.")
    card = check_card(str(value))
    load.member(ctx.db, card)  # unknown card: one sentence
    return card


def need_days(value, default: int = 7) -> int:
    if value is None or value == "":
        return default
    try:
        days = int(str(value).strip())
    except ValueError:
        raise HallError(f"{str(value)[:20]!r} is not a number of days.") from None
    if not 0 <= days <= 366:
        raise HallError(f"Days must be from 0 to 366, not {days}.")
    return days


def need_book(ctx: Ctx, value, *, required: bool = False):
    if not value:
        if required:
            raise HallError(f"Give a book: {', '.join(b.id for b in ctx.rules.books)}.")
        return None
    book = ctx.rules.book(str(value).strip())
    if book is None:
        raise HallError(f"There is no book {str(value)[:20]!r}: the books are "
                        f"{', '.join(b.id for b in ctx.rules.books)}.")
    return book


def percent(part: int, whole: int) -> str:
    if not whole:
        return ""
    return f"{round(100 * part / whole)}%"


def outcome_words(outcome: str | None) -> str:
    return (outcome or "").replace("_", " ")
