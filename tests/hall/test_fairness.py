"""The fairness report: out-of-order referrals rechecked from the audit snapshots, and
self-identification only in aggregate with small groups shown as "<5"."""

from __future__ import annotations

import json

import pytest

from hall import audit
from hall.db import connect, immediate
from hall.errors import HallError
from hall.operations import members
from hall.operations.identification import record_self_identification
from hall.reports import produce
from hall.reports.fairness import out_of_order_count
from tests.conftest import MARIA, local
from tests.hall.test_reports import build_history


@pytest.fixture
def history(tmp_path):
    return build_history(tmp_path / "hall.db")


def test_a_correct_history_has_no_out_of_order_referral(history):
    store, _, _ = history
    report = produce(store, "fairness", since="2026-11-01")
    assert out_of_order_count(report) == 0
    assert report.section("Referrals with no ranking in the audit log").rows == []
    assert "0: all 4 referrals" in report.section("Referrals out of strict order").notes[0]
    waited = report.as_dicts("Days waited before referral")
    # Ben (Nov 2 -> Nov 20: 18 days), Di (Nov 4: 16), Ada (Nov 2 -> Nov 23: 21); Ed on JW-2 (Nov 4: 16).
    assert waited == [
        {"book": "JW-1", "referrals": 3, "median days": 18, "90th percentile": 21, "longest": 21},
        {"book": "JW-2", "referrals": 1, "median days": 16, "90th percentile": 16, "longest": 16},
    ]
    assert report.charts == {"JW-1": [18, 16, 21], "JW-2": [16]}
    rates = {r["book"]: r for r in report.as_dicts("Turndowns and employer rejections")}
    assert rates["all"]["offers"] == 5 and rates["all"]["declined"] == 1
    assert rates["all"]["turndowns counted"] == 1 and rates["all"]["turndown rate"] == "20%"
    assert [c["authority"] for c in report.as_dicts("Corrections")] == ["Appeal 2026-3"]


def test_a_referral_forged_behind_the_softwares_back_is_listed_in_full(history):
    store, clock, facts = history
    # Someone writes an offer, a referral and an offer.recorded entry straight into the
    # database: Di (104) referred to call #2 while Cy (103), eligible, waited above her.
    db = connect(store.path)
    try:
        with immediate(db):
            at = local("2026-11-23 09:00")
            seq = audit.head(db)[0] + 1
            offer_id = db["offers"].insert({
                "call_id": facts["call2"], "card": "104", "registration_id": 4, "book_id": "JW-1", "position": 2,
                "outcome": "accepted", "at": audit.iso(at), "recorded_by": "mallory", "audit_seq": seq,
            }).last_pk
            db["referrals"].insert({"call_id": facts["call2"], "card": "104", "offer_id": offer_id, "employer_id": 1,
                                    "basis": "list_order", "at": audit.iso(at), "recorded_by": "mallory",
                                    "audit_seq": seq})
            audit.append(db, at=at, actor="mallory", action="offer.recorded", subject=f"call:{facts['call2']}", data={
                "call": facts["call2"], "card": "104", "outcome": "accepted", "offer": offer_id, "book": "JW-1",
                "position": 2, "named": False, "basis": "list_order",
                "snapshot": [
                    {"card": "103", "name": "Cy Cole", "book": "JW-1", "position": 1, "eligible": True,
                     "name_request": False, "reasons": [], "outcome": None},
                    {"card": "104", "name": "Di Dunn", "book": "JW-1", "position": 2, "eligible": True,
                     "name_request": False, "reasons": [], "outcome": None},
                ],
            }, ruleset=1)
            # And a referral with no audit entry at all.
            db["referrals"].insert({"call_id": facts["call2"], "card": "103", "offer_id": None, "employer_id": 1,
                                    "basis": "list_order", "at": audit.iso(at), "recorded_by": "mallory",
                                    "audit_seq": None})
    finally:
        db.close()
    assert audit.verify(connect(store.path)).ok  # the chain itself is intact: only the snapshot tells
    report = produce(store, "fairness", since="2026-11-01")
    assert out_of_order_count(report) == 1
    row = report.as_dicts("Referrals out of strict order")[0]
    assert row["receipt"] == seq and row["card"] == "104" and row["name"] == "Di Dunn"
    assert row["call"] == facts["call2"] and row["position"] == 2
    assert row["passed over without an outcome"] == "Cy Cole (103, JW-1 position 1)"
    assert "1 of 5 referrals were made out of strict order" in report.section("Referrals out of strict order").notes[0]
    assert [r["card"] for r in report.as_dicts("Referrals with no ranking in the audit log")] == ["103"]
    assert report.notes[-1] == "Referrals out of strict order: 1."


def test_self_identification_is_aggregate_only_with_small_groups_suppressed(history):
    store, clock, _ = history
    for i in range(6):
        members.add_member(store, f"30{i}", f"Apprentice {i}", actor=MARIA, classes=["AP"])
    for i in range(5):
        record_self_identification(store, f"30{i}", "female", "white", actor=MARIA)
    record_self_identification(store, "305", "Male", "Declined to say", actor=MARIA)
    record_self_identification(store, "101", "f", "Hispanic or Latino", actor=MARIA)
    with pytest.raises(HallError, match="not a race/ethnicity answer"):
        record_self_identification(store, "102", "female", "martian", actor=MARIA)
    report = produce(store, "fairness", since="2026-11-01")
    sex = {r["group"]: r for r in report.as_dicts("Self-identification: sex")}
    assert sex["Female"] == {"group": "Female", "members": 6, "referred in period": "<5"}
    assert sex["Male"]["members"] == "<5" and sex["Declined to say"]["members"] == "<5"
    assert sex["Not asked"]["members"] == "<5"  # Ben, Cy, Di, Ed
    race = {r["group"]: r["members"] for r in report.as_dicts("Self-identification: race/ethnicity")}
    assert race["White"] == 5
    assert race["Hispanic or Latino"] == "<5" and race["Declined to say"] == "<5" and race["Asian"] == "<5"
    assert list(race) == ["Hispanic or Latino", "White", "Black or African American",
                          "Native Hawaiian or Other Pacific Islander", "Asian", "American Indian or Alaska Native",
                          "Two or more races", "Declined to say", "Not asked"]
    # Stored apart: the answers are in their own table, not in the log, not in any member report.
    with store.read() as db:
        entries = audit.entries(db, action="member.self_identified")
        assert len(entries) == 7 and all(e["data"] == {"card": e["data"]["card"]} for e in entries)
        assert "female" not in json.dumps([e["data"] for e in audit.entries(db)])
    member = produce(store, "member", card="101")
    assert "Hispanic" not in str([s.rows for s in member.sections])
