from dataclasses import replace
from datetime import date, timedelta

import pytest

from dispatch.model import (
    ACCEPTED,
    DECLINED,
    DISCHARGED,
    DISPATCHED,
    NAME_REQUEST,
    ON_SHORT_CALL,
    QUIT,
    REMOVED,
    Book,
    ReferralInForce,
    Separation,
    ShortCallHold,
)
from dispatch.ranking import (
    book_order,
    card_key,
    is_short_call,
    list_key,
    name_request_refusals,
    next_to_offer,
    offer_refusal,
    positions,
    rank,
    snapshot,
)
from tests.dispatch.helpers import (
    RULES,
    call,
    context,
    local,
    member,
    named,
    past,
    reg,
    rules,
    worked_example,
)


def order(ranking):
    return [c.card for c in ranking.candidates]


def places(ranking):
    return [(c.card, c.book_id, c.position) for c in ranking.candidates]


# --- the worked example of referral-rules.md -------------------------------------------


def test_worked_example_ranking():
    members, regs, the_call = worked_example()
    ranking = rank(the_call, regs, context(members))
    assert places(ranking) == [
        ("101", "JW-1", 1),  # Ada
        ("102", "JW-1", 2),  # Ben: same minute, the card number breaks the tie
        ("103", "JW-1", 3),  # Cy: passed over
        ("104", "JW-1", 4),  # Di
        ("201", "JW-2", 1),  # Ed: reached only after Book I
    ]
    assert [c.eligible for c in ranking.candidates] == [True, True, False, True, True]
    assert [r.text for r in ranking.find("103").reasons] == ["does not hold OSHA-30"]
    assert ranking.truncated is False
    assert ranking.unhonoured_requests == {}
    assert next_to_offer(ranking).card == "101"


def test_worked_example_strict_order_of_offers():
    members, regs, the_call = worked_example()
    ranking = rank(the_call, regs, context(members))
    assert offer_refusal(ranking, "101") is None
    assert offer_refusal(ranking, "104") == (
        "Ada Lovelace (101) is ahead on the list and has no outcome yet: record Ada's outcome first."
    )
    assert offer_refusal(ranking, "103") == "Cy Park (103) is passed over: does not hold OSHA-30."

    # Ada declines (turndown 1, she keeps position 1): Di still cannot be offered before Ben.
    regs = [replace(r, turndowns=1) if r.card == "101" else r for r in regs]
    ranking = rank(the_call, regs, context(members, outcomes={"101": DECLINED}))
    assert offer_refusal(ranking, "104") == (
        "Ben Ito (102) is ahead on the list and has no outcome yet: record Ben's outcome first."
    )
    assert offer_refusal(ranking, "101") == "Ada Lovelace (101) already declined this call."
    assert ranking.find("101").position == 1 and ranking.find("101").outcome == DECLINED
    assert next_to_offer(ranking).card == "102"


def test_worked_example_after_outcomes_next_to_offer_moves_on():
    members, regs, the_call = worked_example()
    dispatched = {"102", "104"}
    regs = [
        replace(r, status=DISPATCHED) if r.card in dispatched else replace(r, turndowns=1) if r.card == "101" else r
        for r in regs
    ]
    ranking = rank(the_call, regs, context(members, outcomes={"101": DECLINED, "102": ACCEPTED}))
    # Ben stays listed at his place with his outcome; he holds no position while dispatched.
    assert places(ranking)[:2] == [("101", "JW-1", 1), ("102", "JW-1", None)]
    assert ranking.find("102").outcome == ACCEPTED
    assert "104" not in order(ranking)  # dispatched elsewhere? no: Di has no outcome here -> not a candidate
    regs_di_waiting = [replace(r, status="waiting") if r.card == "104" else r for r in regs]
    ranking = rank(the_call, regs_di_waiting, context(members, outcomes={"101": DECLINED, "102": ACCEPTED}))
    assert next_to_offer(ranking).card == "104"
    assert offer_refusal(ranking, "104") is None
    ranking = rank(
        the_call, regs, context(members, outcomes={"101": DECLINED, "102": ACCEPTED, "104": ACCEPTED})
    )
    assert order(ranking) == ["101", "102", "103", "104", "201"]
    assert next_to_offer(ranking).card == "201"
    # JW-1 now reads Ada (1), Cy (2).
    jw1 = book_order(regs, RULES, RULES.book("JW-1"))
    assert [r.card for r in jw1] == ["101", "103"]


