"""Where the app writes files for people to take away: the folder the hall chooses
(``[hall] exports_folder``, default ``exports`` beside the database), never the directory
the app was started in. Reports, members' records packets and referral slips go there."""

from __future__ import annotations

from pathlib import Path

from hall.errors import HallError
from hall.reports.model import Report
from hall.reports.slips import write_slips

REPORT_FORMATS = ("csv", "xlsx", "pdf")
PACKET_FORMATS = ("pdf", "md")


def exports_folder(store, rules=None) -> Path:
    """The hall's exports folder (a relative one is beside the database)."""
    if rules is None:
        rules = store.rules()[1]
    folder = Path(rules.hall.exports_folder).expanduser()
    return folder if folder.is_absolute() else Path(store.path).resolve().parent / folder


def _ready(folder: Path) -> Path:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise HallError(f"Cannot create the exports folder {folder}: {error.strerror or error}.") from None
    return folder


def export_report(store, report: Report, formats: tuple[str, ...] | None = None) -> list[Path]:
    """The report in each format (a records packet: PDF and Markdown) in the exports folder."""
    from hall.reports.export import default_name, write

    if formats is None:
        formats = PACKET_FORMATS if report.name == "packet" else REPORT_FORMATS
    folder = _ready(exports_folder(store))
    paths = []
    for fmt in formats:
        try:
            # the hall's own exports folder: a new export of the same report replaces the last
            paths.append(write(report, folder / default_name(report, fmt), fmt, replace=True))
        except OSError as error:
            raise HallError(f"Cannot write {folder / default_name(report, fmt)}: {error.strerror or error}.") from None
    return paths


def slips(store, call_id: int) -> list[Path]:
    """A referral slip for each accepted referral of the call, in the exports folder's ``slips``."""
    return write_slips(store, call_id, _ready(exports_folder(store)) / "slips")
