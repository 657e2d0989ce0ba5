"""The (v2) list rules driven through the command line (issue 14): one book per classification,
qualifications and moves, hours that belong to the member, window re-signs, excused absences,
turndowns as locals count them and short calls by hours, each ending with the log replaying clean."""

from __future__ import annotations

import pytest

from tests.conftest import RULES_TEXT, dump
from tests.hall.conftest import Hall

WINDOW = RULES_TEXT + "[resign]\nmode = \"window\"\n"


def members(hall: Hall, *cards: str, cls: str = "JW", at: str = "2026-11-02 08:00") -> None:
    names = {"101": "Ada Lovelace", "102": "Ben Ito", "103": "Cy Young", "104": "Di Prince"}
    for card in cards:
        hall.ok("member", "add", card, "--name", names.get(card, f"Member {card}"), "--class", cls, at=at)


def replays(hall: Hall) -> None:
    assert hall.json("audit", "replay")["ok"]


def book(hall: Hall, card: str, at: str) -> dict:
    return hall.json("position", card, at=at)["books"][0]


def call(hall: Hall, at: str, *extra: str, start: str = "2026-12-01 07:00", days: str = "30") -> int:
    if "Acme" not in hall.ok("employer", "list", at=at).stdout:
        hall.ok("employer", "add", "Acme", at=at)
    return hall.json("call", "add", "--employer", "Acme", "--class", "JW", "--workers", "1", "--start", start,
                     "--days", days, *extra, at=at)["id"]


# --- Terms: one book per classification, qualifications, moves ------------------------------------


def test_a_second_book_of_one_classification_is_refused_with_nothing_written(hall: Hall):
    members(hall, "101")
    hall.ok("sign", "101", "JW-1", at="2026-11-02 09:00")
    before = hall.state()
    refused = hall.fails("sign", "101", "JW-2", at="2026-11-02 09:05")
    assert "already holds a place on JW-1" in refused.stderr and "hall member move 101 JW-2" in refused.stderr
    assert hall.state() == before
    replays(hall)


def test_a_member_on_two_classifications_signs_both(hall: Hall):
    hall.ok("member", "add", "101", "--name", "Ada Lovelace", "--class", "JW", "--class", "AP", at="2026-11-02 08:00")
    hall.ok("sign", "101", "JW-1", at="2026-11-02 09:00")
    hall.ok("sign", "101", "AP-1", at="2026-11-02 09:01")
    assert {b["book"] for b in hall.json("position", "101", at="2026-11-02 09:02")["books"]} == {"JW-1", "AP-1"}


def test_a_book_that_requires_a_qualification_and_a_move(make_hall):
    hall = make_hall(RULES_TEXT + "".join(
        f'[[books]]\nid = "JW-{n}"\nclassification = "JW"\npriority = {n}\n'
        + ("requires_qualification = true\n" if n == 1 else "") for n in (1, 2)))
    members(hall, "101", "102")
    hall.ok("sign", "102", "JW-2", at="2026-11-02 08:30")
    hall.ok("sign", "101", "JW-2", at="2026-11-02 09:00")
    before = hall.state()
    refused = hall.fails("member", "move", "101", "JW-1", "--reason", "exam", at="2026-11-03 09:00")
    assert "needs a qualification record" in refused.stderr and "hall member qualify 101 JW-1" in refused.stderr
    assert hall.state() == before
    said = hall.ok("member", "qualify", "101", "JW-1", "--evidence", "JW exam 2026-11-02", at="2026-11-03 09:00")
    assert "qualifies for JW-1" in said.stdout
    moved = hall.ok("member", "move", "101", "JW-1", "--reason", "passed the exam", at="2026-11-03 09:05")
    assert "moved from JW-2 to JW-1" in moved.stdout
    books = hall.json("position", "101", at="2026-11-03 09:06")["books"]
    assert [(b["book"], b["position"]) for b in books] == [("JW-1", 1)]
    assert books[0]["registered_at"] == "2026-11-03T15:05:00Z"  # the new place starts at the move
    assert hall.json("position", "102", at="2026-11-03 09:06")["books"][0]["position"] == 1
    show = hall.ok("member", "show", "101", at="2026-11-03 09:06").stdout
    assert "JW-1" in show
    entry = hall.audit(action="registration.moved")[0]
    assert entry["data"]["from"] == "JW-2" and entry["data"]["reason"] == "passed the exam"
    history = [r for w in entry["data"]["writes"] if w[1] == "registrations" and w[0] == "update" for r in [w[3]]]
    assert history[0]["removed_reason"] == "moved to JW-1"
    replays(hall)