def test_worked_example_snapshot_shows_why_cy_was_passed_over():
    members, regs, the_call = worked_example()
    ranking = rank(the_call, regs, context(members, outcomes={"101": DECLINED}))
    rows = snapshot(ranking, "104")
    assert [row["card"] for row in rows] == ["101", "102", "103", "104"]
    assert rows[2] == {
        "card": "103",
        "name": "Cy Park",
        "book": "JW-1",
        "position": 3,
        "eligible": False,
        "name_request": False,
        "reasons": [{"code": "missing_cert", "text": "does not hold OSHA-30", "params": {"cert": "OSHA-30"}}],
        "outcome": None,
    }
    assert rows[0]["outcome"] == DECLINED
    with pytest.raises(ValueError):
        snapshot(ranking, "999")


def test_not_a_candidate_cannot_be_offered():
    members, regs, the_call = worked_example()
    assert offer_refusal(rank(the_call, regs, context(members)), "999") == "999 is not a candidate for this call."


# --- order -------------------------------------------------------------------------------


def test_card_key_numbers_then_text():
    cards = ["A9", "10", "B", "9", "A10", "010"]
    assert sorted(cards, key=card_key) == ["9", "010", "10", "A10", "A9", "B"]  # 010 = 10: text breaks it


def test_card_tie_break_numeric_vs_text():
    same = local(2026, 11, 1, 8)
    cards = ["A9", "10", "B", "9", "A10"]
    members = [member(c, f"M {c}") for c in cards]
    regs = [reg(c, at=same, id=100 - i) for i, c in enumerate(cards)]
    ranking = rank(call(), regs, context(members))
    assert order(ranking) == ["9", "10", "A10", "A9", "B"]
    assert [c.position for c in ranking.candidates] == [1, 2, 3, 4, 5]


def test_list_key_per_policy():
    r = reg("7", at=local(2026, 11, 1, 8), hours=12)
    book = RULES.book("JW-2")
    assert list_key(r, book, RULES) == (2, r.registered_at, card_key("7"))
    low = rules(ordering={"policy": "low_hours"})
    assert list_key(r, book, low) == (2, 12, r.registered_at, card_key("7"))


def test_low_hours_policy_orders_by_hours_within_a_book():
    low = rules(ordering={"policy": "low_hours"})
    members = [member(c) for c in ("1", "2", "3", "4")]
    regs = [
        reg("1", "JW-1", local(2026, 11, 1, 8), hours=40),
        reg("2", "JW-1", local(2026, 11, 5, 8), hours=8),
        reg("3", "JW-1", local(2026, 11, 3, 8), hours=8),
        reg("4", "JW-2", local(2026, 10, 1, 8), hours=0, signed=local(2026, 11, 10, 8)),  # fewer hours but a lower book
    ]
    ranking = rank(call(), regs, context(members, rules=low))
    assert places(ranking) == [("3", "JW-1", 1), ("2", "JW-1", 2), ("1", "JW-1", 3), ("4", "JW-2", 1)]
    assert [r.card for r in book_order(regs, low, low.book("JW-1"))] == ["3", "2", "1"]


def test_only_the_calls_classification_and_active_registrations():
    members = [member(c) for c in ("1", "2", "3", "4")]
    regs = [
        reg("1", "JW-1"),
        reg("2", "AP-1"),
        reg("3", "JW-1", status=DISPATCHED),
        reg("4", "JW-1", status=REMOVED),
    ]
    assert order(rank(call(), regs, context(members))) == ["1"]


