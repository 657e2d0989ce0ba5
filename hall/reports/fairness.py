"""Fairness, visible: out-of-order referrals (must be 0), name-request shares, short-call
repeats, days waited, turndown and rejection rates, and self-identification in aggregate."""

from __future__ import annotations

import json
import math
import statistics

from dispatch import calendar
from hall import load
from hall.operations.identification import RACES, SEXES
from hall.reports.common import BASIS_WORDS, Ctx, need_date, percent
from hall.reports.model import Report, Section
from hall.reports.records import _corrections, name_request_shares

SMALL = 5


def suppressed(count: int) -> int | str:
    """A self-identification count as shown: any group under 5 is "<5"."""
    return "<5" if count < SMALL else count


def out_of_order(ctx: Ctx, start: str) -> tuple[Section, int]:
    """Recheck every accepted offer's ranking snapshot: everyone above must be ineligible or have an outcome."""
    section = Section("Referrals out of strict order", [
        "receipt", "when", "call", "card", "name", "book", "position", "basis", "passed over without an outcome",
    ])
    checked = 0
    for seq, at, data in ctx.db.execute(
        "SELECT seq, at, data FROM audit WHERE action = 'offer.recorded' AND at >= ?"
        " AND json_extract(data, '$.outcome') = 'accepted' ORDER BY seq", [start]
    ):
        data = json.loads(data)
        checked += 1
        card = data.get("card")
        skipped = [
            c for c in data.get("snapshot", [])
            if c.get("card") != card and c.get("eligible") and not c.get("outcome")
        ]
        if skipped:
            shown = "; ".join(f"{c.get('name', '')} ({c.get('card')}, {c.get('book')} position {c.get('position')})"
                              for c in skipped)
            name = next((c.get("name", "") for c in data.get("snapshot", []) if c.get("card") == card), "")
            section.rows.append([seq, ctx.t(at), data.get("call"), card, name, data.get("book"),
                                 data.get("position"), BASIS_WORDS.get(data.get("basis"), data.get("basis")), shown])
    count = len(section.rows)
    if count == 0:
        section.notes.append(f"0: all {checked} referrals since then followed the list "
                             "(everyone above each was passed over for a recorded reason or had an outcome).")
    else:
        section.notes.append(f"{count} of {checked} referrals were made out of strict order: each is listed in full.")
    return section, count


def unrecorded_referrals(ctx: Ctx, start: str) -> Section:
    """Referrals on the list or by name that have no offer entry with a ranking snapshot in the log."""
    section = Section("Referrals with no ranking in the audit log", ["referred", "call", "card", "name", "basis"])
    for at, call_id, card, name, basis in ctx.db.execute(
        "SELECT r.at, r.call_id, r.card, m.name, r.basis FROM referrals r JOIN members m ON m.card = r.card"
        " WHERE r.at >= ? AND r.basis != 'remedy' AND NOT EXISTS (SELECT 1 FROM audit a"
        "  WHERE a.seq = r.audit_seq AND a.action = 'offer.recorded'"
        "  AND json_extract(a.data, '$.card') = r.card AND json_extract(a.data, '$.call') = r.call_id)"
        " ORDER BY r.at, r.id", [start]
    ):
        section.rows.append([ctx.t(at), call_id, card, name, BASIS_WORDS.get(basis, basis)])
    section.notes.append("Must be empty: every referral's offer carries its ranking snapshot.")
    return section


def remedies(ctx: Ctx, start: str) -> Section:
    section = Section("Referrals granted as remedies", ["referred", "call", "card", "name", "authority", "reason"])
    for at, call_id, card, name, authority, reason in ctx.db.execute(
        "SELECT r.at, r.call_id, r.card, m.name, c.authority, c.reason FROM referrals r"
        " JOIN members m ON m.card = r.card LEFT JOIN corrections c ON c.kind = 'remedy'"
        "  AND c.call_id = r.call_id AND c.card = r.card"
        " WHERE r.basis = 'remedy' AND r.at >= ? ORDER BY r.at, r.id", [start]
    ):
        section.rows.append([ctx.t(at), call_id, card, name, authority or "", reason or ""])
    return section


def short_call_repeats(ctx: Ctx, start: str) -> Section:
    section = Section("Short-call repeats by member", ["card", "name", "short calls", "employers"])
    for card, name, count, employers in ctx.db.execute(
        "SELECT r.card, m.name, count(*), group_concat(DISTINCT e.name) FROM referrals r"
        " JOIN members m ON m.card = r.card JOIN employers e ON e.id = r.employer_id"
        " WHERE r.short_call = 1 AND r.at >= ? GROUP BY r.card HAVING count(*) >= 2"
        " ORDER BY count(*) DESC, r.card", [start]
    ):
        section.rows.append([card, name, count, (employers or "").replace(",", ", ")])
    section.notes.append("Members referred to two or more short calls in the period.")
    return section


