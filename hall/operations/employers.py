"""Employers and their no-referral requests (bars)."""

from __future__ import annotations

from datetime import date, timedelta

from dispatch import calendar
from hall import audit, load
from hall.errors import HallError, NotFound
from hall.identity import Actor, STAFF, allowed
from hall.operations.common import Receipt, check_card, check_phone, check_text, parse_date_text


def employer_id(db, name: str) -> int:
    """The id of a known employer (names compare without case)."""
    row = db.execute("SELECT id FROM employers WHERE name = ? COLLATE NOCASE", [name.strip()]).fetchone()
    if row is None:
        raise NotFound(f"There is no employer called {name.strip()[:60]!r}: add it with `hall employer add`.")
    return row[0]


def add_employer_in(tx, name: str, phone: str = "") -> int:
    """Add an employer inside an open transaction (taking a call may add one inline)."""
    name = check_text(name, "employer name", limit=100)
    phone = check_phone(phone)
    if tx.db.execute("SELECT 1 FROM employers WHERE name = ? COLLATE NOCASE", [name]).fetchone():
        raise HallError(f"There is already an employer called {name}.")
    new_id = tx.insert("employers", {"name": name, "phone": phone, "created_at": audit.iso(tx.now)})
    tx.record("employer.added", f"employer:{new_id}", {"employer": new_id, "name": name, "phone": phone})
    return new_id


@allowed(STAFF, doing="add an employer")
def add_employer(store, name: str, *, actor: Actor, phone: str = "") -> Receipt:
    """Add an employer."""
    with store.write(actor) as tx:
        new_id = add_employer_in(tx, name, phone)
        return Receipt.of(tx.entries[-1], f"Added employer {name.strip()}.", new_id)


@allowed(STAFF, doing="record an employer's no-referral request")
def bar_member(store, employer: str, card: str, until: str | date, reason: str, *, actor: Actor,
               contact: str = "") -> Receipt:
    """Record an employer's no-referral request for a member, through ``until`` (inclusive)."""
    card = check_card(card)
    reason = check_text(reason, "reason")
    contact = check_text(contact, "employer contact", required=False)
    if isinstance(until, str):
        until = parse_date_text(until, "date")
    with store.write(actor) as tx:
        member = load.member(tx.db, card)
        emp_id = employer_id(tx.db, employer)
        emp_name = tx.db.execute("SELECT name FROM employers WHERE id = ?", [emp_id]).fetchone()[0]
        today = calendar.local_date(tx.now, tx.rules)
        if until < today:
            raise HallError(f"{calendar.day_text(until, today)} is already past: a bar must run to today or later.")
        latest = today + timedelta(days=tx.rules.bars.max_days)
        if until > latest:
            raise HallError(
                f"A bar can last at most {tx.rules.bars.max_days} days (until {calendar.day_text(latest, today)}); "
                f"{calendar.day_text(until, today)} is later."
            )
        bar_id = tx.insert("employer_bars", {
            "employer_id": emp_id, "card": card, "until": until.isoformat(), "reason": reason,
            "contact": contact, "created_at": audit.iso(tx.now), "created_by": tx.actor,
        })
        entry = tx.record("employer.bar", f"employer:{emp_id}", {
            "employer": emp_id, "employer_name": emp_name, "card": card, "until": until.isoformat(),
            "reason": reason, "contact": contact, "id": bar_id,
        })
        return Receipt.of(entry, f"{member.name} will not be referred to {emp_name} until "
                                 f"{calendar.day_text(until, today)}.", bar_id)
