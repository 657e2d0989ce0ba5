"""The demo hall: a small, realistic hall with four weeks of real, audited history.

``build_demo(path, day)`` creates IBEW Local 999 (Chicago) as of ``day``:
about 60 members on JW-1..JW-4 and AP-1, five employers, filled, cancelled and
open calls, a short call in progress, a member at two turndowns, one re-sign due
this week, an unavailability and an employer bar. Everything is done through the
real operations with a clock moved forward step by step over business hours, so
the audit log is genuine history; all dates are relative to ``day``, so a demo
built next year still shows a live hall. Same ``day``, same content: the staff
accounts' salts are drawn from the date too (their passwords are in the README), and
their hashes are in the log.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from dispatch import calendar
from dispatch.model import ACCEPTED, DECLINED, EMPLOYER_REJECTED, NO_ANSWER
from dispatch.ranking import next_to_offer
from dispatch.rules import load_rules, rules_to_toml
from hall import audit, load
from hall.errors import HallError
from hall.identity import Actor
from hall.operations.accounts import add_user, reproducible_salts
from hall.operations.bidding import place_bid
from hall.operations.calls import cancel_call, take_call
from hall.operations.employers import add_employer, bar_member
from hall.operations.jobs import end_job
from hall.operations.excuses import excuse
from hall.operations.members import add_member, declare_unavailable, set_certification, set_pin
from hall.operations.offers import record_offer
from hall.operations.registrations import move, qualify, resign, sign
from hall.operations.rules import init_database, set_rules
from hall.queries.resign import resign_due_soon
from hall.store import Store

HALL_NAME = "IBEW Local 999"
TIMEZONE = "America/Chicago"
HISTORY_DAYS = 28
FINAL_TIME = time(7, 30)

# (name, password, role): the log-ins the summary tells people to use.
DEMO_USERS = (
    ("admin", "admin999", "admin"),
    ("maria", "dispatch", "dispatcher"),
    ("dwayne", "dispatch", "dispatcher"),
)
ADMIN, MARIA, DWAYNE = (Actor.staff(name, role) for name, _, role in DEMO_USERS)

# Members who can use the demo's kiosk with a PIN (card + PIN, then re-sign or change the PIN);
# the others have no PIN yet, as in a hall that has just switched its kiosk to PINs.
DEMO_PIN = "2468"
DEMO_PIN_CARDS = ("1042", "3045", "A5101")

EMPLOYERS = (
    ("Acme Electric", "(312) 555-0170"),
    ("Bolt & Sons Electrical", "(773) 555-0181"),
    ("Lakeshore Power Systems", "(312) 555-0192"),
    ("Riverbend Electrical Contractors", "(708) 555-0163"),
    ("Summit Industrial Services", "(630) 555-0158"),
)
ACME, BOLT, LAKESHORE, RIVERBEND, SUMMIT = (e[0] for e in EMPLOYERS)

# card | name | area code | books (signing day index: business days from the start) | certs | home local
# Certifications: NAME or NAME@DAYS, DAYS the expiry relative to the demo's date.
ROSTER = """
1042 | Marcus Washington   | 312 | JW-1:0       | OSHA-10; OSHA-30@+610; Confined Space@+240 |
1057 | Katarzyna Nowak     | 773 | JW-1:0       | OSHA-10; First Aid/CPR@+380 |
1103 | Luis Hernández      | 708 | JW-1:0       | OSHA-10; OSHA-30@+900 |
1118 | Patrick O'Malley    | 773 | JW-1:0       | OSHA-10; Confined Space@+18; Aerial Lift@+700 |
1126 | DeShawn Carter      | 312 | JW-1:0       | OSHA-10; First Aid/CPR@+9 |
1139 | Anna Kowalczyk      | 708 | JW-1:0       | OSHA-10; OSHA-30@+420; NFPA 70E@+300 |
1164 | Tomás Rivera        | 773 | JW-1:0       | OSHA-10; Confined Space@-12 |
1172 | Jennifer Liu        | 312 | JW-1:0       | OSHA-10; OSHA-30@+1000; Confined Space@+500; NFPA 70E@+640 |
1185 | Brian Schultz       | 630 | JW-1:0       | OSHA-10 |
1201 | Aaliyah Brooks      | 312 | JW-1:0       | OSHA-10; Confined Space@+330; Aerial Lift@-5 |
1216 | Ricardo Morales     | 708 | JW-1:0       | OSHA-10; OSHA-30@+75 |
1230 | Stanley Wiśniewski  | 773 | JW-1:0       | OSHA-10; Aerial Lift@+250 |
1247 | Minh Nguyen         | 312 | JW-1:0       | OSHA-10; Fiber Optic Technician@+820 |
1253 | Rosa Gutierrez      | 773 | JW-1:0       | OSHA-10; OSHA-30@+210; Confined Space@+610 |
1268 | Kevin Murphy        | 630 | JW-1:0       | OSHA-10; First Aid/CPR@-40 |
1272 | Oluwaseun Adeyemi   | 312 | JW-1:0       | OSHA-10; First Aid/CPR@+3; Confined Space@+460 |
1289 | Darnell Jackson     | 773 | JW-1:0       | OSHA-10 |
1294 | Megan Sullivan      | 708 | JW-1:0       | OSHA-10; OSHA-30@+150; Confined Space@+23 |
1310 | Jesús Castillo      | 773 | JW-1:0       | OSHA-10; NFPA 70E@+27 |
1325 | Piotr Zieliński     | 708 | JW-1:0       | OSHA-10; Confined Space@+700 |
1338 | Tyrone Mitchell     | 312 | JW-1:0       | OSHA-10; OSHA-30@+330 |
1346 | Samantha Reyes      | 773 | JW-1:0       | OSHA-10; Aerial Lift@+95 |
1359 | Greg Lindqvist      | 630 | JW-1:1       | OSHA-10; Confined Space@-30 |
1367 | Fatima Haddad       | 312 | JW-1:1       | OSHA-10; OSHA-30@+720 |
1371 | Joseph Russo        | 708 | JW-1:2       | OSHA-10; First Aid/CPR@+200 |
1384 | Keisha Thompson     | 773 | JW-1:2       | OSHA-10; Confined Space@+380 |
1392 | Andrzej Kaminski    | 708 | JW-1:3       | OSHA-10; OSHA-30@+25 |
1405 | Michael Chen        | 312 | JW-1:4       | OSHA-10; Fiber Optic Technician@+365 |
1416 | Carlos Mendoza      | 773 | JW-1:0       | OSHA-10; Aerial Lift@+540 |
1423 | Erin Kowalski       | 630 | JW-1:6       | OSHA-10 |
1431 | Nadia Petrović      | 312 | JW-1:7       | OSHA-10; First Aid/CPR@+610 |
1447 | Terrence Hollins    | 773 | JW-1:8       | OSHA-10; OSHA-30@+480 |
2231 | Dale Hendricks      | 219 | JW-2:0       | OSHA-10; OSHA-30@+300 | IBEW Local 701
2245 | Yolanda Pierce      | 219 | JW-2:0       | OSHA-10 | IBEW Local 146
2258 | Hector Villanueva   | 815 | JW-2:0       | OSHA-10; Confined Space@+410 | IBEW Local 176
2262 | Ivan Petrov         | 217 | JW-2:0       | OSHA-10 | IBEW Local 461
2279 | Courtney Walsh      | 262 | JW-2:1       | OSHA-10; Aerial Lift@+15 | IBEW Local 9
2283 | Samuel Okafor       | 630 | JW-2:3       | OSHA-10 | IBEW Local 701
2296 | Grace Yamamoto      | 815 | JW-2:5       | OSHA-10; OSHA-30@+160 | IBEW Local 176
2304 | Rick Johansson      | 217 | JW-3:0       | OSHA-10 | IBEW Local 146
3011 | Jamal Harris        | 312 | JW-3:0       | OSHA-10 |
3024 | Lauren Becker       | 630 | JW-3:0       | OSHA-10; First Aid/CPR@+120 |
3037 | Omar Farouk         | 708 | JW-3:2       | OSHA-10 |
3045 | Dustin Kraus        | 815 | JW-3:0       | OSHA-10 |
3052 | Mei Lin Zhao        | 312 | JW-3:4       | OSHA-10 |
4008 | Bobby Ray Tucker    | 219 | JW-4:0       |  |
4013 | Alejandra Fuentes   | 773 | JW-4:0       | OSHA-10 |
4021 | Wesley Grant        | 708 | JW-4:5       |  |
A5101 | Jordan Ellis       | 312 | AP-1:0       | OSHA-10 |
A5114 | Maya Patel         | 630 | AP-1:0       | OSHA-10; First Aid/CPR@+290 |
A5122 | Diego Ramírez      | 773 | AP-1:0       | OSHA-10 |
A5137 | Hannah Novak       | 708 | AP-1:0       | OSHA-10 |
A5140 | Xavier Bell        | 312 | AP-1:0       | OSHA-10; Aerial Lift@+410 |
A5156 | Brianna Lopez      | 773 | AP-1:0       | OSHA-10 |
A5163 | Connor Flanagan    | 630 | AP-1:0       | OSHA-10 |
A5178 | Imani Davis        | 312 | AP-1:0       | OSHA-10 |
A5181 | Kyle Brandt        | 708 | AP-1:3       | OSHA-10 |
A5199 | Sofia Rossi        | 773 | AP-1:6       | OSHA-10 |
1008 | Gloria Ramos        | 312 | -            | OSHA-10; OSHA-30@+540 |
1015 | Frank DiNapoli      | 708 | -            | OSHA-10 |
1021 | Theresa Okonkwo     | 773 | -            | OSHA-10; Confined Space@+90 |
1033 | Harold Jensen       | 630 | -            | OSHA-10 |
"""

RESIGN_DUE_CARD = "3045"  # the one re-sign due this week: signed on the first day, never again
UNAVAILABLE_CARD = "1431"  # at her own request, until a few days after the demo's date
HISTORY_NAMED_CARD = "1416"  # named by Riverbend on a call in the history
OPEN_NAMED_CARD = "2258"  # named by Riverbend on the call taken this morning
MOVED_CARD = "2304"  # qualified for Book II by an admin and moved there from Book III
EXCUSED_CARD = "3037"  # excused (military leave) until a few weeks after the demo's date


@dataclass(frozen=True)
class RosterRow:
    card: str
    name: str
    phone: str
    books: tuple[tuple[str, int], ...]
    certs: tuple[tuple[str, int | None], ...]
    home_local: str


def _roster() -> list[RosterRow]:
    rows = []
    for index, line in enumerate(l for l in ROSTER.strip().splitlines() if l.strip()):
        card, name, area, books, certs, home = (part.strip() for part in line.split("|"))
        signed = tuple(
            (spec.split(":")[0], int(spec.split(":")[1])) for spec in books.split() if spec != "-"
        )
        held = []
        for spec in (c.strip() for c in certs.split(";")):
            if spec:
                cert, _, offset = spec.partition("@")
                held.append((cert.strip(), int(offset) if offset else None))
        rows.append(RosterRow(card, name, f"({area}) 555-01{index:02d}", signed, tuple(held), home))
    return rows


class _Clock:
    """The demo's clock: moved forward step by step, never back."""

    def __init__(self, rules, days: list[date]):
        self.rules = rules
        self.days = days
        self.now: datetime | None = None

    def __call__(self) -> datetime:
        return self.now

    def set(self, moment: datetime) -> datetime:
        moment = moment.astimezone(UTC).replace(microsecond=0)
        if self.now is not None and moment <= self.now:
            raise RuntimeError(f"demo clock would go back: {moment} after {self.now}")
        self.now = moment
        return moment

    def at(self, day: int | date, hhmm: str) -> datetime:
        """Business day ``day`` (an index into the history) at local ``HH:MM``."""
        when = self.days[day] if isinstance(day, int) else day
        hour, minute = (int(x) for x in hhmm.split(":"))
        return self.set(calendar.at_local(when, time(hour, minute), self.rules))

    def step(self, minutes: int = 3) -> datetime:
        return self.set(self.now + timedelta(minutes=minutes))


