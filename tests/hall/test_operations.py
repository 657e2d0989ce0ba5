"""Operations against a real file with a settable clock: each one transaction, audited, or nothing."""

from __future__ import annotations

import pytest

from hall import audit, load
from hall.queries.books import book_list
from hall.db import connect
from hall.errors import HallError, NotFound
from hall.identity import STAFF, Actor, allowed
from hall.operations.calls import cancel_call, take_call
from hall.operations.employers import add_employer, bar_member
from hall.operations.jobs import end_job
from hall.operations.members import add_member, declare_unavailable, import_members, set_certification
from hall.operations.offers import preview_offer, record_offer
from hall.operations.registrations import resign, sign, sweep_lapsed
from hall.operations.rules import set_rules
from tests.hall.conftest import RULES_TEXT, dump, local
from tests.conftest import ACTOR


@pytest.fixture
def crew(store, clock):
    clock.set("2026-11-02 09:00")
    for card, name in (("101", "Ada Archer"), ("102", "Ben Baker"), ("103", "Cy Cole")):
        add_member(store, card, name, actor=ACTOR, classes=["JW"], certs=["OSHA-30"] if card != "103" else [])
    add_employer(store, "Acme", actor=ACTOR)
    for i, card in enumerate(("101", "102", "103")):
        clock.set(f"2026-11-02 10:0{i}")
        sign(store, card, "JW-1", actor=ACTOR)
    clock.set("2026-11-09 08:00")
    return store


def positions(store, book="JW-1"):
    with store.read() as db:
        _, rules = store.rules(db)
        return [(r.position, r.card) for r in book_list(db, book, rules, store.now())]


def test_refused_operation_writes_nothing(crew):
    before = dump(crew.path)
    for op in (
        lambda: sign(crew, "999", "JW-1", actor=ACTOR),
        lambda: sign(crew, "101", "JW-1", actor=ACTOR),
        lambda: take_call(crew, employer="Nobody", classification="JW", workers=1, start="2026-11-10 07:00",
                          days=5, actor=ACTOR),
        lambda: record_offer(crew, 1, "101", "accepted", actor=ACTOR),
        lambda: end_job(crew, "101", "quit", actor=ACTOR),
        lambda: set_certification(crew, "101", "CPR", actor=ACTOR, remove=True),
        lambda: declare_unavailable(crew, "101", "2026-11-01", "past", actor=ACTOR),
        lambda: bar_member(crew, "Acme", "101", "2030-01-01", "too long", actor=ACTOR),
        lambda: sign(crew, "101", "JW-2", actor=Actor.staff("nobody")),  # no such account: nothing recorded
    ):
        with pytest.raises(HallError):
            op()
        assert dump(crew.path) == before


def test_exception_inside_a_write_rolls_back(crew):
    @allowed(STAFF, doing="add a ghost")
    def add_ghost(store):
        with store.write(ACTOR) as tx:
            tx.db["employers"].insert({"name": "Ghost", "created_at": "x"})
            tx.record("employer.added", "employer:9", {"name": "Ghost"})
            raise RuntimeError("boom")

    before = dump(crew.path)
    with pytest.raises(RuntimeError):
        add_ghost(crew)
    assert dump(crew.path) == before


def test_offer_flow_and_fill(crew):
    call = take_call(crew, employer="acme", classification="jw", workers=1, start="2026-11-10 07:00",
                     days=30, actor=ACTOR, certs=["OSHA-30"])
    assert "refused" not in preview_offer(crew, call.id, "101", "declined")
    with pytest.raises(HallError, match="Ada"):
        record_offer(crew, call.id, "102", "accepted", actor=ACTOR)
    record_offer(crew, call.id, "101", "no_answer", actor=ACTOR)  # not a turndown by default
    with crew.read() as db:
        assert load.registrations_of(db, "101")[0].turndowns == 0
    with pytest.raises(HallError, match="passed over"):
        record_offer(crew, call.id, "103", "accepted", actor=ACTOR)
    receipt = record_offer(crew, call.id, "102", "accepted", actor=ACTOR)
    assert "filled" in receipt.message
    assert positions(crew) == [(1, "101"), (2, "103")]
    with pytest.raises(HallError, match="filled"):
        record_offer(crew, call.id, "101", "accepted", actor=ACTOR)
    # cancelling a filled call gives Ben his place back
    cancel_call(crew, call.id, "owner postponed", actor=ACTOR)
    assert positions(crew) == [(1, "101"), (2, "102"), (3, "103")]


def test_employer_rejected_keeps_the_place_and_no_turndown(crew):
    call = take_call(crew, employer="Acme", classification="JW", workers=1, start="2026-11-10 07:00",
                     days=30, actor=ACTOR)
    record_offer(crew, call.id, "101", "employer_rejected", actor=ACTOR, note="foreman J. Ruiz")
    with crew.read() as db:
        assert load.registrations_of(db, "101")[0].turndowns == 0
        entry = audit.entries(db, action="offer.recorded")[0]
    assert entry["data"]["note"] == "foreman J. Ruiz" and entry["data"]["turndown_counted"] is False
    assert positions(crew)[0] == (1, "101")


