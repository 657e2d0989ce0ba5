"""Load on `hall web`: members logged in, each loading their page and the job board in a loop.

    python bench/web_load.py [--members 200] [--seconds 60] [--think 2.0] [--quick] [--db PATH]

Builds the demo hall (or copies ``--db``), gives every member a PIN (as staff would), starts
one ``hall web`` process on 127.0.0.1 and logs the simulated members in through the log-in
form (members are added, each signed on JW-1, until there is one card per simulated member). Then, for ``--seconds``, each member loads ``/me`` and
``/`` (the job board), reads for a while (uniformly 0 to 2 × ``--think`` seconds: a
person on a phone, not a script) and loads them again. Every request goes to 127.0.0.1
only and has a 10 s timeout; the run stops at its time. Prints the requests, errors and the
50th/95th/99th percentile response times per page and overall; exits 1 when any request
failed. ``--quick``: 10 members for 3 seconds (CI runs it for the rows, not the timings).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PIN = "2468"
TIMEOUT = 10.0
LOGIN_TIMEOUT = 120.0


def prepare(db: Path, source: Path | None, members: int) -> list[str]:
    """The hall to load (the demo, or a copy of ``source``) with at least ``members`` members, the
    ones added signed on JW-1 (one card per simulated member), every member with the PIN; the cards."""
    from hall.identity import Actor
    from hall.operations.members import add_member, set_pin
    from hall.operations.registrations import sign
    from hall.store import Store

    if source is not None:
        shutil.copy2(source, db)
    else:
        from hall.demo import build_demo

        build_demo(db)
    store = Store(db)
    with store.read() as conn:
        cards = [r[0] for r in conn.execute("SELECT card FROM members ORDER BY card")]
        admin = conn.execute("SELECT name FROM users WHERE role = 'admin' AND disabled = 0 LIMIT 1").fetchone()[0]
    actor = Actor.staff(admin, "admin")
    for n in range(len(cards), members):
        card = f"L{n:04d}"
        add_member(store, card, f"Load Member {n}", actor=actor, classes=["JW"])
        sign(store, card, "JW-1", actor=actor)
        cards.append(card)
    for card in cards:
        set_pin(store, card, PIN, actor=actor)
    return cards


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path, port: int) -> subprocess.Popen:
    """One `hall web` process; returns once it answers."""
    hall = Path(sys.executable).with_name("hall")
    command = [str(hall) if hall.exists() else sys.executable, *([] if hall.exists() else ["-m", "hall.cli"]),
               "--db", str(db), "web", "--host", "127.0.0.1", "--port", str(port), "--idle-minutes", "60"]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"hall web stopped: {server.stderr.read().decode()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("hall web did not start within 30 s")


async def log_in(client, card: str) -> None:
    """Through the log-in form (not measured: a PIN check is a deliberately slow hash)."""
    page = await client.get("/login", timeout=LOGIN_TIMEOUT)
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    done = await client.post("/login", data={"csrf": token, "card": card, "pin": PIN}, timeout=LOGIN_TIMEOUT)
    if done.status_code >= 400 or "hall_session" not in client.cookies:
        raise SystemExit(f"card {card} could not log in ({done.status_code})")


async def member_loop(client, until: float, think: float, times: dict[str, list[float]], errors: list[str]) -> None:
    rng = random.Random()
    await asyncio.sleep(rng.uniform(0, think))  # members do not all arrive at once
    while time.monotonic() < until:
        for path in ("/me", "/"):
            if time.monotonic() >= until:
                return
            start = time.perf_counter()
            try:
                page = await client.get(path)
                took = time.perf_counter() - start
                if page.status_code != 200 or (path == "/me" and "My books" not in page.text):
                    errors.append(f"{path}: {page.status_code}")
                else:
                    times[path].append(took)
            except Exception as error:  # a timeout or a refused connection is an error of the run
                errors.append(f"{path}: {type(error).__name__}")
        await asyncio.sleep(min(rng.uniform(0, 2 * think), max(until - time.monotonic(), 0)))


async def run_load(port: int, cards: list[str], members: int, seconds: float, think: float) -> tuple[dict, list]:
    import httpx2 as httpx

    base = f"http://127.0.0.1:{port}"
    limits = httpx.Limits(max_connections=members + 10, max_keepalive_connections=members + 10)
    clients = [httpx.AsyncClient(base_url=base, timeout=TIMEOUT, follow_redirects=True, limits=limits)
               for _ in range(members)]
    try:
        for start in range(0, members, 4):
            await asyncio.gather(*(log_in(c, cards[(start + i) % len(cards)])
                                   for i, c in enumerate(clients[start:start + 4])))
        times: dict[str, list[float]] = {"/me": [], "/": []}
        errors: list[str] = []
        until = time.monotonic() + seconds
        await asyncio.gather(*(member_loop(c, until, think, times, errors) for c in clients))
        return times, errors
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(int(q * len(ordered)), len(ordered) - 1)] * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--think", type=float, default=2.0, help="mean seconds a member reads between loads")
    parser.add_argument("--quick", action="store_true", help="10 members for 3 seconds")
    parser.add_argument("--db", type=Path, help="a hall database to copy (default: the demo hall)")
    args = parser.parse_args(argv)
    if args.quick:
        args.members, args.seconds = 10, 3.0
    folder = Path(tempfile.mkdtemp(prefix="hall-web-load-"))
    try:
        db = folder / "hall.db"
        cards = prepare(db, args.db, args.members)
        port = free_port()
        server = start_server(db, port)
        try:
            times, errors = asyncio.run(run_load(port, cards, args.members, args.seconds, args.think))
        finally:
            server.terminate()
            server.wait(timeout=10)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    every = times["/me"] + times["/"]
    load = os.getloadavg()[0]
    print(f"hall web under load: {args.members} members logged in for {args.seconds:g} s, reading "
          f"0-{2 * args.think:g} s between loads ({len(cards)} cards; load average {load:.2f})")
    for label, values in (("a member's page (/me)", times["/me"]), ("the job board (/)", times["/"]),
                          ("every request", every)):
        print(f"  {label:<24} {len(values):>6} requests  p50 {pct(values, .5):6.1f} ms  "
              f"p95 {pct(values, .95):6.1f} ms  p99 {pct(values, .99):6.1f} ms")
    rate = len(every) / args.seconds if args.seconds else 0
    print(f"  throughput {rate:.0f} requests/s, errors {len(errors)}"
          + (f" (first: {errors[0]})" if errors else ""))
    verdict = "under" if pct(every, .95) < 100 else "OVER"
    print(f"  95th percentile {pct(every, .95):.1f} ms: {verdict} the 100 ms goal; mean "
          f"{statistics.fmean(every) * 1000 if every else float('nan'):.1f} ms")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
