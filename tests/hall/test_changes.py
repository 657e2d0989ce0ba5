"""One way to write: every action the code records is declared with its meaning and tables, every table
is replayed or says why not, a write around ``apply`` is refused, and hashes are never shown."""

from __future__ import annotations

import ast
import importlib
import json
import re
import sqlite3
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import pytest

from hall import audit, changes
from hall.db import connect
from hall.errors import HallError
from hall.identity import declared, permission_of
from hall.load import parse_time
from hall.operations import members, registrations
from hall.operations.referrals import REFERRAL_OUTCOMES
from hall.store import Store
from tests.conftest import ACTOR, ADMIN, DEMO_ADMIN, DEMO_NOW, ZONE, dump
from tests.hall.conftest import Hall

ROOT = Path(__file__).resolve().parents[2]


def recorded_actions() -> list[tuple[Path, str | re.Pattern]]:
    """Every action the code can write: the first argument of each ``.record(...)`` and the ``action``
    of each ``audit.append(...)`` in hall/, as text, or as a pattern for an f-string."""
    found = []
    for path in sorted((ROOT / "hall").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            if node.func.attr == "record" and node.args:
                arg = node.args[0]
            elif node.func.attr == "append" and isinstance(node.func.value, ast.Name) and \
                    node.func.value.id == "audit":
                arg = next((k.value for k in node.keywords if k.arg == "action"), None)
            else:
                continue
            if arg is None:
                continue
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.append((path, arg.value))
            elif isinstance(arg, ast.JoinedStr):
                pattern = "".join(re.escape(v.value) if isinstance(v, ast.Constant) else "[a-z_]+"
                                  for v in arg.values)
                found.append((path, re.compile(pattern)))
            elif isinstance(arg, ast.Name):  # a module constant, or a parameter passed on (its callers count)
                constant = getattr(importlib.import_module(module), arg.id, None)
                if constant is not None:
                    found.append((path, constant))
            else:
                found.append((path, ast.unparse(arg)))  # unreadable: fails below
    return found


def test_every_action_the_code_records_is_declared_and_every_declared_one_is_recorded():
    found = recorded_actions()
    assert len(found) > 30
    for path, action in found:
        if isinstance(action, re.Pattern):
            assert any(action.fullmatch(a) for a in changes.ACTIONS), f"{path.name}: {action.pattern} is not declared"
        else:
            assert action in changes.ACTIONS, f"{path.name} records {action!r}, which hall.changes.ACTIONS lacks"
    for outcome in REFERRAL_OUTCOMES:  # the one f-string: referral.{outcome}
        assert f"referral.{outcome}" in changes.ACTIONS
    for declared, meaning in changes.ACTIONS.items():
        assert meaning.meaning and set(meaning.writes) <= set(changes.REPLAYED), declared
        assert any(a == declared if isinstance(a, str) else a.fullmatch(declared) for _, a in found), \
            f"{declared} is declared but nothing records it"


def test_every_table_is_replayed_or_says_why_not(fresh_db):
    conn = sqlite3.connect(fresh_db)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                                             " AND name NOT LIKE 'sqlite_%'")}
        for spec in changes.REPLAYED.values():
            columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{spec.name}")')]
            assert set(spec.key) <= set(columns), spec.name
            for hashed in spec.hashes:
                assert hashed in columns, spec.name
            named = spec.describe(dict.fromkeys(columns, "x"))
            assert "?" not in named, f"{spec.name}'s label names a column it lacks: {spec.label}"
    finally:
        conn.close()
    assert tables == set(changes.REPLAYED) | set(changes.NOT_REPLAYED)
    assert not set(changes.REPLAYED) & set(changes.NOT_REPLAYED)
    assert all(why for why in changes.NOT_REPLAYED.values())


@contextmanager
def writing(store):
    """An operation's transaction, as a dispatcher's member update runs it (declared and checked)."""
    with declared(permission_of(members.update_member)), store.write(ACTOR) as tx:
        yield tx


