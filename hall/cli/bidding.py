"""(v2) The morning dispatch: bids and withdrawals with their receipts, the bids on a call or by a
member, and the day-book sign-in (`call post` and `call list --posted` are with the calls)."""

from __future__ import annotations

import click

from hall.cli.base import Context, emit_json, json_option, pass_ctx, say
from hall.errors import HallError

CHANNELS = click.Choice(["in_person", "phone", "kiosk", "web"])


@click.command()
@click.argument("card")
@click.argument("call_id", metavar="CALL", type=int)
@click.option("--choice", default=None, metavar="N", help="The member's choice number (1 = most wanted; "
              "default: their next free number).")
@click.option("--via", default="in_person", type=CHANNELS, help="How the bid came in.")
@click.option("--withdraw", is_flag=True, help="Withdraw the member's bid on the call instead.")
@pass_ctx
def bid(obj: Context, card: str, call_id: int, choice, via: str, withdraw: bool) -> None:
    """A member's bid on a posted call (or its withdrawal), with a receipt to read back.

    \b
    Example:
      hall bid 101 40 --choice 1 --via phone
      hall bid 101 40 --withdraw
    """
    from hall.operations.bidding import place_bid, withdraw_bid

    if withdraw:
        if choice is not None:
            raise HallError("A withdrawal takes no choice number: leave out --choice.")
        receipt = withdraw_bid(obj.store(), card, call_id, actor=obj.actor, via=via)
    else:
        receipt = place_bid(obj.store(), card, call_id, actor=obj.actor, choice=choice, via=via)
    say(receipt)


@click.command()
@click.argument("call_id", metavar="[CALL]", type=int, required=False)
@click.option("--card", default=None, help="The bids of one member instead of one call.")
@click.option("--all", "show_all", is_flag=True, help="Withdrawn bids and earlier selections too.")
@json_option
@pass_ctx
def bids(obj: Context, call_id: int | None, card: str | None, show_all: bool, as_json: bool) -> None:
    """The open bids on a posted call, or a member's (with --card), by choice number.

    \b
    Example:
      hall bids 40
      hall bids --card 101 --json
    """
    from dispatch import calendar
    from hall import load
    from hall.operations.common import check_card
    from hall.queries.bidding import bids as read_bids

    if (call_id is None) == (card is None):
        raise HallError("Give a call number or --card CARD (one of the two).")
    with obj.records().reading() as read:
        if card is not None:
            card = check_card(card)
            load.member(read.db, card)  # an unknown card: one sentence
            rows = read_bids(read.db, card=card)
        else:
            call = load.job_call(read.db, call_id)
            rows = read_bids(read.db, call_id=call.id)
        posted = {}
        for row in rows:
            if row.call_id not in posted:
                posted[row.call_id] = load.job_call(read.db, row.call_id).posted_for
        if not show_all:
            rows = [r for r in rows if r.open and posted[r.call_id] == r.selection_at and read.now < r.selection_at]
        rules, today = read.rules, read.today
    if as_json:
        emit_json([r.to_dict() for r in rows])
        return
    if not rows:
        click.echo("No open bids." if not show_all else "No bids.")
    for r in rows:
        state = "open" if r.open else f"withdrawn {calendar.moment_text(r.withdrawn_at, rules, today)}"
        if r.open and (posted[r.call_id] != r.selection_at or r.selection_at <= read.now):
            state = "selection held"
        click.echo(f"#{r.call_id:<5} {r.card:<8} {r.name:<26} choice {r.choice:<3} "
                   f"{calendar.moment_text(r.at, rules, today)}  {r.via:<9} {state}  receipt #{r.audit_seq}")


@click.command()
@click.argument("card")
@click.option("--via", default="in_person", type=CHANNELS, help="How the sign-in came in.")
@pass_ctx
def signin(obj: Context, card: str, via: str) -> None:
    """Sign a member in to the day book; after the deadline it counts for the next business day.

    \b
    Example:
      hall signin 101 --via phone
    """
    from hall.operations.bidding import sign_in

    say(sign_in(obj.store(), card, actor=obj.actor, via=via))


COMMANDS = (bid, bids, signin)
