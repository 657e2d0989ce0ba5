"""Job calls and offers: take, list, rank, cancel and amend calls; record offers, job ends and what
happened to a referral before work began."""

from __future__ import annotations

import click

from hall.cli.base import Context, call_and_card, call_argument, emit_json, json_option, pass_ctx, say
from hall.errors import HallError


@click.group()
def call() -> None:
    """Job calls: take, list, rank, cancel.

    \b
    Example:
      hall call list --open
    """


@call.command("add")
@click.option("--employer", required=True, help="Employer name (known).")
@click.option("--class", "classification", required=True, metavar="C", help="Classification, e.g. JW.")
@click.option("--workers", required=True, help="Workers needed.")
@click.option("--start", required=True, metavar="DATETIME", help="Start (hall time), e.g. '2026-11-27 07:00'.")
@click.option("--days", required=True, help="Expected duration in working days.")
@click.option("--cert", "certs", multiple=True, metavar="NAME", help="A required certification (repeat).")
@click.option("--request", "requests", multiple=True, metavar="CARD:REASON", help="A name request (repeat).")
@click.option("--site", default="", help="Job site.")
@click.option("--notes", default="", help="Notes.")
@click.option("--hours", default=None, metavar="H", help="Expected hours, when the employer gives them (short calls by hours).")
@click.option("--no-turndown", "no_turndown", default="", metavar="REASON",
              help="Declines on this call never count as turndowns, and why (e.g. 'starts 05:00').")
@click.option("--wage", default="", help="The wage, as the job board shows it (e.g. '$52.10').")
@click.option("--by-phone", "by_phone", default=None, metavar="REASON",
              help="With bidding on: dispatch it down the list by phone now instead of posting it (why).")
@json_option
@pass_ctx
def call_add(obj: Context, employer, classification, workers, start, days, certs, requests, site, notes,
             hours, no_turndown, wage, by_phone, as_json) -> None:
    """Take a job call.

    \b
    Example:
      hall call add --employer "Acme Electric" --class JW --workers 3 --start "2026-11-27 07:00" --days 30 --cert OSHA-30
      hall call add --employer "Bolt Co" --class JW --workers 1 --start "mon 05:00" --days 2 --hours 16 --no-turndown "starts 05:00"
    """
    from hall.operations.calls import take_call

    parsed = []
    for req in requests:
        card, sep, reason = req.partition(":")
        if not sep or not reason.strip():
            raise HallError(f"Name request {req[:30]!r} needs a reason: write CARD:REASON.")
        parsed.append((card, reason))
    receipt = take_call(obj.store(), employer=employer, classification=classification, workers=workers,
                        start=start, days=days, actor=obj.actor, certs=certs, requests=parsed, site=site,
                        notes=notes, hours=hours, no_turndown=no_turndown, wage=wage, by_phone=by_phone)
    if as_json:
        emit_json({"id": receipt.id})
    else:
        say(receipt)


@call.command("list")
@click.option("--open", "open_only", is_flag=True, help="Only open calls.")
@click.option("--posted", is_flag=True, help="The job board: calls posted for the next selection.")
@json_option
@pass_ctx
def call_list(obj: Context, open_only: bool, posted: bool, as_json: bool) -> None:
    """List job calls, newest first (or, with --posted, the job board).

    \b
    Example:
      hall call list --open
      hall call list --posted
    """
    from dispatch import calendar
    from hall.queries.calls import calls

    if posted:
        _job_board(obj, as_json)
        return
    with obj.records().reading() as read:
        rules = read.rules
        rows = calls(read.db, open_only=open_only, rules=rules)
    if as_json:
        emit_json([{k: v for k, v in r.items() if not k.startswith("calling")} for r in rows])
        return
    for r in rows:
        length = f"{r['hours']:g} hours" if r["hours"] else f"{r['days']} days"
        click.echo(f"#{r['id']:<5} {r['employer']:<24} {r['class']} ×{r['workers']}  {r['accepted']} of {r['workers']}"
                   f"  {calendar.local(r['start'], rules):%a %d %b %H:%M}  {length}{' (short)' if r['short'] else ''}"
                   f"  {r['status']}" + (f"  declines don't count: {r['no_turndown']}" if r["no_turndown"] else ""))
    if not rows:
        click.echo("No calls.")


