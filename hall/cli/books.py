"""The out-of-work lists: signing and re-signing books, the list of a book, where a member stands."""

from __future__ import annotations

import click

from hall.cli.base import Context, emit_json, json_option, pass_ctx, say
from hall.errors import HallError


@click.command()
@click.argument("card")
@click.argument("book")
@click.option("--via", default="in_person", help="How it came in: in_person, phone, email, fax, mail.")
@pass_ctx
def sign(obj: Context, card, book, via) -> None:
    """Sign a member onto a book (at the bottom).

    \b
    Example:
      hall sign 1042 JW-1
    """
    from hall.operations.registrations import sign as do_sign

    receipt = do_sign(obj.store(), card, book, actor=obj.actor, via=via)
    say(receipt)


@click.command()
@click.argument("card")
@click.argument("book", required=False)
@click.option("--via", default="in_person", help="How it came in: in_person, phone, email, fax, mail.")
@pass_ctx
def resign(obj: Context, card, book, via) -> None:
    """Re-sign a member's book (or all their books): the place is kept.

    \b
    Example:
      hall resign 1042
    """
    from hall.operations.registrations import resign as do_resign

    receipt = do_resign(obj.store(), card, book, actor=obj.actor, via=via)
    say(receipt)


def _as_of_moment(text: str | None, read):
    """The UTC moment of an --as-of option (None when not given); never in the future."""
    if text is None:
        return None
    from hall.operations.common import parse_datetime_text

    moment = parse_datetime_text(text, read.rules, "--as-of date and time")
    if moment > read.now:
        raise HallError("--as-of cannot be in the future: the list has not happened yet.")
    return moment


@click.command("list")
@click.argument("book", required=False)
@click.option("--as-of", "as_of", default=None, metavar="DATETIME",
              help="The list exactly as it stood at this moment (hall time).")
@json_option
@pass_ctx
def list_(obj: Context, book: str | None, as_of: str | None, as_json: bool) -> None:
    """Show the out-of-work list of a book (or every book), in order.

    \b
    Example:
      hall list JW-1
      hall list JW-1 --as-of "2026-11-20 07:30" --json
    """
    from hall.queries.books import book_list

    store = obj.records()
    if as_of is None:
        store.sweep(book=book)
    with store.reading() as read:
        rules = read.rules
        moment = _as_of_moment(as_of, read)
        if moment is not None:
            from hall.asof import rules_at

            rules = rules_at(read.db, moment)
        if book:
            found = rules.book(book)
            if found is None:
                raise HallError(f"There is no book {book!r}: the books are {', '.join(b.id for b in rules.books)}.")
            books = [found]
        else:
            books = list(rules.books)
        if moment is not None:
            from hall.asof import book_list_as_of

            rows = [row for b in books for row in book_list_as_of(read.db, b.id, moment)]
        else:
            rows = [row for b in books for row in book_list(read.db, b.id, rules, read.now)]
    if as_json:
        emit_json([{"position": r.position, "card": r.card, "name": r.name, "book": r.book,
                    "registered_at": r.registered_at, "resign_due": r.resign_due} for r in rows])
        return
    from dispatch import calendar

    current = None
    for r in rows:
        if r.book != current:
            current = r.book
            click.echo(f"{r.book} {rules.book(r.book).name}")
        mark = {"due_soon": "  ! re-sign due", "overdue": "  ! overdue"}.get(r.resign_state, "")
        click.echo(f"  {r.position:>4}  {r.card:<8} {r.name:<28} "
                   f"{calendar.local(r.registered_at, rules):%d %b %Y %H:%M}  re-sign by {r.resign_due:%d %b}{mark}")
    if not rows:
        click.echo("No one is waiting.")


@click.command()
@click.argument("card")
@click.option("--as-of", "as_of", default=None, metavar="DATETIME",
              help="Where the member stood at this moment (hall time).")
@json_option
@pass_ctx
def position(obj: Context, card: str, as_of: str | None, as_json: bool) -> None:
    """Where a member stands on each of their books.

    \b
    Example:
      hall position 1042 --json
    """
    from hall.operations.common import check_card
    from hall.queries.members import member_position

    card = check_card(card)
    with obj.records().reading() as read:
        moment = _as_of_moment(as_of, read)
        if moment is not None:
            from hall.asof import position_as_of

            info = position_as_of(read.db, card, moment)
        else:
            info = member_position(read.db, card, read.rules, read.now)
    m = info["member"]
    if as_json:
        emit_json({"card": m.card, "name": m.name, "books": [
            {"book": b["book"], "status": b["status"], "position": b["position"],
             "registered_at": b["registered_at"], "resign_due": b["resign_due"],
             "turndowns": b.get("turndowns", 0), "restorations": b.get("restorations", 0)}
            for b in info["books"]]})
        return
    click.echo(f"{m.name} · {m.card}")
    echo_books(info, read.rules)
    echo_excused(info, read.rules, read.today)


def echo_excused(info: dict, rules, today) -> None:
    """The member's excused absences in force or to come, for staff (kind and evidence shown), and their
    hours this period on a low-hours board."""
    from dispatch import calendar

    for absence in info.get("excused", ()):
        click.echo(f"  excused {calendar.day_text(absence['start'], today)} until "
                   f"{calendar.day_text(absence['until'], today)} ({absence['kind'].replace('_', ' ')}: "
                   f"{absence['evidence']}; #{absence['id']})")
    if rules.ordering.policy == "low_hours" and "period_hours" in info:
        click.echo(f"  {info['period_hours']:g} hours this period")


def echo_books(info: dict, rules) -> None:
    """A member's books as lines: position, signed, re-sign due and its warning, turndowns."""
    from dispatch import calendar

    if not info["books"]:
        click.echo("  not on any book")
    for b in info["books"]:
        if b["status"] == "waiting":
            due = b["resign_due"]
            mark = {"due_soon": " ! due soon", "overdue": " ! OVERDUE (passed over until re-signed)"}.get(
                b.get("resign_state"), "")
            of = f" of {b['of']}" if b.get("of") else ""
            turndowns = f"  turndowns {b['turndowns']}" if "turndowns" in b else ""
            click.echo(f"  {b['book']:<6} waiting  position {b['position']}{of}  "
                       f"signed {calendar.local_date(b['registered_at'], rules):%d %b %Y}  "
                       f"re-sign by {due:%a %d %b %Y}{mark}{turndowns}")
        else:
            click.echo(f"  {b['book']:<6} {b['status'].replace('_', ' ')}")


COMMANDS = (sign, resign, list_, position)
