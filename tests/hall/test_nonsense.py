"""Nonsense is refused, one sentence each, exit 1, nothing written (issue 12, section 4): a job end before
its referral, dates outside the range that fits the field (said in the sentence), an imported member with no
classification (the row named), and escape, bidi and control characters in the rule set's names and book ids."""

from __future__ import annotations

import pytest

from hall.parse import CERT_EXPIRY, UNAVAILABLE
from tests.conftest import RULES_TEXT, Hall


def refer(hall: Hall, *, start: str, referred_at: str) -> Hall:
    """Card 101 referred at ``referred_at`` to call #1, taken on Mon 2 Nov 06:00 to start at ``start``."""
    at = "2026-11-02 06:00"
    hall.ok("member", "add", "101", "--name", "Ada Archer", "--class", "JW", at=at)
    hall.ok("sign", "101", "JW-1", at=at)
    hall.ok("employer", "add", "Acme", at=at)
    hall.ok("call", "add", "--employer", "Acme", "--class", "JW", "--workers", "1",
            "--start", start, "--days", "30", at=at)
    hall.ok("offer", "1", "101", "accepted", at=referred_at)
    return hall


@pytest.fixture
def referred(hall: Hall) -> Hall:
    """Card 101 referred on Wed 4 Nov 09:00 to call #1, which started Mon 2 Nov 07:00."""
    return refer(hall, start="2026-11-02 07:00", referred_at="2026-11-04 09:00")


def refused(hall: Hall, *args: str, at: str = "2026-11-20 08:00") -> str:
    before = hall.state()
    result = hall.fails(*args, at=at)
    assert result.exit_code == 1 and result.stdout == ""
    assert hall.state() == before, "a refusal wrote something"
    return result.stderr.strip()


def test_a_job_end_dated_before_its_referral_is_refused(referred: Hall):
    sentence = refused(referred, "end", "101", "--reason", "quit", "--at", "2026-11-03 10:00")
    assert "referred" in sentence and "Wed 4 Nov" in sentence and "cannot end before" in sentence
    sentence = refused(referred, "end", "101", "--reason", "quit", "--at", "2026-11-04 08:59")
    assert "referred" in sentence
    referred.ok("end", "101", "--reason", "quit", "--at", "2026-11-04 09:00")  # the minute it was recorded


def test_a_job_end_before_the_work_started_is_still_refused(hall: Hall):
    refer(hall, start="2026-11-09 07:00", referred_at="2026-11-02 06:00")
    assert "cannot end before" in refused(hall, "end", "101", "--reason", "quit", "--at", "2026-11-05 10:00")


@pytest.fixture
def member(hall: Hall) -> Hall:
    hall.ok("member", "add", "1042", "--name", "Ada Lovelace", "--class", "JW", at="2026-11-01 08:00")
    return hall


def test_unavailable_until_9999_is_refused_with_the_range(member: Hall):
    sentence = refused(member, "member", "unavailable", "1042", "--until", "9999-12-31", "--reason", "x")
    assert "9999-12-31" in sentence and "unavailability date" in sentence
    assert "2025-11-20 to 2031-11-20" in sentence, sentence  # 1 year back, 5 ahead, from today
    member.ok("member", "unavailable", "1042", "--until", "2031-11-20", "--reason", "long illness")


def test_a_certificate_expiring_0001_01_01_is_refused_with_the_range(member: Hall):
    for args in (["member", "cert", "1042", "CPR", "--expires", "0001-01-01"],
                 ["member", "add", "1043", "--name", "Bob Baker", "--class", "JW", "--cert", "CPR:0001-01-01"],
                 ["member", "cert", "1042", "CPR", "--expires", "2077-01-01"]):
        sentence = refused(member, *args)
        assert "certification expiry date" in sentence and "1926-11-20 to 2076-11-20" in sentence, sentence
    member.ok("member", "cert", "1042", "CPR", "--expires", "1990-05-01")  # long expired: still a date


def test_the_ranges_are_said_in_years():
    assert (UNAVAILABLE.back, UNAVAILABLE.ahead) == (1, 5)
    assert (CERT_EXPIRY.back, CERT_EXPIRY.ahead) == (100, 50)


def test_an_imported_member_with_no_classification_is_named_by_row(member: Hall, tmp_path):
    csv = tmp_path / "members.csv"
    csv.write_text("card,name,phone,classes,certs\n2001,Gail Good,,JW,\n2002,No Class,,,\n"
                   "2003,Also None,, ; ,\n2004,Old Cert,,JW,CPR:0001-01-01\n", encoding="utf-8")
    sentence = refused(member, "member", "import", str(csv))
    assert "line 3, column classes: a member needs at least one classification" in sentence, sentence
    assert "line 4, column classes" in sentence and "line 2" not in sentence
    assert "line 5, column certs: 0001-01-01" in sentence and "1926-11-20 to 2076-11-20" in sentence


RULES_WITH = RULES_TEXT + """
[[books]]
id = "JW-1"
name = "Journeyman Wireman, Book 1"
classification = "JW"
priority = 1
requires = ["OSHA-10"]
"""


@pytest.mark.parametrize("key, old, new", [
    ("books[1].name", "Journeyman Wireman, Book 1", "Journeyman \\u001b[2J Book 1"),
    ("books[1].name", "Journeyman Wireman, Book 1", "Journeyman \u202eWireman"),
    ("books[1].id", '"JW-1"', '"JW\u200f-1"'),
    ("books[1].classification", '"JW"', '"J\\u0007W"'),
    ("books[1].requires[1]", "OSHA-10", "OSHA\u2028-10"),
    ("hall.name", "Test Local 1", "Test\u2066 Local 1"),
])
def test_escape_bidi_and_control_characters_in_the_rules_are_refused_by_key(hall: Hall, tmp_path, key, old, new):
    from dispatch.rules import RulesError, load_rules

    assert old in RULES_WITH
    text = RULES_WITH.replace(old, new, 1)
    with pytest.raises(RulesError) as error:
        load_rules(text)
    assert error.value.key == key
    message = str(error.value)
    assert message.startswith(key) and "U+" in message and message.isprintable(), message
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    sentence = refused(hall, "rules", "set", str(path), "--effective", "2026-12-31 00:00")
    assert key in sentence and sentence.isprintable()
