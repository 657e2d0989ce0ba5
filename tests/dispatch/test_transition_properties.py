"""Properties of the transitions: they touch only the member concerned, and keep places."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch.model import (
    ACCEPTED,
    DISPATCHED,
    END_REASONS,
    LAID_OFF,
    ON_SHORT_CALL,
    OUTCOMES,
    REGISTRATION_STATUSES,
    WAITING,
    JobCall,
    Registration,
    ShortCallHold,
)
from dispatch.rules import HallRules, OrderingRules, RuleSet, ShortCallRules, TurndownRules
from dispatch.transitions import (
    apply_job_end,
    apply_outcome,
    apply_referral_reversal,
    apply_resign,
)

BASE = datetime(2026, 10, 1, 14, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
BOOKS = ("JW-1", "JW-2", "JW-3", "JW-4")
CARDS = ("101", "102", "103", "A7", "1042")


# --- strategies -------------------------------------------------------------------------

moments = st.integers(min_value=0, max_value=40 * 24 * 3600).map(lambda s: BASE + timedelta(seconds=s))


@st.composite
def rule_sets(draw, min_restorations=0):
    return RuleSet(
        hall=HallRules(timezone="America/Chicago"),
        ordering=OrderingRules(policy=draw(st.sampled_from(("registration", "low_hours")))),
        turndowns=TurndownRules(
            limit=draw(st.integers(1, 5)),
            no_answer_is_turndown=draw(st.booleans()),
            short_call_turndowns_count=draw(st.booleans()),
        ),
        short_calls=ShortCallRules(
            max_days=draw(st.integers(1, 20)),
            max_restorations=draw(st.integers(min_restorations, 4)),
            by_actual=draw(st.booleans()),
        ),
    )


@st.composite
def hall_registrations(draw):
    """Registrations of several members: at most one per (card, book), unique ids."""
    pairs = draw(
        st.lists(st.tuples(st.sampled_from(CARDS), st.sampled_from(BOOKS)), min_size=1, max_size=15, unique=True)
    )
    regs = []
    for number, (card, book) in enumerate(pairs, start=1):
        status = draw(st.sampled_from(REGISTRATION_STATUSES))
        at = draw(moments)
        regs.append(
            Registration(
                id=number,
                card=card,
                book_id=book,
                registered_at=at,
                last_signed_at=at + timedelta(days=draw(st.integers(0, 20))),
                status=status,
                turndowns=draw(st.integers(0, 4)),
                restorations=draw(st.integers(0, 4)),
                period_hours=float(draw(st.integers(0, 200))),
                short_call=ShortCallHold("Bolt Co") if status == ON_SHORT_CALL else None,
            )
        )
    return tuple(regs)


calls = st.builds(
    JobCall,
    id=st.integers(1, 100),
    employer=st.sampled_from(("Acme Electric", "Bolt Co")),
    classification=st.just("JW"),
    workers=st.integers(1, 5),
    start=moments.map(lambda m: m + timedelta(days=50)),
    duration_days=st.integers(1, 40),
)


def merged(everyone, changed):
    """The hall's registrations after writing back the changed ones by id."""
    new = {r.id: r for r in changed}
    return tuple(new.get(r.id, r) for r in everyone)


def check_only_the_member(everyone, card, changed):
    """Changed registrations are the member's own, and keep identity and place."""
    before = {r.id: r for r in everyone}
    ids = [r.id for r in changed]
    assert len(ids) == len(set(ids))
    for new in changed:
        old = before[new.id]
        assert new.card == card == old.card
        assert new.book_id == old.book_id
        assert new.registered_at == old.registered_at
    after = merged(everyone, changed)
    for old, new in zip(everyone, after):
        if old.card != card:
            assert new == old


def positions(registrations, book):
    """Position of each waiting card on one book (registration order, ties by card)."""
    waiting = sorted(
        (r for r in registrations if r.book_id == book and r.status == WAITING),
        key=lambda r: (r.registered_at, (0, int(r.card), r.card) if r.card.isdigit() else (1, 0, r.card)),
    )
    return {r.card: i for i, r in enumerate(waiting, start=1)}


