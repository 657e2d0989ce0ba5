"""What screens, the CLI and reports read, by subject: plain data, no writes.

``books`` (the out-of-work lists: order, pages, counts, search, history), ``members``,
``resign`` (re-signs due), ``certifications``, ``calls``, ``employers``, ``rules``.
Reads exclude registrations whose re-sign deadline has passed even before the removal
is recorded, so no list ever shows a lapsed registration.
"""

from __future__ import annotations


def escape_like(text: str) -> str:
    """``text`` for a ``LIKE ... ESCAPE '\\'`` pattern: its own ``%``, ``_`` and ``\\`` match literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
