"""The first week in a real hall (issue 8): after acceptance, corrections, re-sign windows, name-request guards."""

from __future__ import annotations

import json

import pytest

from hall import audit
from hall.errors import HallError
from hall.operations import calls, employers, members, offers, registrations
from hall.store import Store
from tests.conftest import DWAYNE, MARIA, RULES_TEXT, add_account
from tests.hall.conftest import Hall


@pytest.fixture
def open_hall(fresh_hall, clock):
    """``open_hall(rules_extra="", start="2026-11-02 08:00")``: a hall opened at ``start`` (hall
    time) with the test rules plus ``rules_extra``; its Store and its CLI follow the test's clock."""

    def make(rules_extra: str = "", start: str = "2026-11-02 08:00") -> tuple[Store, Hall]:
        clock.set(start)
        store = Store(fresh_hall(RULES_TEXT + rules_extra, at=start), clock)
        add_account(store, "maria")
        add_account(store, "dwayne")
        return store, Hall(store.path, clock=clock)

    return make


def add_signed(store, clock, cards, book="JW-1"):
    """Members signed on ``book`` a minute apart, in the order given."""
    for card in cards:
        members.add_member(store, card, f"Member {card}", actor=MARIA, classes=["JW"])
        registrations.sign(store, card, book, actor=MARIA)
        clock.advance(minutes=1)


def acme_call(store, clock, cards, *, workers=1):
    """Members ``cards`` signed on JW-1 a minute apart, Acme Electric, and a 30-day JW call of Acme's
    starting Nov 3 07:00: the call's id."""
    add_signed(store, clock, cards)
    employers.add_employer(store, "Acme Electric", actor=MARIA)
    return calls.take_call(store, employer="Acme Electric", classification="JW", workers=workers,
                           start="2026-11-03 07:00", days=30, actor=MARIA).id


def positions(hall: Hall, book="JW-1"):
    return [(row["position"], row["card"]) for row in hall.json("list", book)]


def test_gate_rejection_restores_the_place_and_reopens_the_call(open_hall, clock):
    store, hall = open_hall()
    add_signed(store, clock, ["101", "102", "103"])
    employers.add_employer(store, "Acme Electric", actor=MARIA)
    clock.set("2026-11-03 09:00")
    call_id = calls.take_call(store, employer="Acme Electric", classification="JW", workers=1,
                              start="2026-11-04 07:00", days=30, actor=MARIA).id
    offers.record_offer(store, call_id, "101", "accepted", actor=MARIA)
    assert positions(hall) == [(1, "102"), (2, "103")]
    result = hall.run("referral", call_id, "101", "rejected_at_job", "--note", "gate: J. Ruiz, no badge")
    assert result.exit_code == 0, result.output
    assert "original place" in result.output and "open again" in result.output
    assert positions(hall) == [(1, "101"), (2, "102"), (3, "103")]
    shown = hall.json("call", "list")
    assert shown[0]["status"] == "open" and shown[0]["accepted"] == 0
    # No turndown was counted for Ada.
    member = hall.json("member", "show", "101")
    assert member["books"][0]["turndowns"] == 0
    with store.read() as db:
        entry = audit.entries(db, card="101", action="referral.rejected_at_job")[0]
    assert entry["data"]["note"] == "gate: J. Ruiz, no badge"


def test_no_show_counts_as_a_quit(open_hall, clock):
    store, hall = open_hall()
    call_id = acme_call(store, clock, ["101", "102"])
    offers.record_offer(store, call_id, "101", "accepted", actor=MARIA)
    result = hall.run("referral", call_id, "101", "no_show")
    assert result.exit_code == 0, result.output
    assert positions(hall) == [(1, "102")]
    # A quit blocks a name request by that employer for block_days.
    registrations.sign(store, "101", "JW-1", actor=MARIA)
    with pytest.raises(HallError, match="quit"):
        calls.take_call(store, employer="Acme Electric", classification="JW", workers=2,
                        start="2026-11-05 07:00", days=30, actor=MARIA, requests=[("101", "knows the site")])


def test_amend_never_below_accepted_and_reopens(open_hall, clock):
    store, hall = open_hall()
    call_id = acme_call(store, clock, ["101", "102", "103"], workers=2)
    offers.record_offer(store, call_id, "101", "accepted", actor=MARIA)
    offers.record_offer(store, call_id, "102", "accepted", actor=MARIA)
    refused = hall.run("call", "amend", call_id, "--workers", "1", "--reason", "smaller job")
    assert refused.exit_code == 1 and "cannot go below" in refused.output
    reopened = hall.run("call", "amend", call_id, "--workers", "3", "--reason", "foreman asked")
    assert reopened.exit_code == 0 and "open again" in reopened.output
    offers.record_offer(store, call_id, "103", "accepted", actor=MARIA)
    with store.read() as db:
        entry = audit.entries(db, call=call_id, action="call.amended")[0]
    assert entry["data"]["before"] == {"workers": 2} and entry["data"]["after"] == {"workers": 3}


def test_window_mode_removes_non_resigners_at_closing_after_a_holiday(open_hall, clock):
    # Window 10th-16th; Dec 16 2026 (a Wednesday) is a holiday: removal at closing on Thu Dec 17.
    rules = ('holidays = ["2026-12-16"]\n[resign]\nmode = "window"\nwindow_start_day = 10\n'
             'window_end_day = 16\n')
    store, hall = open_hall(rules_extra=rules, start="2026-11-20 09:00")
    add_signed(store, clock, ["101", "102", "103"])
    clock.set("2026-12-11 10:00")
    registrations.resign(store, "101", actor=MARIA, via="phone")  # due Jan 16 now
    clock.set("2026-12-16 18:00")
    assert [c for _, c in positions(hall)] == ["101", "102", "103"]  # holiday: not yet
    clock.set("2026-12-17 16:59")
    assert [c for _, c in positions(hall)] == ["101", "102", "103"]
    clock.set("2026-12-17 17:00")
    assert [c for _, c in positions(hall)] == ["101"]
    with store.read() as db:
        lapsed = audit.entries(db, action="registration.lapsed")
    assert {e["data"]["card"] for e in lapsed} == {"102", "103"}
    assert all(e["actor"] == "system" for e in lapsed)
    assert all(e["data"]["removed_at"] == "2026-12-17T23:00:00Z" for e in lapsed)


