"""``hall notify run``: deliver what is due, once.

Each notice in the outbox gets a ``deliveries`` row (``waiting``). One pass takes the due
ones in order, each in three steps, each its own short transaction:

1. **claim**: the row becomes ``sending`` (attempts + 1, who claimed it and when) and the
   attempt is recorded (``notice_attempts``, ``sending``), *before* anything is sent;
2. **send** (no transaction open: a slow server never holds the hall's file);
3. **mark**: ``sent``, or on a failure ``retrying`` with the next try after a backoff
   (1, 2, 4 ... minutes, at most 6 hours: never given up, never lost), the error kept.

At most once: if the process dies between 1 and 3 the notice may or may not have gone.
Mail servers and Twilio-style gateways do not reliably drop a repeated message, so the
next pass never sends it again by itself: a ``sending`` row whose claimer is gone (its
process is not running, or it claimed more than ``STALE`` ago) becomes ``unknown``, shown
on the board as failing with why, and ``hall notify retry`` sends it again when staff
decide to (a missed reminder is asked about; a doubled one cannot be taken back). Each
message still carries its key for servers that do drop repeats. Claims are atomic
(``UPDATE ... WHERE state``), so two runs never claim the same notice.

The channel and address are read when the notice is sent, so a member who chose none,
or replied STOP, since it was queued is not sent it (``dropped``). Texts due in quiet
hours wait until they end; email goes at any hour.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from dispatch import calendar
from hall import audit
from hall.db import connect, immediate
from hall.errors import Busy, HallError, NotFound
from hall.notices.addresses import sms_number
from hall.notices.channels import SendFailed, send_email, send_sms
from hall.notices.messages import sms_text
from hall.notices.outbox import EMAIL, SMS
from hall.notices.settings import Settings

STALE = timedelta(minutes=15)  # a claim this old is abandoned even if its process id is alive again
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=6)
UNKNOWN_ERROR = ("the run stopped while sending (killed or crashed): it may have gone, so it is not sent "
                 "again by itself; `hall notify retry {id}` sends it again")
NOT_SET_UP = {EMAIL: "email is not set up (HALL_SMTP_HOST, HALL_SMTP_FROM): waiting",
              SMS: "texts are not set up (HALL_SMS_URL, HALL_SMS_FROM): waiting"}
SET_UP_AGAIN = timedelta(minutes=5)  # when a notice held for want of settings is looked at again


@dataclass
class Pass:
    """What one delivery pass did."""

    sent: int = 0
    failed: int = 0
    unknown: int = 0
    dropped: int = 0
    held: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{self.sent} sent"]
        for count, word in ((self.failed, "failed (to be tried again)"),
                            (self.unknown, "may have gone, cut off mid-send (not sent again: hall notify status)"),
                            (self.dropped, "dropped (the member chose none)"), (self.held, "held")):
            if count:
                parts.append(f"{count} {word}")
        return ", ".join(parts) + "."


def backoff(attempts: int) -> timedelta:
    """How long after its ``attempts``-th failure a notice is tried again."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_WAIT)


