"""Creating a hall and changing its rule set (with notice, audited with both texts)."""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import replace
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path

from dispatch import calendar
from dispatch.rules import RuleSet, RulesError, describe_changes, load_rules, rules_to_toml, valid_timezone
from hall import audit, changes, schema
from hall.db import connect, immediate
from hall.errors import HallError
from hall.identity import ADMIN, Actor, allowed
from hall.operations.common import Receipt, check_text, parse_datetime_text
from hall.store import Store, Tx


def machine_timezone() -> str:
    """The machine's IANA zone name, or UTC when it cannot be told."""
    name = _machine_timezone_name()
    return name if valid_timezone(name) else "UTC"


def _machine_timezone_name() -> str:
    if os.environ.get("TZ", "").strip() and "/" in os.environ["TZ"]:
        return os.environ["TZ"].strip().lstrip(":")
    try:
        link = Path("/etc/localtime").resolve()
        parts = link.parts
        if "zoneinfo" in parts:
            return "/".join(parts[parts.index("zoneinfo") + 1:])
    except OSError:
        pass
    try:
        return Path("/etc/timezone").read_text().strip() or "UTC"
    except OSError:
        return "UTC"


def read_rules_text(text: str, default_timezone: str | None = None) -> RuleSet:
    """A rule set text checked completely; ``RulesError`` becomes a user sentence."""
    try:
        return load_rules(text, default_timezone=default_timezone or machine_timezone())
    except RulesError as error:
        raise HallError(f"The rules file is not valid: {error}") from None


def _sync_books(tx: Tx, rules: RuleSet) -> None:
    for book in rules.books:
        values = {"name": book.name, "classification": book.classification,
                  "priority": book.priority, "requires": json.dumps(list(book.requires))}
        if tx.db.execute("SELECT 1 FROM books WHERE id = ?", [book.id]).fetchone():
            tx.update("books", book.id, values)
        else:
            tx.insert("books", {"id": book.id, **values})


def preset_names() -> list[str]:
    """The rule presets shipped in ``hall/presets`` (complete rule set files, each choice sourced)."""
    folder = resources.files("hall") / "presets"
    return sorted(item.name[:-5] for item in folder.iterdir() if item.name.endswith(".toml"))


def preset_text(name: str) -> str:
    """The text of one preset, or a sentence naming the presets there are."""
    names = preset_names()
    if name not in names:
        shown = name if name.isprintable() and len(name) <= 40 else repr(name[:40])
        raise HallError(f"There is no preset {shown!r}: the presets are {', '.join(names)}.")
    return (resources.files("hall") / "presets" / f"{name}.toml").read_text(encoding="utf-8")


def _kiosk_auth_unless_given(rules: RuleSet, text: str | None, auth: str) -> RuleSet:
    """``rules`` with ``kiosk.auth`` = ``auth`` unless the rules file names one itself: new halls
    use card + PIN at the kiosk, and a new rules file that does not say keeps the hall's."""
    given = tomllib.loads(text).get("kiosk", {}) if text else {}
    if isinstance(given, dict) and "auth" in given:
        return rules
    return replace(rules, kiosk=replace(rules.kiosk, auth=auth))


def init_database(path: str | Path, *, admin: str, password: str, now: datetime,
                  rules_text: str | None = None, preset: str | None = None) -> Receipt:
    """Create a new hall database with a rule set (the defaults when none is given) and its
    first admin account; on a new file only."""
    from hall.operations.accounts import check_name, check_password, hash_secret, insert_user

    path = Path(path)
    if path.exists() and path.stat().st_size > 0:
        raise HallError(f"{path} already exists: choose another path or remove it first.")
    admin = check_name(admin)
    check_password(password)
    hashed = hash_secret(password)
    if rules_text is None:
        rules = load_rules("", default_timezone=machine_timezone())
    else:
        rules = read_rules_text(rules_text)
    rules = _kiosk_auth_unless_given(rules, rules_text, "pin")
    # Stored complete (every default spelled out, the zone fixed), so the text
    # alone always reads back to the same rules on any machine.
    text = rules_to_toml(rules)
    db = connect(path, create=True)
    try:
        with immediate(db):
            schema.upgrade(db, now=now)
            when = audit.iso(now)
            with changes.logged(db):
                tx = Tx(db, now, admin, rules, None, who=Actor.staff(admin, ADMIN), role=ADMIN)
                tx.ruleset_id = tx.insert("rulesets", {"text": text, "effective_at": when, "created_at": when,
                                                       "created_by": admin})
                _sync_books(tx, rules)
                insert_user(tx, admin, ADMIN, hashed)
                entry = tx.record("hall.initialized", "hall", {
                    "name": rules.hall.name, "timezone": rules.hall.timezone, "rules": text,
                    "rules_file": rules_text, "preset": preset,
                    "schema": schema.latest_version(), "admin": admin,
                })
                tx.check_recorded()
    except BaseException:
        db.close()
        path.unlink(missing_ok=True)
        for suffix in ("-wal", "-shm", "-journal"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        raise
    db.close()
    return Receipt.of(entry, f"Created {path} for {rules.hall.name} ({rules.hall.timezone}); "
                             f"log in with: hall login {admin}")


@allowed(ADMIN, doing="change the rules")
def set_rules(store: Store, text: str, effective: str | datetime, *, actor: Actor,
              urgent_reason: str = "") -> Receipt:
    """Adopt a new rule set from ``effective`` on: at least the notice days ahead unless urgent."""
    urgent_reason = check_text(urgent_reason, "reason for urgency", required=False)
    read_rules_text(text)  # a bad file is refused before anything else
    file_text = text
    with store.write(actor) as tx:
        # A file that names no zone keeps the hall's, and no kiosk.auth the hall's.
        new_rules = read_rules_text(file_text, default_timezone=tx.rules.hall.timezone)
        new_rules = _kiosk_auth_unless_given(new_rules, file_text, tx.rules.kiosk.auth)
        text = rules_to_toml(new_rules)
        if isinstance(effective, str):
            effective_at = parse_datetime_text(effective, tx.rules, "effective date and time")
        else:
            effective_at = effective
        earliest = tx.now + timedelta(days=tx.rules.notice.days)
        today = calendar.local_date(tx.now, tx.rules)
        if effective_at < earliest and not urgent_reason:
            raise HallError(
                f"Rule changes need {tx.rules.notice.days} days' notice: take effect on or after "
                f"{calendar.moment_text(earliest, tx.rules, today)}, or mark the change urgent with a reason."
            )
        if effective_at < tx.now:
            raise HallError("A rule change cannot take effect in the past.")
        old_text = tx.db.execute("SELECT text FROM rulesets WHERE id = ?", [tx.ruleset_id]).fetchone()[0]
        when = audit.iso(tx.now)
        new_id = tx.insert("rulesets", {
            "text": text, "effective_at": audit.iso(effective_at), "created_at": when,
            "created_by": tx.actor, "urgent_reason": urgent_reason or None,
        })
        _sync_books(tx, new_rules)
        changes = describe_changes(tx.rules, new_rules)
        entry = tx.record("rules.changed", "rules", {
            "new_ruleset": new_id, "effective_at": audit.iso(effective_at), "old_text": old_text,
            "new_text": text, "new_file": file_text, "changes": changes, "urgent_reason": urgent_reason,
        })
        return Receipt.of(
            entry, f"New rules take effect {calendar.moment_text(effective_at, new_rules, today)}.", new_id
        )
