"""(v2) The morning dispatch, before the selection: posting calls and taking bids.

referral-rules.md "The morning dispatch: posted calls, bids and selection (v2)":
- ``selection_for``: a call taken before ``bidding.post_cutoff`` on a business day is
  posted for the next selection; one taken later (or on a day that is not a business
  day) for the selection after that. Precisely: the selection at ``bidding.selection_at``
  on the business day after the first business day whose cut-off is still to come.
- ``next_selection``: the first selection after a moment (the board's "next selection").
- ``bids_close_at``: ``bidding.window_closes`` on the business day of the selection.
- ``bid_refusal`` / ``withdraw_refusal``: what refuses a bid (the window closed, more than
  ``bidding.max_bids`` open bids, a call the member cannot work, not on a book of its
  classification, ...) or a withdrawal, each with its sentence.
- ``default_choice``: the member's next free choice number (1 = most wanted).
The selection itself is ``dispatch.selection.select``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Sequence

from dispatch.calendar import at_local, business_day_on_or_after, day_text, local, local_date, moment_text
from dispatch.model import OPEN, Bid, Candidate, JobCall
from dispatch.reasons import NOT_BID, NOT_SIGNED_IN, RESIGN_OVERDUE
from dispatch.rules import RuleSet

# Reasons that do not stop a member bidding: they can re-sign or sign in before the
# selection, and not having bid is what bidding mends.
BID_IGNORES = (RESIGN_OVERDUE, NOT_SIGNED_IN, NOT_BID)


def _next_business_day(day: date, rules: RuleSet) -> date:
    return business_day_on_or_after(day + timedelta(days=1), rules)


def selection_on(day: date, rules: RuleSet) -> datetime:
    """The moment of the selection on a business day (``bidding.selection_at``, hall time)."""
    return at_local(day, rules.bidding.selection_at, rules)


def selection_for(taken_at: datetime, rules: RuleSet) -> datetime:
    """The selection a call taken (or posted again) at ``taken_at`` is posted for.

    Taken before ``bidding.post_cutoff`` on a business day: the selection of the next
    business day; at or after the cut-off, or on a day that is not a business day: the
    one after that (Tue 14:59 -> Wed 07:00; Tue 15:00 -> Thu 07:00; Sat -> Tue 07:00).
    """
    here = local(taken_at, rules)
    day = here.date()
    if business_day_on_or_after(day, rules) == day and here.time() < rules.bidding.post_cutoff:
        fed_by = day
    else:
        fed_by = _next_business_day(day, rules)
    return selection_on(_next_business_day(fed_by, rules), rules)


def next_selection(now: datetime, rules: RuleSet) -> datetime:
    """The first selection after ``now`` (at ``now`` exactly, that one has run)."""
    day = business_day_on_or_after(local_date(now, rules), rules)
    moment = selection_on(day, rules)
    if moment <= now:
        moment = selection_on(_next_business_day(day, rules), rules)
    return moment


def bids_close_at(selection: datetime, rules: RuleSet) -> datetime:
    """When bids for a selection close: ``bidding.window_closes`` on the selection's day."""
    return at_local(local_date(selection, rules), rules.bidding.window_closes, rules)


def time_left(call: JobCall, now: datetime, rules: RuleSet) -> timedelta:
    """Time left to bid on a posted call (zero once its bids have closed or it is not posted)."""
    if call.posted_for is None:
        return timedelta(0)
    return max(bids_close_at(call.posted_for, rules) - now, timedelta(0))


def default_choice(open_bids: Sequence[Bid]) -> int:
    """The member's next free choice number: the smallest not held by an open bid."""
    taken = {bid.choice for bid in open_bids}
    choice = 1
    while choice in taken:
        choice += 1
    return choice


def _who(name: str, card: str) -> str:
    return f"{name} ({card})" if name else card


def _closed(call: JobCall, now: datetime, rules: RuleSet) -> str | None:
    closes = bids_close_at(call.posted_for, rules)
    if now < closes:
        return None
    return f"Bids on call #{call.id} closed at {moment_text(closes, rules, local_date(now, rules))}."


