"""`hall notify run` delivers to a mail server and a text gateway on 127.0.0.1: each attempt
recorded, failures retried with backoff, texts held in quiet hours, nothing sent twice even
when a run is killed mid-batch, and a service that stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import time

import pytest

from hall.errors import HallError
from hall.identity import SYSTEM_WORK, Actor, allowed
from hall.notices.delivery import backoff, deliver, retry
from hall.notices.outbox import PHONED, queue
from hall.notices.messages import phoned
from hall.notices.settings import load_settings
from hall.operations.members import add_member, update_member
from hall.operations.notices import set_notices
from hall.queries.notices import outbox_summary
from hall.replay import replay
from tests.conftest import ACTOR, Hall, local
from hall.clock import system_now
from tests.hall.notify_servers import ACCOUNT, SENDER, TOKEN, Gateway, SmtpSink, environment_for, settings_for

HALL = os.path.join(os.path.dirname(sys.executable), "hall")


@allowed(SYSTEM_WORK, doing="queue test notices")
def queue_notices(store, cards, *, actor: Actor) -> None:
    """Queue one notice for each card (as the hall's own work), like any event would."""
    with store.write(actor) as tx:
        for n, card in enumerate(cards, 1):
            notice = phoned("Member", card, n, "Acme", local("2026-11-23 07:00"), "no_answer", None, tx.rules,
                            local("2026-11-20 00:00").date(), tx.now)
            queue(tx, card, PHONED, f"test:{n}", notice)
        tx.record("notices.due", "notices", {"kind": PHONED, "count": len(cards)})


def members(store, how: dict[str, str]) -> None:
    for card, channel in how.items():
        add_member(store, card, f"Member {card}", actor=ACTOR, classes=["JW"], phone=f"555-010-{card}")
        if channel == "email":
            update_member(store, card, actor=ACTOR, email=f"m{card}@example.org")
        set_notices(store, card, channel, actor=ACTOR)


def deliveries(store):
    with store.read() as db:
        return db.execute("SELECT outbox_id, state, attempts, last_error FROM deliveries ORDER BY outbox_id").fetchall()


def attempts(store, outbox_id):
    with store.read() as db:
        return [r[0] for r in db.execute("SELECT outcome FROM notice_attempts WHERE outbox_id = ? ORDER BY id",
                                         [outbox_id])]


def test_email_and_texts_delivered(store, clock):
    members(store, {"1001": "email", "1002": "sms"})
    queue_notices(store, ["1001", "1002"], actor=Actor("system", "system"))
    with SmtpSink() as smtp, Gateway() as gateway:
        result = deliver(store, settings_for(smtp, gateway))
        assert (result.sent, result.failed) == (2, 0)
        [mail] = smtp.messages
        assert mail["To"] == "m1001@example.org" and mail["From"] == "hall@local-1.example"
        assert mail["Subject"].startswith("Member (1001): the hall phoned you at")
        assert mail["Message-ID"] == "<hall-notice-1@local-1.example>"
        assert "Please make sure the hall has the phone number you answer." in mail.get_payload()
        [text] = gateway.received
        assert text["form"]["To"] == "+15550101002" and text["form"]["From"] == SENDER
        assert text["form"]["Body"].startswith("Test Local 1: Member (1002): the hall phoned you")
        assert text["auth"] == f"{ACCOUNT}:{TOKEN}" and text["key"] == "hall-notice-2"
        assert deliver(store, settings_for(smtp, gateway)).sent == 0  # nothing twice
        assert len(smtp.messages) == 1 and len(gateway.received) == 1
    assert [r[:3] for r in deliveries(store)] == [(1, "sent", 1), (2, "sent", 1)]
    assert attempts(store, 1) == ["sent"]
    with store.reading() as read:
        summary = outbox_summary(read.db, read.rules, read.now)
    assert (summary.waiting, summary.sent_today, summary.failing_total) == (0, 2, 0)
    assert replay(store.path).ok


def test_a_failing_gateway_is_tried_again_with_backoff(store, clock):
    members(store, {"1002": "sms"})
    queue_notices(store, ["1002"], actor=Actor("system", "system"))
    with Gateway(fail=2) as gateway:
        settings = settings_for(gateway=gateway)
        assert deliver(store, settings).failed == 1
        [(_, state, tries, error)] = deliveries(store)
        assert (state, tries) == ("retrying", 1) and error == 'the text gateway answered 503: {"message": "try later"}'
        with store.reading() as read:
            summary = outbox_summary(read.db, read.rules, read.now)
        assert summary.failing_total == 1 and summary.failing[0].error == error
        assert summary.failing[0].next_at == clock() + backoff(1)
        clock.advance(seconds=59)
        assert deliver(store, settings).failed == 0 and len(gateway.received) == 1  # not yet
        clock.advance(seconds=1)
        assert deliver(store, settings).failed == 1
        clock.advance(minutes=2)
        assert deliver(store, settings).sent == 1
        assert len(gateway.received) == 3 and set(gateway.keys()) == {"hall-notice-1"}
    assert attempts(store, 1) == ["failed", "failed", "sent"]
    assert deliveries(store)[0][:3] == (1, "sent", 3)
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 20)] == [60, 120, 240, 6 * 3600]


