"""The hall's calendar: its zone, business days, closing time and re-sign deadlines.

All functions take the rule set and plain values; none reads a clock.
Moments are aware UTC datetimes; dates are the hall's local dates.

Re-sign deadlines (``resign_due``, ``overdue_from``, ``removal_at``, ``resign_state``)
follow referral-rules.md "Re-sign" and "Precise semantics", with (v2) "Window re-signs"
(``resign.window_months``; ``in_resign_window``) and (v2) "Excused absences" (the
``excused`` argument stops the clock).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Callable, Iterable

from dispatch.model import ExcusedAbsence, Registration
from dispatch.rules import RuleSet


class TimeError(ValueError):
    """A local time that cannot be placed exactly (daylight-saving gap or fold), or not a time."""


def to_utc(moment: datetime, rules: RuleSet) -> datetime:
    """An aware moment in UTC; a naive one is read in the hall's zone.

    A naive local time that falls in a daylight-saving gap (it never happened)
    or fold (it happened twice) is refused with ``TimeError``.
    """
    if moment.tzinfo is not None:
        return moment.astimezone(UTC).replace(microsecond=0)
    zone = rules.zone
    first = moment.replace(tzinfo=zone, fold=0)
    second = moment.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        # Both readings differ: either a fold (both exist) or a gap (neither round-trips).
        back = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        if back != moment:
            raise TimeError(
                f"{moment:%Y-%m-%d %H:%M} does not exist in {rules.hall.timezone} "
                "(the clocks go forward then); give another time."
            )
        raise TimeError(
            f"{moment:%Y-%m-%d %H:%M} happens twice in {rules.hall.timezone} "
            "(the clocks go back then); give the time with its offset, e.g. -05:00."
        )
    return first.astimezone(UTC).replace(microsecond=0)


def local(moment: datetime, rules: RuleSet) -> datetime:
    """The moment in the hall's zone."""
    return moment.astimezone(rules.zone)


def local_date(moment: datetime, rules: RuleSet) -> date:
    """The hall's calendar date at ``moment``."""
    return moment.astimezone(rules.zone).date()


def at_local(day: date, clock: time, rules: RuleSet) -> datetime:
    """The UTC moment of a local wall-clock time on a local date.

    In a gap the later reading is taken (the first real moment after it); in a
    fold the earlier. Used for the hall's own fixed times such as closing.
    """
    naive = datetime.combine(day, clock)
    try:
        return to_utc(naive, rules)
    except TimeError:
        zone = rules.zone
        first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
        second = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
        if first.astimezone(zone).replace(tzinfo=None) == naive:
            # A fold: both readings happened; take the earlier.
            return min(first, second).replace(microsecond=0)
        # A gap: neither happened; the later reading (fold=0, the offset before
        # the change) lands after the gap. For a gap that starts exactly at
        # ``clock`` (e.g. midnight) that is the first real moment of the day.
        return max(first, second).replace(microsecond=0)


def day_text(day: date, today: date | None = None) -> str:
    """A date as the hall writes it in a sentence: "Tue 1 Dec", with the year
    ("Mon 1 Mar 2027") when it is not the year of ``today`` (when given)."""
    text = f"{day:%a} {day.day} {day:%b}"
    if today is not None and day.year != today.year:
        text += f" {day.year}"
    return text


def moment_text(moment: datetime, rules: RuleSet, today: date | None = None) -> str:
    """A moment as the hall writes it in a sentence, in its zone: "Fri 27 Nov 07:00"
    (the year too when it is not the year of ``today``, when given)."""
    here = local(moment, rules)
    return f"{day_text(here.date(), today)} {here:%H:%M}"


def start_of_day(day: date, rules: RuleSet) -> datetime:
    """The UTC moment the local date begins."""
    return at_local(day, time(0, 0), rules)


def is_business_day(day: date, rules: RuleSet) -> bool:
    """True on the hall's business days that are not holidays."""
    return day.weekday() in rules.hall.business_days and day not in rules.hall.holidays


def business_day_on_or_after(day: date, rules: RuleSet) -> date:
    """The first business day on or after ``day``."""
    for _ in range(400):
        if is_business_day(day, rules):
            return day
        day += timedelta(days=1)
    raise ValueError("the hall has no business days")


def business_days_between(first: date, last: date, rules: RuleSet) -> int:
    """Business days from ``first`` to ``last``, both included (0 if last < first)."""
    if last < first:
        return 0
    count = 0
    day = first
    while day <= last:
        if is_business_day(day, rules):
            count += 1
        day += timedelta(days=1)
    return count


def closing_moment(day: date, rules: RuleSet) -> datetime:
    """The UTC moment of the hall's closing time on a local date."""
    return at_local(day, rules.hall.closing_time, rules)


