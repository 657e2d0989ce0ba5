"""Measure the hall at the scale of the largest locals and print one table.

    python bench/run.py [--quick] [--db PATH] [--runs N] [--rebuild]

Builds the large hall with ``bench/make_large_hall.py`` (or reuses it when it
was built for today or yesterday), works on a copy of it (the figures that
write change only the copy), and prints each figure's median, min and max over
several runs, its target, its baseline and the ratio, and PASS/MISS.
``--quick`` uses a hall 1/50 the size (for CI: it checks the benchmark runs,
not the timings). The app figures run in a child process (``--app-child``) so
the memory figure is the app's own.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hall.identity import Actor  # noqa: E402

USER, PASSWORD = "benchadmin", "bench-password-1"
TOKEN = ""  # a script token of USER, made once the hall is built
SCREEN_ROWS = 60  # hall.load.SCREEN_MARGIN: the screenful past the call's needs


# --- helpers ---------------------------------------------------------------------


def timed(fn, runs: int, warm: int = 1) -> list[float]:
    """Seconds per call of ``fn`` over ``runs`` runs (after ``warm`` unmeasured ones)."""
    for _ in range(warm):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def as_of_of(path: Path) -> date | None:
    """The date a large hall was built for (its history starts 1,095 days before)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            at = conn.execute("SELECT at FROM audit WHERE seq = 1").fetchone()[0]
        finally:
            conn.close()
    except Exception:
        return None
    return (datetime.fromisoformat(at).astimezone(UTC) + timedelta(days=1095)).date()


def ensure_hall(path: Path, quick: bool, rebuild: bool) -> tuple[date, float]:
    from bench.make_large_hall import build

    today = datetime.now(UTC).date()
    built = None if rebuild or not path.exists() else as_of_of(path)
    if built is not None and 0 <= (today - built).days <= 1:
        return built, 0.0
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    build(path, quick=quick, as_of=today)
    return today, time.perf_counter() - start


def copy_hall(source: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    conn = sqlite3.connect(source)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    shutil.copyfile(source, target)
    # A hall built before a newer migration: bring the copy up to date (no backup: it is a copy).
    from hall import schema
    from hall.db import connect, immediate

    db = connect(target)
    try:
        if schema.pending(db):
            with immediate(db):
                schema.upgrade(db)
    finally:
        db.close()


class Table:
    """The one table the benchmark prints."""

    HEAD = ("figure", "median", "min", "max", "target", "baseline", "ratio", "result")

    def __init__(self):
        self.rows: list[tuple[str, ...]] = []

    def add(self, figure: str, values: list[float] | None, *, unit: str = "ms", target: str = "",
            ok: bool | None = None, baseline: float | None = None, ratio: float | None = None,
            result: str | None = None, ratio_target: float | None = None) -> None:
        if values:
            med, low, high = statistics.median(values), min(values), max(values)
            shown = [_show(v, unit) for v in (med, low, high)]
        else:
            shown = ["—", "—", "—"]
        base = _show(baseline, unit) if baseline is not None else "—"
        rat = f"{ratio:.1f}x" if ratio is not None else "—"
        if result is None:
            if ok is None:
                result = "info"
            else:
                result = "PASS" if ok and (ratio_target is None or ratio is None or ratio <= ratio_target) else "MISS"
        self.rows.append((figure, *shown, target, base, rat, result))
        print(f"  measured: {figure}: {shown[0]} ({result})", file=sys.stderr, flush=True)

    def print(self) -> None:
        rows = [self.HEAD, *self.rows]
        widths = [max(len(r[i]) for r in rows) for i in range(len(self.HEAD))]
        line = "| " + " | ".join(h.ljust(w) for h, w in zip(self.HEAD, widths)) + " |"
        print(line)
        print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
        for r in self.rows:
            print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |")


def _show(value: float, unit: str) -> str:
    if unit == "ms":
        return f"{value * 1000:.1f} ms"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "MB":
        return f"{value:.0f} MB"
    if unit == "/s":
        return f"{value:,.0f}/s"
    return f"{value:g}"


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{os.cpu_count()} CPUs ({model}), Python {sys.version.split()[0]}, "
            f"SQLite {sqlite3.sqlite_version}, load average {os.getloadavg()[0]:.1f}")


