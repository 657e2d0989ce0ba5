"""`hall report NAME`: one command per report of the ``hall.reports.REPORTS`` registry, built from it
(its options, their meaning, its description and example), so a new report is one entry there.

The commands are built when asked for, so other commands do not import the reports."""

from __future__ import annotations

import click

from hall.cli.base import Context, pass_ctx
from hall.errors import HallError

# What each report option is on the command line, and what it means unless the report says.
_OPTIONS = {
    "date": dict(metavar="YYYY-MM-DD", help="The day (hall time); default today."),
    "book": dict(metavar="BOOK", help="One book (default every book)."),
    "days": dict(metavar="N", default="7", show_default=True, help="Due within this many days."),
    "since": dict(metavar="YYYY-MM-DD", help="From this day on."),
}


class ReportGroup(click.Group):
    """The report commands, each built from its registry entry when it is listed or run."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        from hall.reports import REPORTS

        return sorted(REPORTS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        from hall.reports import REPORTS

        spec = REPORTS.get(name)
        return _report_command(spec) if spec is not None else None


@click.group("report", cls=ReportGroup)
def report_group() -> None:
    """Print or export the hall's reports (day book, lists, fairness, a member's packet).

    \b
    Example:
      hall report daybook --date 2026-11-26 --out daybook.pdf
    """


def _run_report(obj: Context, name: str, fmt: str | None, out: str | None, force: bool = False,
                **options) -> None:
    from hall.reports import produce, render_text
    from hall.reports.export import FORMATS, format_for, to_csv, to_markdown, write

    if fmt and fmt.lower() not in FORMATS:
        raise HallError(f"{fmt!r} is not a report format: use one of {', '.join(FORMATS)}.")
    if out:
        fmt = format_for(out, fmt)
    elif fmt and fmt.lower() in ("xlsx", "pdf"):
        raise HallError(f"A {fmt.upper()} report needs a file: add --out FILE.{fmt.lower()}.")
    report = produce(obj.records(), name, **options)
    if out:
        path = write(report, out, fmt, replace=force)
        click.echo(f"Wrote {path} ({report.title}; audit head #{report.head[0]}).")
    elif fmt and fmt.lower() == "csv":
        click.echo(to_csv(report), nl=False)
    elif fmt and fmt.lower() == "md":
        click.echo(to_markdown(report), nl=False)
    else:
        click.echo(render_text(report), nl=False)


def _today(obj: Context) -> str:
    """Today's date in the hall's zone, as the day book's default."""
    with obj.records().reading() as read:
        return read.today.isoformat()


def _report_command(spec) -> click.Command:
    """The command for one report: its options (a card is an argument), --format and --out."""

    def run(obj: Context, fmt: str | None, out: str | None, force: bool, **options) -> None:
        if "date" in spec.options and not options.get("date"):
            options["date"] = _today(obj)
        _run_report(obj, spec.name, fmt, out, force, **options)

    command = pass_ctx(run)
    command = click.option("--force", is_flag=True, help="Replace the --out file if it exists.")(command)
    command = click.option("--out", "out", metavar="FILE",
                           help="Write to FILE; the format comes from its extension (.csv .xlsx .pdf .md).")(command)
    command = click.option("--format", "fmt", metavar="csv|xlsx|pdf|md",
                           help="Output format (default: a readable table on stdout).")(command)
    for key in reversed(spec.options):
        if key == "card":
            command = click.argument("card")(command)
            continue
        settings = dict(_OPTIONS[key])
        settings["help"] = spec.option_help.get(key, settings["help"])
        # The day book's date defaults to today here; every other listed requirement holds.
        settings["required"] = key in spec.required and key != "date"
        command = click.option(f"--{key}", key, **settings)(command)
    example = f"hall report {spec.name} {spec.example}".rstrip()
    return click.command(spec.name, help=f"{spec.description}\n\n\b\nExample:\n  {example}")(command)

COMMANDS = (report_group,)
