"""A terminal doing a dispatcher's work on a shared hall database, for the reliability tests.

Run as ``python worker.py DB LOG SEED SECONDS NAME [--tell]``. It prints ``ready``
once its imports are done, then for SECONDS (or until SIGTERM, which lets the
operation under way finish) takes calls, records offers (racing the other workers
for the same calls and members), signs, re-signs, ends jobs and reverses
referrals through the ``hall`` operations. Each operation that reported success
is appended to LOG as one JSON line (seq, hash, action) at once, so a line in LOG
is an acknowledged operation; with ``--tell`` it also prints ``ack SEQ`` once the
line is written, for a test that waits on the work rather than on the clock. A
refused operation (``HallError``, ``Busy`` included) is counted; anything else is
written to LOG as an ``error`` line and the worker exits 3.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import time
import traceback


def main(db_path: str, log_path: str, seed: int, seconds: float, name: str, tell: bool = False) -> int:
    from dispatch.ranking import next_to_offer
    from hall import load
    from hall.errors import HallError
    from hall.operations import calls, jobs, offers, referrals, registrations
    from hall.identity import Actor
    from hall.store import Store

    store = Store(db_path)
    me = Actor.staff(name)  # a dispatcher account the test made for this terminal
    rnd = random.Random(seed)
    log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def acknowledge(op: str, receipt, action: str, **extra) -> None:
        line = json.dumps({"worker": name, "op": op, "seq": receipt.seq, "hash": receipt.hash,
                           "action": action, **extra}) + "\n"
        os.write(log_fd, line.encode())
        if tell:
            print(f"ack {receipt.seq}", flush=True)

    def open_calls(db):
        return [r[0] for r in db.execute("SELECT id FROM calls WHERE status = 'open' ORDER BY id")]

    def op_take_call():
        with store.read() as db:
            employers = [r[0] for r in db.execute("SELECT name FROM employers")]
            if len(open_calls(db)) >= 6:
                return None
        now = store.now()
        receipt = calls.take_call(
            store, employer=rnd.choice(employers), classification="JW", workers=rnd.randint(1, 3),
            start=now.strftime("%Y-%m-%d 00:00"), days=rnd.choice([5, 8, 30, 60]), actor=me)
        return receipt, "call.taken"

    def op_offer():
        with store.read() as db:
            ids = open_calls(db)
            if not ids:
                return None
            call_id = rnd.choice(ids[:3])  # the oldest calls: workers collide on them
            now = store.now()
            _, rules = store.rules(db, now)
            job = load.job_call(db, call_id)
            ranking, _ = load.rank_call(db, job, rules, now, limit=job.workers + 40)
            first = next_to_offer(ranking)
            if first is None:
                return None
            pick = first
            if rnd.random() < 0.1:  # try to jump the list: must be refused
                later = [c for c in ranking.candidates if c.eligible and c.outcome is None and c is not first]
                if later:
                    pick = rnd.choice(later)
        outcome = rnd.choices(["accepted", "declined", "no_answer", "employer_rejected"], [5, 2, 2, 1])[0]
        receipt = offers.record_offer(store, call_id, pick.card, outcome, actor=me)
        return receipt, "offer.recorded", {"jumped": pick is not first, "call": call_id, "card": pick.card,
                                           "first": first.card}

    def op_end_job():
        with store.read() as db:
            cards = [r[0] for r in db.execute("SELECT card FROM referrals WHERE status = 'active'")]
        if not cards:
            return None
        receipt = jobs.end_job(store, rnd.choice(cards), rnd.choice(["laid_off", "laid_off", "quit"]), actor=me)
        return receipt, "job.ended"

    def op_reverse():
        with store.read() as db:
            rows = db.execute("SELECT call_id, card FROM referrals WHERE status = 'active'").fetchall()
        if not rows:
            return None
        call_id, card = rnd.choice(rows)
        outcome = rnd.choice(["rejected_at_job", "cancelled"])
        receipt = referrals.record_referral_outcome(store, call_id, card, outcome, actor=me)
        return receipt, f"referral.{outcome}"

    def op_sign():
        with store.read() as db:
            cards = [r[0] for r in db.execute(
                "SELECT card FROM members m WHERE standing = 'active' AND NOT EXISTS ("
                " SELECT 1 FROM registrations r WHERE r.card = m.card AND r.status != 'removed')")]
        if not cards:
            return None
        receipt = registrations.sign(store, rnd.choice(cards), rnd.choice(["JW-1", "JW-1", "JW-2"]), actor=me)
        return receipt, "registration.signed"

    def op_resign():
        with store.read() as db:
            cards = [r[0] for r in db.execute("SELECT DISTINCT card FROM registrations WHERE status = 'waiting'")]
        if not cards:
            return None
        receipt = registrations.resign(store, rnd.choice(cards), actor=me)
        return receipt, "registration.resigned"

    ops = {"take_call": (op_take_call, 2), "offer": (op_offer, 10), "end_job": (op_end_job, 3),
           "reverse": (op_reverse, 1), "sign": (op_sign, 3), "resign": (op_resign, 2)}
    names = list(ops)
    weights = [ops[n][1] for n in names]
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    print("ready", flush=True)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not stopping:
        op = rnd.choices(names, weights)[0]
        try:
            done = ops[op][0]()
        except HallError as error:
            os.write(log_fd, (json.dumps({"worker": name, "op": op, "refused": str(error)}) + "\n").encode())
            continue
        except Exception:
            os.write(log_fd, (json.dumps({"worker": name, "op": op, "error": traceback.format_exc()}) + "\n").encode())
            return 3
        if done is None:
            time.sleep(0.005)
            continue
        receipt, action, *extra = done
        acknowledge(op, receipt, action, **(extra[0] if extra else {}))
    os.close(log_fd)
    return 0


if __name__ == "__main__":
    db, log, seed, seconds, who = sys.argv[1:6]
    sys.exit(main(db, log, int(seed), float(seconds), who, tell="--tell" in sys.argv[6:]))
