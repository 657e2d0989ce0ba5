"""(v2) The new checks: exempt (excused absences), not_signed_in (the day book), not_bid
(posted calls); the day book's sign-in days."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from dispatch.daybook import day_needed, signin_day, signin_sentence
from dispatch.eligibility import call_facts, check_exempt, check_not_bid, check_not_signed_in, reasons_for
from dispatch.model import ExcusedAbsence, Unavailability
from dispatch.ranking import next_to_offer, rank
from tests.dispatch.helpers import RULES, call, context, local, member, reg, rules

JW1 = RULES.book("JW-1")
DAYBOOK = rules(daybook={"required": True}, hall={"holidays": (date(2026, 11, 26),)})


def checked(check, r, m, the_call, ctx):
    return check(r, m, JW1, the_call, ctx, call_facts(the_call, ctx))


# --- exempt ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start, until, passed_over",
    [
        (date(2026, 11, 3), date(2026, 12, 20), True),
        (date(2026, 11, 3), date(2026, 11, 23), True),  # ends on the start date: still excused that day
        (date(2026, 11, 3), date(2026, 11, 22), False),
        (date(2026, 11, 23), date(2026, 11, 30), True),  # starts on the start date
        (date(2026, 11, 24), date(2026, 11, 30), False),
    ],
)
def test_exempt_when_an_excused_absence_covers_the_calls_start_date(start, until, passed_over):
    m = member("101")
    absence = ExcusedAbsence("101", start, until, "medical", "doctor's note of Nov 2")
    ctx = replace(context([m]), excused={"101": (absence,)})
    found = checked(check_exempt, reg("101"), m, call(start=local(2026, 11, 23, 7)), ctx)
    if passed_over:
        assert found.code == "exempt"
        assert found.text == f"excused until {until.isoformat()}"
        # The member-facing reason never says why: only the end date.
        assert dict(found.params) == {"until": until.isoformat()}
        assert "medical" not in found.text and "doctor" not in found.text
    else:
        assert found is None


def test_exempt_comes_after_on_short_call_and_with_unavailable_both_are_listed():
    m = member("101")
    ctx = replace(
        context([m], unavailable=(Unavailability("101", date(2026, 11, 30)),)),
        excused={"101": (ExcusedAbsence("101", date(2026, 11, 1), date(2026, 12, 20), "jury"),)},
    )
    found = checked(reasons_for, reg("101"), m, call(), ctx)
    assert [r.code for r in found] == ["unavailable", "exempt"]


# --- not_signed_in ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "at, day",
    [
        (local(2026, 11, 23, 7, 59, 59), date(2026, 11, 23)),  # Monday before the deadline
        (local(2026, 11, 23, 8, 0), date(2026, 11, 24)),  # at the deadline: the next business day
        (local(2026, 11, 25, 9, 0), date(2026, 11, 27)),  # Wednesday late; Thursday is a holiday
        (local(2026, 11, 21, 7, 0), date(2026, 11, 23)),  # Saturday: Monday
        (local(2026, 11, 26, 7, 0), date(2026, 11, 27)),  # the holiday itself: Friday
    ],
)
def test_a_sign_in_counts_for_the_day_or_after_the_deadline_the_next_business_day(at, day):
    assert signin_day(at, DAYBOOK) == day


def test_the_sign_in_sentence_says_when_it_counts_for_a_later_day():
    assert signin_sentence("Ada Lovelace", "101", local(2026, 11, 23, 7, 30), DAYBOOK) == (
        "Ada Lovelace (101) signed in for Mon 23 Nov.")
    assert signin_sentence("Ada Lovelace", "101", local(2026, 11, 23, 8, 15), DAYBOOK) == (
        "Ada Lovelace (101) signed in after the 08:00 deadline: it counts for Tue 24 Nov.")
    assert signin_sentence("Ada Lovelace", "101", local(2026, 11, 21, 9), DAYBOOK) == (
        "Ada Lovelace (101) signed in for the next business day, Mon 23 Nov.")


def test_the_day_needed_is_the_day_offered_in_the_halls_zone():
    # 23:30 Monday in Chicago is already Tuesday in UTC: the hall's day decides.
    assert day_needed(local(2026, 11, 23, 23, 30), DAYBOOK) == date(2026, 11, 23)
    assert day_needed(local(2026, 11, 28, 10), DAYBOOK) == date(2026, 11, 30)  # Saturday: Monday's


@pytest.mark.parametrize(
    "signed_for, now, passed_over",
    [
        (frozenset({date(2026, 11, 23)}), local(2026, 11, 23, 9), False),
        (frozenset({date(2026, 11, 20)}), local(2026, 11, 23, 9), True),  # Friday's sign-in is not Monday's
        (frozenset(), local(2026, 11, 23, 9), True),
        (frozenset({date(2026, 11, 24)}), local(2026, 11, 23, 9), True),  # signed in late: counts tomorrow
    ],
)
def test_not_signed_in_for_the_day_of_the_offer(signed_for, now, passed_over):
    m = member("101")
    ctx = replace(context([m], now=now, rules=DAYBOOK), signins={"101": signed_for})
    found = checked(check_not_signed_in, reg("101", signed=local(2026, 11, 20, 8)), m, call(start=local(2026, 11, 30, 7)), ctx)
    if passed_over:
        assert found.code == "not_signed_in" and found.text == "not signed in for Mon 23 Nov"
    else:
        assert found is None


def test_without_a_day_book_nobody_needs_to_sign_in():
    m = member("101")
    assert checked(check_not_signed_in, reg("101"), m, call(), context([m])) is None


def test_not_signed_in_is_no_turndown_and_keeps_the_place():
    members = [member("1"), member("2")]
    regs = [reg("1", at=local(2026, 11, 1, 8)), reg("2", at=local(2026, 11, 2, 8))]
    ctx = replace(context(members, now=local(2026, 11, 23, 9), rules=DAYBOOK), signins={"2": frozenset({date(2026, 11, 23)})})
    ranking = rank(call(start=local(2026, 11, 30, 7)), regs, ctx)
    assert [(c.card, c.position, c.eligible) for c in ranking.candidates] == [("1", 1, False), ("2", 2, True)]
    assert next_to_offer(ranking).card == "2"


# --- not_bid -----------------------------------------------------------------------------------


SELECTION = local(2026, 11, 24, 7)


@pytest.mark.parametrize(
    "now, bid, passed_over",
    [
        (local(2026, 11, 24, 6, 59, 59), False, True),  # before the selection, no bid
        (local(2026, 11, 24, 6, 59, 59), True, False),
        (SELECTION, False, False),  # from the selection on, unfilled openings go down the list
    ],
)
def test_not_bid_on_a_posted_call_until_its_selection(now, bid, passed_over):
    m = member("101")
    posted = replace(call(id=41), posted_for=SELECTION)
    ctx = replace(context([m], now=now), bidders=frozenset({"101"} if bid else ()))
    found = checked(check_not_bid, reg("101"), m, posted, ctx)
    if passed_over:
        assert found.code == "not_bid" and found.text == "did not bid on call #41"
    else:
        assert found is None


def test_a_call_not_posted_needs_no_bid():
    m = member("101")
    assert checked(check_not_bid, reg("101"), m, call(), context([m])) is None


def test_the_three_new_reasons_come_last_in_table_order():
    m = member("101", certs=())
    ctx = replace(
        context([m], now=local(2026, 11, 23, 9), rules=DAYBOOK),
        excused={"101": (ExcusedAbsence("101", date(2026, 11, 1), date(2026, 12, 31)),)},
    )
    posted = replace(call(id=41, certs=("OSHA-30",), start=local(2026, 11, 30, 7)), posted_for=local(2026, 11, 24, 7))
    found = checked(reasons_for, reg("101", signed=local(2026, 11, 20, 8)), m, posted, ctx)
    assert [r.code for r in found] == ["missing_cert", "exempt", "not_signed_in", "not_bid"]