class _Demo:
    def __init__(self, path: Path, day: date):
        self.path = path
        self.day = day
        self.rules_text = rules_to_toml(load_rules(
            f'[hall]\nname = "{HALL_NAME}"\ntimezone = "{TIMEZONE}"\n[kiosk]\nauth = "pin"\n'
        ))
        self.rules = load_rules(self.rules_text)
        first = day - timedelta(days=HISTORY_DAYS)
        days = [first + timedelta(days=n) for n in range(HISTORY_DAYS)]
        self.days = [d for d in days if calendar.is_business_day(d, self.rules)]
        self.clock = _Clock(self.rules, self.days)
        self.store = Store(path, clock=self.clock)
        self.roster = _roster()
        self.by_card = {r.card: r for r in self.roster}
        self.calls: dict[str, int] = {}
        self.turndown_card: str | None = None
        self.short_call_card: str | None = None

    # --- helpers ---------------------------------------------------------------

    def rel(self, days: int) -> date:
        return self.day + timedelta(days=days)

    def start_at(self, day: int | date, hhmm: str = "07:00") -> datetime:
        when = self.days[day] if isinstance(day, int) else day
        hour, minute = (int(x) for x in hhmm.split(":"))
        return calendar.at_local(when, time(hour, minute), self.rules)

    def next_business_day(self, after: date) -> date:
        return calendar.business_day_on_or_after(after + timedelta(days=1), self.rules)

    def take(self, key: str, employer: str, cls: str, workers: int, start: datetime, days: int, *,
             actor: Actor = MARIA, certs=(), requests=(), site: str = "", notes: str = "",
             no_turndown: str = "", wage: str = "", by_phone: str | None = None) -> int:
        if by_phone is None and self.rules.bidding.enabled and not notes.startswith("Posted"):
            by_phone = "Needed this morning: no time to post it"
        receipt = take_call(self.store, employer=employer, classification=cls, workers=workers, start=start,
                            days=days, actor=actor, certs=certs, requests=requests, site=site, notes=notes,
                            no_turndown=no_turndown, wage=wage, by_phone=by_phone)
        self.calls[key] = receipt.id
        return receipt.id

    def next_candidate(self, call_id: int):
        with self.store.reading() as read:
            call = load.job_call(read.db, call_id)
            if call.status != "open":
                return None
            ranking, _ = load.ranking_through(read.db, call, read.rules, read.now)
            return next_to_offer(ranking)

    def work(self, key: str, outcomes=(), *, by_card=None, offers: int | None = None,
             actor: Actor = MARIA, notes=None, minutes: int = 4) -> list[tuple[str, str]]:
        """Offer the call down the list: each next candidate gets the next scripted outcome
        (``by_card`` first, then ``outcomes`` in turn, then accepted) until it is filled or
        ``offers`` outcomes are recorded."""
        call_id = self.calls[key]
        queue = list(outcomes)
        by_card = by_card or {}
        notes = notes or {}
        done: list[tuple[str, str]] = []
        while offers is None or len(done) < offers:
            cand = self.next_candidate(call_id)
            if cand is None:
                break
            outcome = by_card.get(cand.card) or (queue.pop(0) if queue else ACCEPTED)
            note = notes.get(outcome, "")
            record_offer(self.store, call_id, cand.card, outcome, actor=actor, note=note)
            done.append((cand.card, outcome))
            self.clock.step(minutes)
        return done

    @staticmethod
    def accepted(done) -> list[str]:
        return [card for card, outcome in done if outcome == ACCEPTED]

    def resign_pass(self, day: int, start: str, share: float) -> None:
        """Re-sign part of those whose last signing is too old for the demo's date."""
        threshold = self.rel(-24)
        with self.store.read() as db:
            rows = db.execute(
                "SELECT card, min(registered_at) FROM registrations WHERE status = 'waiting'"
                " AND last_signed_at < ? GROUP BY card ORDER BY min(registered_at), card",
                [audit.iso(calendar.start_of_day(threshold, self.rules))],
            ).fetchall()
        cards = [r[0] for r in rows if r[0] != RESIGN_DUE_CARD]
        count = len(cards) if share >= 1 else math.ceil(len(cards) * share)
        vias = ("in_person", "phone", "in_person", "email", "phone", "in_person", "fax")
        self.clock.at(day, start)
        for n, card in enumerate(cards[:count]):
            resign(self.store, card, actor=DWAYNE if n % 3 == 2 else MARIA, via=vias[(n + day) % len(vias)])
            self.clock.step(5)

    # --- the story -------------------------------------------------------------

    def build(self) -> None:
        d = self.days
        clock = self.clock
        last = len(d) - 1  # the last business day before the demo's date

        # Day 0: the hall starts keeping its books in `hall`.
        clock.at(0, "07:15")
        (admin_name, admin_password, _), *staff = DEMO_USERS
        init_database(self.path, admin=admin_name, password=admin_password, now=clock.now,
                      rules_text=self.rules_text)
        self.created = clock.now
        for name, password, role in staff:
            clock.step(1)
            add_user(self.store, name, password, role, actor=ADMIN)
        clock.at(0, "07:30")
        for name, phone in EMPLOYERS:
            add_employer(self.store, name, actor=MARIA, phone=phone)
            clock.step(2)
        clock.at(0, "07:45")
        for row in self.roster:
            certs = [f"{c}:{self.rel(o).isoformat()}" if o is not None else c for c, o in row.certs]
            classes = sorted({book.split("-")[0] for book, _ in row.books}) or ["JW"]
            add_member(self.store, row.card, row.name, actor=MARIA if row.card < "2" else DWAYNE,
                       phone=row.phone, classes=classes, certs=certs, home_local=row.home_local)
            clock.set(clock.now + timedelta(seconds=40))

        # Signings: most on day 0, the rest trickling in over the first two weeks.
        signings: dict[int, list[tuple[str, str]]] = {}
        for index, row in enumerate(self.roster):
            for book, when in row.books:
                signings.setdefault(when, []).append(((index * 37) % 61, row.card, book))
        for when in signings:
            signings[when] = [(card, book) for _, card, book in sorted(signings[when])]
        vias = ("in_person", "in_person", "phone", "in_person", "email", "in_person", "fax")

        def sign_day(when: int, hhmm: str, minutes: int) -> None:
            clock.at(when, hhmm)
            for n, (card, book) in enumerate(signings.get(when, [])):
                sign(self.store, card, book, actor=DWAYNE if n % 4 == 3 else MARIA, via=vias[n % len(vias)])
                clock.step(minutes)

        sign_day(0, "08:30", 6)

        # Day 1: Acme's first call (OSHA-10), one no answer on the way down.
        clock.at(1, "07:40")
        self.take("acme1", ACME, "JW", 2, self.start_at(2, "06:30"), 60, certs=["OSHA-10"],
                  site="Cermak Rd. distribution center", notes="Report to the gate trailer; bring PPE.")
        clock.at(1, "08:10")
        acme1 = self.work("acme1", [NO_ANSWER], notes={NO_ANSWER: "Voicemail; left a message."})
        sign_day(1, "10:30", 7)

        # Day 2: the first members ask for kiosk PINs at the window.
        clock.at(2, "07:30")
        for card in DEMO_PIN_CARDS:
            set_pin(self.store, card, DEMO_PIN, actor=MARIA)
            clock.step(2)

        # Day 2: a short call from Bolt; the first one up passes on it (no turndown on a short call).
        clock.at(2, "07:50")
        self.take("bolt1", BOLT, "JW", 2, self.start_at(3, "07:00"), 4, site="Fulton Market office fit-out",
                  notes="Short call: 4 days, panel change-over.")
        clock.at(2, "08:15")
        self.work("bolt1", [DECLINED], notes={DECLINED: "Waiting for a longer job."})
        sign_day(2, "10:00", 9)

        # Day 3: Lakeshore needs OSHA-30; the employer turns one member down.
        clock.at(3, "08:05")
        self.take("lake1", LAKESHORE, "JW", 3, self.start_at(5, "06:30"), 90, certs=["OSHA-30"],
                  site="Calumet water reclamation plant")
        clock.at(3, "08:30")
        self.work("lake1", [ACCEPTED, EMPLOYER_REJECTED],
                  notes={EMPLOYER_REJECTED: "K. Boyd (superintendent): will not rehire after the Wabash job."})
        sign_day(3, "11:00", 10)

        # Day 4: Riverbend names one member (worked their substation job) and takes one from the list.
        clock.at(4, "07:35")
        self.take("river1", RIVERBEND, "JW", 2, self.start_at(5, "07:00"), 20,
                  requests=[(HISTORY_NAMED_CARD, "Worked our Hillside substation job last spring")],
                  site="Hillside substation")
        clock.at(4, "08:00")
        river1 = self.work("river1")
        sign_day(4, "10:30", 10)

        # Day 5: apprentices for Summit; Bolt's short call is over at the end of day 6.
        clock.at(5, "07:45")
        self.take("summit1", SUMMIT, "AP", 2, self.start_at(6, "07:00"), 30, site="Joliet refinery turnaround")
        clock.at(5, "08:05")
        self.work("summit1")
        sign_day(5, "10:00", 10)
        self.resign_pass(5, "14:00", 0.2)
        clock.at(6, "08:20")
        set_certification(self.store, "1272", "First Aid/CPR", actor=MARIA, expires=self.rel(+700))
        sign_day(6, "10:00", 10)
        clock.at(6, "15:40")
        with self.store.read() as db:
            bolt_workers = [r[0] for r in db.execute(
                "SELECT card FROM referrals WHERE call_id = ? AND status = 'active' ORDER BY id",
                [self.calls["bolt1"]])]
        for card in bolt_workers:
            end_job(self.store, card, "laid_off", actor=MARIA)
            clock.step(6)

        # Day 7: Acme again.
        clock.at(7, "07:50")
        self.take("acme2", ACME, "JW", 2, self.start_at(8, "07:00"), 45, site="O'Hare Terminal 5 expansion")
        clock.at(7, "08:20")
        self.work("acme2", [NO_ANSWER], notes={NO_ANSWER: "Phone busy twice."})
        sign_day(7, "10:30", 10)

        # Day 8: a Bolt call, accepted, then cancelled the next morning (the member keeps the place).
        clock.at(8, "09:10")
        self.take("bolt2", BOLT, "JW", 1, self.start_at(9, "13:00"), 15, site="Wicker Park mixed-use")
        clock.at(8, "09:30")
        self.work("bolt2")
        sign_day(8, "11:00", 10)
        self.resign_pass(8, "14:00", 0.3)
        clock.at(9, "07:35")
        cancel_call(self.store, self.calls["bolt2"], "Owner postponed the job (permit not issued).", actor=MARIA)

        # Day 9: Lakeshore needs Confined Space: those without it, or with it expired, are passed over.
        clock.at(9, "08:10")
        self.take("lake2", LAKESHORE, "JW", 2, self.start_at(10, "06:30"), 40, certs=["Confined Space"],
                  site="Deep tunnel pump station")
        clock.at(9, "08:30")
        self.work("lake2")

        # Day 10: Riverbend discharges its list-order worker and asks that he not be sent again.
        discharged = next(c for c in self.accepted(river1) if c != HISTORY_NAMED_CARD)
        clock.at(10, "09:20")
        end_job(self.store, discharged, "discharged", actor=MARIA)
        clock.at(10, "09:35")
        bar_member(self.store, RIVERBEND, discharged, self.rel(+150),
                   "Left an energized panel open on the Hillside job (written notice on file)",
                   actor=MARIA, contact="J. Ortiz, general foreman")
        clock.at(10, "11:00")
        set_certification(self.store, "1367", "Confined Space", actor=DWAYNE, expires=self.rel(+1090))
        clock.at(11, "08:05")
        sign(self.store, discharged, "JW-1", actor=MARIA)
        self.resign_pass(11, "14:00", 0.4)

        # Day 12: one apprentice for Riverbend; an OSHA-30 worker quits Lakeshore.
        clock.at(12, "07:45")
        self.take("river2", RIVERBEND, "AP", 1, self.start_at(13, "07:00"), 15, site="Hillside substation")
        clock.at(12, "08:00")
        self.work("river2")
        clock.at(12, "10:00")
        with self.store.read() as db:
            quitter = db.execute(
                "SELECT card FROM referrals WHERE call_id = ? AND status = 'active' ORDER BY id LIMIT 1",
                [self.calls["lake1"]]).fetchone()[0]
        end_job(self.store, quitter, "quit", actor=DWAYNE)
        clock.at(13, "08:20")
        sign(self.store, quitter, "JW-1", actor=MARIA, via="in_person")

        # Day 13: an admin records a traveler's qualification for Book II and moves him there from
        # Book III (one book per classification: the new place starts at the move).
        clock.at(13, "11:30")
        qualify(self.store, MOVED_CARD, "JW-2", "Journeyman card and 4,000 hours in the area (letter from Local 146)",
                actor=ADMIN)
        clock.step(4)
        move(self.store, MOVED_CARD, "JW-2", "Qualifies for Book II (hours letter checked)", actor=ADMIN)

        # Day 14: unavailability at the member's request; an excused absence (military leave: the
        # re-sign clock stops); a worker laid off by Acme after three weeks.
        clock.at(14, "09:40")
        excuse(self.store, EXCUSED_CARD, "military", self.days[14], self.rel(+24),
               "Reserve orders 26-114 (copy in the member file)", actor=MARIA)
        clock.at(14, "10:15")
        declare_unavailable(self.store, UNAVAILABLE_CARD, self.rel(+6), "Surgery and recovery (note on file)",
                            actor=MARIA, via="phone")
        self.resign_pass(14, "11:00", 0.6)
        laid_off = self.accepted(acme1)[0]
        clock.at(15, "14:30")
        end_job(self.store, laid_off, "laid_off", actor=MARIA)

        # Day 16: the laid-off worker signs again (at the bottom); a short call from Bolt,
        # still being worked on the demo's date.
        clock.at(16, "07:40")
        sign(self.store, laid_off, "JW-1", actor=MARIA)
        self.resign_pass(16, "08:00", 1.0)
        clock.at(16, "13:10")
        self.take("bolt3", BOLT, "JW", 1, self.start_at(17, "07:00"), 5, site="Navy Pier ballroom lighting",
                  notes="Short call: 5 days.")
        clock.at(16, "13:30")
        self.short_call_card = self.accepted(self.work("bolt3"))[0]

        # Days 17 and 18: the first one up turns down two calls in a row (2 of 3 turndowns).
        clock.at(17, "08:00")
        self.take("summit2", SUMMIT, "JW", 1, self.start_at(18, "07:00"), 30, site="Joliet refinery turnaround")
        clock.at(17, "08:20")
        summit2 = self.work("summit2", [DECLINED], notes={DECLINED: "Too far to drive."})
        self.turndown_card = summit2[0][0]
        clock.at(18, "08:00")
        self.take("acme3", ACME, "JW", 1, self.start_at(19, "07:00"), 20, site="O'Hare Terminal 5 expansion")
        clock.at(18, "08:15")
        self.work("acme3", by_card={self.turndown_card: DECLINED},
                  notes={DECLINED: "Turned it down: wants to stay near home."})

        # The last business day: Lakeshore needs three with Confined Space from the next business day; one so far.
        start = self.next_business_day(self.day)
        clock.at(last, "14:10")
        self.take("lake3", LAKESHORE, "JW", 3, self.start_at(start, "06:30"), 60, certs=["Confined Space"],
                  site="Deep tunnel pump station", notes="Confined Space card must be current.")
        clock.at(last, "14:30")
        self.work("lake3", [NO_ANSWER], by_card={self.turndown_card: NO_ANSWER}, offers=2,
                  notes={NO_ANSWER: "No answer; left a message."})

        # The last business day's afternoon: the members voted for the morning dispatch (calls
        # taken from then on are posted for bids, or phoned with a reason).
        self.adopt_bidding(last)

        # The demo's morning (or, on a day the hall is closed, the afternoon before): Riverbend
        # phones in a call naming a traveler and Summit wants an apprentice, both needed too soon
        # to wait for bids; Acme's call is posted for the next selection and three members bid.
        if calendar.is_business_day(self.day, self.rules):
            when, times = self.day, ("07:10", "07:16", "07:22", "07:30", "07:23", ("07:24", "07:25", "07:26"))
        else:
            when, times = last, ("15:30", "15:45", "15:50", "15:55", "15:51", ("15:52", "15:53", "15:54"))
        clock.at(when, times[0])
        self.take("river3", RIVERBEND, "JW", 3, self.start_at(start, "07:00"), 30,
                  requests=[(OPEN_NAMED_CARD, "Ran conduit for our Elgin data center job")],
                  site="Elk Grove data center", actor=DWAYNE)
        clock.at(when, times[1])
        self.take("summit3", SUMMIT, "AP", 1, self.start_at(start, "07:00"), 20, site="Joliet refinery turnaround")
        # Bolt phones a call starting at 05:00: declines on it never count; the first one up declines.
        clock.at(when, times[2])
        self.take("bolt4", BOLT, "JW", 1, self.start_at(start, "05:00"), 12, site="Merchandise Mart lobby relamp",
                  no_turndown="starts 05:00, before the trains run")
        self.post_with_bids(when, times[4], times[5], start)
        clock.at(when, times[3])  # the last thing the demo records: no step after it
        first = self.next_candidate(self.calls["bolt4"])
        record_offer(self.store, self.calls["bolt4"], first.card, DECLINED, actor=MARIA,
                     note="Can't get there by 05:00.")
        if clock.now < self.start_at(self.day, "07:30"):
            clock.at(self.day, "07:30")  # the demo is as of 07:30 on its date

    def adopt_bidding(self, last: int) -> None:
        """The members voted the morning dispatch in: an urgent rule change on the last business day."""
        self.clock.at(last, "15:00")
        bidding_text = self.rules_text.replace("[bidding]\nenabled = false", "[bidding]\nenabled = true")
        set_rules(self.store, bidding_text, self.clock.now, actor=ADMIN,
                  urgent_reason="The membership voted the morning dispatch in at the November meeting.")
        self.rules = load_rules(bidding_text)

    def post_with_bids(self, when: date, taken: str, bid_times: tuple[str, ...], start: date) -> None:
        """Acme's call, posted for the next selection; three members bid on it (every other one of
        those who could, so the list shows who did not)."""
        clock = self.clock
        clock.at(when, taken)
        self.take("acme4", ACME, "JW", 2, self.start_at(self.next_business_day(start), "07:00"), 25,
                  site="Midway hangar 3 retrofit", notes="Posted for bids.", wage="$52.10")
        with self.store.reading() as read:
            call = load.job_call(read.db, self.calls["acme4"])
            ranking, _ = load.ranking_through(read.db, call, read.rules, read.now)
        bidders = [c.card for c in ranking.candidates
                   if not c.outcome and all(r.code == "not_bid" for r in c.reasons)][1:6:2]
        for hhmm, card, via in zip(bid_times, bidders, ("phone", "in_person", "phone")):
            clock.at(when, hhmm)
            place_bid(self.store, card, self.calls["acme4"], actor=MARIA, via=via)

    def check(self) -> dict:
        """What the demo promises, checked (a failure here is a bug in the script, not the user's)."""
        with self.store.reading() as read:
            db, now, rules = read.db, read.now, read.rules
            overdue_moment = calendar.at_local(self.day, time(9, 0), rules)
            states = []
            for (card,) in db.execute("SELECT DISTINCT card FROM registrations WHERE status = 'waiting'"):
                for reg in load.registrations_of(db, card, active_only=True):
                    if reg.status == "waiting":
                        states.append((card, calendar.resign_state(reg, rules, overdue_moment)))
            overdue = [c for c, s in states if s != "ok" and s != "due_soon"]
            due_soon = [r["card"] for r in resign_due_soon(db, rules, now, days=rules.resign.warning_days)]
            facts = {
                "members": db.execute("SELECT count(*) FROM members").fetchone()[0],
                "waiting": db.execute("SELECT count(*) FROM registrations WHERE status = 'waiting'").fetchone()[0],
                "calls": dict(db.execute("SELECT status, count(*) FROM calls GROUP BY status").fetchall()),
                "audit": db.execute("SELECT count(*) FROM audit").fetchone()[0],
                "turndown2": [r[0] for r in db.execute(
                    "SELECT card FROM registrations WHERE status = 'waiting' AND turndowns = 2")],
                "short": [r[0] for r in db.execute(
                    "SELECT card FROM registrations WHERE status = 'on_short_call'")],
            }
        problems = []
        if overdue:
            problems.append(f"overdue on re-sign: {overdue}")
        if due_soon != [RESIGN_DUE_CARD]:
            problems.append(f"re-sign due soon: {due_soon}")
        if facts["turndown2"] != [self.turndown_card]:
            problems.append(f"at two turndowns: {facts['turndown2']} (expected {self.turndown_card})")
        if facts["short"] != [self.short_call_card]:
            problems.append(f"on a short call: {facts['short']}")
        if problems:
            raise RuntimeError("The demo script went wrong: " + "; ".join(problems))
        return facts


