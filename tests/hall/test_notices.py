"""Notices are queued with their event: each kind once, for members who asked and for no one else;
members choose at the counter, for themselves, or by replying STOP; the log still rebuilds the records."""

from __future__ import annotations

import pytest

from hall.errors import HallError
from hall.notices import replies
from hall.notices.due import sweep_notices
from hall.notices.outbox import EXCUSED, PHONED, REMOVED, RESIGN_DUE, WINDOW_OPEN
from hall.operations import excuses, selfservice
from hall.operations.calls import take_call
from hall.operations.employers import add_employer
from hall.operations.members import add_member, set_pin, update_member
from hall.operations.notices import set_notices
from hall.operations.offers import record_offer
from hall.operations.registrations import resign, sign
from hall.replay import replay
from tests.conftest import ACTOR, Hall, dump, new_hall
from tests.hall.notify_servers import TOKEN, settings_for


def outbox(store, kind=None):
    with store.read() as db:
        sql = "SELECT card, kind, ref, subject, body FROM outbox"
        rows = db.execute(sql + (" WHERE kind = ?" if kind else "") + " ORDER BY id", [kind] if kind else []).fetchall()
    return rows


def cards(store, kind):
    return [r[0] for r in outbox(store, kind)]


@pytest.fixture
def crew(store, clock):
    """Ada (101) by email, Ben (102) by text, Cy (103) none; all signed JW-1 on Nov 2 (due Dec 2)."""
    clock.set("2026-11-02 09:00")
    add_member(store, "101", "Ada Archer", actor=ACTOR, classes=["JW"], phone="555-010-1111")
    add_member(store, "102", "Ben Baker", actor=ACTOR, classes=["JW"], phone="(555) 010-2222")
    add_member(store, "103", "Cy Cole", actor=ACTOR, classes=["JW"], phone="555-010-3333")
    add_employer(store, "Acme", actor=ACTOR)
    update_member(store, "101", actor=ACTOR, email="ada@example.org")
    set_notices(store, "101", "email", actor=ACTOR)
    set_notices(store, "102", "sms", actor=ACTOR)
    for i, card in enumerate(("101", "102", "103")):
        clock.set(f"2026-11-02 10:0{i}")
        sign(store, card, "JW-1", actor=ACTOR)
    return store


def test_re_sign_due_soon_once_each_for_those_who_asked(crew, clock):
    clock.set("2026-11-26 23:59")
    add_employer(crew, "Early", actor=ACTOR)
    assert outbox(crew, RESIGN_DUE) == []
    clock.set("2026-11-27 00:00")  # due Dec 2, warning_days 5
    add_employer(crew, "Brightline", actor=ACTOR)
    assert cards(crew, RESIGN_DUE) == ["101", "102"]
    subject = outbox(crew, RESIGN_DUE)[0][3]
    assert subject == "Ada Archer (101): re-sign JW-1 by Wed 2 Dec to keep your place."
    clock.set("2026-11-27 09:00")
    add_employer(crew, "Cobalt", actor=ACTOR)
    assert crew.sweep() == 0
    assert cards(crew, RESIGN_DUE) == ["101", "102"]  # once each
    # A re-sign starts a new clock: a new notice when it runs down, not before.
    resign(crew, "101", actor=ACTOR)
    clock.set("2026-12-22 08:00")  # re-signed Nov 27: due Dec 27, warned from Dec 22
    add_employer(crew, "Dynamo", actor=ACTOR)
    assert cards(crew, RESIGN_DUE) == ["101", "102", "101"]
    assert replay(crew.path).ok


def test_a_member_who_asks_late_is_told_what_is_already_due(crew, clock):
    clock.set("2026-11-28 09:00")
    add_employer(crew, "Brightline", actor=ACTOR)  # the warnings of Nov 27 are queued
    assert cards(crew, RESIGN_DUE) == ["101", "102"]
    update_member(crew, "103", actor=ACTOR, email="cy@example.org")
    set_notices(crew, "103", "email", actor=ACTOR)
    assert cards(crew, RESIGN_DUE) == ["101", "102", "103"]
    with crew.read() as db:
        action = db.execute("SELECT action FROM audit WHERE seq = (SELECT audit_seq FROM outbox WHERE card = '103')"
                            ).fetchone()[0]
    assert action == "member.notices"
    set_notices(crew, "103", "none", actor=ACTOR)
    set_notices(crew, "103", "email", actor=ACTOR)
    assert cards(crew, RESIGN_DUE) == ["101", "102", "103"]  # still once
    assert replay(crew.path).ok


