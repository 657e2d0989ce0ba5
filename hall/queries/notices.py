"""The outbox, read: what waits, what went today, what is failing (``hall.views.notices``)."""

from __future__ import annotations

from datetime import datetime

from dispatch import calendar
from dispatch.rules import RuleSet
from hall import audit
from hall.load import parse_time
from hall.views.notices import FailingNotice, OutboxSummary

FAILING = ("retrying", "unknown")


def outbox_summary(db, rules: RuleSet, now: datetime, *, limit: int = 5) -> OutboxSummary:
    """The outbox at ``now``: the newest ``limit`` failing notices, with how many there are."""
    not_taken = db.execute(
        "SELECT count(*) FROM outbox WHERE id > (SELECT coalesce(max(outbox_id), 0) FROM deliveries)").fetchone()[0]
    waiting = db.execute("SELECT count(*) FROM deliveries WHERE state IN ('waiting', 'sending')").fetchone()[0]
    start = audit.iso(calendar.start_of_day(calendar.local_date(now, rules), rules))
    sent = db.execute("SELECT count(*) FROM deliveries WHERE sent_at >= ?", [start]).fetchone()[0]
    failing_total = db.execute("SELECT count(*) FROM deliveries WHERE state IN (?, ?)", FAILING).fetchone()[0]
    rows = db.execute(
        "SELECT d.outbox_id, o.card, m.name, o.kind, coalesce(d.channel, m.notices), d.state, d.attempts,"
        " d.next_at, d.last_error"
        " FROM deliveries d JOIN outbox o ON o.id = d.outbox_id JOIN members m ON m.card = o.card"
        " WHERE d.state IN (?, ?) ORDER BY d.outbox_id DESC LIMIT ?", [*FAILING, limit]).fetchall()
    failing = tuple(FailingNotice(r[0], r[1], r[2], r[3], r[4], r[5], r[6],
                                  parse_time(r[7]) if r[5] == "retrying" else None, r[8]) for r in rows)
    return OutboxSummary(not_taken + waiting, sent, failing_total, failing)