def bid_refusal(
    call: JobCall,
    card: str,
    *,
    member_name: str,
    candidate: Candidate | None,
    open_bids: Sequence[Bid],
    choice: int | None,
    now: datetime,
    rules: RuleSet,
) -> str | None:
    """One sentence why ``card`` may not bid on ``call`` now, or None.

    ``candidate``: the member in the call's ranking (None: not a candidate: not waiting
    on a book of its classification, or working a regular call); ``open_bids``: the
    member's open bids (on calls whose selection has not run); ``choice``: the number
    asked for (None: the next free one). In order: bidding on, the call posted and open,
    the window open (closed at ``bidding.window_closes`` to the minute), one bid per call,
    at most ``bidding.max_bids`` open bids, on a book of the call's classification, able
    to work the call (a reason other than ``resign_overdue``, ``not_signed_in`` or
    ``not_bid`` refuses), and a free choice number from 1 to ``bidding.max_bids``.
    """
    who = _who(member_name, card)
    if not rules.bidding.enabled:
        return "Bidding is off in this hall (bidding.enabled is false)."
    if call.posted_for is None:
        return f"Call #{call.id} is not posted for bids."
    if call.status != OPEN or call.openings == 0:
        return f"Call #{call.id} is {call.status if call.status != OPEN else 'filled'}: it takes no bids."
    closed = _closed(call, now, rules)
    if closed is not None:
        return closed
    mine = [bid for bid in open_bids if bid.call_id == call.id]
    if mine:
        return f"{who} already bid on call #{call.id} (choice {mine[0].choice}): withdraw it first to change it."
    most = rules.bidding.max_bids
    if len(open_bids) >= most:
        return f"{who} already has {len(open_bids)} open bids, the most bidding.max_bids allows: withdraw one first."
    if candidate is None:
        return f"{who} is not waiting on a {call.classification} book, so cannot bid on call #{call.id}."
    blocking = [reason for reason in candidate.reasons if reason.code not in BID_IGNORES]
    if blocking:
        return f"{who} cannot work call #{call.id}: {'; '.join(reason.text for reason in blocking)}."
    if choice is not None:
        if not 1 <= choice <= most:
            return f"A choice number is from 1 to {most} (bidding.max_bids), not {choice}."
        for bid in open_bids:
            if bid.choice == choice:
                return f"{who}'s choice {choice} is already call #{bid.call_id}: give another number."
    return None


def withdraw_refusal(call: JobCall, card: str, *, member_name: str, open_bids: Sequence[Bid],
                     now: datetime, rules: RuleSet) -> str | None:
    """One sentence why ``card`` may not withdraw a bid on ``call`` now, or None."""
    if not any(bid.call_id == call.id for bid in open_bids) or call.posted_for is None:
        return f"{_who(member_name, card)} has no open bid on call #{call.id}."
    closed = _closed(call, now, rules)
    return None if closed is None else f"{closed[:-1]}: the bid stands."


def bid_sentence(call: JobCall, card: str, member_name: str, choice: int, now: datetime, rules: RuleSet) -> str:
    """A bid's receipt: "Ada Lovelace (101) bid on call #40 as choice 1; bids close Tue 1 Dec 06:30,
    the selection is at 07:00."""
    today = local_date(now, rules)
    closes = bids_close_at(call.posted_for, rules)
    return (f"{_who(member_name, card)} bid on call #{call.id} as choice {choice}; bids close "
            f"{moment_text(closes, rules, today)}, the selection is at {rules.bidding.selection_at:%H:%M}.")


def posted_sentence(call: JobCall, rules: RuleSet, now: datetime) -> str:
    """Where a posted call stands: "posted for the selection of Wed 2 Dec 07:00; bids close at 06:30"."""
    today = local_date(now, rules)
    selection = call.posted_for
    return (f"posted for the selection of {day_text(local_date(selection, rules), today)} "
            f"{local(selection, rules):%H:%M}; bids close at {rules.bidding.window_closes:%H:%M}")