def test_check_notes_two_books_of_one_classification_from_before_the_rule(make_hall):
    hall = make_hall(RULES_TEXT + "[registration]\none_per_classification = false\n")
    members(hall, "101")
    hall.ok("sign", "101", "JW-1", at="2026-11-02 09:00")
    hall.ok("sign", "101", "JW-2", at="2026-11-02 09:01")
    text = hall.run("check", at="2026-11-02 09:02").stdout
    assert "note     one book per classification: 1 member(s) hold two books" in text
    assert "card 101 on JW-1 and JW-2" in text


# --- Hours belong to the member -----------------------------------------------------------------


LOW_HOURS = RULES_TEXT + "[ordering]\npolicy = \"low_hours\"\n"


def test_laid_off_after_120_hours_signs_again_behind_members_with_16(make_hall):
    hall = make_hall(LOW_HOURS)
    members(hall, "101", "102", "103")
    for n, card in enumerate(("101", "102", "103")):
        hall.ok("sign", card, "JW-1", at=f"2026-11-02 09:0{n}")
    hall.ok("hours", "add", "101", "16", "--date", "2026-11-02", "--employer", "Bolt Co", at="2026-11-02 10:00")
    hall.ok("hours", "add", "102", "16", "--date", "2026-11-02", at="2026-11-02 10:01")
    assert [r["card"] for r in hall.json("list", "JW-1", at="2026-11-02 10:02")] == ["103", "101", "102"]
    cid = call(hall, "2026-11-02 10:05", start="2026-11-03 07:00")
    hall.ok("offer", str(cid), "103", "accepted", at="2026-11-02 10:06")
    # Laid off after 15 business days of 8 hours: 120 hours, a regular job: signs again.
    said = hall.ok("end", "103", "--reason", "laid_off", at="2026-11-23 16:00").stdout
    assert "signs the books again" in said
    hall.ok("sign", "103", "JW-1", at="2026-11-24 08:00")
    assert [r["card"] for r in hall.json("list", "JW-1", at="2026-11-24 08:01")] == ["101", "102", "103"]
    shown = hall.ok("position", "103", at="2026-11-24 08:01").stdout
    assert "120 hours this period" in shown
    record = hall.audit(action="job.ended")[0]["data"]["writes"]
    assert ["Acme", 120.0] == [[w[2]["employer"], w[2]["hours"]] for w in record if w[1] == "member_hours"][0]
    # A new month is a new period: everyone starts again from their registration order.
    assert [r["card"] for r in hall.json("list", "JW-1", at="2026-12-01 08:00")] == ["101", "102", "103"]
    replays(hall)


def test_hours_import_is_all_rows_or_none(hall: Hall, tmp_path):
    members(hall, "101", "102")
    bad = tmp_path / "bad.csv"
    bad.write_text("card,date,hours,employer\n101,2026-11-02,8,Acme\n102,2026-11-02,eight\n999,2026-11-02,8\n"
                   "101,2026-12-30,8\n", encoding="utf-8")
    before = hall.state()
    refused = hall.fails("hours", "import", str(bad), at="2026-11-03 09:00")
    assert "line 3: 'eight' is not a number of hours" in refused.stderr
    assert "line 4: no member has card 999" in refused.stderr and "line 5: Hours cannot be recorded" in refused.stderr
    assert hall.state() == before
    good = tmp_path / "good.csv"
    good.write_text("101,2026-11-02,8,Acme\n102,2026-11-02,7.5\n", encoding="utf-8")  # no header
    assert "Imported 2 hours rows (15.5 hours, 2 members)" in hall.ok("hours", "import", str(good),
                                                                       at="2026-11-03 09:00").stdout
    assert hall.json("member", "show", "102", at="2026-11-03 09:01")["period_hours"] == 7.5
    replays(hall)