def _job_board(obj: Context, as_json: bool) -> None:
    from dispatch import calendar
    from hall.views.jobboard import bids_close_text, countdown, job_board

    with obj.records().reading() as read:
        board = job_board(read)
        rules, today = read.rules, read.today
    if as_json:
        emit_json({"now": board.now, "bidding": board.enabled, "next_selection": board.next_selection,
                   "bids_close_at": board.closes_at, "calls": [
                       c.to_dict() | {"time_left_seconds": int(max((c.closes_at - board.now).total_seconds(), 0))}
                       for c in board.calls]})
        return
    click.echo(bids_close_text(board, rules) + f" · {len(board.calls)} calls, {board.total_bids} bids")
    for c in board.calls:
        length = f"{c.hours:g} h" if c.hours else f"{c.days} d"
        marks = ", ".join(filter(None, ["short" if c.short else "", f"declines don't count ({c.no_turndown})"
                                        if c.no_turndown else ""]))
        click.echo(f"#{c.id:<5} {c.employer:<20} {c.site[:16]:<16} {c.classification:<4} open {c.openings:<3} "
                   f"{calendar.moment_text(c.start, rules, today)}  {length:<6} {c.wage or '-':<9} "
                   f"{', '.join(c.certs) or '-':<14} {c.bids} bids  {countdown(c.closes_at - board.now)} left"
                   + (f"  {marks}" if marks else ""))
    if not board.calls:
        click.echo("No calls are posted.")


@call.command("post")
@call_argument
@pass_ctx
def call_post(obj: Context, call_id: int) -> None:
    """Post an open call's unfilled openings for the next selection.

    \b
    Example:
      hall call post 41
    """
    from hall.operations.bidding import post_call

    say(post_call(obj.store(), call_id, actor=obj.actor))


@call.command("rank")
@call_argument
@json_option
@pass_ctx
def call_rank(obj: Context, call_id: int, as_json: bool) -> None:
    """Show a call's candidates in offer order, passed-over ones with their reasons.

    \b
    Example:
      hall call rank 41
    """
    from hall import load

    with obj.records().reading() as read:
        job = load.job_call(read.db, call_id)
        ranking, _ = load.rank_call(read.db, job, read.rules, read.now)
        bases = {card: (basis, choice) for card, basis, choice in read.db.execute(
            "SELECT r.card, r.basis, o.award_choice FROM referrals r LEFT JOIN offers o ON o.id = r.offer_id"
            " WHERE r.call_id = ? AND r.status != 'reversed' ORDER BY r.id", [job.id])}
    if as_json:
        candidates = []
        for c in ranking.candidates:
            item = {"card": c.card, "name": c.name, "book": c.book_id, "position": c.position,
                    "eligible": c.eligible, "name_request": c.name_request,
                    "reasons": [{"code": r.code, "text": r.text} for r in c.reasons]}
            if c.outcome:
                item["outcome"] = c.outcome
            if c.outcome == "accepted" and c.card in bases:
                item["basis"] = bases[c.card][0]
                if bases[c.card][1] is not None:
                    item["choice"] = bases[c.card][1]  # (v2) awarded at the selection, their choice
            candidates.append(item)
        emit_json({"call": job.id, "candidates": candidates})
        return
    click.echo(f"Call #{job.id} · {job.employer} · {job.classification} ×{job.workers} · {job.status}")
    from dispatch.calls import no_turndown_reason

    exempt = no_turndown_reason(job, read.rules)
    if exempt:
        click.echo(f"  declines don't count: {exempt}")
    for c in ranking.candidates:
        place = "name" if c.name_request else (str(c.position) if c.position else "-")
        state = c.outcome or ("eligible" if c.eligible else "passed over: " + "; ".join(r.text for r in c.reasons))
        click.echo(f"  {place:>4}  {c.card:<8} {c.name:<28} {c.book_id:<6} {state}")


