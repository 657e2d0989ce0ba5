"""The command line never prints a traceback on bad input: one sentence and a non-zero exit
(the refusals of the records layer), for numbers too large for the database and for dates
outside the calendar the hall can store."""

import pytest


@pytest.mark.parametrize("args", [
    ("call", "rank", "99999999999999999999999"),
    ("call", "cancel", "99999999999999999999999", "--reason", "x"),
    ("offer", "99999999999999999999", "101", "accepted"),
    ("call", "amend", "99999999999999999999", "--workers", "3", "--reason", "x"),
    ("referral", "99999999999999999999", "101", "cancelled"),
    ("correct", "outcome", "99999999999999999999999", "101", "--authority", "a", "--reason", "b"),
    ("report", "daybook", "--date", "9999-12-31"),
])
def test_out_of_range_numbers_and_dates_are_one_sentence(hall, args):
    hall.fails(*args)


def test_a_start_outside_the_storable_calendar_is_refused(hall):
    hall.ok("employer", "add", "Acme")
    hall.fails("call", "add", "--employer", "Acme", "--class", "JW", "--workers", "2",
               "--start", "0001-01-01 07:00", "--days", "5")
    hall.ok("call", "list")


@pytest.mark.parametrize("limit", ["0", "-5"])
def test_an_audit_log_limit_below_one_is_one_sentence(hall, limit):
    refused = hall.fails("audit", "log", "--limit", limit)
    assert refused.exit_code == 1 and refused.stdout == ""
    assert f"not {limit}" in refused.stderr and "at least 1" in refused.stderr
    assert hall.json("audit", "log", "--limit", "1") and len(hall.json("audit", "log", "--limit", "1")) == 1


def test_reading_the_log_with_a_limit_below_one_is_refused_at_any_door(hall):
    from hall import audit
    from hall.errors import HallError
    from hall.store import Store

    with Store(hall.path).read() as db:
        with pytest.raises(HallError, match="at least 1"):
            audit.entries(db, limit=0)