def percentile(values: list[int], share: float) -> int:
    """Nearest-rank percentile (the value at rank ceil(share x n))."""
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def days_waited(ctx: Ctx, start: str) -> tuple[Section, dict[str, list[int]]]:
    section = Section("Days waited before referral", ["book", "referrals", "median days", "90th percentile",
                                                      "longest"])
    per: dict[str, list[int]] = {}
    for book, at, registered in ctx.db.execute(
        "SELECT o.book_id, r.at, g.registered_at FROM referrals r JOIN offers o ON o.id = r.offer_id"
        " JOIN registrations g ON g.id = o.registration_id WHERE r.at >= ? ORDER BY r.at", [start]
    ):
        waited = (calendar.local_date(load.parse_time(at), ctx.rules)
                  - calendar.local_date(load.parse_time(registered), ctx.rules)).days
        per.setdefault(book or "?", []).append(max(waited, 0))
    order = [b.id for b in ctx.rules.books] + sorted(set(per) - {b.id for b in ctx.rules.books})
    for book in order:
        values = per.get(book)
        if not values:
            continue
        median = statistics.median(values)
        section.rows.append([book, len(values), median if median % 1 else int(median),
                             percentile(values, 0.9), max(values)])
    section.notes.append("Calendar days from the registration's place on the book (kept through short calls) "
                         "to the referral; 90th percentile by nearest rank.")
    return section, {b: per[b] for b in order if b in per}


def outcome_rates(ctx: Ctx, start: str) -> Section:
    section = Section("Turndowns and employer rejections", [
        "book", "offers", "accepted", "declined", "no answer", "employer rejected", "turndowns counted",
        "turndown rate", "employer-rejection rate",
    ])
    per: dict[str, dict[str, int]] = {}
    for book, outcome, turndown, count in ctx.db.execute(
        "SELECT book_id, outcome, turndown_counted, count(*) FROM offers WHERE at >= ?"
        " GROUP BY book_id, outcome, turndown_counted", [start]
    ):
        for key in (book or "?", "all"):
            counts = per.setdefault(key, {})
            counts[outcome] = counts.get(outcome, 0) + count
            counts["offers"] = counts.get("offers", 0) + count
            if turndown:
                counts["turndowns"] = counts.get("turndowns", 0) + count
    for key in [b.id for b in ctx.rules.books if b.id in per] + (["all"] if per else []):
        c = per[key]
        section.rows.append([key, c["offers"], c.get("accepted", 0), c.get("declined", 0), c.get("no_answer", 0),
                             c.get("employer_rejected", 0), c.get("turndowns", 0),
                             percent(c.get("turndowns", 0), c["offers"]),
                             percent(c.get("employer_rejected", 0), c["offers"])])
    return section


def staff_passovers(ctx: Ctx, start: str) -> Section:
    """Pass-overs staff entered (employer rejections, unavailability, bars), by who entered them."""
    section = Section("Pass-overs entered by staff", ["staff", "employer rejections", "unavailability", "employer bars"])
    per: dict[str, list[int]] = {}
    queries = (
        (0, "SELECT recorded_by, count(*) FROM offers WHERE outcome = 'employer_rejected' AND at >= ? GROUP BY 1"),
        (1, "SELECT created_by, count(*) FROM unavailability WHERE created_at >= ? GROUP BY 1"),
        (2, "SELECT created_by, count(*) FROM employer_bars WHERE created_at >= ? GROUP BY 1"),
    )
    for index, sql in queries:
        for who, count in ctx.db.execute(sql, [start]):
            per.setdefault(who, [0, 0, 0])[index] += count
    for who in sorted(per):
        section.rows.append([who, *per[who]])
    return section


def self_identification(ctx: Ctx, start: str) -> list[Section]:
    """Aggregate counts only; every group under 5 shows as "<5"."""
    answers = {card: (sex, race) for card, sex, race in
               ctx.db.execute("SELECT card, sex, race_ethnicity FROM self_identification")}
    members = [r[0] for r in ctx.db.execute("SELECT card FROM members")]
    referred = {r[0] for r in ctx.db.execute("SELECT DISTINCT card FROM referrals WHERE at >= ?", [start])}
    sections = []
    for title, labels, index in (("Self-identification: sex", SEXES, 0),
                                 ("Self-identification: race/ethnicity", RACES, 1)):
        counts = {key: [0, 0] for key in [*labels, None]}
        for card in members:
            answer = answers.get(card)
            key = answer[index] if answer else None
            counts.setdefault(key, [0, 0])
            counts[key][0] += 1
            counts[key][1] += int(card in referred)
        section = Section(title, ["group", "members", "referred in period"])
        for key, label in [*labels.items(), (None, "Not asked")]:
            section.rows.append([label, suppressed(counts[key][0]), suppressed(counts[key][1])])
        section.notes.append('Voluntary answers, kept apart from referral records; any group under 5 shows as "<5".')
        sections.append(section)
    return sections


def fairness(ctx: Ctx, since=None) -> Report:
    day = need_date(since, "--since date")
    start, _ = ctx.day_range(day)
    report = ctx.report("fairness", f"Fairness since {day:%d %b %Y}", since=day.isoformat())
    section, count = out_of_order(ctx, start)
    report.sections.append(section)
    report.sections.append(unrecorded_referrals(ctx, start))
    report.sections.append(remedies(ctx, start))
    report.sections.append(name_request_shares(ctx, start))
    report.sections.append(short_call_repeats(ctx, start))
    waited, charts = days_waited(ctx, start)
    report.sections.append(waited)
    report.charts = charts
    report.sections.append(outcome_rates(ctx, start))
    report.sections.append(staff_passovers(ctx, start))
    report.sections.append(_corrections(ctx, start, None, ctx.names()))
    report.sections.extend(self_identification(ctx, start))
    report.notes.append(f"Referrals out of strict order: {count}.")
    return report


def out_of_order_count(report: Report) -> int:
    return len(report.section("Referrals out of strict order").rows)
