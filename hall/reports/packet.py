"""A member's records packet: what the law lets a member see about their own place.

Their registrations and positions; every call in their classification while
they were waiting, where they stood on it (the list as of that moment), who was
referred instead and on what basis (names and positions only, nothing else
about anyone else), and the text of every rule set in force at those times.
"""

from __future__ import annotations

import json

from dispatch.model import Reason
from dispatch.reasons import render_all
from hall import asof, load
from hall.reports.common import BASIS_WORDS, Ctx, need_card, need_date, outcome_words
from hall.reports.model import Report, Section
from hall.reports.records import positions_over_time
from hall.store import rules_row_in_force


def _stood(ctx: Ctx, card: str, classification: str, moment) -> str | None:
    """Where the member stood for a call of ``classification`` at ``moment`` (None: not waiting then)."""
    info = asof.position_as_of(ctx.db, card, moment)
    rules = asof.rules_at(ctx.db, moment)
    books = {b.id for b in rules.books_for(classification)}
    for b in info["books"]:
        if b["book"] not in books:
            continue
        if b["status"] == "waiting" and b["position"] is not None:
            return f"{b['book']} position {b['position']}"
        if b["status"] == "on_short_call":
            return f"{b['book']} (on a short call, place held)"
    return None


def _own_reasons(ctx: Ctx, call_id: int, card: str) -> str:
    """The member's own pass-over reasons on a call, from the offers' ranking snapshots."""
    for (data,) in ctx.db.execute(
        "SELECT data FROM audit WHERE action = 'offer.recorded' AND json_extract(data, '$.call') = ? ORDER BY seq",
        [call_id],
    ):
        for cand in json.loads(data).get("snapshot", []):
            if cand.get("card") == card and cand.get("reasons"):
                reasons = [Reason(r["code"], tuple((k, str(v)) for k, v in (r.get("params") or {}).items()))
                           for r in cand["reasons"]]
                return "passed over: " + render_all(reasons)
    return ""


def packet(ctx: Ctx, card=None, since=None) -> Report:
    card = need_card(ctx, card)
    day = need_date(since, "--since date")
    start, _ = ctx.day_range(day)
    m = load.member(ctx.db, card)
    report = ctx.report("packet", f"Records packet for {m.name} ({card})", card=card, since=day.isoformat())
    report.notes.append("Other members appear here only by name, position and referral basis.")

    regs = Section("Your registrations", ["book", "registered", "last signed", "status", "removed", "why removed"])
    for row in ctx.db.execute(
        "SELECT book_id, registered_at, last_signed_at, status, removed_at, removed_reason FROM registrations"
        " WHERE card = ? ORDER BY id", [card]
    ):
        regs.rows.append([row[0], ctx.t(row[1]), ctx.t(row[2]), row[3].replace("_", " "), ctx.t(row[4]), row[5]])
    report.sections.append(regs)
    positions = positions_over_time(ctx, card, since=start)
    first = asof.position_as_of(ctx.db, card, ctx.day_start(day))
    for b in reversed(first["books"]):
        positions.rows.insert(0, [ctx.t(ctx.day_start(day)), b["book"], "at the start of the period",
                                  b["status"].replace("_", " "), b["position"], None, ctx.t(b["registered_at"])])
    report.sections.append(positions)

    calls = Section("Calls while you were waiting", [
        "call", "taken", "employer", "class", "workers", "your place when taken", "your place when offers began",
        "your outcome", "referred", "rule set",
    ])
    referred = Section("Who was referred", ["call", "referred", "name", "book", "position", "basis"])
    classes = sorted(set(m.classifications) | {
        b.classification for b in ctx.rules.books
        for (book_id,) in ctx.db.execute("SELECT DISTINCT book_id FROM registrations WHERE card = ?", [card])
        if b.id == book_id
    })
    marks = ",".join("?" for _ in classes) or "''"
    rulesets: dict[int, str] = {}
    for call_id, taken_at, employer, cls, workers in ctx.db.execute(
        "SELECT c.id, c.taken_at, e.name, c.classification, c.workers FROM calls c"
        f" JOIN employers e ON e.id = c.employer_id WHERE c.classification IN ({marks}) AND c.taken_at >= ?"
        " ORDER BY c.taken_at, c.id", [*classes, start]
    ).fetchall():
        taken = load.parse_time(taken_at)
        first_offer = ctx.db.execute("SELECT min(at) FROM offers WHERE call_id = ?", [call_id]).fetchone()[0]
        offered_from = load.parse_time(first_offer) if first_offer else None
        when_taken = _stood(ctx, card, cls, taken)
        when_offered = _stood(ctx, card, cls, offered_from) if offered_from else None
        if when_taken is None and when_offered is None:
            continue  # not waiting in this classification then
        own = ctx.db.execute(
            "SELECT outcome, superseded_by FROM offers WHERE call_id = ? AND card = ? ORDER BY id", [call_id, card]
        ).fetchall()
        outcome = "; ".join(outcome_words(o) + (" (set aside)" if s else "") for o, s in own)
        if not outcome:
            outcome = _own_reasons(ctx, call_id, card) or ("not reached" if offered_from else "no offers yet")
        names = []
        for at, ref_card, name, book, position, basis, status in ctx.db.execute(
            "SELECT r.at, r.card, m.name, o.book_id, o.position, r.basis, r.status FROM referrals r"
            " JOIN members m ON m.card = r.card LEFT JOIN offers o ON o.id = r.offer_id"
            " WHERE r.call_id = ? ORDER BY r.at, r.id", [call_id]
        ):
            who = "you" if ref_card == card else name
            names.append(f"{who} ({book or ''} {'#' + str(position) if position else ''}, "
                         f"{BASIS_WORDS.get(basis, basis)})".replace(" ,", ",").replace("( ", "("))
            referred.rows.append([call_id, ctx.t(at), who, book, position, BASIS_WORDS.get(basis, basis)])
        row = rules_row_in_force(ctx.db, offered_from or taken)
        ruleset_id = row[0] if row else None
        if row:
            rulesets.setdefault(row[0], row[1])
        calls.rows.append([call_id, ctx.t(taken), employer, cls, workers, when_taken or "not waiting",
                           when_offered or ("" if not offered_from else "not waiting"), outcome,
                           "; ".join(names) or "nobody yet", ruleset_id])
    calls.notes.append(f"{len(calls.rows)} calls in your classification while you were waiting.")
    report.sections += [calls, referred]
    for ruleset_id in sorted(rulesets):
        effective = ctx.db.execute("SELECT effective_at FROM rulesets WHERE id = ?", [ruleset_id]).fetchone()[0]
        report.sections.append(Section(f"Rule set #{ruleset_id}, in force from {ctx.t(effective)}", [],
                                       text=rulesets[ruleset_id].rstrip()))
    return report
