"""(v2, fix) Hours that belong to the member: entered by staff, imported from payroll, recorded at
job ends and turndowns, and the copy of the hours an older database kept per registration.

A low-hours board orders members by their hours for the period (``load.member_hours``).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Callable

from dispatch import calendar
from dispatch.model import HOURS_PENALTY, HOURS_WORKED
from hall import audit, files, load
from hall.errors import HallError
from hall.identity import STAFF, Actor, allowed
from hall.operations.common import Receipt, check_card, check_text, parse_date_text

MAX_HOURS = 1000  # one record: a day's or a payroll period's hours
SOURCES = ("staff", "import", "job_end", "turndown", "migrated")


def check_hours(value, what: str = "hours") -> float:
    """A number of hours typed by a user: more than 0 and at most ``MAX_HOURS``."""
    try:
        hours = float(str(value).strip())
    except ValueError:
        raise HallError(f"{str(value)[:20]!r} is not a number of {what}.") from None
    if not math.isfinite(hours) or not 0 < hours <= MAX_HOURS:
        raise HallError(f"The {what} must be more than 0 and at most {MAX_HOURS}.")
    return hours


def check_day(value: str | date, today: date, what: str = "date") -> date:
    """The day hours were worked: a date not after today."""
    day = value if isinstance(value, date) else parse_date_text(value, what)
    if day > today:
        raise HallError(f"Hours cannot be recorded for {calendar.day_text(day, today)}, a day still to come.")
    if day.year < 1900:
        raise HallError(f"{day.isoformat()} is too long ago to record hours for.")
    return day


def record_hours(tx, card: str, day: date, hours: float, *, kind: str = HOURS_WORKED, source: str,
                 employer: str = "", category: str = "") -> int:
    """Write one hours record of a member inside the caller's transaction; returns its id."""
    return tx.insert("member_hours", {
        "card": card, "day": day.isoformat(), "hours": hours, "employer": employer, "category": category,
        "kind": kind, "source": source, "recorded_at": audit.iso(tx.now), "recorded_by": tx.actor,
    })


def record_penalty(tx, card: str, hours: float) -> int | None:
    """The turndown penalty hours of a low-hours board, charged to the member today (none when 0)."""
    if hours <= 0:
        return None
    return record_hours(tx, card, calendar.local_date(tx.now, tx.rules), hours, kind=HOURS_PENALTY,
                        source="turndown")


@allowed(STAFF, doing="record a member's hours")
def add_hours(store, card: str, hours, *, day: str | date, actor: Actor, employer: str = "",
              category: str = "") -> Receipt:
    """Record hours a member worked on a day (``hall hours add``); ``category`` is for apprentices."""
    card = check_card(card)
    hours = check_hours(hours)
    employer = check_text(employer, "employer", required=False, limit=100)
    category = check_text(category, "category", required=False, limit=60)
    with store.write(actor) as tx:
        member = load.member(tx.db, card)
        today = calendar.local_date(tx.now, tx.rules)
        worked_on = check_day(day, today)
        row_id = record_hours(tx, card, worked_on, hours, source="staff", employer=employer, category=category)
        entry = tx.record("hours.added", f"member:{card}", {
            "card": card, "day": worked_on.isoformat(), "hours": hours, "employer": employer,
            "category": category, "id": row_id,
        })
        total = load.member_hours(tx.db, [card], tx.now, tx.rules).get(card, 0.0)
        return Receipt.of(entry, f"{member.name} ({card}): {hours:g} hours on {calendar.day_text(worked_on, today)}"
                                 f"{' for ' + employer if employer else ''}; {total:g} hours this period.", row_id)


@dataclass(frozen=True, slots=True)
class HoursRow:
    """One checked row of an hours import."""

    line: int
    card: str
    day: date
    hours: float
    employer: str


