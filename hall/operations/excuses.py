"""(v2) Excused absences: recorded by staff with evidence, ended early, corrected (audited).

While excused a member keeps their place, is passed over as ``exempt`` on calls starting in the
absence, is never charged a turndown, and their re-sign clock stops (``dispatch.calendar``).
The kind and the evidence are private: staff screens show them, members never.
"""

from __future__ import annotations

from datetime import date, timedelta

from dispatch import calendar
from dispatch.model import EXCUSE_KINDS, WAITING
from hall import audit, load
from hall.errors import HallError, NotFound
from hall.identity import ADMIN, STAFF, Actor, allowed
from hall.operations.common import Receipt, check_card, check_text, parse_date_text

MAX_DAYS = 3 * 366


def check_kind(kind: str) -> str:
    value = (kind or "").strip().lower().replace("-", "_").replace(" ", "_")
    if value not in EXCUSE_KINDS:
        raise HallError(f"{str(kind)[:30]!r} is not a kind of excused absence: use one of {', '.join(EXCUSE_KINDS)}.")
    return value


def _as_date(value: str | date, what: str) -> date:
    return value if isinstance(value, date) else parse_date_text(value, what)


def _check_span(start: date, until: date, today: date) -> None:
    if start > until:
        raise HallError(f"The absence cannot start {calendar.day_text(start, today)}, after it ends "
                        f"{calendar.day_text(until, today)}.")
    if (until - start).days > MAX_DAYS:
        raise HallError("An excused absence can last at most 3 years; record a longer one again when it ends.")


def _next_due(tx, card: str) -> date | None:
    """The member's next re-sign due date now (counting their absences), or None when not waiting."""
    excused = load.excused_absences(tx.db, [card]).get(card, ())
    return min((calendar.resign_due(reg, tx.rules, excused)
                for reg in load.registrations_of(tx.db, card, active_only=True) if reg.status == WAITING),
               default=None)


def _due_sentence(tx, card: str) -> str:
    """The member's next re-sign due date, as a clause for the receipt."""
    due = _next_due(tx, card)
    return f"; re-sign due {calendar.day_text(due, calendar.local_date(tx.now, tx.rules))}" if due else ""


@allowed(STAFF, doing="record an excused absence")
def excuse(store, card: str, kind: str, start: str | date, until: str | date, evidence: str, *,
           actor: Actor) -> Receipt:
    """Record an excused absence (``hall member excuse``): its kind and evidence stay private."""
    card = check_card(card)
    kind = check_kind(kind)
    evidence = check_text(evidence, "evidence")
    start, until = _as_date(start, "--from date"), _as_date(until, "--until date")
    with store.write(actor) as tx:
        member = load.member(tx.db, card)
        today = calendar.local_date(tx.now, tx.rules)
        _check_span(start, until, today)
        row_id = tx.insert("excuses", {
            "card": card, "kind": kind, "start": start.isoformat(), "until": until.isoformat(),
            "evidence": evidence, "created_at": audit.iso(tx.now), "created_by": tx.actor,
        })
        _tell_excused(tx, card, member.name, row_id, start, until, today)
        entry = tx.record("member.excused", f"member:{card}", {
            "card": card, "id": row_id, "kind": kind, "start": start.isoformat(), "until": until.isoformat(),
            "evidence": evidence,
        })
        return Receipt.of(entry, f"{member.name} ({card}) is excused from {calendar.day_text(start, today)} until "
                                 f"{calendar.day_text(until, today)}{_due_sentence(tx, card)}.", row_id)


def _tell_excused(tx, card: str, name: str, excuse_id: int, start: date, until: date, today: date) -> None:
    """The notice of an excused absence (if the member asked for notices), in its own transaction."""
    from hall.notices import messages
    from hall.notices.outbox import EXCUSED, queue, wants

    if not wants(tx.db, card):
        return
    queue(tx, card, EXCUSED, f"excuse:{excuse_id}",
          messages.excused(name, card, start, until, _next_due(tx, card), tx.rules, today))