def test_a_raw_write_inside_an_operation_is_refused_and_nothing_is_written(store):
    members.add_member(store, "1042", "Ada Lovelace", actor=ACTOR, classes=["JW"])
    before = dump(store.path)
    for raw in ("UPDATE members SET phone = '1' WHERE card = '1042'",
                "INSERT INTO member_classes (card, classification) VALUES ('1042', 'AP')",
                "DELETE FROM certifications"):
        with pytest.raises(changes.UnloggedWrite, match="outside hall.changes.apply"):
            with writing(store) as tx:
                tx.db.execute(raw)
                tx.record("member.updated", "member:1042", {"card": "1042"})
    with pytest.raises(changes.UnloggedWrite):
        with writing(store) as tx:
            tx.db["members"].update("1042", {"name": "Someone Else"})  # sqlite-utils' own path too
    assert dump(store.path) == before


def test_a_table_that_is_not_replayed_may_be_written(store):
    members.add_member(store, "1042", "Ada Lovelace", actor=ACTOR, classes=["JW"])
    with writing(store) as tx:
        tx.db.execute("INSERT INTO self_identification (card, recorded_at) VALUES ('1042', 'x')")
        tx.record("member.self_identified", "member:1042", {"card": "1042"})
    assert "writes" not in audit.entries(connect(store.path), action="member.self_identified")[0]["data"]


def test_writes_never_recorded_are_refused_before_commit(store):
    members.add_member(store, "1042", "Ada Lovelace", actor=ACTOR, classes=["JW"])
    before = dump(store.path)
    with pytest.raises(changes.UnloggedWrite, match="never recorded in an audit entry"):
        with writing(store) as tx:
            tx.update("members", "1042", {"phone": "312-555-0101"})
    assert dump(store.path) == before


def test_an_action_may_write_only_the_tables_it_declares(store):
    members.add_member(store, "1042", "Ada Lovelace", actor=ACTOR, classes=["JW"])
    with pytest.raises(changes.UnloggedWrite, match="user.logout writes members"):
        with writing(store) as tx:
            tx.update("members", "1042", {"phone": "312-555-0101"})
            tx.record("user.logout", "user:maria", {"user": "maria"})
    with pytest.raises(changes.UnloggedWrite, match="not declared"):
        with writing(store) as tx:
            tx.record("member.renamed", "member:1042", {"card": "1042"})


def test_an_entry_holds_every_value_its_operation_set(store):
    members.add_member(store, "1042", "Ada Lovelace", actor=ACTOR, classes=["JW"], certs=["OSHA-30:2027-06-30"],
                       phone="312-555-0101")
    receipt = registrations.sign(store, "1042", "JW-1", actor=ACTOR)
    db = connect(store.path)
    try:
        signed = audit.entries(db, action="registration.signed")[0]["data"]["writes"]
        row = db.execute("SELECT id, registered_at FROM registrations").fetchone()
        history = db.execute("SELECT id, audit_seq FROM registration_history").fetchone()
    finally:
        db.close()
    assert signed == [
        ["insert", "registrations", {"id": row[0], "card": "1042", "book_id": "JW-1", "registered_at": row[1],
                                     "last_signed_at": row[1], "signed_via": "in_person", "signed_by": "tester",
                                     "status": "waiting"}],
        ["insert", "registration_history", {"id": history[0], "registration_id": row[0], "card": "1042",
                                            "book_id": "JW-1", "at": row[1], "status": "waiting",
                                            "registered_at": row[1], "last_signed_at": row[1], "event": "signed",
                                            "audit_seq": receipt.seq}],
    ]
    assert history[1] == receipt.seq
    store.clock.advance(minutes=5)
    members.update_member(store, "1042", actor=ACTOR, phone="312-555-0101", name="Ada King")
    db = connect(store.path)
    try:
        updated = audit.entries(db, action="member.updated")[0]["data"]["writes"]
    finally:
        db.close()
    assert updated[0][:3] == ["update", "members", "1042"] and set(updated[0][3]) == {"name", "phone_checked_at"}