def test_lapsed_registrations_are_dropped():
    members = [member("1"), member("2")]
    regs = [
        reg("1", signed=local(2026, 10, 1, 8)),  # due Oct 31 -> removed at closing Mon Nov 2
        reg("2", signed=local(2026, 11, 1, 8)),
    ]
    ranking = rank(call(), regs, context(members, now=local(2026, 11, 20, 10)))
    assert places(ranking) == [("2", "JW-1", 1)]
    assert [r.card for r in book_order(regs, RULES, RULES.book("JW-1"), now=local(2026, 11, 20, 10))] == ["2"]


def test_member_on_several_books_appears_once_at_best_placement():
    members = [member(c) for c in ("1", "2", "3")]
    regs = [
        reg("2", "JW-2", local(2026, 10, 1, 8), signed=local(2026, 11, 10, 8)),
        reg("1", "JW-1", local(2026, 11, 5, 8)),
        reg("1", "JW-2", local(2026, 9, 1, 8), signed=local(2026, 11, 10, 8)),  # earlier, but on a lower book
        reg("3", "JW-1", local(2026, 11, 1, 8)),
    ]
    ranking = rank(call(), regs, context(members))
    # JW-2 positions still count member 1's registration there.
    assert places(ranking) == [("3", "JW-1", 1), ("1", "JW-1", 2), ("2", "JW-2", 2)]
    assert positions(regs, RULES)[regs[1].id] == 2


def test_a_candidate_with_an_outcome_who_rolled_off_stays_listed():
    members = [member("1"), member("2")]
    regs = [reg("1", status=REMOVED, turndowns=3, at=local(2026, 11, 1, 8)), reg("2", at=local(2026, 11, 2, 8))]
    ranking = rank(call(), regs, context(members, outcomes={"1": DECLINED}))
    assert places(ranking) == [("1", "JW-1", None), ("2", "JW-1", 1)]
    assert next_to_offer(ranking).card == "2"


def test_is_short_call():
    assert is_short_call(call(duration=10), RULES)
    assert not is_short_call(call(duration=11), RULES)


# --- on a short call ----------------------------------------------------------------------


def short_call_members():
    members = [member("1"), member("2"), member("3")]
    regs = [
        reg("1", at=local(2026, 11, 1, 8)),
        reg("2", at=local(2026, 11, 2, 8), status=ON_SHORT_CALL, hold=ShortCallHold("Bolt Co", date(2026, 11, 24), 9)),
        reg("3", at=local(2026, 11, 3, 8)),
    ]
    return members, regs


def test_on_short_call_keeps_its_place_and_is_passed_over():
    members, regs = short_call_members()
    ranking = rank(call(duration=30), regs, context(members))
    assert places(ranking) == [("1", "JW-1", 1), ("2", "JW-1", None), ("3", "JW-1", 2)]
    assert [r.text for r in ranking.find("2").reasons] == ["working a short call for Bolt Co until 2026-11-24"]


def test_offer_regular_calls_makes_a_member_on_a_short_call_eligible_for_a_regular_call():
    members, regs = short_call_members()
    ctx = context(members, rules=rules(short_calls={"offer_regular_calls": True}))
    regular = rank(call(duration=30), regs, ctx)
    assert regular.find("2").eligible
    short = rank(call(duration=5), regs, ctx)
    assert not short.find("2").eligible


def test_a_member_working_a_short_call_from_another_book_is_passed_over_everywhere():
    # Member 2 waits on JW-1 (signed there before the fix) while working a short call that
    # came through another book (here an AP book): the referral in force passes them over.
    members, regs = short_call_members()
    regs[1] = reg("2", at=local(2026, 11, 2, 8))
    held = {"2": ReferralInForce(call_id=9, employer="Bolt Co", short_call=True, until=date(2026, 11, 24))}
    ctx = replace(context(members), in_force=held)
    ranking = rank(call(duration=30), regs, ctx)
    assert places(ranking) == [("1", "JW-1", 1), ("2", "JW-1", 2), ("3", "JW-1", 3)]
    assert [r.code for r in ranking.find("2").reasons] == ["on_short_call"]
    assert ranking.find("2").reasons[0].text == "working a short call for Bolt Co until 2026-11-24"
    assert not rank(call(duration=5), regs, ctx).find("2").eligible
    # With offer_regular_calls, a regular call may be offered to them; another short one may not.
    lenient = replace(ctx, rules=rules(short_calls={"offer_regular_calls": True}))
    assert rank(call(duration=30), regs, lenient).find("2").eligible
    assert not rank(call(duration=5), regs, lenient).find("2").eligible
    # The short call they work is this very call: not passed over on it.
    assert rank(call(id=9, duration=5), regs, ctx).find("2").eligible


