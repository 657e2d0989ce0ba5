"""(v2) Terms: signing books, qualifications, moving between books, and window re-signs.

- ``signing_refusal``: referral-rules.md "Terms", **(v2)**: with
  ``registration.one_per_classification`` a member holds at most one live registration
  (waiting, on a short call, dispatched) per classification, and a book with
  ``requires_qualification`` can be signed only with an admin's qualification record.
- ``move_refusal`` / ``apply_move``: ``hall member move CARD BOOK``: the old registration
  is removed ("moved to JW-1") and the new one starts at the time of the move.
- ``double_registrations``: members with two live registrations of one classification
  (databases from before the rule; ``hall check`` lists them as information).
- ``resign_refusal``: "Re-sign", **(v2) Window re-signs**: in window mode a re-sign
  outside an allowed window is refused ("Re-signing is open from the 10th to the 16th;
  Ada Lovelace (101) is due by 16 Dec.").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Iterable, Sequence

from dispatch import calendar
from dispatch.model import (
    DISPATCHED,
    ON_SHORT_CALL,
    REMOVED,
    REMOVED_MOVED,
    WAITING,
    Book,
    ExcusedAbsence,
    Member,
    Qualification,
    Registration,
)
from dispatch.rules import RuleSet

LIVE = (WAITING, ON_SHORT_CALL, DISPATCHED)
_STATE_WORDS = {WAITING: "waiting", ON_SHORT_CALL: "on a short call", DISPATCHED: "dispatched"}
MONTH_WORDS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")


def _who(member: Member) -> str:
    return f"{member.name} ({member.card})" if member.name else member.card


def live_registration(registrations: Iterable[Registration], classification: str, rules: RuleSet,
                      *, other_than: str | None = None) -> Registration | None:
    """The member's live registration on a book of ``classification`` (the best placed
    when there are several), not counting the book ``other_than``."""
    found = []
    for reg in registrations:
        book = rules.book(reg.book_id)
        if (reg.status in LIVE and book is not None and book.classification == classification
                and (other_than is None or book.id.casefold() != other_than.casefold())):
            found.append((book.priority, reg.registered_at, reg.id, reg))
    return min(found)[-1] if found else None


def qualified(card: str, book: Book, qualifications: Iterable[Qualification]) -> bool:
    """Whether a qualification record lets ``card`` sign ``book`` (needed only where the
    book has ``requires_qualification``)."""
    if not book.requires_qualification:
        return True
    return any(q.card == card and q.book_id.casefold() == book.id.casefold() for q in qualifications)


def _qualification_refusal(member: Member, book: Book, qualifications: Iterable[Qualification]) -> str | None:
    if qualified(member.card, book, qualifications):
        return None
    return (f"{book.id} needs a qualification record and {_who(member)} has none: an admin records it with "
            f"hall member qualify {member.card} {book.id} --evidence TEXT.")


def signing_refusal(
    member: Member,
    book: Book,
    registrations: Sequence[Registration],
    qualifications: Iterable[Qualification],
    rules: RuleSet,
) -> str | None:
    """One sentence why ``member`` cannot sign ``book`` under the (v2) terms, or None.

    ``registrations`` are the member's; ``qualifications`` their qualification records.
    With ``registration.one_per_classification``, a live registration on another book of
    the same classification refuses it, naming the book held; a book with
    ``requires_qualification`` needs a record for the member.
    """
    if rules.registration.one_per_classification:
        held = live_registration(registrations, book.classification, rules, other_than=book.id)
        if held is not None:
            return (f"{_who(member)} already holds a place on {held.book_id} ({_STATE_WORDS[held.status]}), "
                    f"one book of {book.classification} at a time: to change books, "
                    f"hall member move {member.card} {book.id} --reason TEXT.")
    return _qualification_refusal(member, book, qualifications)


def move_refusal(
    member: Member,
    book: Book,
    registrations: Sequence[Registration],
    qualifications: Iterable[Qualification],
    rules: RuleSet,
) -> str | None:
    """One sentence why ``member`` cannot be moved to ``book``, or None.

    A move takes a waiting registration on another book of the same classification;
    the target book's qualification rule applies as for signing.
    """
    current = live_registration(registrations, book.classification, rules)
    if current is None:
        return (f"{_who(member)} holds no place on a {book.classification} book to move from: "
                f"sign {book.id} instead.")
    if current.book_id.casefold() == book.id.casefold():
        return f"{_who(member)} is already on {book.id}."
    if current.status != WAITING:
        return (f"{_who(member)} is {_STATE_WORDS[current.status]} from {current.book_id}: "
                "move them once they are back on the list.")
    return _qualification_refusal(member, book, qualifications)


@dataclass(frozen=True, slots=True)
class Move:
    """A member moved between books: the old registration removed, the new one to add
    (``added.id`` is 0: the records layer gives it its id), and the sentence."""

    removed: Registration
    added: Registration
    message: str


def apply_move(registrations: Sequence[Registration], book: Book, rules: RuleSet, now: datetime,
               member_name: str = "") -> Move:
    """Move the member's waiting registration of ``book``'s classification to ``book``: the old
    one is removed ("moved to JW-1") and the new one starts at the time of the move (the
    bottom of ``book``). Check ``move_refusal`` first; raises ``ValueError`` otherwise."""
    current = live_registration(registrations, book.classification, rules)
    if current is None or current.status != WAITING or current.book_id.casefold() == book.id.casefold():
        raise ValueError(f"no waiting registration of {book.classification} to move to {book.id}.")
    removed = replace(current, status=REMOVED, short_call=None, removed_reason=REMOVED_MOVED.format(book=book.id))
    added = Registration(id=0, card=current.card, book_id=book.id, registered_at=now, last_signed_at=now)
    who = member_name or f"card {current.card}"
    today = calendar.local_date(now, rules)
    message = (f"{who} moved from {current.book_id} to {book.id}, at the bottom from now; "
               f"re-sign by {calendar.day_text(calendar.resign_due(added, rules), today)}.")
    return Move(removed, added, message)


def double_registrations(registrations: Iterable[Registration], rules: RuleSet) -> list[tuple[str, str, tuple[str, ...]]]:
    """(card, classification, book ids) for each member holding two or more live
    registrations of one classification, sorted (information for ``hall check``)."""
    books: dict[tuple[str, str], list[str]] = {}
    for reg in registrations:
        book = rules.book(reg.book_id)
        if reg.status in LIVE and book is not None:
            books.setdefault((reg.card, book.classification), []).append(book.id)
    return sorted((card, cls, tuple(sorted(ids))) for (card, cls), ids in books.items() if len(ids) > 1)


def _ordinal(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _short_date(day: date, today: date) -> str:
    text = f"{day.day} {day:%b}"
    return text if day.year == today.year else f"{text} {day.year}"


def window_words(rules: RuleSet) -> str:
    """When re-signing is open: "from the 10th to the 16th", "... of January, April, July and October"."""
    words = f"from the {_ordinal(rules.resign.window_start_day)} to the {_ordinal(rules.resign.window_end_day)}"
    months = [MONTH_WORDS[m - 1] for m in rules.resign.window_months]
    if months:
        listed = months[0] if len(months) == 1 else ", ".join(months[:-1]) + " and " + months[-1]
        words += f" of {listed}"
    return words


def resign_refusal(
    registration: Registration,
    member: Member,
    rules: RuleSet,
    now: datetime,
    excused: Iterable[ExcusedAbsence] = (),
) -> str | None:
    """(v2) Why a re-sign now is refused, or None: in ``window`` mode, outside an allowed
    window ("Re-signing is open from the 10th to the 16th; Ada Lovelace (101) is due by
    16 Dec."). A registration overdue within its grace days may re-sign (the grace is for
    exactly that); rolling mode never refuses."""
    if rules.resign.mode != "window":
        return None
    today = calendar.local_date(now, rules)
    if calendar.in_resign_window(today, rules):
        return None
    excused = tuple(excused)
    if (registration.status == WAITING and now >= calendar.overdue_from(registration, rules, excused)
            and now < calendar.removal_at(registration, rules, excused)):
        return None
    due = calendar.resign_due(registration, rules, excused)
    return f"Re-signing is open {window_words(rules)}; {_who(member)} is due by {_short_date(due, today)}."