def test_password_and_pin_hashes_are_shown_as_hash(demo_hall, clock):
    store = Store(demo_hall, clock)
    members.set_pin(store, "1042", "4321", actor=ADMIN)
    hall = Hall(demo_hall, clock=lambda: DEMO_NOW, admin=DEMO_ADMIN)
    raw = sqlite3.connect(demo_hall).execute("SELECT count(*) FROM audit WHERE data LIKE '%$argon2%'").fetchone()[0]
    assert raw >= 4  # the log holds them (a replaced hash is caught)...
    shown = hall.run("audit", "log", "--limit", "1000", "--json").stdout
    assert "$argon2" not in shown and shown.count('"(hash)"') >= 4  # ...people never see them
    assert "$argon2" not in hall.run("audit", "log", "--limit", "1000").stdout
    entry = next(e for e in json.loads(shown) if e["action"] == "member.pin_set")
    assert entry["data"]["writes"] == [["update", "members", "1042", {"pin_hash": "(hash)"}]]
    assert changes.write_text(["insert", "users", {"name": "jo", "password_hash": "$argon2id$v=19$x",
                                                   "role": "dispatcher"}]) == \
        "insert users jo: password_hash (hash), role dispatcher"


def test_each_days_closing_head_is_its_last_entry(demo_hall):
    hall = Hall(demo_hall, clock=lambda: DEMO_NOW, admin=DEMO_ADMIN)
    heads = hall.json("audit", "heads")
    entries = hall.audit()
    by_day: dict[str, dict] = {}
    for entry in entries:
        by_day[datetime.fromisoformat(entry["at"]).astimezone(ZONE).date().isoformat()] = entry
    assert [h["day"] for h in heads] == sorted(by_day)
    assert heads == [{"day": day, "seq": e["seq"], "hash": e["hash"]} for day, e in sorted(by_day.items())]
    assert heads[-1]["seq"] == len(entries) and heads[-1]["day"] == "2026-11-26"
    daybook = hall.ok("report", "daybook", "--date", heads[-2]["day"]).stdout
    assert f"{heads[-2]['seq']}" in daybook and heads[-2]["hash"] in daybook  # the day book prints the same head
    since = hall.json("audit", "heads", "--since", "2026-11-20")
    assert since == [h for h in heads if h["day"] >= "2026-11-20"] and len(since) >= 4
    text = hall.ok("audit", "heads", "--since", "2026-11-25").stdout.splitlines()
    assert text == [f"{h['day']}  {h['seq']}:{h['hash']}" for h in heads if h["day"] >= "2026-11-25"]
    assert hall.ok("audit", "heads", "--since", "2027-01-01").stdout == "No entries since 2027-01-01.\n"
    assert "is not a date" in hall.fails("audit", "heads", "--since", "last week").stderr


def test_heads_follow_the_halls_zone_across_midnight(fresh_db):
    db = connect(fresh_db)
    try:
        for moment in ("2026-11-20T05:30:00Z", "2026-11-20T06:30:00Z"):  # 23:30 and 00:30 in Chicago
            audit.append(db, at=parse_time(moment), actor="t", action="user.logout", subject="user:t",
                         data={"user": "t"}, ruleset=1)
        heads = audit.closing_heads(db, ZONE)
    finally:
        db.close()
    assert [(d, s) for d, s, _ in heads] == [(date(2026, 10, 1), 1), (date(2026, 11, 19), 2), (date(2026, 11, 20), 3)]


def test_an_operation_refused_for_a_user_error_still_writes_nothing(store):
    members.add_member(store, "1042", "Ada Lovelace", actor=ACTOR, classes=["JW"])
    before = dump(store.path)
    with pytest.raises(HallError):
        members.update_member(store, "1042", actor=ACTOR, classes=["XX"])
    assert dump(store.path) == before