def test_a_member_working_a_regular_call_is_no_candidate_but_keeps_the_place():
    members, regs = short_call_members()
    regs[1] = reg("2", at=local(2026, 11, 2, 8))
    ctx = replace(context(members), in_force={"2": ReferralInForce(call_id=9, employer="Acme", short_call=False)})
    ranking = rank(call(duration=30), regs, ctx)
    assert places(ranking) == [("1", "JW-1", 1), ("3", "JW-1", 3)]
    assert offer_refusal(ranking, "2") == "2 is not a candidate for this call."
    for limit in (1, 2):
        limited = rank(call(duration=30), regs, ctx, limit=limit)
        assert places(limited) == places(ranking)[:limit]
    # On the call they accepted, they are listed with their outcome.
    accepted = replace(ctx, outcomes={"2": ACCEPTED})
    assert rank(call(id=9, duration=30), regs, accepted).find("2").outcome == ACCEPTED


# --- name requests ----------------------------------------------------------------------


def test_honoured_name_request_comes_first():
    members, regs, _ = worked_example()
    the_call = call(workers=2, certs=("OSHA-30",), requests=(named("104", "ran the job last year"),))
    ranking = rank(the_call, regs, context(members))
    assert places(ranking) == [
        ("104", "JW-1", 4),
        ("101", "JW-1", 1),
        ("102", "JW-1", 2),
        ("103", "JW-1", 3),
        ("201", "JW-2", 1),
    ]
    first = ranking.candidates[0]
    assert first.name_request and first.name_request_reason == "ran the job last year"
    assert not any(c.name_request for c in ranking.candidates[1:])
    assert next_to_offer(ranking).card == "104"
    assert offer_refusal(ranking, "101") == (
        "Di Ramos (104) is ahead on the list and has no outcome yet: record Di's outcome first."
    )


def test_name_requests_limited_by_max_share_rounded_down():
    members, regs, _ = worked_example()
    the_call = call(workers=3, requests=(named("201"), named("104")))
    ranking = rank(the_call, regs, context(members))
    assert order(ranking)[:1] == ["201"]
    assert ranking.unhonoured_requests == {"104": "Acme Electric may name at most 1 of 3 workers on this call."}
    assert not ranking.find("104").name_request


def test_max_share_is_an_exact_fraction():
    # 0.57 x 100 is 56.99999999999999 in floating point; exactly it is 57.
    share = rules(name_requests={"max_share": 0.57})
    requests = tuple(named(str(n)) for n in range(1, 59))
    refusals = name_request_refusals(call(workers=100, requests=requests), context([], rules=share))
    assert refusals == {"58": "Acme Electric may name at most 57 of 100 workers on this call."}


def test_a_two_worker_call_with_max_share_zero_names_nobody():
    none = rules(name_requests={"max_share": 0.0})
    refusals = name_request_refusals(call(workers=2, requests=(named("1"),)), context([], rules=none))
    assert refusals == {"1": "Acme Electric may not name any of the 2 workers on this call."}


