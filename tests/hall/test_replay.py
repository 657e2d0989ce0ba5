"""The log rebuilds the lists: an edit made behind the software's back is named by `hall audit replay`
and caught by `hall check`; an untouched hall replays clean; replaying changes nothing.

The edits are those found going unnoticed before (issue 13), made with plain ``sqlite3`` on a copy of
the demo hall (four weeks of real history).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from pathlib import Path

import pytest

from hall import changes
from hall.replay import replay
from tests.conftest import DEMO_ADMIN, DEMO_NOW
from tests.hall.conftest import Hall

ROOT = Path(__file__).resolve().parents[2]


def one(conn: sqlite3.Connection, sql: str, params=()):
    return conn.execute(sql, params).fetchone()


def waiting_registration(conn, card: str, book: str) -> int:
    return one(conn, "SELECT id FROM registrations WHERE card = ? AND book_id = ? AND status = 'waiting'",
               [card, book])[0]


# Each edit: what it does to the file, and what replay must name: (table, column or None, the row's name,
# its key).
# The first fifteen are the issue's; the last two are of the same kind (an outcome rewritten, a request
# of the member's own erased).

def registered_at_to_2020(conn):
    reg = waiting_registration(conn, "1139", "JW-1")
    conn.execute("UPDATE registrations SET registered_at = '2020-01-01T00:00:00Z' WHERE id = ?", [reg])
    return "registrations", "registered_at", f"registration 1139 JW-1 (id {reg})", reg


def certificate_extended(conn):
    cert = one(conn, "SELECT id FROM certifications WHERE card = '1042' AND name = 'Confined Space'")[0]
    conn.execute("UPDATE certifications SET expires = '2031-12-31' WHERE id = ?", [cert])
    return "certifications", "expires", f"member 1042's certification Confined Space (id {cert})", cert


def offer_inserted(conn):
    conn.execute("INSERT INTO offers (call_id, card, book_id, position, outcome, at, recorded_by)"
                 " VALUES (13, '1042', 'JW-1', 1, 'declined', '2026-11-26T13:00:00Z', 'maria')")
    new = one(conn, "SELECT max(id) FROM offers")[0]
    return "offers", None, f"offer {new} (call #13, card 1042)", new


def turndowns_changed(conn):
    reg = one(conn, "SELECT id, card, book_id FROM registrations WHERE turndowns = 2")
    conn.execute("UPDATE registrations SET turndowns = 0 WHERE id = ?", [reg[0]])
    return "registrations", "turndowns", f"registration {reg[1]} {reg[2]} (id {reg[0]})", reg[0]


def rule_text_edited(conn):
    text = one(conn, "SELECT text FROM rulesets WHERE id = 1")[0]
    assert "limit = 3" in text
    conn.execute("UPDATE rulesets SET text = ? WHERE id = 1", [text.replace("limit = 3", "limit = 1", 1)])
    return "rulesets", "text", "rule set 1", 1


def rules_effective_moved(conn):
    conn.execute("UPDATE rulesets SET effective_at = '2026-11-25T00:00:00Z' WHERE id = 1")
    return "rulesets", "effective_at", "rule set 1", 1


def dispatcher_made_admin(conn):
    conn.execute("UPDATE users SET role = 'admin' WHERE name = 'maria'")
    return "users", "role", "user maria", "maria"


def password_hash_replaced(conn):
    forged = one(conn, "SELECT password_hash FROM users WHERE name = 'admin'")[0]
    conn.execute("UPDATE users SET password_hash = ? WHERE name = 'maria'", [forged])
    return "users", "password_hash", "user maria", "maria"


def member_suspended(conn):
    conn.execute("UPDATE members SET standing = 'suspended', suspension_note = 'two discharges' WHERE card = '1057'")
    return "members", "standing", "member 1057", "1057"


def registration_deleted(conn):
    reg = waiting_registration(conn, "3045", "JW-3")
    conn.execute("DELETE FROM registration_history WHERE registration_id = ?", [reg])
    conn.execute("DELETE FROM registrations WHERE id = ?", [reg])
    return "registrations", None, f"registration 3045 JW-3 (id {reg})", reg


def registration_removed(conn):
    reg = waiting_registration(conn, "1289", "JW-1")
    conn.execute("UPDATE registrations SET status = 'removed', removed_reason = 'failed to re-sign',"
                 " removed_at = '2026-11-25T23:00:00Z' WHERE id = ?", [reg])
    return "registrations", "status", f"registration 1289 JW-1 (id {reg})", reg


def referral_basis_changed(conn):
    ref = one(conn, "SELECT id, call_id, card FROM referrals WHERE basis = 'list_order' ORDER BY id LIMIT 1")
    conn.execute("UPDATE referrals SET basis = 'name_request' WHERE id = ?", [ref[0]])
    return "referrals", "basis", f"referral {ref[0]} (call #{ref[1]}, card {ref[2]})", ref[0]


def call_workers_changed(conn):
    conn.execute("UPDATE calls SET workers = 1 WHERE id = 13")
    return "calls", "workers", "call #13", 13


def phone_changed(conn):
    conn.execute("UPDATE members SET phone = '(312) 555-9999' WHERE card = '1042'")
    return "members", "phone", "member 1042", "1042"


def employer_bar_inserted(conn):
    conn.execute("INSERT INTO employer_bars (employer_id, card, until, reason, created_at, created_by)"
                 " VALUES (1, '1126', '2027-06-30', 'no reason', '2026-11-26T12:00:00Z', 'maria')")
    new = one(conn, "SELECT max(id) FROM employer_bars")[0]
    return "employer_bars", None, f"bar {new} on member 1126", new


def offer_outcome_rewritten(conn):
    offer = one(conn, "SELECT id, call_id, card FROM offers WHERE outcome = 'declined' ORDER BY id LIMIT 1")
    conn.execute("UPDATE offers SET outcome = 'no_answer', turndown_counted = 0 WHERE id = ?", [offer[0]])
    return "offers", "outcome", f"offer {offer[0]} (call #{offer[1]}, card {offer[2]})", offer[0]


def unavailability_erased(conn):
    row = one(conn, "SELECT id, card FROM unavailability ORDER BY id LIMIT 1")
    conn.execute("DELETE FROM unavailability WHERE id = ?", [row[0]])
    return "unavailability", None, f"unavailability {row[0]} of member {row[1]}", row[0]


EDITS = (registered_at_to_2020, certificate_extended, offer_inserted, turndowns_changed, rule_text_edited,
         rules_effective_moved, dispatcher_made_admin, password_hash_replaced, member_suspended,
         registration_deleted, registration_removed, referral_basis_changed, call_workers_changed, phone_changed,
         employer_bar_inserted, offer_outcome_rewritten, unavailability_erased)


def edit(path: Path, how) -> tuple:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        return how(conn)
    finally:
        conn.close()


def last_set(path: Path, table: str, key, column: str | None) -> int | None:
    """The entry whose writes last set ``column`` of the row with ``key`` (or, without a column, last
    wrote the row), read straight from the log: the oracle for the entry replay names."""
    spec = changes.REPLAYED[table]
    conn = sqlite3.connect(path)
    try:
        found = None
        for seq, data in conn.execute("SELECT seq, data FROM audit ORDER BY seq"):
            for write in json.loads(data).get("writes", []):
                if write[1] != table:
                    continue
                if write[0] == "insert":
                    if spec.key_of(write[2]) == key:
                        found = seq
                elif write[2] == key and (column is None or write[0] == "update" and column in write[3]):
                    found = seq
        return found
    finally:
        conn.close()


def failing_json(hall: Hall, *args: str) -> dict:
    """The one JSON document a command prints when it exits 1 (a difference found)."""
    result = hall.run(*args, "--json")
    assert result.exit_code == 1, result.output
    return json.loads(result.stdout)


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture
def demo(demo_hall) -> Hall:
    os.chmod(demo_hall, 0o600)  # as `hall demo` makes it (the copy is the umask's)
    hall = Hall(demo_hall, clock=lambda: DEMO_NOW, admin=DEMO_ADMIN)
    hall.token(DEMO_ADMIN[0])  # the admin's log-in and token, before the test counts entries
    return hall


def test_an_untouched_demo_hall_replays_clean_and_nothing_changes(demo: Hall):
    entries = edit(demo.path, lambda conn: one(conn, "SELECT count(*) FROM audit")[0])
    before = sha256(demo.path)
    result = demo.ok("audit", "replay")
    assert result.stdout == f"{entries:,} entries replayed; the records match the log.\n"
    document = demo.json("audit", "replay")
    assert document == {"ok": True, "entries": entries, "from": 1, "snapshot": None, "note": None,
                        "difference": None, "rows_differing": 0}
    assert f"ok       replay: {entries:,} entries replayed; the records match the log" in demo.ok("check").stdout
    assert sha256(demo.path) == before


def test_the_committed_example_replays_clean():
    result = replay(ROOT / "hall.db.example")
    assert result.ok and result.entries > 100 and result.snapshot is None, result.summary


@pytest.mark.parametrize("how", EDITS, ids=lambda how: how.__name__)
def test_a_direct_edit_is_named_by_replay_and_caught_by_check(demo: Hall, how):
    table, column, row, key = edit(demo.path, how)
    before = sha256(demo.path)
    result = demo.run("audit", "replay", "--json")
    assert result.exit_code == 1, result.output
    difference = json.loads(result.stdout)["difference"]
    assert (difference["table"], difference["column"], difference["row"]) == (table, column, row)
    assert difference["key"] == key
    assert difference["entry"] == (last_set(demo.path, table, key, column) if how not in (
        offer_inserted, employer_bar_inserted) else None)
    text = demo.run("audit", "replay")
    assert text.exit_code == 1 and text.stderr.startswith(f"Replay FAILED: {difference['text']}")
    checked = demo.run("check")
    assert checked.exit_code == 1
    assert f"PROBLEM  replay: {difference['text']}" in checked.stdout
    assert sha256(demo.path) == before  # the replay and the check wrote nothing


def test_the_difference_says_both_values_and_the_entry(demo: Hall):
    _, _, row, key = edit(demo.path, registered_at_to_2020)
    difference = failing_json(demo, "audit", "replay")["difference"]
    entry = last_set(demo.path, "registrations", key, "registered_at")
    logged = difference["in_log"]
    assert difference["in_table"] == "2020-01-01T00:00:00Z" and logged.startswith("2026-")
    assert difference["text"] == (f"{row}: registered_at 2020-01-01T00:00:00Z in the table, {logged} in the log "
                                  f"(entry {entry})")
    assert demo.audit()[entry - 1]["action"] == "registration.signed"


def test_a_replaced_hash_is_never_shown(demo: Hall):
    edit(demo.path, password_hash_replaced)
    result = demo.run("audit", "replay", "--json")
    assert "$argon2" not in result.output
    difference = json.loads(result.stdout)["difference"]
    assert difference["in_table"] == difference["in_log"] == "(hash)"
    assert difference["text"].startswith("user maria: password_hash in the table is not the one in the log (entry ")


def test_how_many_rows_differ_is_said(demo: Hall):
    edit(demo.path, phone_changed)
    edit(demo.path, call_workers_changed)
    document = failing_json(demo, "audit", "replay")
    assert document["rows_differing"] == 2
    assert document["difference"]["table"] == "members"  # the tables' order: members come before calls
    assert demo.run("audit", "replay").stderr.strip().endswith("(1 more row differs).")


def test_a_write_to_a_row_the_log_never_wrote_is_named(demo: Hall):
    """A row inserted behind the log, then changed by an operation: the entry that changes it cannot
    be replayed, and the row is named as the one the log never wrote."""
    edit(demo.path, lambda conn: conn.execute(
        "INSERT INTO members (card, name, created_at) VALUES ('9999', 'Ghost Member', '2026-11-01T00:00:00Z')"))
    demo.ok("member", "update", "9999", "--phone", "312-555-0000")
    difference = failing_json(demo, "audit", "replay")["difference"]
    head = int(demo.head().split(":")[0])
    assert difference["text"] == \
        f"member 9999 is in the table, but no entry of the log wrote it (entry {head} changes it)"


def test_a_forged_entry_appended_with_writes_is_named(demo: Hall):
    """Someone holding the file appends an entry (its hash chained) whose writes an action never makes."""
    from hall import audit
    from hall.db import connect, immediate

    db = connect(demo.path)
    try:
        with immediate(db):
            entry = audit.append(db, at=DEMO_NOW, actor="maria", action="user.logout", subject="user:maria",
                                 data={"user": "maria", "writes": [["update", "users", "maria", {"role": "admin"}]]},
                                 ruleset=1)
            db.execute("UPDATE users SET role = 'admin' WHERE name = 'maria'")
    finally:
        db.close()
    assert demo.ok("audit", "verify")  # the chain holds...
    difference = failing_json(demo, "audit", "replay")["difference"]
    assert difference["text"] == f"entry {entry.seq} cannot be replayed: user.logout does not write users"


def test_replay_of_a_missing_or_foreign_file_is_one_sentence(tmp_path):
    hall = Hall(tmp_path / "nope.db")
    assert "no hall database" in hall.fails("audit", "replay", actor=None).stderr
    (tmp_path / "notes.db").write_text("shopping list\n" * 100)
    assert "not a hall database" in Hall(tmp_path / "notes.db").fails("audit", "replay", actor=None).stderr


def test_an_interrupted_replay_leaves_nothing_behind(demo: Hall, tmp_path, monkeypatch):
    """Ctrl-C during a replay: the private copy it was building is removed, the hall is as it was."""
    import tempfile

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    before = sha256(demo.path)

    def interrupt(done: int, total: int) -> None:
        assert list(scratch.iterdir()), "the replay works in a temporary folder"
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        replay(demo.path, progress=interrupt)
    assert list(scratch.iterdir()) == []
    assert sha256(demo.path) == before
    assert replay(demo.path).ok