def claimer() -> str:
    """Who claims: this host and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(claimed_by: str | None) -> bool:
    host, _, pid = (claimed_by or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine's run: only STALE ends its claim
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def quiet_until(now: datetime, rules, settings: Settings) -> datetime | None:
    """The end of the quiet hours ``now`` falls in (texts wait until then), or None."""
    if settings.quiet is None:
        return None
    start, end = settings.quiet
    here = calendar.local(now, rules)
    clock = here.time().replace(tzinfo=None)
    if start == end:
        return None
    inside = (start <= clock or clock < end) if start > end else (start <= clock < end)
    if not inside:
        return None
    day = here.date() if clock < end else here.date() + timedelta(days=1)
    return calendar.at_local(day, end, rules)


def take_new(db, now: datetime) -> int:
    """Give every notice queued since the last pass its delivery row (waiting, due at once)."""
    cursor = db.execute(
        "INSERT INTO deliveries (outbox_id, state, next_at)"
        " SELECT id, 'waiting', ? FROM outbox WHERE id > (SELECT coalesce(max(outbox_id), 0) FROM deliveries)"
        " ORDER BY id", [audit.iso(now)])
    return cursor.rowcount


def end_abandoned(db, now: datetime) -> int:
    """Claims whose run is gone become ``unknown`` (never sent again by themselves)."""
    rows = db.execute("SELECT outbox_id, claimed_by, claimed_at FROM deliveries WHERE state = 'sending'").fetchall()
    ended = 0
    for outbox_id, claimed_by, claimed_at in rows:
        if claimed_by == claimer():
            continue  # this process's own claim, in hand
        if _alive(claimed_by) and claimed_at and claimed_at > audit.iso(now - STALE):
            continue
        error = UNKNOWN_ERROR.format(id=outbox_id)
        db.execute("UPDATE deliveries SET state = 'unknown', last_error = ? WHERE outbox_id = ? AND state = 'sending'",
                   [error, outbox_id])
        db.execute("UPDATE notice_attempts SET outcome = 'unknown', error = ? WHERE outbox_id = ? AND outcome = 'sending'",
                   [error, outbox_id])
        ended += 1
    return ended


@dataclass(frozen=True)
class Claimed:
    """A notice claimed for sending: where it goes and what it says."""

    outbox_id: int
    channel: str
    address: str
    subject: str
    body: str
    attempt_id: int
    attempts: int


def _address(channel: str, email: str, phone: str) -> str | None:
    return (email or None) if channel == EMAIL else sms_number(phone)


def claim_next(db, now: datetime, rules, settings: Settings, result: Pass) -> Claimed | None:
    """Claim the next due notice (in one transaction), settling those that cannot go now on the
    way: dropped (the member chose none), held (quiet hours, settings missing)."""
    with immediate(db):
        while True:
            row = db.execute(
                "SELECT d.outbox_id, d.attempts, o.subject, o.body, m.notices, m.email, m.phone"
                " FROM deliveries d JOIN outbox o ON o.id = d.outbox_id JOIN members m ON m.card = o.card"
                " WHERE d.state IN ('waiting', 'retrying') AND d.next_at <= ?"
                " ORDER BY d.next_at, d.outbox_id LIMIT 1", [audit.iso(now)]).fetchone()
            if row is None:
                return None
            outbox_id, attempts, subject, body, channel, email, phone = row
            address = _address(channel, email, phone) if channel in (EMAIL, SMS) else None
            if address is None:
                db.execute("UPDATE deliveries SET state = 'dropped', last_error = ? WHERE outbox_id = ?",
                           ["the member chose no notices, or has no address for them, since it was queued",
                            outbox_id])
                result.dropped += 1
                continue
            ready = settings.email_ready if channel == EMAIL else settings.sms_ready
            wait_until = None if ready else now + SET_UP_AGAIN
            if ready and channel == SMS:
                wait_until = quiet_until(now, rules, settings)
            if wait_until is not None:
                note = NOT_SET_UP[channel] if not ready else f"quiet hours: held until {audit.iso(wait_until)}"
                db.execute("UPDATE deliveries SET next_at = ?, last_error = ? WHERE outbox_id = ?",
                           [audit.iso(wait_until), note if not ready else "", outbox_id])
                result.held += 1
                continue
            now_text = audit.iso(now)
            db.execute("UPDATE deliveries SET state = 'sending', attempts = attempts + 1, channel = ?, address = ?,"
                       " claimed_by = ?, claimed_at = ? WHERE outbox_id = ?",
                       [channel, address, claimer(), now_text, outbox_id])
            attempt = db.execute("INSERT INTO notice_attempts (outbox_id, at, channel, address, outcome)"
                                 " VALUES (?, ?, ?, ?, 'sending')", [outbox_id, now_text, channel, address]).lastrowid
            return Claimed(outbox_id, channel, address, subject, body, attempt, attempts + 1)


def send(claimed: Claimed, settings: Settings, hall_name: str) -> None:
    """Send one claimed notice (raises ``SendFailed``)."""
    key = f"hall-notice-{claimed.outbox_id}"
    if claimed.channel == EMAIL:
        send_email(settings, claimed.address, claimed.subject, claimed.body, key)
    else:
        send_sms(settings, claimed.address, sms_text(hall_name, claimed.subject), key)


def mark(db, claimed: Claimed, now: datetime, error: SendFailed | None, result: Pass) -> None:
    """Record how the send went (one transaction; a busy file is waited for, up to a minute more
    than the usual wait: a notice sent but not marked would show as "may have gone")."""
    for _ in range(12):
        try:
            return _mark(db, claimed, now, error, result)
        except Busy:
            time.sleep(5)
    return _mark(db, claimed, now, error, result)


def _mark(db, claimed: Claimed, now: datetime, error: SendFailed | None, result: Pass) -> None:
    with immediate(db):
        if error is None:
            db.execute("UPDATE deliveries SET state = 'sent', sent_at = ?, last_error = '' WHERE outbox_id = ?",
                       [audit.iso(now), claimed.outbox_id])
            db.execute("UPDATE notice_attempts SET outcome = 'sent' WHERE id = ?", [claimed.attempt_id])
            result.sent += 1
            return
        text = str(error)
        if error.definite:
            db.execute("UPDATE deliveries SET state = 'retrying', next_at = ?, last_error = ? WHERE outbox_id = ?",
                       [audit.iso(now + backoff(claimed.attempts)), text, claimed.outbox_id])
            db.execute("UPDATE notice_attempts SET outcome = 'failed', error = ? WHERE id = ?",
                       [text, claimed.attempt_id])
            result.failed += 1
        else:
            text = f"{text}: it may have gone, so it is not sent again by itself (hall notify retry {claimed.outbox_id})"
            db.execute("UPDATE deliveries SET state = 'unknown', last_error = ? WHERE outbox_id = ?",
                       [text, claimed.outbox_id])
            db.execute("UPDATE notice_attempts SET outcome = 'unknown', error = ? WHERE id = ?",
                       [text, claimed.attempt_id])
            result.unknown += 1
        result.errors.append(f"notice {claimed.outbox_id}: {text}")


def deliver(store, settings: Settings, *, stop: threading.Event | None = None,
            sender: Callable[[Claimed, Settings, str], None] = send) -> Pass:
    """One pass: take new notices, end abandoned claims, send everything due (until ``stop``)."""
    result = Pass()
    db = connect(store.path)
    try:
        with immediate(db):
            now = store.now()
            take_new(db, now)
            result.unknown += end_abandoned(db, now)
        while stop is None or not stop.is_set():
            now = store.now()
            _, rules = store.rules(db, now)
            claimed = claim_next(db, now, rules, settings, result)
            if claimed is None:
                break
            try:
                sender(claimed, settings, rules.hall.name)
                error = None
            except SendFailed as failure:
                error = failure
            mark(db, claimed, store.now(), error, result)
    finally:
        db.close()
    return result


def retry(store, outbox_id: int) -> str:
    """Send a notice again at the next pass: one whose earlier send may have gone (``unknown``),
    one failing (tried again now) or one dropped. One sentence."""
    db = connect(store.path)
    try:
        with immediate(db):
            row = db.execute("SELECT d.state, o.card FROM outbox o LEFT JOIN deliveries d ON d.outbox_id = o.id"
                             " WHERE o.id = ?", [outbox_id]).fetchone()
            if row is None:
                raise NotFound(f"There is no notice {outbox_id}.")
            state, card = row
            if state in (None, "waiting"):
                raise HallError(f"Notice {outbox_id} has not been sent yet: the next run sends it.")
            if state == "sent":
                raise HallError(f"Notice {outbox_id} was sent already.")
            if state == "sending":
                raise HallError(f"Notice {outbox_id} is being sent now.")
            db.execute("UPDATE deliveries SET state = 'waiting', next_at = ?, last_error = '' WHERE outbox_id = ?",
                       [audit.iso(store.now()), outbox_id])
            return f"Notice {outbox_id} to member {card} will be sent at the next run."
    finally:
        db.close()
