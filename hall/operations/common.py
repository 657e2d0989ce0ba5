"""What every operation shares: checking user input and writing registrations back."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from dispatch import calendar
from dispatch.model import SIGNING_CHANNELS, Registration
from dispatch.rules import RuleSet
from hall.audit import Entry, iso
from hall.errors import HallError
from hall.load import registration_values

CARD_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,19}$")
MAX_TEXT = 200


@dataclass(frozen=True, slots=True)
class Receipt:
    """What an operation hands back: the audit entry number (the receipt) and a sentence."""

    seq: int
    hash: str
    message: str
    id: int | None = None

    @classmethod
    def of(cls, entry: Entry, message: str, id: int | None = None) -> "Receipt":
        return cls(entry.seq, entry.hash, message, id)


def check_card(card: str) -> str:
    """A card number as stored, or a sentence saying what is wrong with it."""
    card = (card or "").strip()
    if not CARD_PATTERN.match(card):
        shown = card if card.isprintable() and len(card) <= 30 else repr(card[:30])
        raise HallError(
            f"{shown or 'An empty card'} is not a card number: use up to 20 letters, digits or dashes."
        )
    return card


def card_number_key(card: str) -> str:
    """What makes two cards the same card: all-digit cards compare as numbers (``01042`` is
    ``1042``), others as written."""
    if not card.isdigit():
        return card
    return card.lstrip("0") or "0"


def same_card(db, card: str) -> str | None:
    """The card on file that is ``card`` (itself, or the same number written with leading zeros)."""
    if not card.isdigit():
        row = db.execute("SELECT card FROM members WHERE card = ?", [card]).fetchone()
        return row[0] if row else None
    row = db.execute(
        "SELECT card FROM members WHERE card NOT GLOB '*[^0-9]*' AND card != '' "
        "AND (CASE WHEN ltrim(card, '0') = '' THEN '0' ELSE ltrim(card, '0') END) = ?",
        [card_number_key(card)]).fetchone()
    return row[0] if row else None


def check_text(value: str | None, what: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    """Free text (names, reasons, notes): trimmed, printable, not too long."""
    value = (value or "").strip()
    if required and not value:
        raise HallError(f"The {what} cannot be empty.")
    if len(value) > limit:
        raise HallError(f"The {what} is too long ({len(value)} characters; at most {limit}).")
    for char in value:
        if unicodedata.category(char) == "Cs":  # undecodable bytes from the command line
            raise HallError(f"The {what} is not valid text (a byte that is not UTF-8); type it again.")
        if unicodedata.category(char) in ("Cc", "Cf") and char not in "\u200d\u200c":
            raise HallError(f"The {what} contains a control character; type it again without it.")
        if unicodedata.category(char) in ("Zl", "Zp"):  # U+2028, U+2029: a new line in every listing
            raise HallError(f"The {what} contains a line or paragraph separator; type it on one line.")
    return value


def check_phone(phone: str | None) -> str:
    phone = (phone or "").strip()
    if phone and not re.fullmatch(r"[0-9+()\-. ]{3,25}", phone):
        raise HallError(f"{phone[:30]!r} is not a phone number: use digits, spaces, + - ( ) or dots.")
    return phone


def check_via(via: str | None) -> str:
    via = (via or "in_person").strip().lower().replace(" ", "_").replace("-", "_")
    if via not in SIGNING_CHANNELS:
        raise HallError(f"{via!r} is not a way to sign: use one of {', '.join(SIGNING_CHANNELS)}.")
    return via


def parse_date_text(text: str, what: str = "date") -> date:
    """A YYYY-MM-DD date, or one sentence."""
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        raise HallError(f"{str(text)[:40]!r} is not a {what}: write it as YYYY-MM-DD.") from None


def parse_datetime_text(text: str, rules: RuleSet, what: str = "date and time") -> datetime:
    """A date-time typed by a user; without an offset it is in the hall's zone."""
    raw = (text or "").strip()
    try:
        moment = datetime.fromisoformat(raw.replace(" ", "T", 1) if " " in raw and "T" not in raw else raw)
    except ValueError:
        raise HallError(
            f"{raw[:40]!r} is not a {what}: write it as YYYY-MM-DD HH:MM (hall time) or with an offset."
        ) from None
    if not 1900 <= moment.year <= 2999:
        # Stored as four-digit UTC text; dates far off cannot be stored or counted from.
        raise HallError(f"{raw[:40]!r} is not a {what} the hall can use: give a year from 1900 to 2999.")
    try:
        return calendar.to_utc(moment, rules)
    except calendar.TimeError as error:
        raise HallError(str(error)) from None


def write_registration(tx, before: Registration | None, after: Registration, event: str,
                       also: dict | None = None) -> None:
    """Write a registration the rules changed (with ``also``, columns the rules do not hold, such as
    who signed), and its history row when status or place moved."""
    values = registration_values(after) | (also or {})
    if after.status == "removed" and (before is None or before.status != "removed"):
        values["removed_at"] = iso(tx.now)
    tx.update("registrations", after.id, values)
    if (before is None or before.status != after.status or before.registered_at != after.registered_at
            or before.last_signed_at != after.last_signed_at):
        add_history(tx, after, event)


def add_history(tx, reg: Registration, event: str, at: datetime | None = None) -> None:
    """Keep the registration's status, place and last signing as of now (for the list as of any moment)."""
    tx.insert("registration_history", {
        "registration_id": reg.id, "card": reg.card, "book_id": reg.book_id, "at": iso(at or tx.now),
        "status": reg.status, "registered_at": iso(reg.registered_at), "last_signed_at": iso(reg.last_signed_at),
        "event": event, "audit_seq": tx.next_seq,
    })
