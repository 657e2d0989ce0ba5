"""What each kind of notice says: a subject that is a whole sentence (a text message is the
hall's name and the subject) and an email body that says what to do next.

Notices name no other member and no reason the member did not give; dates and times are
in the hall's zone, written as the hall writes them ("Wed 16 Dec", "Wed 16 Dec 17:00").
"""

from __future__ import annotations

from datetime import date, datetime

from dispatch import calendar
from dispatch.rules import RuleSet
from hall.notices.outbox import Notice

HOW_TO_RESIGN = "Re-sign at the hall's kiosk, on the hall's web page with your card and PIN, or in person."


def _footer(rules: RuleSet) -> str:
    return (f"\n\n{rules.hall.name}\nYou get this because you asked the hall for notices. To change or stop "
            "them, ask at the window or use \"My notices\" on the hall's web page; reply STOP to a text "
            "to stop texts.")


def _books(books: list[str]) -> str:
    return books[0] if len(books) == 1 else ", ".join(books[:-1]) + " and " + books[-1]


def resign_due(name: str, card: str, books: list[str], due: date, removal: datetime, rules: RuleSet,
               today: date) -> Notice:
    """Re-sign due within ``resign.warning_days``."""
    plural = "s" if len(books) > 1 else ""
    subject = (f"{name} ({card}): re-sign {_books(books)} by {calendar.day_text(due, today)} "
               f"to keep your place{plural}.")
    body = (f"Dear {name},\n\nYour place{plural} on {_books(books)} must be re-signed by "
            f"{calendar.day_text(due, today)}. If not, you are removed at "
            f"{calendar.moment_text(removal, rules, today)} and start again at the bottom of the book.\n\n"
            f"{HOW_TO_RESIGN}")
    return Notice(subject, body + _footer(rules))


def window_open(name: str, card: str, books: list[str], first: date, last: date, rules: RuleSet,
                today: date) -> Notice:
    """The re-sign window opened (window mode)."""
    subject = (f"{name} ({card}): re-signing is open from {calendar.day_text(first, today)} to "
               f"{calendar.day_text(last, today)}; re-sign {_books(books)} by then.")
    body = (f"Dear {name},\n\nThe re-sign window is open from {calendar.day_text(first, today)} to "
            f"{calendar.day_text(last, today)}. Re-sign {_books(books)} in that time to keep your place: "
            f"a re-sign outside the window is refused.\n\n{HOW_TO_RESIGN}")
    return Notice(subject, body + _footer(rules))


def removed(name: str, card: str, book: str, due: date, removed_at: datetime, rules: RuleSet,
            today: date) -> Notice:
    """A registration removed for want of a re-sign, and how to sign again."""
    subject = (f"{name} ({card}): you were removed from {book} at "
               f"{calendar.moment_text(removed_at, rules, today)} (not re-signed by "
               f"{calendar.day_text(due, today)}).")
    body = (f"Dear {name},\n\nYour place on {book} was removed at {calendar.moment_text(removed_at, rules, today)}: "
            f"it was due to be re-signed by {calendar.day_text(due, today)}.\n\n"
            f"To sign {book} again, come to the hall's window (or phone the hall): you start at the bottom "
            "of the book. If you were on an excused absence or believe this is wrong, ask the hall about "
            "restoring your place.")
    return Notice(subject, body + _footer(rules))


def excused(name: str, card: str, start: date, until: date, due: date | None, rules: RuleSet,
            today: date) -> Notice:
    """An excused absence recorded: the dates and what it means for the member's place (never the
    kind or the evidence: a text or an email may be read by someone else)."""
    span = f"from {calendar.day_text(start, today)} until {calendar.day_text(until, today)}"
    subject = f"{name} ({card}): the hall recorded an excused absence for you {span}."
    due_line = f" Your next re-sign is due {calendar.day_text(due, today)}." if due else ""
    body = (f"Dear {name},\n\nThe hall recorded an excused absence for you {span}. While it lasts you keep "
            "your place on the out-of-work list, you are not offered calls, no turndown is counted, and your "
            f"re-sign clock stops.{due_line}\n\nIf the dates are wrong, ask at the hall's window.")
    return Notice(subject, body + _footer(rules))


def phoned(name: str, card: str, call_id: int, employer: str, start: datetime, outcome: str,
           turndown: tuple[int, int, str | None] | None, rules: RuleSet, today: date, at: datetime) -> Notice:
    """The hall phoned about a call: no answer, or the member declined by phone.
    ``turndown``: (turndowns now, the limit, the book rolled off or None) when one was counted."""
    when = calendar.moment_text(at, rules, today)
    about = f"call #{call_id} ({employer}, starting {calendar.moment_text(start, rules, today)})"
    if outcome == "no_answer":
        subject = f"{name} ({card}): the hall phoned you at {when} about {about} and got no answer."
        what = "We could not reach you"
    else:
        subject = f"{name} ({card}): you declined {about} when the hall phoned at {when}."
        what = "You declined the call"
    if turndown is None:
        counted = "This does not count as a turndown."
    elif turndown[2]:
        counted = (f"This was turndown {turndown[0]} of {turndown[1]}: you were removed from {turndown[2]} "
                   "(rolled off). To sign again, come to the hall's window; you start at the bottom of the book.")
    else:
        counted = f"This counts as turndown {turndown[0]} of {turndown[1]}."
    body = (f"Dear {name},\n\nThe hall phoned you at {when} about {about}. {what}. {counted}\n\n"
            "Please make sure the hall has the phone number you answer.")
    return Notice(subject, body + _footer(rules))


def sms_text(hall_name: str, subject: str) -> str:
    """The text message of a notice: the hall's name, then the subject."""
    return f"{hall_name}: {subject}"
