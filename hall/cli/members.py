"""Members: add, change, show, import, certifications, unavailability, kiosk PINs, suspension, self-identification."""

from __future__ import annotations

import click

from hall.cli.base import Context, emit_json, json_option, pass_ctx, say, until_option
from hall.cli.books import echo_books, echo_excused
from hall.cli.login import read_secret


@click.group()
def member() -> None:
    """Add, show, change and import members.

    \b
    Example:
      hall member show 1042
    """


@member.command("add")
@click.argument("card")
@click.option("--name", required=True, help="Full name.")
@click.option("--phone", default="", help="Phone number.")
@click.option("--class", "classes", multiple=True, metavar="C", help="A classification (repeat), e.g. JW.")
@click.option("--cert", "certs", multiple=True, metavar="NAME[:YYYY-MM-DD]", help="A certification, with expiry (repeat).")
@click.option("--home-local", default="", help="Home local, for travelers.")
@pass_ctx
def member_add(obj: Context, card, name, phone, classes, certs, home_local) -> None:
    """Add a member or applicant.

    \b
    Example:
      hall member add 1042 --name "Ada Lovelace" --phone 555-0101 --class JW --cert OSHA-30:2027-06-30
    """
    from hall.operations.members import add_member

    receipt = add_member(obj.store(), card, name, actor=obj.actor, phone=phone, classes=classes,
                         certs=certs, home_local=home_local)
    say(receipt)


@member.command("update")
@click.argument("card")
@click.option("--name", default=None, help="New full name.")
@click.option("--phone", default=None, help="New phone number.")
@click.option("--email", default=None, metavar="ADDR", help="Email address for notices (\"\" removes it).")
@click.option("--class", "classes", multiple=True, metavar="C", help="The classifications (repeat; replaces the list).")
@click.option("--home-local", default=None, help="Home local.")
@click.option("--note", default="", help="Why the classifications changed.")
@pass_ctx
def member_update(obj: Context, card, name, phone, email, classes, home_local, note) -> None:
    """Change a member's name, phone, email, home local or classifications.

    \b
    Example:
      hall member update 1042 --phone 555-0199 --email ada@example.org --class JW --class AP
    """
    from hall.operations.members import update_member

    receipt = update_member(obj.store(), card, actor=obj.actor, name=name, phone=phone,
                            classes=list(classes) if classes else None, home_local=home_local,
                            class_note=note, email=email)
    say(receipt)


@member.command("notices")
@click.argument("card")
@click.option("--email", "channel", flag_value="email", help="Send notices by email.")
@click.option("--sms", "channel", flag_value="sms", help="Send notices by text message.")
@click.option("--none", "channel", flag_value="none", help="Send no notices.")
@click.option("--calls/--no-calls", default=None,
              help="Also tell them of calls posted in their classifications (default: as before).")
@pass_ctx
def member_notices(obj: Context, card, channel, calls) -> None:
    """Choose how a member is told before they lose their place: email, text or none.

    Notices: re-sign due soon, the re-sign window open, a removal, the hall phoning about a
    call, an excused absence, the morning selection's result; with --calls, calls posted in
    their classifications.

    \b
    Example:
      hall member notices 1042 --sms --calls
    """
    from hall.operations.notices import set_notices

    if channel is None:
        raise click.ClickException("Say how: --email, --sms or --none.")
    say(set_notices(obj.store(), card, channel, actor=obj.actor, calls=calls))


def _member_json(info: dict, history: dict | None = None) -> dict:
    m = info["member"]
    data = {
        "card": m.card, "name": m.name, "phone": m.phone, "home_local": m.home_local,
        "standing": m.standing, "suspension_note": m.suspension_note,
        "classes": sorted(m.classifications),
        "certs": [{"name": c.name, "expires": c.expires} for c in m.certifications],
        "books": [_book_json(b) for b in info["books"]],
        "excused": [{"id": a["id"], "kind": a["kind"], "from": a["start"], "until": a["until"],
                     "evidence": a["evidence"]} for a in info.get("excused", ())],
        "period_hours": info.get("period_hours", 0.0),
    }
    if history is not None:
        data["offers"] = history["offers"]
        data["referrals"] = history["referrals"]
        data["job_ends"] = history["ends"]
        data["corrections"] = history["corrections"]
    return data


def _book_json(b: dict) -> dict:
    return {"book": b["book"], "status": b["status"], "position": b["position"],
            "registered_at": b["registered_at"], "resign_due": b["resign_due"],
            "turndowns": b["turndowns"], "restorations": b["restorations"]}


