"""A small hall for the web's tests: a PIN hall in window re-sign mode, two members on JW-1 with
PINs, one open call; the members' browser is Starlette's TestClient on the application."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from hall.operations import members, registrations
from hall.operations.calls import take_call
from hall.store import Store
from tests.conftest import ACTOR, RULES_TEXT, SettableClock, new_hall
from web.app import create_app

WINDOW_RULES = RULES_TEXT + '[resign]\nmode = "window"\nwindow_start_day = 10\nwindow_end_day = 16\n'
ADA, BEN = ("101", "4821"), ("102", "7350")
BEN_PHONE = "555-0199"
BEN_REASON = "caring for a parent in Duluth"


@pytest.fixture
def web_store(tmp_path) -> Store:
    """The hall, its clock at Fri 20 Nov 2026 08:00 (outside the re-sign window of the 10th to 16th)."""
    clock = SettableClock("2026-11-12 08:00")
    store = Store(new_hall(tmp_path / "hall.db", WINDOW_RULES, at="2026-11-01 08:00"), clock=clock)
    members.add_member(store, "101", "Ada Lovelace", actor=ACTOR, phone="555-0101", classes=["JW"])
    members.add_member(store, "102", "Ben Ito", actor=ACTOR, phone=BEN_PHONE, classes=["JW"])
    registrations.sign(store, "101", "JW-1", actor=ACTOR)
    clock.advance(minutes=5)
    registrations.sign(store, "102", "JW-1", actor=ACTOR)
    members.set_pin(store, *ADA, actor=ACTOR)
    members.set_pin(store, *BEN, actor=ACTOR)
    members.declare_unavailable(store, "102", "2026-11-15", BEN_REASON, actor=ACTOR)
    take_call(store, employer="Acme Electric", classification="JW", workers=2, start="2026-11-27 07:00", days=30,
              certs=["OSHA-30"], site="Pier 5", actor=ACTOR, add_employer=True)
    clock.set("2026-11-20 08:00")
    return store


@pytest.fixture
def client(web_store) -> TestClient:
    return TestClient(create_app(web_store), base_url="http://127.0.0.1")


def csrf_of(page: str) -> str:
    """The CSRF token of the (first) form on a page."""
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return found.group(1)


def log_in(client: TestClient, card: str, pin: str, *, follow: bool = True):
    """Log in through the form as a member does."""
    page = client.get("/login")
    return client.post("/login", data={"csrf": csrf_of(page.text), "card": card, "pin": pin},
                       follow_redirects=follow)


def text_of(html: str) -> str:
    """A page's words without its tags."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
