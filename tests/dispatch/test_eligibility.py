from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch import calendar, eligibility
from dispatch.eligibility import (
    call_facts,
    check_cert_expired,
    check_employer_bar,
    check_missing_cert,
    check_on_short_call,
    check_resign_overdue,
    check_suspended,
    check_unavailable,
    is_lapsed,
    reasons_for,
)
from dispatch.model import ON_SHORT_CALL, WAITING, Book, EmployerBar, ShortCallHold, Unavailability
from dispatch.reasons import REASON_CODES
from tests.dispatch.helpers import RULES, call, cert, context, local, member, reg, rules

JW1 = RULES.book("JW-1")
TRAVEL = Book("JW-2", "Travelers", "JW", 2, requires=("Travel letter",))


def checked(check, r, m, book, the_call, ctx):
    """Run one check (or ``reasons_for``) as the ranking does: with the call's facts computed once."""
    return check(r, m, book, the_call, ctx, call_facts(the_call, ctx))


def codes(found):
    return [r.code for r in found]


def test_a_member_with_nothing_against_them_is_eligible():
    m = member("101")
    assert checked(reasons_for, reg("101"), m, JW1, call(certs=("OSHA-30",)), context([m])) == ()


def test_checks_are_in_table_order():
    names = [check.__name__.removeprefix("check_") for check in eligibility.CHECKS]
    assert tuple(names) == REASON_CODES


# --- resign_overdue -------------------------------------------------------------

GRACE = rules(resign={"grace_days": 3})


@pytest.mark.parametrize(
    "now, overdue",
    [
        (local(2026, 12, 1, 16, 59, 59), False),  # due Dec 1: passed over from closing time
        (local(2026, 12, 1, 17, 0, 0), True),
        (local(2026, 12, 4, 16, 59, 59), True),  # grace 3 days: removed at closing Dec 4
    ],
)
def test_resign_overdue_from_closing_time_on_the_due_date(now, overdue):
    m = member("101")
    r = reg("101", signed=local(2026, 11, 1, 8))
    ctx = context([m], now=now, rules=GRACE)
    the_call = call(start=local(2026, 12, 7, 7))
    expected = ["resign_overdue"] if overdue else []
    assert codes(checked(reasons_for, r, m, JW1, the_call, ctx)) == expected
    found = checked(check_resign_overdue, r, m, JW1, the_call, ctx)
    assert (found is not None) == overdue
    if overdue:
        assert found.text == "re-sign was due 2026-12-01"


def test_lapsed_at_closing_after_the_grace_days_exactly():
    r = reg("101", signed=local(2026, 11, 1, 8))
    before = context([], now=local(2026, 12, 4, 16, 59, 59), rules=GRACE)
    at = context([], now=local(2026, 12, 4, 17), rules=GRACE)
    assert not is_lapsed(r, before, call_facts(call(), before))
    assert is_lapsed(r, at, call_facts(call(), at))


def test_resign_overdue_only_for_waiting_registrations():
    m = member("101")
    r = reg("101", signed=local(2026, 10, 1, 8), status=ON_SHORT_CALL, hold=ShortCallHold("Bolt Co"))
    ctx = context([m], now=local(2026, 11, 20, 10))
    assert checked(check_resign_overdue, r, m, JW1, call(), ctx) is None


# --- missing_cert / cert_expired ---------------------------------------------------


def test_missing_cert_for_call_and_book_requirements():
    m = member("201", certs=())
    found = checked(check_missing_cert, reg("201", "JW-2"), m, TRAVEL, call(certs=("OSHA-30",)), context([m]))
    assert [r.text for r in found] == ["does not hold OSHA-30", "does not hold Travel letter"]


def test_cert_names_compare_case_insensitively_and_once():
    m = member("201", certs=("osha-30",))
    the_call = call(certs=("OSHA-30", "travel letter"))
    found = checked(check_missing_cert, reg("201", "JW-2"), m, TRAVEL, the_call, context([m]))
    assert [r.text for r in found] == ["does not hold travel letter"]


@pytest.mark.parametrize(
    "expires, expired",
    [
        (date(2026, 11, 22), True),  # the day before the call's start date
        (date(2026, 11, 23), False),  # on the start date: still held that day
        (None, False),
    ],
)
def test_cert_expired_before_the_call_start_date(expires, expired):
    m = member("101", certs=(cert("Confined Space", expires),))
    the_call = call(certs=("Confined Space",), start=local(2026, 11, 23, 7))
    found = checked(reasons_for, reg("101"), m, JW1, the_call, context([m]))
    if expired:
        assert [r.text for r in found] == ["Confined Space expired 2026-11-22"]
    else:
        assert found == ()


def test_cert_expiry_uses_the_halls_local_date_of_the_start():
    # 23:00 Chicago on Nov 22 is already Nov 23 in UTC: the local date decides.
    m = member("101", certs=(cert("OSHA-30", date(2026, 11, 22)),))
    the_call = call(certs=("OSHA-30",), start=local(2026, 11, 22, 23))
    assert checked(check_cert_expired, reg("101"), m, JW1, the_call, context([m])) == ()


# --- unavailable -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "start, until, passed_over",
    [
        (None, date(2026, 11, 23), True),  # "until DATE" includes that date
        (None, date(2026, 11, 22), False),
        (date(2026, 11, 23), date(2026, 12, 3), True),
        (date(2026, 11, 24), date(2026, 12, 3), False),  # not yet unavailable on the start date
    ],
)
def test_unavailable_on_the_call_start_date(start, until, passed_over):
    m = member("101")
    ctx = context([m], unavailable=(Unavailability("101", until, start),))
    found = checked(check_unavailable, reg("101"), m, JW1, call(), ctx)
    if passed_over:
        assert found.text == f"unavailable until {until.isoformat()}"
    else:
        assert found is None


