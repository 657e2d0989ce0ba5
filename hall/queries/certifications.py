"""Certifications: the names the hall knows, and those expiring soon."""

from __future__ import annotations

from datetime import date, timedelta

from sqlite_utils import Database


def known_certifications(db: Database) -> list[str]:
    """Every certification name held by someone or asked for on a call."""
    names = {r[0] for r in db.execute("SELECT DISTINCT name FROM certifications")}
    names |= {r[0] for r in db.execute("SELECT DISTINCT cert FROM call_certs")}
    return sorted(names, key=str.casefold)


def certifications_expiring_top(db: Database, today: date, days: int = 30,
                                limit: int = 100) -> tuple[list[dict], int]:
    """``certifications_expiring(...)[:limit]`` and how many there are in all."""
    low = (today - timedelta(days=days)).isoformat()
    high = (today + timedelta(days=days)).isoformat()
    total = db.execute("SELECT count(*) FROM certifications c JOIN members m USING (card)"
                       " WHERE c.expires BETWEEN ? AND ?", [low, high]).fetchone()[0]
    return certifications_expiring(db, today, days, limit=limit), total


def certifications_expiring(db: Database, today: date, days: int = 30, *, limit: int = -1) -> list[dict]:
    """Certifications expiring within ``days`` (or expired in the last ``days``), soonest first."""
    low = (today - timedelta(days=days)).isoformat()
    high = (today + timedelta(days=days)).isoformat()
    return [
        {"card": r[0], "name": r[1], "cert": r[2], "expires": date.fromisoformat(r[3])}
        for r in db.execute(
            "SELECT c.card, m.name, c.name, c.expires FROM certifications c JOIN members m USING (card)"
            " WHERE c.expires BETWEEN ? AND ? ORDER BY c.expires, c.card LIMIT ?", [low, high, limit]
        )
    ]
