"""(v2) Kinds of request: foreman call-outs, recalls, stewards and apprentice assignments,
honoured foreman, recall, name; each refusal's sentence."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from dispatch.model import (
    ACCEPTED,
    DISCHARGED,
    DISPATCHED,
    FOREMAN,
    LAID_OFF,
    LIST_ORDER,
    NAME_REQUEST,
    QUIT,
    RECALL,
    Book,
    Request,
    Separation,
)
from dispatch.ranking import next_to_offer, offer_refusal, rank, snapshot
from dispatch.requests import appointment_refusal, recall_refusal, request_refusals
from tests.dispatch.helpers import call, context, local, member, named, past, reg, rules, worked_example

NOW = local(2026, 11, 20, 10)
TAKEN = local(2026, 11, 20, 9)


def foreman(card: str, reason: str = "runs the job") -> Request:
    return Request(card, reason, "foreman")


def recall(card: str) -> Request:
    return Request(card, "", "recall")


def laid_off(card: str, days_before: int, site: str = "Pier 9", reason: str = LAID_OFF, employer="Acme Electric"):
    return Separation(card, employer, TAKEN - timedelta(days=days_before), reason, site)


def site_call(**kw):
    return replace(call(**kw), site="Pier 9", taken_at=TAKEN)


# --- foreman ----------------------------------------------------------------------------------


def test_a_foreman_call_out_comes_first_and_is_allowed_on_a_one_worker_call():
    members, regs, _ = worked_example()
    the_call = call(workers=1, certs=("OSHA-30",), requests=(foreman("104"),))
    ranking = rank(the_call, regs, context(members))
    first = ranking.candidates[0]
    assert (first.card, first.request, first.name_request, first.basis) == ("104", "foreman", False, FOREMAN)
    assert first.name_request_reason == "runs the job" and first.requested
    assert ranking.unhonoured_requests == {}
    assert next_to_offer(ranking).card == "104"
    assert snapshot(ranking, "104")[0]["request"] == "foreman"
    assert "request" not in snapshot(ranking, "101")[1]  # list order rows keep their old shape


def test_at_most_foreman_per_call_and_off_at_zero():
    the_call = call(workers=4, requests=(foreman("1"), foreman("2")))
    ctx = context([member("1"), member("2")])
    assert request_refusals(the_call, ctx) == {"2": "Acme Electric may call out at most 1 foreman by name on this call."}
    two = replace(ctx, rules=rules(requests={"foreman_per_call": 2}))
    assert request_refusals(the_call, two) == {}
    off = replace(ctx, rules=rules(requests={"foreman_per_call": 0}))
    assert request_refusals(call(requests=(foreman("1"),)), off) == {
        "1": "foreman call-outs are off (requests.foreman_per_call is 0)."}


def test_a_foreman_call_out_never_counts_in_the_name_request_shares():
    # 2 workers: one name fits the per-call share; the foreman takes none of it.
    the_call = call(workers=2, requests=(named("2"), foreman("1")))
    assert request_refusals(the_call, context([member("1"), member("2")])) == {}
    # Over the window: 1 of 2 named; with this call, 1/2 x (2 + 2) = 2 allows one more name, not two.
    referrals = (past(NOW - timedelta(days=3), basis=NAME_REQUEST), past(NOW - timedelta(days=4), basis=FOREMAN))
    three = call(workers=3, requests=(foreman("1"), named("2"), named("3")))
    refused = request_refusals(three, context([], referrals=referrals))
    assert set(refused) == {"3"}  # the per-call floor(1/2 x 3) = 1 name


def test_every_kind_but_a_recall_needs_a_reason():
    the_call = call(workers=4, requests=(foreman("1", " "), Request("2", "", "steward"), named("3", "")))
    assert request_refusals(the_call, context([])) == {
        "1": "a foreman call-out needs a reason: none was given for 1.",
        "2": "a steward appointment needs a reason: none was given for 2.",
        "3": "a name request needs a reason: none was given for 3.",
    }


def test_every_kind_is_refused_after_a_quit_or_discharge_from_that_employer():
    quit = Separation("1", "Acme Electric", local(2026, 11, 16, 12), QUIT)
    ctx = context([member("1", "Ann Lee")], separations=(quit,))
    assert request_refusals(call(workers=2, requests=(foreman("1"),)), ctx) == {
        "1": "1 Ann Lee quit Acme Electric on Mon 16 Nov: no foreman call-out by it until Mon 30 Nov."}
    assert request_refusals(call(workers=2, requests=(named("1"),)), ctx) == {
        "1": "1 Ann Lee quit Acme Electric on Mon 16 Nov: no name request by it until Mon 30 Nov."}


def test_no_call_takes_more_requests_than_workers():
    the_call = call(workers=2, requests=(foreman("1"), recall("2"), named("3")))
    ctx = context([], separations=(laid_off("2", 3),))
    assert request_refusals(replace(the_call, site="Pier 9", taken_at=TAKEN), ctx) == {
        "3": "call #1 needs 2 workers: 3 cannot be requested as well."}


# --- recall: the worked examples ----------------------------------------------------------------


@pytest.mark.parametrize(
    "ends, sentence",
    [
        ((laid_off("7", 14),), None),
        ((laid_off("7", 15),), "7 Gus Hall was laid off by Acme Electric on Thu 5 Nov, 15 days before the call "
                               "was taken: a recall must come within 14 days."),
        ((laid_off("7", 3, site="Dock 2"),), "7 Gus Hall worked for Acme Electric at Dock 2, not at Pier 9: "
                                              "a recall is to the same site."),
        ((laid_off("7", 3, reason=QUIT),), "7 Gus Hall quit Acme Electric on Tue 17 Nov: a recall is for a member "
                                          "laid off, not one who quit or was discharged."),
        ((laid_off("7", 3, reason=DISCHARGED),), "7 Gus Hall was discharged by Acme Electric on Tue 17 Nov: a recall "
                                                 "is for a member laid off, not one who quit or was discharged."),
        ((laid_off("7", 3, employer="Bolt Co"),), "7 Gus Hall never worked for Acme Electric: a recall is for a "
                                                   "member it laid off."),
        ((), "7 Gus Hall never worked for Acme Electric: a recall is for a member it laid off."),
        ((laid_off("7", 3, site="  pier 9 "),), None),  # the site compared trimmed and case-insensitive
        ((laid_off("7", 30, reason=QUIT), laid_off("7", 2)), None),  # the latest job end there decides
    ],
)
def test_recall_refusals(ends, sentence):
    ctx = context([member("7", "Gus Hall")], separations=ends)
    assert recall_refusal("7", site_call(requests=(recall("7"),)), ctx) == sentence


def test_recall_days_zero_turns_recalls_off():
    ctx = context([member("7")], rules=rules(requests={"recall_days": 0}), separations=(laid_off("7", 1),))
    assert recall_refusal("7", site_call(), ctx) == "recalls are off (requests.recall_days is 0)."


def test_the_recall_window_counts_from_when_the_call_was_taken_not_now():
    ctx = context([member("7")], now=TAKEN + timedelta(days=5), separations=(laid_off("7", 14),))
    assert recall_refusal("7", site_call(), ctx) is None


def test_recall_comes_after_foreman_and_before_name_requests():
    members, regs, _ = worked_example()
    the_call = replace(call(workers=4, requests=(named("102"), recall("201"), foreman("104"))), site="Pier 9",
                       taken_at=TAKEN)
    ctx = context(members, separations=(laid_off("201", 5),))
    ranking = rank(the_call, regs, ctx)
    assert [(c.card, c.request) for c in ranking.candidates] == [
        ("104", "foreman"), ("201", "recall"), ("102", "name"), ("101", None), ("103", None)]
    assert [c.basis for c in ranking.candidates[:3]] == [FOREMAN, RECALL, NAME_REQUEST]
    assert ranking.candidates[3].basis == LIST_ORDER


def test_an_unhonoured_recall_stays_at_its_list_place():
    members, regs, _ = worked_example()
    the_call = replace(call(workers=2, requests=(recall("104"),)), site="Pier 9", taken_at=TAKEN)
    ranking = rank(the_call, regs, context(members, separations=(laid_off("104", 20),)))
    assert [c.card for c in ranking.candidates][:4] == ["101", "102", "103", "104"]
    assert ranking.find("104").request is None
    assert "20 days before the call was taken" in ranking.unhonoured_requests["104"]


# --- steward ----------------------------------------------------------------------------------


def test_a_steward_is_listed_with_the_accepted_outcome_and_never_offered():
    members, regs, _ = worked_example()
    regs = [replace(r, status=DISPATCHED) if r.card == "103" else r for r in regs]
    the_call = call(workers=3, requests=(Request("103", "appointed by the business manager", "steward"),))
    ranking = rank(the_call, regs, context(members, outcomes={"103": ACCEPTED}))
    steward = ranking.find("103")
    assert ranking.candidates[0] is steward
    assert (steward.request, steward.outcome, steward.basis) == ("steward", ACCEPTED, "steward")
    assert next_to_offer(ranking).card == "101"


def test_stewards_per_call():
    the_call = call(workers=4, requests=(Request("1", "x", "steward"), Request("2", "y", "steward")))
    assert request_refusals(the_call, context([])) == {"2": "at most 1 steward may be appointed on a call."}
    off = context([], rules=rules(requests={"stewards_per_call": 0}))
    assert request_refusals(the_call, off)["1"] == "steward appointments are off (requests.stewards_per_call is 0)."


def test_a_listed_steward_without_an_outcome_is_not_offered():
    members, regs, _ = worked_example()
    the_call = call(workers=3, requests=(Request("104", "appointed", "steward"),))
    ranking = rank(the_call, regs, context(members))
    assert ranking.candidates[0].request == "steward"
    assert next_to_offer(ranking).card == "101"
    assert offer_refusal(ranking, "104") == "Di Ramos (104) is listed for a steward appointment, which is made without an offer."


def test_an_unknown_kind_is_refused():
    assert request_refusals(call(requests=(Request("1", "x", "cousin"),)), context([])) == {
        "1": "1: 'cousin' is not a kind of request (foreman, recall, name, steward, jatc)."}


# --- the JATC book is never offered down the list ------------------------------------------------


def test_offers_on_an_apprentice_book_assigned_by_the_committee_are_refused():
    jatc = rules(books=[Book("JW-1", "Inside Wireman I", "JW", 1), Book("AP-1", "Apprentice", "AP", 1, order="jatc")])
    members = [member("301", "Ana Apprentice", classifications=("AP",)), member("302", classifications=("AP",))]
    regs = [reg("301", "AP-1", local(2026, 11, 1, 8)), reg("302", "AP-1", local(2026, 11, 2, 8))]
    ranking = rank(call(id=40, classification="AP"), regs, context(members, rules=jatc))
    assert [c.assigned_by_jatc for c in ranking.candidates] == [True, True]
    assert next_to_offer(ranking) is None
    assert offer_refusal(ranking, "301") == (
        "AP-1 is assigned by the apprenticeship committee, not offered down the list: "
        "hall call assign 40 301 --reason TEXT.")


def test_appointing_a_steward():
    members, regs, _ = worked_example()
    the_call = call(id=40, workers=2, certs=("OSHA-30",))
    ctx = context(members)
    ranking = rank(the_call, regs, ctx)
    steward = Request("102", "appointed by the business manager", "steward")
    assert appointment_refusal(ranking, the_call, steward, ctx) is None
    assert appointment_refusal(ranking, the_call, Request("103", "x", "steward"), ctx) == (
        "Cy Park (103) is passed over: does not hold OSHA-30.")
    assert appointment_refusal(ranking, the_call, Request("999", "x", "steward"), ctx) == "999 is not waiting on a JW book."
    assert appointment_refusal(ranking, the_call, Request("102", "", "steward"), ctx) == (
        "a steward appointment needs a reason: none was given for 102.")
    one_in = replace(the_call, name_requests=(Request("101", "first", "steward"),))
    assert appointment_refusal(rank(one_in, regs, ctx), one_in, steward, ctx) == (
        "at most 1 steward may be appointed on a call.")
    full = replace(the_call, accepted=2)
    assert appointment_refusal(ranking, full, steward, ctx) == "call #40 has no opening left."
    declined = rank(the_call, regs, context(members, outcomes={"102": "declined"}))
    assert appointment_refusal(declined, the_call, steward, ctx) == (
        "Ben Ito (102) already has an outcome on call #40 (declined).")
