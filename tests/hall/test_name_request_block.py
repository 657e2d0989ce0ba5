"""Name requests: "A member who quit or was discharged from an employer cannot be name-requested
by it for name_requests.block_days (default 14)", refused when the call is taken with a sentence.
The engine blocks through the local date left + block_days ("until DATE includes that date");
the records layer must hand it every separation that can still block, whatever the hour."""

import pytest

from hall.errors import HallError
from hall.operations.calls import take_call
from hall.operations.employers import add_employer
from hall.operations.jobs import end_job
from hall.operations.members import add_member
from hall.operations.offers import record_offer
from hall.operations.registrations import sign
from tests.conftest import ACTOR


@pytest.fixture
def quitter(store, clock):
    clock.set("2026-11-02 08:00")
    add_member(store, "101", "Ada Archer", actor=ACTOR, classes=["JW"])
    add_member(store, "102", "Ben Baker", actor=ACTOR, classes=["JW"])
    add_employer(store, "Acme", actor=ACTOR)
    sign(store, "101", "JW-1", actor=ACTOR)
    take_call(store, employer="Acme", classification="JW", workers=1, start="2026-11-02 09:00",
              days=30, actor=ACTOR)
    record_offer(store, 1, "101", "accepted", actor=ACTOR)
    clock.set("2026-11-02 15:00")
    end_job(store, "101", "quit", actor=ACTOR)
    sign(store, "101", "JW-1", actor=ACTOR)
    sign(store, "102", "JW-1", actor=ACTOR)
    return store


def test_blocked_through_the_last_day_whatever_the_hour(quitter, clock):
    clock.set("2026-11-16 16:00")  # Nov 2 + 14 days, later in the day than the quit
    with pytest.raises(HallError, match="quit Acme on Mon 2 Nov: no name request by it until Mon 16 Nov"):
        take_call(quitter, employer="Acme", classification="JW", workers=2, start="2026-11-18 07:00",
                  days=30, actor=ACTOR, requests=[("101", "knows the site")])


def test_not_blocked_the_day_after(quitter, clock, hall):
    clock.set("2026-11-17 08:00")
    receipt = take_call(quitter, employer="Acme", classification="JW", workers=2, start="2026-11-18 07:00",
                        days=30, actor=ACTOR, requests=[("101", "knows the site")])
    first = hall.json("call", "rank", receipt.id, at="2026-11-17 08:00")["candidates"][0]
    assert (first["card"], first["name_request"], first["eligible"]) == ("101", True, True)
