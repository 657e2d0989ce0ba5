"""What the app shows before a dispatcher confirms comes from the same checks the operation makes:
an outcome is refused while someone else is calling; a job end says what the rules will record
and is recorded with how the news came in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hall import audit
from hall.errors import HallError
from hall.operations import calls, employers, jobs, members, offers, registrations
from hall.store import Store
from hall.views.members import preview_job_end
from tests.conftest import ADMIN, DWAYNE, MARIA, add_account, new_hall

START = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)  # Mon 2 Nov 2026 08:00 in Chicago


class Clock:
    def __init__(self, moment: datetime):
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture
def hall(tmp_path):
    clock = Clock(START)
    path = tmp_path / "hall.db"
    new_hall(path, '[hall]\nname = "Local 1"\ntimezone = "America/Chicago"\n', at=clock(), admin="admin")
    store = Store(path, clock=clock)
    add_account(store, "maria", by=ADMIN)
    add_account(store, "dwayne", by=ADMIN)
    for card in ("101", "102"):
        members.add_member(store, card, f"Member {card}", actor=MARIA, classes=["JW"])
        registrations.sign(store, card, "JW-1", actor=MARIA)
        clock.moment += timedelta(minutes=1)
    employers.add_employer(store, "Acme Electric", actor=MARIA)
    return store, clock


def test_an_outcome_preview_is_refused_while_someone_else_is_calling(hall):
    store, clock = hall
    call_id = calls.take_call(store, employer="Acme Electric", classification="JW", workers=1,
                              start="2026-11-03 07:00", days=30, actor=MARIA).id
    offers.mark_calling(store, call_id, "101", actor=DWAYNE)
    with pytest.raises(HallError, match="dwayne is calling card 101"):
        offers.preview_offer(store, call_id, "101", "declined", actor=MARIA)
    assert "turndown" in offers.preview_offer(store, call_id, "101", "declined", actor=DWAYNE)
    assert offers.preview_offer(store, call_id, "101", "declined")  # no actor: the sentence alone
    clock.moment += timedelta(minutes=11)  # the calling mark has run out
    assert offers.preview_offer(store, call_id, "101", "declined", actor=MARIA)


def test_a_job_end_preview_says_what_the_rules_will_record_and_writes_nothing(hall):
    store, clock = hall
    call_id = calls.take_call(store, employer="Acme Electric", classification="JW", workers=1,
                              start="2026-11-03 07:00", days=3, actor=MARIA).id
    offers.record_offer(store, call_id, "101", "accepted", actor=MARIA)
    clock.moment = datetime(2026, 11, 5, 23, 0, tzinfo=UTC)  # Thu 5 Nov 17:00
    with store.read() as db:
        head = audit.head(db)
    preview = preview_job_end(store, "101", "laid_off", at="2026-11-05 16:30")
    assert preview.call == call_id and preview.short and preview.counted and preview.days_worked == 3
    assert preview.effect == ("Member 101 laid off after 3 days: back on the books at the original place "
                              "(restoration 1 of 2).")
    with store.read() as db:
        assert audit.head(db) == head
    with pytest.raises(HallError, match="cannot be recorded for a time still to come"):
        preview_job_end(store, "101", "laid_off", at="2026-11-06 08:00")
    receipt = jobs.end_job(store, "101", "laid_off", at="2026-11-05 16:30", via="phone", actor=MARIA)
    assert receipt.message == preview.effect
    with store.read() as db:
        entry = audit.entries(db, action="job.ended")[0]
    assert entry["data"]["via"] == "phone" and entry["data"]["days_worked"] == 3


def test_a_job_end_with_an_unknown_channel_is_refused_and_writes_nothing(hall):
    store, _ = hall
    with store.read() as db:
        head = audit.head(db)
    with pytest.raises(HallError, match="is not a way to sign"):
        jobs.end_job(store, "101", "laid_off", via="pigeon", actor=MARIA)
    with store.read() as db:
        assert audit.head(db) == head