@pytest.mark.parametrize(
    "named_before, refused",
    [(2, False), (3, True)],  # of 4 referrals; 2 workers: named <= 1/2 x (4 + 2) = 3
)
def test_window_share_with_exact_fractions(named_before, refused):
    now = local(2026, 11, 20, 10)
    referrals = tuple(
        past(now - timedelta(days=5 + i), basis=NAME_REQUEST if i < named_before else "list_order") for i in range(4)
    ) + (past(now - timedelta(days=31), basis=NAME_REQUEST),)  # outside the 30-day window
    the_call = call(workers=2, requests=(named("104"),))
    refusals = name_request_refusals(the_call, context([member("104", "Di Ramos")], now=now, referrals=referrals))
    if refused:
        assert refusals == {
            "104": "Acme Electric has named 3 of its last 4 referrals in 30 days; naming 104 would exceed half."
        }
    else:
        assert refusals == {}


def test_window_share_ignores_referrals_made_on_this_very_call():
    now = local(2026, 11, 20, 10)
    referrals = (
        past(now - timedelta(days=3), basis=NAME_REQUEST),
        past(now - timedelta(days=4)),
        past(now - timedelta(hours=1), basis=NAME_REQUEST, card="104", call_id=1),  # 104 accepted this call
    )
    the_call = call(id=1, workers=2, requests=(named("104"),))
    # 1 named of 2 in the window + this call's 1 <= 1/2 x (2 + 2); counting 104's own referral
    # twice would make it 2 of 3 + 1 > 1/2 x (3 + 2).
    assert name_request_refusals(the_call, context([], now=now, referrals=referrals)) == {}


def test_one_worker_call_cannot_be_named_unless_allow_single():
    members, regs, _ = worked_example()
    the_call = call(workers=1, certs=("OSHA-30",), requests=(named("104"),))
    off = rank(the_call, regs, context(members))
    assert off.unhonoured_requests == {
        "104": "a one-worker call cannot be named (name_requests.allow_single is off)."
    }
    assert order(off)[0] == "101"
    # allow_single exempts the call from both limits, even a window already full of names.
    now = local(2026, 11, 20, 10)
    full = tuple(past(now - timedelta(days=1), basis=NAME_REQUEST) for _ in range(3))
    on = rank(
        the_call,
        regs,
        context(members, rules=rules(name_requests={"allow_single": True}), referrals=full),
    )
    assert on.unhonoured_requests == {}
    assert order(on)[0] == "104" and on.candidates[0].name_request


@pytest.mark.parametrize(
    "now, blocked",
    [(local(2026, 12, 4, 16), True), (local(2026, 12, 5, 8), False)],  # quit Nov 20 + 14 days, until inclusive
)
def test_quit_blocks_name_requests_by_that_employer_for_block_days(now, blocked):
    members, regs, _ = worked_example()
    regs = [replace(r, last_signed_at=local(2026, 11, 30, 8)) for r in regs]
    quit = Separation("104", "ACME Electric", local(2026, 11, 20, 12), QUIT)
    the_call = call(workers=2, start=local(2026, 12, 7, 7), requests=(named("104"),))
    ranking = rank(the_call, regs, context(members, now=now, separations=(quit,)))
    if blocked:
        assert ranking.unhonoured_requests == {
            "104": "104 Di Ramos quit Acme Electric on Fri 20 Nov: no name request by it until Fri 4 Dec."
        }
        assert order(ranking)[0] == "101"
    else:
        assert ranking.unhonoured_requests == {}
        assert order(ranking)[0] == "104"


def test_discharge_blocks_only_that_employer():
    members = [member("104", "Di Ramos")]
    fired = Separation("104", "Acme Electric", local(2026, 11, 18, 12), DISCHARGED)
    ctx = context(members, separations=(fired,))
    assert name_request_refusals(call(requests=(named("104"),)), ctx) == {
        "104": "104 Di Ramos was discharged by Acme Electric on Wed 18 Nov: no name request by it until Wed 2 Dec."
    }
    assert name_request_refusals(call(employer="Bolt Co", requests=(named("104"),)), ctx) == {}