def test_a_turndown_on_a_low_hours_board_adds_penalty_hours_to_the_member(make_hall):
    hall = make_hall(LOW_HOURS)
    members(hall, "101", "102")
    hall.ok("sign", "101", "JW-1", at="2026-11-02 09:00")
    hall.ok("sign", "102", "JW-1", at="2026-11-02 09:01")
    cid = call(hall, "2026-11-02 10:00", start="2026-11-03 07:00")
    hall.ok("offer", str(cid), "101", "declined", at="2026-11-02 10:01")
    assert hall.json("member", "show", "101", at="2026-11-02 10:02")["period_hours"] == 10
    assert [r["card"] for r in hall.json("list", "JW-1", at="2026-11-02 10:02")] == ["102", "101"]
    replays(hall)


# --- Re-sign: windows and excused absences --------------------------------------------------------


def test_a_window_re_sign_outside_the_window_is_refused_with_nothing_written(make_hall):
    hall = make_hall(WINDOW)
    members(hall, "101")
    hall.ok("sign", "101", "JW-1", at="2026-12-11 09:00")
    before = hall.state()
    refused = hall.fails("resign", "101", at="2026-12-20 09:00")
    assert refused.stderr.strip() == ("Error: Re-signing is open from the 10th to the 16th; "
                                      "Ada Lovelace (101) is due by 16 Jan 2027.")
    assert hall.state() == before


def test_the_exact_minute_the_window_closes(make_hall):
    hall = make_hall(WINDOW)
    members(hall, "101", "102")
    hall.ok("sign", "101", "JW-1", at="2026-12-11 09:00")
    hall.ok("sign", "102", "JW-1", at="2026-12-11 09:01")
    hall.ok("resign", "101", at="2026-12-16 23:59")
    hall.fails("resign", "102", at="2026-12-17 00:00")
    assert book(hall, "101", "2026-12-17 00:00")["resign_due"] == "2027-01-16"
    replays(hall)


def test_quarterly_windows_set_the_due_date(make_hall):
    hall = make_hall(WINDOW + "window_months = [1, 4, 7, 10]\n")
    members(hall, "101")
    hall.ok("sign", "101", "JW-1", at="2026-11-20 09:00")
    assert book(hall, "101", "2026-11-20 09:01")["resign_due"] == "2027-01-16"
    refused = hall.fails("resign", "101", at="2026-12-12 09:00")
    assert "open from the 10th to the 16th of January, April, July and October" in refused.stderr


def test_signed_nov_2_excused_nov_3_to_dec_20_is_due_jan_19(hall: Hall):
    members(hall, "101", "102")
    hall.ok("sign", "101", "JW-1", at="2026-11-02 09:00")
    hall.ok("sign", "102", "JW-1", at="2026-11-02 09:01")
    said = hall.ok("member", "excuse", "101", "--kind", "military", "--from", "2026-11-03", "--until",
                   "2026-12-20", "--evidence", "orders 26-114", at="2026-11-03 08:00").stdout
    assert "re-sign due Tue 19 Jan 2027" in said
    assert book(hall, "101", "2026-11-03 08:01")["resign_due"] == "2027-01-19"
    # The unexcused member is removed on Dec 2; the excused one (on military leave) is not dropped.
    assert [r["card"] for r in hall.json("list", "JW-1", at="2026-12-03 09:00")] == ["101"]
    # Passed over as excused on calls starting in the absence, never saying why.
    cid = call(hall, "2026-12-03 09:00", start="2026-12-10 07:00")
    ranked = hall.json("call", "rank", str(cid), at="2026-12-03 09:01")["candidates"]
    assert ranked[0]["reasons"] == [{"code": "exempt", "text": "excused until 2026-12-20"}]
    assert "military" not in hall.ok("call", "rank", str(cid), at="2026-12-03 09:01").stdout
    # Removed at closing on Jan 19 (a Tuesday), not a minute before.
    assert [r["card"] for r in hall.json("list", "JW-1", at="2027-01-19 16:59")] == ["101"]
    assert hall.json("list", "JW-1", at="2027-01-19 17:00") == []
    assert hall.audit(action="registration.lapsed")[-1]["data"]["due"] == "2027-01-19"
    replays(hall)


