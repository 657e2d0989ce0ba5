"""One referral in force at a time (referral-rules.md, Eligibility, "(v2, fix)").

A member working a short call is passed over as ``on_short_call`` on every call, whatever
book they wait on; signing a book while holding a referral is refused; with
``short_calls.offer_regular_calls`` a regular call may be accepted and ends the short call
("left for a regular call"); ``hall check`` reports two referrals in force as a problem.
"""

from __future__ import annotations

import sqlite3

from freezegun import freeze_time

from hall.operations.offers import preview_offer
from hall.store import Store
from tests.hall.conftest import RULES_TEXT, Hall, local

OFFER_REGULAR = RULES_TEXT + "[short_calls]\noffer_regular_calls = true\n"


def on_a_short_call(hall: Hall) -> tuple[str, str]:
    """Ada (1000) waits on JW-2 and accepts a 5-day call from Bolt Co; Ben (1001) waits on JW-1.
    Returns the ids of a short call and of a regular call (30 days, Acme), both open."""
    hall.ok("member", "add", "1000", "--name", "Ada Archer", "--class", "JW", "--class", "AP", at="2026-11-02 09:00")
    hall.ok("member", "add", "1001", "--name", "Ben Baker", "--class", "JW", at="2026-11-02 09:00")
    hall.ok("sign", "1000", "JW-2", at="2026-11-02 10:00")
    hall.ok("sign", "1001", "JW-1", at="2026-11-03 10:00")
    hall.ok("employer", "add", "Bolt Co", at="2026-11-19 08:00")
    hall.ok("employer", "add", "Acme Electric", at="2026-11-19 08:00")
    short = hall.json("call", "add", "--employer", "Bolt Co", "--class", "JW", "--workers", "2",
                      "--start", "2026-11-20 07:00", "--days", "5", at="2026-11-19 09:00")["id"]
    hall.ok("offer", short, "1001", "declined", at="2026-11-19 09:05")
    hall.ok("offer", short, "1000", "accepted", at="2026-11-19 09:10")
    regular = hall.json("call", "add", "--employer", "Acme Electric", "--class", "JW", "--workers", "1",
                        "--start", "2026-11-23 07:00", "--days", "30", at="2026-11-20 08:00")["id"]
    return str(short), str(regular)


def signed_before_the_fix(hall: Hall, card: str, book: str, at: str) -> None:
    """What `hall sign` used to write for a member on a short call (a hall made before the fix)."""
    when = local(at).strftime("%Y-%m-%dT%H:%M:%SZ")
    conn = sqlite3.connect(hall.path, isolation_level=None)
    try:
        conn.execute("INSERT INTO registrations (card, book_id, registered_at, last_signed_at, status)"
                     " VALUES (?, ?, ?, ?, 'waiting')", [card, book, when, when])
    finally:
        conn.close()


def referrals_in_force(hall: Hall, card: str) -> list[tuple]:
    conn = sqlite3.connect(hall.path)
    try:
        return conn.execute("SELECT call_id, short_call FROM referrals WHERE card = ? AND status = 'active'"
                            " ORDER BY id", [card]).fetchall()
    finally:
        conn.close()


def candidate(hall: Hall, call_id: str, card: str) -> dict:
    return next(c for c in hall.json("call", "rank", call_id)["candidates"] if c["card"] == card)


def test_signing_any_book_on_a_short_call_is_refused(hall):
    on_a_short_call(hall)
    state = hall.state()
    for book in ("JW-1", "AP-1"):
        refused = hall.fails("sign", "1000", book)
        assert refused.stderr.strip() == ("Error: Ada Archer (1000) is working a short call (#1): "
                                          "record the job end first.")
    assert hall.state() == state


def test_a_place_signed_while_on_a_short_call_is_passed_over_on_every_call(hall):
    _, regular = on_a_short_call(hall)
    signed_before_the_fix(hall, "1000", "JW-1", "2026-11-19 12:00")
    ada = candidate(hall, regular, "1000")
    assert (ada["book"], ada["position"], ada["eligible"]) == ("JW-1", 2, False)
    assert ada["reasons"] == [{"code": "on_short_call",
                               "text": "working a short call for Bolt Co until 2026-11-26"}]
    # Ben first, then nobody: Ada can be offered nothing while she works the short call.
    hall.ok("offer", regular, "1001", "declined")
    state = hall.state()
    assert "passed over" in hall.fails("offer", regular, "1000", "accepted").stderr
    assert hall.state() == state
    assert referrals_in_force(hall, "1000") == [(1, 1)]


