"""The web benchmark keeps working: ``bench/web_load.py --quick`` runs and prints every row
(rows, not timings: CI machines vary)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_quick_web_load_prints_every_row():
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "web_load.py"), "--quick"],
                            capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    out = result.stdout
    for row in ("hall web under load: 10 members logged in", "a member's page (/me)", "the job board (/)",
                "every request", "errors 0", "95th percentile"):
        assert row in out, (row, out)
