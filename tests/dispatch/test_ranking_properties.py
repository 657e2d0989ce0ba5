"""Properties of the ranking: total, deterministic, list order, limit = prefix."""

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dispatch.model import DISPATCHED, ON_SHORT_CALL, REMOVED, WAITING, ShortCallHold, Unavailability
from dispatch.ranking import book_order, list_key, rank
from tests.dispatch.helpers import call, context, local, member, named, reg, rules

CARDS = ["1", "2", "3", "9", "10", "010", "11", "A3", "A10", "B", "12", "40"]
BOOKS = ["JW-1", "JW-2", "JW-3", "AP-1"]
TIMES = [local(2026, 11, 1, 8) + timedelta(minutes=m) for m in (0, 0, 1, 30, 600, 2000)]
NOW = local(2026, 11, 20, 10)


@st.composite
def halls(draw):
    policy = draw(st.sampled_from(["registration", "low_hours"]))
    pairs = draw(
        st.lists(st.tuples(st.sampled_from(CARDS), st.sampled_from(BOOKS)), unique=True, max_size=30)
    )
    regs = []
    for index, (card, book) in enumerate(pairs):
        status = draw(st.sampled_from([WAITING, WAITING, WAITING, ON_SHORT_CALL, DISPATCHED, REMOVED]))
        signed_days_ago = draw(st.sampled_from([1, 5, 25, 45]))  # 25+: some overdue, 45: lapsed
        regs.append(
            reg(
                card,
                book,
                draw(st.sampled_from(TIMES)),
                signed=NOW - timedelta(days=signed_days_ago),
                status=status,
                id=index + 1,
                hours=draw(st.sampled_from([0, 8, 8, 40])),
                hold=ShortCallHold("Bolt Co") if status == ON_SHORT_CALL else None,
            )
        )
    members = [
        member(card, f"M {card}", certs=draw(st.sampled_from([("OSHA-30",), ()])))
        for card in CARDS
    ]
    unavailable = tuple(
        Unavailability(card, date(2026, 12, 1)) for card in draw(st.lists(st.sampled_from(CARDS), max_size=3))
    )
    outcome_cards = draw(st.lists(st.sampled_from(CARDS), max_size=3, unique=True))
    outcomes = {card: draw(st.sampled_from(["declined", "accepted", "no_answer"])) for card in outcome_cards}
    requests = tuple(named(card) for card in draw(st.lists(st.sampled_from(CARDS), max_size=3, unique=True)))
    the_rules = rules(ordering={"policy": policy}, resign={"grace_days": 10})
    ctx = context(members, now=NOW, rules=the_rules, unavailable=unavailable, outcomes=outcomes)
    the_call = call(workers=draw(st.integers(1, 6)), certs=("OSHA-30",), requests=requests)
    return the_call, regs, ctx


SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def list_part(ranking):
    return [c for c in ranking.candidates if not c.name_request]


def key_of(candidate, regs, ctx):
    registration = next(r for r in regs if r.id == candidate.registration_id)
    return (*list_key(registration, ctx.rules.book(candidate.book_id), ctx.rules), registration.id)


@SETTINGS
@given(halls(), st.randoms(use_true_random=False))
def test_ranking_is_deterministic_and_total(hall, rnd):
    the_call, regs, ctx = hall
    ranking = rank(the_call, regs, ctx)
    shuffled = list(regs)
    rnd.shuffle(shuffled)
    assert rank(the_call, shuffled, ctx) == ranking
    cards = [c.card for c in ranking.candidates]
    assert len(cards) == len(set(cards))  # each member once: no two candidates share a place
    places = [(c.book_id, c.position) for c in ranking.candidates if c.position is not None]
    assert len(places) == len(set(places))


@SETTINGS
@given(halls())
def test_list_part_is_in_policy_order(hall):
    the_call, regs, ctx = hall
    part = list_part(rank(the_call, regs, ctx))
    keys = [key_of(c, regs, ctx) for c in part]
    assert keys == sorted(keys)


@SETTINGS
@given(halls())
def test_dropping_ineligible_candidates_leaves_the_eligible_in_list_order(hall):
    the_call, regs, ctx = hall
    ranking = rank(the_call, regs, ctx)
    eligible = [c for c in list_part(ranking) if c.eligible]
    keys = [key_of(c, regs, ctx) for c in eligible]
    assert keys == sorted(keys)
    # Within a book, waiting candidates' positions strictly increase in list order.
    for book in BOOKS:
        numbers = [c.position for c in list_part(ranking) if c.book_id == book and c.position is not None]
        assert numbers == sorted(set(numbers))


@SETTINGS
@given(halls())
def test_positions_are_the_books_order(hall):
    the_call, regs, ctx = hall
    for candidate in rank(the_call, regs, ctx).candidates:
        if candidate.position is None:
            assert candidate.status != WAITING
            continue
        book = ctx.rules.book(candidate.book_id)
        in_order = book_order(regs, ctx.rules, book, now=ctx.now)
        assert in_order[candidate.position - 1].id == candidate.registration_id


@SETTINGS
@given(halls(), st.integers(0, 15))
def test_rank_with_limit_is_the_prefix_of_rank_without(hall, limit):
    the_call, regs, ctx = hall
    full = rank(the_call, regs, ctx)
    part = rank(the_call, regs, ctx, limit=limit)
    assert part.candidates == full.candidates[:limit]
    assert part.truncated == (limit < len(full.candidates))
    assert part.unhonoured_requests == full.unhonoured_requests
