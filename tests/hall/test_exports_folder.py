"""The folder the hall chooses for the files people take away ([hall] exports_folder): beside
the database unless the rules say otherwise; never the directory the app was started in."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dispatch.rules import RulesError, load_rules
from hall.errors import HallError
from hall.reports import produce
from hall.store import Store
from hall.views.exports import export_report, exports_folder
from tests.conftest import new_hall

NOW = datetime(2026, 11, 26, 13, 30, tzinfo=UTC)


def make_hall(tmp_path, extra: str = ""):
    path = tmp_path / "hall" / "hall.db"
    path.parent.mkdir()
    new_hall(path, f'[hall]\nname = "Test Local 1"\n{extra}', at=NOW)
    return Store(path, clock=lambda: NOW)


def test_by_default_beside_the_database(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    store = make_hall(tmp_path)
    assert exports_folder(store) == tmp_path / "hall" / "exports"
    paths = export_report(store, produce(store, "open-calls"))
    assert [p.suffix for p in paths] == [".csv", ".xlsx", ".pdf"]
    assert all(p.parent == tmp_path / "hall" / "exports" and p.exists() for p in paths)
    assert not (tmp_path / "reports").exists() and not (tmp_path / "exports").exists()


def test_a_folder_the_hall_chooses(tmp_path):
    chosen = tmp_path / "office share" / "hall files"
    store = make_hall(tmp_path, f'exports_folder = "{chosen}"\n')
    assert exports_folder(store) == chosen
    export_report(store, produce(store, "open-calls"), ("csv",))
    assert [p.name for p in chosen.iterdir()] == ["open-calls.csv"]


def test_a_relative_folder_is_beside_the_database(tmp_path):
    store = make_hall(tmp_path, 'exports_folder = "out/reports"\n')
    assert exports_folder(store) == tmp_path / "hall" / "out" / "reports"


def test_a_folder_that_cannot_be_made_is_one_sentence(tmp_path):
    (tmp_path / "a file").write_text("not a folder")
    store = make_hall(tmp_path, f'exports_folder = "{tmp_path / "a file" / "inside"}"\n')
    with pytest.raises(HallError, match="Cannot create the exports folder"):
        export_report(store, produce(store, "open-calls"))


@pytest.mark.parametrize("value", ['""', "3", '"tab\\there"'])
def test_the_rule_is_checked_like_the_others(value):
    with pytest.raises(RulesError, match="hall.exports_folder must be a folder"):
        load_rules(f"[hall]\nexports_folder = {value}\n")
