"""The `hall` command line as a contract: every command against a real file, time frozen."""

from __future__ import annotations

import json

import pytest

from tests.conftest import PASSWORD
from tests.hall.conftest import RULES_TEXT, Hall, local, zulu


def add_members(hall: Hall, at: str = "2026-10-27 09:00") -> None:
    hall.ok("member", "add", "101", "--name", "Ada Archer", "--class", "JW", "--cert", "OSHA-30", at=at)
    hall.ok("member", "add", "102", "--name", "Ben Baker", "--class", "JW", "--cert", "OSHA-30:2027-06-30", at=at)
    hall.ok("member", "add", "103", "--name", "Cy Cole", "--class", "JW", at=at)
    hall.ok("member", "add", "104", "--name", "Di Dunn", "--class", "JW", "--cert", "OSHA-30", at=at)
    hall.ok("member", "add", "201", "--name", "Ed Eames", "--class", "JW", "--cert", "OSHA-30", at=at)


# --- the worked example of referral-rules.md, entirely through the CLI ---------------------


def test_worked_example_through_the_cli(hall):
    add_members(hall)
    hall.ok("sign", "201", "JW-2", at="2026-10-28 08:00")
    # Ben keys in first: the card number, not the keying order, breaks the tie.
    hall.ok("sign", "102", "JW-1", at="2026-11-01 08:00")
    hall.ok("sign", "101", "JW-1", at="2026-11-01 08:00")
    hall.ok("sign", "103", "JW-1", at="2026-11-02 08:00")
    hall.ok("sign", "104", "JW-1", at="2026-11-03 08:00")
    before = hall.json("position", "201", at="2026-11-19 10:00")["books"][0]
    hall.ok("resign", "201", at="2026-11-19 10:00")
    after = hall.json("position", "201", at="2026-11-19 10:05")["books"][0]
    assert after["registered_at"] == before["registered_at"] == zulu("2026-10-28 08:00")
    assert (before["resign_due"], after["resign_due"]) == ("2026-11-27", "2026-12-19")

    hall.now = "2026-11-20 09:00"
    hall.ok("employer", "add", "Acme Electric", "--phone", "555-0400")
    call = hall.json("call", "add", "--employer", "Acme Electric", "--class", "JW", "--workers", "2",
                     "--start", "2026-11-23 07:00", "--days", "30", "--cert", "OSHA-30")
    assert set(call) == {"id"} and isinstance(call["id"], int)
    cid = str(call["id"])

    ranking = hall.json("call", "rank", cid)
    assert set(ranking) == {"call", "candidates"} and ranking["call"] == call["id"]
    rows = ranking["candidates"]
    assert [(c["card"], c["book"], c["position"], c["eligible"]) for c in rows] == [
        ("101", "JW-1", 1, True), ("102", "JW-1", 2, True), ("103", "JW-1", 3, False),
        ("104", "JW-1", 4, True), ("201", "JW-2", 1, True)]
    for c in rows:
        assert {"card", "name", "book", "position", "eligible", "name_request", "reasons"} <= set(c)
        assert c["name_request"] is False
    assert rows[0]["name"] == "Ada Archer"
    assert rows[2]["reasons"] == [{"code": "missing_cert", "text": "does not hold OSHA-30"}]
    assert all(c["reasons"] == [] for c in rows if c["card"] != "103")

    # Di before Ben: refused, nothing written (first Ada is ahead, then Ben).
    state = hall.state()
    assert "Ada" in hall.fails("offer", cid, "104", "accepted").stderr
    assert hall.state() == state

    hall.ok("offer", cid, "101", "declined")
    state = hall.state()
    assert "Ben" in hall.fails("offer", cid, "104", "accepted").stderr
    assert hall.state() == state
    ada = hall.json("member", "show", "101")
    assert ada["books"][0]["turndowns"] == 1 and ada["books"][0]["position"] == 1
    assert hall.json("position", "101")["books"][0]["position"] == 1
    hall.ok("offer", cid, "102", "accepted")
    filled = hall.ok("offer", cid, "104", "accepted")
    assert "filled" in filled.stdout
    calls = hall.json("call", "list")
    assert calls[0]["id"] == call["id"] and calls[0]["status"] == "filled"
    assert hall.json("call", "list", "--open") == []

    state = hall.state()
    hall.fails("offer", cid, "201", "accepted")
    assert hall.state() == state

    listing = hall.json("list", "JW-1")
    assert [(r["position"], r["card"], r["name"]) for r in listing] == [(1, "101", "Ada Archer"), (2, "103", "Cy Cole")]
    for r in listing:
        assert set(r) == {"position", "card", "name", "book", "registered_at", "resign_due"}
    assert listing[0]["registered_at"] == zulu("2026-11-01 08:00") and listing[0]["resign_due"] == "2026-12-01"

    ranking = hall.json("call", "rank", cid)["candidates"]
    outcomes = {c["card"]: c.get("outcome") for c in ranking}
    assert outcomes["101"] == "declined" and outcomes["102"] == "accepted" and outcomes["104"] == "accepted"

    # The offers' snapshots say why Cy was passed over.
    offers = [e for e in hall.audit(call=cid) if e["action"] == "offer.recorded"]
    assert [(e["data"]["card"], e["data"]["outcome"]) for e in offers] == [
        ("101", "declined"), ("102", "accepted"), ("104", "accepted")]
    di_snapshot = offers[2]["data"]["snapshot"]
    assert [s["card"] for s in di_snapshot] == ["101", "102", "103", "104"]
    cy = di_snapshot[2]
    assert cy["eligible"] is False and cy["position"] == 2  # Ben, dispatched by then, holds no position
    assert cy["reasons"][0]["code"] == "missing_cert" and "OSHA-30" in json.dumps(cy["reasons"])
    assert offers[0]["data"]["turndown_counted"] is True
    assert offers[1]["data"]["basis"] == "list_order"
    assert all(e["ruleset"] is not None for e in offers)
    assert hall.ok("audit", "verify").stdout.startswith("Audit log verified")


