"""How the member and counter screens write a member's standing: books, places, re-sign due,
turndowns, restorations, how the last signing came in, certifications. Warnings carry a word
or a sign as well as the colour."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

from hall.views.members import BookStanding, MemberCard
from screens.text import clean, short_date, short_day
from screens.widgets.booklist import resign_flag, turndown_text
from screens.widgets.dialogs import via_phrase

STATUS_WORDS = {"waiting": "waiting", "on_short_call": "on a short call", "dispatched": "dispatched"}


def standing_text(info: MemberCard, loud: Style | str = "bold reverse") -> Text:
    """'active', or the suspension in the loud style."""
    member = info.member
    if member.standing == "suspended":
        note = f": {clean(member.suspension_note)}" if member.suspension_note else ""
        return Text(f" SUSPENDED — referral suspended{note} ", style=loud)
    return Text("active")


def cert_text(info: MemberCard, warn: Style | str = "bold") -> Text:
    """Certifications with expiry; expired and expiring within 30 days marked with a word."""
    if not info.certs:
        return Text("none recorded", style="dim")
    text = Text()
    for i, cert in enumerate(info.certs):
        if i:
            text.append(" · ")
        text.append(clean(cert.name))
        if cert.expires is None:
            continue
        when = short_day(cert.expires, year=True)
        if cert.state == "expired":
            text.append(f" ! expired {when}", style=warn)
        elif cert.state == "expiring":
            text.append(f" ! expires {when}", style=warn)
        else:
            text.append(f" to {when}", style="dim")
    return text


def book_line(b: BookStanding, zone, warn: Style | str = "bold", *, wide: bool = True) -> Text:
    """'JW-1  waiting  position 2 of 42  registered Sun 1 Nov 08:00  re-sign by Tue 1 Dec ! re-sign due'."""
    text = Text()
    text.append(f"{b.book:<6}", style="bold")
    text.append(f"{STATUS_WORDS.get(b.status, b.status):<16}")
    if b.position is not None:
        text.append(f"position {b.position} of {b.of}".ljust(22), style="bold")
    elif b.status == "on_short_call" and b.short_call is not None:
        hold = b.short_call
        until = f" until {short_day(hold.until)}" if hold.until else ""
        text.append(f"place held: {clean(hold.employer)}{until}".ljust(22))
    else:
        text.append(" " * 22)
    if wide:
        text.append(f"registered {short_date(b.registered_at, zone)}  ")
    if b.resign_due is not None:
        flag = resign_flag(b.resign_state)
        text.append(f"re-sign by {short_day(b.resign_due)}", style=warn if flag else "")
        if flag:
            text.append(f" {flag}", style=warn)
    return text


def counts_line(info: MemberCard, b: BookStanding, warn: Style | str = "bold") -> Text:
    """'turndowns 1 of 3 · no short-call restorations used · signed by phone Thu 12 Nov'."""
    text = Text("      ")
    turns, at_limit = turndown_text(b.turndowns, info.turndown_limit)
    text.append(f"turndowns {turns}" if turns else "no turndowns", style=warn if at_limit else "")
    text.append(" · ")
    text.append(f"{b.restorations} of {info.max_restorations} short-call restorations used" if b.restorations
                else "no short-call restorations used")
    zone = info.rules.zone
    if b.signed_at is not None:
        how = via_phrase(b.signed_via)
        text.append(f" · last signed {short_date(b.signed_at, zone)}" + (f" {how}" if how else ""), style="dim")
    if b.clock_from is not None:
        why = f" ({clean(b.clock_event)})" if b.clock_event else ""
        text.append(f" · re-sign clock from {short_date(b.clock_from, zone)}{why}", style="dim")
    return text


def excused_lines(info: MemberCard) -> list[str]:
    """(v2) Each excused absence in force or ahead, for staff: "from Wed 18 Nov until Sun 20 Dec ·
    military leave: orders 26-114 (#3)" (members never see the kind or the evidence)."""
    kinds = {"union_business": "union business", "military": "military leave", "jury": "jury duty"}
    return [f"from {short_day(e.start)} until {short_day(e.until, year=True)} · "
            f"{kinds.get(e.kind, e.kind)}: {clean(e.evidence)} (#{e.id})" for e in info.excused]