def test_name_request_unhonoured_because_ineligible_stays_at_its_list_place():
    members, regs, the_call = worked_example()
    the_call = replace(the_call, name_requests=(named("103"),))
    ranking = rank(the_call, regs, context(members))
    assert order(ranking) == ["101", "102", "103", "104", "201"]
    assert not ranking.find("103").name_request
    assert ranking.unhonoured_requests == {"103": "Cy Park (103) is passed over: does not hold OSHA-30."}


def test_name_request_for_someone_not_waiting_or_without_a_reason():
    members, regs, the_call = worked_example()
    the_call = replace(the_call, workers=4, name_requests=(named("999"), named("104", "  ")))
    ranking = rank(the_call, regs, context(members))
    assert ranking.unhonoured_requests == {
        "999": "999 is not waiting on a JW book.",
        "104": "a name request needs a reason: none was given for 104.",
    }
    assert order(ranking) == ["101", "102", "103", "104", "201"]


def test_refused_requests_take_no_share():
    members, regs, the_call = worked_example()
    # 2 workers: one name fits; the first request is for someone not waiting, so 104 gets it.
    the_call = replace(the_call, name_requests=(named("999"), named("104"), named("101")))
    ranking = rank(the_call, regs, context(members))
    assert order(ranking)[0] == "104"
    assert set(ranking.unhonoured_requests) == {"999", "101"}


def test_name_requested_member_keeps_first_place_after_accepting():
    members, regs, the_call = worked_example()
    the_call = replace(the_call, name_requests=(named("104"),))
    regs = [replace(r, status=DISPATCHED) if r.card == "104" else r for r in regs]
    ranking = rank(the_call, regs, context(members, outcomes={"104": ACCEPTED}))
    assert places(ranking)[0] == ("104", "JW-1", None)
    assert ranking.candidates[0].name_request and ranking.candidates[0].outcome == ACCEPTED
    assert next_to_offer(ranking).card == "101"


# --- limit ----------------------------------------------------------------------------------


def many():
    members = [member(str(n)) for n in range(1, 14)]
    regs = [reg(str(n), "JW-1", local(2026, 11, 1, 8) + timedelta(minutes=n)) for n in range(1, 11)]
    regs += [reg(str(n), "JW-2", local(2026, 11, 1, 8) + timedelta(minutes=n)) for n in range(11, 14)]
    regs.append(reg("3", "JW-2", local(2026, 10, 1, 8), signed=local(2026, 11, 15, 8)))  # 3 is also first on JW-2
    regs[4] = replace(regs[4], status=ON_SHORT_CALL, short_call=ShortCallHold("Bolt Co"))  # card 5
    return members, regs


@pytest.mark.parametrize("limit", [0, 1, 4, 9, 10, 11, 12, 13, 20])
def test_limit_gives_the_prefix_with_exact_positions(limit):
    members, regs = many()
    ctx = context(members)
    full = rank(call(), regs, ctx)
    assert len(full.candidates) == 13
    part = rank(call(), regs, ctx, limit=limit)
    assert part.candidates == full.candidates[:limit]
    assert part.truncated == (limit < 13)


def test_limit_positions_count_every_waiting_registration_of_the_book():
    members, regs = many()
    part = rank(call(), regs, context(members), limit=11)
    assert places(part)[-3:] == [("9", "JW-1", 8), ("10", "JW-1", 9), ("11", "JW-2", 2)]
    assert places(part)[4] == ("5", "JW-1", None)


def test_limit_counts_honoured_name_requests():
    members, regs = many()
    the_call = call(workers=4, requests=(named("12"), named("8")))
    part = rank(the_call, regs, context(members), limit=1)
    assert places(part) == [("12", "JW-2", 3)] and part.truncated
    part = rank(the_call, regs, context(members), limit=3)
    assert places(part) == [("12", "JW-2", 3), ("8", "JW-1", 7), ("1", "JW-1", 1)]


def test_negative_limit_is_refused():
    with pytest.raises(ValueError):
        rank(call(), [], context([]), limit=-1)


def test_a_registration_without_a_member_record_is_an_error():
    with pytest.raises(ValueError, match="no member record"):
        rank(call(), [reg("1")], context([]))
