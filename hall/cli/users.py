"""Staff accounts for the app (admin or dispatcher)."""

from __future__ import annotations

import click

from hall.cli.base import Context, emit_json, json_option, pass_ctx, say


@click.group()
def user() -> None:
    """Staff accounts for the app (admin or dispatcher).

    \b
    Example:
      hall user add maria --role dispatcher
    """


def _ask_password(prompt: str = "Password") -> str:
    return click.prompt(prompt, hide_input=True, confirmation_prompt="Repeat the password", err=True)


@user.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["admin", "dispatcher"]), help="What the account may do.")
@pass_ctx
def user_add(obj: Context, name: str, role: str) -> None:
    """Add a staff account; the password is asked twice, never given on the command line.

    \b
    Example:
      hall user add maria --role dispatcher
    """
    from hall.operations.accounts import add_user, check_name, check_role

    check_name(name)
    check_role(role)
    password = _ask_password()
    receipt = add_user(obj.store(), name, password, role, actor=obj.actor)
    say(receipt)


@user.command("list")
@json_option
@pass_ctx
def user_list(obj: Context, as_json: bool) -> None:
    """List staff accounts.

    \b
    Example:
      hall user list
    """
    from hall.operations.accounts import list_users

    rows = list_users(obj.store())
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        click.echo(f"{row['name']:<16} {row['role']:<10} {'disabled' if row['disabled'] else 'active'}")
    if not rows:
        click.echo("No accounts yet: the app asks for the first admin when it opens.")


@user.command("disable")
@click.argument("name")
@pass_ctx
def user_disable(obj: Context, name: str) -> None:
    """Disable a staff account.

    \b
    Example:
      hall user disable maria
    """
    from hall.operations.accounts import disable_user

    receipt = disable_user(obj.store(), name, actor=obj.actor)
    say(receipt)


@user.command("password")
@click.argument("name")
@pass_ctx
def user_password(obj: Context, name: str) -> None:
    """Set a staff account's password (asked twice).

    \b
    Example:
      hall user password maria
    """
    from hall.operations.accounts import check_name, set_password

    check_name(name)
    password = _ask_password("New password")
    receipt = set_password(obj.store(), name, password, actor=obj.actor)
    say(receipt)


COMMANDS = (user,)