def _finish(path: Path, created: datetime) -> None:
    """Leave one self-contained, reproducible file: WAL checkpointed, rollback journal.

    sqlite-utils stamps each applied migration with the machine's wall clock;
    the demo dates them at the hall's creation, so one date always gives the
    same content.
    """
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("UPDATE _sqlite_migrations SET applied_at = ?", [created.isoformat(sep=" ")])
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()


def default_day() -> date:
    return datetime.now(ZoneInfo(TIMEZONE)).date()


def build_demo(path: Path, day: date | None = None) -> str:
    """Write the demo hall to ``path`` as of ``day`` (default today); return a summary to print.
    The hall adopts the morning dispatch (bidding) on its last business day, and an Acme call is
    posted for the next selection with three bids."""
    path = Path(path)
    day = day or default_day()
    if path.exists():
        raise HallError(f"{path} already exists: choose another path or remove it first.")
    demo = _Demo(path, day)
    try:
        with reproducible_salts(f"{HALL_NAME} {day.isoformat()}"):
            demo.build()
        facts = demo.check()
    except BaseException:
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        raise
    _finish(path, demo.created)
    calls = facts["calls"]
    as_of = calendar.local(demo.clock.now, demo.rules)
    login = ("Log in as maria / dispatch (dispatcher) or admin / "
             f"{dict((u, p) for u, p, _ in DEMO_USERS)['admin']} (admin); at its kiosk, cards "
             f"{', '.join(DEMO_PIN_CARDS)} have the PIN {DEMO_PIN}.")
    return (
        f"Wrote {path}: {HALL_NAME} as of {as_of:%a %d %b %Y %H:%M} ({TIMEZONE}), "
        f"{facts['members']} members with {facts['waiting']} places waiting on JW-1..JW-4 and AP-1, "
        f"{len(EMPLOYERS)} employers, {calls.get('open', 0)} open, {calls.get('filled', 0)} filled and "
        f"{calls.get('cancelled', 0)} cancelled calls, and {facts['audit']} audit entries over four weeks. "
        f"{login}"
    )
