"""Corrections and appeals (admin): set an outcome aside, restore a place, grant a remedy referral."""

from __future__ import annotations

import click

from hall.cli.base import Context, call_and_card, pass_ctx, say


def cited(why: str):
    """The ``--authority`` (appeal or ruling) and ``--reason`` every correction gives; ``why`` is the
    reason's help (what it explains)."""

    def add(command):
        command = click.option("--reason", required=True, help=why)(command)
        return click.option("--authority", required=True, help="Appeal number or ruling.")(command)

    return add


@click.group()
def correct() -> None:
    """Corrections and appeals (admin): each cites an authority and a reason.

    \b
    Example:
      hall correct restore 1042 JW-1 --authority "Ruling 2026-3" --reason "re-sign was mailed in time"
    """


@correct.command("outcome")
@call_and_card
@cited("Why the outcome is set aside.")
@pass_ctx
def correct_outcome(obj: Context, call_id: int, card: str, authority: str, reason: str) -> None:
    """Set aside an outcome recorded on a call (its turndown no longer counts).

    \b
    Example:
      hall correct outcome 41 1042 --authority "Appeal 2026-14" --reason "decline keyed in error"
    """
    from hall.operations.corrections import reverse_outcome

    receipt = reverse_outcome(obj.store(), call_id, card, actor=obj.actor, authority=authority, reason=reason)
    say(receipt)


@correct.command("restore")
@click.argument("card")
@click.argument("book")
@cited("Why the place is restored.")
@pass_ctx
def correct_restore(obj: Context, card: str, book: str, authority: str, reason: str) -> None:
    """Put a removed registration back at its original place.

    \b
    Example:
      hall correct restore 1042 JW-1 --authority "Ruling 2026-3" --reason "re-sign was mailed in time"
    """
    from hall.operations.corrections import restore_place

    receipt = restore_place(obj.store(), card, book, actor=obj.actor, authority=authority, reason=reason)
    say(receipt)


@correct.command("grant")
@call_and_card
@cited("Why the referral is granted.")
@pass_ctx
def correct_grant(obj: Context, call_id: int, card: str, authority: str, reason: str) -> None:
    """Refer a member to a call as a remedy (basis remedy), outside the list order.

    \b
    Example:
      hall correct grant 44 1042 --authority "Appeal 2026-14" --reason "passed over on #41 in error"
    """
    from hall.operations.corrections import grant_referral

    receipt = grant_referral(obj.store(), call_id, card, actor=obj.actor, authority=authority, reason=reason)
    say(receipt)


COMMANDS = (correct,)
