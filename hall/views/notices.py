"""The outbox as the board and ``hall notify status`` show it: how many notices wait, how many
went today, and those failing, each with its error."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class FailingNotice:
    """A notice that failed and waits to be tried again (``retrying``), or that may have gone
    when a run stopped mid-send and waits for staff (``unknown``)."""

    id: int
    card: str
    name: str
    kind: str
    channel: str
    state: str
    attempts: int
    next_at: datetime | None
    error: str


@dataclass(frozen=True, slots=True)
class OutboxSummary:
    """Waiting (queued, held for quiet hours or settings, being sent), sent today, failing."""

    waiting: int
    sent_today: int
    failing_total: int
    failing: tuple[FailingNotice, ...]

    @property
    def empty(self) -> bool:
        """Nothing to show: no notice waiting, sent today or failing."""
        return not (self.waiting or self.sent_today or self.failing_total)

    def line(self) -> str:
        """"Notices: 3 waiting · 12 sent today · 1 failing"."""
        return (f"Notices: {self.waiting} waiting · {self.sent_today} sent today · "
                f"{self.failing_total} failing")
