"""The demo hall: built through the real operations, deterministic, and the committed example current."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime, time
from pathlib import Path

from click.testing import CliRunner

from dispatch import calendar
from hall import audit, load, schema
from hall.cli import main
from hall.db import connect_read_only
from hall.demo import OPEN_NAMED_CARD, RESIGN_DUE_CARD, UNAVAILABLE_CARD
from hall.queries.books import book_counts
from hall.queries.certifications import certifications_expiring
from hall.queries.employers import bars
from hall.queries.resign import resign_due_soon
from hall.store import Store
from tests.conftest import DEMO_DAY, dump

DAY = DEMO_DAY
EXAMPLE = Path(__file__).resolve().parents[2] / "hall.db.example"


ARGON2 = re.compile(r"\$argon2[a-z]*\$[^\"\s]*")


def _without_password_hashes(content: dict) -> dict:
    """A dump with the Argon2 hashes masked: they carry a random salt (and the tests' cheap profile).
    The log holds them too (the writes of the accounts' entries), so the entries' chain columns,
    which follow from them, are left out (the chain is verified on its own)."""
    def masked(table: str, row: tuple) -> tuple:
        if table == "audit":
            row = row[:7]  # seq, at, actor, action, subject, data, ruleset (not prev, hash, canonical)
        return tuple(ARGON2.sub("<hash>", v) if isinstance(v, str) else v for v in row)

    return {table: [masked(table, row) for row in rows] for table, rows in content.items()}


def _store(path: Path, hhmm: str = "07:30") -> Store:
    from zoneinfo import ZoneInfo

    hour, minute = (int(x) for x in hhmm.split(":"))
    moment = datetime.combine(DAY, time(hour, minute), ZoneInfo("America/Chicago")).astimezone(UTC)
    return Store(path, clock=lambda: moment)


def test_summary_is_one_paragraph_with_the_log_in(demo_build):
    summary = demo_build.summary
    assert "\n" not in summary
    assert "IBEW Local 999" in summary and "Thu 26 Nov 2026 07:30" in summary
    assert summary.endswith(" Log in as maria / dispatch (dispatcher) or admin / admin999 (admin); at its kiosk, "
                            "cards 1042, 3045, A5101 have the PIN 2468.")


def test_file_is_one_checkpointed_file_in_rollback_mode(demo_hall):
    path = demo_hall
    assert not Path(str(path) + "-wal").exists() and not Path(str(path) + "-shm").exists()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    finally:
        conn.close()


def test_audit_chain_verifies_and_is_real_history(demo_hall):
    path = demo_hall
    db = connect_read_only(path)
    try:
        result = audit.verify(db)
        assert result.ok, result
        first, last = db.execute("SELECT min(at), max(at) FROM audit").fetchone()
        assert first.startswith("2026-10-29")  # four weeks before the demo's date
        assert last == "2026-11-26T13:30:00Z"  # 07:30 in Chicago on the demo's date
        actions = dict(db.execute("SELECT action, count(*) FROM audit GROUP BY action").fetchall())
        assert actions["hall.initialized"] == 1
        for action in ("registration.signed", "registration.resigned", "call.taken", "offer.recorded",
                       "job.ended", "call.cancelled", "employer.bar", "member.unavailable", "member.cert_set"):
            assert actions.get(action, 0) >= 1, action
        times = [r[0] for r in db.execute("SELECT at FROM audit ORDER BY seq")]
        assert times == sorted(times)
        assert db.execute("SELECT count(DISTINCT substr(at, 1, 10)) FROM audit").fetchone()[0] >= 15
    finally:
        db.close()


def test_the_hall_has_what_the_demo_promises(demo_hall):
    path = demo_hall
    store = _store(path)
    with store.read() as db:
        now = store.now()
        _, rules = store.rules(db, now)
        assert rules.hall.name == "IBEW Local 999" and rules.hall.timezone == "America/Chicago"
        assert [b.id for b in rules.books] == ["JW-1", "JW-2", "JW-3", "JW-4", "AP-1"]
        assert 55 <= db.execute("SELECT count(*) FROM members").fetchone()[0] <= 65
        assert db.execute("SELECT count(*) FROM employers").fetchone()[0] == 5
        counts = book_counts(db, rules, now)
        assert counts["JW-1"] >= 15 and counts["AP-1"] >= 5 and all(counts[b] > 0 for b in counts)
        statuses = dict(db.execute("SELECT status, count(*) FROM calls GROUP BY status").fetchall())
        assert statuses["open"] >= 2 and statuses["filled"] >= 5 and statuses["cancelled"] == 1

        # One book per classification (v2): a member qualified for Book II by an admin and moved there
        # from Book III; an excused member (the kind private); a call whose declines don't count.
        assert db.execute(
            "SELECT count(*) FROM (SELECT card FROM registrations WHERE status = 'waiting'"
            " GROUP BY card HAVING count(*) > 1)").fetchone()[0] == 0
        assert db.execute("SELECT card, book_id FROM qualifications").fetchall() == [("2304", "JW-2")]
        assert db.execute("SELECT book_id, status, removed_reason FROM registrations WHERE card = '2304'"
                          " ORDER BY id").fetchall() == [("JW-3", "removed", "moved to JW-2"), ("JW-2", "waiting", "")]
        assert db.execute("SELECT card, kind FROM excuses WHERE until > ?", [DAY.isoformat()]).fetchall() == [
            ("3037", "military")]
        no_turndown = db.execute("SELECT id FROM calls WHERE no_turndown != ''").fetchall()
        assert len(no_turndown) == 1
        assert db.execute("SELECT outcome, turndown_counted FROM offers WHERE call_id = ? ORDER BY id",
                          [no_turndown[0][0]]).fetchall() == [("declined", 0)]
        # A short call in progress; one member at two turndowns of three; one unavailable; one bar.
        assert db.execute("SELECT count(*) FROM registrations WHERE status = 'on_short_call'").fetchone()[0] == 1
        assert db.execute(
            "SELECT count(*) FROM registrations WHERE status = 'waiting' AND turndowns = 2").fetchone()[0] == 1
        assert db.execute("SELECT card FROM unavailability WHERE until >= ?", [DAY.isoformat()]).fetchall() == [
            (UNAVAILABLE_CARD,)]
        assert len(bars(db, DAY)) == 1
        # Referrals of every kind of history: list order, name request, ended, reversed by a cancellation.
        kinds = {(r[0], r[1]) for r in db.execute("SELECT basis, status FROM referrals")}
        assert {("list_order", "active"), ("name_request", "active"), ("list_order", "ended"),
                ("list_order", "reversed")} <= kinds
        outcomes = {r[0] for r in db.execute("SELECT outcome FROM offers")}
        assert outcomes == {"accepted", "declined", "no_answer", "employer_rejected"}
        ends = {r[0] for r in db.execute("SELECT reason FROM job_ends")}
        assert ends == {"laid_off", "quit", "discharged"}

        # Certifications: some expired, some expiring within 30 days.
        expiring = certifications_expiring(db, DAY, 30)
        assert sum(1 for c in expiring if c["expires"] < DAY) >= 2
        assert sum(1 for c in expiring if c["expires"] >= DAY) >= 3


def test_no_one_is_overdue_and_one_re_sign_is_due_this_week(demo_hall):
    path = demo_hall
    store = _store(path, "09:00")
    with store.read() as db:
        now = store.now()
        _, rules = store.rules(db, now)
        states = [
            calendar.resign_state(reg, rules, now)
            for (card,) in db.execute("SELECT DISTINCT card FROM registrations WHERE status = 'waiting'")
            for reg in load.registrations_of(db, card) if reg.status == "waiting"
        ]
        assert "overdue" not in states and "lapsed" not in states
        due = resign_due_soon(db, rules, now, days=rules.resign.warning_days)
        assert [r["card"] for r in due] == [RESIGN_DUE_CARD]
        assert db.execute("SELECT count(*) FROM audit WHERE action = 'registration.lapsed'").fetchone()[0] == 0


def test_open_calls_show_pass_overs_and_a_name_request(demo_hall):
    path = demo_hall
    store = _store(path)
    with store.read() as db:
        now = store.now()
        _, rules = store.rules(db, now)
        codes: set[str] = set()
        named = []
        for (call_id,) in db.execute("SELECT id FROM calls WHERE status = 'open'").fetchall():
            call = load.job_call(db, call_id)
            ranking, _ = load.ranking_through(db, call, rules, now)
            codes |= {reason.code for cand in ranking.candidates for reason in cand.reasons}
            named += [c.card for c in ranking.candidates if c.name_request]
            if call.required_certs:
                # The call that needs a certification passes over those without it.
                assert any(r.code in ("missing_cert", "cert_expired")
                           for cand in ranking.candidates for r in cand.reasons)
        assert {"missing_cert", "cert_expired", "on_short_call"} <= codes
        assert named == [OPEN_NAMED_CARD]


def test_the_committed_example_is_what_a_build_of_its_date_makes(demo_hall):
    """Two builds of one date, here and by `hall demo` when the example was made, are the same rows
    (so the committed example is current)."""
    assert _without_password_hashes(dump(EXAMPLE)) == _without_password_hashes(dump(demo_hall))


def test_committed_example_is_current_and_verifies():
    assert EXAMPLE.exists(), "hall.db.example is missing: run `hall demo hall.db.example --date 2026-11-26 --force`"
    db = connect_read_only(EXAMPLE)
    try:
        assert schema.pending(db) == []
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        result = audit.verify(db)
        assert result.ok, result
        assert result.checked > 100
    finally:
        db.close()


def test_cli_refuses_an_existing_path_without_force(tmp_path):
    target = tmp_path / "demo.db"
    target.write_text("something precious")
    result = CliRunner().invoke(main, ["demo", str(target), "--date", "2026-11-26"])
    assert result.exit_code == 1
    message = result.output.strip()
    assert message == f"Error: {target} already exists: use --force to replace it."
    assert target.read_text() == "something precious"


def test_cli_builds_with_force(tmp_path):
    target = tmp_path / "demo.db"
    target.write_text("old")
    result = CliRunner().invoke(main, ["demo", str(target), "--date", "2026-11-26", "--force"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Wrote {target}: IBEW Local 999")
    db = connect_read_only(target)
    try:
        assert audit.verify(db).ok
    finally:
        db.close()


def test_two_builds_of_one_date_are_the_same_file(demo_build, tmp_path):
    """Salts included (they are drawn from the date): the log, which holds the hashes, is the same."""
    from hall.demo import build_demo

    build_demo(tmp_path / "again.db", DAY)
    assert (tmp_path / "again.db").read_bytes() == demo_build.path.read_bytes()
