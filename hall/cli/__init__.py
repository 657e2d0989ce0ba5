"""The `hall` command line: a contract that scripts depend on.

Every command calls the same operations as the app. A refused operation
prints one sentence on stderr and exits 1, having written nothing. One module
per group of commands: the hall itself (``app``), ``members``, ``books``,
``employers``, ``calls`` (and offers), ``corrections``, ``audit`` (and backups),
``users``, ``reports`` (built from the reports registry) and ``notify``.
"""

from __future__ import annotations

import click

from hall.cli import app, audit, bidding, books, calls, corrections, employers, login, members, notify, reports, users
from hall.cli.base import Context, HallGroup


@click.group(cls=HallGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "db", metavar="PATH", help="The hall database (default: $HALL_DB, else ./hall.db).")
@click.version_option(package_name="hall")
@click.pass_context
def main(ctx: click.Context, db: str | None) -> None:
    """Dispatch for a union hiring hall: out-of-work lists, job calls, referrals.

    With no command, opens the dispatcher's app. Commands that read or write the
    records need a log-in: `hall login NAME`, or a script token in $HALL_TOKEN.

    \b
    Example:
      hall demo demo.db && hall --db demo.db login maria && hall --db demo.db list JW-1
    """
    ctx.obj = Context(db)
    if ctx.invoked_subcommand is None:
        ctx.invoke(app.tui)


for _module in (app, login, members, books, employers, calls, bidding, corrections, audit, users, reports, notify):
    for _command in _module.COMMANDS:
        main.add_command(_command)


if __name__ == "__main__":
    main()
