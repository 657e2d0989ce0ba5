"""Rule changes adopted but not yet in force."""

from __future__ import annotations

import json
from datetime import datetime

from sqlite_utils import Database

from hall import audit, load


def upcoming_rules(db: Database, now: datetime) -> list[dict]:
    """Rule changes adopted but not yet in force: when, and what changes."""
    result = []
    for row in db.execute(
        "SELECT id, effective_at FROM rulesets WHERE effective_at > ? ORDER BY effective_at", [audit.iso(now)]
    ):
        entry = db.execute(
            "SELECT data FROM audit WHERE action = 'rules.changed' AND json_extract(data, '$.new_ruleset') = ?",
            [row[0]],
        ).fetchone()
        changes = json.loads(entry[0]).get("changes", []) if entry else []
        result.append({"id": row[0], "effective_at": load.parse_time(row[1]), "changes": changes})
    return result
