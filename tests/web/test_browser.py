"""A member in a real browser: Debian's chromium driven by Playwright (never `playwright install`).

Runs in CI (`.ci/run` installs chromium with apt); without chromium the test fails, it does not skip.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest
import uvicorn

from tests.web.conftest import ADA
from web.app import create_app

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(web_store):
    """`hall web` on 127.0.0.1 in a thread, inside the re-sign window; its address."""
    web_store.clock.set("2026-12-12 09:00")
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(web_store), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "hall web did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_a_member_logs_in_reads_the_position_re_signs_and_logs_out(served, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=FLAGS,
            java_script_enabled=False, viewport={"width": 320, "height": 640})
        try:
            page = browser.new_page()
            page.goto(served + "/login")
            page.get_by_label("Card number").fill(ADA[0])
            page.get_by_label("PIN").fill(ADA[1])
            page.get_by_role("button", name="Log in").click()
            assert page.url == served + "/me"
            assert "You are 1st on JW-1 (nobody ahead of you)" in page.locator(".place").first.inner_text()
            # one column at 320 px: nothing wider than the screen
            assert page.evaluate("document.documentElement.scrollWidth") <= 320
            page.get_by_role("button", name="Re-sign now (JW-1)").click()
            assert "Receipt #" in page.get_by_role("status").inner_text()
            page.get_by_role("button", name="Log out").click()
            assert "You are logged out." in page.locator("main").inner_text()
            page.goto(served + "/me")
            assert page.url.startswith(served + "/login")
        finally:
            browser.close()
