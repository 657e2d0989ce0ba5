"""Every page of `hall web` and every refusal, through Starlette's TestClient."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from hall import audit
from hall.db import connect_read_only
from hall.views import web as views
from tests.conftest import Hall
from tests.web.conftest import ADA, BEN, BEN_PHONE, BEN_REASON, csrf_of, log_in, text_of
from web.app import create_app
from web.security import CSP, SESSION_COOKIE


def rows(store, sql: str, params=()) -> list:
    db = connect_read_only(store.path)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


def entries(store, action: str) -> list[dict]:
    db = connect_read_only(store.path)
    try:
        return audit.entries(db, action=action)
    finally:
        db.close()


# --- public pages -------------------------------------------------------------------------------------


def test_the_job_board_lists_open_calls_without_member_names(client, web_store):
    page = client.get("/")
    assert page.status_code == 200
    words = text_of(page.text)
    assert "#1 Acme Electric" in words and "Pier 5" in words and "OSHA-30" in words
    assert "30 days" in words and "2 openings" in words and "count as a turndown" in words
    shown = re.sub(r"\b[0-9a-f]{64}\b", "", words.replace("#1 ", ""))  # a head's hash may hold any digits
    for name in ("Ada Lovelace", "Ben Ito", "101", "102"):
        assert name not in shown
    assert "at audit head" in words


def test_the_job_board_as_json(client):
    data = client.get("/api/jobs").json()
    [call] = data["calls"]
    assert call["call"] == 1 and call["employer"] == "Acme Electric" and call["site"] == "Pier 5"
    assert call["certs"] == ["OSHA-30"] and call["days"] == 30 and call["openings"] == 2
    assert call["short"] is False and call["decline_counts"] is True
    assert data["head"].startswith(str(data["head"].split(":")[0]) + ":") and data["at"] == "2026-11-20T14:00:00Z"


def test_audit_heads_page_and_json_match_the_log(client, web_store):
    heads = client.get("/api/heads").json()
    db = connect_read_only(web_store.path)
    try:
        expected = audit.closing_heads(db, web_store.rules()[1].zone)
        head = audit.head(db)
    finally:
        db.close()
    assert [(h["day"], h["seq"], h["hash"]) for h in heads["days"]] == [
        (d.isoformat(), s, h) for d, s, h in reversed(expected)]
    assert heads["head"] == f"{head[0]}:{head[1]}"
    page = client.get("/heads")
    assert page.status_code == 200 and f"{expected[-1][1]}:{expected[-1][2]}" in page.text


def test_every_page_forbids_script_and_inline_style(client):
    log_in(client, *ADA)
    for path in ("/", "/heads", "/me", "/notices", "/pin", "/login", "/nowhere"):
        page = client.get(path)
        assert page.headers["content-security-policy"] == CSP, path
        assert "script-src" not in CSP and "'unsafe-inline'" not in CSP
        assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"
        assert "<script" not in page.text and "style=" not in page.text, path


def test_every_field_has_a_label_and_headings_come_in_order(client):
    import re

    log_in(client, *ADA)
    for path in ("/me", "/notices", "/pin"):
        html = client.get(path).text
        for field in re.findall(r'<input (?![^>]*type="hidden")[^>]*id="([^"]+)"', html):
            assert f'<label for="{field}"' in html, (path, field)
        levels = [int(n) for n in re.findall(r"<h([1-6])", html)]
        assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:])), (path, levels)


def test_a_page_that_is_not_there_says_so_and_nothing_else(client):
    page = client.get("/etc/passwd")
    assert page.status_code == 404
    assert "There is no such page here." in page.text and "Traceback" not in page.text


def test_an_error_inside_shows_a_page_that_leaks_nothing(web_store, monkeypatch):
    def broken(read):
        raise RuntimeError(f"no such column in {web_store.path}")

    monkeypatch.setattr(views, "job_board", broken)
    client = TestClient(create_app(web_store), raise_server_exceptions=False)
    page = client.get("/")
    assert page.status_code == 500
    assert "Something went wrong on our side" in page.text
    assert str(web_store.path) not in page.text and "RuntimeError" not in page.text


# --- logging in ----------------------------------------------------------------------------------------


def test_log_in_with_card_and_pin_opens_my_books(client, web_store):
    landed = log_in(client, *ADA, follow=False)
    assert landed.status_code == 303 and landed.headers["location"] == "/me"
    cookie = landed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
    secret = client.cookies[SESSION_COOKIE]
    stored = rows(web_store, "SELECT card, hash FROM web_sessions")
    assert stored == [("101", stored[0][1])] and secret not in stored[0][1]
    [entry] = entries(web_store, "member.web_login")
    assert entry["actor"] == "member:101" and entry["data"]["via"] == "web"
    page = client.get("/me")
    assert "You are 1st on JW-1 (nobody ahead of you)" in text_of(page.text)


def test_cookies_are_secure_over_tls(web_store):
    client = TestClient(create_app(web_store), base_url="https://hall.example")
    landed = log_in(client, *ADA, follow=False)
    assert "Secure" in landed.headers["set-cookie"]
    assert "strict-transport-security" in landed.headers


def test_a_wrong_pin_is_one_sentence_and_a_miss_counted(client, web_store):
    page = log_in(client, "101", "0000")
    assert page.status_code == 400
    assert "do not match our records" in text_of(page.text)
    assert rows(web_store, "SELECT misses FROM kiosk_misses WHERE card = '101'") == [(1,)]
    assert SESSION_COOKIE not in client.cookies


def test_five_misses_lock_the_card_even_for_the_right_pin(client, web_store):
    for _ in range(4):
        assert "do not match" in log_in(client, "101", "0000").text
    fifth = text_of(log_in(client, "101", "0000").text)
    assert "Too many wrong tries for this card: try again in 15 minutes" in fifth
    locked = text_of(log_in(client, *ADA).text)
    assert "Too many wrong tries" in locked and SESSION_COOKIE not in client.cookies
    web_store.clock.advance(minutes=16)
    assert log_in(client, *ADA).url.path == "/me"


def test_an_empty_card_or_pin_is_asked_for_and_not_counted(client, web_store):
    page = log_in(client, "101", "")
    assert "Type your card number and your PIN." in page.text and page.status_code == 400
    assert rows(web_store, "SELECT count(*) FROM kiosk_misses")[0][0] == 0


def test_a_log_in_without_its_csrf_token_is_refused(client, web_store):
    client.get("/login")
    page = client.post("/login", data={"card": "101", "pin": ADA[1]})
    assert page.status_code == 403 and "did not come from this site" in page.text
    assert rows(web_store, "SELECT count(*) FROM web_sessions")[0][0] == 0


def test_member_pages_send_others_to_log_in(client):
    for path in ("/me", "/notices", "/pin"):
        page = client.get(path, follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"] == "/login"
    client.cookies.set(SESSION_COOKIE, "made-up")
    page = client.get("/me", follow_redirects=False)
    assert page.headers["location"] == "/login?ended=1"


def test_log_out_ends_the_session_in_the_database(client, web_store):
    log_in(client, *ADA)
    secret = client.cookies[SESSION_COOKIE]
    page = client.post("/logout", data={"csrf": csrf_of(client.get("/me").text)})
    assert "You are logged out." in page.text
    assert rows(web_store, "SELECT ended_why FROM web_sessions") == [("logged out",)]
    client.cookies.set(SESSION_COOKIE, secret)  # the old cookie, kept by someone
    assert client.get("/me", follow_redirects=False).headers["location"] == "/login?ended=1"


def test_a_session_ends_after_the_idle_time(client, web_store):
    log_in(client, *ADA)
    web_store.clock.advance(minutes=14)
    assert client.get("/me").url.path == "/me"
    web_store.clock.advance(minutes=15)
    page = client.get("/me")
    assert page.url.path == "/login" and "Your session ended" in page.text
    assert rows(web_store, "SELECT ended_why FROM web_sessions") == [("idle 15 minutes",)]


# --- my books ----------------------------------------------------------------------------------------


def test_another_members_data_is_never_on_my_pages(client):
    log_in(client, *ADA)
    for path in ("/me", "/notices", "/pin"):
        words = text_of(client.get(path).text)
        assert "Ada Lovelace" in words
        for secret in ("Ben Ito", "102", BEN_PHONE, BEN_REASON, "555-0101"):
            assert secret not in words, (path, secret)


def test_re_sign_outside_the_window_is_refused(client, web_store):
    log_in(client, *ADA)
    page = client.get("/me")
    assert "Re-sign now" not in page.text
    assert "Re-signing is open from the 10th to the 16th" in text_of(page.text)
    before = rows(web_store, "SELECT max(seq) FROM audit")
    refused = client.post("/me/resign", data={"csrf": csrf_of(page.text), "book": "JW-1"})
    assert refused.status_code == 409 and "Re-signing is open" in text_of(refused.text)
    assert rows(web_store, "SELECT max(seq) FROM audit") == before


def test_re_sign_inside_the_window_is_recorded_as_the_member_via_web(client, web_store):
    web_store.clock.set("2026-12-12 09:00")
    log_in(client, *ADA)
    page = client.get("/me")
    assert "Re-sign now (JW-1)" in page.text
    done = client.post("/me/resign", data={"csrf": csrf_of(page.text), "book": "JW-1"})
    assert done.url.path == "/me" and "Receipt #" in done.text
    [entry] = entries(web_store, "registration.resigned")
    assert entry["actor"] == "member:101" and entry["data"]["via"] == "web"
    assert rows(web_store, "SELECT signed_via FROM registrations WHERE card = '101'") == [("web",)]
    Hall(web_store.path).ok("audit", "replay")


def test_a_form_without_its_csrf_token_writes_nothing(client, web_store):
    web_store.clock.set("2026-12-12 09:00")
    log_in(client, *ADA)
    before = rows(web_store, "SELECT max(seq) FROM audit")
    for path, data in (("/me/resign", {"book": "JW-1"}), ("/notices", {"channel": "sms"}),
                       ("/pin", {"current": ADA[1], "new": "1111", "again": "1111"}),
                       ("/me/resign", {"book": "JW-1", "csrf": "forged"})):
        page = client.post(path, data=data)
        assert page.status_code == 403 and "did not come from this site" in page.text, path
    assert rows(web_store, "SELECT max(seq) FROM audit") == before


def test_another_sessions_csrf_token_does_not_work(web_store):
    web_store.clock.set("2026-12-12 09:00")
    ada, ben = (TestClient(create_app(web_store)) for _ in range(2))
    log_in(ada, *ADA)
    log_in(ben, *BEN)
    page = ada.post("/me/resign", data={"csrf": csrf_of(ben.get("/me").text)})
    assert page.status_code == 403
    assert not entries(web_store, "registration.resigned")


def test_a_form_too_large_is_refused(client):
    log_in(client, *ADA)
    page = client.post("/notices", data={"channel": "x" * 5000})
    assert page.status_code == 413 and "too large" in page.text


# --- notices and PIN -------------------------------------------------------------------------------------


def test_notices_are_chosen_and_recorded(client, web_store):
    log_in(client, *ADA)
    page = client.get("/notices")
    assert 'value="none" checked' in page.text
    short = client.post("/notices", data={"csrf": csrf_of(page.text), "channel": "sms"})
    assert short.status_code == 400 and "cannot take text messages: ask at the window" in short.text
    assert "hall member" not in short.text  # a member is never told a staff command
    assert entries(web_store, "member.notices") == []
    Hall(web_store.path).ok("member", "update", "101", "--phone", "(312) 555-0101")
    done = client.post("/notices", data={"csrf": csrf_of(short.text), "channel": "sms"})
    assert "You get notices by text message from now on." in done.text
    assert rows(web_store, "SELECT notices FROM members WHERE card = '101'") == [("sms",)]
    [entry] = entries(web_store, "member.notices")
    assert entry["actor"] == "member:101" and entry["data"]["via"] == "web"
    again = client.post("/notices", data={"csrf": csrf_of(done.text), "channel": "sms"})
    assert again.status_code == 400 and "You already get notices by text message: nothing changed." in again.text
    wrong = client.post("/notices", data={"csrf": csrf_of(done.text), "channel": "pigeon"})
    assert wrong.status_code == 400 and "is not a way to send notices" in wrong.text
    Hall(web_store.path).ok("audit", "replay")


@pytest.mark.parametrize("current, new, again, sentence", [
    ("", "1111", "1111", "Type your PIN now and the new PIN twice."),
    (ADA[1], "1111", "2222", "The two new PINs differ: nothing was changed."),
    (ADA[1], "12", "12", "A kiosk PIN is 4 to 8 digits."),
    ("0000", "1111", "1111", "do not match our records"),
])
def test_a_pin_change_refused_says_why(client, current, new, again, sentence):
    log_in(client, *ADA)
    page = client.post("/pin", data={"csrf": csrf_of(client.get("/pin").text), "current": current, "new": new,
                                     "again": again})
    assert page.status_code == 400 and sentence in text_of(page.text)


def test_a_pin_change_takes_effect(client, web_store):
    log_in(client, *ADA)
    done = client.post("/pin", data={"csrf": csrf_of(client.get("/pin").text), "current": ADA[1], "new": "9012",
                                     "again": "9012"})
    assert "Your PIN is changed" in done.text
    [entry] = entries(web_store, "member.pin_changed")
    assert entry["data"]["via"] == "web"
    other = TestClient(create_app(web_store))
    assert log_in(other, "101", "9012").url.path == "/me"
    Hall(web_store.path).ok("audit", "replay")


def test_hall_web_is_a_command(tmp_path):
    result = Hall(tmp_path / "none.db").run("web", "--help", actor=None)
    assert result.exit_code == 0 and "--behind-proxy" in result.output

