"""(v2) Terms and re-sign: one book per classification, qualifications, moves, window
re-signs, quarterly windows and excused absences stopping the re-sign clock."""

from __future__ import annotations

from datetime import date

import pytest

from dispatch import calendar
from dispatch.model import DISPATCHED, ON_SHORT_CALL, REMOVED, WAITING, Book, ExcusedAbsence, Qualification
from dispatch.registration import (
    apply_move,
    double_registrations,
    move_refusal,
    qualified,
    resign_refusal,
    signing_refusal,
)
from dispatch.transitions import lapsed
from tests.dispatch.helpers import RULES, local, member, reg, rules

ADA = member("101", "Ada Lovelace")
QUALIFIED = rules(books=[
    Book("JW-1", "Inside Wireman I", "JW", 1, requires_qualification=True),
    Book("JW-2", "Inside Wireman II", "JW", 2),
    Book("RW-1", "Residential", "RW", 1),
])


def excused(start: date, until: date, kind: str = "military") -> ExcusedAbsence:
    return ExcusedAbsence("101", start, until, kind, "orders on file")


# --- one live registration per classification ------------------------------------------


@pytest.mark.parametrize("status", [WAITING, ON_SHORT_CALL, DISPATCHED])
def test_signing_a_second_book_of_a_classification_is_refused_naming_the_book_held(status):
    held = [reg("101", "JW-2", status=status)]
    refusal = signing_refusal(ADA, RULES.book("JW-1"), held, (), RULES)
    state = {WAITING: "waiting", ON_SHORT_CALL: "on a short call", DISPATCHED: "dispatched"}[status]
    assert refusal == (f"Ada Lovelace (101) already holds a place on JW-2 ({state}), one book of JW at a time: "
                       "to change books, hall member move 101 JW-1 --reason TEXT.")


def test_a_removed_registration_or_another_classification_does_not_count():
    regs = [reg("101", "JW-2", status=REMOVED), reg("101", "AP-1")]
    assert signing_refusal(ADA, RULES.book("JW-1"), regs, (), RULES) is None


def test_without_the_rule_two_books_of_a_classification_may_be_signed():
    lenient = rules(registration={"one_per_classification": False})
    assert signing_refusal(ADA, RULES.book("JW-1"), [reg("101", "JW-2")], (), lenient) is None


def test_a_book_requiring_qualification_needs_a_record():
    book = QUALIFIED.book("JW-1")
    assert signing_refusal(ADA, book, [], (), QUALIFIED) == (
        "JW-1 needs a qualification record and Ada Lovelace (101) has none: an admin records it with "
        "hall member qualify 101 JW-1 --evidence TEXT."
    )
    record = Qualification("101", "jw-1", "passed the Book I exam", local(2026, 11, 2, 9))
    assert qualified("101", book, [record])
    assert signing_refusal(ADA, book, [], [record], QUALIFIED) is None
    assert not qualified("102", book, [record])
    assert qualified("102", QUALIFIED.book("JW-2"), [])  # no record needed where none is required


# --- moving between books ----------------------------------------------------------------


def test_move_removes_the_old_registration_and_starts_the_new_one_at_the_move():
    old = reg("101", "JW-2", local(2026, 10, 1, 8), signed=local(2026, 11, 10, 8), id=7)
    now = local(2026, 11, 20, 10)
    assert move_refusal(ADA, RULES.book("JW-1"), [old], (), RULES) is None
    move = apply_move([old], RULES.book("JW-1"), RULES, now, "Ada Lovelace")
    assert move.removed.id == 7 and move.removed.status == REMOVED and move.removed.removed_reason == "moved to JW-1"
    assert move.removed.registered_at == old.registered_at
    added = move.added
    assert (added.card, added.book_id, added.status) == ("101", "JW-1", WAITING)
    assert added.registered_at == now and added.last_signed_at == now and added.id == 0
    assert move.message == "Ada Lovelace moved from JW-2 to JW-1, at the bottom from now; re-sign by Sun 20 Dec."


