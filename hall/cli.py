"""The `hall` command line: a contract that scripts depend on.

Every command calls the same operations as the app. A refused operation
prints one sentence on stderr and exits 1, having written nothing.
"""

from __future__ import annotations

import getpass
import json
import os
import sqlite3
import sys
from datetime import date, datetime
from pathlib import Path

import click

from hall.errors import HallError

EXIT_REFUSED = 1


def one_line(text: str) -> str:
    """A message safe for a terminal: one line, control and bidi characters shown as escapes."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


class HallGroup(click.Group):
    """A click group that turns hall errors into one sentence and a non-zero exit."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except HallError as error:
            raise click.ClickException(one_line(str(error))) from None
        except sqlite3.OperationalError as error:
            if "locked" in str(error) or "busy" in str(error):
                raise click.ClickException("The database is busy (another terminal is writing); try again.") from None
            raise click.ClickException(f"The database could not be used: {error}.") from None
        except sqlite3.DatabaseError as error:
            raise click.ClickException(f"The database could not be read: {error}.") from None
        except OverflowError:
            # A call number too large for the database, a date past the calendar's end.
            raise click.ClickException("A number or date given is out of range: give a smaller one.") from None
        except UnicodeEncodeError:
            # Bytes that are not UTF-8 on the command line (they arrive as lone surrogates).
            raise click.ClickException("The input is not valid UTF-8 text: type it again.") from None
        except KeyboardInterrupt:
            click.echo("Interrupted: nothing more was written.", err=True)
            sys.exit(130)


def _json_default(value):
    if isinstance(value, datetime):
        return value.astimezone().astimezone(__import__("datetime").UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__}")


def emit_json(data) -> None:
    """Exactly one JSON document on stdout."""
    click.echo(json.dumps(data, default=_json_default, ensure_ascii=False, indent=2))


def say(receipt) -> None:
    """Print what an operation did and its receipt (the audit entry's number) to read back."""
    click.echo(f"{receipt.message} Receipt #{receipt.seq}.")


class Context:
    """What every command needs: where the hall is, who is acting, what time it is."""

    def __init__(self, db: str | None, actor: str | None):
        self.path = Path(db) if db else None
        self._actor = actor

    @property
    def db_path(self) -> Path:
        from hall.db import default_path

        return self.path or default_path()

    @property
    def actor(self) -> str:
        if self._actor:
            return self._actor
        env = os.environ.get("HALL_ACTOR")
        if env:
            return env
        try:
            return getpass.getuser()
        except Exception:
            return "unknown"

    def store(self):
        from hall.store import Store

        return Store(self.db_path)


pass_ctx = click.make_pass_decorator(Context)


@click.group(cls=HallGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "db", metavar="PATH", help="The hall database (default: $HALL_DB, else ./hall.db).")
@click.option("--as", "actor", metavar="NAME", help="Who is making changes (default: $HALL_ACTOR, else your login).")
@click.version_option(package_name="hall")
@click.pass_context
def main(ctx: click.Context, db: str | None, actor: str | None) -> None:
    """Dispatch for a union hiring hall: out-of-work lists, job calls, referrals.

    With no command, opens the dispatcher's app.

    \b
    Example:
      hall demo demo.db && hall --db demo.db list JW-1
    """
    ctx.obj = Context(db, actor)
    if ctx.invoked_subcommand is None:
        ctx.invoke(tui)


# --- the hall itself ----------------------------------------------------------


@main.command()
@click.option("--rules", "rules_file", type=click.Path(dir_okay=False), help="A rule set file (TOML).")
@pass_ctx
def init(obj: Context, rules_file: str | None) -> None:
    """Create the hall database, with default rules unless a file is given.

    \b
    Example:
      hall --db local999.db init --rules local999.toml
    """
    from hall.clock import system_now
    from hall.operations.rules import init_database

    text = None
    if rules_file:
        text = _read_text(rules_file, "rules file")
    receipt = init_database(obj.db_path, actor=obj.actor, now=system_now(), rules_text=text)
    click.echo(receipt.message)