# --- every command of the contract --------------------------------------------------------


def test_every_command(tmp_path, rules_file):
    path = tmp_path / "new.db"
    hall = Hall(path, now="2026-11-02 09:00")
    assert "Test Local 1" in hall.ok("init", "--rules", str(rules_file), "--admin", "tester", "--password-stdin",
                                     input=PASSWORD + "\n", actor=None).stdout
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    shown = hall.ok("rules", "show").stdout
    assert "America/Chicago" in shown
    hall.ok("member", "add", "A1", "--name", "Ann Ames", "--phone", "555-0101", "--class", "JW")
    hall.fails("member", "add", "A1", "--name", "Ann Again", "--class", "JW")
    hall.ok("member", "update", "A1", "--phone", "555-0199", "--class", "JW", "--class", "AP")
    hall.ok("member", "cert", "A1", "OSHA-30", "--expires", "2027-01-31")
    hall.ok("member", "cert", "A1", "CPR")
    hall.ok("member", "cert", "A1", "CPR", "--remove")
    csv = tmp_path / "members.csv"
    csv.write_text("card,name,phone,classes,certs\n"
                   "B1,Bea Bell,555-0102,JW;AP,OSHA-30:2027-01-31;CPR\n"
                   "B2,Bo Bart,,JW,\n", encoding="utf-8")
    assert "Imported 2" in hall.ok("member", "import", str(csv)).stdout
    info = hall.json("member", "show", "B1")
    assert info["classes"] == ["AP", "JW"] and {c["name"] for c in info["certs"]} == {"OSHA-30", "CPR"}
    a1 = hall.json("member", "show", "A1")
    assert a1["phone"] == "555-0199" and a1["certs"] == [{"name": "OSHA-30", "expires": "2027-01-31"}]
    hall.ok("sign", "A1", "JW-1")
    hall.ok("sign", "B1", "JW-1", "--via", "phone", at="2026-11-02 09:30")
    hall.ok("sign", "B2", "JW-1", at="2026-11-02 09:45")
    hall.ok("sign", "A1", "AP-1")
    hall.ok("resign", "A1", "JW-1", at="2026-11-03 09:00")
    text = hall.ok("list", at="2026-11-03 09:00").stdout
    assert "JW-1" in text and "AP-1" in text and "Ann Ames" in text
    pos = hall.json("position", "A1", at="2026-11-03 09:00")
    assert set(pos) == {"card", "name", "books"}
    assert {b["book"]: b["position"] for b in pos["books"]} == {"JW-1": 1, "AP-1": 1}
    for b in pos["books"]:
        assert set(b) == {"book", "status", "position", "registered_at", "resign_due", "turndowns", "restorations"}
    assert "position 1" in hall.ok("position", "A1").stdout
    hall.ok("member", "unavailable", "B1", "--until", "2026-11-30", "--reason", "surgery", "--via", "phone")
    hall.ok("employer", "add", "Bolt Co")
    hall.ok("employer", "bar", "Bolt Co", "B2", "--until", "2027-03-01", "--reason", "left site early")
    cid = hall.json("call", "add", "--employer", "Bolt Co", "--class", "JW", "--workers", "1",
                    "--start", "2026-11-09 07:00", "--days", "20", "--site", "Plant 4", "--notes", "bring PPE")["id"]
    rank = hall.json("call", "rank", cid)["candidates"]
    assert [(c["card"], c["eligible"]) for c in rank] == [("A1", True), ("B1", False), ("B2", False)]
    assert rank[1]["reasons"] == [{"code": "unavailable", "text": "unavailable until 2026-11-30"}]
    assert rank[2]["reasons"] == [{"code": "employer_bar", "text": "no referral to Bolt Co until 2027-03-01"}]
    assert "passed over" in hall.ok("call", "rank", str(cid)).stdout
    hall.ok("offer", cid, "A1", "accepted", "--note", "555-0199")
    assert hall.json("position", "A1")["books"][0]["status"] == "dispatched"
    hall.ok("end", "A1", "--reason", "laid_off", "--at", "2026-11-30 15:00", at="2026-12-01 09:00")
    ends = hall.json("member", "show", "A1", at="2026-12-01 09:00")["job_ends"]
    assert ends[0]["days_worked"] == 16 and ends[0]["reason"] == "laid_off"  # Nov 9..30, both included
    cid2 = hall.json("call", "add", "--employer", "Bolt Co", "--class", "JW", "--workers", "1",
                     "--start", "2026-12-10 07:00", "--days", "20", at="2026-12-01 09:00")["id"]
    assert "cancelled" in hall.ok("call", "cancel", cid2, "--reason", "owner postponed", at="2026-12-01 09:05").stdout
    assert [c["status"] for c in hall.json("call", "list", at="2026-12-01 09:10")] == ["cancelled", "filled"]
    log = hall.json("audit", "log", "--card", "A1", at="2026-12-01 09:10")
    assert {e["action"] for e in log} >= {"member.added", "registration.signed", "offer.recorded", "job.ended"}
    for e in log:
        assert {"seq", "at", "actor", "action", "subject", "data", "ruleset", "hash"} <= set(e)
        assert e["at"].endswith("Z")
    assert hall.ok("audit", "log").stdout.strip()
    head = hall.head()
    assert hall.ok("audit", "verify", "--head", head).exit_code == 0
    assert "up to date" in hall.ok("migrate").stdout
    dest = tmp_path / "copy.db"
    assert "Backed up" in hall.ok("backup", str(dest)).stdout
    assert Hall(dest).head() == head
    # rules set: a later effective time, audited with both texts.
    new_rules = tmp_path / "new.toml"
    new_rules.write_text(RULES_TEXT + "\n[turndowns]\nlimit = 2\n", encoding="utf-8")
    hall.ok("rules", "set", str(new_rules), "--effective", "2026-12-20 00:00", at="2026-12-01 10:00")
    changed = hall.json("audit", "log", "--action", "rules.changed", at="2026-12-01 10:00")[0]
    assert "limit = 2" in changed["data"]["new_text"] and "limit = 2" not in changed["data"]["old_text"]
    assert "limit = 2" not in hall.ok("rules", "show", at="2026-12-19 10:00").stdout
    assert "limit = 2" in hall.ok("rules", "show", at="2026-12-20 10:00").stdout
    # every command has help text with an example
    for args in (["init"], ["member", "add"], ["call", "add"], ["offer"], ["end"], ["audit", "verify"], ["list"]):
        assert "Example" in hall.ok(*args, "--help").stdout


