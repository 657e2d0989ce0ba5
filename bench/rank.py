"""Benchmark dispatch.ranking.rank over 30,000 waiting registrations.

One classification (JW), 4 books, every member eligible but a few; prints the
median, min and max of ~20 runs, with and without ``limit`` (workers + 40).

    PYTHONPATH=. python bench/rank.py [--registrations N] [--runs R]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from dispatch.model import Certification, JobCall, Member, Registration
from dispatch.ranking import RankContext, rank
from dispatch.rules import HallRules, RuleSet

BOOKS = ("JW-1", "JW-2", "JW-3", "JW-4")


def build(count: int, seed: int = 1):
    rng = random.Random(seed)
    rules = RuleSet(hall=HallRules(timezone="America/Chicago"))
    now = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
    members: dict[str, Member] = {}
    regs: list[Registration] = []
    for n in range(count):
        card = str(10000 + n) if n % 10 else f"A{n}"  # some text cards
        certs = (Certification("OSHA-30"),) if n % 7 else ()
        members[card] = Member(card=card, name=f"Member {n}", classifications=frozenset({"JW"}), certifications=certs)
        at = now - timedelta(days=rng.randrange(1, 25), minutes=rng.randrange(0, 600))
        regs.append(Registration(id=n + 1, card=card, book_id=BOOKS[n % 4], registered_at=at, last_signed_at=at))
    rng.shuffle(regs)
    call = JobCall(
        id=1,
        employer="Acme Electric",
        classification="JW",
        workers=5,
        start=now + timedelta(days=3),
        duration_days=30,
        required_certs=("OSHA-30",),
    )
    return call, regs, RankContext(rules=rules, now=now, members=members)


def measure(fn, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def report(label: str, times: list[float]) -> None:
    print(f"{label:<34} median {statistics.median(times):7.2f} ms   min {min(times):7.2f} ms   max {max(times):7.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=30_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    call, regs, ctx = build(args.registrations)
    limit = call.workers + 40
    print(f"{len(regs)} waiting registrations, {len(BOOKS)} books, {args.runs} runs")
    rank(call, regs, ctx, limit=limit)  # warm up
    limited = measure(lambda: rank(call, regs, ctx, limit=limit), args.runs)
    report(f"rank(limit={limit})", limited)
    full = measure(lambda: rank(call, regs, ctx), args.runs)
    report("rank() all candidates", full)
    print(f"candidates: {len(rank(call, regs, ctx, limit=limit).candidates)} of {len(rank(call, regs, ctx).candidates)}")


if __name__ == "__main__":
    main()
