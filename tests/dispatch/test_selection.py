"""(v2) The selection: requests first for requested members who bid, then members in
referral order each awarded their best choice with an opening they are eligible for."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dispatch.model import ACCEPTED, LIST_ORDER, NAME_REQUEST, ON_SHORT_CALL, Bid, Book, ExcusedAbsence, Request, ShortCallHold
from dispatch.selection import select
from tests.dispatch.helpers import call, context, local, member, named, reg, rules

AT = local(2026, 11, 25, 7)  # Wednesday's selection
BIDDING = rules(bidding={"enabled": True})


def posted(id: int, workers: int = 1, **fields):
    return replace(call(id=id, workers=workers, start=local(2026, 11, 30, 7), **fields), posted_for=AT)


def hall(*cards: str, book: str = "JW-1", certs=("OSHA-30",)):
    """Members in list order: the first card signed first."""
    members = [member(card, f"M {card}", certs=certs) for card in cards]
    regs = [reg(card, book, local(2026, 11, 1, 8) + timedelta(minutes=n), signed=local(2026, 11, 20, 8))
            for n, card in enumerate(cards)]
    return members, regs


def awards(selection):
    return [(a.call_id, a.card, a.choice, a.basis) for a in selection.awards]


def test_choices_are_honoured_in_list_order():
    members, regs = hall("1", "2", "3")
    calls = [posted(40), posted(41)]
    bids = [Bid("2", 40, 1), Bid("1", 40, 1), Bid("2", 41, 2), Bid("3", 41, 1)]
    result = select(calls, bids, regs, context(members, now=AT, rules=BIDDING))
    # 1 is first on the list: their choice 1 (#40). 2 wanted #40 too: it is full, so their choice 2 (#41).
    assert awards(result) == [(40, "1", 1, LIST_ORDER), (41, "2", 2, LIST_ORDER)]
    assert result.openings_left == {40: 0, 41: 0}
    assert [(r.card, r.order, r.choice, r.awarded, r.text) for r in result.rows[41]] == [
        ("2", 2, 2, True, "awarded call #41, their choice 2"),
        ("3", 3, 1, False, "call #41 was full when reached"),
    ]
    assert [(r.card, r.text) for r in result.rows[40]] == [
        ("1", "awarded call #40, their choice 1"),
        ("2", "call #40 was full when reached"),
    ]


def test_a_full_first_choice_falls_to_the_second_and_a_better_award_is_named_elsewhere():
    members, regs = hall("1", "2")
    calls = [posted(40), posted(41, workers=2)]
    bids = [Bid("1", 40, 1), Bid("1", 41, 2), Bid("2", 40, 1), Bid("2", 41, 2)]
    result = select(calls, bids, regs, context(members, now=AT, rules=BIDDING))
    assert awards(result) == [(40, "1", 1, LIST_ORDER), (41, "2", 2, LIST_ORDER)]
    assert result.openings_left == {40: 0, 41: 1}
    assert [(r.card, r.text) for r in result.rows[41]] == [
        ("1", "awarded call #40, their choice 1"), ("2", "awarded call #41, their choice 2")]
    assert [(call_id, row.text) for call_id, row in result.member_rows("2")] == [
        (40, "call #40 was full when reached"), (41, "awarded call #41, their choice 2")]


def test_requests_are_honoured_first_for_requested_members_who_bid():
    members, regs = hall("1", "2", "3", "4")
    calls = [posted(40, workers=2, requests=(named("3", "ran this job"), named("4", "knows the site")))]
    # 3 is requested and bid; 4 is requested and did not bid; 1 and 2 bid by list order.
    bids = [Bid("1", 40, 1), Bid("2", 40, 1), Bid("3", 40, 1)]
    result = select(calls, bids, regs, context(members, now=AT, rules=BIDDING))
    assert awards(result) == [(40, "3", 1, NAME_REQUEST), (40, "1", 1, LIST_ORDER)]
    assert result.awards[0].request == "name"
    assert [(r.card, r.text) for r in result.rows[40]] == [
        ("1", "awarded call #40, their choice 1"),
        ("2", "call #40 was full when reached"),
        ("3", "awarded call #40, their choice 1 (name request)"),
        ("4", "did not bid"),
    ]
    assert result.audit(40)[3] == {"card": "4", "name": "M 4", "choice": None, "order": None, "awarded": False,
                                   "text": "did not bid", "reasons": []}


def test_a_member_requested_on_two_calls_gets_the_one_they_chose_first():
    members, regs = hall("1", "2")
    calls = [posted(40, workers=2, requests=(named("2"),)), posted(41, workers=2, requests=(named("2"),))]
    result = select(calls, [Bid("2", 41, 1), Bid("2", 40, 2), Bid("1", 40, 1)], regs,
                    context(members, now=AT, rules=BIDDING))
    assert awards(result) == [(41, "2", 1, NAME_REQUEST), (40, "1", 1, LIST_ORDER)]
    assert result.rows[40][1].text == "awarded call #41, their choice 1 (name request)"


def test_an_ineligible_bidder_is_passed_over_with_reasons_and_no_turndown():
    members, regs = hall("1", "2")
    members[0] = member("1", "M 1", certs=())
    calls = [posted(40, certs=("OSHA-30",))]
    result = select(calls, [Bid("1", 40, 1), Bid("2", 40, 1)], regs, context(members, now=AT, rules=BIDDING))
    assert awards(result) == [(40, "2", 1, LIST_ORDER)]
    row = result.rows[40][0]
    assert (row.card, row.text, [r.code for r in row.reasons]) == ("1", "does not hold OSHA-30", ["missing_cert"])


def test_excused_or_not_signed_in_bidders_are_passed_over_at_the_selection():
    members, regs = hall("1", "2", "3")
    daybook = rules(bidding={"enabled": True}, daybook={"required": True})
    ctx = replace(context(members, now=AT, rules=daybook),
                  signins={"2": frozenset({date(2026, 11, 25)}), "3": frozenset({date(2026, 11, 25)})},
                  excused={"2": (ExcusedAbsence("2", date(2026, 11, 20), date(2026, 12, 5)),)})
    result = select([posted(40, workers=3)], [Bid(c, 40, 1) for c in ("1", "2", "3")], regs, ctx)
    assert awards(result) == [(40, "3", 1, LIST_ORDER)]
    assert [r.text for r in result.rows[40]] == [
        "not signed in for Wed 25 Nov", "excused until 2026-12-05", "awarded call #40, their choice 1"]


def test_referral_order_across_classifications_is_book_priority_then_position():
    rw = rules(bidding={"enabled": True}, books=[Book("JW-1", "I", "JW", 1), Book("JW-2", "II", "JW", 2),
                                                 Book("RW-1", "R", "RW", 1)])
    members = [member("1", classifications=("JW",)), member("2", classifications=("JW", "RW")),
               member("3", classifications=("JW",))]
    regs = [reg("1", "JW-1", local(2026, 11, 1, 8), signed=local(2026, 11, 20, 8)),
            reg("3", "JW-1", local(2026, 11, 2, 8), signed=local(2026, 11, 20, 8)),
            # 2 is second on JW-2 but first on RW-1: their best-placed registration is RW-1 position 1.
            reg("2", "JW-2", local(2026, 10, 1, 8), signed=local(2026, 11, 20, 8)),
            reg("2", "RW-1", local(2026, 11, 5, 8), signed=local(2026, 11, 20, 8))]
    calls = [posted(40)]  # one JW opening
    result = select(calls, [Bid("3", 40, 1), Bid("2", 40, 1)], regs, context(members, now=AT, rules=rw))
    # Priority 1 for both; position: 2 is first on RW-1, 3 second on JW-1: 2 comes first and is
    # awarded the JW call from their JW-2 registration.
    assert [(a.card, a.book_id) for a in result.awards] == [("2", "JW-2")]
    assert [r.card for r in result.rows[40]] == ["2", "3"]


def test_a_bidder_with_no_place_on_the_book_and_calls_already_partly_filled():
    members, regs = hall("1", "2")
    members.append(member("9", "Nine"))
    calls = [replace(posted(40, workers=2), accepted=1)]
    result = select(calls, [Bid("9", 40, 1), Bid("2", 40, 1), Bid("1", 40, 2)], regs,
                    context(members, now=AT, rules=BIDDING, outcomes={}), outcomes={40: {"5": ACCEPTED}})
    assert awards(result) == [(40, "1", 2, LIST_ORDER)]
    assert [(r.card, r.order, r.text) for r in result.rows[40]] == [
        ("1", 1, "awarded call #40, their choice 2"), ("2", 2, "call #40 was full when reached"),
        ("9", None, "not waiting on a JW book")]


def test_a_member_with_an_outcome_on_the_call_already_is_not_awarded_it_again():
    members, regs = hall("1", "2")
    steward = posted(40, workers=2, requests=(Request("2", "appointed", "steward"),))
    steward = replace(steward, accepted=1)
    result = select([steward], [Bid("1", 40, 1), Bid("2", 40, 1)], regs, context(members, now=AT, rules=BIDDING),
                    outcomes={40: {"2": ACCEPTED}})
    assert awards(result) == [(40, "1", 1, LIST_ORDER)]
    assert [(r.card, r.text) for r in result.rows[40]] == [
        ("1", "awarded call #40, their choice 1"), ("2", "already accepted on call #40")]
    no_bid = select([steward], [Bid("1", 40, 1)], regs, context(members, now=AT, rules=BIDDING),
                    outcomes={40: {"2": ACCEPTED}})
    assert [r.card for r in no_bid.rows[40]] == ["1"]  # the steward appointed is no "did not bid"


def test_an_apprentice_book_assigned_by_the_committee_is_not_awarded_by_bids():
    jatc = rules(bidding={"enabled": True}, books=[Book("AP-1", "Apprentice", "AP", 1, order="jatc")])
    members = [member("301", classifications=("AP",))]
    regs = [reg("301", "AP-1", signed=local(2026, 11, 20, 8))]
    result = select([posted(40, classification="AP")], [Bid("301", 40, 1)], regs,
                    context(members, now=AT, rules=jatc))
    assert result.awards == ()
    assert result.rows[40][0].text == "AP-1 is assigned by the apprenticeship committee"


def test_bids_on_calls_outside_the_selection_are_left_out():
    members, regs = hall("1")
    result = select([posted(40)], [Bid("1", 99, 1), Bid("1", 40, 2)], regs, context(members, now=AT, rules=BIDDING))
    assert awards(result) == [(40, "1", 2, LIST_ORDER)]
    assert set(result.rows) == {40}


# --- properties -------------------------------------------------------------------------------------

CARDS = [str(n) for n in range(1, 13)]


@st.composite
def selections(draw):
    members = [member(card, f"M {card}", certs=draw(st.sampled_from([("OSHA-30",), ()]))) for card in CARDS]
    regs = []
    for n, card in enumerate(CARDS):
        for book in draw(st.lists(st.sampled_from(["JW-1", "JW-2", "AP-1"]), unique=True, max_size=2)):
            status = draw(st.sampled_from(["waiting", "waiting", "waiting", ON_SHORT_CALL]))
            regs.append(reg(card, book, local(2026, 11, 1, 8) + timedelta(minutes=draw(st.integers(0, 5))),
                            signed=local(2026, 11, 20, 8) - timedelta(days=draw(st.sampled_from([0, 0, 40]))), id=len(regs) + 1,
                            status=status, hold=ShortCallHold("Bolt") if status == ON_SHORT_CALL else None))
    calls = []
    for call_id in range(40, 40 + draw(st.integers(1, 5))):
        requests = tuple(named(c) for c in draw(st.lists(st.sampled_from(CARDS), unique=True, max_size=2)))
        kind_requests = tuple(Request(r.card, r.reason, draw(st.sampled_from(["name", "foreman"]))) for r in requests)
        calls.append(posted(call_id, workers=draw(st.integers(1, 3)), classification=draw(st.sampled_from(["JW", "AP"])),
                            certs=draw(st.sampled_from([(), ("OSHA-30",)])), requests=kind_requests))
    bids = []
    for card in CARDS:
        chosen = draw(st.lists(st.sampled_from([c.id for c in calls]), unique=True, max_size=4))
        bids += [Bid(card, call_id, choice) for choice, call_id in enumerate(chosen, start=1)]
    return calls, bids, regs, context(members, now=AT, rules=BIDDING)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(selections(), st.randoms(use_true_random=False))
def test_the_selection_is_deterministic_and_never_over_awards(selection_input, rnd):
    calls, bids, regs, ctx = selection_input
    result = select(calls, bids, regs, ctx)
    shuffled_bids, shuffled_regs, shuffled_calls = list(bids), list(regs), list(calls)
    for items in (shuffled_bids, shuffled_regs, shuffled_calls):
        rnd.shuffle(items)
    assert select(shuffled_calls, shuffled_bids, shuffled_regs, ctx) == result
    cards = [a.card for a in result.awards]
    assert len(cards) == len(set(cards))  # never a member twice
    by_call = {call.id: call for call in calls}
    bid_on = {(b.card, b.call_id): b.choice for b in bids}
    for call_id, call_ in by_call.items():
        given_here = [a for a in result.awards if a.call_id == call_id]
        assert len(given_here) <= call_.openings  # never more than the openings
        assert result.openings_left[call_id] == call_.openings - len(given_here)
        for award in given_here:
            assert bid_on[(award.card, call_id)] == award.choice  # only to members who bid, at their choice
            row = next(r for r in result.rows[call_id] if r.card == award.card)
            assert row.awarded and row.reasons == ()
    # Every bid on a selected call has a row saying what became of it.
    for (card, call_id) in bid_on:
        assert any(r.card == card and r.choice == bid_on[(card, call_id)] for r in result.rows[call_id])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(selections())
def test_a_member_not_awarded_had_no_better_open_choice_they_could_work(selection_input):
    calls, bids, regs, ctx = selection_input
    result = select(calls, bids, regs, ctx)
    awarded = {a.card: a for a in result.awards}
    for bid in bids:
        award = awarded.get(bid.card)
        if award is not None and award.request is None and bid.choice < award.choice:
            row = next(r for r in result.rows[bid.call_id] if r.card == bid.card)
            assert not row.awarded
            full = row.text == f"call #{bid.call_id} was full when reached"
            assert full or row.reasons or row.text.startswith("not waiting") or "committee" in row.text, row
            if full:
                assert result.openings_left[bid.call_id] == 0
