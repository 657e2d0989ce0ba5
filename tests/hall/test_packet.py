"""A member's records packet for a demo member: PDF that opens, Markdown that lists the calls
and who was referred, and nothing about anyone else beyond names and positions."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from hall import asof
from hall.clock import fixed
from hall.reports import produce
from hall.reports.export import to_markdown, write
from hall.session import Session
from hall.operations.accounts import User
from hall.store import Store
from tests.conftest import DEMO_NOW

CARD = "1118"  # Patrick O'Malley: waiting on JW-1 the whole period, one no-answer


@pytest.fixture
def store(demo_hall):
    return Store(demo_hall, fixed(DEMO_NOW))


def test_packet_calls_positions_and_who_was_referred(store):
    packet = Session(store, User("maria", "dispatcher")).member_packet(CARD, "2026-10-01")
    assert packet.name == "packet" and packet.params == {"card": CARD, "since": "2026-10-01"}
    calls = packet.as_dicts("Calls while you were waiting")
    with store.read() as db:
        jw_calls = [r[0] for r in db.execute(
            "SELECT id FROM calls WHERE classification = 'JW' AND taken_at >= '2026-10-29' ORDER BY taken_at, id")]
        # Where he stood on each call is the list as it was when the call was taken.
        for row in calls:
            taken = db.execute("SELECT taken_at FROM calls WHERE id = ?", [row["call"]]).fetchone()[0]
            books = asof.position_as_of(db, CARD, datetime.fromisoformat(taken))["books"]
            assert row["your place when taken"] == f"JW-1 position {books[0]['position']}"
            referred = db.execute(
                "SELECT m.name FROM referrals r JOIN members m USING (card) WHERE r.call_id = ? ORDER BY r.at, r.id",
                [row["call"]]).fetchall()
            for (name,) in referred:
                assert name in row["referred"]
        phones = [r[0] for r in db.execute("SELECT phone FROM members WHERE phone != ''")]
    assert [r["call"] for r in calls] == [c for c in jw_calls if c in {r["call"] for r in calls}]
    assert len(calls) >= 10
    outcomes = {r["call"]: r["your outcome"] for r in calls}
    assert "no answer" in outcomes.values()
    with store.read() as db:  # each call under the rules in force when it was taken (the demo adopted bidding)
        in_force = {call: db.execute("SELECT id FROM rulesets WHERE effective_at <= (SELECT taken_at FROM calls"
                                     " WHERE id = ?) ORDER BY effective_at DESC, id DESC LIMIT 1", [call]).fetchone()[0]
                    for call in (r["call"] for r in calls)}
    assert [r["rule set"] for r in calls] == [in_force[r["call"]] for r in calls] and set(in_force.values()) == {1, 2}
    assert packet.sections[-1].title.startswith("Rule set #2") and "[resign]" in packet.sections[-1].text

    md = to_markdown(packet)
    assert "# Records packet for Patrick O'Malley (1118)" in md
    assert "## Calls while you were waiting" in md and "## Who was referred" in md
    for row in packet.as_dicts("Who was referred"):
        assert f"| {row['call']} | {row['referred']} | {row['name']} |" in md
    assert "list order" in md and "name request" in md  # the bases shown
    for phone in phones:
        assert phone not in md
    assert "555-" not in md  # no phone number of anyone
    assert "```toml" in md and "Audit head: `#" in md


def test_packet_pdf_opens(store, tmp_path):
    packet = produce(store, "packet", card=CARD, since="2026-10-01")
    pdf = write(packet, tmp_path / "packet.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
    counts = [int(n) for n in re.findall(rb"/Count\s+(\d+)", pdf)]
    assert pages >= 2 and pages in counts  # the calls table and the rule text run over pages
    md = write(packet, tmp_path / "packet.md").read_text(encoding="utf-8")
    assert md.startswith("# Records packet for Patrick O'Malley")
