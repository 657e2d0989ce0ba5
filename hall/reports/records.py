"""The hall's everyday reports: day book, wall list, re-sign due, dropped, open calls,
employment, unemployed counts, name requests and a member's history."""

from __future__ import annotations

import json

from dispatch import calendar
from dispatch.model import REMOVED_RESIGN, REMOVED_SHORT_CALL_LIMIT
from hall import asof, audit, load
from hall.queries.books import book_counts, book_list
from hall.queries.calls import calls
from hall.queries.members import member_history
from hall.queries.resign import resign_due_soon
from hall.reports.common import (
    BASIS_WORDS,
    Ctx,
    need_book,
    need_card,
    need_date,
    need_days,
    outcome_words,
    percent,
)
from hall.reports.model import Report, Section


def daybook(ctx: Ctx, date=None) -> Report:
    """Every offer and referral of a local day in order, then what followed; ends with the day's last audit entry."""
    day = need_date(date, "date of the day book")
    start, end = ctx.day_range(day)
    report = ctx.report("daybook", f"Day book for {day:%A %d %B %Y}", date=day.isoformat())
    offers = Section("Offers and referrals", [
        "time", "receipt", "call", "employer", "card", "name", "book", "position", "basis", "outcome",
        "turndown", "recorded by", "note",
    ])
    for row in ctx.db.execute(
        "SELECT o.at, o.audit_seq, o.call_id, e.name, o.card, m.name, o.book_id, o.position, o.named,"
        " o.outcome, o.turndown_counted, o.recorded_by, o.note, o.superseded_by, r.basis"
        " FROM offers o JOIN calls c ON c.id = o.call_id JOIN employers e ON e.id = c.employer_id"
        " JOIN members m ON m.card = o.card LEFT JOIN referrals r ON r.offer_id = o.id"
        " WHERE o.at >= ? AND o.at < ? ORDER BY o.at, o.id", [start, end]
    ):
        (at, seq, call_id, employer, card, name, book, position, named, outcome, turndown, by, note,
         superseded, basis) = row
        basis = basis or ("name_request" if named else "list_order")
        shown = outcome_words(outcome)
        if outcome == "accepted":
            shown = "accepted: referred"
        if superseded:
            shown += f" (set aside by correction {superseded})"
        offers.rows.append([ctx.t(at), seq, call_id, employer, card, name, book, position,
                            BASIS_WORDS.get(basis, basis), shown, "yes" if turndown else "", by, note])
    referred = sum(1 for r in offers.rows if str(r[9]).startswith("accepted"))
    offers.notes.append(f"{len(offers.rows)} offers, {referred} referrals.")
    report.sections.append(offers)

    after = Section("After referral", ["time", "receipt", "call", "card", "name", "what happened", "note",
                                       "recorded by"])
    names = ctx.names()
    for seq, at, actor, action, data in ctx.db.execute(
        "SELECT seq, at, actor, action, data FROM audit WHERE action LIKE 'referral.%' AND at >= ? AND at < ?"
        " ORDER BY seq", [start, end]
    ):
        data = json.loads(data)
        after.rows.append([ctx.t(at), seq, data.get("call"), data.get("card"), names.get(data.get("card"), ""),
                           outcome_words(action.partition(".")[2]), data.get("note", ""), actor])
    for at, seq, call_id, card, reason, days, by in ctx.db.execute(
        "SELECT j.at, j.audit_seq, r.call_id, j.card, j.reason, j.days_worked, j.recorded_by FROM job_ends j"
        " JOIN referrals r ON r.id = j.referral_id WHERE j.at >= ? AND j.at < ? ORDER BY j.at, j.id",
        [start, end],
    ):
        after.rows.append([ctx.t(at), seq, call_id, card, names.get(card, ""),
                           f"job ended: {outcome_words(reason)} after {days} days", "", by])
    after.rows.sort(key=lambda r: (r[0], r[1] or 0))
    report.sections.append(after)

    report.sections.append(_corrections(ctx, start, end, names))

    last = ctx.db.execute("SELECT seq, hash FROM audit WHERE at < ? ORDER BY seq DESC LIMIT 1", [end]).fetchone()
    closing = Section("Closing", ["last audit entry of the day", "hash"])
    if last:
        closing.rows.append([last[0], last[1]])
        closing.notes.append(f"This copy pins the log: entry #{last[0]} has hash {last[1]}.")
        if end > audit.iso(ctx.now):
            closing.notes.append("The day is not over: this is the day book so far.")
    report.sections.append(closing)
    return report


