"""Members act for themselves with card and PIN: staff set the PIN (`hall member pin`), the
self-service operations check it (Argon2id), misses are counted in the database and lock the card."""

from __future__ import annotations

import sqlite3

import pytest

from hall import audit
from hall.db import connect
from hall.errors import HallError
from hall.identity import Actor, NotAllowed
from hall.operations import members, selfservice
from hall.store import Store
from tests.conftest import ACTOR, RULES_TEXT, Hall, SettableClock, new_hall


@pytest.fixture
def pin_hall(tmp_path) -> Store:
    """A new hall (``hall init`` writes ``kiosk.auth = "pin"``) with one member on JW-1."""
    store = Store(new_hall(tmp_path / "hall.db"), clock=SettableClock("2026-11-20 08:00"))
    members.add_member(store, "101", "Ada Lovelace", actor=ACTOR, phone="555-0101", classes=["JW"])
    return store


def _rows(store: Store, sql: str) -> list:
    conn = sqlite3.connect(store.path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_a_new_hall_asks_for_a_pin_at_the_kiosk(pin_hall):
    assert pin_hall.rules()[1].kiosk.auth == "pin"


def test_a_member_without_a_pin_is_told_to_ask_staff(pin_hall):
    with pytest.raises(HallError, match="ask the hall staff"):
        selfservice.identify(pin_hall, "101", "1234")


def test_the_pin_set_through_the_cli_identifies_the_member(pin_hall):
    cli = Hall(pin_hall.path)
    cli.ok("member", "pin", "101", "--pin-stdin", input="4821\n")
    assert selfservice.identify(pin_hall, "101", "4821") == Actor.member("101")
    with pytest.raises(HallError, match="do not match"):
        selfservice.identify(pin_hall, "101", "0101")  # the phone's digits do not open a PIN kiosk
    stored = _rows(pin_hall, "SELECT pin_hash FROM members WHERE card = '101'")[0][0]
    assert "4821" not in stored and stored.startswith("$argon2id$")


def test_the_pin_is_asked_twice_without_pin_stdin(pin_hall):
    cli = Hall(pin_hall.path)
    result = cli.ok("member", "pin", "101", input="4821\n4822\n4821\n4821\n")  # a typo: asked again
    assert "do not match" in result.output
    assert selfservice.identify(pin_hall, "101", "4821") == Actor.member("101")


@pytest.mark.parametrize("pin", ["12", "abcd", "123456789", ""])
def test_a_bad_pin_is_refused(pin_hall, pin):
    with pytest.raises(HallError, match="4 to 8 digits"):
        members.set_pin(pin_hall, "101", pin, actor=ACTOR)


def test_misses_are_counted_in_the_database_and_lock_the_card(pin_hall):
    members.set_pin(pin_hall, "101", "4821", actor=ACTOR)
    kiosk = pin_hall.rules()[1].kiosk
    for n in range(1, kiosk.max_misses):
        with pytest.raises(HallError, match="do not match"):
            selfservice.identify(pin_hall, "101", "0000")
        assert _rows(pin_hall, "SELECT misses FROM kiosk_misses WHERE card = '101'") == [(n,)]
    with pytest.raises(HallError, match=f"try again in {kiosk.lock_minutes} minutes"):
        selfservice.identify(pin_hall, "101", "0000")
    # Locked: the right PIN too, from any process (a new Store is another kiosk)
    with pytest.raises(HallError, match="Too many wrong tries"):
        selfservice.identify(Store(pin_hall.path, clock=pin_hall.clock), "101", "4821")
    pin_hall.clock.advance(minutes=kiosk.lock_minutes)
    assert selfservice.identify(pin_hall, "101", "4821") == Actor.member("101")
    assert _rows(pin_hall, "SELECT misses, locked_until FROM kiosk_misses WHERE card = '101'") == [(0, None)]
    db = connect(pin_hall.path)
    try:
        failed = audit.entries(db, action="member.check_failed")
    finally:
        db.close()
    assert sorted(e["data"]["misses"] for e in failed) == list(range(1, kiosk.max_misses + 1))
    assert all("0000" not in str(e["data"]) for e in failed)  # never the digits typed


def test_an_unknown_card_is_recorded_without_what_was_typed(pin_hall):
    with pytest.raises(HallError, match="do not match"):
        selfservice.identify(pin_hall, "999999", "1234")
    db = connect(pin_hall.path)
    try:
        entry = audit.entries(db, action="member.check_failed")[-1]
    finally:
        db.close()
    assert entry["subject"] == "members" and "999999" not in str(entry["data"])


def test_staff_setting_a_new_pin_unlocks_the_card(pin_hall):
    members.set_pin(pin_hall, "101", "4821", actor=ACTOR)
    for _ in range(pin_hall.rules()[1].kiosk.max_misses):
        with pytest.raises(HallError):
            selfservice.identify(pin_hall, "101", "0000")
    members.set_pin(pin_hall, "101", "5555", actor=ACTOR)
    assert selfservice.identify(pin_hall, "101", "5555") == Actor.member("101")


def test_a_member_re_signs_and_changes_the_pin_as_member_card(pin_hall):
    members.set_pin(pin_hall, "101", "4821", actor=ACTOR)
    from hall.operations.registrations import sign

    sign(pin_hall, "101", "JW-1", actor=ACTOR)
    pin_hall.clock.advance(days=20)
    member = selfservice.identify(pin_hall, "101", "4821")
    selfservice.resign(pin_hall, actor=member)
    with pytest.raises(HallError, match="do not match"):
        selfservice.change_pin(pin_hall, actor=member, current="1111", new="2468")
    selfservice.change_pin(pin_hall, actor=member, current="4821", new="2468")
    assert selfservice.identify(pin_hall, "101", "2468") == member
    db = connect(pin_hall.path)
    try:
        resigned = audit.entries(db, action="registration.resigned")[-1]
        changed = audit.entries(db, action="member.pin_changed")[-1]
    finally:
        db.close()
    assert resigned["actor"] == changed["actor"] == "member:101"
    assert "2468" not in str(changed["data"])


def test_a_member_cannot_run_a_staff_operation_and_it_is_recorded(pin_hall):
    members.set_pin(pin_hall, "101", "4821", actor=ACTOR)
    member = selfservice.identify(pin_hall, "101", "4821")
    with pytest.raises(NotAllowed, match="Only a"):
        members.update_member(pin_hall, "101", actor=member, phone="555-9999")
    db = connect(pin_hall.path)
    try:
        refused = audit.entries(db, action="access.refused")[-1]
    finally:
        db.close()
    assert refused["actor"] == "member:101" and refused["data"]["operation"] == "members.update_member"
    assert _rows(pin_hall, "SELECT phone FROM members WHERE card = '101'") == [("555-0101",)]


def test_a_phone_digits_hall_allows_look_ups_only(tmp_path):
    path = new_hall(tmp_path / "phone.db", RULES_TEXT + '[kiosk]\nauth = "phone4"\n')
    store = Store(path, clock=SettableClock("2026-11-20 08:00"))
    members.add_member(store, "101", "Ada Lovelace", actor=ACTOR, phone="555-0101", classes=["JW"])
    member = selfservice.identify(store, "101", "0101")
    with pytest.raises(NotAllowed, match="only with a PIN"):
        selfservice.resign(store, actor=member)
