"""Members: add, update, certifications, unavailability, reinstatement, bulk import."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable, Iterable

from dispatch import calendar
from dispatch.model import SUSPENDED
from hall import audit, files, load
from hall.errors import HallError, NotFound
from hall.identity import ADMIN, Actor, STAFF, allowed
from hall.notices.addresses import check_email, sms_number
from hall.operations.accounts import hash_secret
from hall.parse import CERT_EXPIRY, UNAVAILABLE
from hall.operations.common import (
    Receipt,
    card_number_key,
    check_card,
    check_phone,
    check_text,
    check_via,
    parse_date_text,
    same_card,
)


def check_classes(classes: Iterable[str], rules) -> list[str]:
    """Classifications typed by a user, checked against the books of the rule set."""
    known = rules.classifications
    result: list[str] = []
    for raw in classes:
        cls = (raw or "").strip().upper()
        if not cls:
            continue
        if cls not in known:
            raise HallError(f"{raw[:20]!r} is not a classification of this hall: use one of {', '.join(known)}.")
        if cls not in result:
            result.append(cls)
    return result


def parse_cert(spec: str) -> tuple[str, date | None]:
    """``NAME`` or ``NAME:YYYY-MM-DD`` into a name and optional expiry."""
    name, _, expires = (spec or "").partition(":")
    name = check_text(name, "certification name", limit=60)
    return name, (parse_date_text(expires, "certification expiry date") if expires.strip() else None)


def _insert_member(tx, card: str, name: str, phone: str, classes: list[str],
                   certs: list[tuple[str, date | None]], home_local: str = "") -> dict:
    now = audit.iso(tx.now)
    tx.insert("members", {
        "card": card, "name": name, "phone": phone, "phone_checked_at": now if phone else None,
        "home_local": home_local, "standing": "active", "created_at": now,
    })
    for cls in classes:
        tx.insert("member_classes", {"card": card, "classification": cls})
    seen = set()
    for cert_name, expires in certs:
        if cert_name.casefold() in seen:
            raise HallError(f"Certification {cert_name} is listed twice for card {card}.")
        seen.add(cert_name.casefold())
        tx.insert("certifications", {
            "card": card, "name": cert_name, "expires": expires.isoformat() if expires else None,
        })
    return {
        "card": card, "name": name, "phone": phone, "classes": classes,
        "certs": [{"name": n, "expires": e.isoformat() if e else None} for n, e in certs],
    }


@allowed(STAFF, doing="add a member")
def add_member(store, card: str, name: str, *, actor: Actor, phone: str = "",
               classes: Iterable[str] = (), certs: Iterable[str] = (), home_local: str = "") -> Receipt:
    """Add a member (or applicant) with classifications and certifications."""
    card = check_card(card)
    name = check_text(name, "name", limit=100)
    phone = check_phone(phone)
    home_local = check_text(home_local, "home local", required=False, limit=60)
    parsed_certs = [parse_cert(c) for c in certs]
    with store.write(actor) as tx:
        classes_ok = check_classes(classes, tx.rules)
        today = calendar.local_date(tx.now, tx.rules)
        for _, expires in parsed_certs:
            if expires is not None:
                CERT_EXPIRY.check(expires, today)
        on_file = same_card(tx.db, card)
        if on_file == card:
            raise HallError(f"Card {card} already exists: change it with `hall member update {card}`.")
        if on_file is not None:
            raise HallError(f"Card {card} is card {on_file} (cards of digits only compare as numbers): "
                            "use another card number.")
        data = _insert_member(tx, card, name, phone, classes_ok, parsed_certs, home_local)
        entry = tx.record("member.added", f"member:{card}", data)
        return Receipt.of(entry, f"Added {name} ({card}).")


@allowed(STAFF, doing="change a member's details")
def update_member(store, card: str, *, actor: Actor, name: str | None = None, phone: str | None = None,
                  classes: Iterable[str] | None = None, home_local: str | None = None,
                  class_note: str = "", email: str | None = None) -> Receipt:
    """Change a member's name, phone, email, home local or classifications (the whole list)."""
    card = check_card(card)
    changes: dict = {}
    if name is not None:
        changes["name"] = check_text(name, "name", limit=100)
    if phone is not None:
        changes["phone"] = check_phone(phone)
    if email is not None:
        changes["email"] = check_email(email)
    if home_local is not None:
        changes["home_local"] = check_text(home_local, "home local", required=False, limit=60)
    class_note = check_text(class_note, "note", required=False)
    with store.write(actor) as tx:
        before = load.member(tx.db, card)
        data: dict = {"card": card}
        refuse_losing_notices(tx.db, before, changes)
        if changes:
            if "phone" in changes:
                changes["phone_checked_at"] = audit.iso(tx.now)
            tx.update("members", card, changes)
            data.update({k: v for k, v in changes.items() if k != "phone_checked_at"})
        if classes is not None:
            wanted = check_classes(classes, tx.rules)
            if not wanted:
                raise HallError("A member needs at least one classification.")
            held = [r[0] for r in tx.db.execute(
                "SELECT classification FROM member_classes WHERE card = ? ORDER BY classification", [card])]
            for cls in held:
                if cls in wanted:
                    tx.update("member_classes", (card, cls), {"note": class_note})
                else:
                    tx.delete("member_classes", (card, cls))
            for cls in wanted:
                if cls not in held:
                    tx.insert("member_classes", {"card": card, "classification": cls, "note": class_note})
            data["classes"] = wanted
            data["classes_before"] = sorted(before.classifications)
            if class_note:
                data["note"] = class_note
        if len(data) == 1:
            raise HallError("Nothing to change: give --name, --phone, --email, --home-local or --class.")
        entry = tx.record("member.updated", f"member:{card}", data)
        return Receipt.of(entry, f"Updated {changes.get('name', before.name)} ({card}).")


