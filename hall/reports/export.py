"""Writing a report to a file: CSV (always), XLSX (openpyxl), PDF (reportlab platypus), Markdown."""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

from hall.errors import HallError
from hall.reports.model import Report, cell_text

FORMATS = ("csv", "xlsx", "pdf", "md")
_EXTENSIONS = {".csv": "csv", ".xlsx": "xlsx", ".pdf": "pdf", ".md": "md", ".markdown": "md"}


def format_for(path: str | Path, given: str | None = None) -> str:
    """The format to write: ``given``, else the file's extension; a mismatch is refused."""
    ext = Path(path).suffix.lower()
    from_ext = _EXTENSIONS.get(ext)
    if given:
        given = given.lower()
        if given not in FORMATS:
            raise HallError(f"{given!r} is not a report format: use one of {', '.join(FORMATS)}.")
        if from_ext and from_ext != given:
            raise HallError(f"{Path(path).name} ends in {ext} but --format is {given}: make them agree.")
        return given
    if from_ext is None:
        raise HallError(f"Cannot tell the format of {Path(path).name}: end it in .csv, .xlsx, .pdf or .md,"
                        " or give --format.")
    return from_ext


def write(report: Report, path: str | Path, fmt: str | None = None, *, replace: bool = False) -> Path:
    """Write ``report`` to ``path`` in ``fmt`` (default from the extension).

    The file is made 0600 (member data, like the database) under a temporary name in the same
    folder and moved into place, never through a symbolic link: an existing file (or link) is
    refused unless ``replace``, and then the link itself is replaced, never what it points to.
    A folder or a path that cannot be written is one sentence.
    """
    path = Path(path)
    fmt = format_for(path, fmt)
    if path.parent and not path.parent.exists():
        raise HallError(f"There is no folder {path.parent}: create it first.")
    if path.is_dir() and not path.is_symlink():
        raise HallError(f"{path} is a folder: give a file name, e.g. {path / default_name(report, fmt)}.")
    if os.path.lexists(path) and not replace:
        raise HallError(f"{path} already exists: use --force to replace it, or choose another name.")
    temp = path.with_name(f".{path.name}.writing-{os.getpid()}")
    try:
        os.close(os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0), 0o600))
        if fmt == "csv":
            temp.write_text(to_csv(report), encoding="utf-8", newline="")
        elif fmt == "md":
            temp.write_text(to_markdown(report), encoding="utf-8")
        elif fmt == "xlsx":
            to_xlsx(report, temp)
        else:
            to_pdf(report, temp)
        os.chmod(temp, 0o600)
        if replace:
            os.replace(temp, path)  # replaces a link itself, never its target
        else:
            os.link(temp, path)  # fails if anything appeared there meanwhile
            temp.unlink()
    except FileExistsError:
        _remove(temp)
        raise HallError(f"{path} already exists: use --force to replace it, or choose another name.") from None
    except OSError as error:
        _remove(temp)
        raise HallError(f"Cannot write {path}: {error.strerror or error}.") from None
    return path


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:  # under a file, or gone with its folder: nothing was made there
        pass


def default_name(report: Report, fmt: str) -> str:
    """``daybook-2026-11-26.pdf``: the report's name and its options."""
    parts = [report.name, *[re.sub(r"[^A-Za-z0-9-]+", "_", v) for v in report.params.values()]]
    return "-".join(parts) + f".{fmt}"


