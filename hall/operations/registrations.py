"""Signing books, re-signing, and the automatic removal of those who did not re-sign."""

from __future__ import annotations

from datetime import date

from sqlite_utils import Database

from dispatch import calendar
from dispatch.model import DISPATCHED, ON_SHORT_CALL, REMOVED, REMOVED_RESIGN, WAITING
from dispatch.registration import apply_move, move_refusal, resign_refusal, signing_refusal
from dispatch.transitions import apply_resign
from hall import audit, changes, load
from hall.db import immediate
from hall.errors import HallError, NotFound
from hall.identity import ADMIN, MOVE_BOOK, QUALIFY, STAFF, Actor, allowed
from hall.operations.common import Receipt, add_history, check_card, check_text, check_via, write_registration


def sweep_lapsed(store, db: Database) -> int:
    """Record the removal of registrations whose re-sign deadline has passed.

    Runs in its own transaction with actor ``system``, and writes only when
    there is something new to remove (so terminals don't wake each other).
    Each removal is dated at its deadline, not at the moment it is noticed.
    """
    now = store.now()
    _, rules = store.rules(db, now)
    lapsed_sql, params = load.lapsed_where(db, rules, now)
    probe = db.execute(
        f"SELECT 1 FROM registrations WHERE status = 'waiting' AND {lapsed_sql} LIMIT 1", params
    ).fetchone()
    if probe is None:
        return 0
    with immediate(db), changes.logged(db):
        ruleset_id, rules = store.rules(db, now)
        return record_lapsed(db, now, rules, ruleset_id)


def record_lapsed(db: Database, now, rules, ruleset_id) -> int:
    """Write the pending re-sign removals (actor ``system``) inside the caller's transaction.

    A write operation calls this inside its own ``BEGIN IMMEDIATE``, so a
    refused operation rolls the removals back too: a command that fails
    records nothing.
    """
    from hall.store import Tx

    lapsed_sql, params = load.lapsed_where(db, rules, now)
    # ``+id``: search registrations_lapse (usually nothing is due), not a scan in id order.
    rows = db.execute(
        f"SELECT {load.REGISTRATION_COLUMNS} FROM registrations"
        f" WHERE status = 'waiting' AND {lapsed_sql} ORDER BY +id", params
    ).fetchall()
    excused = load.excused_absences(db, {row[1] for row in rows}) if rows else {}
    for row in rows:
        reg = load.registration_from_row(row)
        absences = excused.get(reg.card, ())
        moment = calendar.removal_at(reg, rules, absences)
        due = calendar.resign_due(reg, rules, absences)
        tx = Tx(db, now, "system", rules, ruleset_id)
        tx.update("registrations", reg.id, {
            "status": REMOVED, "removed_reason": REMOVED_RESIGN, "removed_at": audit.iso(moment),
        })
        removed = load.registration_from_row(
            db.execute(f"SELECT {load.REGISTRATION_COLUMNS} FROM registrations WHERE id = ?", [reg.id]).fetchone()
        )
        add_history(tx, removed, "failed to re-sign", at=moment)
        _tell_removed(tx, reg, due, moment)
        tx.record("registration.lapsed", f"member:{reg.card}", {
            "card": reg.card, "book": reg.book_id, "registration": reg.id,
            "due": due.isoformat(), "removed_at": audit.iso(moment), "reason": REMOVED_RESIGN,
        })
    return len(rows)


def _tell_removed(tx, reg, due: date, moment) -> None:
    """The removal's notice (for a member who asked), in the removal's transaction."""
    from hall.notices import messages
    from hall.notices.outbox import REMOVED as REMOVED_NOTICE, queue, wants

    if not wants(tx.db, reg.card):
        return
    name = tx.db.execute("SELECT name FROM members WHERE card = ?", [reg.card]).fetchone()[0]
    notice = messages.removed(name, reg.card, reg.book_id, due, moment, tx.rules,
                              calendar.local_date(tx.now, tx.rules))
    queue(tx, reg.card, REMOVED_NOTICE, f"registration:{reg.id}:removed:{audit.iso(moment)}", notice, at=moment)