def test_the_actor_is_the_logged_in_account_never_a_name_given(hall):
    hall.add_user("joe")
    assert "No such option '--as'" in hall.run("--as", "maria", "employer", "add", "Acme").stderr
    hall.ok("employer", "add", "Bolt", actor="joe", env={"HALL_ACTOR": "admin"})
    actors = [e["actor"] for e in hall.audit()]
    assert actors[-1] == "joe" and "maria" not in actors and "admin" not in actors


def test_db_option_beats_env(fresh_hall, hall):
    other = fresh_hall()
    hall.ok("--db", str(other), "employer", "add", "Only Here", env={"HALL_TOKEN": Hall(other).token("tester")})
    assert [e["name"] for e in Hall(other).json("employer", "list")] == ["Only Here"]
    assert hall.json("employer", "list") == []


# --- time: re-sign due, overdue and removal at closing time ------------------------------------


def test_resign_due_and_removal_across_day_boundaries(hall):
    hall.ok("member", "add", "101", "--name", "Ada Archer", "--class", "JW", at="2026-11-05 09:00")
    hall.ok("member", "add", "102", "--name", "Ben Baker", "--class", "JW", at="2026-11-05 09:00")
    # Thursday Nov 5 + 30 = Saturday Dec 5: removed at 17:00 on Monday Dec 7.
    hall.ok("sign", "101", "JW-1", at="2026-11-05 10:00")
    hall.ok("sign", "102", "JW-1", at="2026-11-09 10:00")
    hall.ok("employer", "add", "Acme", at="2026-11-05 10:00")
    assert hall.json("list", at="2026-11-29 23:59")[0]["resign_due"] == "2026-12-05"
    assert "re-sign due" not in hall.ok("list", at="2026-11-29 23:59").stdout
    assert "re-sign due" in hall.ok("list", at="2026-11-30 00:00").stdout  # warning_days 5
    cid = hall.json("call", "add", "--employer", "Acme", "--class", "JW", "--workers", "1",
                    "--start", "2026-12-14 07:00", "--days", "30", at="2026-12-01 09:00")["id"]
    lapse_entries = lambda: [e for e in hall.audit() if e["action"] == "registration.lapsed"]  # noqa: E731

    # One second before closing on Monday: still listed, still the first candidate.
    pos = hall.json("position", "101", at="2026-12-07 16:59:59")["books"]
    assert pos[0]["position"] == 1
    assert [c["card"] for c in hall.json("call", "rank", cid, at="2026-12-07 16:59:59")["candidates"]] == ["101", "102"]
    # At closing: gone from every read, before anything is recorded.
    head = hall.head()
    assert hall.json("position", "101", at="2026-12-07 17:00")["books"] == []
    assert hall.json("position", "102", at="2026-12-07 17:00")["books"][0]["position"] == 1
    assert [c["card"] for c in hall.json("call", "rank", cid, at="2026-12-07 17:00")["candidates"]] == ["102"]
    assert lapse_entries() == []
    assert hall.head() == head
    # Showing the list records it (actor system), dated at the deadline; a second showing writes nothing.
    assert [r["card"] for r in hall.json("list", "JW-1", at="2026-12-08 09:00")] == ["102"]
    lapsed = lapse_entries()
    assert len(lapsed) == 1 and lapsed[0]["actor"] == "system"
    assert lapsed[0]["data"]["card"] == "101" and lapsed[0]["data"]["due"] == "2026-12-05"
    assert lapsed[0]["data"]["removed_at"] == zulu("2026-12-07 17:00") == "2026-12-07T23:00:00Z"
    head = hall.head()
    hall.ok("list", at="2026-12-08 09:30")
    assert hall.head() == head
    assert hall.ok("audit", "verify").exit_code == 0
    # Signing again starts at the bottom.
    hall.ok("sign", "101", "JW-1", at="2026-12-08 10:00")
    assert [r["card"] for r in hall.json("list", "JW-1", at="2026-12-08 10:00")] == ["102", "101"]


