"""The ranking's properties hold with the (v2) inputs too: excused absences, day-book
sign-ins, posted calls and bids, short-call rotation and every kind of request."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dispatch.model import ExcusedAbsence, Request, RotationPoint, Separation
from dispatch.ranking import book_order, next_to_offer, offer_refusal, rank
from tests.dispatch import test_ranking_properties as v1
from tests.dispatch.test_ranking_properties import BOOKS, CARDS, NOW, TIMES, halls

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def v2_halls(draw):
    the_call, regs, ctx = draw(halls())
    the_rules = replace(
        ctx.rules,
        short_calls=replace(ctx.rules.short_calls, rotation=draw(st.booleans())),
        daybook=replace(ctx.rules.daybook, required=draw(st.sampled_from([False, False, True]))),
    )
    excused = {
        card: (ExcusedAbsence(card, date(2026, 11, 1) + timedelta(days=draw(st.integers(0, 40))),
                              date(2026, 11, 20) + timedelta(days=draw(st.integers(0, 40))), "military"),)
        for card in draw(st.lists(st.sampled_from(CARDS), unique=True, max_size=3))
    }
    signins = {card: frozenset({date(2026, 11, 20)}) for card in draw(st.lists(st.sampled_from(CARDS), unique=True))}
    bidders = frozenset(draw(st.lists(st.sampled_from(CARDS), unique=True)))
    rotation = {
        book: RotationPoint(book, draw(st.sampled_from(CARDS)), draw(st.sampled_from(TIMES)))
        for book in draw(st.lists(st.sampled_from(BOOKS), unique=True, max_size=2))
    }
    kinds = st.sampled_from(["name", "foreman", "recall", "steward", "jatc"])
    # Requests for members who can be honoured (waiting, signed lately, certified), and others.
    likely = sorted({r.card for r in regs if r.status == "waiting" and r.last_signed_at > NOW - timedelta(days=2)
                     and ctx.members[r.card].certifications})
    cards = draw(st.lists(st.sampled_from(likely), unique=True, max_size=3)) if likely else []
    cards += [r.card for r in the_call.name_requests if r.card not in cards]
    requests = tuple(Request(card, "worked the site", draw(kinds)) for card in cards)
    laid_off = tuple(Separation(r.card, the_call.employer, NOW - timedelta(days=3), "laid_off", "Pier 9")
                     for r in requests if r.kind == "recall")
    posted_for = draw(st.sampled_from([None, None, NOW + timedelta(hours=20), NOW - timedelta(hours=3)]))
    the_call = replace(the_call, name_requests=requests, posted_for=posted_for, site="Pier 9",
                       duration_days=draw(st.sampled_from([5, 30])))
    ctx = replace(ctx, rules=the_rules, excused=excused, signins=signins, bidders=bidders, rotation=rotation,
                  separations=laid_off)
    return the_call, regs, ctx


@SETTINGS
@given(v2_halls(), st.randoms(use_true_random=False))
def test_ranking_is_still_deterministic_and_total(hall, rnd):
    v1.test_ranking_is_deterministic_and_total.hypothesis.inner_test(hall, rnd)


@SETTINGS
@given(v2_halls(), st.integers(0, 15))
def test_the_limited_ranking_is_still_a_prefix_of_the_full_one(hall, limit):
    v1.test_rank_with_limit_is_the_prefix_of_rank_without.hypothesis.inner_test(hall, limit)


@SETTINGS
@given(v2_halls())
def test_positions_stay_the_books_order_whatever_the_rotation(hall):
    the_call, regs, ctx = hall
    for candidate in rank(the_call, regs, ctx).candidates:
        if candidate.position is not None:
            in_order = book_order(regs, ctx.rules, ctx.rules.book(candidate.book_id), now=ctx.now, excused=ctx.excused)
            assert in_order[candidate.position - 1].id == candidate.registration_id


@SETTINGS
@given(v2_halls())
def test_honoured_requests_come_first_in_kind_order_and_offers_follow_the_ranking(hall):
    the_call, regs, ctx = hall
    ranking = rank(the_call, regs, ctx)
    kinds = [c.request for c in ranking.candidates]
    honoured = [k for k in kinds if k is not None]
    assert kinds[:len(honoured)] == honoured  # every honoured request before list order
    assert all(k is None for k in kinds[len(honoured):])
    order = ["foreman", "recall", "name", "steward", "jatc"]
    assert honoured == sorted(honoured, key=order.index)
    first = next_to_offer(ranking)
    if first is not None:
        assert first.eligible and first.outcome is None and first.request in (None, "foreman", "recall", "name")
        assert offer_refusal(ranking, first.card) is None