def test_an_excuse_ending_on_the_due_date(hall: Hall):
    members(hall, "101")
    hall.ok("sign", "101", "JW-1", at="2026-11-02 09:00")
    hall.ok("member", "excuse", "101", "--kind", "jury", "--from", "2026-11-20", "--until", "2026-12-02",
            "--evidence", "summons", at="2026-11-20 08:00")
    assert book(hall, "101", "2026-11-20 08:01")["resign_due"] == "2026-12-15"  # Dec 2 + 13 days


def test_an_excuse_ended_early_and_corrected(hall: Hall):
    members(hall, "101")
    hall.ok("sign", "101", "JW-1", at="2026-11-02 09:00")
    hall.ok("member", "excuse", "101", "--kind", "medical", "--from", "2026-11-03", "--until", "2026-12-20",
            "--evidence", "note on file", at="2026-11-03 08:00")
    excuse = hall.json("member", "show", "101", at="2026-11-03 08:01")["excused"][0]
    assert excuse["kind"] == "medical" and excuse["evidence"] == "note on file"
    said = hall.ok("member", "excuse-end", str(excuse["id"]), "--reason", "back early", at="2026-11-10 08:00")
    assert "excused only until Mon 9 Nov" in said.stdout
    assert book(hall, "101", "2026-11-10 08:01")["resign_due"] == "2026-12-09"  # 7 days excused
    hall.ok("member", "excuse-correct", str(excuse["id"]), "--until", "2026-11-12", "--reason", "note says the 12th",
            at="2026-11-10 08:05")
    assert book(hall, "101", "2026-11-10 08:06")["resign_due"] == "2026-12-12"
    entry = hall.audit(action="member.excuse_changed")[-1]["data"]
    assert entry["before"] == {"until": "2026-11-09"} and entry["corrected"] == {"until": "2026-11-12"}
    hall.fails("member", "excuse", "101", "--kind", "vacation", "--from", "2026-11-03", "--until", "2026-11-04",
               "--evidence", "x", at="2026-11-10 08:10")
    hall.fails("member", "excuse", "101", "--kind", "jury", "--from", "2026-11-05", "--until", "2026-11-04",
               "--evidence", "x", at="2026-11-10 08:10")
    replays(hall)


def test_no_turndown_while_excused(hall: Hall):
    members(hall, "101", "102")
    hall.ok("sign", "101", "JW-1", at="2026-11-02 09:00")
    hall.ok("sign", "102", "JW-1", at="2026-11-02 09:01")
    cid = call(hall, "2026-11-03 09:00", start="2026-11-30 07:00")
    hall.ok("member", "excuse", "101", "--kind", "union_business", "--from", "2026-11-03", "--until", "2026-11-05",
            "--evidence", "convention delegate", at="2026-11-03 09:01")
    said = hall.ok("offer", str(cid), "101", "declined", at="2026-11-03 09:02").stdout
    assert "not a turndown (excused absence)" in said
    assert book(hall, "101", "2026-11-03 09:03")["turndowns"] == 0


# --- Turndowns as locals count them ---------------------------------------------------------------


def test_the_second_decline_of_a_day_at_23_59_and_the_next_at_00_00(make_hall):
    hall = make_hall(RULES_TEXT + "[turndowns]\nmax_per_day = 1\n")
    members(hall, "101")
    hall.ok("sign", "101", "JW-1", at="2026-11-02 09:00")
    first = call(hall, "2026-11-20 08:00")
    hall.ok("offer", str(first), "101", "declined", at="2026-11-20 08:01")
    second = call(hall, "2026-11-20 23:58")
    said = hall.ok("offer", str(second), "101", "declined", at="2026-11-20 23:59").stdout
    assert "not a turndown (1 turndown already counted today, the daily limit)" in said
    assert book(hall, "101", "2026-11-20 23:59")["turndowns"] == 1
    third = call(hall, "2026-11-20 23:59")
    assert "turndown 2 of 3" in hall.ok("offer", str(third), "101", "declined", at="2026-11-21 00:00").stdout
    assert book(hall, "101", "2026-11-21 00:00")["turndowns"] == 2
    # The as-of position counts the turndowns as they stood then.
    assert book(hall, "101", "2026-11-21 00:01")["turndowns"] == 2
    assert hall.json("position", "101", "--as-of", "2026-11-20 23:59:30", at="2026-11-21 00:01")["books"][0][
        "turndowns"] == 1
    replays(hall)


