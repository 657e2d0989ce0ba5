"""What the audit screen reads: the log a page at a time (newest first, filtered) and its verification."""

from __future__ import annotations

from typing import Callable

from hall import audit
from hall.store import Store

PAGE = 200


def _action_clause(action: str) -> tuple[str, list]:
    """An action filter: exact when it has a dot ("offer.recorded"), else every action of that subject ("offer")."""
    action = action.strip()
    if "." in action:
        return "action = ?", [action]
    # Every action starting "offer." sorts between "offer." and "offer/" ('/' follows '.'): uses the index.
    return "action >= ? AND action < ?", [action + ".", action + "/"]


def page(store: Store, *, card: str = "", call: str | int | None = None, actor: str = "", action: str = "",
         before_seq: int | None = None, limit: int = PAGE) -> dict:
    """One page of entries, newest first, older than ``before_seq``; ``more`` when older ones match too."""
    where: list[str] = []
    params: list = []
    if card and card.strip():
        where.append("json_extract(data, '$.card') = ?")
        params.append(card.strip())
    if call not in (None, ""):
        text = str(call).strip().lstrip("#")
        if not text.isdigit():
            return {"entries": [], "more": False, "problem": f"{str(call)[:20]!r} is not a call number."}
        where.append("json_extract(data, '$.call') = ?")
        params.append(int(text))
    if actor and actor.strip():
        where.append("actor = ?")
        params.append(actor.strip().lower())
    if action and action.strip():
        clause, values = _action_clause(action)
        where.append(clause)
        params.extend(values)
    if before_seq is not None:
        where.append("seq < ?")
        params.append(before_seq)
    sql = "SELECT seq, at, actor, action, subject, data, ruleset, hash FROM audit"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY seq DESC LIMIT {int(limit) + 1}"
    import json

    with store.read() as db:
        rows = db.execute(sql, params).fetchall()
        head = audit.head(db)
    entries = [
        {"seq": r[0], "at": r[1], "actor": r[2], "action": r[3], "subject": r[4], "data": json.loads(r[5]),
         "ruleset": r[6], "hash": r[7]}
        for r in rows[:limit]
    ]
    return {"entries": entries, "more": len(rows) > limit, "head": head, "problem": ""}


class Cancelled(Exception):
    """The verification was stopped (the screen was left or esc pressed)."""


def verify(store: Store, progress: Callable[[int, int], None] | None = None,
           cancelled: Callable[[], bool] | None = None) -> audit.VerifyResult | None:
    """Recompute the whole chain; ``None`` when ``cancelled()`` became true on the way (nothing is written)."""

    def step(done: int, total: int) -> None:
        if cancelled is not None and cancelled():
            raise Cancelled()
        if progress is not None:
            progress(done, total)

    with store.read() as db:
        total = db.execute("SELECT count(*) FROM audit").fetchone()[0]
        if progress is not None:
            progress(0, total)
        try:
            return audit.verify(db, progress=step, batch=max(1000, min(20000, total // 50 or 1000)))
        except Cancelled:
            return None