def refuse_losing_notices(db, member, changes: dict) -> None:
    """Refuse taking away the address a member's notices go to (choose another way first)."""
    notices = db.execute("SELECT notices FROM members WHERE card = ?", [member.card]).fetchone()[0]
    if notices == "email" and "email" in changes and not changes["email"]:
        raise HallError(f"{member.name} ({member.card}) gets notices by email: choose texts or none first "
                        f"(hall member notices {member.card} --sms or --none).")
    if notices == "sms" and "phone" in changes and sms_number(changes["phone"]) is None:
        raise HallError(f"{member.name} ({member.card}) gets notices by text, and {changes['phone'] or 'no phone'!r} "
                        "cannot take text messages: give a whole number with the area code, or choose email or "
                        f"none first (hall member notices {member.card} --email or --none).")


@allowed(STAFF, doing="record a member's certifications")
def set_certification(store, card: str, name: str, *, actor: Actor, expires: str | date | None = None,
                      remove: bool = False) -> Receipt:
    """Record a certification (with optional expiry), or remove one."""
    card = check_card(card)
    name = check_text(name, "certification name", limit=60)
    if isinstance(expires, str):
        expires = parse_date_text(expires, "certification expiry date") if expires.strip() else None
    with store.write(actor) as tx:
        member = load.member(tx.db, card)
        held = member.certification(name)
        if expires is not None and not remove:
            CERT_EXPIRY.check(expires, calendar.local_date(tx.now, tx.rules))
        if remove:
            if held is None:
                raise NotFound(f"{member.name} ({card}) holds no certification called {name}.")
            tx.delete("certifications", _certification_id(tx, card, name))
            entry = tx.record("member.cert_removed", f"member:{card}", {"card": card, "cert": held.name})
            return Receipt.of(entry, f"Removed {held.name} from {member.name}.")
        expires_text = expires.isoformat() if expires else None
        if held is not None:
            tx.update("certifications", _certification_id(tx, card, name), {"name": name, "expires": expires_text})
        else:
            tx.insert("certifications", {"card": card, "name": name, "expires": expires_text})
        entry = tx.record("member.cert_set", f"member:{card}", {
            "card": card, "cert": name, "expires": expires_text,
            "expires_before": held.expires.isoformat() if held and held.expires else None,
        })
        today = calendar.local_date(tx.now, tx.rules)
        until = f" (expires {calendar.day_text(expires, today)})" if expires else ""
        return Receipt.of(entry, f"{member.name} holds {name}{until}.")


@allowed(STAFF, doing="record that a member is unavailable")
def declare_unavailable(store, card: str, until: str | date, reason: str, *, actor: Actor,
                        via: str = "in_person", start: str | date | None = None) -> Receipt:
    """Record that a member, at their own request, cannot take work through ``until``."""
    card = check_card(card)
    reason = check_text(reason, "reason")
    via = check_via(via)
    if isinstance(until, str):
        until = parse_date_text(until, "date")
    if isinstance(start, str):
        start = parse_date_text(start, "date") if start.strip() else None
    with store.write(actor) as tx:
        member = load.member(tx.db, card)
        today = calendar.local_date(tx.now, tx.rules)
        if until < today:
            raise HallError(f"{calendar.day_text(until, today)} is already past: "
                            "unavailability must run to today or later.")
        if start is not None and start > until:
            raise HallError(f"The start {calendar.day_text(start, today)} is after the end "
                            f"{calendar.day_text(until, today)}.")
        for day in (start, until):
            if day is not None:
                UNAVAILABLE.check(day, today)
        row_id = tx.insert("unavailability", {
            "card": card, "start": start.isoformat() if start else None, "until": until.isoformat(),
            "reason": reason, "via": via, "created_at": audit.iso(tx.now), "created_by": tx.actor,
        })
        entry = tx.record("member.unavailable", f"member:{card}", {
            "card": card, "until": until.isoformat(), "start": start.isoformat() if start else None,
            "reason": reason, "via": via, "id": row_id,
        })
        return Receipt.of(entry, f"{member.name} is unavailable until {calendar.day_text(until, today)}.", row_id)