def read_hours_csv(text: str, today: date, known_cards: set[str],
                   progress: Callable[[int, int], None] | None = None) -> tuple[list[HoursRow], list[str]]:
    """Check every row of ``card,date,hours[,employer]`` (a header line is optional); return the rows
    and every problem as ``line N: ...``."""
    lines = text.splitlines()
    total = len(lines)
    rows: list[HoursRow] = []
    problems: list[str] = []
    reader = csv.reader(io.StringIO(text))
    line = 0
    try:
        for record in reader:
            line = reader.line_num
            if progress and line % 500 == 0:
                progress(line, total)
            if not any(cell.strip() for cell in record):
                continue
            if line == 1 and record[0].strip().lower() == "card":
                continue  # the header
            if len(record) not in (3, 4):
                problems.append(f"line {line}: {len(record)} fields where card,date,hours[,employer] has 3 or 4")
                continue
            try:
                card = check_card(record[0])
                day = check_day(record[1].strip(), today)
                hours = check_hours(record[2])
                employer = check_text(record[3] if len(record) == 4 else "", "employer", required=False, limit=100)
            except HallError as error:
                problems.append(f"line {line}: {str(error).rstrip('.')}")
                continue
            if card not in known_cards:
                problems.append(f"line {line}: no member has card {card}")
                continue
            rows.append(HoursRow(line, card, day, hours, employer))
    except csv.Error as error:
        problems.append(f"line {line + 1}: {error}")
    if progress:
        progress(total, total)
    return rows, problems


@allowed(STAFF, doing="import hours from payroll")
def import_hours(store, path: str | Path, *, actor: Actor,
                 progress: Callable[[int, int], None] | None = None) -> Receipt:
    """Import hours from an employer's payroll (CSV ``card,date,hours[,employer]``): the whole file is
    checked before the write lock is taken, then every row is recorded, or none."""
    store.authorize(actor)  # who may import, asked before the file is read
    path = Path(path)
    text = files.read_text(path, "CSV file", advice=": save it as CSV UTF-8 and try again")
    with store.reading() as read:
        cards = {row[0] for row in read.db.execute("SELECT card FROM members")}
        rows, problems = read_hours_csv(text, read.today, cards, progress)
    if problems:
        shown = "; ".join(problems[:20])
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        raise HallError(f"Nothing was imported: {shown}{more}.")
    if not rows:
        raise HallError(f"{path.name} has no hours to import.")
    with store.write(actor) as tx:
        now = audit.iso(tx.now)
        tx.insert_many("member_hours", (
            {"card": r.card, "day": r.day.isoformat(), "hours": r.hours, "employer": r.employer, "category": "",
             "kind": HOURS_WORKED, "source": "import", "recorded_at": now, "recorded_by": tx.actor}
            for r in rows))
        total = sum(r.hours for r in rows)
        entry = tx.record("hours.imported", "hours", {
            "file": path.name, "rows": len(rows), "hours": total, "members": len({r.card for r in rows}),
        })
        return Receipt.of(entry, f"Imported {len(rows)} hours rows ({total:g} hours, "
                                 f"{len({r.card for r in rows})} members) from {path.name}.")


def migrate_registration_hours(db, now: datetime) -> None:
    """(Migration m006) Copy the hours an older database kept per registration to the member's records,
    through the log (an ``hours.migrated`` entry, actor ``system``); the old rows stay as they were."""
    from hall.store import Tx, parse_rules_row, rules_row_in_force

    row = rules_row_in_force(db, now)
    rules = parse_rules_row(row[1]) if row else None
    tx = Tx(db, now, "system", rules, row[0] if row else None)
    copied = 0
    for reg_id, at, hours, kind, card in db.execute(
        "SELECT h.registration_id, h.at, h.hours, h.kind, r.card FROM hours h"
        " JOIN registrations r ON r.id = h.registration_id ORDER BY h.id"
    ).fetchall():
        moment = load.parse_time(at)
        day = calendar.local_date(moment, rules) if rules else moment.date()
        tx.insert("member_hours", {
            "card": card, "day": day.isoformat(), "hours": hours, "employer": "", "category": "", "kind": kind,
            "source": "migrated", "recorded_at": at, "recorded_by": "system",
        })
        copied += 1
    tx.record("hours.migrated", "hours", {"rows": copied})
