from datetime import date

import pytest

from dispatch import reasons
from dispatch.model import Reason


@pytest.mark.parametrize(
    "reason, sentence",
    [
        (reasons.resign_overdue(date(2026, 11, 20)), "re-sign was due 2026-11-20"),
        (reasons.missing_cert("OSHA-30"), "does not hold OSHA-30"),
        (reasons.cert_expired("Confined Space", date(2026, 10, 1)), "Confined Space expired 2026-10-01"),
        (reasons.unavailable(date(2026, 12, 3)), "unavailable until 2026-12-03"),
        (reasons.employer_bar("Acme Electric", date(2027, 3, 1)), "no referral to Acme Electric until 2027-03-01"),
        (reasons.suspended("2 discharges in 12 months"), "referral suspended: 2 discharges in 12 months"),
        (reasons.suspended(""), "referral suspended"),
        (reasons.on_short_call("Bolt Co", date(2026, 11, 24)), "working a short call for Bolt Co until 2026-11-24"),
        (reasons.on_short_call("Bolt Co"), "working a short call for Bolt Co"),
    ],
)
def test_each_code_renders_its_sentence(reason, sentence):
    assert reasons.render(reason) == sentence
    assert reason.text == sentence


def test_codes_are_in_table_order():
    assert reasons.REASON_CODES == (
        "resign_overdue",
        "missing_cert",
        "cert_expired",
        "unavailable",
        "employer_bar",
        "suspended",
        "on_short_call",
        "exempt",
        "not_signed_in",
        "not_bid",
    )


def test_params_are_text_with_iso_dates():
    reason = reasons.employer_bar("Acme Electric", date(2027, 3, 1))
    assert reason.params == (("employer", "Acme Electric"), ("until", "2027-03-01"))
    assert reason.to_dict() == {
        "code": "employer_bar",
        "text": "no referral to Acme Electric until 2027-03-01",
        "params": {"employer": "Acme Electric", "until": "2027-03-01"},
    }


def test_a_stored_reason_with_iso_text_renders_the_same():
    assert reasons.render(Reason("unavailable", (("until", "2026-12-03"),))) == "unavailable until 2026-12-03"


def test_unavailable_sentence_carries_no_personal_detail():
    reason = reasons.unavailable(date(2026, 12, 3))
    assert dict(reason.params) == {"until": "2026-12-03"}


def test_an_unknown_code_still_renders():
    assert reasons.render(Reason("new_rule", (("x", "1"),))) == "new rule (x 1)"
    assert reasons.render(Reason("new_rule")) == "new rule"


def test_render_all_joins_with_semicolons():
    both = (reasons.missing_cert("OSHA-30"), reasons.unavailable(date(2026, 12, 3)))
    assert reasons.render_all(both) == "does not hold OSHA-30; unavailable until 2026-12-03"
