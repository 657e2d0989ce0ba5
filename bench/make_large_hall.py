"""Build a large hall to measure on: deterministic (seeded), in about a minute.

    python bench/make_large_hall.py PATH [--quick] [--date YYYY-MM-DD] [--force]

Full size: 30,000 members, 8 books (JW-1..JW-4, AP-1..AP-2, RW-1..RW-2), 40,000
waiting registrations (2,000 members on two JW books, 8,000 JW members also on an
RW book; 30,000 waiting of class JW, 26,000 on JW-1), 20,000 older removed
registrations, 2,000 employers, 500 open calls, 40,000 past calls with 240,000
offers and 60,000 referrals (with their job ends), about 530,000 rows of list
history (a row per signing, re-signing and removal), and 1,000,000 audit entries
whose chain verifies and whose writes rebuild the tables. ``--quick`` builds 1/50
of that.

The schema is made by ``hall.operations.rules.init_database`` (the real
migrations and first audit entry). Every other entry holds its writes, as the
real operations' do (``data["writes"]``, see ``hall.changes``), and the tables
are exactly the rows those writes leave (``Tables``: applied in log order, so
``hall audit replay`` finds them equal); they go in through bulk ``executemany``
inside one ``BEGIN IMMEDIATE`` with the big tables' indexes dropped and rebuilt
from their own stored SQL (so the schema ends identical). Audit entries are
hashed exactly as ``hall.audit.append`` does (``canonical_data``,
``canonical_text``, SHA-256), with data shaped like the real operations' data.
What the rules would do to registrations on past offers (dispatched, restored)
is not modelled: past offers name no registration.

Dates are relative to ``--date`` (default: today, UTC) so the hall is "live"
when measured: every waiting registration was re-signed within the last 25
days, nothing is due for removal. The same seed and date give the same hall.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sqlite3
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hall.audit import canonical_data, canonical_text  # noqa: E402
from hall.changes import REPLAYED  # noqa: E402
from argon2.low_level import Type, hash_secret  # noqa: E402
from hall.operations.accounts import reproducible_salts  # noqa: E402
from hall.operations.rules import init_database  # noqa: E402

SEED = 20261120
HALL_NAME = "IBEW Local 999 (benchmark)"
TIMEZONE = "America/Chicago"

BOOKS = [
    ("JW-1", "Inside Wireman I", "JW", 1),
    ("JW-2", "Inside Wireman II", "JW", 2),
    ("JW-3", "Inside Wireman III", "JW", 3),
    ("JW-4", "Inside Wireman IV", "JW", 4),
    ("AP-1", "Apprentice I", "AP", 1),
    ("AP-2", "Apprentice II", "AP", 2),
    ("RW-1", "Residential Wireman I", "RW", 1),
    ("RW-2", "Residential Wireman II", "RW", 2),
]

RULES_TEXT = (
    f'[hall]\nname = "{HALL_NAME}"\ntimezone = "{TIMEZONE}"\n\n'
    + "\n".join(
        f'[[books]]\nid = "{b}"\nname = "{n}"\nclassification = "{c}"\npriority = {p}\nrequires = []\n'
        for b, n, c, p in BOOKS
    )
)

FIRST = ("James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard "
         "Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty "
         "Anthony Sandra Mark Ashley Donald Kimberly Steven Emily Andrew Donna Paul Michelle Joshua Carol "
         "Kenneth Amanda Kevin Melissa Brian Deborah George Stephanie Timothy Rebecca Ronald Laura Jason "
         "Sharon Edward Cynthia Jeffrey Kathleen Ryan Amy Jacob Angela Gary Shirley Nicholas Anna Eric "
         "Brenda Jonathan Pamela Stephen Emma Larry Nicole Justin Helen Scott Samantha Brandon Katherine "
         "Benjamin Christine Samuel Debra Gregory Rachel Alexander Carolyn Patrick Janet Frank Maria "
         "José Zoë Siobhán Łukasz Nguyễn Ada Ben Ed Chidi Aarav Mei").split()
LAST = ("Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
        "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
        "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
        "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips "
        "Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers "
        "Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson "
        "Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders "
        "Patel Myers Long Ross Foster Jimenez O'Brien Kowalski Müller Søren García Okafor Ito Lovelace "
        "Dubois Novak").split()
EMPLOYER_WORDS = ("Acme Bolt Crane Dynamo Eagle Falcon Granite Harbor Iron Junction Keystone Liberty "
                  "Metro Northern Pioneer Quantum Ridge Summit Titan Union Valley Western Apex Beacon "
                  "Cardinal Delta Empire Frontier Gateway Heritage").split()
EMPLOYER_KINDS = ("Electric", "Electrical Contractors", "Power & Light", "Systems", "Wiring Co",
                  "Mechanical", "Industrial", "Builders", "& Sons", "Energy")
STREETS = ("Main St", "Lake Shore Dr", "Halsted St", "Ashland Ave", "Western Ave", "Cicero Ave",
           "Pulaski Rd", "Archer Ave", "Ogden Ave", "Roosevelt Rd")
DISPATCHERS = ("maria", "tom", "dana", "li")
CERTS = ("OSHA-30", "Confined Space", "Aerial Lift", "First Aid/CPR")


class Sizes:
    def __init__(self, scale: int):
        s = scale
        self.members = 30_000 // s
        self.employers = 2_000 // s
        self.open_calls = 500 // s
        self.past_calls = 40_000 // s
        self.offers_per_call = 6
        self.audit = 1_000_000 // s
        self.removed = 20_000 // s
        # Books: (book, first member index, count), over the member indexes (a shuffled roll).
        m = self.members
        jw1 = m * 26 // 30
        self.layout = [
            ("JW-1", 0, jw1),                          # 26,000
            ("JW-2", m * 24 // 30, m * 25 // 300),     # 2,500 (2,000 also on JW-1)
            ("JW-3", m * 265 // 300, m * 10 // 300),   # 1,000
            ("JW-4", m * 275 // 300, m * 5 // 300),    # 500
            ("RW-1", 0, m * 6 // 30),                  # 6,000 (also JW)
            ("RW-2", m * 6 // 30, m * 2 // 30),        # 2,000 (also JW)
            ("AP-1", m * 28 // 30, m * 15 // 300),     # 1,500
            ("AP-2", m * 295 // 300, m * 5 // 300),    # 500
        ]
        self.jw_members = m * 28 // 30


def _fmt(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def _day(t: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(t - 6 * 3600))  # near enough the hall's local date


AUTO = None  # an id numbered when the entry is written (in log order), as SQLite numbers new rows
SEQ = object()  # the entry's own number (rows that cite their entry)
NUMBERED = ("certifications", "registration_history", "job_ends", "unavailability", "employer_bars")


def _ins(table: str, **values) -> list:
    return ["insert", table, values]


def _upd(table: str, key, **values) -> list:
    return ["update", table, key, values]


def _history(reg: int, card: str, book: str, at: float, status: str, registered: float, signed: float,
             what: str) -> list:
    return _ins("registration_history", id=AUTO, registration_id=reg, card=card, book_id=book, at=_fmt(at),
                status=status, registered_at=_fmt(registered), last_signed_at=_fmt(signed), event=what,
                audit_seq=SEQ)


def build(path: Path, *, quick: bool = False, as_of: date | None = None, seed: int = SEED,
          verbose: bool = True) -> dict:
    """Build the hall at ``path`` (which must not exist); returns what was built."""
    started = time.perf_counter()
    sizes = Sizes(50 if quick else 1)
    rng = random.Random(seed)
    as_of = as_of or datetime.now(UTC).date()
    now_dt = datetime(as_of.year, as_of.month, as_of.day, 15, 0, tzinfo=UTC)  # 09:00 in Chicago
    NOW = now_dt.timestamp()
    DAY = 86400.0
    START = NOW - 1095 * DAY  # three years of history
    with reproducible_salts(f"bench {seed}"):  # the same hall for the same seed, its admin's hash included
        init_database(path, admin="admin", password=STAFF_PASSWORD, now=datetime.fromtimestamp(START, UTC),
                      rules_text=RULES_TEXT)  # the hall's first admin, "admin", made by `hall init --admin`

    events: list[tuple] = []  # (at_text, n, actor, action, subject, payload, writes)
    n_event = [0]

    def event(t: float, actor: str, action: str, subject: str, data: tuple, writes=()):
        n_event[0] += 1
        events.append((_fmt(t), n_event[0], actor, action, subject, data, list(writes)))

    # --- staff ---------------------------------------------------------------------
    for n, who in enumerate(DISPATCHERS):
        at = START + 60 + n
        event(at, "admin", "user.added", f"user:{who}", ("user", who, "dispatcher"),
              [_ins("users", name=who, role="dispatcher", password_hash=STAFF_HASH,
                    disabled=0, failed_logins=0, locked_until=None, created_at=_fmt(at))])

    # --- members ---------------------------------------------------------------
    order = list(range(sizes.members))
    rng.shuffle(order)  # roll index -> member number, so card order is not book order
    cards = [str(1000 + i) for i in range(sizes.members)]
    names = [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(sizes.members)]
    classes_of: list[list[str]] = [[] for _ in range(sizes.members)]
    for roll, i in enumerate(order):
        if roll < sizes.jw_members:
            classes_of[i].append("JW")
            if roll < sizes.members * 8 // 30:
                classes_of[i].append("RW")
        else:
            classes_of[i].append("AP")
    for i in range(sizes.members):
        created = START + 120 + (i / sizes.members) * 300 * DAY
        phone = f"312-555-{rng.randrange(10000):04d}" if rng.random() < 0.97 else ""
        home = "" if rng.random() < 0.9 else f"Local {rng.choice((26, 98, 134, 292, 595))}"
        certs = []
        if rng.random() < 0.8:
            certs.append(("OSHA-30", None))
        if rng.random() < 0.25:
            certs.append(("Confined Space", _day(NOW + rng.uniform(-200, 900) * DAY)))
        if rng.random() < 0.15:
            certs.append(("Aerial Lift", _day(NOW + rng.uniform(-100, 700) * DAY)))
        writes = [_ins("members", card=cards[i], name=names[i], phone=phone,
                       phone_checked_at=_fmt(created) if phone else None, home_local=home, standing="active",
                       created_at=_fmt(created))]
        writes += [_ins("member_classes", card=cards[i], classification=cls) for cls in classes_of[i]]
        writes += [_ins("certifications", id=AUTO, card=cards[i], name=name, expires=expires)
                   for name, expires in certs]
        event(created, "admin", "member.added", f"member:{cards[i]}",
              ("member", cards[i], names[i], phone, classes_of[i], certs), writes)
    # A few members are suspended by the job end that was their second discharge (below).
    to_suspend = set(rng.sample(range(sizes.members), max(1, sizes.members // 1000)))

    # --- employers -------------------------------------------------------------
    employer_names = []
    seen_names: set[str] = set()
    for e in range(sizes.employers):
        while True:
            name = f"{rng.choice(EMPLOYER_WORDS)} {rng.choice(EMPLOYER_WORDS)} {rng.choice(EMPLOYER_KINDS)}"
            if name.casefold() not in seen_names:
                break
            name = f"{name} {e}"
            if name.casefold() not in seen_names:
                break
        seen_names.add(name.casefold())
        created = START + 30 + (e / max(1, sizes.employers)) * 200 * DAY
        phone = f"773-555-{rng.randrange(10000):04d}"
        employer_names.append(name)
        event(created, "admin", "employer.added", f"employer:{e + 1}", ("employer", e + 1, name, phone),
              [_ins("employers", id=e + 1, name=name, phone=phone, created_at=_fmt(created))])

    # --- registrations ------------------------------------------------------------
    reg_id = 0
    waiting: list[tuple[int, str, str, float]] = []  # (id, card, book, registered)
    waiting_by_book: dict[str, list[tuple[int, str, float]]] = {}
    for book, first, count in sizes.layout:
        for roll in range(first, first + count):
            i = order[roll]
            reg_id += 1
            registered = NOW - rng.uniform(2, 420) * DAY
            if rng.random() < 0.05:  # signed in the same minute as others: card breaks the tie
                registered = registered - registered % 60
            registered = max(registered, START + 400 * DAY + (i % 1000))
            signed = max(registered, NOW - rng.uniform(0.05, 25) * DAY)
            via = rng.choice(("in_person", "in_person", "phone", "email", "kiosk"))
            by = rng.choice(DISPATCHERS)
            event(registered, by, "registration.signed", f"member:{cards[i]}",
                  ("signed", cards[i], book, reg_id, "in_person", registered),
                  [_ins("registrations", id=reg_id, card=cards[i], book_id=book, registered_at=_fmt(registered),
                        last_signed_at=_fmt(registered), signed_via="in_person", signed_by=by, status="waiting"),
                   _history(reg_id, cards[i], book, registered, "waiting", registered, registered, "signed")])
            if signed > registered + 60:
                by = rng.choice(DISPATCHERS)
                event(signed, by, "registration.resigned", f"member:{cards[i]}",
                      ("resigned", cards[i], [book], via, signed), _resign(reg_id, cards[i], book, registered,
                                                                         signed, via, by))
            waiting.append((reg_id, cards[i], book, registered))
            waiting_by_book.setdefault(book, []).append((reg_id, cards[i], registered))
    for _ in range(sizes.removed):
        i = rng.randrange(sizes.members)
        book = rng.choice([b for b, _, c, _ in BOOKS if c in classes_of[i]])
        reg_id += 1
        registered = START + rng.uniform(310, 900) * DAY
        removed = registered + rng.uniform(20, 150) * DAY
        reason = rng.choice(("failed to re-sign", "failed to re-sign", "rolled off: 3 turndowns", "quit"))
        event(registered, rng.choice(DISPATCHERS), "registration.signed", f"member:{cards[i]}",
              ("signed", cards[i], book, reg_id, "in_person", registered),
              [_ins("registrations", id=reg_id, card=cards[i], book_id=book, registered_at=_fmt(registered),
                    last_signed_at=_fmt(registered), signed_via="in_person", signed_by=rng.choice(DISPATCHERS),
                    status="waiting"),
               _history(reg_id, cards[i], book, registered, "waiting", registered, registered, "signed")])
        ended = {"status": "removed", "removed_reason": reason, "removed_at": _fmt(removed)}
        if "turndowns" in reason:
            ended["turndowns"] = 3
        event(removed, "system", "registration.lapsed", f"member:{cards[i]}",
              ("lapsed", cards[i], book, reg_id, removed, reason),
              [_upd("registrations", reg_id, **ended),
               _history(reg_id, cards[i], book, removed, "removed", registered, registered, reason)])

    # --- calls, offers, referrals, job ends ------------------------------------------
    class_cards = {
        "JW": [cards[order[r]] for r in range(sizes.jw_members)],
        "RW": [cards[order[r]] for r in range(sizes.members * 8 // 30)],
        "AP": [cards[order[r]] for r in range(sizes.jw_members, sizes.members)],
    }
    call_id = offer_id = referral_id = offers_made = referrals_made = 0
    discharges: dict[str, int] = {}
    taken_times = sorted(rng.uniform(START + 330 * DAY, NOW - 3 * DAY) for _ in range(sizes.past_calls))
    for taken in taken_times:
        call_id += 1
        cls = rng.choices(("JW", "RW", "AP"), (75, 15, 10))[0]
        workers = 1 + (call_id % 2)
        employer = rng.randrange(sizes.employers)
        start = taken + DAY - taken % 3600
        days = rng.choice((3, 5, 10, 20, 30, 60, 90))
        by = rng.choice(DISPATCHERS)
        site = f"{rng.randrange(100, 9999)} {rng.choice(STREETS)}"
        offers_n = sizes.offers_per_call
        last_offer = taken + offers_n * 240
        event(taken, by, "call.taken", f"call:{call_id}",
              ("call", call_id, employer_names[employer], cls, workers, start, days, site),
              [_call(call_id, employer + 1, cls, workers, start, days, site, "", by, taken)])
        pool = class_cards[cls]
        for k in range(offers_n):
            offer_id += 1
            offers_made += 1
            card = rng.choice(pool)
            accepted = k >= offers_n - workers
            outcome = "accepted" if accepted else rng.choice(("declined", "no_answer", "declined", "employer_rejected"))
            at = taken + (k + 1) * 240
            turndown = int(outcome == "declined")
            book = f"{cls}-1"
            position = k + 1 + rng.randrange(5)
            writes = [_offer(offer_id, call_id, card, None, book, position, outcome, turndown, at, by)]
            ended = None
            if accepted:
                referral_id += 1
                referrals_made += 1
                writes.append(_ins("referrals", id=referral_id, call_id=call_id, card=card, offer_id=offer_id,
                                   employer_id=employer + 1, basis="list_order", short_call=int(days <= 10),
                                   at=_fmt(at), recorded_by=by, status="active", reversal=None, reversal_note="",
                                   audit_seq=SEQ))
                end_at = min(start + days * DAY - 4 * 3600, NOW - 0.5 * DAY)
                reason = rng.choices(("laid_off", "quit", "discharged"), (95, 4, 1))[0]
                worked = max(1, int((end_at - start) // DAY))
                ended = (referral_id, card, reason, end_at, worked, call_id)
            if k == offers_n - 1:
                writes.append(_upd("calls", call_id, status="filled", closed_at=_fmt(last_offer)))
            event(at, by, "offer.recorded", f"call:{call_id}",
                  ("offer", call_id, card, outcome, offer_id, book, position, turndown,
                   "filled" if k == offers_n - 1 else "open", cls, names_by_card(card, cards, names)), writes)
            if ended:
                referral, e_card, reason, end_at, worked, e_call = ended
                writes = [_upd("referrals", referral, status="ended"),
                          _ins("job_ends", id=AUTO, referral_id=referral, card=e_card, reason=reason,
                               at=_fmt(end_at), days_worked=worked, hours=worked * 8.0, counted_short=0,
                               recorded_by=rng.choice(DISPATCHERS), audit_seq=SEQ)]
                suspend = False
                if reason == "discharged":
                    discharges[e_card] = discharges.get(e_card, 0) + 1
                    suspend = int(e_card) - 1000 in to_suspend
                if suspend:
                    writes.append(_upd("members", e_card, standing="suspended",
                                       suspension_note="2 discharges in 12 months"))
                event(end_at, rng.choice(DISPATCHERS), "job.ended", f"member:{e_card}",
                      ("end", e_card, e_call, referral, reason, worked, end_at), writes)
    open_call_ids = []
    turndowns: dict[int, int] = {}
    for _ in range(sizes.open_calls):
        call_id += 1
        taken = NOW - rng.uniform(0.05, 3) * DAY
        cls = rng.choices(("JW", "RW", "AP"), (70, 20, 10))[0]
        workers = rng.choice((1, 2, 2, 3, 4, 5, 8))
        employer = rng.randrange(sizes.employers)
        start = NOW + rng.randrange(1, 8) * DAY - (NOW % DAY) + 13 * 3600  # 07:00 Chicago
        days = rng.choice((5, 10, 20, 30, 60, 90))
        by = rng.choice(DISPATCHERS)
        site = f"{rng.randrange(100, 9999)} {rng.choice(STREETS)}"
        notes = rng.choice(("", "", "bring own hand tools", "gate 4, ask for Ray"))
        writes = [_call(call_id, employer + 1, cls, workers, start, days, site, notes, by, taken)]
        if rng.random() < 0.3:
            writes.append(_ins("call_certs", call_id=call_id, cert=rng.choice(CERTS[:3])))
        open_call_ids.append(call_id)
        if rng.random() < 0.1 and workers >= 2:
            writes.append(_ins("name_requests", call_id=call_id, card=rng.choice(class_cards[cls]),
                               reason="worked this site's last phase", ordinal=1))
        event(taken, by, "call.taken", f"call:{call_id}",
              ("call", call_id, employer_names[employer], cls, workers, start, days, site), writes)
        if rng.random() < 0.2:  # an outcome or two already recorded
            for k in range(rng.randrange(1, 3)):
                offer_id += 1
                offers_made += 1
                candidates = waiting_by_book.get(f"{cls}-1")
                reg, card, registered = rng.choice(candidates) if candidates else (None, rng.choice(class_cards[cls]),
                                                                                   NOW)
                at = taken + (k + 1) * 300
                outcome = rng.choice(("no_answer", "declined"))
                turndown = int(outcome == "declined")
                writes = [_offer(offer_id, call_id, card, reg if registered < at else None, f"{cls}-1", k + 1,
                                 outcome, turndown, at, by)]
                if turndown and reg is not None and registered < at:
                    turndowns[reg] = turndowns.get(reg, 0) + 1
                    writes.append(_upd("registrations", reg, turndowns=turndowns[reg]))
                event(at, by, "offer.recorded", f"call:{call_id}",
                      ("offer", call_id, card, outcome, offer_id, f"{cls}-1", k + 1,
                       turndown, "open", cls, names_by_card(card, cards, names)), writes)

    # --- unavailability and bars -----------------------------------------------------
    for n in range(max(1, sizes.members // 100)):
        i = rng.randrange(sizes.members)
        at = NOW - rng.uniform(0.1, 20) * DAY
        until = _day(NOW + rng.uniform(-5, 30) * DAY)
        reason = rng.choice(("surgery", "family", "jury duty", "vacation"))
        by = rng.choice(DISPATCHERS)
        event(at, by, "member.unavailable", f"member:{cards[i]}", ("unavail", cards[i], until, reason),
              [_ins("unavailability", id=AUTO, card=cards[i], start=None, until=until, reason=reason, via="phone",
                    created_at=_fmt(at), created_by=by)])
    for n in range(max(1, sizes.members // 150)):
        i = rng.randrange(sizes.members)
        e = rng.randrange(sizes.employers)
        at = NOW - rng.uniform(1, 300) * DAY
        until = _day(at + rng.uniform(30, 700) * DAY)
        reason = rng.choice(("safety violation on site", "no-show twice", "conduct"))
        by = rng.choice(DISPATCHERS)
        event(at, by, "employer.bar", f"employer:{e + 1}", ("bar", cards[i], employer_names[e], until, reason),
              [_ins("employer_bars", id=AUTO, employer_id=e + 1, card=cards[i], until=until, reason=reason,
                    contact="site super", created_at=_fmt(at), created_by=by)])

    # --- the rest of the log: re-signs and log-ins, up to the audit size -----------------
    filler = sizes.audit - 1 - len(events)
    if filler < 0:
        raise SystemExit(f"the audit size {sizes.audit} is too small for {len(events)} events")
    for _ in range(filler):
        roll = rng.random()
        if roll < 0.85:
            reg, card, book, registered = rng.choice(waiting)
            t = rng.uniform(registered, NOW - 0.02 * DAY)
            via = rng.choice(("in_person", "phone", "email", "kiosk"))
            by = rng.choice(DISPATCHERS)
            event(t, by, "registration.resigned", f"member:{card}", ("resigned", card, [book], via, t),
                  _resign(reg, card, book, registered, t, via, by))
        else:
            t = rng.uniform(START + 400 * DAY, NOW - 0.02 * DAY)
            who = rng.choice(DISPATCHERS)
            event(t, who, "user.login" if roll < 0.93 else "user.logout", f"user:{who}", ("login", who))

    generated = time.perf_counter()
    events.sort(key=lambda e: (e[0], e[1]))

    # --- write: each entry, then the rows its writes leave ----------------------------------
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("PRAGMA cache_size = -400000")
    big = ("audit", "offers", "referrals", "registrations", "registration_history", "members",
           "member_classes", "certifications", "job_ends", "calls")
    indexes = conn.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        f" AND tbl_name IN ({','.join('?' for _ in big)})", big).fetchall()
    seq, prev = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    ruleset = 1
    conn.execute("BEGIN IMMEDIATE")
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    sha256 = hashlib.sha256
    tables = Tables()
    batch: list[tuple] = []
    insert_audit = ("INSERT INTO audit (seq, at, actor, action, subject, data, ruleset, prev, hash, canonical)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
    for at, _, actor, action, subject, payload, writes in events:
        seq += 1
        data = _data(payload, at)
        if writes:
            tables.number(writes, seq)
            data["writes"] = writes
        data_json = canonical_data(data)
        text = canonical_text(seq, at, actor, action, subject, data_json, ruleset, prev)
        digest = sha256(text.encode("utf-8")).hexdigest()
        batch.append((seq, at, actor, action, subject, data_json, ruleset, prev, digest, text))
        prev = digest
        tables.apply(writes)
        if len(batch) >= 50_000:
            conn.executemany(insert_audit, batch)
            batch.clear()
    conn.executemany(insert_audit, batch)
    del events
    hashed = time.perf_counter()
    tables.insert_into(conn)
    for _, sql in indexes:
        conn.execute(sql)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    problems = conn.execute("PRAGMA foreign_key_check").fetchmany(5)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    if problems:
        raise SystemExit(f"foreign key problems: {problems}")
    done = time.perf_counter()
    summary = {
        "path": str(path), "as_of": as_of.isoformat(), "members": sizes.members,
        "waiting": sum(c for _, _, c in sizes.layout), "registrations": reg_id,
        "employers": sizes.employers, "open_calls": sizes.open_calls, "past_calls": sizes.past_calls,
        "offers": offers_made, "referrals": referrals_made, "audit": seq,
        "open_call_ids": open_call_ids, "seconds": round(done - started, 1),
    }
    if verbose:
        print(f"built {path} as of {as_of}: {sizes.members:,} members, {summary['waiting']:,} waiting,"
              f" {offers_made:,} offers + {referrals_made:,} referrals, {seq:,} audit entries"
              f" in {done - started:.1f} s (generate {generated - started:.1f} s,"
              f" hash+audit {hashed - generated:.1f} s, rows+indexes {done - hashed:.1f} s)")
    return summary


# The benchmark's staff accounts share one password hash (Argon2id of "bench-staff-1", cheap
# parameters, a fixed salt: the same seed and date give the same hall, hashes included).
STAFF_PASSWORD = "bench-staff-1"
STAFF_HASH = hash_secret(STAFF_PASSWORD.encode(), b"bench-salt-0001", time_cost=1, memory_cost=8, parallelism=1,
                         hash_len=32, type=Type.ID).decode()


def _resign(reg: int, card: str, book: str, registered: float, t: float, via: str, by: str) -> list:
    return [_upd("registrations", reg, last_signed_at=_fmt(t), signed_via=via, signed_by=by),
            _history(reg, card, book, t, "waiting", registered, t, "re-signed")]


def _call(call_id: int, employer: int, cls: str, workers: int, start: float, days: int, site: str, notes: str,
          by: str, taken: float) -> list:
    return _ins("calls", id=call_id, employer_id=employer, classification=cls, workers=workers,
                start_at=_fmt(start), duration_days=days, site=site, notes=notes, status="open", taken_by=by,
                taken_at=_fmt(taken), ruleset_id=1)


def _offer(offer: int, call: int, card: str, reg: int | None, book: str, position: int, outcome: str,
           turndown: int, at: float, by: str) -> list:
    return _ins("offers", id=offer, call_id=call, card=card, registration_id=reg, book_id=book, position=position,
                outcome=outcome, named=0, turndown_counted=turndown, note="", at=_fmt(at), recorded_by=by,
                audit_seq=SEQ)



class Tables:
    """The rows the entries' writes leave, kept as the entries are written (in log order): numbered
    rows get their ids, rows citing their entry its number; then every row goes in at once."""

    def __init__(self):
        self.rows: dict[str, dict] = {}
        self.next_id = dict.fromkeys(NUMBERED, 1)

    def number(self, writes: list, seq: int) -> None:
        for write in writes:
            if write[0] == "insert":
                values = write[2]
                if "id" in values and values["id"] is AUTO:
                    values["id"] = self.next_id[write[1]]
                    self.next_id[write[1]] += 1
                if values.get("audit_seq") is SEQ:
                    values["audit_seq"] = seq

    def apply(self, writes: list) -> None:
        for write in writes:
            table = self.rows.setdefault(write[1], {})
            if write[0] == "insert":
                spec = REPLAYED[write[1]]
                key = tuple(write[2][c] for c in spec.key)
                table[key] = dict(write[2])
            else:
                key = write[2] if isinstance(write[2], list) else [write[2]]
                table[tuple(key)].update(write[3])

    def insert_into(self, conn: sqlite3.Connection) -> None:
        for name, rows in self.rows.items():
            shapes: dict[tuple, list] = {}
            for row in rows.values():
                shapes.setdefault(tuple(row), []).append(tuple(row.values()))
            for columns, values in shapes.items():
                conn.executemany(f'INSERT INTO "{name}" ({", ".join(columns)})'
                                 f' VALUES ({", ".join("?" for _ in columns)})', values)


_NAMES: dict[str, str] = {}


def names_by_card(card: str, cards: list[str], names: list[str]) -> str:
    return names[int(card) - 1000]


def _data(p: tuple, at: str) -> dict:
    """An entry's data, shaped like the real operation's."""
    kind = p[0]
    if kind == "resigned":
        _, card, books, via, t = p
        due = _day(t + 30 * 86400)
        return {"card": card, "books": books, "via": via, "resign_due": {b: due for b in books}}
    if kind == "offer":
        _, call, card, outcome, offer, book, position, turndown, status, cls, name = p
        basis = "list_order" if outcome == "accepted" else None
        reg = {"id": offer, "registered_at": at, "last_signed_at": at, "status":
               "dispatched" if outcome == "accepted" else "waiting", "turndowns": turndown,
               "restorations": 0, "short_call_employer": None, "short_call_until": None,
               "short_call_call_id": None, "removed_reason": ""}
        message = {"accepted": f"{name} accepted: referred.", "declined": f"{name} declined: turndown counted.",
                   "no_answer": f"No answer from {name}.", "employer_rejected": f"The employer rejected {name}."}
        return {"call": call, "card": card, "outcome": outcome, "note": "", "offer": offer, "book": book,
                "position": position, "named": False, "turndown_counted": bool(turndown), "basis": basis,
                "short_call": False, "call_status": status, "message": message[outcome],
                "registrations": [reg],
                "snapshot": [{"card": card, "name": name, "book": book, "position": position, "eligible": True,
                              "name_request": False, "reasons": [], "outcome": None}]}
    if kind == "signed":
        _, card, book, reg, via, t = p
        return {"card": card, "book": book, "registration": reg, "via": via, "registered_at": _fmt(t),
                "resign_due": _day(t + 30 * 86400)}
    if kind == "member":
        _, card, name, phone, classes, certs = p
        return {"card": card, "name": name, "phone": phone, "classes": classes,
                "certs": [{"name": n, "expires": e} for n, e in certs]}
    if kind == "call":
        _, call, employer, cls, workers, start, days, site = p
        return {"call": call, "employer": employer, "class": cls, "workers": workers, "start": _fmt(start),
                "days": days, "site": site, "notes": "", "certs": [], "name_requests": []}
    if kind == "end":
        _, card, call, referral, reason, worked, t = p
        return {"card": card, "call": call, "referral": referral, "reason": reason, "at": _fmt(t),
                "days_worked": worked, "hours": worked * 8.0, "short_call": False, "registrations": []}
    if kind == "lapsed":
        _, card, book, reg, t, reason = p
        return {"card": card, "book": book, "registration": reg, "due": _day(t - 86400), "removed_at": _fmt(t),
                "reason": reason}
    if kind == "employer":
        _, eid, name, phone = p
        return {"id": eid, "name": name, "phone": phone}
    if kind == "unavail":
        _, card, until, reason = p
        return {"card": card, "until": until, "start": None, "reason": reason, "via": "phone"}
    if kind == "bar":
        _, card, employer, until, reason = p
        return {"card": card, "employer_name": employer, "until": until, "reason": reason, "contact": "site super"}
    if kind == "login":
        return {"user": p[1]}
    if kind == "user":
        return {"user": p[1], "role": p[2]}
    raise ValueError(kind)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--quick", action="store_true", help="1/50 of the full size, for CI")
    parser.add_argument("--date", help="build as of this date (YYYY-MM-DD, default today UTC)")
    parser.add_argument("--force", action="store_true", help="replace PATH if it exists")
    args = parser.parse_args(argv)
    path = Path(args.path)
    if path.exists():
        if not args.force:
            raise SystemExit(f"{path} exists: use --force to replace it")
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    build(path, quick=args.quick, as_of=date.fromisoformat(args.date) if args.date else None)


if __name__ == "__main__":
    main()