def _add_month(day: date, months: int = 1) -> date:
    month_index = day.year * 12 + (day.month - 1) + months
    return date(month_index // 12, month_index % 12 + 1, 1)


def _window_due_after(day: date, rules: RuleSet) -> date:
    """The last day of the first allowed re-sign window that opens after ``day``."""
    start_day = rules.resign.window_start_day
    months = rules.resign.window_months
    opening = day.replace(day=start_day)
    if opening <= day:
        opening = _add_month(day).replace(day=start_day)
    while months and opening.month not in months:
        opening = _add_month(opening).replace(day=start_day)
    return opening.replace(day=rules.resign.window_end_day)


def in_resign_window(day: date, rules: RuleSet) -> bool:
    """(v2) Whether ``day`` falls in a re-sign window (window mode; an allowed month)."""
    months = rules.resign.window_months
    return (rules.resign.window_start_day <= day.day <= rules.resign.window_end_day
            and (not months or day.month in months))


def resign_due(registration: Registration, rules: RuleSet, excused: Iterable[ExcusedAbsence] = ()) -> date:
    """The date a registration must be re-signed by.

    Rolling: the local date of the last signing plus ``resign.days``.
    Window: the last day of the first window that opens after the signing (in a
    month of ``resign.window_months``, when given: (v2) "Window re-signs").

    (v2) "Excused absences": the clock stops while the member is excused. In
    rolling mode the due date moves later by the days of each absence that fall
    after the last signing (signed Nov 2, due Dec 2, excused Nov 3 to Dec 20,
    48 days: due Jan 19); in window mode it becomes the last day of the first
    allowed window that opens after the absence ends. An absence that starts
    after the (moved) due date does not stop a clock that has already run out.
    """
    signed = local_date(registration.last_signed_at, rules)
    rolling = rules.resign.mode == "rolling"
    due = signed + timedelta(days=rules.resign.days) if rolling else _window_due_after(signed, rules)
    counted_through = signed  # rolling: the last day already added
    for absence in sorted(excused, key=lambda a: (a.start, a.until)):
        if absence.until <= signed:
            continue
        if absence.start > due:
            break  # later absences start later still
        if rolling:
            first = max(absence.start, counted_through + timedelta(days=1))
            if absence.until >= first:
                due += timedelta(days=(absence.until - first).days + 1)
                counted_through = absence.until
        else:
            due = max(due, _window_due_after(absence.until, rules))
    return due


def overdue_from(registration: Registration, rules: RuleSet, excused: Iterable[ExcusedAbsence] = ()) -> datetime:
    """From this moment the registration is passed over as ``resign_overdue``."""
    due = resign_due(registration, rules, excused)
    return closing_moment(business_day_on_or_after(due, rules), rules)


def removal_at(registration: Registration, rules: RuleSet, excused: Iterable[ExcusedAbsence] = ()) -> datetime:
    """The moment a registration not re-signed is removed ("failed to re-sign")."""
    due = resign_due(registration, rules, excused) + timedelta(days=rules.resign.grace_days)
    return closing_moment(business_day_on_or_after(due, rules), rules)


RESIGN_OK = "ok"
RESIGN_DUE_SOON = "due_soon"
RESIGN_OVERDUE = "overdue"
RESIGN_LAPSED = "lapsed"


def resign_state(registration: Registration, rules: RuleSet, now: datetime,
                 excused: Iterable[ExcusedAbsence] = ()) -> str:
    """``ok``, ``due_soon`` (within the warning days), ``overdue`` (passed over) or ``lapsed`` (to be removed)."""
    excused = tuple(excused)
    if now >= removal_at(registration, rules, excused):
        return RESIGN_LAPSED
    if now >= overdue_from(registration, rules, excused):
        return RESIGN_OVERDUE
    due = resign_due(registration, rules, excused)
    if local_date(now, rules) >= due - timedelta(days=rules.resign.warning_days):
        return RESIGN_DUE_SOON
    return RESIGN_OK


def period_start(now: datetime, rules: RuleSet) -> datetime:
    """The UTC moment the current low-hours period began (calendar month or ISO week)."""
    today = local_date(now, rules)
    if rules.ordering.low_hours_period == "week":
        first = today - timedelta(days=today.weekday())
    else:
        first = today.replace(day=1)
    return start_of_day(first, rules)


def _cutoff(moment_of: Callable[[Registration], datetime], rules: RuleSet, now: datetime) -> datetime:
    # The deadline moments only depend on the local date of the last signing and
    # grow with it, so walk back from today to the newest signing date whose
    # deadline has passed; every signing before the next day's start is past it.
    day = local_date(now, rules)
    for _ in range(800):
        probe = Registration(0, "", "", now, start_of_day(day, rules))
        if moment_of(probe) <= now:
            return start_of_day(day + timedelta(days=1), rules)
        day -= timedelta(days=1)
    return start_of_day(day, rules)


def lapse_cutoff(rules: RuleSet, now: datetime) -> datetime:
    """Waiting registrations last signed before this UTC moment have lapsed (to be removed) at ``now``."""
    return _cutoff(lambda reg: removal_at(reg, rules), rules, now)