def test_removal_recorded_by_the_next_write(hall):
    hall.ok("member", "add", "101", "--name", "Ada Archer", "--class", "JW", at="2026-10-02 09:00")
    # Oct 2 (CDT) + 30 = Sunday Nov 1; removed Monday Nov 2 at 17:00 CST (23:00Z), after the DST change.
    hall.ok("sign", "101", "JW-1", at="2026-10-02 09:00")
    assert hall.json("position", "101", at="2026-11-02 16:59")["books"][0]["position"] == 1
    hall.ok("employer", "add", "Acme", at="2026-11-09 09:00")
    entries = hall.audit()
    assert [e["action"] for e in entries[-2:]] == ["registration.lapsed", "employer.added"]
    assert entries[-2]["actor"] == "system" and entries[-2]["data"]["removed_at"] == "2026-11-02T23:00:00Z"


def test_resign_before_closing_keeps_the_place(hall):
    hall.ok("member", "add", "101", "--name", "Ada Archer", "--class", "JW", at="2026-11-05 09:00")
    hall.ok("sign", "101", "JW-1", at="2026-11-05 10:00")
    out = hall.ok("resign", "101", at="2026-12-07 16:30").stdout
    assert "Receipt #" in out
    rows = hall.json("list", at="2026-12-08 09:00")
    assert rows[0]["registered_at"] == zulu("2026-11-05 10:00") and rows[0]["resign_due"] == "2027-01-06"


def test_grace_days_and_holidays(make_hall):
    hall = make_hall(RULES_TEXT + 'holidays = ["2026-12-08"]\n\n[resign]\ngrace_days = 3\n')
    hall.ok("member", "add", "101", "--name", "Ada Archer", "--class", "JW", at="2026-11-05 09:00")
    hall.ok("member", "add", "102", "--name", "Ben Baker", "--class", "JW", at="2026-11-05 09:00")
    # Due Sat Dec 5: overdue from Mon Dec 7 17:00; due + 3 = Tue Dec 8, a holiday: removed Wed Dec 9 17:00.
    hall.ok("sign", "101", "JW-1", at="2026-11-05 10:00")
    hall.ok("sign", "102", "JW-1", at="2026-11-10 10:00")
    hall.ok("employer", "add", "Acme", at="2026-11-05 10:00")
    cid = hall.json("call", "add", "--employer", "Acme", "--class", "JW", "--workers", "1",
                    "--start", "2026-12-14 07:00", "--days", "30", at="2026-12-01 09:00")["id"]
    assert hall.json("call", "rank", cid, at="2026-12-07 16:59")["candidates"][0]["eligible"] is True
    first = hall.json("call", "rank", cid, at="2026-12-07 17:00")["candidates"][0]
    assert first["card"] == "101" and first["eligible"] is False
    assert first["reasons"] == [{"code": "resign_overdue", "text": "re-sign was due 2026-12-05"}]
    assert "overdue" in hall.ok("list", at="2026-12-08 12:00").stdout
    assert "Ada" in hall.fails("offer", cid, "101", "accepted", at="2026-12-08 12:00").stderr
    assert [r["card"] for r in hall.json("list", at="2026-12-09 16:59")] == ["101", "102"]
    assert [r["card"] for r in hall.json("list", at="2026-12-09 17:00")] == ["102"]
    lapsed = [e for e in hall.audit() if e["action"] == "registration.lapsed"]
    assert [e["data"]["removed_at"] for e in lapsed] == [zulu("2026-12-09 17:00")]


