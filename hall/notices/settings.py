"""Where notices go out: the mail server, the text gateway, quiet hours.

Read from the environment (``HALL_SMTP_HOST``, ``HALL_SMTP_PORT``, ``HALL_SMTP_USER``,
``HALL_SMTP_PASSWORD``, ``HALL_SMTP_FROM``, ``HALL_SMTP_STARTTLS``, ``HALL_SMS_URL``,
``HALL_SMS_ACCOUNT``, ``HALL_SMS_TOKEN``, ``HALL_SMS_FROM``, ``HALL_NOTIFY_QUIET_HOURS``)
and, under them, an optional ``notify.toml`` (``HALL_NOTIFY_CONFIG`` or ``--config``),
which must be readable by its owner only. Neither is ever written to the database or the
audit log, and ``Settings`` never shows a password or token (``repr``, ``describe``).
"""

from __future__ import annotations

import os
import stat
import tomllib
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Mapping

from hall.errors import HallError

DEFAULT_QUIET = "21:00-08:00"


@dataclass(frozen=True)
class Settings:
    """The mail server, the text gateway and when texts wait (``quiet``: from, until, in the
    hall's zone; None: texts at any hour)."""

    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_from: str = ""
    smtp_starttls: bool = True
    sms_url: str = ""
    sms_account: str = ""
    sms_token: str = field(default="", repr=False)
    sms_from: str = ""
    quiet: tuple[time, time] | None = (time(21, 0), time(8, 0))
    every_seconds: int = 30
    timeout_seconds: float = 20.0

    @property
    def email_ready(self) -> bool:
        return bool(self.smtp_host and self.smtp_from)

    @property
    def sms_ready(self) -> bool:
        return bool(self.sms_url and self.sms_from)

    def secrets(self) -> tuple[str, ...]:
        """The values no error message may repeat."""
        return tuple(s for s in (self.smtp_password, self.sms_token) if s)

    def describe(self) -> str:
        """One line for the service's start, without secrets."""
        email = f"email via {self.smtp_host}:{self.smtp_port}" if self.email_ready else "email not set up"
        sms = f"texts via {self.sms_url}" if self.sms_ready else "texts not set up"
        quiet = f"texts wait {self.quiet[0]:%H:%M}-{self.quiet[1]:%H:%M}" if self.quiet else "no quiet hours"
        return f"{email}; {sms}; {quiet}"


# key in notify.toml -> (environment variable, field, kind)
_KEYS = {
    ("smtp", "host"): ("HALL_SMTP_HOST", "smtp_host", str),
    ("smtp", "port"): ("HALL_SMTP_PORT", "smtp_port", int),
    ("smtp", "user"): ("HALL_SMTP_USER", "smtp_user", str),
    ("smtp", "password"): ("HALL_SMTP_PASSWORD", "smtp_password", str),
    ("smtp", "from"): ("HALL_SMTP_FROM", "smtp_from", str),
    ("smtp", "starttls"): ("HALL_SMTP_STARTTLS", "smtp_starttls", bool),
    ("sms", "url"): ("HALL_SMS_URL", "sms_url", str),
    ("sms", "account"): ("HALL_SMS_ACCOUNT", "sms_account", str),
    ("sms", "token"): ("HALL_SMS_TOKEN", "sms_token", str),
    ("sms", "from"): ("HALL_SMS_FROM", "sms_from", str),
    ("notify", "quiet_hours"): ("HALL_NOTIFY_QUIET_HOURS", "quiet", "quiet"),
    ("notify", "every_seconds"): ("HALL_NOTIFY_EVERY", "every_seconds", int),
}


def _clock(text: str, name: str) -> time:
    try:
        hours, minutes = text.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise HallError(f"{name} must be two times like 21:00-08:00, not {text!r}.") from None


def _value(raw, kind, name: str):
    if kind == "quiet":
        text = str(raw).strip()
        if text.lower() in ("", "none", "off"):
            return None
        if "-" not in text:
            raise HallError(f"{name} must be two times like 21:00-08:00 (or \"off\"), not {text!r}.")
        start, end = text.split("-", 1)
        return _clock(start, name), _clock(end, name)
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise HallError(f"{name} must be true or false, not {raw!r}.")
    if kind is int:
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise HallError(f"{name} must be a whole number, not {raw!r}.") from None
        if not 1 <= value <= 65535:
            raise HallError(f"{name} must be between 1 and 65535, not {value}.")
        return value
    if not isinstance(raw, str):
        raise HallError(f"{name} must be text, not {raw!r}.")
    return raw.strip()


def _read_file(path: Path) -> dict:
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise HallError(f"There is no notify settings file {path}.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise HallError(f"{path} could not be read ({error.__class__.__name__}).") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise HallError(f"{path} holds the mail and text secrets and others can read it: chmod 600 {path}.")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise HallError(f"{path} is not valid TOML ({error}).") from None
    found = {}
    for section, table in data.items():
        if not isinstance(table, dict):
            raise HallError(f"{path}: {section} must be a table ([smtp], [sms] or [notify]).")
        for key, raw in table.items():
            if (section, key) not in _KEYS:
                known = ", ".join(f"{s}.{k}" for s, k in _KEYS)
                raise HallError(f"{path}: {section}.{key} is not a setting (the settings are {known}).")
            found[(section, key)] = raw
    return found


def load_settings(env: Mapping[str, str] | None = None, path: str | Path | None = None) -> Settings:
    """The settings from ``env`` (default the process's environment) over ``notify.toml`` at
    ``path`` (or ``HALL_NOTIFY_CONFIG``); one sentence for a wrong value."""
    env = os.environ if env is None else env
    path = path or env.get("HALL_NOTIFY_CONFIG") or None
    from_file = _read_file(Path(path)) if path else {}
    values: dict = {"quiet": _value(DEFAULT_QUIET, "quiet", "quiet_hours")}
    for (section, key), (variable, name, kind) in _KEYS.items():
        if env.get(variable, "") != "":
            values[name] = _value(env[variable], kind, variable)
        elif (section, key) in from_file:
            values[name] = _value(from_file[(section, key)], kind, f"{section}.{key}")
    return Settings(**values)
