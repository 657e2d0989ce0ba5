"""(v2) The morning dispatch before the selection: which selection a call is posted for,
when bids close, and what refuses a bid or a withdrawal."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from dispatch.bidding import (
    bid_refusal,
    bid_sentence,
    bids_close_at,
    default_choice,
    next_selection,
    posted_sentence,
    selection_for,
    time_left,
    withdraw_refusal,
)
from dispatch.model import FILLED, Bid, Unavailability
from dispatch.ranking import rank
from tests.dispatch.helpers import call, context, local, member, reg, rules

BIDDING = rules(bidding={"enabled": True}, hall={"holidays": (date(2026, 11, 26),)})


@pytest.mark.parametrize(
    "taken, selection",
    [
        (local(2026, 11, 24, 14, 59), local(2026, 11, 25, 7)),  # Tue before the cut-off: Wed
        (local(2026, 11, 24, 15, 0), local(2026, 11, 27, 7)),  # at the cut-off: the one after (Thu is a holiday)
        (local(2026, 11, 24, 6, 0), local(2026, 11, 25, 7)),  # early Tuesday: the selection after the cut-off
        (local(2026, 11, 25, 10, 0), local(2026, 11, 27, 7)),  # Wed: Thursday is a holiday, so Friday
        (local(2026, 11, 25, 16, 0), local(2026, 11, 30, 7)),  # Wed late: after Friday's, Monday's
        (local(2026, 11, 26, 9, 0), local(2026, 11, 30, 7)),  # on the holiday: like after Wednesday's cut-off
        (local(2026, 11, 27, 16, 0), local(2026, 12, 1, 7)),  # Fri late: Tuesday
        (local(2026, 11, 28, 10, 0), local(2026, 12, 1, 7)),  # Saturday: Tuesday
    ],
)
def test_which_selection_a_call_is_posted_for(taken, selection):
    assert selection_for(taken, BIDDING) == selection


def test_next_selection_and_the_close_of_bids():
    assert next_selection(local(2026, 11, 24, 6, 59), BIDDING) == local(2026, 11, 24, 7)
    assert next_selection(local(2026, 11, 24, 7, 0), BIDDING) == local(2026, 11, 25, 7)
    assert next_selection(local(2026, 11, 25, 8, 0), BIDDING) == local(2026, 11, 27, 7)
    assert bids_close_at(local(2026, 11, 27, 7), BIDDING) == local(2026, 11, 27, 6, 30)


def hall_with_a_posted_call(**call_fields):
    members = [member("101", "Ada Lovelace"), member("102", "Ben Ito", certs=()), member("103", "Cy Park")]
    regs = [reg("101", at=local(2026, 11, 1, 8)), reg("102", at=local(2026, 11, 2, 8)),
            reg("103", "JW-2", at=local(2026, 11, 3, 8), signed=local(2026, 11, 20, 8))]
    posted = replace(call(id=40, certs=("OSHA-30",), start=local(2026, 11, 30, 7)),
                     posted_for=local(2026, 11, 25, 7), **call_fields)
    return posted, regs, members


def refusal(card="101", *, now=local(2026, 11, 24, 20), open_bids=(), choice=None, the_rules=BIDDING, **call_fields):
    posted, regs, members = hall_with_a_posted_call(**call_fields)
    ctx = context(members, now=now, rules=the_rules,
                  unavailable=(Unavailability("103", date(2026, 12, 4)),))
    ranking = rank(posted, regs, ctx)
    name = ctx.members[card].name if card in ctx.members else ""
    return bid_refusal(posted, card, member_name=name, candidate=ranking.find(card), open_bids=open_bids,
                       choice=choice, now=now, rules=the_rules)


def test_a_member_who_can_work_the_call_may_bid_although_not_bid_passes_them_over_now():
    posted, regs, members = hall_with_a_posted_call()
    ranking = rank(posted, regs, context(members, now=local(2026, 11, 24, 20), rules=BIDDING))
    assert [r.code for r in ranking.find("101").reasons] == ["not_bid"]
    assert refusal() is None


@pytest.mark.parametrize(
    "now, closed",
    [(local(2026, 11, 25, 6, 29, 59), False), (local(2026, 11, 25, 6, 30), True)],
)
def test_the_window_closes_to_the_minute(now, closed):
    found = refusal(now=now)
    if closed:
        assert found == "Bids on call #40 closed at Wed 25 Nov 06:30."
    else:
        assert found is None


def test_bid_refusals_each_with_a_sentence():
    ten = tuple(Bid("101", 100 + n, n) for n in range(1, 11))
    assert refusal(open_bids=ten) == (
        "Ada Lovelace (101) already has 10 open bids, the most bidding.max_bids allows: withdraw one first.")
    assert refusal(open_bids=ten[:9]) is None
    assert refusal(open_bids=(Bid("101", 40, 2),)) == (
        "Ada Lovelace (101) already bid on call #40 (choice 2): withdraw it first to change it.")
    assert refusal("102") == "Ben Ito (102) cannot work call #40: does not hold OSHA-30."
    assert refusal("103") == "Cy Park (103) cannot work call #40: unavailable until 2026-12-04."
    assert refusal("104") == "104 is not waiting on a JW book, so cannot bid on call #40."
    assert refusal(choice=3, open_bids=(Bid("101", 41, 3),)) == (
        "Ada Lovelace (101)'s choice 3 is already call #41: give another number.")
    assert refusal(choice=11) == "A choice number is from 1 to 10 (bidding.max_bids), not 11."
    assert refusal(the_rules=rules()) == "Bidding is off in this hall (bidding.enabled is false)."
    assert refusal(status=FILLED) == "Call #40 is filled: it takes no bids."


def test_a_call_not_posted_takes_no_bids():
    posted, regs, members = hall_with_a_posted_call()
    not_posted = replace(posted, posted_for=None)
    assert bid_refusal(not_posted, "101", member_name="Ada Lovelace", candidate=None, open_bids=(), choice=None,
                       now=local(2026, 11, 24, 20), rules=BIDDING) == "Call #40 is not posted for bids."


def test_default_choice_is_the_next_free_number():
    assert default_choice(()) == 1
    assert default_choice((Bid("1", 40, 1), Bid("1", 41, 2))) == 3
    assert default_choice((Bid("1", 40, 2), Bid("1", 41, 3))) == 1


def test_withdrawals():
    posted, _, _ = hall_with_a_posted_call()
    mine = (Bid("101", 40, 1),)
    assert withdraw_refusal(posted, "101", member_name="Ada Lovelace", open_bids=mine, now=local(2026, 11, 25, 6, 29),
                            rules=BIDDING) is None
    assert withdraw_refusal(posted, "101", member_name="Ada Lovelace", open_bids=mine, now=local(2026, 11, 25, 6, 30),
                            rules=BIDDING) == "Bids on call #40 closed at Wed 25 Nov 06:30: the bid stands."
    assert withdraw_refusal(posted, "101", member_name="Ada Lovelace", open_bids=(), now=local(2026, 11, 24, 9),
                            rules=BIDDING) == "Ada Lovelace (101) has no open bid on call #40."


def test_the_job_boards_words_and_countdown():
    posted, _, _ = hall_with_a_posted_call()
    now = local(2026, 11, 24, 20)
    assert time_left(posted, now, BIDDING) == timedelta(hours=10, minutes=30)
    assert time_left(posted, local(2026, 11, 25, 7), BIDDING) == timedelta(0)
    assert time_left(replace(posted, posted_for=None), now, BIDDING) == timedelta(0)
    assert bid_sentence(posted, "101", "Ada Lovelace", 1, now, BIDDING) == (
        "Ada Lovelace (101) bid on call #40 as choice 1; bids close Wed 25 Nov 06:30, the selection is at 07:00.")
    assert posted_sentence(posted, BIDDING, now) == (
        "posted for the selection of Wed 25 Nov 07:00; bids close at 06:30")
