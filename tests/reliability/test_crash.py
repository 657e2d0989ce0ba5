"""Crashes: SIGKILL a terminal in the middle of its work, again and again.

After each kill the database must be sound (integrity, references, chain) and
every operation wholly there or wholly absent; what the killed process had
acknowledged must be there.
"""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

import pytest

from hall.check import check_database
from tests.reliability.helpers import (
    assert_receipts_present,
    assert_sound,
    assert_whole_operations,
    hall_with_members,
    read_log,
    start_worker,
    wait_ready,
)

KILLS = 30

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")


@pytest.mark.slow
def test_sigkill_at_random_moments_leaves_whole_operations(tmp_path: Path):
    db = tmp_path / "hall.db"
    hall_with_members(db, members_count=30)
    rnd = random.Random(20261126)
    log = tmp_path / "worker.log"
    growth = []
    for round_ in range(KILLS):
        before = len(read_log(log))
        proc = start_worker(db, log, seed=round_, seconds=60, name=f"victim{round_}")
        wait_ready(proc)
        time.sleep(rnd.uniform(0.05, 0.5))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        lines = read_log(log)
        errors = [line["error"] for line in lines if "error" in line]
        assert not errors, errors[0]
        assert_sound(db)
        assert_whole_operations(db)
        assert_receipts_present(db, [line for line in lines if "seq" in line])
        growth.append(len(lines) - before)
        report = check_database(db)
        assert report.ok, "\n".join(report.lines())
    # The kills landed while work was going on, not before it started.
    assert sum(1 for g in growth if g > 0) >= KILLS // 2, growth
