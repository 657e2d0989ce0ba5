"""(v2) The morning dispatch through the command line: posted calls, bids and their refusals, the
day-book sign-in, the selection as of its moment (read before any write, recorded once by the next
write with actor system), award_declined, and the whole history replayed clean."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import unchanged
from tests.hall.conftest import RULES_TEXT, Hall, zulu

MORNING = RULES_TEXT + "[bidding]\nenabled = true\n[daybook]\nrequired = true\n"
# Mon 23 Nov 2026: a call taken before 15:00 is posted for Tue 24 Nov 07:00; bids close 06:30.
MONDAY = "2026-11-23 10:00"


@pytest.fixture
def morning(fresh_hall) -> Hall:
    return morning_hall(fresh_hall(MORNING))


def morning_hall(path) -> Hall:
    """Four JW members on JW-1 (Ada first), an apprentice, two employers."""
    hall = Hall(path, MONDAY)
    for card, name in (("101", "Ada Archer"), ("102", "Ben Baker"), ("103", "Cy Cole"), ("104", "Di Dunn")):
        hall.ok("member", "add", card, "--name", name, "--class", "JW", "--cert", "OSHA-30", at="2026-10-27 09:00")
    hall.ok("member", "add", "301", "--name", "Ray Reyes", "--class", "AP", at="2026-10-27 09:00")
    for day, card in (("2026-11-02 08:00", "101"), ("2026-11-03 08:00", "102"), ("2026-11-04 08:00", "103"),
                      ("2026-11-05 08:00", "104")):
        hall.ok("sign", card, "JW-1", at=day)
    hall.ok("employer", "add", "Acme Electric")
    hall.ok("employer", "add", "Bolt Co")
    return hall


def files_of(path) -> dict[str, bytes]:
    """The database file and what its WAL holds, as bytes (an empty WAL, which any reader may
    open, and the shared-memory index aside)."""
    found = {suffix: Path(f"{path}{suffix}") for suffix in ("", "-wal")}
    return {suffix: f.read_bytes() for suffix, f in found.items() if f.exists() and f.stat().st_size}


def add_call(hall: Hall, employer: str, workers: int, *extra: str, at: str | None = None) -> str:
    return str(hall.json("call", "add", "--employer", employer, "--class", "JW", "--workers", str(workers),
                         "--start", "2026-11-25 07:00", "--days", "30", *extra, at=at)["id"])


def test_a_call_taken_with_bidding_on_is_posted_and_on_the_job_board(morning):
    acme = add_call(morning, "Acme Electric", 2, "--wage", "$52.10", "--site", "Pier 5")
    late = add_call(morning, "Bolt Co", 1, at="2026-11-23 15:00")
    phoned = add_call(morning, "Bolt Co", 1, "--by-phone", "storm damage: needed today")
    board = morning.json("call", "list", "--posted")
    assert board["next_selection"] == zulu("2026-11-24 07:00") and board["bids_close_at"] == zulu("2026-11-24 06:30")
    rows = {str(c["id"]): c for c in board["calls"]}
    assert set(rows) == {acme, late}  # the phoned call goes down the list now
    assert rows[acme]["selection_at"] == zulu("2026-11-24 07:00")
    assert rows[late]["selection_at"] == zulu("2026-11-25 07:00")  # taken at the cut-off: the one after
    assert (rows[acme]["wage"], rows[acme]["site"], rows[acme]["bids"], rows[acme]["decline_counts"]) == (
        "$52.10", "Pier 5", 0, True)
    assert rows[acme]["time_left_seconds"] == (20 * 60 + 30) * 60
    text = morning.ok("call", "list", "--posted").stdout
    assert "Next selection Tue 24 Nov 07:00" in text and "bids close 06:30 (in 20 h 30 min)" in text
    # The phoned call is offered now; a posted one is refused before its selection.
    late_signin = morning.ok("signin", "101").stdout
    assert late_signin.startswith("Ada Archer (101) signed in after the 08:00 deadline: it counts for Tue 24 Nov.")
    assert "not signed in for Mon 23 Nov" in morning.fails("offer", phoned, "101", "accepted").stderr
    morning.ok("signin", "102", "--via", "phone", at="2026-11-23 07:59")
    assert "accepted" in morning.ok("offer", phoned, "102", "accepted").stdout
    refused = morning.fails("offer", acme, "102", "declined").stderr
    assert f"Call #{acme} is posted for bids" in refused and "Tue 24 Nov 07:00" in refused


def test_bids_receipts_and_every_refusal(morning):
    acme = add_call(morning, "Acme Electric", 2)
    bolt = add_call(morning, "Bolt Co", 1)
    out = morning.ok("bid", "101", acme, "--via", "phone").stdout
    assert out.startswith(f"Ada Archer (101) bid on call #{acme} as choice 1; bids close Tue 24 Nov 06:30")
    assert "Receipt #" in out
    assert "as choice 2" in morning.ok("bid", "101", bolt).stdout
    mine = morning.json("bids", "--card", "101")
    assert [(b["call"], b["choice"], b["via"]) for b in mine] == [(int(acme), 1, "phone"), (int(bolt), 2, "in_person")]
    assert "already bid on call" in morning.fails("bid", "101", acme).stderr
    assert "not waiting on a JW book" in morning.fails("bid", "301", acme).stderr
    morning.ok("bid", "102", bolt, "--choice", "1")
    assert f"Ben Baker (102)'s choice 1 is already call #{bolt}" in morning.fails("bid", "102", acme, "--choice", "1").stderr
    assert "from 1 to 10" in morning.fails("bid", "102", acme, "--choice", "11").stderr
    # A call the member cannot work: Di's OSHA-30 is not needed, but Cy is barred by Acme.
    morning.ok("employer", "bar", "Acme Electric", "103", "--until", "2026-12-31", "--reason", "site rules")
    assert "cannot work call" in morning.fails("bid", "103", acme).stderr
    assert "withdrew the bid" in morning.ok("bid", "101", bolt, "--withdraw", at="2026-11-23 10:50").stdout
    assert [b["call"] for b in morning.json("bids", "--card", "101")] == [int(acme)]
    assert len(morning.json("bids", "--card", "101", "--all")) == 2
    # After the window closes, neither bids nor withdrawals.
    assert f"Bids on call #{acme} closed at Tue 24 Nov 06:30." in morning.fails("bid", "102", acme, at="2026-11-24 06:30").stderr
    assert "the bid stands" in morning.fails("bid", "101", acme, "--withdraw", at="2026-11-24 06:45").stderr
    with unchanged(morning.path):
        morning.fails("bid", "102", "999")
        morning.fails("bid", "102", acme, "--choice", "x")


def test_more_than_max_bids_is_refused(fresh_hall):
    hall = morning_hall(fresh_hall(MORNING.replace("enabled = true\n", "enabled = true\nmax_bids = 2\n")))
    calls = [add_call(hall, "Acme Electric", 1) for _ in range(3)]
    hall.ok("bid", "101", calls[0])
    hall.ok("bid", "101", calls[1])
    with unchanged(hall.path):
        refused = hall.fails("bid", "101", calls[2]).stderr
    assert "Ada Archer (101) already has 2 open bids, the most bidding.max_bids allows: withdraw one first." in refused
    hall.ok("bid", "101", calls[0], "--withdraw")
    assert "as choice 1" in hall.ok("bid", "101", calls[2]).stdout


def test_bidding_off_refuses_bids_posting_and_by_phone(hall):
    hall.ok("employer", "add", "Acme Electric")
    hall.ok("member", "add", "101", "--name", "Ada Archer", "--class", "JW", at="2026-10-27 09:00")
    call = add_call(hall, "Acme Electric", 1)
    assert "Bidding is off" in hall.fails("bid", "101", call).stderr
    assert "Bidding is off" in hall.fails("call", "post", call).stderr
    assert "Bidding is off" in hall.fails("call", "add", "--employer", "Acme Electric", "--class", "JW",
                                          "--workers", "1", "--start", "2026-11-25 07:00", "--days", "3",
                                          "--by-phone", "emergency").stderr
    assert "keeps no day book" in hall.fails("signin", "101").stderr


def a_morning(hall: Hall) -> tuple[str, str]:
    """Acme (2 workers) and Bolt (1) posted Monday; Ada, Ben and Cy sign in for Tuesday, Di does not.
    Ada wants Bolt most, then Acme; Ben Acme, then Bolt; Cy only Bolt; Di only Acme."""
    acme = add_call(hall, "Acme Electric", 2)
    bolt = add_call(hall, "Bolt Co", 1)
    for card in ("101", "102", "103"):
        hall.ok("signin", card, "--via", "phone", at="2026-11-23 16:00")
    hall.ok("bid", "101", bolt, "--choice", "1", at="2026-11-23 17:00")
    hall.ok("bid", "101", acme, at="2026-11-23 17:01")
    hall.ok("bid", "102", acme, at="2026-11-23 18:00")
    hall.ok("bid", "102", bolt, at="2026-11-23 18:01")
    hall.ok("bid", "103", bolt, "--via", "phone", at="2026-11-24 06:29")
    hall.ok("bid", "104", acme, at="2026-11-23 20:00")
    return acme, bolt


def test_the_selection_is_read_as_of_its_moment_then_recorded_once_by_a_write(morning):
    acme, bolt = a_morning(morning)
    before = morning.json("call", "rank", acme, at="2026-11-24 06:59")
    assert [c.get("outcome") for c in before["candidates"]] == [None] * 4
    assert [r["code"] for r in before["candidates"][2]["reasons"]] == ["not_bid"]  # Cy did not bid on Acme

    with unchanged(morning.path):  # reads after 07:00 show the awards; nothing is written
        files = files_of(morning.path)
        ranking = morning.json("call", "rank", acme, at="2026-11-24 07:05")
        rows = {c["card"]: c for c in ranking["candidates"]}
        assert rows["102"]["outcome"] == "accepted" and rows["102"]["basis"] == "list_order"
        assert rows["102"]["choice"] == 1
        bolt_rank = morning.json("call", "rank", bolt, at="2026-11-24 07:05")
        assert {c["card"]: c.get("outcome") for c in bolt_rank["candidates"]}["101"] == "accepted"
        assert morning.json("position", "101", at="2026-11-24 07:05")["books"][0]["status"] == "dispatched"
        calls = {c["id"]: c for c in morning.json("call", "list", at="2026-11-24 07:05")}
        assert (calls[int(bolt)]["status"], calls[int(acme)]["accepted"]) == ("filled", 1)
        assert morning.json("call", "list", "--posted", at="2026-11-24 07:05")["calls"] == []
        assert files_of(morning.path) == files  # byte for byte: the reads' writes were rolled back in memory

    morning.ok("signin", "104", at="2026-11-24 07:10")  # the next write records the selection first
    entries = morning.audit()
    system = [e for e in entries if e["actor"] == "system"]
    assert [e["action"] for e in system] == ["selection.award", "selection.award", "selection.recorded"]
    awards = {e["data"]["card"]: e["data"] for e in system[:2]}
    assert (awards["101"]["call"], awards["101"]["choice"]) == (int(bolt), 1)
    assert (awards["102"]["call"], awards["102"]["choice"]) == (int(acme), 1)
    assert [(r["card"], r["text"]) for r in awards["101"]["bidders"]] == [
        ("101", f"awarded call #{bolt}, their choice 1"), ("102", f"awarded call #{acme}, their choice 1"),
        ("103", f"call #{bolt} was full when reached")]
    assert [(r["card"], r["awarded"], r["text"]) for r in awards["102"]["bidders"]] == [
        ("101", False, f"awarded call #{bolt}, their choice 1"), ("102", True, f"awarded call #{acme}, their choice 1"),
        ("104", False, "not signed in for Tue 24 Nov")]
    recorded = system[2]["data"]
    assert recorded["calls"][acme]["left"] == 1 and recorded["calls"][bolt]["left"] == 0
    assert system[0]["at"] == zulu("2026-11-24 07:00")  # as of its moment

    morning.ok("signin", "103", at="2026-11-25 07:00")
    assert [e["actor"] for e in morning.audit()].count("system") == 3  # exactly once

    # The opening left goes down the list by phone, not_bid no longer applies: Cy is next.
    after = morning.json("call", "rank", acme, at="2026-11-24 07:20")
    cy = next(c for c in after["candidates"] if c["card"] == "103")
    assert cy["eligible"] and cy["reasons"] == []
    assert "accepted" in morning.ok("offer", acme, "103", "accepted", at="2026-11-24 07:20").stdout
    replay = morning.run("audit", "replay", at="2026-11-24 07:30")
    assert replay.exit_code == 0, replay.output


def test_award_declined_is_a_turndown_and_the_opening_reopens(morning):
    acme, bolt = a_morning(morning)
    out = morning.ok("referral", bolt, "101", "award_declined", "--note", "called in at 07:40",
                     at="2026-11-24 07:40").stdout
    assert f"Ada Archer refused the award of call #{bolt}: turndown 1 of 3, back at the original place; " \
           f"the opening returns to call #{bolt}." in out
    position = morning.json("position", "101", at="2026-11-24 07:41")["books"][0]
    assert (position["status"], position["registered_at"], position["position"]) == (
        "waiting", zulu("2026-11-02 08:00"), 1)
    calls = {c["id"]: c for c in morning.json("call", "list", at="2026-11-24 07:41")}
    assert (calls[int(bolt)]["status"], calls[int(bolt)]["accepted"]) == ("open", 0)
    outcome = {c["card"]: c.get("outcome") for c in morning.json("call", "rank", bolt, at="2026-11-24 07:41")["candidates"]}
    assert outcome["101"] == "declined"
    with unchanged(morning.path):
        assert "holds no award of call" in morning.fails("referral", bolt, "101", "award_declined",
                                                          at="2026-11-24 07:42").stderr
        assert "holds no award of call" in morning.fails("referral", acme, "103", "award_declined",
                                                          at="2026-11-24 07:42").stderr
    # Cy (full when reached at the selection) is now offered the reopened opening by phone.
    assert "accepted" in morning.ok("offer", bolt, "103", "accepted", at="2026-11-24 07:45").stdout
    assert morning.run("audit", "replay", at="2026-11-24 08:00").exit_code == 0


def test_sign_in_days_deadline_weekends_and_holidays(fresh_hall):
    hall = morning_hall(fresh_hall(MORNING.replace(
        '[hall]\nname = "Test Local 1"\n', '[hall]\nname = "Test Local 1"\nholidays = ["2026-11-26", "2026-11-27"]\n')))
    said = {card: hall.ok("signin", card, at=at).stdout for card, at in (
        ("101", "2026-11-24 07:59"), ("102", "2026-11-24 08:00"), ("103", "2026-11-25 09:00"),
        ("104", "2026-11-28 10:00"))}
    assert said["101"].startswith("Ada Archer (101) signed in for Tue 24 Nov.")
    assert said["102"].startswith("Ben Baker (102) signed in after the 08:00 deadline: it counts for Wed 25 Nov.")
    # Wednesday after the deadline: Thursday and Friday are holidays, so Monday.
    assert said["103"].startswith("Cy Cole (103) signed in after the 08:00 deadline: it counts for Mon 30 Nov.")
    assert said["104"].startswith("Di Dunn (104) signed in for the next business day, Mon 30 Nov.")
    with unchanged(hall.path):
        again = hall.fails("signin", "104", at="2026-11-29 10:00").stderr
    assert "Di Dunn (104) is already signed in for Mon 30 Nov (receipt #" in again
