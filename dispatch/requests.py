"""Requests for a member by name, of every kind: which the rules refuse, and why.

referral-rules.md "Name requests" and (v2) "Kinds of request":
- ``name``: at most ``name_requests.max_share`` of the call's workers (rounded down), and
  over the employer's referrals in the last ``window_days`` with this call, named <=
  max_share x (referrals in the window + this call's workers); a one-worker call only with
  ``allow_single`` (which exempts it from both limits). Shares are exact Fractions.
- ``foreman``: at most ``requests.foreman_per_call``; allowed on a one-worker call; never
  counted in the name-request shares.
- ``recall``: a member the employer laid off (not one who quit or was discharged) from
  the same site (compared trimmed, case-insensitive) within ``requests.recall_days``
  before the call was taken (0: recalls are off). ``recall_refusal`` says why not.
- ``steward``: at most ``requests.stewards_per_call`` (appointed by an admin; a referral
  at once: ``appointment_refusal`` says what refuses one).
- ``jatc``: an apprentice assignment (its ratio check is in ``dispatch.apprentices``).

Every kind but a recall needs a reason; every kind is refused after a quit or discharge
from that employer within ``name_requests.block_days``; no call takes more requests than
it has workers. ``request_refusals`` (also importable as ``name_request_refusals``, its
name from when there was one kind) returns one sentence per refused request.
"""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction
from math import floor
from typing import TYPE_CHECKING, Iterable

from dispatch import calendar
from dataclasses import replace

from dispatch.model import (
    DISCHARGED,
    NAME_REQUEST,
    OPEN,
    QUIT,
    REQUEST_FOREMAN,
    REQUEST_JATC,
    REQUEST_KINDS,
    REQUEST_NAME,
    REQUEST_RECALL,
    REQUEST_STEWARD,
    JobCall,
    Ranking,
    Request,
    Separation,
)
from dispatch.reasons import render_all
from dispatch.rules import RuleSet

if TYPE_CHECKING:  # pragma: no cover
    from dispatch.ranking import RankContext

# What each kind of request is called in a sentence.
KIND_WORDS = {
    REQUEST_NAME: "a name request",
    REQUEST_FOREMAN: "a foreman call-out",
    REQUEST_RECALL: "a recall",
    REQUEST_STEWARD: "a steward appointment",
    REQUEST_JATC: "an apprentice assignment",
}


def distinct_requests(requests: Iterable[Request]) -> list[Request]:
    """The call's requests, each card once (the first request for it)."""
    seen: set[str] = set()
    distinct = []
    for request in requests:
        if request.card not in seen:
            seen.add(request.card)
            distinct.append(request)
    return distinct


def honoured_order(requests: Iterable[Request]) -> list[Request]:
    """Requests in the order they are offered: foreman, recall, name (then stewards and
    apprentice assignments, which are referrals made at once; an unknown kind last); in
    call order within a kind."""
    rank = {kind: number for number, kind in enumerate(REQUEST_KINDS)}
    ordered = sorted(enumerate(requests), key=lambda item: (rank.get(item[1].kind, len(rank)), item[0]))
    return [request for _, request in ordered]


def _share_words(share: Fraction) -> str:
    words = {
        Fraction(1, 2): "half",
        Fraction(1, 3): "a third",
        Fraction(2, 3): "two thirds",
        Fraction(1, 4): "a quarter",
        Fraction(3, 4): "three quarters",
        Fraction(1): "all",
        Fraction(0): "none",
    }
    if share in words:
        return words[share]
    percent = share * 100
    if percent.denominator == 1:
        return f"{percent.numerator}%"
    return f"{share.numerator}/{share.denominator}"


def max_share(rules: RuleSet) -> Fraction:
    """``name_requests.max_share`` as an exact fraction (0.5 -> 1/2, 0.3 -> 3/10)."""
    return Fraction(str(rules.name_requests.max_share))


def _who(card: str, ctx: RankContext) -> str:
    member = ctx.members.get(card)
    return f"{card} {member.name}" if member is not None and member.name else card


def _left(sep: Separation, employer: str) -> str:
    return f"quit {employer}" if sep.reason == QUIT else f"was discharged by {employer}"


