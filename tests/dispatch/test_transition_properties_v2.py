"""The transitions' properties hold with the (v2) rules: the daily limit, excused members,
requests of any kind, award_declined, the unavailable charge, short calls by hours and
uncounted restorations still touch only the member concerned and keep places."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch.model import ACCEPTED, DISPATCHED, END_REASONS, LAID_OFF, ON_SHORT_CALL, OUTCOMES, WAITING
from dispatch.transitions import apply_award_declined, apply_job_end, apply_outcome, apply_unavailable_turndown
from tests.dispatch.test_transition_properties import (
    BOOKS,
    NOW,
    calls,
    check_only_the_member,
    hall_registrations,
    merged,
    positions,
    rule_sets,
)


@st.composite
def v2_rule_sets(draw, min_restorations=0):
    base = draw(rule_sets(min_restorations=min_restorations))
    return replace(
        base,
        turndowns=replace(base.turndowns, max_per_day=draw(st.integers(0, 2)),
                          exempt_max_days=draw(st.integers(0, 5))),
        short_calls=replace(base.short_calls, max_hours=draw(st.sampled_from([0, 0, 40, 80])),
                            uncounted_max_days=draw(st.integers(0, 3))),
    )


kinds = st.sampled_from([None, "name", "foreman", "recall"])


@settings(max_examples=300, deadline=None)
@given(everyone=hall_registrations(), data=st.data(), rules=v2_rule_sets(), the_call=calls)
def test_an_outcome_still_changes_only_its_member(everyone, data, rules, the_call):
    offered = data.draw(st.sampled_from(everyone))
    mine = tuple(r for r in everyone if r.card == offered.card)
    request = data.draw(kinds)
    today = data.draw(st.integers(0, 3))
    excused = data.draw(st.booleans())
    effect = apply_outcome(the_call, data.draw(st.sampled_from(OUTCOMES)), mine, offered.id, named=False,
                           rules=rules, now=NOW, turndowns_today=today, excused=excused, request=request)
    check_only_the_member(everyone, offered.card, effect.registrations)
    if effect.turndown_counted:
        assert [r.id for r in effect.registrations] == [offered.id]
        assert request is None and not excused
        assert rules.turndowns.max_per_day == 0 or today < rules.turndowns.max_per_day


@settings(max_examples=300, deadline=None)
@given(everyone=hall_registrations(), data=st.data(), rules=v2_rule_sets(), the_call=calls)
def test_award_declined_and_the_unavailable_charge_change_only_their_member(everyone, data, rules, the_call):
    awarded = data.draw(st.sampled_from(everyone))
    mine = tuple(r for r in everyone if r.card == awarded.card)
    today = data.draw(st.integers(0, 3))
    effect = apply_award_declined(the_call, mine, awarded.id, rules=rules, now=NOW, turndowns_today=today)
    check_only_the_member(everyone, awarded.card, effect.registrations)
    assert not effect.referral
    back = {r.id for r in mine if r.status in (DISPATCHED, ON_SHORT_CALL)}
    assert back <= {r.id for r in effect.registrations}
    for new in effect.registrations:
        if new.id in back and new.id != awarded.id:
            assert new.status == WAITING
    charged = apply_unavailable_turndown(the_call, awarded, rules=rules, turndowns_today=today)
    check_only_the_member(everyone, awarded.card, charged.registrations)
    assert [r.id for r in charged.registrations] == ([awarded.id] if charged.turndown_counted else [])


@settings(max_examples=300, deadline=None)
@given(everyone=hall_registrations(), data=st.data(), rules=v2_rule_sets(), the_call=calls)
def test_a_job_end_still_changes_only_the_members_held_registrations(everyone, data, rules, the_call):
    card = data.draw(st.sampled_from([r.card for r in everyone]))
    mine = tuple(r for r in everyone if r.card == card)
    days = data.draw(st.integers(0, 40))
    effect = apply_job_end(mine, data.draw(st.sampled_from(END_REASONS)), call=the_call,
                           short_call_at_referral=data.draw(st.booleans()), days_worked=days,
                           hours=float(data.draw(st.integers(0, 80))), rules=rules, now=NOW)
    check_only_the_member(everyone, card, effect.registrations)
    assert {r.id for r in effect.registrations} == {r.id for r in mine if r.status in (DISPATCHED, ON_SHORT_CALL)}
    assert effect.hours_worked >= 0


@settings(max_examples=200, deadline=None)
@given(everyone=hall_registrations(), data=st.data(), rules=v2_rule_sets(min_restorations=1), the_call=calls)
def test_a_short_call_round_trip_still_restores_the_exact_place(everyone, data, rules, the_call):
    rules = replace(rules, short_calls=replace(rules.short_calls, max_hours=0))
    card = data.draw(st.sampled_from([r.card for r in everyone]))
    limit = rules.short_calls.max_restorations
    hall = tuple(replace(r, status=WAITING, short_call=None, removed_reason="",
                         restorations=data.draw(st.integers(0, limit - 1))) if r.card == card else r
                 for r in everyone)
    mine = tuple(r for r in hall if r.card == card)
    short = replace(the_call, duration_days=data.draw(st.integers(1, rules.short_calls.max_days)))
    before = {book: positions(hall, book).get(card) for book in BOOKS}
    accepted = apply_outcome(short, ACCEPTED, mine, mine[0].id, named=False, rules=rules, now=NOW)
    working = merged(hall, accepted.registrations)
    days = data.draw(st.integers(1, rules.short_calls.max_days))
    ended = apply_job_end(tuple(r for r in working if r.card == card), LAID_OFF, call=short,
                          short_call_at_referral=True, days_worked=days, rules=rules,
                          now=NOW + timedelta(days=data.draw(st.integers(1, 20))))
    after = merged(working, ended.registrations)
    counted = days > rules.short_calls.uncounted_max_days
    old = {r.id: r for r in mine}
    for new in ended.registrations:
        assert new.status == WAITING
        assert new.restorations == old[new.id].restorations + (1 if counted else 0)
    assert {book: positions(after, book).get(card) for book in BOOKS} == before
