"""The outbox: a notice written in the same transaction as the event that causes it.

A notice is queued only for a member who chose email or text (``members.notices``), and
a notice about posted calls only for one who also asked for those (``notice_calls``).
Each is written once: ``(card, kind, ref)`` is unique, and ``ref`` names what the notice
is about (``registration:57:signed:2026-11-20T14:00:00Z``), so a moment noticed by two
writes, or an event recorded again, never queues it twice.

The outbox is replayed (``hall.changes``): its rows are written through ``Tx.insert`` and
go in the event's audit entry. Whether a notice was delivered is kept apart
(``deliveries``, ``notice_attempts``), written by ``hall notify run``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hall import audit

RESIGN_DUE = "resign_due"
WINDOW_OPEN = "window_open"
REMOVED = "removed"
PHONED = "phoned"
EXCUSED = "excused"
CALLS_POSTED = "calls_posted"
SELECTION = "selection"

KINDS = {
    RESIGN_DUE: "re-sign due soon",
    WINDOW_OPEN: "the re-sign window is open",
    REMOVED: "removed from a book",
    PHONED: "the hall phoned about a call",
    EXCUSED: "an excused absence recorded",
    CALLS_POSTED: "calls posted in their classifications",
    SELECTION: "the morning selection's result",
}
"""Every kind of notice, as the board and ``hall notify`` name it."""

NONE, EMAIL, SMS = "none", "email", "sms"
CHANNELS = (EMAIL, SMS, NONE)
CHANNEL_WORDS = {EMAIL: "by email", SMS: "by text message", NONE: "no notices"}


@dataclass(frozen=True, slots=True)
class Notice:
    """What a notice says: a subject that is a whole sentence (a text message sends it
    alone) and the body of the email."""

    subject: str
    body: str


def wants(db, card: str, *, calls: bool = False) -> bool:
    """Whether the member asked for notices (for posted calls, whether they asked for those too)."""
    row = db.execute("SELECT notices, notice_calls FROM members WHERE card = ?", [card]).fetchone()
    if row is None or row[0] == NONE:
        return False
    return bool(row[1]) if calls else True


def queue(tx, card: str, kind: str, ref: str, notice: Notice, *, at: datetime | None = None,
          calls: bool = False) -> int | None:
    """Queue one notice inside the event's transaction (before its ``tx.record``); returns its
    id, or None when the member did not ask for it or it was queued already."""
    if kind not in KINDS:
        raise ValueError(f"{kind!r} is not a kind of notice")
    if not wants(tx.db, card, calls=calls):
        return None
    if tx.db.execute("SELECT 1 FROM outbox WHERE card = ? AND kind = ? AND ref = ?",
                     [card, kind, ref]).fetchone():
        return None
    return tx.insert("outbox", {
        "card": card, "kind": kind, "ref": ref, "subject": notice.subject, "body": notice.body,
        "at": audit.iso(at or tx.now), "audit_seq": tx.next_seq,
    })


@dataclass(frozen=True, slots=True)
class NoticeChoice:
    """How a member wants notices: ``channel`` (email, sms or none), the email address on
    file, and whether posted calls are included."""

    channel: str
    email: str
    calls: bool

    def sentence(self) -> str:
        """"by email (ada@example.org), posted calls too", "none"."""
        if self.channel == NONE:
            return "none"
        where = f" ({self.email})" if self.channel == EMAIL else ""
        return f"{CHANNEL_WORDS[self.channel]}{where}" + (", posted calls too" if self.calls else "")

    def as_json(self) -> dict:
        return {"email": self.email, "notices": self.channel, "notice_calls": self.calls}


def notice_choice(db, card: str) -> NoticeChoice:
    """The member's choice of notices (a member that does not exist: none)."""
    row = db.execute("SELECT notices, email, notice_calls FROM members WHERE card = ?", [card]).fetchone()
    return NoticeChoice(row[0], row[1], bool(row[2])) if row else NoticeChoice(NONE, "", False)
