"""Where a notice goes: an email address checked as typed, a phone number as a text gateway
needs it (E.164, ``+15550101234``)."""

from __future__ import annotations

import re

from hall.errors import HallError

_EMAIL = re.compile(r"[^@\s\"<>(),;:\\\[\]]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+")


def check_email(email: str | None) -> str:
    """An email address as stored (empty: none), or one sentence saying what is wrong."""
    email = (email or "").strip()
    if not email:
        return ""
    if len(email) > 254 or not _EMAIL.fullmatch(email) or not email.isascii() or not email.isprintable():
        shown = email[:40] if email.isprintable() else repr(email[:40])
        raise HallError(f"{shown!r} is not an email address: give one like name@example.org.")
    return email


def sms_number(phone: str | None, country: str = "1") -> str | None:
    """The phone number as a text gateway takes it (``+`` and digits), or None when it is not a
    whole number: ten digits are taken as a number of ``country`` (the North American plan by
    default), a number written with ``+`` keeps its own country."""
    phone = (phone or "").strip()
    digits = "".join(c for c in phone if c.isdigit())
    if phone.startswith("+"):
        return f"+{digits}" if 8 <= len(digits) <= 15 else None
    if len(digits) == 10:
        return f"+{country}{digits}"
    if country == "1" and len(digits) == 11 and digits.startswith("1"):
        return f"+{digits}"
    return None