@pytest.mark.parametrize(
    "regs, book, sentence",
    [
        ([], "JW-1", "Ada Lovelace (101) holds no place on a JW book to move from: sign JW-1 instead."),
        ([reg("101", "JW-1")], "JW-1", "Ada Lovelace (101) is already on JW-1."),
        ([reg("101", "JW-2", status=DISPATCHED)], "JW-1",
         "Ada Lovelace (101) is dispatched from JW-2: move them once they are back on the list."),
        ([reg("101", "JW-2")], "JW-1",
         "JW-1 needs a qualification record and Ada Lovelace (101) has none: an admin records it with "
         "hall member qualify 101 JW-1 --evidence TEXT."),
    ],
)
def test_move_refusals(regs, book, sentence):
    assert move_refusal(ADA, QUALIFIED.book(book), regs, (), QUALIFIED) == sentence


@pytest.mark.parametrize("regs", [[], [reg("101", "JW-1")], [reg("101", "JW-2", status=DISPATCHED)]])
def test_apply_move_refuses_what_move_refusal_refuses(regs):
    with pytest.raises(ValueError):
        apply_move(regs, RULES.book("JW-1"), RULES, local(2026, 11, 20, 10))


def test_double_registrations_of_older_databases_are_listed():
    regs = [reg("101", "JW-1"), reg("101", "JW-2", status=ON_SHORT_CALL), reg("101", "AP-1"),
            reg("102", "JW-1"), reg("102", "JW-3", status=REMOVED)]
    assert double_registrations(regs, RULES) == [("101", "JW", ("JW-1", "JW-2"))]


# --- window re-signs -----------------------------------------------------------------------

WINDOW = rules(resign={"mode": "window"})


@pytest.mark.parametrize(
    "now, refused",
    [
        (local(2026, 12, 9, 23, 59), True),
        (local(2026, 12, 10, 0, 0), False),  # the window opens at midnight on the 10th
        (local(2026, 12, 16, 23, 59), False),
        (local(2026, 12, 17, 0, 0), True),  # and closes at midnight after the 16th
    ],
)
def test_a_window_re_sign_outside_the_window_is_refused_to_the_minute(now, refused):
    registration = reg("101", signed=local(2026, 11, 20, 9))  # due Dec 16
    found = resign_refusal(registration, ADA, WINDOW, now)
    if refused:
        assert found == "Re-signing is open from the 10th to the 16th; Ada Lovelace (101) is due by 16 Dec."
    else:
        assert found is None


def test_rolling_mode_never_refuses_a_re_sign():
    assert resign_refusal(reg("101"), ADA, RULES, local(2026, 11, 20, 10)) is None


def test_an_overdue_registration_may_re_sign_in_its_grace_days():
    grace = rules(resign={"mode": "window", "grace_days": 3})
    registration = reg("101", signed=local(2026, 11, 20, 9))  # due Wed Dec 16: overdue from closing
    assert resign_refusal(registration, ADA, grace, local(2026, 12, 17, 10)) is None
    assert resign_refusal(registration, ADA, grace, local(2026, 12, 16, 18)) is None  # after closing
    assert resign_refusal(registration, ADA, grace, local(2026, 12, 16, 16)) is None  # in the window still


QUARTERLY = rules(resign={"mode": "window", "window_months": (1, 4, 7, 10)})


@pytest.mark.parametrize(
    "signed, due",
    [
        (date(2026, 11, 20), date(2027, 1, 16)),  # the first allowed window that opens after signing
        (date(2026, 10, 9), date(2026, 10, 16)),
        (date(2026, 10, 10), date(2027, 1, 16)),  # signed as October's window opens: January's
        (date(2026, 12, 31), date(2027, 1, 16)),
        (date(2027, 7, 16), date(2027, 10, 16)),
    ],
)
def test_quarterly_window_due_dates(signed, due):
    assert calendar.resign_due(reg("101", signed=local(signed.year, signed.month, signed.day, 9)), QUARTERLY) == due


def test_a_re_sign_in_a_month_without_a_window_is_refused_naming_the_months():
    registration = reg("101", signed=local(2026, 10, 12, 9))  # due Jan 16
    assert resign_refusal(registration, ADA, QUARTERLY, local(2026, 11, 12, 10)) == (
        "Re-signing is open from the 10th to the 16th of January, April, July and October; "
        "Ada Lovelace (101) is due by 16 Jan 2027."
    )
    assert resign_refusal(registration, ADA, QUARTERLY, local(2027, 1, 12, 10)) is None
    assert calendar.in_resign_window(date(2027, 1, 12), QUARTERLY)
    assert not calendar.in_resign_window(date(2027, 2, 12), QUARTERLY)