@allowed(ADMIN, doing="reinstate a suspended member")
def reinstate(store, card: str, reason: str, *, actor: Actor, authority: str = "") -> Receipt:
    """Lift a suspension (an appeal or a ruling, recorded)."""
    card = check_card(card)
    reason = check_text(reason, "reason")
    authority = check_text(authority, "authority", required=False)
    with store.write(actor) as tx:
        member = load.member(tx.db, card)
        if member.standing != SUSPENDED:
            raise HallError(f"{member.name} ({card}) is not suspended.")
        tx.update("members", card, {"standing": "active", "suspension_note": ""})
        entry = tx.record("member.reinstated", f"member:{card}", {
            "card": card, "reason": reason, "authority": authority,
            "suspension_note": member.suspension_note,
        })
        return Receipt.of(entry, f"{member.name} ({card}) is reinstated.")


@dataclass(frozen=True, slots=True)
class ImportRow:
    line: int
    card: str
    name: str
    phone: str
    classes: list[str]
    certs: list[tuple[str, date | None]]


IMPORT_COLUMNS = ("card", "name", "phone", "classes", "certs")
Problem = tuple[int, str]
"""A problem of an import: the line of the file, and the sentence (without its full stop)."""


def _import_classes(cell: str, rules) -> list[str]:
    classes = check_classes(cell.split(";"), rules)
    if not classes:
        raise HallError(f"a member needs at least one classification (one of {', '.join(rules.classifications)})")
    return classes


def _import_certs(cell: str, today: date) -> list[tuple[str, date | None]]:
    certs = [parse_cert(spec) for spec in cell.split(";") if spec.strip()]
    for _, expires in certs:
        if expires is not None:
            CERT_EXPIRY.check(expires, today)
    if len({name.casefold() for name, _ in certs}) != len(certs):
        raise HallError("a certification is listed twice")
    return certs


def _check_row(values: dict, line: int, rules, today: date, problems: list[Problem]) -> ImportRow | None:
    """One row checked column by column: the row, or None with every bad cell added to ``problems``."""
    checks = {
        "card": check_card,
        "name": lambda cell: check_text(cell, "name", limit=100),
        "phone": check_phone,
        "classes": lambda cell: _import_classes(cell, rules),
        "certs": lambda cell: _import_certs(cell, today),
    }
    checked = {}
    for column, check in checks.items():
        try:
            checked[column] = check(values.get(column) or "")
        except HallError as error:
            problems.append((line, f"line {line}, column {column}: {str(error).rstrip('.')}"))
    if len(checked) != len(checks):
        return None
    return ImportRow(line, checked["card"], checked["name"], checked["phone"], checked["classes"], checked["certs"])


def read_import(text: str, rules, today: date) -> tuple[list[ImportRow], list[Problem]]:
    """Check every row of a member CSV against the rules (no database): the rows, and every problem
    naming its line and column (``line 3, column classes: ...``)."""
    problems: list[Problem] = []
    rows: list[ImportRow] = []
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        return [], [(1, "line 1: the file is empty (expected a header: card,name,phone,classes,certs)")]
    except csv.Error as error:
        return [], [(1, f"line 1: {error}")]
    columns = [h.strip().lower() for h in header]
    missing = [c for c in ("card", "name", "classes") if c not in columns]
    unknown = [c for c in columns if c not in IMPORT_COLUMNS]
    if missing or unknown:
        what = []
        if missing:
            what.append("missing " + ", ".join(missing))
        if unknown:
            what.append("unknown " + ", ".join(repr(u[:20]) for u in unknown))
        return [], [(1, f"line 1: the header has {'; '.join(what)} (expected card,name,phone,classes,certs)")]
    seen: dict[str, int] = {}
    line = 1
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(columns):
                problems.append((line, f"line {line}: {len(record)} fields where the header has {len(columns)}"))
                continue
            row = _check_row(dict(zip(columns, record)), line, rules, today, problems)
            if row is None:
                continue
            key = card_number_key(row.card)
            if key in seen:
                problems.append((line, f"line {line}, column card: card {row.card} is also on line {seen[key]}"))
                continue
            seen[key] = line
            rows.append(row)
    except csv.Error as error:
        problems.append((line + 1, f"line {line + 1}: {error}"))
    except UnicodeDecodeError:
        problems.append((line + 1, f"line {line + 1}: the file is not UTF-8 text"))
    return rows, problems