@main.command()
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--date", "as_of", metavar="YYYY-MM-DD", help="Build the demo as of this date (default today).")
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
def demo(path: str, as_of: str | None, force: bool) -> None:
    """Write the demo hall: about 60 members, calls, a few weeks of history.

    \b
    Example:
      hall demo demo.db && hall --db demo.db tui
    """
    from hall.demo import build_demo
    from hall.operations.common import parse_date_text

    day = parse_date_text(as_of, "date") if as_of else None
    target = Path(path)
    if target.exists():
        if not force:
            raise HallError(f"{target} already exists: use --force to replace it.")
        for suffix in ("", "-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)
    summary = build_demo(target, day)
    click.echo(summary)


@main.command()
@pass_ctx
def migrate(obj: Context) -> None:
    """Upgrade a database made by an older version (a copy is kept beside it).

    \b
    Example:
      hall --db hall.db migrate
    """
    from hall.db import connect

    store = obj.store()
    db = connect(store.path)
    try:
        applied = store.upgrade_if_needed(db)
    finally:
        db.close()
    click.echo(f"Applied {len(applied)} migration(s)." if applied else "The database is up to date.")


# --- rules --------------------------------------------------------------------


@main.group()
def rules() -> None:
    """Show or change the rule set."""


@rules.command("show")
@click.option("--at", "at", metavar="DATETIME", help="The rules in force at this moment (default now).")
@pass_ctx
def rules_show(obj: Context, at: str | None) -> None:
    """Print the rule set in force, and any change waiting to take effect.

    \b
    Example:
      hall rules show > rules.toml
    """
    from dispatch import calendar
    from hall import audit, load
    from hall.operations.common import parse_datetime_text

    store = obj.store()
    with store.read() as db:
        now = store.now()
        _, current = store.rules(db, now)
        moment = parse_datetime_text(at, current) if at else now
        row = db.execute(
            "SELECT id, text, effective_at FROM rulesets WHERE effective_at <= ? ORDER BY effective_at DESC, id DESC LIMIT 1",
            [audit.iso(moment)],
        ).fetchone()
        click.echo(row[1].rstrip("\n"))
        upcoming = db.execute(
            "SELECT effective_at FROM rulesets WHERE effective_at > ? ORDER BY effective_at", [audit.iso(now)]
        ).fetchall()
        for (when,) in upcoming:
            moment = calendar.moment_text(load.parse_time(when), current, calendar.local_date(now, current))
            click.echo(f"# note: a new rule set takes effect {moment}", err=True)


@rules.command("set")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--effective", required=True, metavar="DATETIME", help="When the new rules take effect (hall time).")
@click.option("--urgent", "urgent_reason", metavar="REASON", default="", help="Take effect sooner than the notice days, with a reason.")
@pass_ctx
def rules_set(obj: Context, file: str, effective: str, urgent_reason: str) -> None:
    """Adopt a new rule set from a date on (at least the notice days ahead).

    \b
    Example:
      hall rules set local999.toml --effective "2026-12-07 00:00"
    """
    from hall.operations.rules import set_rules

    text = _read_text(file, "rules file")
    receipt = set_rules(obj.store(), text, effective, actor=obj.actor, urgent_reason=urgent_reason)
    say(receipt)


# --- members ------------------------------------------------------------------


@main.group()
def member() -> None:
    """Add, show, change and import members."""


@member.command("add")
@click.argument("card")
@click.option("--name", required=True, help="Full name.")
@click.option("--phone", default="", help="Phone number.")
@click.option("--class", "classes", multiple=True, metavar="C", help="A classification (repeat), e.g. JW.")
@click.option("--cert", "certs", multiple=True, metavar="NAME[:YYYY-MM-DD]", help="A certification, with expiry (repeat).")
@click.option("--home-local", default="", help="Home local, for travelers.")
@pass_ctx
def member_add(obj: Context, card, name, phone, classes, certs, home_local) -> None:
    """Add a member or applicant.

    \b
    Example:
      hall member add 1042 --name "Ada Lovelace" --phone 555-0101 --class JW --cert OSHA-30:2027-06-30
    """
    from hall.operations.members import add_member

    receipt = add_member(obj.store(), card, name, actor=obj.actor, phone=phone, classes=classes,
                         certs=certs, home_local=home_local)
    say(receipt)


@member.command("update")
@click.argument("card")
@click.option("--name", default=None, help="New full name.")
@click.option("--phone", default=None, help="New phone number.")
@click.option("--class", "classes", multiple=True, metavar="C", help="The classifications (repeat; replaces the list).")
@click.option("--home-local", default=None, help="Home local.")
@click.option("--note", default="", help="Why the classifications changed.")
@pass_ctx
def member_update(obj: Context, card, name, phone, classes, home_local, note) -> None:
    """Change a member's name, phone, home local or classifications.

    \b
    Example:
      hall member update 1042 --phone 555-0199 --class JW --class AP
    """
    from hall.operations.members import update_member

    receipt = update_member(obj.store(), card, actor=obj.actor, name=name, phone=phone,
                            classes=list(classes) if classes else None, home_local=home_local,
                            class_note=note)
    say(receipt)


def _member_json(info: dict, history: dict | None = None) -> dict:
    m = info["member"]
    data = {
        "card": m.card, "name": m.name, "phone": m.phone, "home_local": m.home_local,
        "standing": m.standing, "suspension_note": m.suspension_note,
        "classes": sorted(m.classifications),
        "certs": [{"name": c.name, "expires": c.expires} for c in m.certifications],
        "books": [_book_json(b) for b in info["books"]],
    }
    if history is not None:
        data["offers"] = history["offers"]
        data["referrals"] = history["referrals"]
        data["job_ends"] = history["ends"]
        data["corrections"] = history["corrections"]
    return data


def _book_json(b: dict) -> dict:
    return {"book": b["book"], "status": b["status"], "position": b["position"],
            "registered_at": b["registered_at"], "resign_due": b["resign_due"],
            "turndowns": b["turndowns"], "restorations": b["restorations"]}


@member.command("show")
@click.argument("card")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def member_show(obj: Context, card: str, as_json: bool) -> None:
    """Show a member: books, positions, certifications, history.

    \b
    Example:
      hall member show 1042 --json
    """
    from hall.operations.common import check_card
    from hall.queries.members import member_history, member_position

    card = check_card(card)
    store = obj.store()
    with store.read() as db:
        now = store.now()
        _, rules = store.rules(db, now)
        info = member_position(db, card, rules, now)
        history = member_history(db, card)
    store.sweep()  # after the read succeeded: a refused command records nothing
    if as_json:
        emit_json(_member_json(info, history))
        return
    m = info["member"]
    click.echo(f"{m.name} · {m.card} · {', '.join(sorted(m.classifications)) or 'no classification'}"
               + (f" · phone {m.phone}" if m.phone else ""))
    if m.standing == "suspended":
        click.echo(f"  SUSPENDED: {m.suspension_note or 'referral suspended'}")
    for cert in m.certifications:
        click.echo(f"  cert {cert.name}" + (f" (expires {cert.expires})" if cert.expires else ""))
    _echo_books(info, rules)
    for offer in history["offers"][:10]:
        click.echo(f"  offer  #{offer['call']} {offer['employer']}: {offer['outcome']}"
                   + (" (turndown)" if offer["turndown"] else ""))
    for ref in history["referrals"][:10]:
        click.echo(f"  referral #{ref['call']} {ref['employer']} ({ref['basis']}, {ref['status']})")


def _echo_books(info: dict, rules) -> None:
    from dispatch import calendar

    if not info["books"]:
        click.echo("  not on any book")
    for b in info["books"]:
        if b["status"] == "waiting":
            due = b["resign_due"]
            mark = {"due_soon": " ! due soon", "overdue": " ! OVERDUE (passed over until re-signed)"}.get(
                b.get("resign_state"), "")
            of = f" of {b['of']}" if b.get("of") else ""
            turndowns = f"  turndowns {b['turndowns']}" if "turndowns" in b else ""
            click.echo(f"  {b['book']:<6} waiting  position {b['position']}{of}  "
                       f"signed {calendar.local_date(b['registered_at'], rules):%d %b %Y}  "
                       f"re-sign by {due:%a %d %b %Y}{mark}{turndowns}")
        else:
            click.echo(f"  {b['book']:<6} {b['status'].replace('_', ' ')}")


@member.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@pass_ctx
def member_import(obj: Context, file: str) -> None:
    """Import members from CSV: all rows or none.

    Columns: card,name,phone,classes,certs — classes like "JW;AP", certs like
    "OSHA-30:2027-01-31;CPR".

    \b
    Example:
      hall member import members.csv
    """
    from hall.operations.members import import_members

    receipt = import_members(obj.store(), file, actor=obj.actor)
    say(receipt)


@member.command("cert")
@click.argument("card")
@click.argument("name")
@click.option("--expires", default=None, metavar="YYYY-MM-DD", help="Expiry date.")
@click.option("--remove", is_flag=True, help="Remove the certification.")
@pass_ctx
def member_cert(obj: Context, card, name, expires, remove) -> None:
    """Record or remove a certification.

    \b
    Example:
      hall member cert 1042 "Confined Space" --expires 2027-03-31
    """
    from hall.operations.members import set_certification

    receipt = set_certification(obj.store(), card, name, actor=obj.actor, expires=expires, remove=remove)
    say(receipt)


@member.command("unavailable")
@click.argument("card")
@click.option("--until", required=True, metavar="YYYY-MM-DD", help="Last day unavailable (included).")
@click.option("--reason", required=True, help="Why (private: never shown to other members).")
@click.option("--via", default="in_person", help="How the request came in: in_person, phone, email, fax, mail.")
@pass_ctx
def member_unavailable(obj: Context, card, until, reason, via) -> None:
    """Record that a member asked not to be referred until a date.

    \b
    Example:
      hall member unavailable 1042 --until 2026-12-03 --reason "surgery" --via phone
    """
    from hall.operations.members import declare_unavailable

    receipt = declare_unavailable(obj.store(), card, until, reason, actor=obj.actor, via=via)
    say(receipt)


@member.command("pin")
@click.argument("card")
@pass_ctx
def member_pin(obj: Context, card: str) -> None:
    """Set the PIN a member types at the kiosk (asked twice; for halls with kiosk.auth = "pin").

    \b
    Example:
      hall member pin 1042
    """
    from hall.operations.common import check_card
    from hall.operations.members import set_pin

    check_card(card)
    pin = click.prompt("PIN (4-8 digits)", hide_input=True, confirmation_prompt="Repeat the PIN", err=True)
    say(set_pin(obj.store(), card, pin, actor=obj.actor))


@member.command("reinstate")
@click.argument("card")
@click.option("--reason", required=True, help="The appeal or ruling that reinstates the member.")
@pass_ctx
def member_reinstate(obj: Context, card, reason) -> None:
    """Lift a member's suspension (admin).

    \b
    Example:
      hall member reinstate 1042 --reason "appeal 2026-14 upheld"
    """
    from hall.operations.members import reinstate

    receipt = reinstate(obj.store(), card, reason, actor=obj.actor)
    say(receipt)


# --- books --------------------------------------------------------------------


@main.command()
@click.argument("card")
@click.argument("book")
@click.option("--via", default="in_person", help="How it came in: in_person, phone, email, fax, mail.")
@pass_ctx
def sign(obj: Context, card, book, via) -> None:
    """Sign a member onto a book (at the bottom).

    \b
    Example:
      hall sign 1042 JW-1
    """
    from hall.operations.registrations import sign as do_sign

    receipt = do_sign(obj.store(), card, book, actor=obj.actor, via=via)
    say(receipt)


@main.command()
@click.argument("card")
@click.argument("book", required=False)
@click.option("--via", default="in_person", help="How it came in: in_person, phone, email, fax, mail.")
@pass_ctx
def resign(obj: Context, card, book, via) -> None:
    """Re-sign a member's book (or all their books): the place is kept.

    \b
    Example:
      hall resign 1042
    """
    from hall.operations.registrations import resign as do_resign

    receipt = do_resign(obj.store(), card, book, actor=obj.actor, via=via)
    say(receipt)


def _as_of_moment(text: str | None, rules, now):
    """The UTC moment of an --as-of option (None when not given); never in the future."""
    if text is None:
        return None
    from hall.operations.common import parse_datetime_text

    moment = parse_datetime_text(text, rules, "--as-of date and time")
    if moment > now:
        raise HallError("--as-of cannot be in the future: the list has not happened yet.")
    return moment


@main.command("list")
@click.argument("book", required=False)
@click.option("--as-of", "as_of", default=None, metavar="DATETIME",
              help="The list exactly as it stood at this moment (hall time).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def list_(obj: Context, book: str | None, as_of: str | None, as_json: bool) -> None:
    """Show the out-of-work list of a book (or every book), in order.

    \b
    Example:
      hall list JW-1
      hall list JW-1 --as-of "2026-11-20 07:30" --json
    """
    from hall.queries.books import book_list

    store = obj.store()
    if as_of is None:
        store.sweep(book=book)
    with store.read() as db:
        now = store.now()
        _, rules = store.rules(db, now)
        moment = _as_of_moment(as_of, rules, now)
        if moment is not None:
            from hall.asof import rules_at

            rules = rules_at(db, moment)
        if book:
            found = rules.book(book)
            if found is None:
                raise HallError(f"There is no book {book!r}: the books are {', '.join(b.id for b in rules.books)}.")
            books = [found]
        else:
            books = list(rules.books)
        if moment is not None:
            from hall.asof import book_list_as_of

            rows = [row for b in books for row in book_list_as_of(db, b.id, moment)]
        else:
            rows = [row for b in books for row in book_list(db, b.id, rules, now)]
    if as_json:
        emit_json([{"position": r.position, "card": r.card, "name": r.name, "book": r.book,
                    "registered_at": r.registered_at, "resign_due": r.resign_due} for r in rows])
        return
    from dispatch import calendar

    current = None
    for r in rows:
        if r.book != current:
            current = r.book
            click.echo(f"{r.book} {rules.book(r.book).name}")
        mark = {"due_soon": "  ! re-sign due", "overdue": "  ! overdue"}.get(r.resign_state, "")
        click.echo(f"  {r.position:>4}  {r.card:<8} {r.name:<28} "
                   f"{calendar.local(r.registered_at, rules):%d %b %Y %H:%M}  re-sign by {r.resign_due:%d %b}{mark}")
    if not rows:
        click.echo("No one is waiting.")


@main.command()
@click.argument("card")
@click.option("--as-of", "as_of", default=None, metavar="DATETIME",
              help="Where the member stood at this moment (hall time).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def position(obj: Context, card: str, as_of: str | None, as_json: bool) -> None:
    """Where a member stands on each of their books.

    \b
    Example:
      hall position 1042 --json
    """
    from hall.operations.common import check_card
    from hall.queries.members import member_position

    card = check_card(card)
    store = obj.store()
    with store.read() as db:
        now = store.now()
        _, rules = store.rules(db, now)
        moment = _as_of_moment(as_of, rules, now)
        if moment is not None:
            from hall.asof import position_as_of

            info = position_as_of(db, card, moment)
        else:
            info = member_position(db, card, rules, now)
    m = info["member"]
    if as_json:
        emit_json({"card": m.card, "name": m.name, "books": [
            {"book": b["book"], "status": b["status"], "position": b["position"],
             "registered_at": b["registered_at"], "resign_due": b["resign_due"]} for b in info["books"]]})
        return
    click.echo(f"{m.name} · {m.card}")
    _echo_books(info, rules)


# --- employers ----------------------------------------------------------------


@main.group()
def employer() -> None:
    """Employers and their no-referral requests."""


@employer.command("add")
@click.argument("name")
@click.option("--phone", default="", help="Phone number.")
@pass_ctx
def employer_add(obj: Context, name, phone) -> None:
    """Add an employer.

    \b
    Example:
      hall employer add "Acme Electric" --phone 555-0400
    """
    from hall.operations.employers import add_employer

    receipt = add_employer(obj.store(), name, actor=obj.actor, phone=phone)
    say(receipt)


@employer.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def employer_list(obj: Context, as_json: bool) -> None:
    """List employers.

    \b
    Example:
      hall employer list
    """
    from hall.queries.employers import employers

    with obj.store().read() as db:
        rows = employers(db)
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        click.echo(f"{row['name']}" + (f"  {row['phone']}" if row["phone"] else ""))


@employer.command("bar")
@click.argument("name")
@click.argument("card")
@click.option("--until", required=True, metavar="YYYY-MM-DD", help="Last day of the bar (included).")
@click.option("--reason", required=True, help="The employer's reason.")
@click.option("--contact", default="", help="Who at the employer asked.")
@pass_ctx
def employer_bar(obj: Context, name, card, until, reason, contact) -> None:
    """Record an employer's request not to be sent a member, until a date.

    \b
    Example:
      hall employer bar "Acme Electric" 1042 --until 2027-03-01 --reason "left site early" --contact "J. Ruiz"
    """
    from hall.operations.employers import bar_member

    receipt = bar_member(obj.store(), name, card, until, reason, actor=obj.actor, contact=contact)
    say(receipt)


# --- calls --------------------------------------------------------------------


@main.group()
def call() -> None:
    """Job calls: take, list, rank, cancel."""


@call.command("add")
@click.option("--employer", required=True, help="Employer name (known).")
@click.option("--class", "classification", required=True, metavar="C", help="Classification, e.g. JW.")
@click.option("--workers", required=True, help="Workers needed.")
@click.option("--start", required=True, metavar="DATETIME", help="Start (hall time), e.g. '2026-11-27 07:00'.")
@click.option("--days", required=True, help="Expected duration in working days.")
@click.option("--cert", "certs", multiple=True, metavar="NAME", help="A required certification (repeat).")
@click.option("--request", "requests", multiple=True, metavar="CARD:REASON", help="A name request (repeat).")
@click.option("--site", default="", help="Job site.")
@click.option("--notes", default="", help="Notes.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def call_add(obj: Context, employer, classification, workers, start, days, certs, requests, site, notes,
             as_json) -> None:
    """Take a job call.

    \b
    Example:
      hall call add --employer "Acme Electric" --class JW --workers 3 --start "2026-11-27 07:00" --days 30 --cert OSHA-30
    """
    from hall.operations.calls import take_call

    parsed = []
    for req in requests:
        card, sep, reason = req.partition(":")
        if not sep or not reason.strip():
            raise HallError(f"Name request {req[:30]!r} needs a reason: write CARD:REASON.")
        parsed.append((card, reason))
    receipt = take_call(obj.store(), employer=employer, classification=classification, workers=workers,
                        start=start, days=days, actor=obj.actor, certs=certs, requests=parsed, site=site,
                        notes=notes)
    if as_json:
        emit_json({"id": receipt.id})
    else:
        say(receipt)


@call.command("list")
@click.option("--open", "open_only", is_flag=True, help="Only open calls.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def call_list(obj: Context, open_only: bool, as_json: bool) -> None:
    """List job calls, newest first.

    \b
    Example:
      hall call list --open
    """
    from dispatch import calendar
    from hall.queries.calls import calls

    store = obj.store()
    with store.read() as db:
        _, rules = store.rules(db)
        rows = calls(db, open_only=open_only)
    if as_json:
        emit_json([{k: v for k, v in r.items() if not k.startswith("calling")} for r in rows])
        return
    for r in rows:
        click.echo(f"#{r['id']:<5} {r['employer']:<24} {r['class']} ×{r['workers']}  {r['accepted']} of {r['workers']}"
                   f"  {calendar.local(r['start'], rules):%a %d %b %H:%M}  {r['days']} days  {r['status']}")
    if not rows:
        click.echo("No calls.")


@call.command("rank")
@click.argument("call_id", metavar="CALL", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def call_rank(obj: Context, call_id: int, as_json: bool) -> None:
    """Show a call's candidates in offer order, passed-over ones with their reasons.

    \b
    Example:
      hall call rank 41
    """
    from hall import load

    store = obj.store()
    with store.read() as db:
        now = store.now()
        _, rules = store.rules(db, now)
        job = load.job_call(db, call_id)
        ranking, _ = load.rank_call(db, job, rules, now)
    if as_json:
        candidates = []
        for c in ranking.candidates:
            item = {"card": c.card, "name": c.name, "book": c.book_id, "position": c.position,
                    "eligible": c.eligible, "name_request": c.name_request,
                    "reasons": [{"code": r.code, "text": r.text} for r in c.reasons]}
            if c.outcome:
                item["outcome"] = c.outcome
            candidates.append(item)
        emit_json({"call": job.id, "candidates": candidates})
        return
    click.echo(f"Call #{job.id} · {job.employer} · {job.classification} ×{job.workers} · {job.status}")
    for c in ranking.candidates:
        place = "name" if c.name_request else (str(c.position) if c.position else "-")
        state = c.outcome or ("eligible" if c.eligible else "passed over: " + "; ".join(r.text for r in c.reasons))
        click.echo(f"  {place:>4}  {c.card:<8} {c.name:<28} {c.book_id:<6} {state}")


@call.command("cancel")
@click.argument("call_id", metavar="CALL", type=int)
@click.option("--reason", required=True, help="Why the call is cancelled.")
@pass_ctx
def call_cancel(obj: Context, call_id: int, reason: str) -> None:
    """Cancel a call.

    \b
    Example:
      hall call cancel 41 --reason "job postponed by the owner"
    """
    from hall.operations.calls import cancel_call

    receipt = cancel_call(obj.store(), call_id, reason, actor=obj.actor)
    say(receipt)


@main.command()
@click.argument("call_id", metavar="CALL", type=int)
@click.argument("card")
@click.argument("outcome", metavar="OUTCOME")
@click.option("--note", default="", help="Number dialled, voicemail, who at the employer...")
@pass_ctx
def offer(obj: Context, call_id: int, card: str, outcome: str, note: str) -> None:
    """Record an offer's outcome: accepted | declined | no_answer | employer_rejected.

    Only the next candidate in ranked order can be offered.

    \b
    Example:
      hall offer 41 1042 accepted
    """
    from hall.operations.offers import record_offer

    receipt = record_offer(obj.store(), call_id, card, outcome, actor=obj.actor, note=note)
    say(receipt)


@main.command()
@click.argument("card")
@click.option("--reason", required=True, type=click.Choice(["laid_off", "quit", "discharged"]),
              help="How the job ended.")
@click.option("--days-worked", default=None, help="Days worked (default: business days since the start).")
@click.option("--hours", default=None, help="Hours worked (default: 8 per day worked).")
@click.option("--at", default=None, metavar="DATETIME", help="When the job ended (default now).")
@pass_ctx
def end(obj: Context, card, reason, days_worked, hours, at) -> None:
    """Record that a member left the job they were referred to.

    \b
    Example:
      hall end 1042 --reason laid_off
    """
    from hall.operations.jobs import end_job

    receipt = end_job(obj.store(), card, reason, actor=obj.actor, days_worked=days_worked, hours=hours, at=at)
    say(receipt)


@call.command("amend")
@click.argument("call_id", metavar="CALL", type=int)
@click.option("--workers", default=None, help="New number of workers (not below those accepted).")
@click.option("--start", default=None, metavar="DATETIME", help="New start (hall time).")
@click.option("--days", default=None, help="New expected duration in working days.")
@click.option("--reason", required=True, help="Why the call changed (who at the employer said so).")
@pass_ctx
def call_amend(obj: Context, call_id: int, workers, start, days, reason) -> None:
    """Change a call's workers, start or days; a filled call that gains workers reopens.

    \b
    Example:
      hall call amend 41 --workers 4 --reason "foreman asked for one more"
    """
    from hall.operations.referrals import amend_call

    receipt = amend_call(obj.store(), call_id, actor=obj.actor, reason=reason, workers=workers, start=start,
                         days=days)
    say(receipt)


@main.command()
@click.argument("call_id", metavar="CALL", type=int)
@click.argument("card")
@click.argument("outcome", type=click.Choice(["rejected_at_job", "cancelled", "no_show"]))
@click.option("--note", default="", help="Who reported it, and what they said.")
@pass_ctx
def referral(obj: Context, call_id: int, card: str, outcome: str, note: str) -> None:
    """Record what happened to an accepted referral before work began.

    rejected_at_job and cancelled give the member their place back (no
    turndown) and reopen the call; no_show counts as a quit.

    \b
    Example:
      hall referral 41 1042 rejected_at_job --note "gate foreman J. Ruiz: no badge"
    """
    from hall.operations.referrals import record_referral_outcome

    receipt = record_referral_outcome(obj.store(), call_id, card, outcome, actor=obj.actor, note=note)
    say(receipt)


@main.group()
def correct() -> None:
    """Corrections and appeals (admin): each cites an authority and a reason."""


@correct.command("outcome")
@click.argument("call_id", metavar="CALL", type=int)
@click.argument("card")
@click.option("--authority", required=True, help="Appeal number or ruling.")
@click.option("--reason", required=True, help="Why the outcome is set aside.")
@pass_ctx
def correct_outcome(obj: Context, call_id: int, card: str, authority: str, reason: str) -> None:
    """Set aside an outcome recorded on a call (its turndown no longer counts).

    \b
    Example:
      hall correct outcome 41 1042 --authority "Appeal 2026-14" --reason "decline keyed in error"
    """
    from hall.operations.corrections import reverse_outcome

    receipt = reverse_outcome(obj.store(), call_id, card, actor=obj.actor, authority=authority, reason=reason)
    say(receipt)


@correct.command("restore")
@click.argument("card")
@click.argument("book")
@click.option("--authority", required=True, help="Appeal number or ruling.")
@click.option("--reason", required=True, help="Why the place is restored.")
@pass_ctx
def correct_restore(obj: Context, card: str, book: str, authority: str, reason: str) -> None:
    """Put a removed registration back at its original place.

    \b
    Example:
      hall correct restore 1042 JW-1 --authority "Ruling 2026-3" --reason "re-sign was mailed in time"
    """
    from hall.operations.corrections import restore_place

    receipt = restore_place(obj.store(), card, book, actor=obj.actor, authority=authority, reason=reason)
    say(receipt)


@correct.command("grant")
@click.argument("call_id", metavar="CALL", type=int)
@click.argument("card")
@click.option("--authority", required=True, help="Appeal number or ruling.")
@click.option("--reason", required=True, help="Why the referral is granted.")
@pass_ctx
def correct_grant(obj: Context, call_id: int, card: str, authority: str, reason: str) -> None:
    """Refer a member to a call as a remedy (basis remedy), outside the list order.

    \b
    Example:
      hall correct grant 44 1042 --authority "Appeal 2026-14" --reason "passed over on #41 in error"
    """
    from hall.operations.corrections import grant_referral

    receipt = grant_referral(obj.store(), call_id, card, actor=obj.actor, authority=authority, reason=reason)
    say(receipt)


# --- audit and backup -----------------------------------------------------------


@main.group("audit")
def audit_group() -> None:
    """Verify and read the audit log."""


def _parse_head(text: str) -> tuple[int, str]:
    seq, sep, digest = (text or "").partition(":")
    if not sep or not seq.strip().isdigit() or len(digest.strip()) != 64:
        raise HallError(f"{text[:80]!r} is not a head: write it as SEQ:HASH, as `hall audit head` prints it.")
    return int(seq), digest.strip().lower()


@audit_group.command("verify")
@click.option("--head", "head_text", default=None, metavar="SEQ:HASH", help="Also check a head posted earlier is still in the chain.")
@pass_ctx
def audit_verify(obj: Context, head_text: str | None) -> None:
    """Recompute the whole hash chain; name the first bad entry.

    \b
    Example:
      hall audit verify --head 1287:9f2c...e01a
    """
    from hall import audit

    expect = _parse_head(head_text) if head_text else None
    with obj.store().read() as db:
        total = db.execute("SELECT count(*) FROM audit").fetchone()[0]
        if total > 50000 and sys.stderr.isatty():
            with click.progressbar(length=total, label="Verifying", file=sys.stderr) as bar:
                last = [0]

                def progress(done, _total):
                    bar.update(done - last[0])
                    last[0] = done

                result = audit.verify(db, expect_head=expect, progress=progress)
        else:
            result = audit.verify(db, expect_head=expect)
    if not result.ok:
        click.echo(f"Audit log FAILED at entry {result.bad_seq}: {result.problem}.", err=True)
        sys.exit(1)
    extra = f"; head {expect[0]} is part of it" if expect else ""
    click.echo(f"Audit log verified: {result.checked} entries, chain intact{extra}.")


@audit_group.command("head")
@pass_ctx
def audit_head(obj: Context) -> None:
    """Print the newest entry as SEQ:HASH, to post on the wall or in the minutes.

    \b
    Example:
      hall audit head
    """
    from hall import audit

    with obj.store().read() as db:
        seq, digest = audit.head(db)
    click.echo(f"{seq}:{digest}")


@audit_group.command("log")
@click.option("--card", default=None, help="Only entries about this member.")
@click.option("--call", "call_id", default=None, type=int, help="Only entries about this call.")
@click.option("--action", default=None, help="Only this action, e.g. offer.recorded.")
@click.option("--actor", default=None, help="Only entries by this person.")
@click.option("--limit", default=50, show_default=True, help="How many entries (newest first).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def audit_log(obj: Context, card, call_id, action, actor, limit, as_json) -> None:
    """Read the audit log, newest first.

    \b
    Example:
      hall audit log --card 1042 --json
    """
    from hall import audit

    with obj.store().read() as db:
        rows = audit.entries(db, card=card, call=call_id, action=action, actor=actor, limit=limit)
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        summary = row["data"].get("message") or ", ".join(
            f"{k}={v}" for k, v in row["data"].items() if isinstance(v, (str, int)) and k != "message")[:100]
        click.echo(f"#{row['seq']:<6} {row['at']}  {row['actor']:<10} {row['action']:<22} {row['subject']:<14} {summary}")


@main.command()
@click.argument("dest", type=click.Path(dir_okay=False))
@pass_ctx
def backup(obj: Context, dest: str) -> None:
    """Copy the database safely while others keep working (SQLite backup API).

    \b
    Example:
      hall backup /media/usb/hall-2026-11-26.db
    """
    from hall.backup import backup_to

    message = backup_to(obj.store(), Path(dest))
    click.echo(message)


# --- reports --------------------------------------------------------------------


@main.group("report")
def report_group() -> None:
    """Print or export the hall's reports (day book, lists, fairness, a member's packet).

    \b
    Example:
      hall report daybook --date 2026-11-26 --out daybook.pdf
    """


def _run_report(obj: Context, name: str, fmt: str | None, out: str | None, **options) -> None:
    from hall.reports import produce, render_text
    from hall.reports.export import FORMATS, format_for, to_csv, to_markdown, write

    if fmt and fmt.lower() not in FORMATS:
        raise HallError(f"{fmt!r} is not a report format: use one of {', '.join(FORMATS)}.")
    if out:
        fmt = format_for(out, fmt)
    elif fmt and fmt.lower() in ("xlsx", "pdf"):
        raise HallError(f"A {fmt.upper()} report needs a file: add --out FILE.{fmt.lower()}.")
    report = produce(obj.store(), name, **options)
    if out:
        path = write(report, out, fmt)
        click.echo(f"Wrote {path} ({report.title}; audit head #{report.head[0]}).")
    elif fmt and fmt.lower() == "csv":
        click.echo(to_csv(report), nl=False)
    elif fmt and fmt.lower() == "md":
        click.echo(to_markdown(report), nl=False)
    else:
        click.echo(render_text(report), nl=False)


def _report_outputs(fn):
    fn = click.option("--out", "out", metavar="FILE",
                      help="Write to FILE; the format comes from its extension (.csv .xlsx .pdf .md).")(fn)
    fn = click.option("--format", "fmt", metavar="csv|xlsx|pdf|md",
                      help="Output format (default: a readable table on stdout).")(fn)
    return fn


@report_group.command("daybook")
@click.option("--date", "day", metavar="YYYY-MM-DD", help="The day (hall time); default today.")
@_report_outputs
@pass_ctx
def report_daybook(obj: Context, day, fmt, out) -> None:
    """Every offer and referral of a day, in order, ending with the day's audit head.

    \b
    Example:
      hall report daybook --date 2026-11-26 --out daybook.pdf
    """
    if not day:
        from dispatch import calendar

        store = obj.store()
        day = calendar.local_date(store.now(), store.rules()[1]).isoformat()
    _run_report(obj, "daybook", fmt, out, date=day)


@report_group.command("list")
@click.option("--book", metavar="BOOK", help="One book (default every book).")
@_report_outputs
@pass_ctx
def report_list(obj: Context, book, fmt, out) -> None:
    """The out-of-work list for the wall: names and positions only.

    \b
    Example:
      hall report list --book JW-1 --out jw1-wall.pdf
    """
    _run_report(obj, "list", fmt, out, book=book)


@report_group.command("resign-due")
@click.option("--days", metavar="N", default="7", show_default=True, help="Due within this many days.")
@_report_outputs
@pass_ctx
def report_resign_due(obj: Context, days, fmt, out) -> None:
    """Registrations due to re-sign within N days (and those overdue).

    \b
    Example:
      hall report resign-due --days 5
    """
    _run_report(obj, "resign-due", fmt, out, days=days)


@report_group.command("dropped")
@click.option("--since", metavar="YYYY-MM-DD", required=True, help="Removed on or after this day.")
@_report_outputs
@pass_ctx
def report_dropped(obj: Context, since, fmt, out) -> None:
    """Dropped from the books: failed to re-sign, turndowns, short-call limit.

    \b
    Example:
      hall report dropped --since 2026-11-01
    """
    _run_report(obj, "dropped", fmt, out, since=since)


@report_group.command("open-calls")
@_report_outputs
@pass_ctx
def report_open_calls(obj: Context, fmt, out) -> None:
    """Calls still being filled.

    \b
    Example:
      hall report open-calls --out open.csv
    """
    _run_report(obj, "open-calls", fmt, out)


@report_group.command("employment")
@_report_outputs
@pass_ctx
def report_employment(obj: Context, fmt, out) -> None:
    """Who is working now, by employer.

    \b
    Example:
      hall report employment --out employment.xlsx
    """
    _run_report(obj, "employment", fmt, out)


@report_group.command("unemployed")
@_report_outputs
@pass_ctx
def report_unemployed(obj: Context, fmt, out) -> None:
    """How many are out of work on each book.

    \b
    Example:
      hall report unemployed
    """
    _run_report(obj, "unemployed", fmt, out)


@report_group.command("name-requests")
@click.option("--since", metavar="YYYY-MM-DD", required=True, help="Referrals on or after this day.")
@_report_outputs
@pass_ctx
def report_name_requests(obj: Context, since, fmt, out) -> None:
    """Per employer: referrals by name, their share, and the reasons given.

    \b
    Example:
      hall report name-requests --since 2026-11-01
    """
    _run_report(obj, "name-requests", fmt, out, since=since)


@report_group.command("member")
@click.argument("card")
@_report_outputs
@pass_ctx
def report_member(obj: Context, card, fmt, out) -> None:
    """A member's registrations, positions over time, offers, referrals, job ends.

    \b
    Example:
      hall report member 1042
    """
    _run_report(obj, "member", fmt, out, card=card)


@report_group.command("fairness")
@click.option("--since", metavar="YYYY-MM-DD", required=True, help="The period starts on this day.")
@_report_outputs
@pass_ctx
def report_fairness(obj: Context, since, fmt, out) -> None:
    """Out-of-order referrals (must be 0), name-request shares, waits, rates, EEO aggregates.

    \b
    Example:
      hall report fairness --since 2026-11-01 --out fairness.pdf
    """
    _run_report(obj, "fairness", fmt, out, since=since)


@report_group.command("packet")
@click.argument("card")
@click.option("--since", metavar="YYYY-MM-DD", required=True, help="The period the member asks about.")
@_report_outputs
@pass_ctx
def report_packet(obj: Context, card, since, fmt, out) -> None:
    """A member's records packet: where they stood on every call, who was referred and why.

    \b
    Example:
      hall report packet 1042 --since 2026-11-01 --out packet-1042.pdf
    """
    _run_report(obj, "packet", fmt, out, card=card, since=since)


@member.command("identify")
@click.argument("card")
@click.option("--sex", default="declined", show_default=True, help="female, male or declined.")
@click.option("--race", default="declined", show_default=True,
              help="hispanic_latino, white, black, nhpi, asian, aian, two_or_more or declined.")
@pass_ctx
def member_identify(obj: Context, card, sex, race) -> None:
    """Record a member's voluntary self-identification (EEO-3; shown only in aggregate).

    \b
    Example:
      hall member identify 1042 --sex declined --race asian
    """
    from hall.operations.identification import record_self_identification

    receipt = record_self_identification(obj.store(), card, sex, race, actor=obj.actor)
    say(receipt)


# --- staff accounts -------------------------------------------------------------


@main.group()
def user() -> None:
    """Staff accounts for the app (admin or dispatcher)."""


def _ask_password(prompt: str = "Password") -> str:
    return click.prompt(prompt, hide_input=True, confirmation_prompt="Repeat the password", err=True)


@user.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["admin", "dispatcher"]), help="What the account may do.")
@pass_ctx
def user_add(obj: Context, name: str, role: str) -> None:
    """Add a staff account; the password is asked twice, never given on the command line.

    \b
    Example:
      hall user add maria --role dispatcher
    """
    from hall.operations.accounts import add_user, check_name, check_role

    check_name(name)
    check_role(role)
    password = _ask_password()
    receipt = add_user(obj.store(), name, password, role, actor=obj.actor)
    say(receipt)


@user.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def user_list(obj: Context, as_json: bool) -> None:
    """List staff accounts.

    \b
    Example:
      hall user list
    """
    from hall.operations.accounts import list_users

    rows = list_users(obj.store())
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        click.echo(f"{row['name']:<16} {row['role']:<10} {'disabled' if row['disabled'] else 'active'}")
    if not rows:
        click.echo("No accounts yet: the app asks for the first admin when it opens.")


@user.command("disable")
@click.argument("name")
@pass_ctx
def user_disable(obj: Context, name: str) -> None:
    """Disable a staff account.

    \b
    Example:
      hall user disable maria
    """
    from hall.operations.accounts import disable_user

    receipt = disable_user(obj.store(), name, actor=obj.actor)
    say(receipt)


@user.command("password")
@click.argument("name")
@pass_ctx
def user_password(obj: Context, name: str) -> None:
    """Set a staff account's password (asked twice).

    \b
    Example:
      hall user password maria
    """
    from hall.operations.accounts import check_name, set_password

    check_name(name)
    password = _ask_password("New password")
    receipt = set_password(obj.store(), name, password, actor=obj.actor)
    say(receipt)


# --- checking and restoring -------------------------------------------------------


@main.command()
@pass_ctx
def check(obj: Context) -> None:
    """Check the database: integrity, references, schema, audit chain and triggers, permissions.

    Prints a report; exits 1 if any check found a problem. Writes nothing.

    \b
    Example:
      hall --db hall.db check
    """
    from hall.check import check_database

    report = check_database(obj.db_path)
    for line in report.lines():
        click.echo(line)
    if not report.ok:
        sys.exit(1)


@main.command()
@click.argument("src", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace an existing database.")
@pass_ctx
def restore(obj: Context, src: str, force: bool) -> None:
    """Replace the hall database with a backup, after checking the backup. Stop every terminal first.

    \b
    Example:
      hall --db hall.db restore /media/usb/hall-2026-11-26.db --force
    """
    from hall.backup import restore_from

    click.echo(restore_from(Path(src), obj.db_path, force=force))


# --- the app ------------------------------------------------------------------


@main.command()
@pass_ctx
def tui(obj: Context) -> None:
    """Open the dispatcher's app (log in first).

    \b
    Example:
      hall --db demo.db tui
    """
    from screens.app import run_app

    run_app(obj.store())


@main.command()
@pass_ctx
def kiosk(obj: Context) -> None:
    """Open the members' kiosk: read-only, card and phone digits to look up a position.

    \b
    Example:
      hall --db hall.db kiosk
    """
    from screens.kiosk import run_kiosk

    run_kiosk(obj.store())


def _read_text(path: str, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise HallError(f"There is no {what} at {path}.") from None
    except UnicodeDecodeError:
        raise HallError(f"The {what} {path} is not UTF-8 text.") from None
    except OSError as error:
        raise HallError(f"Cannot read the {what} {path}: {error.strerror}.") from None


if __name__ == "__main__":
    main()
