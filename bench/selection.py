"""Benchmark dispatch.selection.select: the morning selection at the scale of a large local.

500 posted calls (1-3 openings, some needing OSHA-30), 5,000 bidders holding 1-10 bids
each, among 30,000 waiting registrations on 4 books; prints the median, min and max of
the selection beside one ranking of one call (the dispatcher's limited one and the full
one), over the same registrations.

    PYTHONPATH=. python bench/selection.py [--calls N] [--bidders N] [--registrations N] [--runs R]
"""

from __future__ import annotations

import argparse
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bench.rank import measure, report
from dispatch.model import Bid, Certification, JobCall, Member, Registration
from dispatch.ranking import RankContext, rank
from dispatch.rules import BiddingRules, HallRules, RuleSet
from dispatch.selection import select

BOOKS = ("JW-1", "JW-2", "JW-3", "JW-4")
SELECTION = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)  # Wed 07:00 in Chicago


def build(calls: int, bidders: int, registrations: int, seed: int = 1):
    rng = random.Random(seed)
    rules = RuleSet(hall=HallRules(timezone="America/Chicago"), bidding=BiddingRules(enabled=True))
    members: dict[str, Member] = {}
    regs: list[Registration] = []
    for n in range(registrations):
        card = str(10000 + n) if n % 10 else f"A{n}"
        certs = (Certification("OSHA-30"),) if n % 7 else ()
        members[card] = Member(card=card, name=f"Member {n}", classifications=frozenset({"JW"}), certifications=certs)
        at = SELECTION - timedelta(days=rng.randrange(1, 25), minutes=rng.randrange(0, 600))
        regs.append(Registration(id=n + 1, card=card, book_id=BOOKS[n % 4], registered_at=at, last_signed_at=at))
    rng.shuffle(regs)
    posted = [
        JobCall(id=1000 + n, employer=f"Employer {n % 40}", classification="JW", workers=rng.randint(1, 3),
                start=SELECTION + timedelta(days=rng.randint(1, 5)), duration_days=rng.choice((5, 30, 60)),
                required_certs=("OSHA-30",) if n % 3 == 0 else (), posted_for=SELECTION)
        for n in range(calls)
    ]
    bids: list[Bid] = []
    for reg in rng.sample(regs, bidders):
        for choice, call in enumerate(rng.sample(posted, rng.randint(1, 10)), start=1):
            bids.append(Bid(reg.card, call.id, choice))
    ctx = RankContext(rules=rules, now=SELECTION, members=members)
    return posted, bids, regs, ctx


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--bidders", type=int, default=5_000)
    parser.add_argument("--registrations", type=int, default=30_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    posted, bids, regs, ctx = build(args.calls, args.bidders, args.registrations)
    print(f"{len(posted)} posted calls, {args.bidders} bidders, {len(bids)} bids, {len(regs)} waiting registrations, "
          f"{args.runs} runs")
    result = select(posted, bids, regs, ctx)  # warm up
    report("select() the whole selection", measure(lambda: select(posted, bids, regs, ctx), args.runs))
    one = posted[0]
    one_ctx = replace(ctx, bidders=frozenset(b.card for b in bids if b.call_id == one.id))
    limit = one.workers + 40
    report(f"rank(limit={limit}) one call", measure(lambda: rank(one, regs, one_ctx, limit=limit), args.runs))
    report("rank() one call, all candidates", measure(lambda: rank(one, regs, one_ctx), args.runs))
    openings = sum(call.openings for call in posted)
    print(f"awards: {len(result.awards)} of {openings} openings; {sum(1 for v in result.openings_left.values() if v)} "
          "calls with openings left")


if __name__ == "__main__":
    main()
