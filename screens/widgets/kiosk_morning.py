"""(v2) The morning dispatch at the member kiosk: the job board (each posted call, with the
member's choice number on the calls they bid on), their bids, the day book, and after the
selection what they were awarded or why not, with the bidders ahead of them (name, card
and place only: nothing else about another member).

The lines are built here from ``hall.views.jobboard.MemberMorning``; the keys (F4 bid, F5
withdraw, F6 sign in) and the writes, through the self-service operations, are the kiosk's.
"""

from __future__ import annotations

from datetime import date

from rich.padding import Padding
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from dispatch import calendar
from dispatch.rules import RuleSet
from hall.views.jobboard import MemberMorning, MemberResult, bids_close_text
from hall.views.kiosk import ordinal
from screens.text import clean, short_dates

MUTED = "dim"


def _line(text: str | Text, *classes: str) -> Static:
    return Static(text if isinstance(text, Text) else Text(text), classes=" ".join(classes) or None)


def grid(*widths: int | None) -> Table:
    """Columns without borders: fixed widths cut with an ellipsis, ``None`` the rest, folded."""
    table = Table.grid(padding=(0, 1))
    for width in widths:
        if width is None:
            table.add_column(ratio=1, overflow="fold")
        else:
            table.add_column(no_wrap=True, width=width, overflow="ellipsis")
    return table


def _daybook_lines(m: MemberMorning, rules: RuleSet, today: date) -> list[Static]:
    lines = [_line(""), _line("Day book", "section-title")]
    for day, seq in m.signed_in:
        receipt = f" (receipt #{seq})" if seq else ""
        lines.append(_line(f"  You are signed in for {calendar.day_text(day, today)}{receipt}."))
    if m.signed_in_for(m.signin_day) is False:
        deadline = f"{rules.daybook.deadline:%H:%M}"
        if m.signin_day == today:
            lines.append(_line(f"  ! Not signed in for today: press F6 to sign in before {deadline} "
                               "to be referred today.", "warning"))
        else:
            lines.append(_line(f"    F6 signs you in for {calendar.day_text(m.signin_day, today)} "
                               f"(after {deadline} a sign-in counts for the next business day)."))
    return lines


def _board_lines(m: MemberMorning, rules: RuleSet, today: date, width: int) -> list[Static]:
    board = m.board
    lines = [_line(""), _line("Job board", "section-title"), _line(f"  {bids_close_text(board, rules)}")]
    if not board.calls:
        lines.append(_line("  No calls are posted for bids right now.", "muted"))
        return lines
    wide = width >= 90
    employer = 24 if width >= 110 else 16 if wide else 12
    calls = grid(4, employer, 6, 17, 5, *([8] if wide else []), None)
    for c in board.calls:
        length = f"{c.hours:g} h" if c.hours else f"{c.days} d"
        choice = m.choice_on(c.id)
        notes = [f"your choice {choice}" if choice else "",
                 "short" if c.short else "", "declines don't count" if c.no_turndown else "",
                 ", ".join(map(clean, c.certs)), f"{c.bids} bid{'s' if c.bids != 1 else ''}"]
        row = [f"#{c.id}", clean(c.employer), f"{c.classification} ×{c.openings}",
               calendar.moment_text(c.start, rules, today), length, *([clean(c.wage) or "—"] if wide else []),
               " · ".join(n for n in notes if n)]
        calls.add_row(*(Text(x, style="bold" if choice else "") for x in row))
    lines.append(Static(Padding(calls, (0, 0, 0, 2))))
    lines.append(_line(f"  F4 bid on a call (up to {rules.bidding.max_bids}) · F5 withdraw a bid", "muted"))
    return lines


def _bids_lines(m: MemberMorning, rules: RuleSet, today: date) -> list[Static]:
    lines = [_line(""), _line("Your bids", "section-title")]
    if not m.bids:
        lines.append(_line("  You have no bids on posted calls.", "muted"))
        return lines
    table = grid(9, 4, None)
    for b in m.bids:
        table.add_row(f"choice {b.choice}", f"#{b.call_id}",
                     f"{clean(b.employer)} · starts {calendar.moment_text(b.start, rules, today)}")
    lines.append(Static(Padding(table, (0, 0, 0, 2))))
    return lines


def result_text(r: MemberResult, today: date | None = None) -> str:
    """One call of the selection for the member: "awarded (your choice 1)", or why not and who was
    ahead of them: "call #40 was full when reached · ahead of you: 1st Ben Baker (102), awarded"."""
    if r.awarded:
        return f"awarded, your choice {r.choice}"
    text = short_dates(clean(r.text), today)
    if r.ahead:
        ahead = ", ".join(f"{ordinal(a.order) + ' ' if a.order else ''}{clean(a.name)} ({clean(a.card)})"
                          f"{' awarded' if a.awarded else ''}" for a in r.ahead)
        text += f" · ahead of you: {ahead}"
    return text


def _results_lines(m: MemberMorning, rules: RuleSet, today: date, width: int) -> list[Static]:
    if m.results_at is None:
        return []
    lines = [_line(""), _line(f"The selection of {calendar.moment_text(m.results_at, rules, today)}",
                              "section-title")]
    if not m.results:
        lines.append(_line("  You had no bids on its calls.", "muted"))
        return lines
    table = grid(9, 4, 16 if width >= 90 else 12, None)
    for r in m.results:
        choice = f"choice {r.choice}" if r.choice else "requested"
        table.add_row(choice, f"#{r.call_id}", clean(r.employer),
                     Text(result_text(r, today), style="bold" if r.awarded else ""))
    lines.append(Static(Padding(table, (0, 0, 0, 2))))
    return lines


def morning_lines(m: MemberMorning, rules: RuleSet, width: int) -> list[Static]:
    """The kiosk's morning-dispatch sections for one member, in the order a member reads them:
    the day book, what the last selection did for them, their bids, the job board."""
    today = calendar.local_date(m.board.now, rules)
    lines: list[Static] = []
    if m.daybook:
        lines += _daybook_lines(m, rules, today)
    if rules.bidding.enabled:
        lines += _results_lines(m, rules, today, width)
        lines += _bids_lines(m, rules, today)
        lines += _board_lines(m, rules, today, width)
    return lines