def test_a_call_whose_declines_never_count(hall: Hall):
    members(hall, "101", "102")
    hall.ok("sign", "101", "JW-1", at="2026-11-02 09:00")
    hall.ok("sign", "102", "JW-1", at="2026-11-02 09:01")
    cid = call(hall, "2026-11-20 08:00", "--no-turndown", "below scale")
    listed = hall.json("call", "list", at="2026-11-20 08:01")
    assert listed[0]["no_turndown"] == "below scale" and listed[0]["short"] is False
    assert "declines don't count: below scale" in hall.ok("call", "list", at="2026-11-20 08:01").stdout
    said = hall.ok("offer", str(cid), "101", "declined", at="2026-11-20 08:02").stdout
    assert "not a turndown (declines on this call never count: below scale)" in said
    assert book(hall, "101", "2026-11-20 08:03")["turndowns"] == 0
    assert hall.audit(action="offer.recorded")[-1]["data"]["no_turndown"] == "below scale"


def test_calls_starting_early_or_short_in_days_never_count(make_hall):
    hall = make_hall(RULES_TEXT + "[turndowns]\nexempt_start_before = \"06:00\"\nexempt_max_days = 12\n"
                     "[short_calls]\nmax_days = 5\n")
    members(hall, "101")
    hall.ok("sign", "101", "JW-1", at="2026-11-02 09:00")
    early = call(hall, "2026-11-20 08:00", start="2026-11-30 05:30")
    assert hall.json("call", "list", at="2026-11-20 08:01")[0]["no_turndown"] == "starts 05:30, before 06:00"
    assert "never count" in hall.ok("offer", str(early), "101", "declined", at="2026-11-20 08:02").stdout
    brief = call(hall, "2026-11-20 08:03", days="12")
    assert "a call of 12 days or fewer" in hall.ok("offer", str(brief), "101", "declined", at="2026-11-20 08:04").stdout
    assert book(hall, "101", "2026-11-20 08:05")["turndowns"] == 0


def test_unavailable_is_a_turndown_when_someone_below_accepts(make_hall):
    hall = make_hall(RULES_TEXT + "[turndowns]\nunavailable_is_turndown = true\n")
    members(hall, "101", "102", "103")
    for n, card in enumerate(("101", "102", "103")):
        hall.ok("sign", card, "JW-1", at=f"2026-11-02 09:0{n}")
    hall.ok("member", "unavailable", "101", "--until", "2026-12-31", "--reason", "fishing", at="2026-11-20 07:00")
    hall.ok("member", "excuse", "102", "--kind", "jury", "--from", "2026-11-20", "--until", "2026-12-31",
            "--evidence", "summons", at="2026-11-20 07:01")
    cid = call(hall, "2026-11-20 08:00")
    said = hall.ok("offer", str(cid), "103", "accepted", at="2026-11-20 08:01").stdout
    assert "Ada Lovelace was unavailable for call #1: turndown 1 of 3." in said
    assert book(hall, "101", "2026-11-20 08:02")["turndowns"] == 1
    assert book(hall, "102", "2026-11-20 08:02")["turndowns"] == 0  # excused: never charged
    replays(hall)


# --- Short calls as locals define them -----------------------------------------------------------


SHORT_BY_HOURS = RULES_TEXT + "[short_calls]\nmax_hours = 40\nuncounted_max_days = 1\n"