def _corrections(ctx: Ctx, start: str, end: str | None, names: dict[str, str], card: str | None = None) -> Section:
    section = Section("Corrections", ["time", "receipt", "kind", "call", "card", "name", "authority", "reason",
                                      "recorded by"])
    sql = ("SELECT at, audit_seq, kind, call_id, card, authority, reason, recorded_by FROM corrections"
           " WHERE at >= ?")
    params: list = [start]
    if end:
        sql += " AND at < ?"
        params.append(end)
    if card:
        sql += " AND card = ?"
        params.append(card)
    kinds = {"outcome": "outcome set aside", "restore": "place restored", "remedy": "remedy referral"}
    for at, seq, kind, call_id, c, authority, reason, by in ctx.db.execute(sql + " ORDER BY at, id", params):
        section.rows.append([ctx.t(at), seq, kinds.get(kind, kind), call_id, c, names.get(c, ""), authority,
                             reason, by])
    return section


def wall_list(ctx: Ctx, book=None) -> Report:
    """The out-of-work list for posting: names and positions only."""
    found = need_book(ctx, book)
    books = [found] if found else list(ctx.rules.books)
    report = ctx.report("list", "Out-of-work list", book=found.id if found else "all")
    for b in books:
        rows = book_list(ctx.db, b.id, ctx.rules, ctx.now)
        section = Section(f"{b.id} {b.name}", ["position", "name"], [[r.position, r.name] for r in rows])
        section.notes.append(f"{len(rows)} waiting.")
        report.sections.append(section)
    return report


def resign_due(ctx: Ctx, days=None) -> Report:
    days = need_days(days)
    report = ctx.report("resign-due", f"Re-sign due within {days} days", days=days)
    rows = resign_due_soon(ctx.db, ctx.rules, ctx.now, days=days)
    report.sections.append(Section("Re-sign due", ["due", "card", "name", "book", "state"], [
        [r["due"].isoformat(), r["card"], r["name"], r["book"],
         {"overdue": "overdue", "due_soon": "due soon"}.get(r["state"], "")] for r in rows
    ], notes=[f"{len(rows)} registrations."]))
    return report


def dropped_kind(reason: str) -> str | None:
    if reason == REMOVED_RESIGN:
        return "re-sign"
    if reason.startswith("rolled off"):
        return "turndowns"
    if reason == REMOVED_SHORT_CALL_LIMIT:
        return "short-call limit"
    return None


def dropped(ctx: Ctx, since=None) -> Report:
    """Registrations removed since a date: failed to re-sign, turndowns, short-call limit."""
    day = need_date(since, "--since date")
    start, _ = ctx.day_range(day)
    report = ctx.report("dropped", f"Dropped from the books since {day:%d %b %Y}", since=day.isoformat())
    section = Section("Dropped", ["removed", "card", "name", "book", "why", "detail", "registered"])
    counts = {"re-sign": 0, "turndowns": 0, "short-call limit": 0}
    for removed_at, card, name, book, reason, registered in ctx.db.execute(
        "SELECT r.removed_at, r.card, m.name, r.book_id, r.removed_reason, r.registered_at FROM registrations r"
        " JOIN members m ON m.card = r.card WHERE r.status = 'removed' AND r.removed_at >= ?"
        " ORDER BY r.removed_at, r.id", [start]
    ):
        kind = dropped_kind(reason or "")
        if kind is None:
            continue
        counts[kind] += 1
        section.rows.append([ctx.t(removed_at), card, name, book, kind, reason, ctx.t(registered)])
    # Lapsed registrations whose removal is not recorded yet are already off the list.
    cutoff = audit.iso(calendar.lapse_cutoff(ctx.rules, ctx.now))
    for row in ctx.db.execute(
        f"SELECT {load.REGISTRATION_COLUMNS}, m.name FROM registrations r JOIN members m USING (card)"
        " WHERE r.status = 'waiting' AND r.last_signed_at < ? ORDER BY r.id", [cutoff]
    ).fetchall():
        reg = load.registration_from_row(row[:12])
        moment = calendar.removal_at(reg, ctx.rules)
        if audit.iso(moment) >= start:
            counts["re-sign"] += 1
            section.rows.append([ctx.t(moment), reg.card, row[12], reg.book_id, "re-sign", REMOVED_RESIGN,
                                 ctx.t(reg.registered_at)])
    section.rows.sort(key=lambda r: (r[0], r[1]))
    report.sections.append(section)
    report.sections.append(Section("Counts", ["why", "count"], [[k, v] for k, v in counts.items()]))
    return report


