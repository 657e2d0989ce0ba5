"""(v2) Apprentices: the ratio check, assignments by the committee, hours by category and
employers in order."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from dispatch.apprentices import assign_refusal, category_progress, employer_stints, ratio_refusal
from dispatch.model import ACCEPTED, HOURS_PENALTY, Book, HoursRecord
from dispatch.ranking import rank
from dispatch.rules import ApprenticeCategory, ApprenticeRules
from tests.dispatch.helpers import call, context, local, member, reg, rules

JATC = rules(
    books=[Book("JW-1", "Inside Wireman I", "JW", 1), Book("AP-1", "Apprentice", "AP", 1, order="jatc"),
           Book("AP-2", "Apprentice (list)", "AP", 2)],
    apprentices={"journeymen_per_apprentice": 3},
)


@pytest.mark.parametrize(
    "journeymen, sentence",
    [
        (0, "Acme Electric has no journeymen working through the hall: an apprentice needs 3 journeymen "
            "(one apprentice for every 3, apprentices.journeymen_per_apprentice)."),
        (2, "Acme Electric has 2 journeymen working through the hall: an apprentice needs 3 journeymen "
            "(one apprentice for every 3, apprentices.journeymen_per_apprentice)."),
        (3, None),
    ],
)
def test_the_ratio_at_0_2_and_3_journeymen(journeymen, sentence):
    assert ratio_refusal("Acme Electric", journeymen, 0, JATC) == sentence


def test_the_ratio_counts_apprentices_already_working_and_is_off_at_zero():
    assert ratio_refusal("Acme Electric", 5, 1, JATC) == (
        "Acme Electric has 5 journeymen and 1 apprentice working through the hall: a second apprentice needs "
        "6 journeymen (one apprentice for every 3, apprentices.journeymen_per_apprentice).")
    assert ratio_refusal("Acme Electric", 6, 1, JATC) is None
    assert ratio_refusal("Acme Electric", 1, 0, JATC).startswith("Acme Electric has 1 journeyman working")
    assert ratio_refusal("Acme Electric", 0, 5, rules()) is None
    two = replace(JATC, apprentices=ApprenticeRules(journeymen_per_apprentice=2))
    assert [ratio_refusal("Acme", j, 0, two) is None for j in (0, 2, 3)] == [False, True, True]


def apprentice_call():
    members = [member("301", "Ana Ruiz", classifications=("AP",)), member("302", "Bo Kim", classifications=("AP",), certs=()),
               member("303", "Cal Dee", classifications=("AP",))]
    regs = [reg("301", "AP-1", local(2026, 11, 1, 8)), reg("302", "AP-1", local(2026, 11, 2, 8)),
            reg("303", "AP-2", local(2026, 11, 3, 8))]
    the_call = call(id=40, classification="AP", workers=1, certs=("OSHA-30",))
    return the_call, regs, members


def test_assignment_refusals():
    the_call, regs, members = apprentice_call()
    ranking = rank(the_call, regs, context(members, rules=JATC))

    def refusal(card, reason="rotation for breadth", journeymen=3, apprentices=0):
        return assign_refusal(ranking, card, reason, employer="Acme Electric", journeymen=journeymen,
                              apprentices=apprentices, rules=JATC)

    assert refusal("301") is None
    assert refusal("301", reason=" ") == "an apprentice assignment needs a reason: none was given for 301."
    assert refusal("999") == "999 is not waiting on an apprentice book for call #40."
    assert refusal("302") == "Bo Kim (302) is passed over: does not hold OSHA-30."
    assert refusal("303") == ("AP-2 is referred down the list, not assigned by the committee: "
                              "offer call #40 to Cal Dee (303) in order instead.")
    assert refusal("301", journeymen=2).startswith("Acme Electric has 2 journeymen working through the hall")
    assigned = rank(the_call, regs, context(members, rules=JATC, outcomes={"301": ACCEPTED}))
    assert assign_refusal(assigned, "301", "x", employer="Acme Electric", journeymen=9, apprentices=0,
                          rules=JATC) == "Ana Ruiz (301) already has an outcome on call #40 (accepted)."


def hours(day: int, amount: float, employer: str, category: str, kind: str = "worked") -> HoursRecord:
    return HoursRecord("301", date(2026, 11, day), amount, employer, category, kind)


def test_hours_by_category_against_the_totals():
    with_categories = replace(JATC, apprentices=ApprenticeRules(3, (
        ApprenticeCategory("Commercial", 4000), ApprenticeCategory("Residential", 800))))
    records = [hours(2, 8, "Acme", "commercial"), hours(3, 8, "Acme", "Commercial"), hours(4, 800, "Bolt", "Residential"),
               hours(5, 10, "Bolt", "Residential", HOURS_PENALTY), hours(6, 4, "Bolt", "Teledata"),
               hours(7, 6, "Bolt", "")]
    rows = category_progress(records, with_categories)
    assert [(r.name, r.required, r.worked) for r in rows] == [
        ("Commercial", 4000, 16.0), ("Residential", 800, 800.0), ("Teledata", None, 4.0), ("uncategorised", None, 6.0)]
    assert rows[0].fraction == pytest.approx(0.004) and not rows[0].complete
    assert rows[1].fraction == 1.0 and rows[1].complete
    assert rows[2].fraction == 0.0


def test_employers_in_order_with_days_at_each():
    records = [hours(2, 8, "Acme", "C"), hours(3, 8, "Acme", "C"), hours(3, 2, "Acme", "R"), hours(9, 8, "Bolt", "R"),
               hours(12, 8, "Acme", "C"), hours(13, 8, "", "C")]
    assert [(s.employer, s.first.day, s.last.day, s.days) for s in employer_stints(records)] == [
        ("Acme", 2, 3, 2), ("Bolt", 9, 9, 1), ("Acme", 12, 12, 1)]