def test_a_removal_tells_how_to_sign_again(crew, clock):
    clock.set("2026-12-02 16:59")
    add_employer(crew, "Early", actor=ACTOR)
    assert outbox(crew, REMOVED) == []
    clock.set("2026-12-03 08:00")  # removed at closing on Dec 2
    assert crew.sweep() == 3  # three removals (the warnings were queued by the write before)
    removed = outbox(crew, REMOVED)
    assert [r[0] for r in removed] == ["101", "102"]
    assert "removed from JW-1 at Wed 2 Dec 17:00" in removed[0][3]
    assert "To sign JW-1 again" in removed[0][4]
    with crew.read() as db:
        entry = db.execute("SELECT action, data FROM audit WHERE seq = (SELECT audit_seq FROM outbox WHERE card = '101'"
                           " AND kind = ?)", [REMOVED]).fetchone()
    assert entry[0] == "registration.lapsed" and '"outbox"' in entry[1]
    assert replay(crew.path).ok


def test_the_hall_phoning_without_an_answer_or_a_decline(crew, clock):
    clock.set("2026-11-09 08:00")
    take_call(crew, employer="Acme", classification="JW", workers=1, start="2026-11-10 07:00", days=30, actor=ACTOR)
    record_offer(crew, 1, "101", "no_answer", actor=ACTOR)
    record_offer(crew, 1, "102", "declined", actor=ACTOR)
    record_offer(crew, 1, "103", "declined", actor=ACTOR)
    phoned = outbox(crew, PHONED)
    assert [r[0] for r in phoned] == ["101", "102"]
    assert "got no answer" in phoned[0][3] and "does not count as a turndown" in phoned[0][4]
    assert "you declined call #1 (Acme" in phoned[1][3] and "turndown 1 of 3" in phoned[1][4]
    assert replay(crew.path).ok


def test_an_excused_absence_tells_the_dates_never_the_reason(crew, clock):
    clock.set("2026-11-03 09:00")
    for card in ("101", "102", "103"):
        excuses.excuse(crew, card, "medical", "2026-11-03", "2026-12-20", "doctor's note, knee surgery", actor=ACTOR)
    told = outbox(crew, EXCUSED)
    assert [r[0] for r in told] == ["101", "102"]  # Cy asked for no notices
    subject, body = told[0][3], told[0][4]
    assert "excused absence for you from Tue 3 Nov until Sun 20 Dec" in subject
    assert "re-sign is due Tue 19 Jan" in body  # signed Nov 2, the clock stopped for the 48 days excused
    assert not any(word in subject + body for word in ("medical", "knee", "doctor"))
    assert replay(crew.path).ok


def test_the_window_opening_once_per_member(fresh_hall, clock):
    path = fresh_hall('[hall]\ntimezone = "America/Chicago"\n[resign]\nmode = "window"\n')
    from hall.store import Store

    store = Store(path, clock=clock)
    clock.set("2026-11-20 09:00")
    for card, name in (("101", "Ada Archer"), ("102", "Ben Baker")):
        add_member(store, card, name, actor=ACTOR, classes=["JW"], phone="555-010-1111")
        set_notices(store, card, "sms", actor=ACTOR)
        sign(store, card, "JW-1", actor=ACTOR)
    add_member(store, "103", "Cy Cole", actor=ACTOR, classes=["JW"])
    sign(store, "103", "JW-1", actor=ACTOR)
    clock.set("2026-12-09 23:00")
    assert sweep_notices(store, _db(store)) == 0
    clock.set("2026-12-10 00:00")
    assert store.sweep() == 2
    notices = outbox(store, WINDOW_OPEN)
    assert [r[0] for r in notices] == ["101", "102"]
    assert notices[0][3] == "Ada Archer (101): re-signing is open from Thu 10 Dec to Wed 16 Dec; re-sign JW-1 by then."
    clock.set("2026-12-11 09:00")
    store.sweep()
    assert cards(store, WINDOW_OPEN) == ["101", "102"]
    assert replay(path).ok


def _db(store):
    from hall.db import connect

    return connect(store.path)