def open_calls(ctx: Ctx) -> Report:
    report = ctx.report("open-calls", "Open calls")
    rows = calls(ctx.db, open_only=True, rules=ctx.rules)
    report.sections.append(Section("Open calls", [
        "call", "employer", "class", "workers", "referred", "start", "days", "site", "taken by", "taken at",
        "declines don't count",
    ], [[c["id"], c["employer"], c["class"], c["workers"], c["accepted"], ctx.t(c["start"]), c["days"],
         c["site"], c["taken_by"], ctx.t(c["taken_at"]), c["no_turndown"] or ""] for c in reversed(rows)]))
    return report


def employment(ctx: Ctx) -> Report:
    """Who is working now, by employer (open referrals)."""
    report = ctx.report("employment", "Current employment by employer")
    detail = Section("Working now", ["employer", "card", "name", "call", "referred", "basis", "short call"])
    per: dict[str, list[int]] = {}
    for employer, card, name, call_id, at, basis, short in ctx.db.execute(
        "SELECT e.name, r.card, m.name, r.call_id, r.at, r.basis, r.short_call FROM referrals r"
        " JOIN employers e ON e.id = r.employer_id JOIN members m ON m.card = r.card"
        " WHERE r.status = 'active' ORDER BY e.name COLLATE NOCASE, r.at, r.id"
    ):
        detail.rows.append([employer, card, name, call_id, ctx.t(at), BASIS_WORDS.get(basis, basis),
                            "yes" if short else ""])
        counts = per.setdefault(employer, [0, 0])
        counts[0] += 1
        counts[1] += int(bool(short))
    summary = Section("By employer", ["employer", "working", "on short calls"],
                      [[e, c[0], c[1]] for e, c in per.items()])
    summary.notes.append(f"{sum(c[0] for c in per.values())} working in all.")
    report.sections += [summary, detail]
    return report


def unemployed(ctx: Ctx) -> Report:
    report = ctx.report("unemployed", "Unemployed counts by book")
    waiting = book_counts(ctx.db, ctx.rules, ctx.now)
    short = dict(ctx.db.execute(
        "SELECT book_id, count(*) FROM registrations WHERE status = 'on_short_call' GROUP BY book_id").fetchall())
    distinct = ctx.db.execute(
        "SELECT count(DISTINCT card) FROM registrations WHERE status = 'waiting'").fetchone()[0]
    section = Section("Books", ["book", "name", "class", "waiting", "on short call"])
    for b in ctx.rules.books:
        section.rows.append([b.id, b.name, b.classification, waiting.get(b.id, 0), short.get(b.id, 0)])
    section.rows.append(["all", "", "", sum(waiting.values()), sum(short.values())])
    section.notes.append(f"{distinct} members are out of work (a member on several books counts once).")
    report.sections.append(section)
    return report


def name_request_shares(ctx: Ctx, start: str) -> Section:
    section = Section("Name-request share by employer", ["employer", "referrals", "by name", "share"])
    for employer, total, named in ctx.db.execute(
        "SELECT e.name, count(*), sum(r.basis = 'name_request') FROM referrals r"
        " JOIN employers e ON e.id = r.employer_id WHERE r.at >= ? GROUP BY e.id ORDER BY e.name COLLATE NOCASE",
        [start],
    ):
        section.rows.append([employer, total, named or 0, percent(named or 0, total)])
    section.notes.append(f"Limit: {ctx.rules.name_requests.max_share} of an employer's referrals over "
                         f"{ctx.rules.name_requests.window_days} days (referrals later reversed included).")
    return section