# --- the figures -------------------------------------------------------------------


def pick_call(db, rules, now, classification: str = "JW"):
    """The open call of ``classification`` with the most workers (ties: lowest id)."""
    from hall import load

    row = db.execute(
        "SELECT id FROM calls WHERE status = 'open' AND classification = ?"
        " AND id NOT IN (SELECT call_id FROM name_requests) ORDER BY workers DESC, id LIMIT 1",
        [classification],
    ).fetchone()
    return load.job_call(db, row[0])


def bench_rank(table: Table, store, runs: int) -> None:
    from dispatch.ranking import rank
    from hall import load
    from hall.load import ranking_through

    with store.read() as db:
        now = store.now()
        _, rules = store.rules(db, now)
        call = pick_call(db, rules, now)
        outcomes = load.call_outcomes(db, call.id)
        limit = len(outcomes) + call.workers + SCREEN_ROWS
        regs = load.candidate_registrations(db, call, rules, now, outcomes.keys())
        ctx = load.rank_context(db, call, rules, now, regs)
        ctx.members.preload()
        waiting = sum(1 for r in regs if r.status == "waiting")
        t = timed(lambda: rank(call, regs, ctx, limit=limit), runs)
        table.add(f"dispatch.rank, {waiting:,} waiting {call.classification}, limit {limit}", t,
                  target="<= 20 ms", ok=statistics.median(t) <= 0.020)
        full = timed(lambda: rank(call, regs, ctx), max(3, runs // 3))
        table.add("  (info) dispatch.rank, the full ranking", full)

        def from_db():
            ranking, _ = ranking_through(db, call, rules, now)
            return ranking

        t = timed(from_db, runs)
        n = len(from_db().candidates)
        books = [b.id for b in rules.books_for(call.classification)]
        from dispatch import calendar
        from hall.audit import iso

        cutoff = iso(calendar.lapse_cutoff(rules, now))

        def bare():
            rows = []
            for book in books:
                rows += db.execute(
                    "SELECT r.id, r.card, m.name, r.book_id, r.registered_at, r.status FROM registrations r"
                    " JOIN members m ON m.card = r.card WHERE r.book_id = ? AND r.status = 'waiting'"
                    " AND r.last_signed_at >= ? ORDER BY r.registered_at, r.card LIMIT ?",
                    [book, cutoff, n - len(rows)],
                ).fetchall()
                if len(rows) >= n:
                    break
            return rows

        b = timed(bare, runs)
        med, base = statistics.median(t), statistics.median(b)
        table.add(f"rank one call from the database ({n} candidates)", t, target="<= 50 ms, <= 5x",
                  ok=med <= 0.050, baseline=base, ratio=med / base, ratio_target=5)


def bench_offer(table: Table, store, runs: int) -> None:
    from dispatch.ranking import next_to_offer
    from hall.load import ranking_through
    from hall.operations.offers import record_offer

    with store.read() as db:
        now = store.now()
        _, rules = store.rules(db, now)
        calls = [r[0] for r in db.execute(
            "SELECT id FROM calls WHERE status = 'open' AND classification = 'JW' AND workers >= 2"
            " AND id NOT IN (SELECT call_id FROM name_requests) ORDER BY id")]
    times = []
    outcomes = ("no_answer", "declined")
    for i in range(runs + 1):
        call_id = calls[i % len(calls)]
        with store.read() as db:
            from hall import load

            call = load.job_call(db, call_id)
            ranking, _ = ranking_through(db, call, rules, now)
            card = next_to_offer(ranking).card
        start = time.perf_counter()
        record_offer(store, call_id, card, outcomes[i % 2], actor=Actor.staff(USER), note="bench")
        if i:
            times.append(time.perf_counter() - start)
    table.add("record one offer outcome (transaction, re-rank, audit, commit)", times, target="<= 30 ms",
              ok=statistics.median(times) <= 0.030)


def bench_position(table: Table, path: Path, runs: int) -> None:
    conn = sqlite3.connect(path)
    card = conn.execute(
        "SELECT card FROM registrations WHERE book_id = 'JW-1' AND status = 'waiting'"
        " ORDER BY registered_at DESC, card DESC LIMIT 1").fetchone()[0]
    conn.close()
    hall = Path(sys.executable).parent / "hall"
    command = [str(hall)] if hall.exists() else [sys.executable, "-c", "from hall.cli import main; main()"]
    command += ["--db", str(path), "position", card]
    env = {**os.environ, "HALL_TOKEN": TOKEN}

    def run_hall():
        result = subprocess.run(command, capture_output=True, text=True, env=env)
        if result.returncode != 0:
            raise RuntimeError(result.stderr)

    t = timed(run_hall, runs)
    b = timed(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), runs)
    med, base = statistics.median(t), statistics.median(b)
    table.add(f"`hall position {card}` as a whole process (last on JW-1)", t, unit="s", target="<= 0.3 s",
              ok=med <= 0.3, baseline=base, ratio=med / base)


def bench_verify(table: Table, store, runs: int) -> None:
    import hashlib

    from hall import audit

    with store.read() as db:
        count = db.execute("SELECT count(*) FROM audit").fetchone()[0]
        t = timed(lambda: audit.verify(db), runs, warm=1)
        assert audit.verify(db).ok

        def bare():
            sha = hashlib.sha256
            for (text,) in db.execute("SELECT canonical FROM audit ORDER BY seq"):
                sha(text.encode("utf-8")).hexdigest()

        b = timed(bare, runs, warm=0)
    rates = [count / x for x in t]
    base = count / statistics.median(b)
    med = statistics.median(rates)
    table.add(f"`hall audit verify` over {count:,} entries", rates, unit="/s", target=">= 200,000/s",
              ok=med >= 200_000, baseline=base, ratio=base / med)


def bench_replay(table: Table, store, runs: int) -> None:
    """`hall audit replay`: the whole log applied to a fresh database and compared with the tables,
    beside the bare baseline of reading and json-decoding every entry's data."""
    import json

    from hall.replay import replay

    with store.read() as db:
        count = db.execute("SELECT count(*) FROM audit").fetchone()[0]
    results = []

    def run():
        results.append(replay(store.path))

    t = timed(run, runs, warm=0)
    if not all(r.ok for r in results):
        bad = next(r for r in results if not r.ok)
        table.add(f"`hall audit replay` over {count:,} entries", t, unit="s", target="< 60 s",
                  result=f"MISS {bad.summary[:60]}")
        return

    def bare():
        conn = sqlite3.connect(f"file:{store.path}?mode=ro", uri=True)
        try:
            loads = json.loads
            for (data,) in conn.execute("SELECT data FROM audit ORDER BY seq"):
                loads(data)
        finally:
            conn.close()

    b = timed(bare, runs, warm=0)
    med, base = statistics.median(t), statistics.median(b)
    table.add(f"`hall audit replay` over {count:,} entries", t, unit="s", target="< 60 s", ok=med < 60,
              baseline=base, ratio=med / base)


def bench_selection(table: Table, store, runs: int, quick: bool) -> None:
    """(v2) The morning selection from the database: the hall's open calls posted for one selection
    (500 at full size), 5,000 waiting JW members bidding on 1-10 of them each (raw rows in the work
    copy), then ``compute_selection`` (loading included) and ``record_selections`` (load, select and
    write every award and its audit entry, in one transaction rolled back after each run), beside the
    pure ``dispatch.selection.select`` over the same inputs and one call's ranking from the database."""
    import random

    from dispatch.selection import select
    from hall import changes
    from hall.audit import iso
    from hall.db import connect
    from hall.load import ranking_through
    from hall.operations.bidding import compute_selection, record_selections
    from hall.queries.bidding import selection_inputs

    now = store.now()
    moment = now - timedelta(hours=1)
    rng = random.Random(16)
    db = connect(store.path)
    try:
        _, rules = store.rules(db, now)
        by_class: dict[str, list[int]] = {}
        for call_id, classification in db.execute(
                "SELECT id, classification FROM calls WHERE status = 'open' ORDER BY id LIMIT 500"):
            by_class.setdefault(classification, []).append(call_id)
        calls = [c for ids in by_class.values() for c in ids]
        classes: dict[str, str] = {}  # a waiting member and the classification of one of their books
        for card, book_id in db.execute("SELECT card, book_id FROM registrations WHERE status = 'waiting' ORDER BY card"):
            book = rules.book(book_id)
            if book is not None and book.classification in by_class:
                classes.setdefault(card, book.classification)
        bidders = rng.sample(sorted(classes), min(5_000, len(classes)))
        rows = []
        for card in bidders:
            mine = by_class[classes[card]]
            for choice, call_id in enumerate(rng.sample(mine, rng.randint(1, min(10, len(mine)))), start=1):
                rows.append((call_id, card, choice, iso(moment), iso(moment - timedelta(hours=12)), "kiosk",
                             f"member:{card}"))
        with db.conn:
            db.conn.executemany("UPDATE calls SET posted_for = ? WHERE id = ?", [(iso(moment), c) for c in calls])
            db.conn.executemany("INSERT INTO bids (call_id, card, choice, selection_at, at, via, recorded_by)"
                                " VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        what = f"{len(calls)} posted calls, {len(bidders):,} bidders, {len(rows):,} bids"
        loaded = timed(lambda: compute_selection(db, moment, rules), runs)
        inputs = selection_inputs(db, moment, rules)
        pure = timed(lambda: select(inputs.calls, inputs.bids, inputs.registrations, inputs.ctx,
                                    outcomes=inputs.outcomes), runs)
        target = "" if quick else "< 1 s"
        med, base = statistics.median(loaded), statistics.median(pure)
        table.add(f"the selection from the database ({what})", loaded, target=target,
                  ok=None if quick else med < 1.0, baseline=base, ratio=med / base)

        def recorded():
            db.execute("BEGIN IMMEDIATE")
            try:
                with changes.logged(db):
                    ruleset_id, rules_now = store.rules(db, now)
                    record_selections(db, now, rules_now, ruleset_id)
            finally:
                db.execute("ROLLBACK")

        written = timed(recorded, max(2, runs // 2))
        awards = len(compute_selection(db, moment, rules)[1].awards)
        table.add(f"  the selection recorded ({awards:,} awards and their entries; rolled back)", written,
                  target=target, ok=None if quick else statistics.median(written) < 1.0, baseline=base,
                  ratio=statistics.median(written) / base)
        one = inputs.calls[0]
        table.add("  (info) one posted call ranked from the database, as the dispatch screen does",
                  timed(lambda: ranking_through(db, one, rules, moment), runs))
    finally:
        db.close()


def bench_import(table: Table, store, count: int, runs: int, workdir: Path) -> None:
    from hall.operations.members import import_members

    times = []
    for run in range(runs):
        path = workdir / f"import-{run}.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            out = csv.writer(f)
            out.writerow(["card", "name", "phone", "classes", "certs"])
            for n in range(count):
                card = f"{700000 + run * 100000 + n}"
                out.writerow([card, f"Imported Member {n}", f"312-555-{n % 10000:04d}",
                              "JW" if n % 5 else "JW;RW", "OSHA-30" if n % 3 else "OSHA-30;Confined Space:2028-06-30"])
        start = time.perf_counter()
        import_members(store, path, actor=Actor.staff(USER))
        times.append(time.perf_counter() - start)
    table.add(f"`hall member import` of {count:,} members", times, unit="s", target="<= 5 s",
              ok=statistics.median(times) <= 5.0)


def bench_large_import(table: Table, count: int, workdir: Path, now: datetime) -> None:
    """One import of ``count`` rows into a new hall: the whole import against the time the write
    lock is held (from asking for it to the commit). The file is checked before the lock is asked for."""
    from contextlib import contextmanager

    from hall.clock import fixed
    from hall.operations.members import import_members
    from hall.operations.rules import init_database
    from hall.store import Store

    class LockTimed(Store):
        held = held_cpu = 0.0

        @contextmanager
        def write(self, actor, **kw):
            start, start_cpu = time.perf_counter(), time.process_time()
            try:
                with super().write(actor, **kw) as tx:
                    yield tx
            finally:
                self.held += time.perf_counter() - start
                self.held_cpu += time.process_time() - start_cpu

    path = workdir / "import-large.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    init_database(path, admin=USER, password=PASSWORD, now=now)
    csv_path = workdir / f"import-large-{count}.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["card", "name", "phone", "classes", "certs"])
        for n in range(count):
            out.writerow([f"{2000000 + n}", f"Imported Member {n}", f"312-555-{n % 10000:04d}",
                          "JW" if n % 5 else "JW;AP", "OSHA-30" if n % 3 else "OSHA-30;Confined Space:2028-06-30"])
    store = LockTimed(path, clock=fixed(now))
    start, start_cpu = time.perf_counter(), time.process_time()
    import_members(store, csv_path, actor=Actor.staff(USER))
    whole, whole_cpu = time.perf_counter() - start, time.process_time() - start_cpu
    table.add(f"`hall member import` of {count:,} rows into a new hall", [whole], unit="s", result="info")
    table.add(f"  the write lock held during it ({count:,} rows)", [store.held], unit="s", baseline=whole,
              ratio=store.held / whole, result="info")
    # On a shared machine the wall times stretch with the load; the CPU times say what the work costs.
    table.add("  (info) CPU time of the whole import", [whole_cpu], unit="s", result="info")
    table.add("  (info) CPU time with the write lock held", [store.held_cpu], unit="s", baseline=whole_cpu,
              ratio=store.held_cpu / whole_cpu, result="info")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    csv_path.unlink()


def bench_app(table: Table, path: Path, as_of: date, runs: int) -> None:
    results = []
    for _ in range(runs):
        proc = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--app-child", "--db", str(path),
             "--date", as_of.isoformat()],
            capture_output=True, text=True, timeout=600,
        )
        lines = [l for l in proc.stdout.splitlines() if l.startswith("{")]
        if proc.returncode != 0 or not lines:
            raise RuntimeError(f"the app child failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
        results.append(json.loads(lines[-1]))
    board = [r["board"] for r in results]
    table.add("the app: log in to a drawn board", board, unit="s", target="<= 1.5 s",
              ok=statistics.median(board) <= 1.5)
    first = results[0]
    rows = first.get("list_rows")
    if first.get("list") == "not built":
        for what in ("open", "jump to the end", "search a name"):
            table.add(f"list screen ({rows:,}-row book): {what}", None, target="<= 0.5 s", result="MISS not built")
    else:
        base = statistics.median(r["datatable"] for r in results)
        for key, what in (("list_open", "open"), ("list_end", "jump to the end"), ("list_search", "search a name")):
            values = [r[key] for r in results if r.get(key) is not None]
            if not values:
                table.add(f"list screen ({rows:,}-row book): {what}", None, target="<= 0.5 s",
                          result=f"MISS {first.get(key + '_error', 'could not drive it')}")
                continue
            med = statistics.median(values)
            table.add(f"list screen ({rows:,}-row book): {what}", values, unit="s", target="<= 0.5 s",
                      ok=med <= 0.5, baseline=base if key == "list_open" else None,
                      ratio=med / base if key == "list_open" else None)
        table.add(f"  (baseline) {rows:,} rows into a plain DataTable", [r["datatable"] for r in results], unit="s")
    rss = [r["rss_mb"] for r in results]
    table.add("the app's memory after the board and the list (RSS)", rss, unit="MB", target="<= 250 MB",
              ok=statistics.median(rss) <= 250)


# --- the app, in a child process ------------------------------------------------------


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _settle(app, pilot) -> None:
    """Wait for the app's workers, never sleeping."""
    from textual.worker import WorkerCancelled

    for _ in range(500):
        try:
            await app.workers.wait_for_complete()
        except WorkerCancelled:
            pass
        await pilot.pause()
        if not any(not w.is_finished for w in app.workers):
            return


async def _until(pilot, app, check, limit: float = 60.0) -> None:
    end = time.perf_counter() + limit
    while not check():
        if time.perf_counter() > end:
            raise TimeoutError("the app did not get there")
        await _settle(app, pilot)
        if not check():
            await pilot.pause(0.005)


def app_child(path: Path, as_of: date) -> None:
    from hall.clock import fixed
    from hall.store import Store

    now = datetime(as_of.year, as_of.month, as_of.day, 15, 0, tzinfo=UTC)
    store = Store(path, clock=fixed(now))
    out: dict = {}
    conn = sqlite3.connect(path)
    book, rows = conn.execute(
        "SELECT book_id, count(*) FROM registrations WHERE status = 'waiting' GROUP BY book_id"
        " ORDER BY count(*) DESC LIMIT 1").fetchone()
    conn.close()
    out["list_rows"] = rows
    asyncio.run(_drive_app(store, out, book))
    asyncio.run(_plain_datatable(store, book, out))
    print(json.dumps(out))


async def _drive_app(store, out: dict, book: str) -> None:
    from textual.widgets import DataTable, Input

    from screens.app import HallApp
    from screens.board import BoardScreen

    start = time.perf_counter()
    app = HallApp(store)
    async with app.run_test(size=(160, 50)) as pilot:
        await _until(pilot, app, lambda: app.screen.query("#login-password"))
        app.screen.query_one("#login-name", Input).value = USER
        password = app.screen.query_one("#login-password", Input)
        password.value = PASSWORD
        password.focus()
        await pilot.press("enter")

        def board_shown():
            screen = app.screen
            if not isinstance(screen, BoardScreen):
                return False
            status = screen.query("#board-status")
            return bool(status) and bool(str(status.first().content)) and \
                screen.query_one("#calls-table", DataTable).row_count > 0

        await _until(pilot, app, board_shown)
        out["board"] = time.perf_counter() - start
        try:
            import screens.lists  # noqa: F401
        except ImportError:
            out["list"] = "not built"
            out["rss_mb"] = _rss_mb()
            return
        await _drive_lists(app, pilot, out, book)
        out["rss_mb"] = _rss_mb()


def _shown(app, screen) -> bool:
    """The list screen's active book shows rows at its cursor (the order and that page are loaded)."""
    if app.screen is not screen or not screen.is_mounted:
        return False
    try:
        book_list = screen.active_list()
    except Exception:  # still composing
        return False
    return (book_list is not None and book_list.order is not None
            and book_list.row_at(book_list.cursor) is not None)


async def _drive_lists(app, pilot, out: dict, book: str) -> None:
    from textual.widgets import Input, TabbedContent

    from screens.lists import ListsScreen

    start = time.perf_counter()
    app.action_lists()
    await _until(pilot, app, lambda: isinstance(app.screen, ListsScreen) and _shown(app, app.screen))
    screen = app.screen
    tabs = screen.query_one(TabbedContent)
    if tabs.active != f"pane-{book}":  # the biggest book
        tabs.active = f"pane-{book}"
        await _until(pilot, app, lambda: screen.active_list().book_id == book and _shown(app, screen))
    out["list_open"] = time.perf_counter() - start
    book_list = screen.active_list()
    out["list_rows"] = book_list.count

    start = time.perf_counter()
    try:
        book_list.focus()
        await pilot.press("end")
        await _until(pilot, app, lambda: book_list.cursor == book_list.count - 1 and _shown(app, screen), 30)
        out["list_end"] = time.perf_counter() - start
    except Exception as error:  # noqa: BLE001
        out["list_end_error"] = f"end key: {error!r}"

    conn = sqlite3.connect(app.store.path)
    # A name about two thirds down the book (the list is at its end: the search wraps).
    name = conn.execute("SELECT m.name FROM registrations r JOIN members m USING (card)"
                        " WHERE r.book_id = ? AND r.status = 'waiting' ORDER BY r.registered_at, r.card"
                        " LIMIT 1 OFFSET ?", [book, book_list.count * 2 // 3]).fetchone()[0]
    conn.close()
    start = time.perf_counter()
    try:
        before = book_list.cursor
        await pilot.press("slash")
        box = screen.query_one("#list-search", Input)
        box.value = name
        await pilot.press("enter")
        await _until(pilot, app, lambda: book_list.cursor != before and _shown(app, screen), 30)
        out["list_search"] = time.perf_counter() - start
    except Exception as error:  # noqa: BLE001
        out["list_search_error"] = f"search: {error!r}"


async def _plain_datatable(store, book: str, out: dict) -> None:
    """The baseline: the same rows (position, card, name, signed, re-sign due) in a plain DataTable."""
    from textual.app import App
    from textual.widgets import DataTable

    from hall.queries.books import book_list

    class Plain(App):
        def compose(self):
            yield DataTable()

    start = time.perf_counter()
    app = Plain()
    async with app.run_test(size=(160, 50)) as pilot:
        with store.read() as db:
            now = store.now()
            _, rules = store.rules(db, now)
            rows = book_list(db, book, rules, now)
        table = app.query_one(DataTable)
        table.add_columns("pos", "card", "name", "signed", "re-sign by")
        table.add_rows((r.position, r.card, r.name, f"{r.registered_at:%d %b %Y}", f"{r.resign_due:%d %b}")
                       for r in rows)
        await pilot.pause()
        out["datatable"] = time.perf_counter() - start


# --- main ------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a hall 1/50 the size, fewer runs (for CI)")
    parser.add_argument("--db", help="the large hall (built there if missing or stale)")
    parser.add_argument("--runs", type=int, help="runs per figure (default 7, quick 3)")
    parser.add_argument("--rebuild", action="store_true", help="build the hall even if it is fresh")
    parser.add_argument("--app-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--date", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.app_child:
        app_child(Path(args.db), date.fromisoformat(args.date))
        return

    from hall.clock import fixed
    from hall.operations.accounts import add_user
    from hall.operations.tokens import make_token
    from hall.store import Store

    workdir = Path(tempfile.gettempdir()) / "hall-bench"
    workdir.mkdir(exist_ok=True)
    path = Path(args.db) if args.db else workdir / ("quick.db" if args.quick else "large.db")
    runs = args.runs or (3 if args.quick else 7)
    slow_runs = 2 if args.quick else 3
    as_of, built = ensure_hall(path, args.quick, args.rebuild)
    work = workdir / ("quick-work.db" if args.quick else "large-work.db")
    copy_hall(path, work)
    now = datetime(as_of.year, as_of.month, as_of.day, 15, 0, tzinfo=UTC)
    store = Store(work, clock=fixed(now))
    add_user(store, USER, PASSWORD, "admin", actor=Actor.staff("admin"))  # by the hall's first admin
    global TOKEN
    TOKEN = make_token(store, USER, actor=Actor.staff(USER))[0]  # what `hall position` runs with
    with store.read() as db:
        members = db.execute("SELECT count(*) FROM members").fetchone()[0]

    table = Table()
    if built:
        table.add(f"build the hall ({members:,} members)", [built], unit="s", target="< 60 s", ok=built < 60)
    bench_rank(table, store, runs)
    bench_offer(table, store, runs)
    bench_position(table, work, runs)
    bench_app(table, work, as_of, slow_runs)
    bench_verify(table, store, slow_runs)
    bench_replay(table, store, slow_runs)
    bench_import(table, store, members, slow_runs, workdir)
    bench_large_import(table, 12_000 if args.quick else 600_000, workdir, now)
    bench_selection(table, store, runs, args.quick)  # last: it posts the open calls and adds bids
    print(f"hall benchmark{' (quick)' if args.quick else ''}: {path} as of {as_of}, {machine()}")
    table.print()


if __name__ == "__main__":
    main()
