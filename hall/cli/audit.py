"""The audit log (verify, head, read) and backups (take one, restore one)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from hall.cli.base import Context, emit_json, json_option, pass_ctx
from hall.errors import HallError


@click.group("audit")
def audit_group() -> None:
    """Verify and read the audit log.

    \b
    Example:
      hall audit verify && hall audit head
    """


def _parse_head(text: str) -> tuple[int, str]:
    seq, sep, digest = (text or "").partition(":")
    if not sep or not seq.strip().isdigit() or len(digest.strip()) != 64:
        raise HallError(f"{text[:80]!r} is not a head: write it as SEQ:HASH, as `hall audit head` prints it.")
    return int(seq), digest.strip().lower()


@audit_group.command("verify")
@click.option("--head", "head_text", default=None, metavar="SEQ:HASH", help="Also check a head posted earlier is still in the chain.")
@pass_ctx
def audit_verify(obj: Context, head_text: str | None) -> None:
    """Recompute the whole hash chain; name the first bad entry. Needs no log-in, and changes
    nothing in the file (a backup stays byte for byte as it was).

    \b
    Example:
      hall audit verify --head 1287:9f2c...e01a
    """
    from hall import audit

    expect = _parse_head(head_text) if head_text else None
    with obj.open_store().read() as db:
        total = db.execute("SELECT count(*) FROM audit").fetchone()[0]
        bar, progress = progress_bar(total, "Verifying")
        if bar is None:
            result = audit.verify(db, expect_head=expect)
        else:
            with bar:
                result = audit.verify(db, expect_head=expect, progress=progress)
    if not result.ok:
        click.echo(f"Audit log FAILED at entry {result.bad_seq}: {result.problem}.", err=True)
        sys.exit(1)
    extra = f"; head {expect[0]} is part of it" if expect else ""
    click.echo(f"Audit log verified: {result.checked} entries, chain intact{extra}.")


@audit_group.command("head")
@pass_ctx
def audit_head(obj: Context) -> None:
    """Print the newest entry as SEQ:HASH, to post on the wall or in the minutes.

    \b
    Example:
      hall audit head
    """
    from hall import audit

    with obj.open_store().read() as db:
        seq, digest = audit.head(db)
    click.echo(f"{seq}:{digest}")


def progress_bar(total: int, label: str):
    """Click's progress bar on stderr for long work (``total`` steps over 50,000) at a terminal, and
    the ``progress(done, total)`` callback that moves it; ``(None, None)`` otherwise."""
    if total <= 50000 or not sys.stderr.isatty():
        return None, None
    bar = click.progressbar(length=total, label=label, file=sys.stderr)
    last = [0]

    def progress(done: int, new_total: int) -> None:
        bar.length = new_total
        bar.update(done - last[0])
        last[0] = done

    return bar, progress


@audit_group.command("replay")
@json_option
@pass_ctx
def audit_replay(obj: Context, as_json: bool) -> None:
    """Rebuild the records from the log alone and compare them with the tables, row by row.

    Reads only: the database is left exactly as it was. Exits 1 at the first difference,
    naming the row, the column, both values and the entry that last set it.

    \b
    Example:
      hall audit replay && hall audit verify
    """
    from hall.replay import replay

    store = obj.store()
    with store.read_only() as db:
        total = db.execute("SELECT count(*) FROM audit").fetchone()[0]
    bar, progress = progress_bar(total, "Replaying")
    if bar is None:
        result = replay(store.path)
    else:
        with bar:
            result = replay(store.path, progress=progress)
    if as_json:
        emit_json(result.as_json())
    else:
        if result.note:
            click.echo(result.note[0].upper() + result.note[1:] + ".")
        if result.ok:
            click.echo(result.summary)
        else:
            click.echo(f"Replay FAILED: {result.summary}", err=True)
    if not result.ok:
        sys.exit(1)


@audit_group.command("heads")
@click.option("--since", metavar="YYYY-MM-DD", default=None, help="Only days from this one on (hall time).")
@json_option
@pass_ctx
def audit_heads(obj: Context, since: str | None, as_json: bool) -> None:
    """Each day's closing head (its last entry, SEQ:HASH), to post on the wall or the web.

    A head posted outside the machine proves later that the log up to it was not rewritten:
    `hall audit verify --head SEQ:HASH`.

    \b
    Example:
      hall audit heads --since 2026-11-01
    """
    from hall import audit
    from hall.operations.common import parse_date_text

    day = parse_date_text(since, "date") if since else None
    with obj.store().reading(read_only=True) as read:
        heads = audit.closing_heads(read.db, read.rules.zone, since=day)
    if as_json:
        emit_json([{"day": d.isoformat(), "seq": seq, "hash": digest} for d, seq, digest in heads])
        return
    if not heads:
        click.echo("No entries" + (f" since {day.isoformat()}." if day else "."))
    for d, seq, digest in heads:
        click.echo(f"{d.isoformat()}  {seq}:{digest}")


@audit_group.command("log")
@click.option("--card", default=None, help="Only entries about this member.")
@click.option("--call", "call_id", default=None, type=int, help="Only entries about this call.")
@click.option("--action", default=None, help="Only this action, e.g. offer.recorded.")
@click.option("--actor", default=None, help="Only entries by this person.")
@click.option("--limit", default=50, show_default=True, type=int,
              help="How many entries (newest first), at least 1.")
@json_option
@pass_ctx
def audit_log(obj: Context, card, call_id, action, actor, limit, as_json) -> None:
    """Read the audit log, newest first.

    \b
    Example:
      hall audit log --card 1042 --json
    """
    from hall import audit

    with obj.records().read() as db:
        rows = audit.entries(db, card=card, call=call_id, action=action, actor=actor, limit=limit)
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        summary = row["data"].get("message") or ", ".join(
            f"{k}={v}" for k, v in row["data"].items() if isinstance(v, (str, int)) and k != "message")[:100]
        click.echo(f"#{row['seq']:<6} {row['at']}  {row['actor']:<10} {row['action']:<22} {row['subject']:<14} {summary}")


@click.command()
@click.argument("dest", type=click.Path(dir_okay=False))
@pass_ctx
def backup(obj: Context, dest: str) -> None:
    """Copy the database safely while others keep working (SQLite backup API).

    \b
    Example:
      hall backup /media/usb/hall-2026-11-26.db
    """
    from hall.backup import backup_to

    message = backup_to(obj.records(), Path(dest))
    click.echo(message)


@click.command()
@click.argument("src", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace an existing database.")
@pass_ctx
def restore(obj: Context, src: str, force: bool) -> None:
    """Replace the hall database with a backup, after checking the backup. Stop every terminal first.

    Replacing a hall needs an admin's log-in; restoring where there is no database needs none.

    \b
    Example:
      hall --db hall.db restore /media/usb/hall-2026-11-26.db --force
    """
    from hall.backup import restore_from
    from hall.operations.access import check_restorer

    if obj.db_path.exists() and force:
        try:
            with obj.open_store().read():
                pass
        except HallError as error:
            raise HallError(f"{error} Move it aside (keep it for the record), then restore to {obj.db_path}, "
                            "where no log-in is needed.") from None
        check_restorer(obj.store(), obj.actor)
    click.echo(restore_from(Path(src), obj.db_path, force=force))


COMMANDS = (audit_group, backup, restore)
