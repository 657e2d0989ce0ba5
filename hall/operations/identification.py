"""Voluntary self-identification (EEO-3 categories), kept apart from referral data.

The answers live in their own table, are never joined into a ranking, a list or
an offer, and leave it only as aggregate counts (groups under 5 shown as "<5").
The audit entry records that a member answered, not what they answered, so the
log (which staff read and export) does not carry it either.
"""

from __future__ import annotations

from hall import audit, load
from hall.errors import HallError
from hall.identity import Actor, STAFF, allowed
from hall.operations.common import Receipt, check_card

DECLINED = "declined"

SEXES: dict[str, str] = {"female": "Female", "male": "Male", DECLINED: "Declined to say"}

RACES: dict[str, str] = {
    "hispanic_latino": "Hispanic or Latino",
    "white": "White",
    "black": "Black or African American",
    "nhpi": "Native Hawaiian or Other Pacific Islander",
    "asian": "Asian",
    "aian": "American Indian or Alaska Native",
    "two_or_more": "Two or more races",
    DECLINED: "Declined to say",
}

_ALIASES = {
    "declined_to_say": DECLINED, "decline": DECLINED, "none": DECLINED, "prefer_not_to_say": DECLINED,
    "hispanic": "hispanic_latino", "latino": "hispanic_latino", "hispanic_or_latino": "hispanic_latino",
    "black_or_african_american": "black", "african_american": "black",
    "native_hawaiian_or_other_pacific_islander": "nhpi", "pacific_islander": "nhpi",
    "american_indian_or_alaska_native": "aian", "american_indian": "aian",
    "two_or_more_races": "two_or_more", "two": "two_or_more", "multiracial": "two_or_more",
    "f": "female", "m": "male",
}


def _choose(value: str | None, choices: dict[str, str], what: str) -> str:
    key = (value or "").strip().lower().replace("-", "_").replace(" ", "_").replace("/", "_")
    key = _ALIASES.get(key, key)
    if key in choices:
        return key
    for code, label in choices.items():
        if key == label.lower().replace(" ", "_"):
            return code
    raise HallError(f"{str(value)[:30]!r} is not a {what}: use one of {', '.join(choices)}.")


def check_sex(value: str | None) -> str:
    return _choose(value, SEXES, "sex answer")


def check_race(value: str | None) -> str:
    return _choose(value, RACES, "race/ethnicity answer")


@allowed(STAFF, doing="record a member's self-identification")
def record_self_identification(store, card: str, sex: str | None = DECLINED, race: str | None = DECLINED, *,
                               actor: Actor) -> Receipt:
    """Record (or replace) a member's voluntary answers; "declined" is always an answer."""
    card = check_card(card)
    sex = check_sex(sex or DECLINED)
    race = check_race(race or DECLINED)
    with store.write(actor) as tx:
        member = load.member(tx.db, card)
        tx.db.execute(
            "INSERT INTO self_identification (card, sex, race_ethnicity, recorded_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(card) DO UPDATE SET sex = excluded.sex, race_ethnicity = excluded.race_ethnicity,"
            " recorded_at = excluded.recorded_at",
            [card, sex, race, audit.iso(tx.now)],
        )
        # The answers stay in their own table: the log says only that the member answered.
        entry = tx.record("member.self_identified", f"member:{card}", {"card": card})
        return Receipt.of(entry, f"Self-identification recorded for {member.name} ({card}); "
                                 "it appears only in aggregate reports.")
