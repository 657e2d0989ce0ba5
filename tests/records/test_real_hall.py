"""The first week in a real hall (issue 8): after acceptance, corrections, re-sign windows, name-request guards."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from freezegun import freeze_time

from hall import audit
from hall.cli import main
from hall.errors import HallError
from hall.operations import calls, employers, members, offers, registrations
from hall.operations.rules import init_database
from hall.store import Store

ZONE = ZoneInfo("America/Chicago")


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZONE).astimezone(UTC)


class Clock:
    def __init__(self, text: str):
        self.moment = local(text)

    def __call__(self) -> datetime:
        return self.moment

    def set(self, text: str) -> None:
        self.moment = local(text)


def make_hall(tmp_path: Path, rules_extra: str = "", start: str = "2026-11-02 08:00"):
    path = tmp_path / "hall.db"
    clock = Clock(start)
    init_database(path, actor="admin", now=clock(),
                  rules_text=f'[hall]\nname = "Local 1"\ntimezone = "America/Chicago"\n{rules_extra}')
    return Store(path, clock=clock), clock


def cli(store: Store, clock: Clock, *args: str):
    with freeze_time(clock()):
        return CliRunner().invoke(main, [str(a) for a in args],
                                  env={"HALL_DB": str(store.path), "HALL_ACTOR": "maria"})


def add_signed(store, clock, cards, book="JW-1"):
    for card in cards:
        members.add_member(store, card, f"Member {card}", actor="maria", classes=["JW"])
        registrations.sign(store, card, book, actor="maria")
        clock.moment = clock.moment.replace(minute=clock.moment.minute + 1)


def positions(store, book="JW-1"):
    result = cli(store, store.clock, "list", book, "--json")
    assert result.exit_code == 0, result.output
    return [(row["position"], row["card"]) for row in json.loads(result.output)]


def test_gate_rejection_restores_the_place_and_reopens_the_call(tmp_path):
    store, clock = make_hall(tmp_path)
    add_signed(store, clock, ["101", "102", "103"])
    employers.add_employer(store, "Acme Electric", actor="maria")
    clock.set("2026-11-03 09:00")
    call_id = calls.take_call(store, employer="Acme Electric", classification="JW", workers=1,
                              start="2026-11-04 07:00", days=30, actor="maria").id
    offers.record_offer(store, call_id, "101", "accepted", actor="maria")
    assert positions(store) == [(1, "102"), (2, "103")]
    result = cli(store, clock, "referral", call_id, "101", "rejected_at_job", "--note", "gate: J. Ruiz, no badge")
    assert result.exit_code == 0, result.output
    assert "original place" in result.output and "open again" in result.output
    assert positions(store) == [(1, "101"), (2, "102"), (3, "103")]
    shown = json.loads(cli(store, clock, "call", "list", "--json").output)
    assert shown[0]["status"] == "open" and shown[0]["accepted"] == 0
    # No turndown was counted for Ada.
    member = json.loads(cli(store, clock, "member", "show", "101", "--json").output)
    assert member["books"][0]["turndowns"] == 0
    with store.read() as db:
        entry = audit.entries(db, card="101", action="referral.rejected_at_job")[0]
    assert entry["data"]["note"] == "gate: J. Ruiz, no badge"


def test_no_show_counts_as_a_quit(tmp_path):
    store, clock = make_hall(tmp_path)
    add_signed(store, clock, ["101", "102"])
    employers.add_employer(store, "Acme Electric", actor="maria")
    call_id = calls.take_call(store, employer="Acme Electric", classification="JW", workers=1,
                              start="2026-11-03 07:00", days=30, actor="maria").id
    offers.record_offer(store, call_id, "101", "accepted", actor="maria")
    result = cli(store, clock, "referral", call_id, "101", "no_show")
    assert result.exit_code == 0, result.output
    assert positions(store) == [(1, "102")]
    # A quit blocks a name request by that employer for block_days.
    registrations.sign(store, "101", "JW-1", actor="maria")
    with pytest.raises(HallError, match="quit"):
        calls.take_call(store, employer="Acme Electric", classification="JW", workers=2,
                        start="2026-11-05 07:00", days=30, actor="maria", requests=[("101", "knows the site")])


def test_amend_never_below_accepted_and_reopens(tmp_path):
    store, clock = make_hall(tmp_path)
    add_signed(store, clock, ["101", "102", "103"])
    employers.add_employer(store, "Acme Electric", actor="maria")
    call_id = calls.take_call(store, employer="Acme Electric", classification="JW", workers=2,
                              start="2026-11-03 07:00", days=30, actor="maria").id
    offers.record_offer(store, call_id, "101", "accepted", actor="maria")
    offers.record_offer(store, call_id, "102", "accepted", actor="maria")
    refused = cli(store, clock, "call", "amend", call_id, "--workers", "1", "--reason", "smaller job")
    assert refused.exit_code == 1 and "cannot go below" in refused.output
    reopened = cli(store, clock, "call", "amend", call_id, "--workers", "3", "--reason", "foreman asked")
    assert reopened.exit_code == 0 and "open again" in reopened.output
    offers.record_offer(store, call_id, "103", "accepted", actor="maria")
    with store.read() as db:
        entry = audit.entries(db, call=call_id, action="call.amended")[0]
    assert entry["data"]["before"] == {"workers": 2} and entry["data"]["after"] == {"workers": 3}


def test_window_mode_removes_non_resigners_at_closing_after_a_holiday(tmp_path):
    # Window 10th-16th; Dec 16 2026 (a Wednesday) is a holiday: removal at closing on Thu Dec 17.
    rules = ('holidays = ["2026-12-16"]\n[resign]\nmode = "window"\nwindow_start_day = 10\n'
             'window_end_day = 16\n')
    store, clock = make_hall(tmp_path, rules_extra=rules, start="2026-11-20 09:00")
    add_signed(store, clock, ["101", "102", "103"])
    clock.set("2026-12-11 10:00")
    registrations.resign(store, "101", actor="maria", via="phone")  # due Jan 16 now
    clock.set("2026-12-16 18:00")
    assert [c for _, c in positions(store)] == ["101", "102", "103"]  # holiday: not yet
    clock.set("2026-12-17 16:59")
    assert [c for _, c in positions(store)] == ["101", "102", "103"]
    clock.set("2026-12-17 17:00")
    assert [c for _, c in positions(store)] == ["101"]
    with store.read() as db:
        lapsed = audit.entries(db, action="registration.lapsed")
    assert {e["data"]["card"] for e in lapsed} == {"102", "103"}
    assert all(e["actor"] == "system" for e in lapsed)
    assert all(e["data"]["removed_at"] == "2026-12-17T23:00:00Z" for e in lapsed)


def test_correction_restores_a_member_and_the_audit_keeps_both(tmp_path):
    store, clock = make_hall(tmp_path, rules_extra="[turndowns]\nlimit = 2\n")
    add_signed(store, clock, ["101", "102"])
    employers.add_employer(store, "Acme Electric", actor="maria")
    for day in ("03", "04"):
        clock.set(f"2026-11-{day} 09:00")
        call_id = calls.take_call(store, employer="Acme Electric", classification="JW", workers=1,
                                  start=f"2026-11-{day} 13:00", days=30, actor="maria").id
        offers.record_offer(store, call_id, "101", "declined", actor="maria")
        offers.record_offer(store, call_id, "102", "accepted", actor="maria") if day == "04" else None
    # Rolled off after 2 turndowns.
    assert [c for _, c in positions(store)] == []
    result = cli(store, clock, "correct", "outcome", call_id, "101", "--authority", "Appeal 2026-14",
                 "--reason", "the member was never phoned")
    assert result.exit_code == 0, result.output
    assert [c for _, c in positions(store)] == ["101"]
    with store.read() as db:
        original = audit.entries(db, card="101", action="offer.recorded")
        correction = audit.entries(db, card="101", action="correction.outcome")
    assert len(original) == 2 and original[0]["data"]["turndown_counted"] is True
    assert correction[0]["data"]["authority"] == "Appeal 2026-14"
    assert correction[0]["data"]["outcome_set_aside"] == "declined"
    assert correction[0]["seq"] > original[0]["seq"]
    verified = cli(store, clock, "audit", "verify")
    assert verified.exit_code == 0


def test_employer_cannot_name_its_crew_through_one_worker_calls(tmp_path):
    store, clock = make_hall(tmp_path)
    add_signed(store, clock, ["101", "102", "103", "104", "105", "106"])
    employers.add_employer(store, "Acme Electric", actor="maria")
    refused = cli(store, clock, "call", "add", "--employer", "Acme Electric", "--class", "JW", "--workers", "1",
                  "--start", "2026-11-03 07:00", "--days", "5", "--request", "105:foreman's pick")
    assert refused.exit_code == 1
    assert "one-worker" in refused.output
    # Two-worker calls naming one each: the window share stops the string of them.
    results = []
    for i, card in enumerate(["104", "105", "106"]):
        clock.moment = clock.moment.replace(hour=9 + i)
        result = cli(store, clock, "call", "add", "--employer", "Acme Electric", "--class", "JW",
                     "--workers", "2", "--start", "2026-11-05 07:00", "--days", "30",
                     "--request", f"{card}:knows the site", "--json")
        results.append(result)
        if result.exit_code == 0:
            call_id = json.loads(result.output)["id"]
            ranking = json.loads(cli(store, clock, "call", "rank", call_id, "--json").output)["candidates"]
            for cand in ranking:
                if cand["eligible"] and "outcome" not in cand:
                    cli(store, clock, "offer", call_id, cand["card"], "accepted")
                    break
    assert any(r.exit_code == 1 for r in results)


def test_an_offer_waits_for_another_terminals_calling(tmp_path):
    store, clock = make_hall(tmp_path)
    add_signed(store, clock, ["101", "102"])
    employers.add_employer(store, "Acme Electric", actor="maria")
    call_id = calls.take_call(store, employer="Acme Electric", classification="JW", workers=1,
                              start="2026-11-03 07:00", days=30, actor="maria").id
    offers.mark_calling(store, call_id, "101", actor="dwayne")
    with pytest.raises(HallError, match="dwayne is calling"):
        offers.record_offer(store, call_id, "101", "declined", actor="maria")
    clock.moment = clock.moment.replace(minute=clock.moment.minute + 11)  # calling_minutes passed
    receipt = offers.record_offer(store, call_id, "101", "no_answer", actor="maria", note="voicemail")
    assert "not a turndown" in receipt.message.lower() or "no answer" in receipt.message.lower()


def test_a_correction_is_visible_in_the_members_history_and_the_kiosk(tmp_path):
    from hall.views.kiosk import member_view
    from hall.views.members import member_timeline

    store, clock = make_hall(tmp_path)
    add_signed(store, clock, ["101", "102"])
    employers.add_employer(store, "Acme Electric", actor="maria")
    call_id = calls.take_call(store, employer="Acme Electric", classification="JW", workers=1,
                              start="2026-11-03 07:00", days=30, actor="maria").id
    offers.record_offer(store, call_id, "101", "declined", actor="maria")
    result = cli(store, clock, "correct", "outcome", call_id, "101", "--authority", "Appeal 2026-14",
                 "--reason", "never phoned")
    assert result.exit_code == 0, result.output
    shown = json.loads(cli(store, clock, "member", "show", "101", "--json").output)
    assert shown["corrections"][0]["authority"] == "Appeal 2026-14"
    assert shown["corrections"][0]["kind"] == "outcome"
    with store.read_only() as db:
        timeline = member_timeline(db, "101")
        view = member_view(db, "101", store.rules(db)[1], clock())
    assert timeline[0].what == "correction: outcome set aside" and timeline[0].detail == "Appeal 2026-14"
    assert view.corrections and "set aside" in view.corrections[0][1] and "Appeal 2026-14" in view.corrections[0][1]
    assert "never phoned" not in view.corrections[0][1]  # the reason stays with staff