# --- excused absences stop the re-sign clock ------------------------------------------------


def test_worked_example_signed_nov_2_excused_nov_3_to_dec_20_due_jan_19():
    registration = reg("101", signed=local(2026, 11, 2, 9))
    assert calendar.resign_due(registration, RULES) == date(2026, 12, 2)
    absence = excused(date(2026, 11, 3), date(2026, 12, 20))
    assert (absence.until - absence.start).days + 1 == 48
    assert calendar.resign_due(registration, RULES, [absence]) == date(2027, 1, 19)


@pytest.mark.parametrize(
    "start, until, due",
    [
        (date(2026, 11, 20), date(2026, 12, 2), date(2026, 12, 15)),  # ends on the due date: 13 days
        (date(2026, 12, 2), date(2026, 12, 4), date(2026, 12, 5)),  # starts on the due date: counts
        (date(2026, 12, 3), date(2026, 12, 10), date(2026, 12, 2)),  # starts after it: the clock had run out
        (date(2026, 10, 20), date(2026, 11, 2), date(2026, 12, 2)),  # ends on the signing day: none after it
        (date(2026, 10, 20), date(2026, 11, 4), date(2026, 12, 4)),  # only the days after the signing
    ],
)
def test_excused_days_after_the_signing_move_the_due_date(start, until, due):
    registration = reg("101", signed=local(2026, 11, 2, 9))
    assert calendar.resign_due(registration, RULES, [excused(start, until)]) == due


def test_overlapping_and_chained_absences_count_each_day_once():
    registration = reg("101", signed=local(2026, 11, 2, 9))  # due Dec 2
    absences = [excused(date(2026, 11, 10), date(2026, 11, 19)), excused(date(2026, 11, 15), date(2026, 11, 24)),
                excused(date(2026, 12, 14), date(2026, 12, 15), "jury")]
    # Nov 10-24 is 15 days: due Dec 17, so the jury duty of Dec 14-15 stops the clock too.
    assert calendar.resign_due(registration, RULES, absences) == date(2026, 12, 19)


def test_in_window_mode_an_absence_moves_the_due_date_to_the_window_after_it():
    registration = reg("101", signed=local(2026, 11, 20, 9))  # due Dec 16
    assert calendar.resign_due(registration, WINDOW, [excused(date(2026, 11, 25), date(2026, 12, 16))]) == date(2027, 1, 16)
    assert calendar.resign_due(registration, WINDOW, [excused(date(2026, 11, 25), date(2026, 12, 3))]) == date(2026, 12, 16)
    assert calendar.resign_due(registration, QUARTERLY, [excused(date(2027, 1, 5), date(2027, 1, 20))]) == date(2027, 4, 16)


def test_a_member_on_military_leave_is_never_dropped_while_excused():
    registration = reg("101", signed=local(2026, 11, 2, 9))
    leave = {"101": (excused(date(2026, 11, 20), date(2027, 3, 31)),)}
    on_due_date = local(2026, 12, 2, 17)
    assert lapsed([registration], RULES, on_due_date) != []  # without the excuse: dropped at closing on Dec 2
    assert lapsed([registration], RULES, on_due_date, leave) == []
    assert lapsed([registration], RULES, local(2027, 3, 31, 17), leave) == []
    # The clock stopped for the 132 days of leave: due Apr 13 2027, removed at its closing.
    assert calendar.resign_due(registration, RULES, leave["101"]) == date(2027, 4, 13)
    assert lapsed([registration], RULES, local(2027, 4, 13, 17), leave)[0].removed_reason == "failed to re-sign"
    assert calendar.resign_state(registration, RULES, local(2027, 4, 10, 9), leave["101"]) == calendar.RESIGN_DUE_SOON


def test_resign_refusal_names_the_due_date_an_absence_moved():
    registration = reg("101", signed=local(2026, 11, 20, 9))
    found = resign_refusal(registration, ADA, WINDOW, local(2026, 12, 20, 10), [excused(date(2026, 11, 25), date(2026, 12, 16))])
    assert found == "Re-signing is open from the 10th to the 16th; Ada Lovelace (101) is due by 16 Jan 2027."
