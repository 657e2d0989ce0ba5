"""Reports checked against a known history built through the operations with a controlled clock."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from hall import audit
from hall.queries.rules import upcoming_rules
from hall.errors import HallError
from hall.operations import calls, corrections, employers, members, offers, referrals, registrations
from hall.operations.rules import set_rules
from hall.reports import produce, rule_notices
from hall.reports.export import to_csv, write
from hall.session import Session
from hall.store import Store
from tests.conftest import ADMIN, DEMO_ADMIN, DWAYNE, MARIA, RULES_TEXT, Hall, SettableClock, add_account, new_hall

def build_history(path) -> tuple[Store, SettableClock, dict]:
    """The worked example of the rules, on Friday 20 Nov 2026, plus what followed that day.

    JW-1: Ada 101 and Ben 102 (Nov 2 10:00), Cy 103 (Nov 3, no OSHA-30), Di 104 (Nov 4);
    JW-2: Ed 201. Call #1 (Acme, 2 JW, OSHA-30): Ada declines, Ben accepts, Di accepts;
    Di is turned away at the gate, Ed (JW-2) accepts; an admin sets Ada's decline aside.
    """
    new_hall(path, at="2026-11-02 09:00", admin="admin")
    clock = SettableClock("2026-11-02 09:00")
    store = Store(path, clock)
    add_account(store, "maria", by=ADMIN)
    add_account(store, "dwayne", by=ADMIN)
    for card, name, certs in (("101", "Ada Ames", ["OSHA-30"]), ("102", "Ben Bell", ["OSHA-30"]),
                              ("103", "Cy Cole", []), ("104", "Di Dunn", ["OSHA-30"]),
                              ("201", "Ed Eng", ["OSHA-30"])):
        members.add_member(store, card, name, actor=MARIA, phone=f"(312) 555-0{card}", classes=["JW"],
                           certs=certs)
    clock.set("2026-11-02 10:00")
    registrations.sign(store, "101", "JW-1", actor=MARIA)
    registrations.sign(store, "102", "JW-1", actor=MARIA)
    clock.set("2026-11-03 10:00")
    registrations.sign(store, "103", "JW-1", actor=MARIA)
    clock.set("2026-11-04 10:00")
    registrations.sign(store, "104", "JW-1", actor=MARIA)
    clock.set("2026-11-04 11:00")
    registrations.sign(store, "201", "JW-2", actor=MARIA)
    clock.set("2026-11-19 15:00")
    registrations.resign(store, "201", actor=MARIA)  # keeps his place, moves his due date
    employers.add_employer(store, "Acme Electric", actor=MARIA)
    clock.set("2026-11-20 08:00")
    call_id = calls.take_call(store, employer="Acme Electric", classification="JW", workers=2,
                              start="2026-11-23 07:00", days=30, certs=["OSHA-30"], actor=MARIA).id
    receipts = {}
    clock.set("2026-11-20 08:05")
    receipts["ada"] = offers.record_offer(store, call_id, "101", "declined", actor=MARIA)
    clock.set("2026-11-20 08:10")
    receipts["ben"] = offers.record_offer(store, call_id, "102", "accepted", actor=MARIA)
    clock.set("2026-11-20 08:15")
    receipts["di"] = offers.record_offer(store, call_id, "104", "accepted", actor=DWAYNE)
    clock.set("2026-11-20 09:00")
    referrals.record_referral_outcome(store, call_id, "104", "rejected_at_job", actor=MARIA,
                                      note="foreman: crew full")
    clock.set("2026-11-20 09:10")
    receipts["ed"] = offers.record_offer(store, call_id, "201", "accepted", actor=MARIA)
    clock.set("2026-11-20 10:00")
    corrections.reverse_outcome(store, call_id, "101", actor=ADMIN, authority="Appeal 2026-3",
                                reason="the phone log shows no call")
    clock.set("2026-11-20 16:00")
    with store.read() as db:
        receipts["closing"] = audit.head(db)
    # The next business day's work must not appear in Friday's day book.
    clock.set("2026-11-23 08:00")
    call2 = calls.take_call(store, employer="Acme Electric", classification="JW", workers=1,
                            start="2026-11-24 07:00", days=5, actor=MARIA).id
    clock.set("2026-11-23 08:05")
    offers.record_offer(store, call2, "101", "accepted", actor=MARIA)
    clock.set("2026-11-23 12:00")
    return store, clock, {"call": call_id, "call2": call2, **receipts}


@pytest.fixture
def history(tmp_path):
    return build_history(tmp_path / "hall.db")


def test_every_report_states_hall_time_rules_and_head(history):
    store, clock, _ = history
    with store.read() as db:
        head = audit.head(db)
    for name, options in (("daybook", {"date": "2026-11-20"}), ("list", {}), ("resign-due", {"days": "30"}),
                          ("dropped", {"since": "2026-11-01"}), ("open-calls", {}), ("employment", {}),
                          ("unemployed", {}), ("name-requests", {"since": "2026-11-01"}),
                          ("member", {"card": "101"}), ("fairness", {"since": "2026-11-01"}),
                          ("packet", {"card": "103", "since": "2026-11-01"})):
        report = produce(store, name, **options)
        assert report.hall == "Test Local 1"
        assert report.produced_at == clock.moment
        assert report.ruleset_id == 1
        assert report.head == head
        lines = report.header_lines()
        assert "Test Local 1" in lines[0] and "rule set #1" in lines[1] and head[1] in lines[1]
        assert "Test Local 1" in to_csv(report).splitlines()[0]


def test_daybook_rows_positions_basis_outcomes_and_closing_head(history):
    store, _, facts = history
    report = produce(store, "daybook", date="2026-11-20")
    rows = report.as_dicts("Offers and referrals")
    assert [(r["time"], r["card"], r["name"], r["book"], r["position"], r["basis"], r["recorded by"])
            for r in rows] == [
        ("2026-11-20 08:05", "101", "Ada Ames", "JW-1", 1, "list order", "maria"),
        ("2026-11-20 08:10", "102", "Ben Bell", "JW-1", 2, "list order", "maria"),
        ("2026-11-20 08:15", "104", "Di Dunn", "JW-1", 3, "list order", "dwayne"),
        ("2026-11-20 09:10", "201", "Ed Eng", "JW-2", 1, "list order", "maria"),
    ]
    assert [r["outcome"] for r in rows] == [
        "declined (set aside by correction 1)", "accepted: referred", "accepted: referred", "accepted: referred"]
    assert [r["receipt"] for r in rows] == [facts["ada"].seq, facts["ben"].seq, facts["di"].seq, facts["ed"].seq]
    assert rows[0]["turndown"] == "yes"
    after = report.as_dicts("After referral")
    assert [(a["card"], a["what happened"], a["note"]) for a in after] == [
        ("104", "rejected at job", "foreman: crew full")]
    fixes = report.as_dicts("Corrections")
    assert [(c["card"], c["kind"], c["authority"], c["recorded by"]) for c in fixes] == [
        ("101", "outcome set aside", "Appeal 2026-3", "admin")]
    closing = report.as_dicts("Closing")
    assert closing == [{"last audit entry of the day": facts["closing"][0], "hash": facts["closing"][1]}]
    # Monday's offer is in Monday's book only.
    monday = produce(store, "daybook", date="2026-11-23").as_dicts("Offers and referrals")
    assert [(r["card"], r["call"]) for r in monday] == [("101", facts["call2"])]


def test_daybook_exports_csv_xlsx_pdf_with_the_rows(history, tmp_path):
    store, _, facts = history
    report = produce(store, "daybook", date="2026-11-20")
    csv_path = write(report, tmp_path / "day.csv")
    rows = list(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8"))))
    start = rows.index(["Offers and referrals"])
    assert rows[start + 1][:6] == ["time", "receipt", "call", "employer", "card", "name"]
    assert [r[4] for r in rows[start + 2:start + 6]] == ["101", "102", "104", "201"]
    book = load_workbook(write(report, tmp_path / "day.xlsx"))
    sheet = book["Offers and referrals"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    header = values.index(["time", "receipt", "call", "employer", "card", "name", "book", "position", "basis",
                           "outcome", "turndown", "recorded by", "note"])
    assert [v[4] for v in values[header + 1:header + 5]] == ["101", "102", "104", "201"]
    assert [v[7] for v in values[header + 1:header + 5]] == [1, 2, 3, 1]
    closing = book["Closing"]
    assert facts["closing"][1] in [c.value for row in closing.iter_rows() for c in row]
    pdf = write(report, tmp_path / "day.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") + pdf.count(b"/Type /Page>") >= 1


def test_other_reports_against_the_history(history):
    store, clock, facts = history
    wall = produce(store, "list", book="JW-1")
    section = wall.sections[0]
    assert section.columns == ["position", "name"]  # names and positions only
    # Ada accepted call 2 on Monday; Di was turned away (back at her place); Cy waits.
    assert section.rows == [[1, "Cy Cole"], [2, "Di Dunn"]]
    employment = produce(store, "employment")
    assert employment.as_dicts("By employer") == [{"employer": "Acme Electric", "working": 3, "on short calls": 1}]
    assert sorted(r["card"] for r in employment.as_dicts("Working now")) == ["101", "102", "201"]
    counts = {r["book"]: r["waiting"] for r in produce(store, "unemployed").as_dicts("Books")}
    assert counts["JW-1"] == 2 and counts["JW-2"] == 0 and counts["all"] == 2
    opened = produce(store, "open-calls").as_dicts("Open calls")
    assert opened == []  # both calls filled
    history = produce(store, "member", card="104")
    positions = history.as_dicts("Positions over time")
    assert [(p["event"], p["status"], p["position"]) for p in positions] == [
        ("signed", "waiting", 4), ("accepted on call #1", "dispatched", None),
        ("referral rejected_at_job", "waiting", 3)]
    assert [o["outcome"] for o in history.as_dicts("Offers")] == ["accepted"]
    assert history.as_dicts("Referrals")[0]["status"] == "reversed (rejected at job)"
    # Cy never re-signed (signed Nov 3: due Dec 3, off at closing); Di's return from the gate
    # counted as a signing, so she is not due yet. Shown before the removal is recorded.
    clock.set("2026-12-04 18:00")
    dropped = produce(store, "dropped", since="2026-11-01").as_dicts("Dropped")
    assert [(d["removed"], d["card"], d["why"]) for d in dropped] == [("2026-12-03 17:00", "103", "re-sign")]


def test_bad_options_are_one_sentence(history):
    store, _, _ = history
    for name, options, words in (("daybook", {"date": "26/11/2026"}, "YYYY-MM-DD"),
                                 ("list", {"book": "JW-9"}, "no book"),
                                 ("member", {"card": "999"}, "No member"),
                                 ("resign-due", {"days": "soon"}, "not a number"),
                                 ("nope", {}, "no report"),
                                 ("open-calls", {"since": "2026-11-01"}, "no --since")):
        with pytest.raises(HallError, match=words):
            produce(store, name, **options)


def test_cli_report_text_file_and_refusals(history, tmp_path):
    store, clock, facts = history
    cli = Hall(store.path, clock=clock, admin=DEMO_ADMIN)
    out = cli.ok("report", "daybook", "--date", "2026-11-20", actor="maria")
    assert "Ada Ames" in out.stdout
    target = tmp_path / "daybook.pdf"
    cli.ok("report", "daybook", "--date", "2026-11-20", "--out", str(target), actor="maria")
    assert target.read_bytes().startswith(b"%PDF")
    out = cli.ok("report", "list", "--book", "JW-1", "--format", "csv", actor="maria")
    assert "Cy Cole" in out.stdout and "555" not in out.stdout
    for args in (["report", "daybook", "--date", "yesterday"],
                 ["report", "list", "--book", "XX"],
                 ["report", "daybook", "--date", "2026-11-20", "--format", "pdf"],
                 ["report", "daybook", "--date", "2026-11-20", "--out", str(tmp_path / "x.txt")],
                 ["report", "daybook", "--date", "2026-11-20", "--format", "csv", "--out", str(tmp_path / "x.pdf")]):
        assert cli.fails(*args, actor="maria").exit_code == 1


def test_rule_change_needs_notice_unless_urgent_and_is_announced(history):
    store, clock, _ = history
    new_text = RULES_TEXT + "[resign]\ndays = 45\n"
    clock.set("2026-11-23 12:00")
    with pytest.raises(HallError, match="7 days' notice"):
        set_rules(store, new_text, "2026-11-26 00:00", actor=ADMIN)
    with store.read() as db:
        assert db.execute("SELECT count(*) FROM rulesets").fetchone()[0] == 1
    receipt = set_rules(store, new_text, "2026-11-26 00:00", actor=ADMIN,
                        urgent_reason="arbitrator's award 26-114 takes effect Thursday")
    with store.read() as db:
        entry = audit.entries(db, action="rules.changed")[0]
        assert entry["seq"] == receipt.seq and entry["actor"] == "admin"
        assert entry["data"]["urgent_reason"] == "arbitrator's award 26-114 takes effect Thursday"
        assert entry["data"]["changes"] == ["resign.days: 30 → 45"]
        notices = rule_notices(db, clock.moment)
    assert notices == ["rules change on Thu 26 Nov: resign.days: 30 → 45"]
    board = Session(store, MARIA).board()
    assert [(u.id, u.changes) for u in board.upcoming_rules] == [(receipt.id, ("resign.days: 30 → 45",))]
    # Once in force, there is nothing to announce, and reports name the new rule set.
    clock.set("2026-11-26 08:00")
    with store.read() as db:
        assert rule_notices(db, clock.moment) == []
        assert upcoming_rules(db, clock.moment) == []
    assert produce(store, "unemployed").ruleset_id == receipt.id