@member.command("show")
@click.argument("card")
@json_option
@pass_ctx
def member_show(obj: Context, card: str, as_json: bool) -> None:
    """Show a member: books, positions, certifications, history.

    \b
    Example:
      hall member show 1042 --json
    """
    from hall.operations.common import check_card
    from hall.notices.outbox import notice_choice
    from hall.queries.members import member_history, member_position

    card = check_card(card)
    store = obj.records()
    with store.reading() as read:
        info = member_position(read.db, card, read.rules, read.now)
        history = member_history(read.db, card)
        choice = notice_choice(read.db, card)
    store.sweep()  # after the read succeeded: a refused command records nothing
    if as_json:
        emit_json(_member_json(info, history) | choice.as_json())
        return
    m = info["member"]
    click.echo(f"{m.name} · {m.card} · {', '.join(sorted(m.classifications)) or 'no classification'}"
               + (f" · phone {m.phone}" if m.phone else ""))
    click.echo(f"  notices: {choice.sentence()}")
    if m.standing == "suspended":
        click.echo(f"  SUSPENDED: {m.suspension_note or 'referral suspended'}")
    for cert in m.certifications:
        click.echo(f"  cert {cert.name}" + (f" (expires {cert.expires})" if cert.expires else ""))
    echo_books(info, read.rules)
    echo_excused(info, read.rules, read.today)
    for offer in history["offers"][:10]:
        click.echo(f"  offer  #{offer['call']} {offer['employer']}: {offer['outcome']}"
                   + (" (turndown)" if offer["turndown"] else ""))
    for ref in history["referrals"][:10]:
        click.echo(f"  referral #{ref['call']} {ref['employer']} ({ref['basis']}, {ref['status']})")


@member.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@pass_ctx
def member_import(obj: Context, file: str) -> None:
    """Import members from CSV: all rows or none.

    Columns: card,name,phone,classes,certs — classes like "JW;AP", certs like
    "OSHA-30:2027-01-31;CPR".

    \b
    Example:
      hall member import members.csv
    """
    from hall.operations.members import import_members

    receipt = import_members(obj.store(), file, actor=obj.actor)
    say(receipt)


@member.command("cert")
@click.argument("card")
@click.argument("name")
@click.option("--expires", default=None, metavar="YYYY-MM-DD", help="Expiry date.")
@click.option("--remove", is_flag=True, help="Remove the certification.")
@pass_ctx
def member_cert(obj: Context, card, name, expires, remove) -> None:
    """Record or remove a certification.

    \b
    Example:
      hall member cert 1042 "Confined Space" --expires 2027-03-31
    """
    from hall.operations.members import set_certification

    receipt = set_certification(obj.store(), card, name, actor=obj.actor, expires=expires, remove=remove)
    say(receipt)


@member.command("unavailable")
@click.argument("card")
@until_option("unavailable")
@click.option("--reason", required=True, help="Why (private: never shown to other members).")
@click.option("--via", default="in_person", help="How the request came in: in_person, phone, email, fax, mail.")
@pass_ctx
def member_unavailable(obj: Context, card, until, reason, via) -> None:
    """Record that a member asked not to be referred until a date.

    \b
    Example:
      hall member unavailable 1042 --until 2026-12-03 --reason "surgery" --via phone
    """
    from hall.operations.members import declare_unavailable

    receipt = declare_unavailable(obj.store(), card, until, reason, actor=obj.actor, via=via)
    say(receipt)


@member.command("pin")
@click.argument("card")
@click.option("--pin-stdin", "pin_stdin", is_flag=True, help="Read the PIN from one line of stdin instead of asking.")
@pass_ctx
def member_pin(obj: Context, card: str, pin_stdin: bool) -> None:
    """Set the PIN a member types at the kiosk (asked twice), which also unlocks a card locked
    after wrong tries.

    \b
    Example:
      hall member pin 1042
    """
    from hall.operations.common import check_card
    from hall.operations.members import set_pin

    check_card(card)
    store = obj.store()
    pin = read_secret(pin_stdin, "PIN (4-8 digits)", confirm=True, what="PIN")
    say(set_pin(store, card, pin, actor=obj.actor))


@member.command("reinstate")
@click.argument("card")
@click.option("--reason", required=True, help="The appeal or ruling that reinstates the member.")
@pass_ctx
def member_reinstate(obj: Context, card, reason) -> None:
    """Lift a member's suspension (admin).

    \b
    Example:
      hall member reinstate 1042 --reason "appeal 2026-14 upheld"
    """
    from hall.operations.members import reinstate

    receipt = reinstate(obj.store(), card, reason, actor=obj.actor)
    say(receipt)


@member.command("identify")
@click.argument("card")
@click.option("--sex", default="declined", show_default=True, help="female, male or declined.")
@click.option("--race", default="declined", show_default=True,
              help="hispanic_latino, white, black, nhpi, asian, aian, two_or_more or declined.")
@pass_ctx
def member_identify(obj: Context, card, sex, race) -> None:
    """Record a member's voluntary self-identification (EEO-3; shown only in aggregate).

    \b
    Example:
      hall member identify 1042 --sex declined --race asian
    """
    from hall.operations.identification import record_self_identification

    receipt = record_self_identification(obj.store(), card, sex, race, actor=obj.actor)
    say(receipt)


@member.command("qualify")
@click.argument("card")
@click.argument("book")
@click.option("--evidence", required=True, help="Why the member qualifies: exam, years, hours in the area.")
@pass_ctx
def member_qualify(obj: Context, card, book, evidence) -> None:
    """Record why a member qualifies for a book (admin): a book with requires_qualification is
    signed only with such a record.

    \b
    Example:
      hall member qualify 1042 JW-1 --evidence "JW exam passed 2019; 4 years in the area"
    """
    from hall.operations.registrations import qualify

    say(qualify(obj.store(), card, book, evidence, actor=obj.actor))


