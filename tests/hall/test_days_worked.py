"""Leaving a job: "Days worked, unless staff give them, are the business days (see the calendar
below) from the day the member reported to the reported end, both included." A member referred
to a call that started weeks earlier reported on the day of the referral, not on the call's start
date; with short_calls.by_actual a lay-off within short_calls.max_days worked is a short call."""

from hall import load
from hall.db import connect
from hall.operations.calls import take_call
from hall.operations.employers import add_employer
from hall.operations.jobs import end_job
from hall.operations.members import add_member
from hall.operations.offers import record_offer
from hall.operations.registrations import sign
from tests.conftest import ACTOR


def test_days_worked_count_from_the_referral_not_the_calls_start(store, clock):
    clock.set("2026-11-02 09:00")
    add_member(store, "101", "Ada Archer", actor=ACTOR, classes=["JW"])
    add_employer(store, "Acme", actor=ACTOR)
    sign(store, "101", "JW-1", actor=ACTOR)
    take_call(store, employer="Acme", classification="JW", workers=3, start="2026-11-03 07:00",
              days=60, actor=ACTOR)
    clock.set("2026-11-16 09:00")  # Monday: a replacement, referred two weeks into the job
    record_offer(store, 1, "101", "accepted", actor=ACTOR)
    clock.set("2026-11-18 15:00")  # laid off Wednesday: 3 days worked (16, 17, 18)
    end_job(store, "101", "laid_off", actor=ACTOR)
    with connect(store.path) as db:
        days, short = db.execute("SELECT days_worked, counted_short FROM job_ends").fetchone()
        regs = load.registrations_of(db, "101")
    assert days == 3
    assert short == 1
    assert [(r.status, r.restorations) for r in regs] == [("waiting", 1)]
