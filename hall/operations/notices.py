"""Members' choice of notices: by email, by text message or none, and whether to hear of posted
calls. Staff set it at the counter (``set_notices``), a member for themselves
(``selfservice.set_notices``), and a text reply of STOP turns texts off (``stop_texts``,
the hall's own work, from the gateway's verified callback)."""

from __future__ import annotations

from hall import load
from hall.errors import HallError
from hall.identity import STAFF, SYSTEM_WORK, Actor, allowed
from hall.notices.addresses import sms_number
from hall.notices.due import queue_for_member
from hall.notices.outbox import CHANNEL_WORDS, CHANNELS, EMAIL, NONE, SMS
from hall.operations.common import Receipt, check_card

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
"""Replies that turn texts off (the words carriers and gateways treat as opting out)."""


def check_channel(channel: str | None) -> str:
    """``email``, ``sms`` or ``none``, or one sentence."""
    value = (channel or "").strip().lower()
    value = {"text": SMS, "texts": SMS, "off": NONE}.get(value, value)
    if value not in CHANNELS:
        raise HallError(f"{(channel or '')[:20]!r} is not a way to send notices: use email, sms or none.")
    return value


def change_notices(tx, card: str, channel: str, calls: bool | None, *, via: str) -> Receipt:
    """Set a member's choice inside ``tx`` (the staff's and the member's one path): the member
    must have the address the channel needs."""
    member = load.member(tx.db, card)
    row = tx.db.execute("SELECT email, notices, notice_calls FROM members WHERE card = ?", [card]).fetchone()
    email, before, before_calls = row
    themselves = via in ("kiosk", "web")  # the member is reading: "you", and no staff commands
    if channel == EMAIL and not email:
        if themselves:
            raise HallError("The hall has no email address for you: ask at the window to add one.")
        raise HallError(f"{member.name} ({card}) has no email address: add one first "
                        f"(hall member update {card} --email ADDRESS).")
    if channel == SMS and sms_number(member.phone) is None:
        shown = f"the phone on file ({member.phone})" if member.phone else "no phone on file"
        if themselves:
            raise HallError(f"The hall has {shown}, which cannot take text messages: ask at the window to "
                            "record your whole number, with the area code.")
        raise HallError(f"{member.name} ({card}) has {shown}, which cannot take text messages: record a whole "
                        f"number first, with the area code (hall member update {card} --phone NUMBER).")
    values = {"notices": channel}
    if calls is not None:
        values["notice_calls"] = int(calls)
    changed = tx.update("members", card, values)
    if channel != NONE and before == NONE:
        queue_for_member(tx, card)
    if not changed:
        if themselves:
            raise HallError("You already get no notices: nothing changed." if channel == NONE
                            else f"You already get notices {CHANNEL_WORDS[channel]}: nothing changed.")
        if channel == NONE:
            raise HallError(f"{member.name} ({card}) already gets no notices.")
        raise HallError(f"{member.name} ({card}) already gets notices {CHANNEL_WORDS[channel]} "
                        f"({'with' if before_calls else 'without'} posted calls).")
    data = {"card": card, "notices": channel, "was": before, "via": via}
    if calls is not None:
        data.update({"calls": bool(calls), "calls_before": bool(before_calls)})
    entry = tx.record("member.notices", f"member:{card}", data)
    if themselves:
        calls_too = ", posted calls included," if bool(values.get("notice_calls", before_calls)) else ""
        said = ("You get no notices from now on." if channel == NONE
                else f"You get notices {CHANNEL_WORDS[channel]}{calls_too} from now on.")
    elif channel == NONE:
        said = f"{member.name} ({card}) gets no notices now."
    else:
        wants_calls = bool(values.get("notice_calls", before_calls))
        said = (f"{member.name} ({card}) gets notices {CHANNEL_WORDS[channel]}"
                + (", posted calls included." if wants_calls else "."))
    return Receipt.of(entry, said)


@allowed(STAFF, doing="change a member's notices")
def set_notices(store, card: str, channel: str, *, actor: Actor, calls: bool | None = None) -> Receipt:
    """Staff record how a member wants notices (``calls``: also of calls posted in their
    classifications; None keeps what they had)."""
    card = check_card(card)
    channel = check_channel(channel)
    with store.write(actor) as tx:
        return change_notices(tx, card, channel, calls, via="staff")


@allowed(SYSTEM_WORK, doing="turn a member's texts off")
def stop_texts(store, phone: str, *, actor: Actor) -> list[str]:
    """A text reply of STOP from ``phone`` (as the gateway gives it, ``+15550101234``): every
    member texted at that number gets no notices from now on; returns their cards."""
    stopped = []
    with store.write(actor) as tx:
        rows = tx.db.execute("SELECT card, phone FROM members WHERE notices = ? ORDER BY card", [SMS]).fetchall()
        for card, on_file in rows:
            if sms_number(on_file) == phone:
                change_notices(tx, card, NONE, None, via="text reply STOP")
                stopped.append(card)
    return stopped
