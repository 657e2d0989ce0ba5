"""The one place `hall` reads the time. Tests set it with freezegun or a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Callable

Clock = Callable[[], datetime]


def system_now() -> datetime:
    """The current moment, aware, in UTC, to the second."""
    return datetime.now(UTC).replace(microsecond=0)


def fixed(moment: datetime) -> Clock:
    """A clock that always says ``moment`` (for tests and the demo builder)."""
    moment = moment.astimezone(UTC).replace(microsecond=0)
    return lambda: moment