# --- properties ---------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(everyone=hall_registrations(), data=st.data(), rules=rule_sets(), the_call=calls)
def test_an_outcome_changes_only_the_registrations_of_the_member_it_concerns(everyone, data, rules, the_call):
    offered = data.draw(st.sampled_from(everyone))
    mine = tuple(r for r in everyone if r.card == offered.card)
    effect = apply_outcome(
        the_call,
        data.draw(st.sampled_from(OUTCOMES)),
        mine,
        offered.id,
        named=data.draw(st.booleans()),
        rules=rules,
        now=NOW,
    )
    check_only_the_member(everyone, offered.card, effect.registrations)
    if effect.turndown_counted:
        assert [r.id for r in effect.registrations] == [offered.id]


@settings(max_examples=300, deadline=None)
@given(everyone=hall_registrations(), data=st.data(), rules=rule_sets(), the_call=calls)
def test_a_job_end_changes_only_the_members_held_registrations(everyone, data, rules, the_call):
    card = data.draw(st.sampled_from([r.card for r in everyone]))
    mine = tuple(r for r in everyone if r.card == card)
    effect = apply_job_end(
        mine,
        data.draw(st.sampled_from(END_REASONS)),
        call=the_call,
        short_call_at_referral=data.draw(st.booleans()),
        days_worked=data.draw(st.integers(0, 40)),
        hours=float(data.draw(st.integers(0, 80))),
        rules=rules,
        now=NOW,
        discharges_in_window=data.draw(st.integers(0, 3)),
    )
    check_only_the_member(everyone, card, effect.registrations)
    held = {r.id for r in mine if r.status in (DISPATCHED, ON_SHORT_CALL)}
    assert {r.id for r in effect.registrations} == held


@settings(max_examples=200, deadline=None)
@given(everyone=hall_registrations(), data=st.data())
def test_resign_and_reversal_change_only_the_member_and_keep_places(everyone, data):
    card = data.draw(st.sampled_from([r.card for r in everyone]))
    mine = tuple(r for r in everyone if r.card == card)
    book = data.draw(st.one_of(st.none(), st.sampled_from(BOOKS)))
    check_only_the_member(everyone, card, apply_resign(mine, book, now=NOW))
    check_only_the_member(everyone, card, apply_referral_reversal(mine, now=NOW))


@settings(max_examples=300, deadline=None)
@given(everyone=hall_registrations(), data=st.data(), rules=rule_sets(min_restorations=1), the_call=calls)
def test_a_short_call_round_trip_restores_the_exact_place(everyone, data, rules, the_call):
    # The member: waiting on some books, with fewer restorations than the limit.
    card = data.draw(st.sampled_from([r.card for r in everyone]))
    limit = rules.short_calls.max_restorations
    hall = tuple(
        replace(
            r,
            status=WAITING,
            short_call=None,
            removed_reason="",
            restorations=data.draw(st.integers(0, limit - 1)),
        )
        if r.card == card
        else r
        for r in everyone
    )
    mine = tuple(r for r in hall if r.card == card)
    short = replace(the_call, duration_days=data.draw(st.integers(1, rules.short_calls.max_days)))
    before = {book: positions(hall, book).get(card) for book in BOOKS}

    accepted = apply_outcome(short, ACCEPTED, mine, mine[0].id, named=False, rules=rules, now=NOW)
    assert accepted.short_call
    assert {r.id for r in accepted.registrations} == {r.id for r in mine}
    assert all(r.status == ON_SHORT_CALL for r in accepted.registrations)
    working = merged(hall, accepted.registrations)
    assert all(card not in positions(working, book) for book in BOOKS)

    later = NOW + timedelta(days=data.draw(st.integers(1, 20)))
    ended = apply_job_end(
        tuple(r for r in working if r.card == card),
        LAID_OFF,
        call=short,
        short_call_at_referral=True,
        days_worked=data.draw(st.integers(1, rules.short_calls.max_days)),
        rules=rules,
        now=later,
    )
    after = merged(working, ended.registrations)
    old = {r.id: r for r in mine}
    assert {r.id for r in ended.registrations} == set(old)
    for new in ended.registrations:
        assert new.status == WAITING
        assert new.registered_at == old[new.id].registered_at
        assert new.restorations == old[new.id].restorations + 1
        assert new.last_signed_at == later
    assert {book: positions(after, book).get(card) for book in BOOKS} == before
    for prior, current in zip(hall, after):
        if prior.card != card:
            assert current == prior