def test_choosing_notices_needs_the_address(crew):
    with pytest.raises(HallError, match=r"Cy Cole \(103\) has no email address: add one first"):
        set_notices(crew, "103", "email", actor=ACTOR)
    update_member(crew, "103", actor=ACTOR, phone="0101")
    with pytest.raises(HallError, match="cannot take text messages"):
        set_notices(crew, "103", "sms", actor=ACTOR)
    with pytest.raises(HallError, match="gets notices by email: choose texts or none first"):
        update_member(crew, "101", actor=ACTOR, email="")
    with pytest.raises(HallError, match="gets notices by text"):
        update_member(crew, "102", actor=ACTOR, phone="555-12")
    with pytest.raises(HallError, match="is not an email address"):
        update_member(crew, "103", actor=ACTOR, email="not an address")
    with pytest.raises(HallError, match=r"already gets notices by email \(without posted calls\)"):
        set_notices(crew, "101", "email", actor=ACTOR)
    with pytest.raises(HallError, match="is not a way to send notices"):
        set_notices(crew, "101", "pigeon", actor=ACTOR)


def test_members_choose_for_themselves_with_their_pin(fresh_hall, clock):
    path = fresh_hall('[hall]\ntimezone = "America/Chicago"\n[kiosk]\nauth = "pin"\n')
    from hall.store import Store

    store = Store(path, clock=clock)
    add_member(store, "101", "Ada Archer", actor=ACTOR, classes=["JW"], phone="555-010-1111")
    set_pin(store, "101", "4321", actor=ACTOR)
    member = selfservice.identify(store, "101", "4321")
    receipt = selfservice.set_notices(store, actor=member, channel="sms", calls=True, via="web")
    assert receipt.message == "You get notices by text message, posted calls included, from now on."
    with store.read() as db:
        row = db.execute("SELECT actor, data FROM audit WHERE action = 'member.notices'").fetchone()
    assert row[0] == "member:101" and '"via":"web"' in row[1]
    with pytest.raises(HallError):  # staff operations stay staff's
        set_notices(store, "101", "none", actor=member)
    assert replay(path).ok


def test_stop_turns_texts_off_only_with_the_gateway_signature(crew, clock):
    settings = settings_for(sms_url="http://127.0.0.1:9/x", sms_from="+15550009999", sms_token=TOKEN)
    url = "https://hall.example.org/notify/sms"
    form = {"From": "+15550102222", "To": "+15550009999", "Body": "Stop", "MessageSid": "SM123"}
    before = dump(crew.path)
    forged = replies.sms_reply(crew, settings, url=url, form=form, signature_header="bm9wZQ==")
    assert forged.status == 403
    unsigned = replies.sms_reply(crew, settings, url=url, form=form, signature_header="")
    assert unsigned.status == 403
    other = {**form, "Body": "Thanks!"}
    hello = replies.sms_reply(crew, settings, url=url, form=other,
                              signature_header=replies.signature(TOKEN, url, other))
    assert hello.status == 200
    assert dump(crew.path) == before
    reply = replies.sms_reply(crew, settings, url=url, form=form, signature_header=replies.signature(TOKEN, url, form))
    assert reply.status == 200 and reply.content_type == "text/xml"
    with crew.read() as db:
        assert db.execute("SELECT notices FROM members WHERE card = '102'").fetchone()[0] == "none"
        entry = db.execute("SELECT actor, data FROM audit WHERE action = 'member.notices' ORDER BY seq DESC").fetchone()
    assert entry[0] == "system" and "text reply STOP" in entry[1]
    assert replay(crew.path).ok


def test_the_command_line(fresh_db):
    hall = Hall(fresh_db)
    hall.ok("member", "add", "101", "--name", "Ada Archer", "--phone", "555-010-1111", "--class", "JW")
    hall.ok("member", "update", "101", "--email", "ada@example.org")
    assert hall.ok("member", "notices", "101", "--email", "--calls").stdout.startswith(
        "Ada Archer (101) gets notices by email, posted calls included. Receipt #")
    shown = hall.json("member", "show", "101")
    assert (shown["email"], shown["notices"], shown["notice_calls"]) == ("ada@example.org", "email", True)
    assert "notices: by email (ada@example.org), posted calls too" in hall.ok("member", "show", "101").stdout
    refused = hall.fails("member", "notices", "101")
    assert "Say how: --email, --sms or --none." in refused.output
    assert hall.ok("notify", "status").stdout.strip() == "Notices: 0 waiting · 0 sent today · 0 failing"
    assert hall.fails("notify", "retry", "7").stderr.strip() == "Error: There is no notice 7."