@allowed(STAFF, doing="sign a member onto a book")
def sign(store, card: str, book_id: str, *, actor: Actor, via: str = "in_person") -> Receipt:
    """Put a member on a book, at the bottom (``registered_at`` = now)."""
    card = check_card(card)
    via = check_via(via)
    with store.write(actor) as tx:
        member = load.member(tx.db, card)
        book = tx.rules.book(book_id or "")
        if book is None:
            known = ", ".join(b.id for b in tx.rules.books)
            raise NotFound(f"There is no book {book_id!r}: the books are {known}.")
        if book.classification not in member.classifications:
            raise HallError(
                f"{member.name} ({card}) is not qualified for {book.classification}, so cannot sign {book.id}: "
                f"record the classification first (hall member update {card} --class {book.classification})."
            )
        today = calendar.local_date(tx.now, tx.rules)
        for required in book.requires:
            cert = member.certification(required)
            if cert is None:
                raise HallError(f"{book.id} requires {required}, which {member.name} does not hold.")
            if cert.expires is not None and cert.expires < today:
                raise HallError(f"{book.id} requires {required}, and {member.name}'s expired "
                                f"{calendar.day_text(cert.expires, today)}.")
        referral = load.active_referral(tx.db, card)
        if referral is not None:  # a member never holds a referral and a place to be offered from
            kind = "a short call" if referral[2] else "a regular call"
            raise HallError(f"{member.name} ({card}) is working {kind} (#{referral[1]}): record the job end first.")
        held = load.registrations_of(tx.db, card, active_only=True)
        for reg in held:
            if reg.book_id == book.id:
                state = {WAITING: "waiting", ON_SHORT_CALL: "on a short call", DISPATCHED: "dispatched"}[reg.status]
                raise HallError(f"{member.name} ({card}) is already on {book.id} ({state}); re-sign instead.")
        refusal = signing_refusal(member, book, held, load.qualifications_of(tx.db, card), tx.rules)
        if refusal:
            raise HallError(refusal)
        now_text = audit.iso(tx.now)
        reg_id = tx.insert("registrations", {
            "card": card, "book_id": book.id, "registered_at": now_text, "last_signed_at": now_text,
            "signed_via": via, "signed_by": tx.actor, "status": WAITING,
        })
        reg = load.registrations_of(tx.db, card)[-1]
        add_history(tx, reg, "signed")
        due = calendar.resign_due(reg, tx.rules, load.excused_absences(tx.db, [card]).get(card, ()))
        entry = tx.record("registration.signed", f"member:{card}", {
            "card": card, "book": book.id, "registration": reg_id, "via": via,
            "registered_at": now_text, "resign_due": due.isoformat(),
        })
        return Receipt.of(entry, f"{member.name} signed {book.id}; re-sign by {calendar.day_text(due, today)}.",
                          reg_id)


@allowed(STAFF, doing="re-sign a member's books")
def resign(store, card: str, book_id: str | None = None, *, actor: Actor, via: str = "in_person") -> Receipt:
    """Re-sign one book or all the member's waiting books: the place is kept, the due date moves."""
    card = check_card(card)
    via = check_via(via)
    with store.write(actor) as tx:
        member = load.member(tx.db, card)
        regs = load.registrations_of(tx.db, card, active_only=True)
        waiting = [r for r in regs if r.status == WAITING]
        if book_id is not None:  # a blank book is a wrong book, not "all books"
            book = tx.rules.book(book_id)
            if book is None:
                raise NotFound(f"There is no book {book_id!r}.")
            waiting = [r for r in waiting if r.book_id == book.id]
            if not waiting:
                raise HallError(f"{member.name} ({card}) is not waiting on {book.id}: sign it instead.")
        if not waiting:
            raise HallError(f"{member.name} ({card}) is not waiting on any book: sign a book instead.")
        excused = load.excused_absences(tx.db, [card]).get(card, ())
        for reg in waiting:  # (v2) window mode: only inside a window (the CLI, the Counter, any door)
            refusal = resign_refusal(reg, member, tx.rules, tx.now, excused)
            if refusal:
                raise HallError(refusal)
        changed = apply_resign(tuple(waiting), waiting[0].book_id if book_id is not None else None, now=tx.now)
        by_id = {r.id: r for r in waiting}
        dues = {}
        for new in changed:
            write_registration(tx, by_id[new.id], new, load.RESIGNED_EVENT,
                               also={"signed_via": via, "signed_by": tx.actor})
            dues[new.book_id] = calendar.resign_due(new, tx.rules, excused).isoformat()
        entry = tx.record("registration.resigned", f"member:{card}", {
            "card": card, "books": sorted(dues), "via": via, "resign_due": dues,
        })
        first_due = date.fromisoformat(min(dues.values()))
        return Receipt.of(
            entry, f"{member.name} re-signed {', '.join(sorted(dues))}; next due "
                   f"{calendar.day_text(first_due, calendar.local_date(tx.now, tx.rules))}.",
        )