def test_short_calls_by_hours_and_restorations_not_counted(make_hall):
    hall = make_hall(SHORT_BY_HOURS)
    members(hall, "101", "102")
    hall.ok("sign", "101", "JW-1", at="2026-11-02 09:00")
    hall.ok("sign", "102", "JW-1", at="2026-11-02 09:01")
    cid = call(hall, "2026-11-20 08:00", "--hours", "40", start="2026-11-23 07:00", days="10")
    assert hall.json("call", "list", at="2026-11-20 08:01")[0]["short"] is True
    hall.ok("offer", str(cid), "101", "accepted", at="2026-11-20 08:02")
    assert book(hall, "101", "2026-11-20 08:03")["status"] == "on_short_call"
    said = hall.ok("end", "101", "--reason", "laid_off", at="2026-11-23 16:00").stdout
    assert "not counted as a restoration" in said
    restored = book(hall, "101", "2026-11-23 16:01")
    assert (restored["position"], restored["restorations"]) == (1, 0)
    longer = call(hall, "2026-11-24 08:00", "--hours", "48", start="2026-11-25 07:00", days="6")
    assert hall.json("call", "list", at="2026-11-24 08:01")[0]["short"] is False
    hall.ok("offer", str(longer), "101", "accepted", at="2026-11-24 08:02")
    # by_actual compares the hours worked: 32 hours is within 40, so a restoration (counted: 4 days).
    said = hall.ok("end", "101", "--reason", "laid_off", "--days-worked", "4", "--hours", "32",
                   at="2026-11-30 16:00").stdout
    assert "restoration 1 of 2" in said
    replays(hall)


def test_short_call_rotation_starts_after_the_last_to_accept(make_hall):
    hall = make_hall(RULES_TEXT + "[short_calls]\nrotation = true\n")
    members(hall, "101", "102", "103")
    for n, card in enumerate(("101", "102", "103")):
        hall.ok("sign", card, "JW-1", at=f"2026-11-02 09:0{n}")
    first = call(hall, "2026-11-10 08:00", days="3", start="2026-11-11 07:00")
    hall.ok("offer", str(first), "101", "accepted", at="2026-11-10 08:01")
    hall.ok("end", "101", "--reason", "laid_off", at="2026-11-13 16:00")
    second = call(hall, "2026-11-16 08:00", days="3", start="2026-11-17 07:00")
    ranked = [c["card"] for c in hall.json("call", "rank", str(second), at="2026-11-16 08:01")["candidates"]]
    assert ranked == ["102", "103", "101"]
    regular = call(hall, "2026-11-16 08:02", days="30", start="2026-11-17 07:00")
    assert [c["card"] for c in hall.json("call", "rank", str(regular), at="2026-11-16 08:03")["candidates"]] == [
        "101", "102", "103"]
    replays(hall)


@pytest.mark.parametrize("args", [
    ("hours", "add", "101", "0", "--date", "2026-11-02"),
    ("hours", "add", "101", "8", "--date", "2026-12-25"),
    ("hours", "add", "999", "8", "--date", "2026-11-02"),
    ("member", "qualify", "101", "JW-9", "--evidence", "x"),
    ("member", "move", "101", "JW-2", "--reason", "x"),
    ("member", "excuse-end", "99", "--reason", "x"),
    ("call", "add", "--employer", "Acme", "--class", "JW", "--workers", "1", "--start", "2026-12-01 07:00",
     "--days", "3", "--hours", "-4"),
])
def test_bad_input_is_one_sentence_and_writes_nothing(hall: Hall, args):
    members(hall, "101")
    hall.ok("employer", "add", "Acme", at="2026-11-02 08:01")
    before = dump(hall.path)
    hall.fails(*args, at="2026-11-03 09:00")
    assert dump(hall.path) == before


def test_qualify_move_and_excuse_corrections_are_for_admins(hall: Hall):
    members(hall, "101")
    hall.ok("sign", "101", "JW-2", at="2026-11-02 09:00")
    hall.ok("member", "excuse", "101", "--kind", "jury", "--from", "2026-11-03", "--until", "2026-11-05",
            "--evidence", "summons", actor="maria", at="2026-11-02 09:01")  # staff record excuses
    before = dump(hall.path)
    for args in (("member", "qualify", "101", "JW-1", "--evidence", "exam"),
                 ("member", "move", "101", "JW-1", "--reason", "exam"),
                 ("member", "excuse-correct", "1", "--until", "2026-11-06", "--reason", "typo")):
        refused = hall.fails(*args, actor="maria", at="2026-11-02 09:02")
        assert refused.stderr.startswith("Error: Only an admin can ")
    after = dump(hall.path)
    assert {name for name in after if after[name] != before.get(name)} == {"audit"}  # only access.refused
    assert [e["action"] for e in hall.audit(action="access.refused")] == ["access.refused"] * 3
    hall.ok("member", "qualify", "101", "JW-1", "--evidence", "exam", at="2026-11-02 09:03")
    replays(hall)