# --- bad input: one sentence, no traceback, nothing written ---------------------------------


@pytest.fixture
def busy_hall(fresh_hall) -> Hall:
    """A hall on Nov 3 with calls, and a removal pending (card 900, deadline Mon Nov 2 17:00)."""
    hall = Hall(fresh_hall(), now="2026-11-03 10:00")
    at = "2026-10-02 09:00"
    hall.ok("member", "add", "900", "--name", "Lapsing Lou", "--class", "JW", at=at)
    hall.ok("sign", "900", "JW-2", at=at)
    at = "2026-10-05 09:00"
    for card, name in (("101", "Ada Archer"), ("102", "Ben Baker"), ("103", "Cy Cole")):
        hall.ok("member", "add", card, "--name", name, "--class", "JW", at=at)
        hall.ok("sign", card, "JW-1", at=at)
    hall.ok("employer", "add", "Acme", at=at)
    hall.ok("call", "add", "--employer", "Acme", "--class", "JW", "--workers", "1",
            "--start", "2026-11-09 07:00", "--days", "30", at=at)
    hall.ok("offer", "1", "101", "accepted", at=at)
    hall.ok("call", "add", "--employer", "Acme", "--class", "JW", "--workers", "2",
            "--start", "2026-11-09 07:00", "--days", "30", at=at)
    return hall


