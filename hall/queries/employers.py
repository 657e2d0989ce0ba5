"""Employers and the no-referral requests (bars) in force."""

from __future__ import annotations

from datetime import date

from sqlite_utils import Database


def employers(db: Database) -> list[dict]:
    """Known employers (id, name, phone), by name."""
    return [
        {"id": r[0], "name": r[1], "phone": r[2]}
        for r in db.execute("SELECT id, name, phone FROM employers ORDER BY name COLLATE NOCASE")
    ]


def bars(db: Database, today: date) -> list[dict]:
    """Employers' no-referral requests still in force on ``today``: who, until when, why and who asked."""
    return [
        {"id": r[0], "employer": r[1], "card": r[2], "name": r[3], "until": date.fromisoformat(r[4]),
         "reason": r[5], "contact": r[6], "created_by": r[7]}
        for r in db.execute(
            "SELECT b.id, e.name, b.card, m.name, b.until, b.reason, b.contact, b.created_by"
            " FROM employer_bars b JOIN employers e ON e.id = b.employer_id JOIN members m ON m.card = b.card"
            " WHERE b.until >= ? ORDER BY e.name, b.until", [today.isoformat()]
        )
    ]