# --- CSV ------------------------------------------------------------------------


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet reads as the start of a formula in a CSV cell."""


def csv_cell(value):
    """A cell as CSV may hold it: text a spreadsheet would run as a formula (``=HYPERLINK(...)``
    in a member's name) gets a leading apostrophe; numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")

    def row(values) -> None:
        writer.writerow([csv_cell(v) for v in values])

    for line in report.header_lines():
        row([line])
    for section in report.sections:
        row([])
        row([section.title])
        if section.columns:
            row(section.columns)
            for values in section.rows:
                row(values)
        if section.text:
            for line in section.text.splitlines():
                row([line])
        for note in section.notes:
            row([note])
    for note in report.notes:
        row([note])
    return out.getvalue()


# --- Markdown -------------------------------------------------------------------


def _md(value) -> str:
    return cell_text(value).replace("|", "\\|").replace("\n", " ")


def to_markdown(report: Report) -> str:
    lines = [f"# {report.title}", "", f"**{report.hall}**  ", f"Produced {report.produced_text}  ",
             f"Rule set in force: #{report.ruleset_id}  ", f"Audit head: `{report.head_text}`", ""]
    if report.params:
        lines += ["Options: " + ", ".join(f"{k} {v}" for k, v in report.params.items()), ""]
    lines += [f"_{note}_" for note in report.notes] + ([""] if report.notes else [])
    for section in report.sections:
        lines += [f"## {section.title}", ""]
        if section.columns:
            if section.rows:
                lines.append("| " + " | ".join(_md(c) for c in section.columns) + " |")
                lines.append("|" + "|".join("---" for _ in section.columns) + "|")
                lines += ["| " + " | ".join(_md(v) for v in row) + " |" for row in section.rows]
            else:
                lines.append("(none)")
            lines.append("")
        if section.text:
            lines += ["```toml", section.text, "```", ""]
        for note in section.notes:
            lines += [note, ""]
    return "\n".join(lines).rstrip() + "\n"


# --- XLSX -----------------------------------------------------------------------


def _sheet_name(title: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:28] or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        name = f"{base[:25]} {n}"
        n += 1
    used.add(name.lower())
    return name


def to_xlsx(report: Report, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for section in report.sections:
        sheet = book.create_sheet(_sheet_name(section.title, used))
        for line in report.header_lines():
            sheet.append([line])
        sheet.append([section.title])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True, size=12)
        if section.columns:
            sheet.append(list(section.columns))
            header_row = sheet.max_row
            for cell in sheet[header_row]:
                cell.font = Font(bold=True)
            for row in section.rows:
                sheet.append([_excel(v) for v in row])
            sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
            for i, column in enumerate(section.columns, start=1):
                longest = max([len(str(column))] + [len(cell_text(r[i - 1])) for r in section.rows[:500]])
                sheet.column_dimensions[get_column_letter(i)].width = min(max(longest + 2, 8), 60)
        for line in section.text.splitlines():
            sheet.append([line])
        for note in section.notes:
            sheet.append([note])
    if not report.sections:
        sheet = book.create_sheet("Report")
        for line in report.header_lines():
            sheet.append([line])
    book.properties.title = f"{report.hall}: {report.title}"
    book.save(path)


def _excel(value):
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") and not _NUMBERLIKE.match(value):
        return "'" + value  # never a formula from the records
    return value


_NUMBERLIKE = re.compile(r"^[-+]?\d")


# --- PDF ------------------------------------------------------------------------


def _fonts() -> tuple[str, str, str]:
    """A Unicode font if the machine has one (names like Wiśniewski), else Helvetica."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    if "HallSans" in pdfmetrics.getRegisteredFontNames():
        return "HallSans", "HallSans-Bold", "HallMono"
    for folder in ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/Library/Fonts"):
        regular = Path(folder, "DejaVuSans.ttf")
        bold = Path(folder, "DejaVuSans-Bold.ttf")
        mono = Path(folder, "DejaVuSansMono.ttf")
        if regular.exists() and bold.exists() and mono.exists():
            try:
                pdfmetrics.registerFont(TTFont("HallSans", str(regular)))
                pdfmetrics.registerFont(TTFont("HallSans-Bold", str(bold)))
                pdfmetrics.registerFont(TTFont("HallMono", str(mono)))
                return "HallSans", "HallSans-Bold", "HallMono"
            except (TTFError, OSError):  # a damaged or unreadable font file: the built-in fonts do
                break
    return "Helvetica", "Helvetica-Bold", "Courier"


def to_pdf(report: Report, path: Path) -> None:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import landscape, letter
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import inch
    from reportlab.pdfgen import canvas as pdfcanvas
    from reportlab.platypus import (
        KeepTogether,
        Paragraph,
        Preformatted,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    regular, bold, mono = _fonts()
    page = landscape(letter)
    margin = 0.5 * inch
    width = page[0] - 2 * margin
    body = ParagraphStyle("body", fontName=regular, fontSize=8, leading=10)
    cell = ParagraphStyle("cell", fontName=regular, fontSize=7.5, leading=9)
    head = ParagraphStyle("head", fontName=bold, fontSize=7.5, leading=9)
    h1 = ParagraphStyle("h1", fontName=bold, fontSize=14, leading=18, spaceAfter=4)
    h2 = ParagraphStyle("h2", fontName=bold, fontSize=10.5, leading=13, spaceBefore=10, spaceAfter=4)
    code = ParagraphStyle("code", fontName=mono, fontSize=7, leading=8.5)

    header_left = f"{report.hall} · {report.title}"
    header_right = f"Produced {report.produced_text}"
    footer_left = f"Rule set #{report.ruleset_id} · audit head #{report.head[0]} {report.head[1][:16]}…"

    class NumberedCanvas(pdfcanvas.Canvas):
        """Two passes so every page can say "page N of M"."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int) -> None:
            self.saveState()
            self.setFont(regular, 8)
            self.setFillColor(colors.black)
            self.drawString(margin, page[1] - 0.35 * inch, header_left)
            self.drawRightString(page[0] - margin, page[1] - 0.35 * inch, header_right)
            self.setStrokeColor(colors.grey)
            self.line(margin, page[1] - 0.4 * inch, page[0] - margin, page[1] - 0.4 * inch)
            self.drawString(margin, 0.3 * inch, footer_left)
            self.drawRightString(page[0] - margin, 0.3 * inch, f"Page {self._pageNumber} of {total}")
            self.restoreState()

    def p(value, style=cell):
        return Paragraph(escape(cell_text(value)), style)

    story = [Paragraph(escape(report.title), h1)]
    for line in report.header_lines()[1:]:
        story.append(Paragraph(escape(line), body))
    for note in report.notes:
        story.append(Paragraph(f"<i>{escape(note)}</i>", body))
    for section in report.sections:
        title = Paragraph(escape(section.title), h2)
        parts = []
        if section.columns:
            if section.rows:
                data = [[p(c, head) for c in section.columns]] + [[p(v) for v in row] for row in section.rows]
                table = Table(data, colWidths=_widths(section, width), repeatRows=1, hAlign="LEFT")
                table.setStyle(TableStyle([
                    ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                    ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.Color(0.94, 0.94, 0.94)]),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 3),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                    ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ]))
                parts.append(table)
            else:
                parts.append(Paragraph("(none)", body))
        if section.text:
            parts.append(Preformatted(section.text, code))
        for note in section.notes:
            parts.append(Paragraph(escape(note), body))
        story.append(KeepTogether([title, *parts[:1]]) if parts else title)
        story.extend(parts[1:])
        story.append(Spacer(1, 4))
    doc = SimpleDocTemplate(str(path), pagesize=page, leftMargin=margin, rightMargin=margin,
                            topMargin=0.6 * inch, bottomMargin=0.55 * inch,
                            title=f"{report.hall}: {report.title}", author=report.hall)
    doc.build(story, canvasmaker=NumberedCanvas)


def _widths(section, total: float) -> list[float]:
    """Column widths in proportion to their content (capped), filling the page width."""
    weights = []
    for i, column in enumerate(section.columns):
        longest = max([len(column)] + [len(cell_text(r[i])) for r in section.rows[:300]])
        weights.append(min(max(longest, 4), 60))
    scale = total / sum(weights)
    return [w * scale for w in weights]