def name_requests(ctx: Ctx, since=None) -> Report:
    day = need_date(since, "--since date")
    start, _ = ctx.day_range(day)
    report = ctx.report("name-requests", f"Name requests since {day:%d %b %Y}", since=day.isoformat())
    report.sections.append(name_request_shares(ctx, start))
    reasons = Section("Referrals by name, with reasons", ["referred", "employer", "call", "card", "name", "reason"])
    for at, employer, call_id, card, name, reason in ctx.db.execute(
        "SELECT r.at, e.name, r.call_id, r.card, m.name, n.reason FROM referrals r"
        " JOIN employers e ON e.id = r.employer_id JOIN members m ON m.card = r.card"
        " LEFT JOIN name_requests n ON n.call_id = r.call_id AND n.card = r.card"
        " WHERE r.basis = 'name_request' AND r.at >= ? ORDER BY r.at, r.id", [start]
    ):
        reasons.rows.append([ctx.t(at), employer, call_id, card, name, reason or ""])
    report.sections.append(reasons)
    return report


def positions_over_time(ctx: Ctx, card: str, since: str | None = None) -> Section:
    """Every change of a member's place or status, with the position it left them at."""
    section = Section("Positions over time", ["when", "book", "event", "status", "position", "of", "registered"])
    sql = ("SELECT at, book_id, event, status, registered_at FROM registration_history WHERE card = ?")
    params: list = [card]
    if since:
        sql += " AND at >= ?"
        params.append(since)
    for at, book, event, status, registered in ctx.db.execute(sql + " ORDER BY at, id", params).fetchall():
        position = of = None
        if status == "waiting":
            order = asof.book_list_as_of(ctx.db, book, load.parse_time(at))
            of = len(order)
            position = next((r.position for r in order if r.card == card), None)
        section.rows.append([ctx.t(at), book, event, status.replace("_", " "), position, of, ctx.t(registered)])
    return section


def member(ctx: Ctx, card=None) -> Report:
    """A member's registrations, positions over time, offers, referrals, job ends and corrections."""
    card = need_card(ctx, card)
    m = load.member(ctx.db, card)
    report = ctx.report("member", f"Member history: {m.name} ({card})", card=card)
    report.sections.append(Section("Member", ["card", "name", "classifications", "standing", "home local"], [
        [m.card, m.name, ", ".join(sorted(m.classifications)), m.standing, m.home_local]]))
    regs = Section("Registrations", ["book", "registered", "last signed", "status", "turndowns", "restorations",
                                     "removed", "why removed"])
    for row in ctx.db.execute(
        "SELECT book_id, registered_at, last_signed_at, status, turndowns, restorations, removed_at, removed_reason"
        " FROM registrations WHERE card = ? ORDER BY id", [card]
    ):
        regs.rows.append([row[0], ctx.t(row[1]), ctx.t(row[2]), row[3].replace("_", " "), row[4], row[5],
                          ctx.t(row[6]), row[7]])
    report.sections.append(regs)
    report.sections.append(positions_over_time(ctx, card))
    history = member_history(ctx.db, card)
    report.sections.append(Section("Offers", ["when", "call", "employer", "book", "position", "basis", "outcome",
                                              "turndown", "recorded by"], [
        [ctx.t(o["at"]), o["call"], o["employer"], o["book"], o["position"],
         "name request" if o["named"] else "list order", outcome_words(o["outcome"]),
         "yes" if o["turndown"] else "", o["by"]] for o in reversed(history["offers"])]))
    report.sections.append(Section("Referrals", ["when", "call", "employer", "basis", "short call", "status"], [
        [ctx.t(r["at"]), r["call"], r["employer"], BASIS_WORDS.get(r["basis"], r["basis"]),
         "yes" if r["short_call"] else "", r["status"] + (f" ({outcome_words(r['reversal'])})" if r["reversal"] else "")]
        for r in reversed(history["referrals"])]))
    report.sections.append(Section("Job ends", ["when", "call", "why", "days worked", "counted short"], [
        [ctx.t(e["at"]), e["call"], outcome_words(e["reason"]), e["days_worked"], "yes" if e["short"] else ""]
        for e in reversed(history["ends"])]))
    report.sections.append(_corrections(ctx, "", None, {card: m.name}, card=card))
    return report