def test_texts_wait_for_the_end_of_quiet_hours_and_email_does_not(store, clock):
    members(store, {"1001": "email", "1002": "sms"})
    clock.set("2026-11-20 22:30")
    queue_notices(store, ["1001", "1002"], actor=Actor("system", "system"))
    with SmtpSink() as smtp, Gateway() as gateway:
        settings = settings_for(smtp, gateway, quiet=(time(21, 0), time(8, 0)))
        result = deliver(store, settings)
        assert (result.sent, result.held) == (1, 1) and len(smtp.messages) == 1 and gateway.received == []
        clock.set("2026-11-21 07:59")
        assert deliver(store, settings).sent == 0 and gateway.received == []
        clock.set("2026-11-21 08:00")
        assert deliver(store, settings).sent == 1 and len(gateway.received) == 1
    assert attempts(store, 2) == ["sent"]


def test_a_member_who_stops_is_not_sent_what_was_queued(store, clock):
    members(store, {"1002": "sms"})
    queue_notices(store, ["1002"], actor=Actor("system", "system"))
    set_notices(store, "1002", "none", actor=ACTOR)
    with Gateway() as gateway:
        assert deliver(store, settings_for(gateway=gateway)).dropped == 1
        assert gateway.received == []
    assert deliveries(store)[0][1] == "dropped"
    assert attempts(store, 1) == []


def test_without_settings_notices_wait(store, clock):
    members(store, {"1001": "email"})
    queue_notices(store, ["1001"], actor=Actor("system", "system"))
    assert deliver(store, settings_for()).held == 1
    [(_, state, tries, note)] = deliveries(store)
    assert (state, tries) == ("waiting", 0) and note.startswith("email is not set up")


def test_a_run_killed_mid_batch_sends_nothing_twice(fresh_db, store, clock):
    cards = [f"10{n:02d}" for n in range(1, 7)]
    members(store, {card: "sms" for card in cards})
    queue_notices(store, cards, actor=Actor("system", "system"))
    hall = Hall(fresh_db)
    token = hall.token("tester")
    with Gateway(hold_at=3) as gateway:
        env = {**os.environ, **environment_for(gateway=gateway), "HALL_DB": str(fresh_db), "HALL_TOKEN": token,
               "HALL_STATE_DIR": str(fresh_db.parent)}
        run = subprocess.Popen([HALL, "notify", "run", "--once"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            assert gateway.held.wait(60), run.stderr.read1().decode() if run.poll() is not None else "no third send"
            run.send_signal(signal.SIGKILL)
            run.wait(30)
        finally:
            if run.poll() is None:
                run.kill()
        gateway.release.set()
        clock.moment = system_now()  # the killed run claimed by the real clock
        assert [r[1] for r in deliveries(store)] == ["sent", "sent", "sending", "waiting", "waiting", "waiting"]
        result = deliver(store, settings_for(gateway=gateway))
        assert (result.sent, result.unknown) == (3, 1)
        assert sorted(gateway.keys()) == [f"hall-notice-{n}" for n in range(1, 7)]  # each once
        assert [r[1] for r in deliveries(store)] == ["sent", "sent", "unknown", "sent", "sent", "sent"]
        assert attempts(store, 3) == ["unknown"]
        status = hall.json("notify", "status")
        assert status["failing_total"] == 1 and status["failing"][0]["state"] == "unknown"
        assert "the run stopped while sending" in status["failing"][0]["error"]
        assert deliver(store, settings_for(gateway=gateway)).sent == 0 and len(gateway.received) == 6
        # Staff decide to send it again.
        assert retry(store, 3) == "Notice 3 to member 1003 will be sent at the next run."
        assert deliver(store, settings_for(gateway=gateway)).sent == 1
        assert gateway.keys().count("hall-notice-3") == 2
    with pytest.raises(HallError, match="was sent already"):
        retry(store, 3)
    assert replay(store.path).ok


def test_the_service_stops_cleanly_on_sigterm(fresh_db):
    hall = Hall(fresh_db)
    env = {**os.environ, "HALL_DB": str(fresh_db), "HALL_TOKEN": hall.token("tester"), "HALL_NOTIFY_EVERY": "1",
           "HALL_STATE_DIR": str(fresh_db.parent)}
    service = subprocess.Popen([HALL, "notify", "run"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert "running: a pass every 1 s" in service.stdout.readline()
        service.send_signal(signal.SIGTERM)
        out, err = service.communicate(timeout=30)
    finally:
        if service.poll() is None:
            service.kill()
    assert service.returncode == 0, err
    assert out.strip().endswith("stopped.")
    assert "email not set up; texts not set up; texts wait 21:00-08:00" in err


def test_settings_from_the_environment_and_a_private_file(tmp_path):
    path = tmp_path / "notify.toml"
    path.write_text('[smtp]\nhost = "mail.example.org"\npassword = "s3cret"\nfrom = "hall@example.org"\n'
                    '[notify]\nquiet_hours = "22:00-07:00"\n', encoding="utf-8")
    path.chmod(0o644)
    with pytest.raises(HallError, match="others can read it: chmod 600"):
        load_settings({}, path)
    path.chmod(0o600)
    settings = load_settings({"HALL_SMTP_PORT": "2525"}, path)
    assert (settings.smtp_host, settings.smtp_port, settings.quiet) == ("mail.example.org", 2525, (time(22), time(7)))
    assert "s3cret" not in repr(settings) and "s3cret" not in settings.describe()
    assert load_settings({"HALL_SMTP_HOST": "other", "HALL_NOTIFY_QUIET_HOURS": "off"}, path).smtp_host == "other"
    with pytest.raises(HallError, match="HALL_SMTP_PORT must be a whole number"):
        load_settings({"HALL_SMTP_PORT": "lots"})
    path.write_text('[smtp]\nhots = "x"\n', encoding="utf-8")
    with pytest.raises(HallError, match=r"smtp.hots is not a setting"):
        load_settings({}, path)