def _bad_csv(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("card,name,phone,classes,certs\n"
                    "301,Good Gail,,JW,\n"
                    "302,,,JW,\n"
                    "303,Bad Class,,XX,\n"
                    "304,Good Gus,,JW,OSHA-30:someday\n", encoding="utf-8")
    return str(path)


def _bad_rules(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(RULES_TEXT + "\n[turndowns]\nlimmit = 2\n", encoding="utf-8")
    return str(path)


BAD_INPUT = {
    "unknown card (sign)": lambda t: ["sign", "999", "JW-1"],
    "unknown card (resign)": lambda t: ["resign", "999"],
    "unknown card (show)": lambda t: ["member", "show", "999"],
    "unknown card (offer)": lambda t: ["offer", "2", "999", "accepted"],
    "unknown card (name request)": lambda t: ["call", "add", "--employer", "Acme", "--class", "JW", "--workers", "2",
                                              "--start", "2026-11-20 07:00", "--days", "5", "--request", "999:asked"],
    "unknown book (sign)": lambda t: ["sign", "102", "JW-9"],
    "unknown book (list)": lambda t: ["list", "JW-9"],
    "unknown book (resign)": lambda t: ["resign", "102", "JW-9"],
    "unknown call": lambda t: ["offer", "99", "102", "accepted"],
    "unknown employer": lambda t: ["employer", "bar", "Nobody Inc", "102", "--until", "2026-12-01", "--reason", "x"],
    "not a date (unavailable)": lambda t: ["member", "unavailable", "102", "--until", "2026-02-30", "--reason", "x"],
    "not a date (bar)": lambda t: ["employer", "bar", "Acme", "102", "--until", "soon", "--reason", "x"],
    "not a date (cert)": lambda t: ["member", "cert", "102", "CPR", "--expires", "31/12/2027"],
    "not a date (call start)": lambda t: ["call", "add", "--employer", "Acme", "--class", "JW", "--workers", "1",
                                          "--start", "tomorrow", "--days", "5"],
    "not a date (end)": lambda t: ["end", "101", "--reason", "quit", "--at", "2026-11-31 10:00"],
    "csv with bad rows": lambda t: ["member", "import", _bad_csv(t)],
    "rules with unknown key": lambda t: ["rules", "set", _bad_rules(t), "--effective", "2026-12-31 00:00"],
    "offer out of order": lambda t: ["offer", "2", "103", "accepted"],
    "offer on a filled call": lambda t: ["offer", "1", "102", "accepted"],
    "bad outcome": lambda t: ["offer", "2", "102", "maybe"],
    "dst gap start": lambda t: ["call", "add", "--employer", "Acme", "--class", "JW", "--workers", "1",
                                "--start", "2027-03-14 02:30", "--days", "5"],
    "dst fold start": lambda t: ["call", "add", "--employer", "Acme", "--class", "JW", "--workers", "1",
                                 "--start", "2026-11-01 01:30", "--days", "5"],
    "end before the call start": lambda t: ["end", "101", "--reason", "quit", "--at", "2026-11-03 08:00"],
    "end with no job": lambda t: ["end", "102", "--reason", "quit"],
    "sign twice": lambda t: ["sign", "102", "JW-1"],
    "member exists": lambda t: ["member", "add", "102", "--name", "Ben Again", "--class", "JW"],
    "workers not a number": lambda t: ["call", "add", "--employer", "Acme", "--class", "JW", "--workers", "two",
                                       "--start", "2026-11-20 07:00", "--days", "5"],
    "unknown classification": lambda t: ["member", "add", "555", "--name", "New Nell", "--class", "ZZ"],
    "reinstate not suspended": lambda t: ["member", "reinstate", "102", "--reason", "appeal 1"],
    "bad head": lambda t: ["audit", "verify", "--head", "12:nothex"],
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_one_sentence_and_writes_nothing(busy_hall, tmp_path, case):
    args = BAD_INPUT[case](tmp_path)
    before = busy_hall.state()
    result = busy_hall.fails(*args)
    assert result.stdout == ""
    assert busy_hall.state() == before, f"{case}: something was written"


def test_csv_reports_every_bad_row_by_line(busy_hall, tmp_path):
    err = busy_hall.fails("member", "import", _bad_csv(tmp_path)).stderr
    assert "line 3" in err and "line 4" in err and "line 5" in err
    assert "line 2" not in err
    assert busy_hall.fails("member", "show", "301").stderr  # nothing imported


def test_rules_error_names_the_key(busy_hall, tmp_path):
    assert "limmit" in busy_hall.fails("rules", "set", _bad_rules(tmp_path), "--effective", "2026-12-31 00:00").stderr


def test_dst_gap_is_refused_with_a_sentence(busy_hall):
    err = busy_hall.fails("call", "add", "--employer", "Acme", "--class", "JW", "--workers", "1",
                          "--start", "2027-03-14 02:30", "--days", "5").stderr
    assert "does not exist" in err


def test_init_with_bad_rules_creates_nothing(tmp_path):
    path = tmp_path / "never.db"
    hall = Hall(path)
    err = hall.fails("init", "--rules", _bad_rules(tmp_path), "--admin", "ana", "--password-stdin",
                     input="ana-password\n", actor=None).stderr
    assert "limmit" in err
    assert not path.exists()


def test_init_refuses_an_existing_database(hall):
    before = hall.state()
    hall.fails("init", "--admin", "ana", "--password-stdin", input="ana-password\n", actor=None)
    assert hall.state() == before


@pytest.mark.parametrize("args", [
    ["list"], ["list", "--json"], ["position", "101"], ["member", "show", "101"], ["call", "list"],
    ["call", "rank", "1"], ["audit", "verify"], ["audit", "head"], ["audit", "log"], ["rules", "show"],
    ["employer", "list"],
])
def test_missing_database_names_hall_init(tmp_path, args):
    path = tmp_path / "missing.db"
    result = Hall(path).fails(*args, actor=None, env={"HALL_TOKEN": "hall_not-a-token"})
    assert "hall init" in result.stderr
    assert not path.exists()


# --- members, short calls, discipline, name requests -------------------------------------------


@pytest.fixture
def crew(hall) -> Hall:
    at = "2026-11-02 09:00"
    for card, name in (("101", "Ada Archer"), ("102", "Ben Baker"), ("103", "Cy Cole"), ("104", "Di Dunn")):
        hall.ok("member", "add", card, "--name", name, "--class", "JW", at=at)
    for i, card in enumerate(("101", "102", "103", "104")):
        hall.ok("sign", card, "JW-1", at=f"2026-11-02 09:1{i}")
    hall.ok("employer", "add", "Acme", at=at)
    hall.ok("employer", "add", "Bolt Co", at=at)
    hall.now = "2026-11-09 08:00"
    return hall


def _call(hall, workers="1", days="30", start="2026-11-10 07:00", employer="Acme", *extra, at=None):
    return str(hall.json("call", "add", "--employer", employer, "--class", "JW", "--workers", workers,
                         "--start", start, "--days", days, *extra, at=at)["id"])


def test_sign_refused_while_working_a_regular_call(crew):
    cid = _call(crew)
    crew.ok("offer", cid, "101", "accepted")
    before = crew.state()
    err = crew.fails("sign", "101", "JW-2").stderr
    assert "regular call" in err
    assert crew.state() == before


def test_short_call_round_trip(crew):
    cid = _call(crew, "1", "5", "2026-11-10 07:00", "Bolt Co")
    crew.ok("offer", cid, "101", "accepted")
    pos = crew.json("position", "101")["books"][0]
    assert pos["status"] == "on_short_call" and pos["position"] is None
    assert [r["card"] for r in crew.json("list", "JW-1")] == ["102", "103", "104"]
    # While on the short call, another call ranks her with the reason.
    cid2 = _call(crew, "1", "30", "2026-11-12 07:00", "Acme", at="2026-11-11 08:00")
    first = crew.json("call", "rank", cid2, at="2026-11-11 08:00")["candidates"][0]
    assert first["card"] == "101" and first["eligible"] is False
    assert first["reasons"][0]["code"] == "on_short_call" and "Bolt Co" in first["reasons"][0]["text"]
    crew.ok("end", "101", "--reason", "laid_off", at="2026-11-13 16:00")
    info = crew.json("member", "show", "101", at="2026-11-13 16:05")
    book = info["books"][0]
    assert book["status"] == "waiting" and book["position"] == 1 and book["restorations"] == 1
    assert book["registered_at"] == zulu("2026-11-02 09:10")
    assert info["job_ends"][0]["days_worked"] == 4  # Tue Nov 10 .. Fri Nov 13


def test_discharged_twice_suspends_and_reinstate_lifts(crew):
    for i, day in enumerate(("2026-11-10", "2026-11-17")):
        cid = _call(crew, "1", "30", f"{day} 07:00", at=f"{day} 06:00")
        for ahead in (["102", "103", "104"] if i else []):  # Ada signed again at the bottom
            crew.ok("offer", cid, ahead, "employer_rejected", at=f"{day} 06:05")
        crew.ok("offer", cid, "101", "accepted", at=f"{day} 06:10")
        crew.ok("end", "101", "--reason", "discharged", at=f"{day} 15:00")
        crew.ok("sign", "101", "JW-1", at=f"{day} 16:00")
    assert crew.json("member", "show", "101", at="2026-11-18 08:00")["standing"] == "suspended"
    cid = _call(crew, "1", "30", "2026-11-20 07:00", at="2026-11-18 08:00")
    cands = crew.json("call", "rank", cid, at="2026-11-18 08:00")["candidates"]
    ada = next(c for c in cands if c["card"] == "101")
    assert ada["eligible"] is False and ada["reasons"][0]["code"] == "suspended"
    crew.ok("member", "reinstate", "101", "--reason", "appeal 2026-14 upheld", at="2026-11-18 09:00")
    assert crew.json("member", "show", "101", at="2026-11-18 09:05")["standing"] == "active"
    ada = next(c for c in crew.json("call", "rank", cid, at="2026-11-18 09:05")["candidates"] if c["card"] == "101")
    assert ada["eligible"] is True


def test_unavailable_member_is_passed_over(crew):
    crew.ok("member", "unavailable", "101", "--until", "2026-12-03", "--reason", "knee surgery")
    cid = _call(crew)
    first = crew.json("call", "rank", cid)["candidates"][0]
    assert first["reasons"] == [{"code": "unavailable", "text": "unavailable until 2026-12-03"}]
    assert "surgery" not in json.dumps(first)
    err = crew.fails("offer", cid, "101", "accepted").stderr
    assert "unavailable until 2026-12-03" in err
    crew.ok("offer", cid, "102", "accepted")
    # "Until DATE" includes that date; the day after she is eligible again.
    later = _call(crew, "1", "30", "2026-12-03 07:00", at="2026-11-20 08:00")
    assert crew.json("call", "rank", later, at="2026-11-20 08:00")["candidates"][0]["eligible"] is False
    after = _call(crew, "1", "30", "2026-12-04 07:00", at="2026-11-20 08:00")
    assert crew.json("call", "rank", after, at="2026-11-20 08:00")["candidates"][0]["eligible"] is True


def test_employer_bar_passes_over_with_the_sentence(crew):
    crew.ok("employer", "bar", "Acme", "101", "--until", "2027-03-01", "--reason", "left site early")
    cid = _call(crew)
    first = crew.json("call", "rank", cid)["candidates"][0]
    assert first["reasons"] == [{"code": "employer_bar", "text": "no referral to Acme until 2027-03-01"}]
    other = _call(crew, "1", "30", "2026-11-10 07:00", "Bolt Co")
    assert crew.json("call", "rank", other)["candidates"][0]["eligible"] is True


def test_name_request_honoured_first(crew):
    cid = _call(crew, "2", "30", "2026-11-10 07:00", "Acme", "--request", "104:worked this site before")
    cands = crew.json("call", "rank", cid)["candidates"]
    assert [(c["card"], c["name_request"]) for c in cands[:2]] == [("104", True), ("101", False)]
    crew.ok("offer", cid, "104", "declined")
    assert crew.json("member", "show", "104")["books"][0]["turndowns"] == 0  # a named member's decline
    crew.ok("offer", cid, "101", "accepted")
    crew.ok("offer", cid, "102", "accepted")
    cid2 = _call(crew, "2", "30", "2026-11-10 07:00", "Bolt Co", "--request", "103:foreman asked")
    crew.ok("offer", cid2, "103", "accepted")
    refs = crew.json("member", "show", "103")["referrals"]
    assert refs[0]["basis"] == "name_request"
    ranking = crew.json("call", "rank", cid2)["candidates"]
    assert ranking[0]["card"] == "103" and ranking[0]["outcome"] == "accepted"


@pytest.mark.parametrize("workers, requests", [
    ("2", ["101:a", "102:b"]),  # over max_share (half of 2 is 1)
    ("1", ["101:a"]),  # a one-worker call may not be named
])
def test_name_request_over_the_share_is_refused(crew, workers, requests):
    before = crew.state()
    args = []
    for r in requests:
        args += ["--request", r]
    result = crew.fails("call", "add", "--employer", "Acme", "--class", "JW", "--workers", workers,
                        "--start", "2026-11-10 07:00", "--days", "30", *args)
    assert "refused" in result.stderr
    assert crew.state() == before


def test_name_request_needs_a_reason(crew):
    before = crew.state()
    crew.fails("call", "add", "--employer", "Acme", "--class", "JW", "--workers", "2",
               "--start", "2026-11-10 07:00", "--days", "30", "--request", "101")
    assert crew.state() == before


def test_turndown_limit_rolls_off(crew):
    for i in range(3):
        cid = _call(crew, "1", "30", "2026-11-20 07:00", at=f"2026-11-1{i} 08:00")
        crew.ok("offer", cid, "101", "declined", at=f"2026-11-1{i} 08:05")
    assert crew.json("position", "101", at="2026-11-13 08:00")["books"] == []
    assert [r["card"] for r in crew.json("list", at="2026-11-13 08:00")] == ["102", "103", "104"]


def test_cancelled_call_gives_places_back(crew):
    cid = _call(crew, "2")
    crew.ok("offer", cid, "101", "accepted")
    crew.ok("call", "cancel", cid, "--reason", "owner postponed")
    assert [r["card"] for r in crew.json("list")][0] == "101"
    before = crew.state()
    crew.fails("offer", cid, "102", "accepted")
    assert crew.state() == before


def test_json_output_is_one_document(crew):
    cid = _call(crew)
    for args in (["list"], ["position", "101"], ["member", "show", "101"], ["call", "list"], ["call", "rank", cid],
                 ["audit", "log"], ["employer", "list"]):
        result = crew.ok(*args, "--json")
        json.loads(result.stdout)


def test_local_times_in_json_are_utc_z(crew):
    start = local("2026-11-10 07:00").strftime("%Y-%m-%dT%H:%M:%SZ")
    _call(crew)
    assert crew.json("call", "list")[0]["start"] == start == "2026-11-10T13:00:00Z"



# --- the command tree: every name a script may use, each with help and an example -------------

COMMAND_PATHS = {
    "hall", "hall init", "hall demo", "hall migrate", "hall check", "hall tui", "hall kiosk", "hall web",
    "hall rules", "hall rules show", "hall rules set",
    "hall member", "hall member add", "hall member update", "hall member show", "hall member import",
    "hall member cert", "hall member unavailable", "hall member pin", "hall member reinstate",
    "hall member identify", "hall member notices", "hall member qualify", "hall member move", "hall member excuse",
    "hall member excuse-end", "hall member excuse-correct", "hall hours", "hall hours add", "hall hours import",
    "hall sign", "hall resign", "hall list", "hall position",
    "hall employer", "hall employer add", "hall employer list", "hall employer bar",
    "hall call", "hall call add", "hall call list", "hall call rank", "hall call cancel", "hall call amend",
    "hall offer", "hall end", "hall referral", "hall call post", "hall bid", "hall bids", "hall signin",
    "hall correct", "hall correct outcome", "hall correct restore", "hall correct grant",
    "hall audit", "hall audit verify", "hall audit head", "hall audit heads", "hall audit log",
    "hall audit replay", "hall backup", "hall restore",
    "hall user", "hall user add", "hall user list", "hall user disable", "hall user password",
    "hall user token", "hall user revoke", "hall login", "hall logout",
    "hall report", "hall report daybook", "hall report list", "hall report resign-due", "hall report dropped",
    "hall report open-calls", "hall report employment", "hall report unemployed", "hall report name-requests",
    "hall report member", "hall report fairness", "hall report packet",
    "hall notify", "hall notify run", "hall notify status", "hall notify retry",
}


def _command_tree(command, path: tuple[str, ...] = ("hall",)):
    import click

    yield path, command
    if isinstance(command, click.Group):
        ctx = click.Context(command, info_name=path[-1])
        for name in command.list_commands(ctx):
            yield from _command_tree(command.get_command(ctx, name), path + (name,))


def test_every_command_and_sub_command_has_help_with_an_example():
    import click
    from click.testing import CliRunner

    from hall.cli import main

    tree = dict(_command_tree(main))
    assert {" ".join(path) for path in tree} == COMMAND_PATHS
    for path, command in tree.items():
        result = CliRunner().invoke(main, [*path[1:], "--help"])
        assert result.exit_code == 0, result.output
        text = result.output
        summary = text.split("\n\n")[1].strip() if "\n\n" in text else ""
        assert summary and not summary.startswith(("Options:", "Commands:")), f"{' '.join(path)}: no help text"
        example = text.split("Example:", 1)
        assert len(example) == 2, f"{' '.join(path)}: no example"
        assert example[1].lstrip().startswith("hall "), f"{' '.join(path)}: the example is not a command line"
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"{' '.join(path)} {param.opts[0]}: no help"