@member.command("move")
@click.argument("card")
@click.argument("book")
@click.option("--reason", required=True, help="Why the member changes books.")
@pass_ctx
def member_move(obj: Context, card, book, reason) -> None:
    """Move a member to another book of the same classification (admin): the old place is removed
    ("moved to JW-1") and the new one starts now, at the bottom.

    \b
    Example:
      hall member move 1042 JW-1 --reason "qualified for Book I (exam 2026-11-02)"
    """
    from hall.operations.registrations import move

    say(move(obj.store(), card, book, reason, actor=obj.actor))


@member.command("excuse")
@click.argument("card")
@click.option("--kind", required=True, help="military, jury, union_business, medical or other "
                                             "(private: never shown to members).")
@click.option("--from", "start", required=True, metavar="YYYY-MM-DD", help="First day excused.")
@until_option("excused")
@click.option("--evidence", required=True, help="What shows it (private): orders, a summons, a doctor's note.")
@pass_ctx
def member_excuse(obj: Context, card, kind, start, until, evidence) -> None:
    """Record an excused absence: the member keeps their place, is passed over as "excused", is
    charged no turndown, and the re-sign clock stops.

    \b
    Example:
      hall member excuse 1042 --kind military --from 2026-11-03 --until 2026-12-20 --evidence "orders 26-114"
    """
    from hall.operations.excuses import excuse

    say(excuse(obj.store(), card, kind, start, until, evidence, actor=obj.actor))


@member.command("excuse-end")
@click.argument("excuse_id", metavar="ID", type=int)
@click.option("--last-day", default=None, metavar="YYYY-MM-DD", help="The last day excused (default: yesterday).")
@click.option("--reason", required=True, help="Why it ends early.")
@pass_ctx
def member_excuse_end(obj: Context, excuse_id, last_day, reason) -> None:
    """End an excused absence early (its number is in `hall member show`): the re-sign clock runs again.

    \b
    Example:
      hall member excuse-end 3 --reason "back from leave early"
    """
    from hall.operations.excuses import end_excuse

    say(end_excuse(obj.store(), excuse_id, actor=obj.actor, last_day=last_day, reason=reason))


@member.command("excuse-correct")
@click.argument("excuse_id", metavar="ID", type=int)
@click.option("--kind", default=None, help="The kind of absence.")
@click.option("--from", "start", default=None, metavar="YYYY-MM-DD", help="First day excused.")
@click.option("--until", default=None, metavar="YYYY-MM-DD", help="Last day excused.")
@click.option("--evidence", default=None, help="What shows it.")
@click.option("--reason", required=True, help="Why it is corrected.")
@pass_ctx
def member_excuse_correct(obj: Context, excuse_id, kind, start, until, evidence, reason) -> None:
    """Correct an excused absence's kind, dates or evidence (admin; the log keeps both sides).

    \b
    Example:
      hall member excuse-correct 3 --until 2026-12-22 --reason "orders amended"
    """
    from hall.operations.excuses import correct_excuse

    say(correct_excuse(obj.store(), excuse_id, actor=obj.actor, reason=reason, kind=kind, start=start,
                       until=until, evidence=evidence))


@click.group()
def hours() -> None:
    """Hours a member worked (low-hours boards; apprentices' categories).

    \b
    Example:
      hall hours add 1042 8 --date 2026-11-24 --employer "Acme Electric"
    """


@hours.command("add")
@click.argument("card")
@click.argument("amount", metavar="HOURS")
@click.option("--date", "day", required=True, metavar="YYYY-MM-DD", help="The day worked.")
@click.option("--employer", default="", help="Who the hours were worked for.")
@click.option("--category", default="", help="An apprentice's category of work (e.g. Residential).")
@pass_ctx
def hours_add(obj: Context, card, amount, day, employer, category) -> None:
    """Record hours a member worked on a day.

    \b
    Example:
      hall hours add 1042 8 --date 2026-11-24 --employer "Acme Electric"
    """
    from hall.operations.hours import add_hours

    say(add_hours(obj.store(), card, amount, day=day, actor=obj.actor, employer=employer, category=category))


@hours.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@pass_ctx
def hours_import(obj: Context, file: str) -> None:
    """Import hours from payroll: CSV card,date,hours[,employer] (a header line is optional); the whole
    file is checked first, then all rows are recorded or none.

    \b
    Example:
      hall hours import payroll-2026-11.csv
    """
    import sys

    from hall.operations.hours import import_hours

    bar = None
    last = [0]

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if not sys.stderr.isatty():
            return
        if bar is None:
            bar = click.progressbar(length=total, label="Checking", file=sys.stderr)
        bar.update(done - last[0])
        last[0] = done

    try:
        receipt = import_hours(obj.store(), file, actor=obj.actor, progress=progress)
    finally:
        if bar is not None:
            bar.render_finish()
    say(receipt)


COMMANDS = (member, hours)
