"""Staff accounts (admin, dispatcher, jatc), their script tokens, and revoking access."""

from __future__ import annotations

import click

from hall.cli.base import Context, emit_json, json_option, pass_ctx, say
from hall.cli.login import password_stdin, read_secret


@click.group()
def user() -> None:
    """Staff accounts (admin, dispatcher or jatc) and script tokens.

    \b
    Example:
      hall user add maria --role dispatcher
    """


@user.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["admin", "dispatcher", "jatc"]),
              help="What the account may do: admin, dispatcher, or jatc (apprenticeship staff).")
@password_stdin
@pass_ctx
def user_add(obj: Context, name: str, role: str, password_stdin: bool) -> None:
    """Add a staff account (admin); the password is asked twice, never given on the command line.

    \b
    Example:
      hall user add maria --role dispatcher
    """
    from hall.operations.accounts import add_user, check_name, check_role

    check_name(name)
    check_role(role)
    store = obj.store()
    password = read_secret(password_stdin, "Password", confirm=True)
    receipt = add_user(store, name, password, role, actor=obj.actor)
    say(receipt)


@user.command("list")
@json_option
@pass_ctx
def user_list(obj: Context, as_json: bool) -> None:
    """List staff accounts and their live script tokens.

    \b
    Example:
      hall user list
    """
    from hall.operations.accounts import list_users

    rows = list_users(obj.records())
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        tokens = row["tokens"]
        said = f"{len(tokens)} token{'s' if len(tokens) != 1 else ''} (until " + ", ".join(
            t["expires"][:10] for t in tokens) + ")" if tokens else ""
        click.echo(f"{row['name']:<16} {row['role']:<10} {'disabled' if row['disabled'] else 'active':<8} {said}".rstrip())


@user.command("disable")
@click.argument("name")
@pass_ctx
def user_disable(obj: Context, name: str) -> None:
    """Disable a staff account (admin): it cannot log in, and its tokens and sessions end.

    \b
    Example:
      hall user disable maria
    """
    from hall.operations.accounts import disable_user

    receipt = disable_user(obj.store(), name, actor=obj.actor)
    say(receipt)


@user.command("password")
@click.argument("name")
@password_stdin
@pass_ctx
def user_password(obj: Context, name: str, password_stdin: bool) -> None:
    """Set a staff account's password (asked twice): your own, or anyone's as an admin.

    \b
    Example:
      hall user password maria
    """
    from hall.operations.accounts import check_name, set_password

    check_name(name)
    store = obj.store()
    password = read_secret(password_stdin, "New password", confirm=True)
    receipt = set_password(store, name, password, actor=obj.actor)
    say(receipt)


@user.command("token")
@click.argument("name")
@click.option("--days", default="90", show_default=True, metavar="N", help="How long it lasts (1 to 3650 days).")
@json_option
@pass_ctx
def user_token(obj: Context, name: str, days: str, as_json: bool) -> None:
    """Make a script token (an admin for anyone, any account for itself). It is printed once,
    here, and stored only as a hash; a script sets it in HALL_TOKEN.

    \b
    Example:
      hall user token nightly --days 365 --json
    """
    from hall.operations.tokens import make_token

    secret, expires, receipt = make_token(obj.store(), name, actor=obj.actor, days=days)
    if as_json:
        emit_json({"name": name.strip().lower(), "token": secret, "expires": expires})
    else:
        click.echo(secret)
    click.echo(f"{receipt.message} Receipt #{receipt.seq}. It is shown only now: keep it like a password; "
               f"`hall user revoke {name.strip().lower()}` ends it.", err=True)


@user.command("revoke")
@click.argument("name")
@pass_ctx
def user_revoke(obj: Context, name: str) -> None:
    """End every script token and session of an account (an admin for anyone, any account for itself).

    \b
    Example:
      hall user revoke maria
    """
    from hall.operations.tokens import revoke

    say(revoke(obj.store(), name, actor=obj.actor))


COMMANDS = (user,)
