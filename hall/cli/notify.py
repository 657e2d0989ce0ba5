"""Notices: deliver what is due (once, or as a service), see the outbox, send one again."""

from __future__ import annotations

import signal
import threading
from datetime import datetime

import click

from hall.cli.base import Context, emit_json, json_option, pass_ctx

config_option = click.option("--config", "config", metavar="PATH", default=None,
                             help="A notify.toml (mode 600) with the settings the environment does not give "
                                  "(default: $HALL_NOTIFY_CONFIG).")


@click.group()
def notify() -> None:
    """Send members their notices by email and text message.

    Settings come from the environment (HALL_SMTP_HOST, HALL_SMS_URL, ...) or a notify.toml.

    \b
    Example:
      hall notify run --once --config /etc/hall/notify.toml
    """


def _stamp(store) -> str:
    return f"{store.now():%Y-%m-%dT%H:%M:%SZ}"


def _one_pass(store, settings, stop=None):
    from hall.notices.delivery import deliver

    store.sweep()  # removals and notices that fell due, recorded first (actor system)
    return deliver(store, settings, stop=stop)


@notify.command("run")
@click.option("--once", is_flag=True, help="One pass, then exit (otherwise run until stopped).")
@config_option
@pass_ctx
def notify_run(obj: Context, once: bool, config: str | None) -> None:
    """Deliver the notices that are due: email through SMTP, texts through the gateway.

    Settings come from the environment (HALL_SMTP_HOST, HALL_SMTP_PORT, HALL_SMTP_USER,
    HALL_SMTP_PASSWORD, HALL_SMTP_FROM, HALL_SMTP_STARTTLS, HALL_SMS_URL, HALL_SMS_ACCOUNT,
    HALL_SMS_TOKEN, HALL_SMS_FROM, HALL_NOTIFY_QUIET_HOURS) or a notify.toml. Without
    --once it runs as a service: a pass every 30 seconds, stopping cleanly on SIGTERM.

    \b
    Example:
      hall notify run --once
      hall notify run --config /etc/hall/notify.toml
    """
    from hall.errors import Busy
    from hall.notices.settings import load_settings

    store = obj.records()
    settings = load_settings(path=config)
    click.echo(f"hall notify: {settings.describe()}", err=True)
    if once:
        result = _one_pass(store, settings)
        for error in result.errors:
            click.echo(f"  {error}", err=True)
        click.echo(f"Notices: {result.summary()}")
        return
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        click.echo(f"{_stamp(store)} running: a pass every {settings.every_seconds} s (stop with SIGTERM)")
        while not stop.is_set():
            try:
                result = _one_pass(store, settings, stop)
            except Busy:
                result = None  # another writer held the file: the next pass tries again
            if result is not None and (result.sent or result.failed or result.unknown or result.dropped):
                click.echo(f"{_stamp(store)} {result.summary()}")
                for error in result.errors:
                    click.echo(f"  {error}")
            stop.wait(settings.every_seconds)
        click.echo(f"{_stamp(store)} stopped.")
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@notify.command("status")
@json_option
@pass_ctx
def notify_status(obj: Context, as_json: bool) -> None:
    """The outbox: how many notices wait, went today, and which are failing and why.

    \b
    Example:
      hall notify status --json
    """
    from hall.queries.notices import outbox_summary

    store = obj.records()
    with store.reading() as read:
        summary = outbox_summary(read.db, read.rules, read.now, limit=50)
    if as_json:
        emit_json({"waiting": summary.waiting, "sent_today": summary.sent_today,
                   "failing_total": summary.failing_total,
                   "failing": [{"id": f.id, "card": f.card, "kind": f.kind, "channel": f.channel, "state": f.state,
                                "attempts": f.attempts, "next_at": f.next_at, "error": f.error}
                               for f in summary.failing]})
        return
    click.echo(summary.line())
    for f in summary.failing:
        when = f" · next try {_local(f.next_at, read.rules)}" if f.next_at else " · waits for staff"
        click.echo(f"  #{f.id} {f.card} {f.name} ({f.kind}, {f.channel}, {f.attempts} tries{when}): {f.error}")


def _local(moment: datetime, rules) -> str:
    from dispatch.calendar import moment_text

    return moment_text(moment, rules)


@notify.command("retry")
@click.argument("notice_id", metavar="NOTICE", type=int)
@pass_ctx
def notify_retry(obj: Context, notice_id: int) -> None:
    """Send a notice again at the next run: one a stopped run may have sent, or one failing.

    \b
    Example:
      hall notify retry 17
    """
    from hall.notices.delivery import retry

    store = obj.records()
    click.echo(retry(store, notice_id))


COMMANDS = (notify,)
