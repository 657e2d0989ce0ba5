"""What the audit screen reads: the log a page at a time (newest first, filtered), and its verification:
the chain, then the records replayed from the log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from hall import audit
from hall.replay import ReplayResult, replay
from hall.store import Store

PAGE = 200


@dataclass(frozen=True, slots=True)
class AuditPage:
    """Entries of the log, newest first (each as ``hall.audit.entries`` gives it); ``more`` when
    older ones match too; ``problem``: why a filter cannot be used ('' when it can)."""

    entries: tuple[dict, ...]
    more: bool
    head: tuple[int, str] | None = None
    problem: str = ""


def page(store: Store, *, card: str = "", call: str | int | None = None, actor: str = "", action: str = "",
         before_seq: int | None = None, limit: int = PAGE) -> AuditPage:
    """One page of entries, newest first, older than ``before_seq``; ``more`` when older ones match too.

    An action without a dot ("offer") finds every action of that subject.
    """
    call_id = None
    if call not in (None, ""):
        text = str(call).strip().lstrip("#")
        if not text.isdigit():
            return AuditPage((), False, problem=f"{str(call)[:20]!r} is not a call number.")
        call_id = int(text)
    with store.read() as db:
        rows = audit.entries(db, card=card.strip() or None, call=call_id, actor=actor.strip().lower() or None,
                             action=action.strip() or None, action_family=True, before_seq=before_seq,
                             limit=int(limit) + 1)
        head = audit.head(db)
    return AuditPage(tuple(rows[:limit]), len(rows) > limit, head)


def entry(store: Store, seq: int) -> dict | None:
    """One entry (as ``hall.audit.entries`` gives it), or None when the log has no such entry."""
    with store.read() as db:
        rows = audit.entries(db, before_seq=int(seq) + 1, limit=1)
    return rows[0] if rows and rows[0]["seq"] == int(seq) else None


class Cancelled(Exception):
    """The verification was stopped (the screen was left or esc pressed)."""


@dataclass(frozen=True, slots=True)
class Verification:
    """The chain checked, then (when it holds) the records replayed from the log."""

    chain: audit.VerifyResult
    replay: ReplayResult | None = None

    @property
    def ok(self) -> bool:
        return self.chain.ok and self.replay is not None and self.replay.ok


def verify(store: Store, progress: Callable[[int, int], None] | None = None,
           cancelled: Callable[[], bool] | None = None,
           stage: Callable[[str], None] | None = None) -> Verification | None:
    """Recompute the whole chain, then rebuild the records from the log and compare them with the
    tables; ``None`` when ``cancelled()`` became true on the way (nothing is written). ``stage`` is
    told "chain", then "replay"; ``progress(done, total)`` follows each."""

    def step(done: int, total: int) -> None:
        if cancelled is not None and cancelled():
            raise Cancelled()
        if progress is not None:
            progress(done, total)

    if stage is not None:
        stage("chain")
    with store.read() as db:
        total = db.execute("SELECT count(*) FROM audit").fetchone()[0]
        if progress is not None:
            progress(0, total)
        try:
            chain = audit.verify(db, progress=step, batch=max(1000, min(20000, total // 50 or 1000)))
        except Cancelled:
            return None
    if not chain.ok:
        return Verification(chain)
    if stage is not None:
        stage("replay")
    try:
        return Verification(chain, replay(store.path, progress=step))
    except Cancelled:
        return None
