"""What every command shares: the group that turns errors into one sentence, the context
(where the hall is, who is acting), JSON output and receipts."""

from __future__ import annotations

import json
import sqlite3
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import click

from hall.errors import HallError


def one_line(text: str) -> str:
    """A message safe for a terminal: one line, control and bidi characters shown as escapes."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


class HallGroup(click.Group):
    """A click group that turns hall errors into one sentence and a non-zero exit."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except HallError as error:
            raise click.ClickException(one_line(str(error))) from None
        except sqlite3.OperationalError as error:
            if "locked" in str(error) or "busy" in str(error):
                raise click.ClickException("The database is busy (another terminal is writing); try again.") from None
            raise click.ClickException(f"The database could not be used: {error}.") from None
        except sqlite3.DatabaseError as error:
            raise click.ClickException(f"The database could not be read: {error}.") from None
        except OverflowError:
            # A call number too large for the database, a date past the calendar's end.
            raise click.ClickException("A number or date given is out of range: give a smaller one.") from None
        except UnicodeEncodeError:
            # Bytes that are not UTF-8 on the command line (they arrive as lone surrogates).
            raise click.ClickException("The input is not valid UTF-8 text: type it again.") from None
        except KeyboardInterrupt:
            click.echo("Interrupted: nothing more was written.", err=True)
            sys.exit(130)


def _json_default(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__}")


def emit_json(data) -> None:
    """Exactly one JSON document on stdout."""
    click.echo(json.dumps(data, default=_json_default, ensure_ascii=False, indent=2))


def say(receipt) -> None:
    """Print what an operation did and its receipt (the audit entry's number) to read back."""
    click.echo(f"{receipt.message} Receipt #{receipt.seq}.")


class Context:
    """What every command needs: where the hall is and who is running the command.

    ``store()`` and ``actor`` need a log-in (``$HALL_TOKEN`` or a session: otherwise "Log in
    first: hall login NAME."); ``records()`` also checks that the account may read the
    records; ``open_store()`` is for the few commands that work without a log-in.
    """

    def __init__(self, db: str | None):
        self.path = Path(db) if db else None
        self._credential = None

    @property
    def db_path(self) -> Path:
        from hall.db import default_path

        return self.path or default_path()

    def open_store(self):
        """The hall's Store, with no log-in (init, check, audit verify and head, log-in itself).
        Imported here: ``hall --help`` needs no database code."""
        from hall.store import Store

        return Store(self.db_path)

    @property
    def credential(self):
        """The token or session this command runs with (checked once per command)."""
        if self._credential is None:
            from hall.cli.login import authenticate

            self._credential = authenticate(self)
        return self._credential

    @property
    def actor(self):
        """Who is running this command (an ``Actor``; every operation checks it again)."""
        return self.credential.actor

    def store(self):
        """The hall's Store, for a logged-in account."""
        self.credential
        return self.open_store()

    def records(self):
        """The hall's Store, for an account that may read the records (checked, and a refusal
        recorded)."""
        from hall.operations.access import check_reader

        store = self.store()
        check_reader(store, self.actor)
        return store


pass_ctx = click.make_pass_decorator(Context)

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
"""The ``--json`` flag of every command that can print one JSON document."""

call_argument = click.argument("call_id", metavar="CALL", type=int)
"""The CALL argument (a call's number) of every command about one call."""


def call_and_card(command):
    """The CALL and CARD arguments of a command about one member on one call."""
    return call_argument(click.argument("card")(command))


def until_option(what: str):
    """``--until``, a required last day (included); ``what`` says the last day of what."""
    return click.option("--until", required=True, metavar="YYYY-MM-DD", help=f"Last day {what} (included).")