def _cards_on_file(db, rows: list[ImportRow]) -> list[Problem]:
    """The rows whose card is already a member's (or the same number written otherwise)."""
    existing = {card_number_key(r[0]): r[0] for r in db.execute("SELECT card FROM members")}
    problems = []
    for row in rows:
        on_file = existing.get(card_number_key(row.card))
        if on_file == row.card:
            problems.append((row.line, f"line {row.line}, column card: card {row.card} already exists"))
        elif on_file is not None:
            problems.append((row.line, f"line {row.line}, column card: card {row.card} is card {on_file} "
                                       "(cards of digits only compare as numbers)"))
    return problems


def _refuse_problems(path: Path, rows: list[ImportRow], problems: list[Problem]) -> None:
    if problems:
        problems.sort(key=lambda problem: problem[0])
        shown = "; ".join(text for _, text in problems[:20])
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        raise HallError(f"Nothing was imported: {shown}{more}.")
    if not rows:
        raise HallError(f"{path} has no members to import.")


@allowed(STAFF, doing="import members")
def import_members(store, path: str | Path, *, actor: Actor,
                   progress: Callable[[int, int], None] | None = None) -> Receipt:
    """Import members from CSV, all rows or none. The whole file is checked first (every row and
    column, and the cards against those on file) without the write lock, which is then held only
    to check the cards again (a member added meanwhile) and write."""
    path = Path(path)
    text = files.read_text(path, "CSV file", advice=": save it as CSV UTF-8 and try again")
    store.authorize(actor)  # who may not import is told so before anything of the file
    with store.reading() as read:
        rows, problems = read_import(text, read.rules, read.today)
        problems += _cards_on_file(read.db, rows)
        checked_under = read.ruleset_id
    _refuse_problems(path, rows, problems)
    with store.write(actor) as tx:
        problems = []
        if tx.ruleset_id != checked_under:  # other rules came into force meanwhile: check again
            rows, problems = read_import(text, tx.rules, calendar.local_date(tx.now, tx.rules))
        problems += _cards_on_file(tx.db, rows)
        _refuse_problems(path, rows, problems)
        now = audit.iso(tx.now)
        tx.insert_many("members", (
            {"card": r.card, "name": r.name, "phone": r.phone, "phone_checked_at": now if r.phone else None,
             "home_local": "", "standing": "active", "created_at": now} for r in rows))
        tx.insert_many("member_classes", (
            {"card": r.card, "classification": c, "note": ""} for r in rows for c in r.classes))
        tx.insert_many("certifications", (
            {"card": r.card, "name": n, "expires": e.isoformat() if e else None} for r in rows for n, e in r.certs))
        if progress:
            progress(len(rows), len(rows))
        entry = tx.record("member.imported", "members", {
            "file": path.name, "count": len(rows), "cards": [r.card for r in rows],
        })
        return Receipt.of(entry, f"Imported {len(rows)} members from {path.name}.")


def _certification_id(tx, card: str, name: str) -> int:
    """The id of the member's certification called ``name`` (names compare without case)."""
    return tx.db.execute("SELECT id FROM certifications WHERE card = ? AND name = ? COLLATE NOCASE",
                         [card, name]).fetchone()[0]


def phone_last4(phone: str) -> str:
    digits = [c for c in phone if c.isdigit()]
    return "".join(digits[-4:])



def check_pin(pin: str) -> str:
    """A kiosk PIN: 4 to 8 digits."""
    pin = (pin or "").strip()
    if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8):
        raise HallError("A kiosk PIN is 4 to 8 digits.")
    return pin


@allowed(STAFF, doing="set a member's kiosk PIN")
def set_pin(store, card: str, pin: str, *, actor: Actor) -> Receipt:
    """Set the PIN a member types at the kiosk: 4-8 digits, stored hashed. It also unlocks a card
    locked after wrong tries (staff have seen the member)."""
    card = check_card(card)
    pin = check_pin(pin)
    hashed = hash_secret(pin)
    with store.write(actor) as tx:
        member = load.member(tx.db, card)
        tx.update("members", card, {"pin_hash": hashed})
        if tx.db.execute("SELECT 1 FROM kiosk_misses WHERE card = ?", [card]).fetchone():
            tx.delete("kiosk_misses", card)  # a new PIN from the staff: the card's misses are forgotten
        entry = tx.record("member.pin_set", f"member:{card}", {"card": card})
        return Receipt.of(entry, f"Kiosk PIN set for {member.name} ({card}).")