def _block(card: str, call: JobCall, ctx: RankContext, kind: str = REQUEST_NAME) -> str | None:
    """Why ``call.employer`` cannot request ``card`` (quit or discharged there recently), or None."""
    days = ctx.rules.name_requests.block_days
    if days <= 0:
        return None
    employer = call.employer.casefold()
    today = calendar.local_date(ctx.now, ctx.rules)
    latest: tuple | None = None
    for sep in ctx.separations:
        if sep.card != card or sep.employer.casefold() != employer or sep.reason not in (QUIT, DISCHARGED):
            continue
        left = calendar.local_date(sep.at, ctx.rules)
        until = left + timedelta(days=days)
        if left <= today <= until and (latest is None or until > latest[1]):
            latest = (left, until, sep)
    if latest is None:
        return None
    left, until, sep = latest
    return (f"{_who(card, ctx)} {_left(sep, call.employer)} on {calendar.day_text(left, today)}: "
            f"no {KIND_WORDS[kind].split(' ', 1)[1]} by it until {calendar.day_text(until, today)}.")


def _site(text: str) -> str:
    return text.strip().casefold()


def recall_refusal(card: str, call: JobCall, ctx: RankContext) -> str | None:
    """(v2) Why the call's employer cannot recall ``card``, or None.

    A recall is for a member the employer laid off from the same job site (site text
    compared trimmed and case-insensitive) within ``requests.recall_days`` days
    before the call was taken (``call.taken_at``; now when not known). The latest job
    end of the member with the employer at that site decides. ``ctx.separations``
    must hold the member's job ends with the employer, layoffs included.
    """
    rules = ctx.rules
    days = rules.requests.recall_days
    if days <= 0:
        return "recalls are off (requests.recall_days is 0)."
    who = _who(card, ctx)
    employer = call.employer.casefold()
    ends = [sep for sep in ctx.separations if sep.card == card and sep.employer.casefold() == employer]
    today = calendar.local_date(ctx.now, rules)
    if not ends:
        return f"{who} never worked for {call.employer}: a recall is for a member it laid off."
    here = [sep for sep in ends if _site(sep.site) == _site(call.site)]
    if not here:
        sites = sorted({sep.site.strip() for sep in ends if sep.site.strip()}, key=str.casefold)
        where = ", ".join(sites) if sites else "another site"
        this = call.site.strip() or "this call's site"
        return f"{who} worked for {call.employer} at {where}, not at {this}: a recall is to the same site."
    latest = max(here, key=lambda sep: sep.at)
    left = calendar.local_date(latest.at, rules)
    if latest.reason in (QUIT, DISCHARGED):
        return (f"{who} {_left(latest, call.employer)} on {calendar.day_text(left, today)}: "
                "a recall is for a member laid off, not one who quit or was discharged.")
    taken = calendar.local_date(call.taken_at or ctx.now, rules)
    ago = (taken - left).days
    if ago > days:
        return (f"{who} was laid off by {call.employer} on {calendar.day_text(left, today)}, {ago} days "
                f"before the call was taken: a recall must come within {days} days.")
    return None


def request_refusals(
    call: JobCall, ctx: RankContext, candidates_cards: set[str] | None = None
) -> dict[str, str]:
    """Card -> one sentence why each of the call's requests is refused (empty: all fine).

    In request order: a known kind; a reason (every kind but a recall); a name request
    on a one-worker call only with ``name_requests.allow_single``; with
    ``candidates_cards``, a requested card not among them is refused; a recall's own
    conditions; a quit or discharge within ``block_days``; the kind's limit (foreman and
    steward per call, the name shares); and no more requests than the call's workers.
    Requests refused for themselves take no share; the limits refuse the requests
    beyond what fits.
    """
    rules = ctx.rules
    names = rules.name_requests
    requests = honoured_order(distinct_requests(call.name_requests))
    if not requests:
        return {}
    share = max_share(rules)
    single = call.workers <= 1
    exempt = single and names.allow_single
    per_call = call.workers if exempt else floor(share * call.workers)
    since = ctx.now - timedelta(days=names.window_days)
    employer = call.employer.casefold()
    window = [
        ref
        for ref in ctx.employer_referrals
        if ref.employer.casefold() == employer
        and since <= ref.at <= ctx.now
        and (ref.call_id is None or ref.call_id != call.id)
    ]
    named_before = sum(1 for ref in window if ref.basis == NAME_REQUEST)
    refusals: dict[str, str] = {}
    granted = {kind: 0 for kind in REQUEST_KINDS}
    for request in requests:
        card, kind = request.card, request.kind
        refusal = _own_refusal(request, call, ctx, candidates_cards, single)
        if refusal is None:
            refusal = _limit_refusal(request, call, rules, granted, per_call)
        if refusal is None and kind == REQUEST_NAME and not exempt:
            if named_before + granted[REQUEST_NAME] + 1 > share * (len(window) + call.workers):
                noun = "referral" if len(window) == 1 else "referrals"
                refusal = (
                    f"{call.employer} has named {named_before} of its last {len(window)} {noun} "
                    f"in {names.window_days} days; naming {card} would exceed {_share_words(share)}."
                )
        if refusal is None and sum(granted.values()) + 1 > call.workers:
            refusal = (f"call #{call.id} needs {call.workers} worker{'s' if call.workers != 1 else ''}: "
                       f"{card} cannot be requested as well.")
        if refusal is None:
            granted[kind] += 1
        else:
            refusals[card] = refusal
    return refusals