def test_unavailable_names_the_latest_until_of_the_declarations_in_force():
    m = member("101")
    ctx = context(
        [m],
        unavailable=(Unavailability("101", date(2026, 11, 30)), Unavailability("101", date(2026, 12, 3))),
    )
    assert checked(check_unavailable, reg("101"), m, JW1, call(), ctx).param("until") == "2026-12-03"


# --- employer_bar ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "employer, until, barred",
    [
        ("ACME ELECTRIC", date(2026, 11, 23), True),  # case-insensitive; until inclusive
        ("Acme Electric", date(2026, 11, 22), False),
        ("Bolt Co", date(2027, 3, 1), False),
    ],
)
def test_employer_bar_in_force_on_the_start_date(employer, until, barred):
    m = member("101")
    ctx = context([m], bars=(EmployerBar("101", employer, until, "walked off"),))
    found = checked(check_employer_bar, reg("101"), m, JW1, call(employer="Acme Electric"), ctx)
    if barred:
        assert found.text == f"no referral to {employer} until {until.isoformat()}"
    else:
        assert found is None


# --- suspended -------------------------------------------------------------------------


def test_suspended_with_and_without_a_note():
    noted = member("101", standing="suspended", note="2 discharges in 12 months")
    bare = member("102", standing="suspended")
    ctx = context([noted, bare])
    assert checked(check_suspended, reg("101"), noted, JW1, call(), ctx).text == "referral suspended: 2 discharges in 12 months"
    assert checked(check_suspended, reg("102"), bare, JW1, call(), ctx).text == "referral suspended"
    assert checked(check_suspended, reg("101"), member("101"), JW1, call(), ctx) is None


# --- on_short_call -------------------------------------------------------------------


def short_call_reg(call_id=7):
    return reg("101", status=ON_SHORT_CALL, hold=ShortCallHold("Bolt Co", date(2026, 11, 24), call_id))


def test_on_short_call_passes_over():
    m = member("101")
    found = checked(check_on_short_call, short_call_reg(), m, JW1, call(duration=30), context([m]))
    assert found.text == "working a short call for Bolt Co until 2026-11-24"


def test_offer_regular_calls_lets_a_member_on_a_short_call_take_a_regular_one():
    m = member("101")
    ctx = context([m], rules=rules(short_calls={"offer_regular_calls": True}))
    assert checked(check_on_short_call, short_call_reg(), m, JW1, call(duration=30), ctx) is None
    # ...but not another short call (10 working days or fewer)
    assert checked(check_on_short_call, short_call_reg(), m, JW1, call(duration=10), ctx) is not None


def test_the_short_call_being_worked_is_this_call_itself():
    m = member("101")
    assert checked(check_on_short_call, short_call_reg(call_id=1), m, JW1, call(id=1), context([m])) is None


def test_waiting_registration_is_not_on_a_short_call():
    m = member("101")
    assert checked(check_on_short_call, reg("101"), m, JW1, call(), context([m])) is None


# --- all together --------------------------------------------------------------------


def test_every_failing_reason_is_reported_in_table_order():
    m = member(
        "101",
        certs=(cert("Confined Space", date(2026, 10, 1)),),
        standing="suspended",
        note="2 discharges in 12 months",
    )
    r = reg("101", signed=local(2026, 10, 1, 8))  # due Oct 31: overdue on Nov 2 with grace 3 days
    ctx = context(
        [m],
        now=local(2026, 11, 3, 10),
        rules=GRACE,
        unavailable=(Unavailability("101", date(2026, 12, 3)),),
        bars=(EmployerBar("101", "Acme Electric", date(2027, 3, 1)),),
    )
    the_call = call(certs=("OSHA-30", "Confined Space"))
    found = checked(reasons_for, r, m, JW1, the_call, ctx)
    assert [x.text for x in found] == [
        "re-sign was due 2026-10-31",
        "does not hold OSHA-30",
        "Confined Space expired 2026-10-01",
        "unavailable until 2026-12-03",
        "no referral to Acme Electric until 2027-03-01",
        "referral suspended: 2 discharges in 12 months",
    ]
    held = short_call_reg()
    assert codes(checked(reasons_for, held, m, JW1, the_call, ctx))[-1] == "on_short_call"


# --- the fast re-sign thresholds agree with the calendar, one registration at a time --------

HOLIDAYS = (date(2026, 11, 26), date(2026, 12, 25), date(2027, 1, 1))
moments = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)).map(
    lambda d: local(d.year, d.month, d.day, d.hour, d.minute)
)


@settings(max_examples=150, deadline=None)
@given(
    signed=moments,
    later=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=90)),
    mode=st.sampled_from(["rolling", "window"]),
    days=st.integers(1, 45),
    grace=st.integers(0, 5),
)
def test_fast_thresholds_match_the_calendar(signed, later, mode, days, grace):
    the_rules = rules(
        resign={"mode": mode, "days": days, "grace_days": grace},
        hall={"holidays": HOLIDAYS},
    )
    m = member("101")
    r = reg("101", signed=signed)
    ctx = context([m], now=signed + later, rules=the_rules)
    the_call = call()
    facts = call_facts(the_call, ctx)
    assert (check_resign_overdue(r, m, JW1, the_call, ctx, facts) is not None) == (
        ctx.now >= calendar.overdue_from(r, the_rules)
    )
    assert is_lapsed(r, ctx, facts) == (calendar.removal_at(r, the_rules) <= ctx.now)