def _book(rules, book_id: str):
    book = rules.book(book_id or "")
    if book is None:
        known = ", ".join(b.id for b in rules.books)
        raise NotFound(f"There is no book {book_id!r}: the books are {known}.")
    return book


@allowed(ADMIN, doing=QUALIFY)
def qualify(store, card: str, book_id: str, evidence: str, *, actor: Actor) -> Receipt:
    """(v2, admin) Record why a member qualifies for a book (exam, years, hours in the area): a book
    with ``requires_qualification`` can be signed only with such a record."""
    card = check_card(card)
    evidence = check_text(evidence, "evidence")
    with store.write(actor) as tx:
        member = load.member(tx.db, card)
        book = _book(tx.rules, book_id)
        if book.classification not in member.classifications:
            raise HallError(f"{member.name} ({card}) does not work {book.classification}, so cannot qualify for "
                            f"{book.id}: record the classification first (hall member update {card} "
                            f"--class {book.classification}).")
        row_id = tx.insert("qualifications", {"card": card, "book_id": book.id, "evidence": evidence,
                                              "at": audit.iso(tx.now), "recorded_by": tx.actor})
        entry = tx.record("member.qualified", f"member:{card}", {"card": card, "book": book.id,
                                                                 "evidence": evidence, "id": row_id})
        return Receipt.of(entry, f"{member.name} ({card}) qualifies for {book.id}: {evidence}.", row_id)


@allowed(ADMIN, doing=MOVE_BOOK)
def move(store, card: str, book_id: str, reason: str, *, actor: Actor) -> Receipt:
    """(v2, admin) Move a member to another book of the same classification in one operation: the old
    registration is removed ("moved to JW-1") and the new one starts now, at the bottom."""
    card = check_card(card)
    reason = check_text(reason, "reason")
    with store.write(actor) as tx:
        member = load.member(tx.db, card)
        book = _book(tx.rules, book_id)
        regs = load.registrations_of(tx.db, card, active_only=True)
        refusal = move_refusal(member, book, regs, load.qualifications_of(tx.db, card), tx.rules)
        if refusal:
            raise HallError(refusal)
        moved = apply_move(regs, book, tx.rules, tx.now, member.name)
        before = next(r for r in regs if r.id == moved.removed.id)
        write_registration(tx, before, moved.removed, moved.removed.removed_reason)
        now_text = audit.iso(tx.now)
        reg_id = tx.insert("registrations", {
            "card": card, "book_id": book.id, "registered_at": now_text, "last_signed_at": now_text,
            "signed_via": "in_person", "signed_by": tx.actor, "status": WAITING,
        })
        added = load.registrations_of(tx.db, card)[-1]
        add_history(tx, added, f"moved from {before.book_id}")
        entry = tx.record("registration.moved", f"member:{card}", {
            "card": card, "from": before.book_id, "to": book.id, "reason": reason,
            "removed": before.id, "registration": reg_id, "registered_at": now_text,
        })
        return Receipt.of(entry, moved.message, reg_id)
