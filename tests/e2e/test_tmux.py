"""End to end in a real terminal: `hall tui` in tmux on a copy of hall.db.example.

Log in as maria, open the dispatch screen, Enter on the first open call, check the
screen shows the call, quit with ctrl+q, and check the exit status and the audit.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hall import audit
from hall.queries.calls import calls
from hall.store import Store

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux"),
]

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "hall.db.example"
BIN = Path(sys.executable).parent


class Terminal:
    """One tmux server of our own (its own socket), one session, 140×40."""

    def __init__(self, tmp_path: Path):
        self.socket = f"hall-e2e-{os.getpid()}-{tmp_path.name}"[:90]
        self.target = "hall"

    def tmux(self, *args: str, check: bool = True, timeout: float = 20) -> subprocess.CompletedProcess:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True,
                              check=check, timeout=timeout)

    def start(self, command: str) -> None:
        self.tmux("-f", "/dev/null", "new-session", "-d", "-s", self.target, "-x", "140", "-y", "40", command)

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", self.target, *keys)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", self.target, "-l", text)

    def screen(self) -> str:
        result = self.tmux("capture-pane", "-p", "-t", self.target, check=False)
        return result.stdout

    def wait_for(self, pattern: str, timeout: float = 20) -> str:
        """The screen once ``pattern`` shows on it (a terminal tells no one when it redraws: look again
        every 50 ms)."""
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.screen()
            if re.search(pattern, text):
                return text
            time.sleep(0.05)
        raise AssertionError(f"{pattern!r} did not appear within {timeout} s; the screen:\n{text}")

    def wait_for_signal(self, channel: str, timeout: float = 20) -> None:
        """Until a command in the session runs ``tmux wait-for -S CHANNEL`` (or has run it already)."""
        try:
            self.tmux("wait-for", channel, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"no {channel!r} within {timeout} s; the screen:\n{self.screen()}") from None

    def cursor(self) -> tuple[int, int]:
        out = self.tmux("display-message", "-p", "-t", self.target, "#{cursor_x} #{cursor_y}").stdout.split()
        return int(out[0]), int(out[1])

    def wait_for_cursor_to_leave(self, row: int, timeout: float = 10) -> None:
        """The focused input shows the cursor: wait for the focus to move on (keys typed ahead of a
        focus change would go to the old field)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.cursor()[1] == row:
            time.sleep(0.05)
        assert self.cursor()[1] != row, "the focus did not move:\n" + self.screen()

    def close(self) -> None:
        self.tmux("kill-server", check=False)


@pytest.fixture
def hall_db(tmp_path: Path) -> Path:
    path = tmp_path / "hall.db"
    if EXAMPLE.exists():
        shutil.copyfile(EXAMPLE, path)
    else:  # a fresh checkout before the example is generated: build one the same way
        subprocess.run([str(BIN / "hall"), "demo", str(path)], check=True, capture_output=True, timeout=120)
    return path


def test_log_in_open_a_call_and_quit(hall_db: Path, tmp_path: Path):
    hall = BIN / "hall"
    assert hall.exists(), f"no hall script beside {sys.executable}"
    status_file = tmp_path / "exit-status"
    store = Store(hall_db)
    with store.read() as db:
        open_calls = {c["id"]: c for c in calls(db, open_only=True)}
        before = audit.head(db)[0]
    assert open_calls, "the example hall has open calls"

    term = Terminal(tmp_path)
    command = (f"cd {shlex.quote(str(tmp_path))} && HALL_DB={shlex.quote(str(hall_db))} TERM=xterm-256color "
               f"{shlex.quote(str(hall))} tui; echo EXIT=$? > {shlex.quote(str(status_file))};"
               f" tmux -L {shlex.quote(term.socket)} wait-for -S hall-exited")
    try:
        term.start(command)
        term.wait_for(r"Log in")
        term.type("maria")
        term.wait_for(r"maria")
        name_row = term.cursor()[1]
        term.keys("Enter")
        term.wait_for_cursor_to_leave(name_row)
        term.type("dispatch")
        term.keys("Enter")
        board = term.wait_for(r"OPEN CALLS \(\d+\)")
        assert "maria (dispatcher)" in board

        term.type("d")
        picker = term.wait_for(r"Enter to dispatch.*\n(.*\n)*.*#\d+")
        first = int(re.search(r"#(\d+)", picker[picker.index("Enter to dispatch"):]).group(1))
        assert first in open_calls
        term.keys("Enter")
        call = open_calls[first]
        shown = term.wait_for(rf"#{first}\b.*{re.escape(call['employer'][:20])}")
        assert "maria (dispatcher)" in shown

        term.keys("C-q")
        term.wait_for_signal("hall-exited")
        assert status_file.read_text().strip() == "EXIT=0"
    finally:
        term.close()

    with store.read() as db:
        # A morning selection due by the wall clock (the example's call posted for Fri 27 Nov 2026 07:00)
        # is recorded first by the log-in's write, actor system: the staff's own entries follow.
        new = [(e["actor"], e["action"]) for e in audit.entries(db, newest_first=False)
               if e["seq"] > before and e["actor"] != "system"]
    assert new[0] == ("maria", "user.login")
    assert new[-1] == ("maria", "user.logout")
