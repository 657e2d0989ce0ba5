"""Formatting the screens share: text from the records shown literally, cut to a width, dates in
the hall's short words ("Fri 27 Nov 07:00", "Tue 1 Dec"), reasons rendered with short dates, and
rich styles in the theme's colours for text built in code."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from rich.style import Style
from rich.text import Text
from textual.color import Color, ColorParseError

from dispatch.model import Reason
from dispatch.reasons import render

# an ISO date in a sentence, but not one quoted as an example of what to type ("2026-12-01 07:00")
_ISO_DAY = re.compile(r"(?<![\"'\w-])(\d{4})-(\d{2})-(\d{2})\b(?![T:\d-])")


def clean(text: Any) -> str:
    """A plain string from the records with control characters replaced (for cells and labels)."""
    return "".join(ch if ch.isprintable() else "\ufffd" for ch in str(text if text is not None else ""))


def safe(text: Any) -> Text:
    """Text from the records, shown literally: no markup, no terminal control codes."""
    return Text(clean(text))


def clean_block(text: str) -> str:
    """Several lines from the records, each cleaned (new lines kept)."""
    return "\n".join(clean(line) for line in str(text or "").splitlines())


def fit(text: str, width: int) -> str:
    """Text cut to ``width`` with an ellipsis when it is longer (a silent cut can read as another name)."""
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def fit_columns(titles: list[str], natural: list[int], room: int, gives_way: tuple[str, ...] = ()) -> dict[int, int]:
    """Which columns to show, and how wide, in ``room`` cells: the columns named in ``gives_way``
    leave first (in that order) while the natural widths do not fit; then the widest are cut."""
    shown = list(range(len(titles)))
    for name in gives_way:
        if sum(natural[i] + 2 for i in shown) <= room:
            break
        shown = [i for i in shown if titles[i] != name] or shown
    widths = fit_widths([natural[i] for i in shown], room)
    return dict(zip(shown, widths))


def fit_widths(natural: list[int], room: int, floor: int = 4) -> list[int]:
    """Column widths that fit ``room`` cells (each column also takes 2 for its padding): the
    widest column is cut first, a cell at a time, none below ``floor`` (or its natural width)."""
    widths = list(natural)
    while sum(widths) + 2 * len(widths) > room:
        widest = max(range(len(widths)), key=lambda i: widths[i])
        if widths[widest] <= floor:
            break
        widths[widest] -= 1
    return widths


def short_day(day: date | None, *, year: bool = False) -> str:
    """'Tue 1 Dec' (with the year: 'Tue 1 Dec 2026')."""
    if day is None:
        return ""
    return f"{day:%a} {day.day} {day:%b}" + (f" {day.year}" if year else "")


def short_date(moment: datetime | None, zone) -> str:
    """'Fri 27 Nov 07:00' in the hall's zone."""
    if moment is None:
        return ""
    local = moment.astimezone(zone)
    return f"{short_day(local.date())} {local:%H:%M}"


def hour(moment: datetime | None, zone) -> str:
    """'07:30' in the hall's zone."""
    return "" if moment is None else f"{moment.astimezone(zone):%H:%M}"


def short_dates(sentence: str, today: date | None = None) -> str:
    """A sentence from the records with its ISO dates ("2026-12-01") in the short words
    ("Tue 1 Dec"); a date in another year than ``today`` keeps its year."""

    def word(match: re.Match) -> str:
        try:
            day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            return match.group(0)
        return short_day(day, year=today is not None and day.year != today.year)

    return _ISO_DAY.sub(word, clean_block(sentence))


def reason_text(reason: Reason, today: date | None = None) -> str:
    """A reason's sentence (the rules' wording) with its dates in the short words."""
    params = tuple((key, short_dates(value, today) if isinstance(value, str) else value)
                   for key, value in reason.params)
    return clean(render(Reason(reason.code, params)))


def reasons_text(reasons, today: date | None = None) -> str:
    """Several reasons as one clause, joined with semicolons (as ``dispatch.reasons.render_all``)."""
    return "; ".join(reason_text(r, today) for r in reasons)


def theme_style(app, name: str = "warning", *, bold: bool = True, reverse: bool = False) -> Style:
    """A rich style in one of the theme's colours (for Text built in code; the .tcss uses $names)."""
    value = app.theme_variables.get(name) or app.get_css_variables().get(name) or ""
    try:
        colour = Color.parse(value).rich_color
    except ColorParseError:  # not a plain colour ("auto 60%"): the text's own colour, still bold
        colour = None
    return Style(color=colour, bold=bold, reverse=reverse)
