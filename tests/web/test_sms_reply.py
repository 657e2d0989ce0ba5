"""The text gateway's STOP callback, mounted by ``hall web`` at ``POST /notify/sms``."""

from __future__ import annotations

from hall.notices.replies import signature
from tests.conftest import Hall
from hall.db import connect_read_only

TOKEN = "gateway-shared-secret"
URL = "http://127.0.0.1/notify/sms"


def notices_of(store, card: str) -> str:
    db = connect_read_only(store.path)
    try:
        return db.execute("SELECT notices FROM members WHERE card = ?", [card]).fetchone()[0]
    finally:
        db.close()


def _texts_on(web_store):
    Hall(web_store.path).ok("member", "update", "101", "--phone", "(312) 555-0101")
    Hall(web_store.path).ok("member", "notices", "101", "--sms")


def test_stop_from_the_gateway_turns_texts_off(client, web_store, monkeypatch):
    monkeypatch.setenv("HALL_SMS_TOKEN", TOKEN)
    _texts_on(web_store)
    form = {"From": "+13125550101", "Body": "STOP"}
    answer = client.post("/notify/sms", data=form, headers={"X-Twilio-Signature": signature(TOKEN, URL, form)})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/xml")
    assert notices_of(web_store, "101") == "none"
    Hall(web_store.path).ok("audit", "replay")


def test_a_forged_or_unsigned_stop_writes_nothing(client, web_store, monkeypatch):
    monkeypatch.setenv("HALL_SMS_TOKEN", TOKEN)
    _texts_on(web_store)
    form = {"From": "+13125550101", "Body": "STOP"}
    forged = client.post("/notify/sms", data=form, headers={"X-Twilio-Signature": signature("wrong", URL, form)})
    unsigned = client.post("/notify/sms", data=form)
    assert forged.status_code == 403 and unsigned.status_code == 403
    assert notices_of(web_store, "101") == "sms"


def test_without_a_gateway_secret_the_hall_says_so(client, monkeypatch):
    monkeypatch.delenv("HALL_SMS_TOKEN", raising=False)
    answer = client.post("/notify/sms", data={"From": "+13125550101", "Body": "STOP"})
    assert answer.status_code == 503 and "HALL_SMS_TOKEN" in answer.text