def test_resign_keeps_place_and_moves_due(crew, clock):
    clock.set("2026-11-20 09:00")
    resign(crew, "103", actor=ACTOR)
    with crew.read() as db:
        reg = load.registrations_of(db, "103")[0]
    assert reg.registered_at == local("2026-11-02 10:02")
    assert reg.last_signed_at == local("2026-11-20 09:00")
    assert positions(crew)[2] == (3, "103")


def test_sweep_dates_removals_at_the_deadline_and_writes_only_when_needed(crew, clock):
    clock.set("2026-12-02 17:00")  # signed Nov 2 + 30 = Wed Dec 2
    with crew.read() as db:
        _, rules = crew.rules(db)
        assert book_list(db, "JW-1", rules, crew.now()) == []
    db = connect(crew.path)
    try:
        head = audit.head(db)
        clock.set("2026-12-10 12:00")
        assert sweep_lapsed(crew, db) == 3
        assert sweep_lapsed(crew, db) == 0
        assert audit.head(db)[0] == head[0] + 3
        rows = db.execute("SELECT status, removed_reason, removed_at FROM registrations").fetchall()
        assert {r[2] for r in rows} == {"2026-12-02T23:00:00Z"} and {r[0] for r in rows} == {"removed"}
        hist = db.execute("SELECT at, status FROM registration_history WHERE status = 'removed'").fetchall()
        assert {h[0] for h in hist} == {"2026-12-02T23:00:00Z"}
    finally:
        db.close()


def test_failed_write_does_not_record_pending_removals(crew, clock):
    clock.set("2026-12-03 09:00")
    before = dump(crew.path)
    with pytest.raises(NotFound):
        sign(crew, "999", "JW-1", actor=ACTOR)
    assert dump(crew.path) == before
    add_employer(crew, "Bolt", actor=ACTOR)
    with crew.read() as db:
        actions = [e["action"] for e in audit.entries(db, newest_first=False)][-4:]
    assert actions == ["registration.lapsed"] * 3 + ["employer.added"]


def test_import_all_or_nothing(crew, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("\ufeffcard,name,phone,classes,certs\n201,Gail Good,555-0111,JW;AP,OSHA-30:2027-01-31\n",
                    encoding="utf-8")
    import_members(crew, good, actor=ACTOR)
    bad = tmp_path / "bad.csv"
    bad.write_text("card,name,classes\n202,Ok Otto,JW\n201,Dup Gail,JW\n202,Again Otto,JW\n", encoding="utf-8")
    before = dump(crew.path)
    with pytest.raises(HallError) as error:
        import_members(crew, bad, actor=ACTOR)
    message = str(error.value)
    assert "line 3, column card: card 201 already exists" in message
    assert "line 4, column card: card 202 is also on line 2" in message
    assert dump(crew.path) == before


def test_rule_change_needs_notice_and_takes_effect_later(crew, clock):
    text = RULES_TEXT + "\n[turndowns]\nlimit = 1\n"
    with pytest.raises(HallError, match="notice"):
        set_rules(crew, text, "2026-11-10 00:00", actor=ACTOR)
    set_rules(crew, text, "2026-11-17 00:00", actor=ACTOR)
    assert crew.rules()[1].turndowns.limit == 3
    clock.set("2026-11-17 00:00")
    assert crew.rules()[1].turndowns.limit == 1
    call = take_call(crew, employer="Acme", classification="JW", workers=1, start="2026-11-18 07:00",
                     days=30, actor=ACTOR)
    record_offer(crew, call.id, "101", "declined", actor=ACTOR)
    with crew.read() as db:
        assert load.registrations_of(db, "101")[0].removed_reason.startswith("rolled off")


def test_job_end_cannot_precede_the_start_or_be_in_the_future(crew, clock):
    call = take_call(crew, employer="Acme", classification="JW", workers=1, start="2026-11-10 07:00",
                     days=30, actor=ACTOR)
    record_offer(crew, call.id, "101", "accepted", actor=ACTOR)
    clock.set("2026-11-12 12:00")
    with pytest.raises(HallError, match="cannot end before"):
        end_job(crew, "101", "quit", actor=ACTOR, at="2026-11-09 12:00")
    with pytest.raises(HallError, match="still to come"):
        end_job(crew, "101", "quit", actor=ACTOR, at="2026-11-13 12:00")
    receipt = end_job(crew, "101", "quit", actor=ACTOR)
    with crew.read() as db:
        row = db.execute("SELECT days_worked, hours FROM job_ends").fetchone()
    assert row == (3, 24.0) and receipt.seq > 0


def test_a_re_sign_keeps_the_turndowns(crew, clock):
    """Turndowns restart only when the member is referred or signs again, not at a re-sign."""
    call = take_call(crew, employer="Acme", classification="JW", workers=1, start="2026-11-16 07:00",
                     days=30, actor=ACTOR).id
    record_offer(crew, call, "101", "declined", actor=ACTOR)
    clock.set("2026-11-09 09:00")
    resign(crew, "101", actor=ACTOR)
    with crew.read() as db:
        assert [r.turndowns for r in load.registrations_of(db, "101")] == [1]
