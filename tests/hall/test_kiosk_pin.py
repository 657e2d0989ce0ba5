"""Halls that use kiosk PINs: staff set a member's PIN; the kiosk checks it, hashed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from hall.cli import main
from hall.errors import HallError
from hall.operations import members
from hall.operations.rules import init_database
from hall.store import Store
from hall.views.kiosk import check_member
from tests.conftest import ADMIN, MARIA

NOW = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
def pin_hall(tmp_path):
    path = tmp_path / "hall.db"
    init_database(path, actor=ADMIN, now=NOW,
                  rules_text='[hall]\ntimezone = "America/Chicago"\n[kiosk]\nauth = "pin"\n')
    store = Store(path, clock=lambda: NOW)
    members.add_member(store, "101", "Ada Lovelace", actor=MARIA, phone="555-0101", classes=["JW"])
    return store


def test_a_member_without_a_pin_is_told_to_ask_staff(pin_hall):
    with pin_hall.read_only() as db:
        assert "ask" in check_member(db, "101", "1234", pin_hall.rules()[1]).lower()


def test_the_pin_set_through_the_cli_opens_the_kiosk(pin_hall):
    result = CliRunner().invoke(main, ["member", "pin", "101"], input="4821\n4821\n",
                                env={"HALL_DB": str(pin_hall.path), "HALL_ACTOR": "maria"})
    assert result.exit_code == 0, result.output
    rules = pin_hall.rules()[1]
    with pin_hall.read_only() as db:
        assert check_member(db, "101", "4821", rules) is None
        assert check_member(db, "101", "0101", rules) is not None  # phone digits don't work here
        stored = db.execute("SELECT pin_hash FROM members WHERE card = '101'").fetchone()[0]
    assert "4821" not in stored and stored.startswith("$argon2id$")


@pytest.mark.parametrize("pin", ["12", "abcd", "123456789", ""])
def test_a_bad_pin_is_refused(pin_hall, pin):
    with pytest.raises(HallError, match="4 to 8 digits"):
        members.set_pin(pin_hall, "101", pin, actor=MARIA)