def test_offer_regular_calls_ends_the_short_call_when_a_regular_one_is_accepted(make_hall):
    hall = make_hall(OFFER_REGULAR)
    short, regular = on_a_short_call(hall)
    signed_before_the_fix(hall, "1000", "JW-1", "2026-11-19 12:00")
    assert candidate(hall, regular, "1000")["eligible"]
    hall.ok("offer", regular, "1001", "declined")
    with freeze_time(local(hall.now)):
        preview = preview_offer(Store(hall.path), int(regular), "1000", "accepted")
    assert preview == ("Record accepted for Ada Archer: referral to Acme Electric, leaves the books while working. "
                       "The short call for Bolt Co (#1) ends: left for a regular call.")
    accepted = hall.ok("offer", regular, "1000", "accepted")
    assert "The short call for Bolt Co (#1) ends: left for a regular call." in accepted.stdout
    assert referrals_in_force(hall, "1000") == [(int(regular), 0)]
    ada = hall.json("member", "show", "1000")
    assert {b["book"]: b["status"] for b in ada["books"]} == {"JW-1": "dispatched", "JW-2": "dispatched"}
    left = next(r for r in ada["referrals"] if r["call"] == int(short))
    assert (left["status"], left["reversal"]) == ("ended", "left for a regular call")
    entry = hall.audit(action="offer.recorded")[-1]
    assert entry["data"]["left_short_call"] == {"referral": 1, "call": 1, "employer": "Bolt Co",
                                                "why": "left for a regular call"}
    checked = hall.run("check").stdout
    assert "ok       referrals in force: no member holds more than one" in checked
    # The registration written behind the log (as the hall before the fix did) is caught by replay.
    changed = next(e["seq"] for e in hall.audit() if e["action"] == "offer.recorded"
                   and any(w[1] == "registrations" and w[2] == 3 for w in e["data"].get("writes", [])))
    assert ("PROBLEM  replay: registration 1000 JW-1 (id 3) is in the table, but no entry of the log wrote it "
            f"(entry {changed} changes it)") in checked


def test_check_reports_two_referrals_in_force(hall):
    _, regular = on_a_short_call(hall)
    assert "ok       referrals in force" in hall.ok("check").stdout
    conn = sqlite3.connect(hall.path, isolation_level=None)
    try:  # what a hall held after the bug: a second referral while the short call ran
        conn.execute("INSERT INTO referrals (call_id, card, employer_id, basis, short_call, at, recorded_by, status)"
                     " SELECT id, '1000', employer_id, 'list_order', 0, '2026-11-20T14:00:00Z', 't', 'active'"
                     " FROM calls WHERE id = ?", [int(regular)])
    finally:
        conn.close()
    result = hall.run("check")
    assert result.exit_code == 1
    assert ("PROBLEM  referrals in force: 1 member(s) hold two referrals at once: card 1000 on calls #1, #2; "
            "record the end of one (`hall end CARD` ends the newest)") in result.stdout


def test_a_place_restored_while_working_comes_back_held(hall):
    on_a_short_call(hall)
    signed_before_the_fix(hall, "1000", "JW-1", "2026-11-19 12:00")
    conn = sqlite3.connect(hall.path, isolation_level=None)
    try:
        conn.execute("UPDATE registrations SET status = 'removed', removed_reason = 'failed to re-sign'"
                     " WHERE card = '1000' AND book_id = 'JW-1'")
    finally:
        conn.close()
    restored = hall.ok("correct", "restore", "1000", "JW-1", "--authority", "Ruling 7", "--reason", "keyed wrong")
    assert "held while Ada Archer works call #1" in restored.stdout
    books = {b["book"]: b["status"] for b in hall.json("member", "show", "1000")["books"]}
    assert books == {"JW-1": "on_short_call", "JW-2": "on_short_call"}
    # When the short call ends, both places come back.
    hall.ok("end", "1000", "--reason", "laid_off", at="2026-11-25 16:00")
    books = {b["book"]: b["status"] for b in hall.json("member", "show", "1000", at="2026-11-25 16:05")["books"]}
    assert books == {"JW-1": "waiting", "JW-2": "waiting"}

