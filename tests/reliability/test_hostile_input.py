"""Bad input, nothing lost: hostile strings through the command line and the importers.

Each command either works, or fails with a non-zero exit and one sentence on
stderr (no traceback, no terminal control codes echoed back), and then the
database content and the audit head are exactly as before.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dispatch.rules import load_rules, rules_to_toml
from hall.cli import main
from hall.clock import system_now
from tests.conftest import Hall, dump
from tests.reliability.helpers import hall_with_members

HOSTILE = [
    "", " ", "'", '"', "'; DROP TABLE members; --", "Robert'); DROP TABLE audit;--", "\" OR 1=1 --",
    "1; DELETE FROM audit", "%s%n%x", "{0}{name}", "../../etc/passwd", "\\", "`rm -rf /`", "$(id)",
    "\x1b[31mEvil\x1b[0m", "\x1b]0;title\x07", "\x1b[2J", "\r", "\n", "a\nb", "\t", "\x00", "a\x00b", "\x7f",
    "\u202eevil\u202c", "\u200f\u05e9\u05dc\u05d5\u05dd", "مرحبا", "😀", "👷\u200d♀️", "\ufeff", "\u2028",
    "\udcff", "x\udcc3y",  # undecodable argv bytes arrive as lone surrogates
    "-", "--", "-1", "0", "1e999", "NaN", "inf", "-inf", "1.5", "0x10", "٣", "99999999999999999999999",
    "2026-02-30", "2026-13-01", "0000-00-00", "9999-12-31", "2026-11-27 25:00", "2026-03-08 02:30",
    "2026-11-27T07:00:00+99:00", "A" * 201, "Ü" * 5000, "1" * 21,
]

hostile = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8", categories=("Cc", "Cf", "Zl", "Zp", "Mn", "So")), max_size=8),
    st.builds(lambda a, b: a + b, st.sampled_from(HOSTILE), st.text(max_size=10)),
)
DEADLINE = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                    derandomize=True)


def maybe(valid):
    """Sometimes a valid value (so later checks are reached), sometimes a hostile one."""
    return st.one_of(st.just(valid), hostile) if not isinstance(valid, st.SearchStrategy) else st.one_of(valid, hostile)


def invoke(db: Path, args: list[str], hall_actor: str = ""):
    """Run `hall ARGS` logged in as the hall's admin (its script token, made once; ``hall_actor`` in
    $HALL_ACTOR, which must change nothing); check the contract; return the result."""
    token = Hall(db, clock=system_now).token("tester")
    before = dump(db)
    result = CliRunner().invoke(main, args, env={"HALL_DB": str(db), "HALL_TOKEN": token, "HALL_ACTOR": hall_actor,
                                                 "HALL_STATE_DIR": str(db.parent / "state")})
    shown = f"hall {args!r} -> exit {result.exit_code}\nstdout: {result.stdout!r}\nstderr: {result.stderr!r}"
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{shown}\n{result.exc_info and __import__('traceback').format_exception(*result.exc_info)}")
    assert "Traceback" not in result.output, shown
    assert "\x1b" not in result.output and "\x9b" not in result.output, f"an escape code was echoed: {shown}"
    if result.exit_code != 0:
        lines = result.stderr.strip("\n").splitlines()
        if result.exit_code == 2:  # click's usage errors: Usage line, hint, then one Error line
            assert sum(1 for line in lines if line.startswith("Error:")) == 1, shown
        else:
            assert len(lines) == 1, f"not one line on stderr: {shown}"
        assert not any(ord(c) < 32 or c == "\x7f" for c in result.stderr.replace("\n", "")), (
            f"control characters echoed to the terminal: {shown}")
        assert dump(db) == before, f"a refused command changed the database: {shown}"
    return result


def hall_db(folder: Path) -> Path:
    path = folder / "hall.db"
    hall_with_members(path, members_count=3, employers_count=1)
    return path


def test_member_add_and_update(tmp_path):
    db = hall_db(tmp_path)

    @DEADLINE
    @given(card=maybe(st.from_regex(r"[A-Z0-9]{1,6}", fullmatch=True)), name=maybe("Ada Lovelace"),
           phone=maybe("555-0101"), cls=maybe("JW"), cert=maybe("OSHA-30:2027-06-30"), home=maybe(""))
    def run(card, name, phone, cls, cert, home):
        invoke(db, ["member", "add", f"--name={name}", f"--phone={phone}", f"--class={cls}",
                    f"--cert={cert}", f"--home-local={home}", "--", card])
        invoke(db, ["member", "update", f"--name={name}", f"--phone={phone}", f"--class={cls}",
                    f"--note={home}", "--", "1000"])

    run()


def test_member_cert_unavailable_and_reads(tmp_path):
    db = hall_db(tmp_path)

    @DEADLINE
    @given(card=maybe("1001"), name=maybe("CPR"), date=maybe("2030-01-31"), reason=maybe("surgery"),
           via=maybe("phone"))
    def run(card, name, date, reason, via):
        invoke(db, ["member", "cert", f"--expires={date}", "--", card, name])
        invoke(db, ["member", "unavailable", f"--until={date}", f"--reason={reason}", f"--via={via}", "--", card])
        invoke(db, ["member", "show", "--", card])
        invoke(db, ["position", "--json", "--", card])
        invoke(db, ["list", f"--as-of={date}", "--", name])

    run()


def test_sign_and_resign(tmp_path):
    db = hall_db(tmp_path)

    @DEADLINE
    @given(card=maybe("1001"), book=maybe("JW-3"), via=maybe("fax"))
    def run(card, book, via):
        invoke(db, ["sign", f"--via={via}", "--", card, book])
        invoke(db, ["resign", f"--via={via}", "--", card, book])
        invoke(db, ["resign", "--", card])

    run()


def test_employers_and_bars(tmp_path):
    db = hall_db(tmp_path)

    @DEADLINE
    @given(name=maybe("Acme Electric"), phone=maybe("555-0199"), card=maybe("1002"), until=maybe("2027-01-01"),
           reason=maybe("left early"), contact=maybe("J. Ruiz"))
    def run(name, phone, card, until, reason, contact):
        invoke(db, ["employer", "add", f"--phone={phone}", "--", name])
        invoke(db, ["employer", "bar", f"--until={until}", f"--reason={reason}", f"--contact={contact}",
                    "--", name, card])

    run()


def test_calls_offers_and_job_ends(tmp_path):
    db = hall_db(tmp_path)

    @DEADLINE
    @given(employer=maybe("Employer 0"), cls=maybe("JW"), workers=maybe("1"), start=maybe("2026-11-27 07:00"),
           days=maybe("5"), cert=maybe("OSHA-30"), request=maybe("1001:asked by name"), text=maybe("site A"),
           call=maybe("1"), card=maybe("1000"), outcome=maybe("declined"), number=maybe("3"))
    def run(employer, cls, workers, start, days, cert, request, text, call, card, outcome, number):
        invoke(db, ["call", "add", f"--employer={employer}", f"--class={cls}", f"--workers={workers}",
                    f"--start={start}", f"--days={days}", f"--site={text}", f"--notes={text}"])
        invoke(db, ["call", "add", "--employer=Employer 0", "--class=JW", "--workers=2",
                    "--start=2026-11-27 07:00", "--days=5", f"--cert={cert}", f"--request={request}"])
        invoke(db, ["offer", f"--note={text}", "--", call, card, outcome])
        invoke(db, ["call", "rank", "--", call])
        invoke(db, ["call", "cancel", f"--reason={text}", "--", call])
        invoke(db, ["end", "--reason=laid_off", f"--days-worked={number}", f"--hours={number}",
                    f"--at={start}", "--", card])

    run()


def test_audit_reads(tmp_path):
    db = hall_db(tmp_path)

    @DEADLINE
    @given(text=hostile, number=maybe("5"))
    def run(text, number):
        invoke(db, ["audit", "verify", f"--head={text}"])
        invoke(db, ["audit", "log", f"--card={text}", f"--action={text}", f"--actor={text}"])
        invoke(db, ["audit", "log", f"--limit={number}"])

    run()


def test_a_name_given_as_the_actor_changes_nothing(tmp_path):
    """$HALL_ACTOR is ignored and --as is no option: the log names the logged-in account."""
    db = hall_db(tmp_path)

    @DEADLINE
    @given(actor=hostile)
    def run(actor):
        invoke(db, ["employer", "add", "--", "Actor Test Co"], hall_actor=actor.replace("\x00", ""))  # no NUL in env
        assert invoke(db, ["--as", actor, "resign", "--", "1001"]).exit_code == 2
        listing = invoke(db, ["audit", "log", "--limit=3"]).stdout
        assert not any(ord(c) < 32 and c != "\n" or c == "\x7f" for c in listing), repr(listing)
        assert {e["actor"] for e in json.loads(invoke(db, ["audit", "log", "--limit=3", "--json"]).stdout)} <= {
            "tester", "system"}

    run()


def _csv_rows():
    cell = maybe(st.sampled_from(["1042", "Ada Lovelace", "555-0101", "JW;AP", "OSHA-30:2027-01-31;CPR", ""]))
    row = st.lists(cell, min_size=0, max_size=6)
    quote = st.sampled_from(['"', "", "'"])

    def render(rows, q, header):
        lines = [header] + [",".join(f"{q}{c}{q}" for c in r) for r in rows]
        return "\n".join(lines)

    return st.builds(render, st.lists(row, max_size=5), quote,
                     st.sampled_from(["card,name,phone,classes,certs", "card,name", "name,card", "", "card;name",
                                      "\ufeffcard,name,phone", "card,name,extra"]))


def test_member_csv_import(tmp_path):
    db = hall_db(tmp_path)
    folder = db.parent

    @DEADLINE
    @given(content=st.one_of(_csv_rows().map(lambda t: t.encode("utf-8", "surrogatepass")),
                             st.binary(max_size=300),
                             st.sampled_from([b"card,name\n\x00,\x00\n", b"card,name\n\"unterminated\n",
                                              b"\xff\xfe\x00c\x00a", b"card,name\n" + b"9,x\n" * 3 + b"9,y\n",
                                              b"card,name\n" + b"A" * 200000 + b",n\n"])))
    def run(content):
        path = folder / "members.csv"
        path.write_bytes(content)
        invoke(db, ["member", "import", "--", str(path)])

    run()


def _rules_texts():
    base = rules_to_toml(load_rules(""))
    lines = base.splitlines()
    values = [i for i, line in enumerate(lines) if " = " in line and not line.startswith("#")]

    def mutate(index, value, quoted, extra):
        out = list(lines)
        i = values[index % len(values)]
        key = out[i].split(" = ")[0]
        out[i] = f'{key} = "{value}"' if quoted else f"{key} = {value}"
        return "\n".join(out) + ("\n" + extra if extra else "")

    number = st.one_of(st.integers(-10**30, 10**30).map(str), st.sampled_from(
        ["nan", "inf", "-inf", "1e400", "0", "-1", "0.5", "[]", "{}", "true", "[1, 2]", '"x"', "1979-05-27"]))
    return st.one_of(
        st.builds(mutate, st.integers(0, 200), st.one_of(hostile, number), st.booleans(),
                  st.one_of(st.just(""), hostile)),
        hostile,
        st.sampled_from(["[hall]\ntimezone = \"Mars/Olympus\"\n", "[[books]]\nid = \"JW-1\"\n",
                         "[hall]\nname = \"\x1b[31mx\"\n", "[hall]\nname = 1\n", "\x00", "[hall\n",
                         "[hall]\nname = \"" + "x" * 100000 + "\"\n", base + "\n[hall]\n"]),
    )


def test_rules_files(tmp_path):
    db = hall_db(tmp_path)
    folder = db.parent

    @DEADLINE
    @given(text=_rules_texts(), effective=maybe("2030-01-01 00:00"))
    def run(text, effective):
        path = folder / "rules.toml"
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        invoke(db, ["rules", "set", f"--effective={effective}", "--urgent=test", "--", str(path)])
        fresh = folder / "fresh.db"
        for suffix in ("", "-wal", "-shm"):
            Path(str(fresh) + suffix).unlink(missing_ok=True)
        result = CliRunner().invoke(main, ["init", f"--rules={path}", "--admin", "ada", "--password-stdin"],
                                    input="ada-password\n", env={"HALL_DB": str(fresh), "HALL_TOKEN": ""})
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
        if result.exit_code != 0:
            assert len(result.stderr.strip().splitlines()) == 1, result.stderr
            assert not fresh.exists(), "a refused init left a database behind"

    run()


def test_a_card_of_digits_beside_the_same_number_with_zeros_is_refused(hall):
    hall.ok("member", "add", "1042", "--name", "Ada Lovelace", "--class", "JW")
    refused = hall.fails("member", "add", "01042", "--name", "Bob Smith", "--class", "JW")
    assert "is card 1042" in refused.stderr and "compare as numbers" in refused.stderr
    csv = hall.path.with_name("more.csv")
    csv.write_text("card,name,phone,classes,certs\n001042,Carl Jones,,JW,\n7,Dee Ray,,JW,\n007,Eve Moss,,JW,\n")
    imported = hall.fails("member", "import", str(csv))
    assert "card 001042 is card 1042" in imported.stderr and "card 007 is also on line 3" in imported.stderr
    hall.ok("member", "add", "A1042", "--name", "Flo Pike", "--class", "JW")  # letters: as written


@pytest.mark.parametrize("separator", ["\u2028", "\u2029"])
def test_a_line_or_paragraph_separator_in_a_name_is_refused(hall, separator):
    refused = hall.fails("member", "add", "1042", "--name", f"Eve{separator}Forged line", "--class", "JW")
    assert "line or paragraph separator" in refused.stderr
