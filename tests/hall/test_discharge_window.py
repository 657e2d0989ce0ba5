"""Discipline: "After discipline.discharge_suspend_count discharges (default 2) within
discipline.discharge_window_days (default 365), the member's standing becomes suspended".
The window is between the discharges themselves, so a discharge keyed a few days after it
happened (end --at) still counts the earlier one within the window before it."""

from hall import load
from hall.db import connect
from hall.operations.calls import take_call
from hall.operations.employers import add_employer
from hall.operations.jobs import end_job
from hall.operations.members import add_member
from hall.operations.offers import record_offer
from hall.operations.registrations import sign
from hall.store import Store
from tests.conftest import ACTOR, RULES_TEXT

RULES = RULES_TEXT + "[discipline]\ndischarge_window_days = 10\n"


def test_discharges_within_the_window_of_each_other_suspend(fresh_hall, clock):
    clock.set("2026-11-02 08:00")
    store = Store(fresh_hall(RULES), clock)
    add_member(store, "101", "Ada Archer", actor=ACTOR, classes=["JW"])
    add_employer(store, "Acme", actor=ACTOR)
    sign(store, "101", "JW-1", actor=ACTOR)
    take_call(store, employer="Acme", classification="JW", workers=1, start="2026-11-02 09:00",
              days=30, actor=ACTOR)
    record_offer(store, 1, "101", "accepted", actor=ACTOR)
    clock.set("2026-11-02 12:00")
    end_job(store, "101", "discharged", actor=ACTOR)
    sign(store, "101", "JW-1", actor=ACTOR)
    take_call(store, employer="Acme", classification="JW", workers=1, start="2026-11-03 07:00",
              days=30, actor=ACTOR)
    record_offer(store, 2, "101", "accepted", actor=ACTOR)
    clock.set("2026-11-13 10:00")  # keyed two days late: the discharge was Nov 11, 9 days after the first
    end_job(store, "101", "discharged", actor=ACTOR, at="2026-11-11 12:00")
    with connect(store.path) as db:
        assert load.member(db, "101").standing == "suspended"
