"""(v2) Apprentices and the training-to-work bridge.

referral-rules.md "Apprentices and the training-to-work bridge (v2)": a book with
``order = "jatc"`` is not referred in list order; the apprenticeship committee assigns
apprentices to calls (basis ``jatc``), checked against
``apprentices.journeymen_per_apprentice`` (0 = no check): an employer may have at most
one apprentice referred for every N journeymen it has working through the hall
(referrals in force). Apprentices' hours are recorded by category, against the totals
of ``[[apprentices.categories]]``.

- ``ratio_refusal``: the ratio check, with its sentence.
- ``assign_refusal``: everything that refuses ``hall call assign CALL CARD``.
- ``category_progress``: an apprentice's hours by category against the required totals.
- ``employer_stints``: the employers an apprentice worked for, in order, with days at each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable

from dispatch.model import HOURS_WORKED, HoursRecord, Ranking
from dispatch.reasons import render_all
from dispatch.rules import RuleSet

_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")


def _count(number: int, one: str, many: str) -> str:
    if number == 0:
        return f"no {many}"
    return f"{number} {one if number == 1 else many}"


def _ordinal(number: int) -> str:
    if number <= len(_ORDINALS):
        return _ORDINALS[number - 1]
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def ratio_refusal(employer: str, journeymen: int, apprentices: int, rules: RuleSet) -> str | None:
    """Why ``employer`` may not have one more apprentice referred, or None.

    ``journeymen`` and ``apprentices``: the referrals in force it has through the hall
    of each. With N = ``apprentices.journeymen_per_apprentice`` (0: no check), it may have
    ``journeymen // N`` apprentices.
    """
    per = rules.apprentices.journeymen_per_apprentice
    if per <= 0 or apprentices + 1 <= journeymen // per:
        return None
    working = _count(journeymen, "journeyman", "journeymen")
    if apprentices:
        working += f" and {_count(apprentices, 'apprentice', 'apprentices')}"
    noun = "an apprentice" if apprentices == 0 else f"a {_ordinal(apprentices + 1)} apprentice"
    return (f"{employer} has {working} working through the hall: {noun} needs {per * (apprentices + 1)} "
            f"journeymen (one apprentice for every {per}, apprentices.journeymen_per_apprentice).")


def assign_refusal(
    ranking: Ranking,
    card: str,
    reason: str,
    *,
    employer: str,
    journeymen: int,
    apprentices: int,
    rules: RuleSet,
) -> str | None:
    """One sentence why the committee cannot assign ``card`` to the ranked call, or None.

    A reason is needed; the member must be a candidate for the call on a book with
    ``order = "jatc"``, eligible and without an outcome on it; and the employer within
    the ratio (``ratio_refusal``).
    """
    if not reason.strip():
        return f"an apprentice assignment needs a reason: none was given for {card}."
    candidate = ranking.find(card)
    if candidate is None:
        return f"{card} is not waiting on an apprentice book for call #{ranking.call_id}."
    who = f"{candidate.name} ({card})" if candidate.name else card
    if not candidate.assigned_by_jatc:
        return (f"{candidate.book_id} is referred down the list, not assigned by the committee: "
                f"offer call #{ranking.call_id} to {who} in order instead.")
    if candidate.outcome is not None:
        return f"{who} already has an outcome on call #{ranking.call_id} ({candidate.outcome.replace('_', ' ')})."
    if not candidate.eligible:
        return f"{who} is passed over: {render_all(candidate.reasons)}."
    return ratio_refusal(employer, journeymen, apprentices, rules)


@dataclass(frozen=True, slots=True)
class CategoryProgress:
    """An apprentice's hours in one category against the required total (None: a category
    the rules do not list)."""

    name: str
    required: float | None
    worked: float

    @property
    def fraction(self) -> float:
        """Share of the required hours done, from 0 to 1 (for a progress bar)."""
        if not self.required:
            return 0.0
        return min(self.worked / self.required, 1.0)

    @property
    def complete(self) -> bool:
        return self.required is not None and self.worked >= self.required


def category_progress(records: Iterable[HoursRecord], rules: RuleSet) -> tuple[CategoryProgress, ...]:
    """Hours worked by category against ``[[apprentices.categories]]``: every configured
    category in the rules' order, then categories recorded but not configured (named as
    recorded), then hours recorded without a category ("uncategorised"). Category names
    compare case-insensitively; penalty hours do not count."""
    configured = {category.name.casefold(): category for category in rules.apprentices.categories}
    worked: dict[str, float] = {}
    names: dict[str, str] = {}
    for record in records:
        if record.kind != HOURS_WORKED:
            continue
        key = record.category.strip().casefold()
        worked[key] = worked.get(key, 0.0) + record.hours
        names.setdefault(key, record.category.strip())
    rows = [CategoryProgress(c.name, c.hours, worked.get(key, 0.0)) for key, c in configured.items()]
    extra = sorted((key for key in worked if key and key not in configured), key=lambda k: names[k].casefold())
    rows += [CategoryProgress(names[key], None, worked[key]) for key in extra]
    if worked.get(""):
        rows.append(CategoryProgress("uncategorised", None, worked[""]))
    return tuple(rows)


@dataclass(frozen=True, slots=True)
class Stint:
    """A run of days an apprentice worked for one employer."""

    employer: str
    first: date
    last: date
    days: int


def employer_stints(records: Iterable[HoursRecord]) -> tuple[Stint, ...]:
    """The employers an apprentice worked for, in date order, each run of days at one
    employer as one stint with the number of days worked (the committee rotates
    apprentices for breadth). Records without an employer are left out."""
    by_day = sorted({(r.day, r.employer) for r in records if r.kind == HOURS_WORKED and r.employer.strip()})
    stints: list[Stint] = []
    for day, employer in by_day:
        last = stints[-1] if stints else None
        if last is not None and last.employer == employer:
            stints[-1] = Stint(employer, last.first, day, last.days + 1)
        else:
            stints.append(Stint(employer, day, day, 1))
    return tuple(stints)
