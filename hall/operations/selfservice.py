"""Members act for themselves: the closed set of self-service operations (actor ``member:CARD``).

A member at the kiosk (and, later, on the web) is identified by card and a secret:
``identify`` checks them on a connection that cannot write and returns the member's
``Actor``. In a hall with ``kiosk.auth = "pin"`` the secret is the member's PIN
(Argon2id); in a ``phone4`` hall it is the last four digits of the phone on file,
which allows look-ups only: every operation here needs the PIN (``hall.identity``
refuses a member without one).

Misses are counted in the database (``kiosk_misses``), not in a process's memory, so
the kiosk and the web share them and a restart forgets nothing: after
``kiosk.max_misses`` misses in a row the card is locked for ``kiosk.lock_minutes``.
Each miss is its own short audited operation that records the card and the count,
never the digits typed; a card that is no member is recorded as an unknown card,
without the text typed, and takes as long to refuse as a real check.

Re-sign (inside the window in window mode), change PIN, the choice of notices, and (v2,
the morning dispatch) bid on posted calls, withdraw a bid and sign the day book are here
(these three run the same code as staff do at the window, under the member's own
declaration, ``body``); the web's sessions are in ``hall.operations.websessions``. Each
write says how it came in: ``via`` ``kiosk`` or ``web``.
"""

from __future__ import annotations

import hmac
import math
from datetime import timedelta

from dispatch.registration import resign_refusal
from hall import audit, load
from hall.errors import HallError
from hall.identity import MEMBER, NOBODY, Actor, allowed, body
from hall.load import parse_time
from hall.operations import bidding
from hall.operations.accounts import check_nothing, hash_secret, secret_matches
from hall.operations.common import Receipt
from hall.operations.members import check_pin
from hall.operations.registrations import resign as staff_resign

PIN_AUTH = "pin"
KIOSK, WEB = "kiosk", "web"  # how a self-service write came in (a signing channel)
MEMBER_CHANNELS = (KIOSK, WEB)
NOTICE_CHANNELS = {"email": "email", "sms": "text message", "none": "no notices"}

REFUSED = "That card number and those digits do not match our records. Please try again, or ask at the window."
NO_PIN = "No PIN is set for this card yet: please ask the hall staff to set one."


def locked_sentence(minutes: int) -> str:
    """What a locked card is told."""
    return (f"Too many wrong tries for this card: try again in {minutes} minute{'s' if minutes != 1 else ''}, "
            "or ask at the window.")


def _phone_digits_match(phone: str | None, secret: str) -> bool:
    digits = "".join(c for c in (phone or "") if c.isdigit())[-4:]
    given = "".join(c for c in secret if c.isdigit())
    # Compared even when there is no phone, so the time taken says nothing.
    match = hmac.compare_digest((digits or "----").encode(), given.encode())
    return match and len(digits) == 4 and len(given) == 4


def identify(store, card: str, secret: str) -> Actor:
    """The member at the kiosk, from card and PIN (or, in a ``phone4`` hall, the last four
    phone digits, for look-ups only); otherwise one sentence, the miss counted.

    The sentence does not say whether the card exists (except that a card without a PIN
    cannot use a PIN kiosk, and that a locked card is locked).
    """
    card = (card or "").strip()
    secret = (secret or "").strip()
    if not card or not secret:  # not a try: nothing to count
        raise HallError(REFUSED)
    with store.reading(read_only=True) as read:
        rules = read.rules
        row = read.db.execute("SELECT phone, pin_hash FROM members WHERE card = ?", [card]).fetchone()
        lock = read.db.execute("SELECT misses, locked_until FROM kiosk_misses WHERE card = ?",
                               [card]).fetchone() if row else None
        now = read.now
    if lock and lock[1] and audit.iso(now) < lock[1]:
        wait = math.ceil((parse_time(lock[1]) - now).total_seconds() / 60)
        raise HallError(locked_sentence(max(wait, 1)))
    if rules.kiosk.auth == PIN_AUTH:
        if row is not None and not row[1]:
            raise HallError(NO_PIN)
        ok = secret_matches(row[1], secret) if row is not None else check_nothing(secret)
    else:
        ok = _phone_digits_match(row[0] if row else None, secret)
    if not ok:
        refusal = record_miss(store, card if row is not None else None)
        raise HallError(refusal)
    if lock and (lock[0] or lock[1]):
        clear_misses(store, card)
    return Actor.member(card)