@call.command("cancel")
@call_argument
@click.option("--reason", required=True, help="Why the call is cancelled.")
@pass_ctx
def call_cancel(obj: Context, call_id: int, reason: str) -> None:
    """Cancel a call.

    \b
    Example:
      hall call cancel 41 --reason "job postponed by the owner"
    """
    from hall.operations.calls import cancel_call

    receipt = cancel_call(obj.store(), call_id, reason, actor=obj.actor)
    say(receipt)


@call.command("amend")
@call_argument
@click.option("--workers", default=None, help="New number of workers (not below those accepted).")
@click.option("--start", default=None, metavar="DATETIME", help="New start (hall time).")
@click.option("--days", default=None, help="New expected duration in working days.")
@click.option("--reason", required=True, help="Why the call changed (who at the employer said so).")
@pass_ctx
def call_amend(obj: Context, call_id: int, workers, start, days, reason) -> None:
    """Change a call's workers, start or days; a filled call that gains workers reopens.

    \b
    Example:
      hall call amend 41 --workers 4 --reason "foreman asked for one more"
    """
    from hall.operations.referrals import amend_call

    receipt = amend_call(obj.store(), call_id, actor=obj.actor, reason=reason, workers=workers, start=start,
                         days=days)
    say(receipt)


@click.command()
@call_and_card
@click.argument("outcome", metavar="OUTCOME")
@click.option("--note", default="", help="Number dialled, voicemail, who at the employer...")
@pass_ctx
def offer(obj: Context, call_id: int, card: str, outcome: str, note: str) -> None:
    """Record an offer's outcome: accepted | declined | no_answer | employer_rejected.

    Only the next candidate in ranked order can be offered.

    \b
    Example:
      hall offer 41 1042 accepted
    """
    from hall.operations.offers import record_offer

    receipt = record_offer(obj.store(), call_id, card, outcome, actor=obj.actor, note=note)
    say(receipt)


@click.command()
@click.argument("card")
@click.option("--reason", required=True, type=click.Choice(["laid_off", "quit", "discharged"]),
              help="How the job ended.")
@click.option("--days-worked", default=None, help="Days worked (default: business days since the start).")
@click.option("--hours", default=None, help="Hours worked (default: days worked x ordering.hours_per_day).")
@click.option("--at", default=None, metavar="DATETIME", help="When the job ended (default now).")
@pass_ctx
def end(obj: Context, card, reason, days_worked, hours, at) -> None:
    """Record that a member left the job they were referred to.

    \b
    Example:
      hall end 1042 --reason laid_off
    """
    from hall.operations.jobs import end_job

    receipt = end_job(obj.store(), card, reason, actor=obj.actor, days_worked=days_worked, hours=hours, at=at)
    say(receipt)


@click.command()
@call_and_card
@click.argument("outcome", type=click.Choice(["rejected_at_job", "cancelled", "no_show", "award_declined"]))
@click.option("--note", default="", help="Who reported it, and what they said.")
@pass_ctx
def referral(obj: Context, call_id: int, card: str, outcome: str, note: str) -> None:
    """Record what happened to an accepted referral before work began.

    rejected_at_job and cancelled give the member their place back (no
    turndown) and reopen the call; no_show counts as a quit; award_declined
    (a member awarded the call at the selection refuses it) is a turndown as
    the rules count it, their place comes back and the opening reopens.

    \b
    Example:
      hall referral 41 1042 rejected_at_job --note "gate foreman J. Ruiz: no badge"
    """
    from hall.operations.bidding import award_declined
    from hall.operations.referrals import record_referral_outcome

    if outcome == "award_declined":
        say(award_declined(obj.store(), call_id, card, actor=obj.actor, note=note))
        return
    receipt = record_referral_outcome(obj.store(), call_id, card, outcome, actor=obj.actor, note=note)
    say(receipt)


COMMANDS = (call, offer, end, referral)
