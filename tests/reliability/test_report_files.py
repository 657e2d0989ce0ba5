"""`report ... --out` writes a new 0600 file, never through a link, never over a file without --force;
CSV cells a spreadsheet would run as formulas are neutralised (issue 12, section 4)."""

from __future__ import annotations

import csv
import io
import stat

import pytest

from hall.reports.export import csv_cell
from tests.conftest import Hall


@pytest.fixture
def listed(hall: Hall) -> Hall:
    hall.ok("member", "add", "1042", "--name", '=HYPERLINK("http://evil.example","Ada")', "--class", "JW")
    hall.ok("member", "add", "1043", "--name", "@SUM(A1:A9)", "--class", "JW")
    hall.ok("sign", "1042", "JW-1")
    hall.ok("sign", "1043", "JW-1")
    return hall


def test_a_new_report_file_is_0600_and_an_existing_one_needs_force(listed: Hall, tmp_path):
    out = tmp_path / "list.csv"
    listed.ok("report", "list", "--out", str(out))
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    out.write_text("the treasurer's notes\n")
    refused = listed.fails("report", "list", "--out", str(out))
    assert "already exists: use --force" in refused.stderr and out.read_text() == "the treasurer's notes\n"
    listed.ok("report", "list", "--out", str(out), "--force")
    assert "HYPERLINK" in out.read_text() and stat.S_IMODE(out.stat().st_mode) == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".list.csv")]  # no temporary file left


def test_a_symlink_is_never_followed(listed: Hall, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    link = tmp_path / "report.csv"
    link.symlink_to(victim)
    assert "already exists" in listed.fails("report", "list", "--out", str(link)).stderr
    listed.ok("report", "list", "--out", str(link), "--force")
    assert victim.read_text() == "keep me\n"  # the link itself was replaced, not what it pointed to
    assert not link.is_symlink() and "HYPERLINK" in link.read_text()


@pytest.mark.parametrize("where", ["folder", "missing", "under_a_file"])
def test_a_folder_or_an_impossible_path_is_one_sentence(listed: Hall, tmp_path, where):
    (tmp_path / "notes.txt").write_text("a file\n")
    target = {"folder": tmp_path, "missing": tmp_path / "no" / "such" / "list.csv",
              "under_a_file": tmp_path / "notes.txt" / "list.csv"}[where]
    refused = listed.fails("report", "list", "--format", "csv", "--out", str(target))
    assert refused.stderr.count("\n") == 1 and refused.stderr.startswith("Error: ")


def test_csv_cells_that_would_run_as_formulas_are_neutralised(listed: Hall):
    text = listed.ok("report", "list", "--format", "csv").stdout
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "'=HYPERLINK(\"http://evil.example\",\"Ada\")" in cells and "'@SUM(A1:A9)" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert [csv_cell(v) for v in ("+1", "-x", "\tz", "\rq", -5, 3.5, None, "plain")] == \
        ["'+1", "'-x", "'\tz", "'\rq", -5, 3.5, "", "plain"]