# The name it had when name requests were the only kind (hall/ imports it).
name_request_refusals = request_refusals


def appointment_refusal(ranking: Ranking, call: JobCall, request: Request, ctx: RankContext) -> str | None:
    """(v2) Why ``request`` (a steward appointment, or any request added to a call already
    taken) cannot be made now, or None. A steward appointment is a referral at once: the
    call needs an opening, the member must be a candidate in ``ranking`` (the call's
    ranking now) without an outcome on it and eligible, and the request must pass
    ``request_refusals`` beside the call's other requests."""
    card = request.card
    if call.status != OPEN or call.openings == 0:
        return f"call #{call.id} has no opening left."
    candidate = ranking.find(card)
    if candidate is None:
        if ranking.truncated:
            return f"{card} is not among the first {len(ranking.candidates)} candidates for call #{call.id}."
        return f"{card} is not waiting on a {call.classification} book."
    who = f"{candidate.name} ({card})" if candidate.name else card
    if candidate.outcome is not None:
        return f"{who} already has an outcome on call #{call.id} ({candidate.outcome.replace('_', ' ')})."
    if not candidate.eligible:
        return f"{who} is passed over: {render_all(candidate.reasons)}."
    others = tuple(r for r in call.name_requests if r.card != card)
    refused = request_refusals(replace(call, name_requests=others + (request,)), ctx)
    return refused.get(card)


def _own_refusal(request: Request, call: JobCall, ctx: RankContext,
                 candidates_cards: set[str] | None, single: bool) -> str | None:
    """Why one request is refused for itself (not for the limits), or None."""
    card, kind = request.card, request.kind
    if kind not in KIND_WORDS:
        return f"{card}: {kind!r} is not a kind of request ({', '.join(REQUEST_KINDS)})."
    if kind != REQUEST_RECALL and not request.reason.strip():
        return f"{KIND_WORDS[kind]} needs a reason: none was given for {card}."
    if kind == REQUEST_NAME and single and not ctx.rules.name_requests.allow_single:
        return "a one-worker call cannot be named (name_requests.allow_single is off)."
    if candidates_cards is not None and card not in candidates_cards:
        return f"{card} is not waiting on a {call.classification} book."
    if kind == REQUEST_RECALL:
        refused = recall_refusal(card, call, ctx)
        if refused is not None:
            return refused
    return _block(card, call, ctx, kind)


# Kinds limited per call by a key of [requests]: (key, what they are called, the sentence past the limit).
_PER_CALL = {
    REQUEST_FOREMAN: ("foreman_per_call", "foreman call-outs",
                      "{employer} may call out at most {most} foreman by name on this call."),
    REQUEST_STEWARD: ("stewards_per_call", "steward appointments",
                      "at most {most} steward{s} may be appointed on a call."),
}


def _limit_refusal(request: Request, call: JobCall, rules: RuleSet, granted: dict[str, int],
                   per_call: int) -> str | None:
    """Why one request is beyond its kind's limit on this call, or None (``per_call``: the
    name requests the call may take)."""
    kind = request.kind
    if kind in _PER_CALL:
        key, called, past = _PER_CALL[kind]
        most = getattr(rules.requests, key)
        if granted[kind] + 1 > most:
            if most == 0:
                return f"{called} are off (requests.{key} is 0)."
            return past.format(employer=call.employer, most=most, s="s" if most != 1 else "")
    elif kind == REQUEST_NAME and granted[kind] + 1 > per_call:
        if per_call == 0:
            return f"{call.employer} may not name any of the {call.workers} workers on this call."
        return f"{call.employer} may name at most {per_call} of {call.workers} workers on this call."
    return None