@allowed(anyone=True, doing="check a card")
def record_miss(store, card: str | None) -> str:
    """Count a miss against ``card`` (None: no such member), lock it at ``kiosk.max_misses``;
    returns the sentence to show. The digits typed are never recorded."""
    with store.write(NOBODY, sweep=False) as tx:
        if card is None:
            tx.record("member.check_failed", "members", {"why": "unknown card"})
            return REFUSED
        kiosk = tx.rules.kiosk
        row = tx.db.execute("SELECT misses FROM kiosk_misses WHERE card = ?", [card]).fetchone()
        misses = (row[0] if row else 0) + 1
        locked_until = None
        if misses >= kiosk.max_misses:
            locked_until = audit.iso(tx.now + timedelta(minutes=kiosk.lock_minutes))
        values = {"misses": 0 if locked_until else misses, "locked_until": locked_until}
        if row is None:
            tx.insert("kiosk_misses", {"card": card, **values})
        else:
            tx.update("kiosk_misses", card, values)
        tx.record("member.check_failed", f"member:{card}",
                  {"card": card, "why": "wrong digits", "misses": misses, "locked_until": locked_until})
    return locked_sentence(kiosk.lock_minutes) if locked_until else REFUSED


@allowed(anyone=True, doing="check a card")
def clear_misses(store, card: str) -> None:
    """A good check after misses: the count starts again."""
    with store.write(Actor.member(card), sweep=False) as tx:
        row = tx.db.execute("SELECT misses, locked_until FROM kiosk_misses WHERE card = ?", [card]).fetchone()
        if row and (row[0] or row[1]):
            tx.update("kiosk_misses", card, {"misses": 0, "locked_until": None})
            tx.record("member.check_passed", f"member:{card}", {"card": card, "misses_before": row[0]})


@allowed(MEMBER, doing="re-sign your books")
def resign(store, *, actor: Actor, book_id: str | None = None, via: str = KIOSK) -> Receipt:
    """A member re-signs their own books (or one), recorded as come in ``via`` the kiosk or the
    web: the same re-sign as at the counter; in window mode only inside the window."""
    card = actor.name
    via = member_channel(via)
    with store.reading() as read:
        member = load.member(read.db, card)
        for reg in load.registrations_of(read.db, card, active_only=True):
            if book_id is not None and reg.book_id != book_id:
                continue
            refusal = resign_refusal(reg, member, read.rules, read.now)
            if refusal:
                raise HallError(refusal)
    # The counter's re-sign, run under this declaration (member:CARD, via kiosk or web).
    return body(staff_resign)(store, card, book_id, actor=actor, via=via)


def member_channel(via: str | None) -> str:
    """How a member's own write came in: ``kiosk`` or ``web``, or one sentence."""
    value = (via or "").strip().lower()
    if value not in MEMBER_CHANNELS:
        raise HallError(f"Members act for themselves at the kiosk or on the web, not {str(via)[:20]!r}.")
    return value


@allowed(MEMBER, doing="change your PIN")
def change_pin(store, *, actor: Actor, current: str, new: str, via: str = KIOSK) -> Receipt:
    """A member changes their own PIN, typing the current one again (a wrong one counts as a miss)."""
    new = check_pin(new)
    via = member_channel(via)
    identify(store, actor.name, current)
    hashed = hash_secret(new)
    with store.write(actor) as tx:
        tx.update("members", actor.name, {"pin_hash": hashed})
        entry = tx.record("member.pin_changed", f"member:{actor.name}", {"card": actor.name, "via": via})
        return Receipt.of(entry, "Your PIN is changed: use the new one from now on.")


@allowed(MEMBER, doing="choose your notices")
def set_notices(store, *, actor: Actor, channel: str, calls: bool | None = None, via: str = KIOSK) -> Receipt:
    """A member chooses their own notices: email, sms (text messages) or none, and (``calls``)
    whether to hear of calls posted in their classifications; ``via`` says where (kiosk, web)."""
    from hall.operations.notices import change_notices, check_channel

    channel = check_channel(channel)
    via = member_channel(via)
    with store.write(actor) as tx:
        return change_notices(tx, actor.name, channel, calls, via=via)


# --- (v2) the morning dispatch: a member's own bids and day-book sign-in -----------------------


def _call_number(call_id) -> int:
    text = str(call_id).strip().lstrip("#")
    if not text.isdigit():
        raise HallError(f"{str(call_id)[:20]!r} is not a call number: type the number the job board shows (40).")
    return int(text)


@allowed(MEMBER, doing="bid on a posted call")
def member_bid(store, call_id: int, *, actor: Actor, choice=None, via: str = KIOSK) -> Receipt:
    """A member bids on a posted call for themselves (the next choice number unless given); the
    receipt says when bids close."""
    return body(bidding.place_bid)(store, actor.name, _call_number(call_id), actor=actor, choice=choice,
                                   via=member_channel(via))


@allowed(MEMBER, doing="withdraw your bid")
def member_withdraw(store, call_id: int, *, actor: Actor, via: str = KIOSK) -> Receipt:
    """A member withdraws their own bid, until bids close."""
    return body(bidding.withdraw_bid)(store, actor.name, _call_number(call_id), actor=actor, via=member_channel(via))


@allowed(MEMBER, doing="sign the day book")
def member_sign_in(store, *, actor: Actor, via: str = KIOSK) -> Receipt:
    """A member signs the day book for themselves; after the deadline it counts for the next
    business day, and the receipt says so."""
    return body(bidding.sign_in)(store, actor.name, actor=actor, via=member_channel(via))
