"""Logging in on the command line: ``hall login``, ``hall logout``, and who is running a command.

Every command that reads or writes the hall's records runs as an account: the one whose
script token is in ``$HALL_TOKEN`` (it wins; empty means none), else the one logged in
with ``hall login`` by this OS user on this database. The session's secret is kept in a
state file of its own (``$HALL_STATE_DIR``, default ``~/.local/state/hall/``; the folder
0700, the file 0600, never through a symbolic link), one per OS user and database; the
database keeps only its hash. The state file also keeps when the session was last used,
so a command that only reads writes nothing to the database.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import stat
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import click

from hall.cli.base import Context, pass_ctx, say
from hall.errors import HallError

LOG_IN_FIRST = "Log in first: hall login NAME."


# --- the state folder ---------------------------------------------------------------


def state_dir() -> Path:
    """``$HALL_STATE_DIR``, else ``$XDG_STATE_HOME/hall``, else ``~/.local/state/hall``."""
    given = os.environ.get("HALL_STATE_DIR", "").strip()
    if given:
        return Path(given).expanduser()
    xdg = os.environ.get("XDG_STATE_HOME", "").strip()
    return (Path(xdg) if xdg else Path.home() / ".local" / "state") / "hall"


def _own_folder(folder: Path) -> Path:
    """The state folder, made 0700 if new; one sentence if it is not a folder of this user's."""
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        info = folder.lstat()
    except OSError as error:
        raise HallError(f"The state folder {folder} cannot be used: {error.strerror or error}.") from None
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise HallError(f"The state folder {folder} is not a folder (a link or a file): remove it or set HALL_STATE_DIR.")
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise HallError(f"The state folder {folder} belongs to another user: set HALL_STATE_DIR to a folder of yours.")
    if stat.S_IMODE(info.st_mode) & 0o077:
        os.chmod(folder, 0o700)
    return folder


def _state_file(db_path: Path) -> Path:
    uid = os.getuid() if hasattr(os, "getuid") else 0
    key = hashlib.sha256(str(db_path.resolve()).encode("utf-8", "surrogatepass")).hexdigest()[:24]
    return state_dir() / f"session-{uid}-{key}.json"


@dataclass(frozen=True)
class State:
    """This OS user's session on one database, as its state file keeps it."""

    user: str
    secret: str
    last_used: datetime | None


def read_state(db_path: Path) -> State | None:
    """The session kept for ``db_path``, or None (no file, or one that cannot be trusted: removed)."""
    path = _state_file(db_path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return None
    except OSError:
        _forget(path)  # a symbolic link, or unreadable: not ours to trust
        return None
    try:
        info = os.fstat(fd)
        with os.fdopen(fd, "r", encoding="utf-8") as handle:
            fd = -1
            data = json.load(handle)
        trusted = stat.S_ISREG(info.st_mode) and not (stat.S_IMODE(info.st_mode) & 0o077) and (
            not hasattr(os, "getuid") or info.st_uid == os.getuid())
        if not trusted or data.get("db") != str(db_path.resolve()):
            _forget(path)
            return None
        from hall.load import parse_time

        return State(str(data["user"]), str(data["secret"]), parse_time(data.get("last_used")))
    except (OSError, ValueError, KeyError, TypeError):
        _forget(path)
        return None
    finally:
        if fd >= 0:
            os.close(fd)


def write_state(db_path: Path, user: str, secret: str, last_used: datetime) -> None:
    """Keep (or update) the session for ``db_path``: a new file 0600, moved into place."""
    from hall.audit import iso

    folder = _own_folder(state_dir())
    path = _state_file(db_path)
    temp = folder / f".{path.name}.{os.getpid()}"
    data = {"db": str(db_path.resolve()), "user": user, "secret": secret, "last_used": iso(last_used)}
    try:
        temp.unlink(missing_ok=True)
        fd = os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        os.replace(temp, path)
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise HallError(f"The session cannot be kept in {folder}: {error.strerror or error}.") from None


def _forget(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass


def forget_state(db_path: Path) -> None:
    """Remove the session kept for ``db_path`` (logged out, or ended)."""
    _forget(_state_file(db_path))


# --- who is running this command ----------------------------------------------------


def authenticate(obj: Context):
    """The credential this command runs with: ``$HALL_TOKEN``, else this OS user's session on the
    database (its last use moved to now); otherwise "Log in first"."""
    from hall.operations.tokens import SESSION, TOKEN, SessionEnded
    from hall.operations.tokens import authenticate as check

    store = obj.open_store()
    token = os.environ.get("HALL_TOKEN", "").strip()
    if token:
        return check(store, token, kind=TOKEN)
    state = read_state(obj.db_path)
    if state is None:
        with store.read_only():  # no hall there, or an older one: that sentence, not "log in"
            pass
        raise HallError(LOG_IN_FIRST)
    try:
        credential = check(store, state.secret, kind=SESSION, last_used=state.last_used)
    except SessionEnded:
        forget_state(obj.db_path)
        raise
    write_state(obj.db_path, credential.actor.name, state.secret, store.now())
    return credential


# --- the commands ---------------------------------------------------------------------


def read_secret(from_stdin: bool, prompt: str = "Password", *, confirm: bool, what: str = "password") -> str:
    """A password or PIN: one line from stdin, or asked (twice when it is being set)."""
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise HallError(f"Nothing was given on stdin: give the {what} on one line.")
        return line.rstrip("\r\n")
    if confirm:
        return click.prompt(prompt, hide_input=True, confirmation_prompt=f"Repeat the {what}", err=True)
    return click.prompt(prompt, hide_input=True, err=True)


password_stdin = click.option("--password-stdin", "password_stdin", is_flag=True,
                              help="Read the password from one line of stdin instead of asking.")


def os_user() -> str:
    """The OS user running this command (recorded with a session)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError, ImportError):  # no login name for this uid (a container, a service)
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"


@click.command()
@click.argument("name")
@password_stdin
@pass_ctx
def login(obj: Context, name: str, password_stdin: bool) -> None:
    """Log in: start a session for this OS user on this database (it ends with `hall logout` or
    after security.cli_session_minutes without use).

    \b
    Example:
      hall --db hall.db login maria
    """
    from hall.operations.tokens import open_session

    store = obj.open_store()
    _own_folder(state_dir())  # refused before the password is asked if it cannot be used
    password = read_secret(password_stdin, "Password", confirm=False)
    earlier = read_state(obj.db_path)
    credential, secret = open_session(store, name, password, os_user=os_user(),
                                      replaces=earlier.secret if earlier else None)
    write_state(obj.db_path, credential.actor.name, secret, store.now())
    minutes = store.rules()[1].security.cli_session_minutes
    click.echo(f"Logged in as {credential.actor.name} ({credential.actor.role}) on {obj.db_path}; the session "
               f"ends with `hall logout` or after {minutes} minutes without use.")


@click.command()
@pass_ctx
def logout(obj: Context) -> None:
    """End this OS user's session on this database.

    \b
    Example:
      hall logout
    """
    from hall.operations.tokens import SESSION, authenticate as check, close_session

    state = read_state(obj.db_path)
    if state is None:
        click.echo("You were not logged in on this hall.")
        return
    try:
        credential = check(obj.open_store(), state.secret, kind=SESSION)
    except HallError:
        forget_state(obj.db_path)
        click.echo("Your session had already ended: you are logged out.")
        return
    receipt = close_session(obj.open_store(), credential)
    forget_state(obj.db_path)
    say(receipt)


COMMANDS = (login, logout)
