"""A report as plain data: a header that pins it (hall, produced at, rule set, audit head),
sections of columns and rows, and notes. Exporters and screens only read this."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

Cell = str | int | float | None


@dataclass
class Section:
    """One table of a report (``columns`` names, ``rows`` of plain cells) with notes under it."""

    title: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Optional free text shown instead of (or after) the table, e.g. a rule set's text.
    text: str = ""


@dataclass
class Report:
    """What every report holds: where and when it was produced, under which rules, at which audit head."""

    name: str
    title: str
    hall: str
    produced_at: datetime
    zone: Any
    ruleset_id: int | None
    head: tuple[int, str]
    params: dict[str, str] = field(default_factory=dict)
    sections: list[Section] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Values to draw as small histograms (e.g. days waited per book), title -> values.
    charts: dict[str, list[int]] = field(default_factory=dict)

    @property
    def produced_text(self) -> str:
        return self.produced_at.astimezone(self.zone).strftime("%a %d %b %Y %H:%M %Z")

    @property
    def head_text(self) -> str:
        seq, digest = self.head
        return f"#{seq} {digest}"

    def header_lines(self) -> list[str]:
        """The lines that pin a printed copy: hall, when, rule set, audit head, options."""
        lines = [
            f"{self.hall} · {self.title}",
            f"Produced {self.produced_text} · rule set #{self.ruleset_id} in force · audit head {self.head_text}",
        ]
        if self.params:
            lines.append("Options: " + ", ".join(f"{k} {v}" for k, v in self.params.items()))
        return lines

    def section(self, title: str) -> Section:
        """The section with this title (``KeyError`` if none)."""
        for section in self.sections:
            if section.title == title:
                return section
        raise KeyError(title)

    def as_dicts(self, title: str) -> list[dict[str, Cell]]:
        """A section's rows as dicts keyed by column name (for tests and JSON)."""
        section = self.section(title)
        return [dict(zip(section.columns, row)) for row in section.rows]


def cell_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def render_text(report: Report, width: int = 0) -> str:
    """A readable plain-text rendering (the CLI's default)."""
    out: list[str] = []
    out.extend(report.header_lines())
    out.append("")
    for section in report.sections:
        out.append(section.title.upper())
        if section.columns:
            cells = [[cell_text(v) for v in row] for row in section.rows]
            widths = [len(c) for c in section.columns]
            for row in cells:
                for i, value in enumerate(row):
                    widths[i] = min(max(widths[i], len(value)), 48)
            out.append("  " + "  ".join(c.ljust(widths[i]) for i, c in enumerate(section.columns)).rstrip())
            out.append("  " + "  ".join("-" * w for w in widths))
            for row in cells:
                out.append("  " + "  ".join(_fit(v, widths[i]) for i, v in enumerate(row)).rstrip())
            if not section.rows:
                out.append("  (none)")
        if section.text:
            out.extend("  " + line for line in section.text.splitlines())
        out.extend(f"  {note}" for note in section.notes)
        out.append("")
    out.extend(report.notes)
    return "\n".join(out).rstrip() + "\n"


def _fit(value: str, width: int) -> str:
    if len(value) > width:
        return value[: width - 1] + "…"
    return value.ljust(width)
