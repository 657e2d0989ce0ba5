"""The benchmark keeps working: ``bench/run.py --quick`` runs and prints every row.

Checks the rows, not the timings (CI machines vary); a miss is fine here, a
crash or a missing row is not.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

ROWS = (
    "dispatch.rank,",
    "(info) dispatch.rank, the full ranking",
    "rank one call from the database",
    "record one offer outcome",
    "as a whole process",
    "the app: log in to a drawn board",
    "list screen",
    "the app's memory",
    "`hall audit verify` over",
    "`hall audit replay` over",
    "`hall member import` of",
    "rows into a new hall",
    "the write lock held during it",
)


@pytest.mark.slow
def test_quick_benchmark_prints_every_row(tmp_path):
    db = tmp_path / "quick.db"
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--db", str(db), "--runs", "1"],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    out = result.stdout
    assert "| figure" in out and "median" in out
    table = [line for line in out.splitlines() if line.startswith("| ")]
    for row in ROWS:
        assert any(row in line for line in table), f"no row for {row!r} in:\n{out}"
    for line in table[1:]:
        assert any(word in line for word in ("PASS", "MISS", "info")), line
    assert "CPUs" in out and "Python" in out  # the machine line


@pytest.mark.slow
def test_large_hall_is_deterministic_and_verifies(tmp_path):
    sys.path.insert(0, str(ROOT))
    from bench.make_large_hall import build
    from datetime import date

    from hall import audit
    from hall.db import connect
    from hall.replay import replay

    a = build(tmp_path / "a.db", quick=True, as_of=date(2026, 11, 26), verbose=False)
    b = build(tmp_path / "b.db", quick=True, as_of=date(2026, 11, 26), verbose=False)
    heads = []
    for name in ("a.db", "b.db"):
        db = connect(tmp_path / name)
        try:
            result = audit.verify(db)
            assert result.ok, result.problem
            heads.append(result.head)
        finally:
            db.close()
        replayed = replay(tmp_path / name)  # its entries' writes build exactly its tables
        assert replayed.ok and replayed.snapshot is None and replayed.entries == 20_000, replayed.summary
    assert heads[0] == heads[1]
    assert a["audit"] == b["audit"] == 20_000 and a["members"] == 600 and a["waiting"] == 800