def test_correction_restores_a_member_and_the_audit_keeps_both(open_hall, clock):
    store, hall = open_hall(rules_extra="[turndowns]\nlimit = 2\n")
    add_signed(store, clock, ["101", "102"])
    employers.add_employer(store, "Acme Electric", actor=MARIA)
    for day in ("03", "04"):
        clock.set(f"2026-11-{day} 09:00")
        call_id = calls.take_call(store, employer="Acme Electric", classification="JW", workers=1,
                                  start=f"2026-11-{day} 13:00", days=30, actor=MARIA).id
        offers.record_offer(store, call_id, "101", "declined", actor=MARIA)
        offers.record_offer(store, call_id, "102", "accepted", actor=MARIA) if day == "04" else None
    # Rolled off after 2 turndowns.
    assert [c for _, c in positions(hall)] == []
    result = hall.run("correct", "outcome", call_id, "101", "--authority", "Appeal 2026-14",
                 "--reason", "the member was never phoned")
    assert result.exit_code == 0, result.output
    assert [c for _, c in positions(hall)] == ["101"]
    with store.read() as db:
        original = audit.entries(db, card="101", action="offer.recorded")
        correction = audit.entries(db, card="101", action="correction.outcome")
    assert len(original) == 2 and original[0]["data"]["turndown_counted"] is True
    assert correction[0]["data"]["authority"] == "Appeal 2026-14"
    assert correction[0]["data"]["outcome_set_aside"] == "declined"
    assert correction[0]["seq"] > original[0]["seq"]
    verified = hall.run("audit", "verify")
    assert verified.exit_code == 0


def test_employer_cannot_name_its_crew_through_one_worker_calls(open_hall, clock):
    store, hall = open_hall()
    add_signed(store, clock, ["101", "102", "103", "104", "105", "106"])
    employers.add_employer(store, "Acme Electric", actor=MARIA)
    refused = hall.run("call", "add", "--employer", "Acme Electric", "--class", "JW", "--workers", "1",
                       "--start", "2026-11-03 07:00", "--days", "5", "--request", "105:foreman's pick")
    assert refused.exit_code == 1
    assert "one-worker" in refused.output
    # Two-worker calls naming one each. The first is allowed (1 named <= 1/2 of 2 workers) and its
    # named member accepts; the next would make 2 named against 1/2 x (1 referral + 2 workers).
    outcomes = []
    for hour, card in (("09", "104"), ("10", "105"), ("11", "106")):
        clock.set(f"2026-11-02 {hour}:00")
        result = hall.run("call", "add", "--employer", "Acme Electric", "--class", "JW",
                          "--workers", "2", "--start", "2026-11-05 07:00", "--days", "30",
                          "--request", f"{card}:knows the site", "--json")
        outcomes.append((card, result.exit_code))
        if result.exit_code == 0:
            call_id = json.loads(result.stdout)["id"]
            first = hall.json("call", "rank", call_id)["candidates"][0]
            assert (first["card"], first["name_request"]) == (card, True)
            hall.ok("offer", call_id, card, "accepted")
        else:
            assert result.stderr == (f"Error: Name request for {card} refused: Acme Electric has named 1 of its"
                                     f" last 1 referral in 30 days; naming {card} would exceed half.\n")
    assert outcomes == [("104", 0), ("105", 1), ("106", 1)]


def test_an_offer_waits_for_another_terminals_calling(open_hall, clock):
    store, hall = open_hall()
    call_id = acme_call(store, clock, ["101", "102"])
    offers.mark_calling(store, call_id, "101", actor=DWAYNE)
    with pytest.raises(HallError, match="dwayne is calling"):
        offers.record_offer(store, call_id, "101", "declined", actor=MARIA)
    clock.advance(minutes=11)  # calling_minutes (10) passed
    receipt = offers.record_offer(store, call_id, "101", "no_answer", actor=MARIA, note="voicemail")
    assert receipt.message == "No answer from Member 101: not a turndown."


def test_a_correction_is_visible_in_the_members_history_and_the_kiosk(open_hall, clock):
    from hall.views.kiosk import member_view
    from hall.views.members import member_timeline

    store, hall = open_hall()
    call_id = acme_call(store, clock, ["101", "102"])
    offers.record_offer(store, call_id, "101", "declined", actor=MARIA)
    result = hall.run("correct", "outcome", call_id, "101", "--authority", "Appeal 2026-14",
                 "--reason", "never phoned")
    assert result.exit_code == 0, result.output
    shown = hall.json("member", "show", "101")
    assert shown["corrections"][0]["authority"] == "Appeal 2026-14"
    assert shown["corrections"][0]["kind"] == "outcome"
    with store.read_only() as db:
        timeline = member_timeline(db, "101")
        view = member_view(db, "101", store.rules(db)[1], clock())
    assert timeline[0].what == "correction: outcome set aside" and timeline[0].detail == "Appeal 2026-14"
    assert view.corrections and "set aside" in view.corrections[0][1] and "Appeal 2026-14" in view.corrections[0][1]
    assert "never phoned" not in view.corrections[0][1]  # the reason stays with staff