def _excuse_row(tx, excuse_id) -> dict:
    try:
        number = int(str(excuse_id).strip())
    except ValueError:
        raise HallError(f"{str(excuse_id)[:20]!r} is not the number of an excused absence.") from None
    row = tx.db.execute("SELECT id, card, kind, start, until, evidence FROM excuses WHERE id = ?", [number]).fetchone()
    if row is None:
        raise NotFound(f"There is no excused absence {number}.")
    return dict(zip(("id", "card", "kind", "start", "until", "evidence"), row))


@allowed(STAFF, doing="end an excused absence early")
def end_excuse(store, excuse_id, *, actor: Actor, last_day: str | date | None = None, reason: str) -> Receipt:
    """End an excused absence early: its last day becomes ``last_day`` (default yesterday: the member is
    back today). One ended before it began is withdrawn. The re-sign clock runs again from then."""
    reason = check_text(reason, "reason")
    with store.write(actor) as tx:
        row = _excuse_row(tx, excuse_id)
        member = load.member(tx.db, row["card"])
        today = calendar.local_date(tx.now, tx.rules)
        last = _as_date(last_day, "last day") if last_day is not None else today - timedelta(days=1)
        until = date.fromisoformat(row["until"])
        if last >= until:
            raise HallError(f"The absence already ends {calendar.day_text(until, today)}: "
                            "to make it longer, correct it instead.")
        data = {"card": row["card"], "id": row["id"], "reason": reason, "until_before": row["until"]}
        if last < date.fromisoformat(row["start"]):
            tx.delete("excuses", row["id"])
            data["withdrawn"] = True
            said = f"{member.name}'s excused absence from {calendar.day_text(date.fromisoformat(row['start']), today)} " \
                   "is withdrawn"
        else:
            tx.update("excuses", row["id"], {"until": last.isoformat(), "changed_at": audit.iso(tx.now),
                                             "changed_by": tx.actor})
            data["until"] = last.isoformat()
            said = f"{member.name} ({row['card']}) is excused only until {calendar.day_text(last, today)}"
        entry = tx.record("member.excuse_changed", f"member:{row['card']}", data)
        return Receipt.of(entry, f"{said}{_due_sentence(tx, row['card'])}.", row["id"])


@allowed(ADMIN, doing="correct an excused absence")
def correct_excuse(store, excuse_id, *, actor: Actor, reason: str, kind: str | None = None,
                   start: str | date | None = None, until: str | date | None = None,
                   evidence: str | None = None) -> Receipt:
    """(Admin) Correct an excused absence's kind, dates or evidence; the entry keeps both sides."""
    reason = check_text(reason, "reason")
    wanted: dict = {}
    if kind is not None:
        wanted["kind"] = check_kind(kind)
    if evidence is not None:
        wanted["evidence"] = check_text(evidence, "evidence")
    if start is not None:
        wanted["start"] = _as_date(start, "--from date").isoformat()
    if until is not None:
        wanted["until"] = _as_date(until, "--until date").isoformat()
    if not wanted:
        raise HallError("Nothing to correct: give --kind, --from, --until or --evidence.")
    with store.write(actor) as tx:
        row = _excuse_row(tx, excuse_id)
        member = load.member(tx.db, row["card"])
        today = calendar.local_date(tx.now, tx.rules)
        _check_span(date.fromisoformat(wanted.get("start", row["start"])),
                    date.fromisoformat(wanted.get("until", row["until"])), today)
        changed = tx.update("excuses", row["id"], wanted)
        if not changed:
            raise HallError(f"Excused absence {row['id']} already reads so: nothing to correct.")
        tx.update("excuses", row["id"], {"changed_at": audit.iso(tx.now), "changed_by": tx.actor})
        entry = tx.record("member.excuse_changed", f"member:{row['card']}", {
            "card": row["card"], "id": row["id"], "reason": reason, "corrected": changed,
            "before": {column: row[column] for column in changed},
        })
        return Receipt.of(entry, f"Corrected {member.name}'s excused absence {row['id']} "
                                 f"({', '.join(sorted(changed))}){_due_sentence(tx, row['card'])}.", row["id"])
