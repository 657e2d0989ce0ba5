"""Employers and their no-referral requests."""

from __future__ import annotations

import click

from hall.cli.base import Context, emit_json, json_option, pass_ctx, say, until_option


@click.group()
def employer() -> None:
    """Employers and their no-referral requests.

    \b
    Example:
      hall employer list
    """


@employer.command("add")
@click.argument("name")
@click.option("--phone", default="", help="Phone number.")
@pass_ctx
def employer_add(obj: Context, name, phone) -> None:
    """Add an employer.

    \b
    Example:
      hall employer add "Acme Electric" --phone 555-0400
    """
    from hall.operations.employers import add_employer

    receipt = add_employer(obj.store(), name, actor=obj.actor, phone=phone)
    say(receipt)


@employer.command("list")
@json_option
@pass_ctx
def employer_list(obj: Context, as_json: bool) -> None:
    """List employers.

    \b
    Example:
      hall employer list
    """
    from hall.queries.employers import employers

    with obj.records().read() as db:
        rows = employers(db)
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        click.echo(f"{row['name']}" + (f"  {row['phone']}" if row["phone"] else ""))


@employer.command("bar")
@click.argument("name")
@click.argument("card")
@until_option("of the bar")
@click.option("--reason", required=True, help="The employer's reason.")
@click.option("--contact", default="", help="Who at the employer asked.")
@pass_ctx
def employer_bar(obj: Context, name, card, until, reason, contact) -> None:
    """Record an employer's request not to be sent a member, until a date.

    \b
    Example:
      hall employer bar "Acme Electric" 1042 --until 2027-03-01 --reason "left site early" --contact "J. Ruiz"
    """
    from hall.operations.employers import bar_member

    receipt = bar_member(obj.store(), name, card, until, reason, actor=obj.actor, contact=contact)
    say(receipt)


COMMANDS = (employer,)
