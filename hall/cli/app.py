"""The hall itself: create it (or the demo), upgrade it, its rule set, check it, and open the apps."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from hall.cli.base import Context, pass_ctx, say
from hall.cli.login import password_stdin, read_secret
from hall.errors import HallError


@click.command()
@click.option("--rules", "rules_file", type=click.Path(dir_okay=False), help="A rule set file (TOML).")
@click.option("--preset", "preset", metavar="NAME", help="Start from a shipped rule preset (see `hall rules show --preset NAME`).")
@click.option("--admin", "admin", required=True, metavar="NAME", help="The first admin account's name.")
@password_stdin
@pass_ctx
def init(obj: Context, rules_file: str | None, preset: str | None, admin: str, password_stdin: bool) -> None:
    """Create the hall database (a new file only) with its first admin account, and the
    default rules unless a rules file or a preset is given. The admin's password is asked
    twice (or read from one line of stdin).

    \b
    Example:
      hall --db local999.db init --rules local999.toml --admin ana
    """
    from hall import files
    from hall.clock import system_now
    from hall.operations.accounts import check_name
    from hall.operations.rules import init_database, preset_text

    if rules_file and preset:
        raise HallError("Give either --rules FILE or --preset NAME, not both.")
    check_name(admin)
    text = files.read_text(rules_file, "rules file") if rules_file else preset_text(preset) if preset else None
    target = obj.db_path
    if target.exists() and target.stat().st_size > 0:
        raise HallError(f"{target} already exists: choose another path or remove it first.")
    password = read_secret(password_stdin, "Password", confirm=True)
    receipt = init_database(target, admin=admin, password=password, now=system_now(), rules_text=text,
                            preset=preset)
    click.echo(receipt.message)


@click.command()
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--date", "as_of", metavar="YYYY-MM-DD", help="Build the demo as of this date (default today).")
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
def demo(path: str, as_of: str | None, force: bool) -> None:
    """Write the demo hall: about 60 members, calls, a few weeks of history, and the morning
    dispatch adopted (a call posted for the next selection, with bids).

    \b
    Example:
      hall demo demo.db && hall --db demo.db tui
    """
    from hall.demo import build_demo
    from hall.operations.common import parse_date_text

    day = parse_date_text(as_of, "date") if as_of else None
    target = Path(path)
    if target.exists():
        if not force:
            raise HallError(f"{target} already exists: use --force to replace it.")
        for suffix in ("", "-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)
    summary = build_demo(target, day)
    click.echo(summary)


@click.command()
@pass_ctx
def migrate(obj: Context) -> None:
    """Upgrade a database made by an older version (a copy is kept beside it).

    \b
    Example:
      hall --db hall.db migrate
    """
    from hall.db import connect
    from hall.operations.access import check_migrator

    store = obj.store()
    check_migrator(store, obj.actor)
    db = connect(store.path)
    try:
        applied = store.upgrade_if_needed(db)
    finally:
        db.close()
    click.echo(f"Applied {len(applied)} migration(s)." if applied else "The database is up to date.")


@click.group()
def rules() -> None:
    """Show or change the rule set.

    \b
    Example:
      hall rules show > rules.toml
    """


@rules.command("show")
@click.option("--at", "at", metavar="DATETIME", help="The rules in force at this moment (default now).")
@click.option("--preset", "preset", metavar="NAME",
              help="Print a shipped rule preset instead (no database or log-in needed), e.g. ibew-inside; "
                   "a name that is none lists them.")
@pass_ctx
def rules_show(obj: Context, at: str | None, preset: str | None) -> None:
    """Print the rule set in force, and any change waiting to take effect; or a preset.

    \b
    Example:
      hall rules show > rules.toml
      hall rules show --preset ibew-inside > local.toml
    """
    from dispatch import calendar
    from hall import audit, load
    from hall.operations.common import parse_datetime_text

    if preset is not None:
        from hall.operations.rules import preset_text

        if at is not None:
            raise HallError("--at is for the hall's own rules, not a preset.")
        click.echo(preset_text(preset).rstrip("\n"))
        return
    with obj.records().reading() as read:
        moment = parse_datetime_text(at, read.rules) if at else read.now
        row = read.db.execute(
            "SELECT id, text, effective_at FROM rulesets WHERE effective_at <= ? ORDER BY effective_at DESC, id DESC LIMIT 1",
            [audit.iso(moment)],
        ).fetchone()
        click.echo(row[1].rstrip("\n"))
        upcoming = read.db.execute(
            "SELECT effective_at FROM rulesets WHERE effective_at > ? ORDER BY effective_at", [audit.iso(read.now)]
        ).fetchall()
        for (when,) in upcoming:
            when_text = calendar.moment_text(load.parse_time(when), read.rules, read.today)
            click.echo(f"# note: a new rule set takes effect {when_text}", err=True)


@rules.command("set")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--effective", required=True, metavar="DATETIME", help="When the new rules take effect (hall time).")
@click.option("--urgent", "urgent_reason", metavar="REASON", default="", help="Take effect sooner than the notice days, with a reason.")
@pass_ctx
def rules_set(obj: Context, file: str, effective: str, urgent_reason: str) -> None:
    """Adopt a new rule set from a date on (at least the notice days ahead).

    \b
    Example:
      hall rules set local999.toml --effective "2026-12-07 00:00"
    """
    from hall import files
    from hall.operations.rules import set_rules

    text = files.read_text(file, "rules file")
    receipt = set_rules(obj.store(), text, effective, actor=obj.actor, urgent_reason=urgent_reason)
    say(receipt)


@click.command()
@pass_ctx
def check(obj: Context) -> None:
    """Check the database: integrity, references, schema, audit chain and triggers, permissions,
    and that the log rebuilds the records (`hall audit replay`).

    Prints a report; exits 1 if any check found a problem. Writes nothing.

    \b
    Example:
      hall --db hall.db check
    """
    from hall.check import check_database
    from hall.cli.audit import progress_bar

    path = obj.db_path
    bar, progress = progress_bar(_entries(path), "Replaying the log")
    if bar is None:
        report = check_database(path)
    else:
        with bar:
            report = check_database(path, progress=progress)
    for line in report.lines():
        click.echo(line)
    if not report.ok:
        sys.exit(1)


def _entries(path: Path) -> int:
    """How many entries the log has (0 when it cannot be read: the check will say why)."""
    import sqlite3
    from urllib.parse import quote

    try:
        conn = sqlite3.connect(f"file:{quote(str(Path(path).resolve()))}?mode=ro", uri=True)
        try:
            return conn.execute("SELECT count(*) FROM audit").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


@click.command()
@pass_ctx
def tui(obj: Context) -> None:
    """Open the dispatcher's app (log in first).

    \b
    Example:
      hall --db demo.db tui
    """
    from screens.app import run_app

    run_app(obj.open_store())


@click.command()
@pass_ctx
def kiosk(obj: Context) -> None:
    """Open the members' kiosk: card and PIN (or phone digits) to look up a position, re-sign, change a PIN.

    \b
    Example:
      hall --db hall.db kiosk
    """
    from screens.kiosk import run_kiosk

    run_kiosk(obj.open_store())


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535), help="The port to listen on.")
@click.option("--behind-proxy", is_flag=True,
              help="Trust the reverse proxy's X-Forwarded-Proto/For (from 127.0.0.1): cookies Secure over TLS.")
@click.option("--idle-minutes", default=15, show_default=True, type=click.IntRange(1, 720),
              help="Log a member out after this long without a page.")
@pass_ctx
def web(obj: Context, host: str, port: int, behind_proxy: bool, idle_minutes: int) -> None:
    """Serve the members' web pages: the job board and audit heads for anyone; with card and PIN,
    a member's books, re-sign, notices and PIN. Put it behind Caddy or nginx for TLS.

    \b
    Example:
      hall --db hall.db web --port 8080 --behind-proxy
    """
    from web import run_web

    run_web(obj.open_store(), host=host, port=port, behind_proxy=behind_proxy, idle_minutes=idle_minutes)


COMMANDS = (init, demo, migrate, rules, check, tui, kiosk, web)
