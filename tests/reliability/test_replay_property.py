"""Any sequence of operations replays to exactly the live state.

A hall is driven through random sequences of the real operations (members and imports, signing and
re-signing, calls taken, amended and cancelled, offers with every outcome, referral outcomes, job
ends, corrections, unavailability, bars, rule changes, accounts and log-ins, members' choice of
notices and the notices that follow, removals for want of a re-sign as the days pass); many steps are refused, as a dispatcher's would be. Afterwards the log
alone rebuilds every replayed table, row for row. One scripted sequence records every action there is.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dispatch.ranking import next_to_offer
from hall import audit, changes, load
from hall.db import connect
from hall.errors import HallError
from hall.operations import (
    accounts,
    bidding,
    calls,
    corrections,
    employers,
    identification,
    excuses,
    hours,
    jobs,
    members,
    notices,
    offers,
    referrals,
    registrations,
    selfservice,
    tokens,
    websessions,
)
from hall.identity import SYSTEM, Actor
from hall.notices.addresses import sms_number
from hall.operations import rules as rules_ops
from hall.replay import replay
from hall.store import Store
from tests.conftest import ACTOR, RULES_TEXT, SettableClock, new_hall

ADMIN, MARIA = Actor.staff("admin", "admin"), Actor.staff("maria", "dispatcher")
CARDS = [str(1000 + n) for n in range(10)]
MORNING = "[bidding]\nenabled = true\n[daybook]\nrequired = true\n"
BOOKS = ("JW-1", "JW-2", "AP-1")
OUTCOMES = ("accepted", "declined", "no_answer", "employer_rejected")
VARIANTS = (
    RULES_TEXT,
    RULES_TEXT + '[ordering]\npolicy = "low_hours"\n',
    RULES_TEXT + "[short_calls]\noffer_regular_calls = true\n[turndowns]\nlimit = 2\n"
                 "[discipline]\ndischarge_suspend_count = 1\n",
    RULES_TEXT + "[turndowns]\nmax_per_day = 1\nunavailable_is_turndown = true\nexempt_start_before = \"06:00\"\n"
                 "[short_calls]\nmax_hours = 40\nuncounted_max_days = 1\nrotation = true\n",
    RULES_TEXT + MORNING,
)


class Driver:
    """Runs one step of the hall's work at a time, choosing its targets from the hall as it is."""

    def __init__(self, path: Path, clock: SettableClock):
        self.store = Store(path, clock)
        self.clock = clock
        self.path = path
        self.imports = 0
        self.refusals: list[str] = []
        self.pins: dict[str, str] = {}
        self.sessions: dict[str, str] = {}

    def ids(self, sql: str, params=()) -> list:
        with self.store.read() as db:
            return [r[0] if len(r) == 1 else r for r in db.execute(sql, list(params))]

    def pick(self, rows: list, n: int):
        if not rows:
            raise HallError("nothing to choose")
        return rows[n % len(rows)]

    def next_candidate(self, call_id: int):
        with self.store.reading() as read:
            call = load.job_call(read.db, call_id)
            ranking, _ = load.ranking_through(read.db, call, read.rules, read.now)
            candidate = next_to_offer(ranking)
        if candidate is None:
            raise HallError("no candidate")
        return candidate.card

    def open_call(self, n: int) -> int:
        return self.pick(self.ids("SELECT id FROM calls WHERE status = 'open' ORDER BY id"), n)

    def referral(self, n: int) -> tuple:
        return self.pick(self.ids("SELECT call_id, card FROM referrals WHERE status = 'active' ORDER BY id"), n)

    # --- the steps (``a``, ``b``: small numbers that choose) ----------------------------------------

    def add_member(self, a, b):
        classes = ["JW", "AP"] if b % 3 == 0 else ["JW"]
        certs = ["OSHA-30:2027-06-30"] if b % 2 else []
        members.add_member(self.store, CARDS[a % len(CARDS)], f"Member {a}", actor=MARIA, classes=classes,
                           certs=certs, phone=f"312-555-01{a % 100:02d}")

    def import_members(self, a, b):
        self.imports += 1
        path = self.path.with_name(f"import-{self.imports}.csv")
        path.write_text("card,name,phone,classes,certs\n" + "".join(
            f"{5000 + self.imports * 10 + n},Imported {n},312-555-02{n:02d},JW,OSHA-10\n" for n in range(1 + a % 3)))
        members.import_members(self.store, path, actor=MARIA)

    def update_member(self, a, b):
        card = self.pick(self.ids("SELECT card FROM members ORDER BY card"), a)
        members.update_member(self.store, card, actor=MARIA, phone=f"773-555-00{b % 100:02d}",
                              classes=["JW", "AP"] if b % 2 else ["JW"], class_note="apprentice card" if b % 2 else "")

    def certification(self, a, b):
        card = self.pick(self.ids("SELECT card FROM members ORDER BY card"), a)
        if b % 3 == 0:
            members.set_certification(self.store, card, "OSHA-30", actor=MARIA, remove=True)
        else:
            members.set_certification(self.store, card, "Confined Space" if b % 2 else "osha-30", actor=MARIA,
                                      expires=f"2027-0{1 + b % 9}-15")

    def unavailable(self, a, b):
        card = self.pick(self.ids("SELECT card FROM members ORDER BY card"), a)
        today = self.clock().date()
        members.declare_unavailable(self.store, card, today + timedelta(days=b % 5), "family", actor=MARIA)

    def reinstate(self, a, b):
        card = self.pick(self.ids("SELECT card FROM members WHERE standing = 'suspended' ORDER BY card"), a)
        members.reinstate(self.store, card, "appeal granted", actor=ADMIN, authority="EB 7")

    def pin(self, a, b):
        card = self.pick(self.ids("SELECT card FROM members ORDER BY card"), a)
        members.set_pin(self.store, card, f"{1000 + b}", actor=MARIA)
        self.pins[card] = f"{1000 + b}"

    def kiosk(self, a, b):
        """A member at the kiosk: wrong PINs (counted, the card locked at the limit), or the right
        one and a re-sign or a new PIN."""
        card = self.pick(sorted(self.pins), a)
        if b % 3 == 0:
            for _ in range(1 + b % 6):
                try:
                    selfservice.identify(self.store, card, "0000")
                except HallError:
                    pass
            return
        member = selfservice.identify(self.store, card, self.pins[card])
        if b % 3 == 1:
            selfservice.resign(self.store, actor=member)
        else:
            selfservice.change_pin(self.store, actor=member, current=self.pins[card], new=f"{2000 + b}")
            self.pins[card] = f"{2000 + b}"

    def web(self, a, b):
        """A member on the web: log in with card and PIN, choose notices, log out (or go idle)."""
        card = self.pick(sorted(self.pins), a)
        secret, _ = websessions.log_in(self.store, card, self.pins[card])
        member = Actor.member(card)
        selfservice.set_notices(self.store, actor=member, channel=("email", "sms", "none")[b % 3], via="web")
        if b % 2:
            websessions.end_idle(self.store, secret, actor=member, minutes=15)
        else:
            websessions.log_out(self.store, secret, actor=member)

    def identify(self, a, b):
        card = self.pick(self.ids("SELECT card FROM members ORDER BY card"), a)
        identification.record_self_identification(self.store, card, "female" if b % 2 else "declined",
                                                   "asian" if b % 3 else "declined", actor=MARIA)

    def sign(self, a, b):
        card = self.pick(self.ids("SELECT card FROM members ORDER BY card"), a)
        registrations.sign(self.store, card, BOOKS[b % len(BOOKS)], actor=MARIA,
                           via="phone" if b % 2 else "in_person")

    def resign(self, a, b):
        card = self.pick(self.ids("SELECT DISTINCT card FROM registrations WHERE status = 'waiting' ORDER BY card"), a)
        registrations.resign(self.store, card, actor=MARIA)

    def employer(self, a, b):
        employers.add_employer(self.store, f"Employer {a % 4}", actor=MARIA, phone="312-555-0199")

    def bar(self, a, b):
        card = self.pick(self.ids("SELECT card FROM members ORDER BY card"), a)
        employers.bar_member(self.store, f"Employer {b % 4}", card, self.clock().date() + timedelta(days=30),
                             "conduct", actor=MARIA, contact="site super")

    def take_call(self, a, b):
        cls = "AP" if a % 4 == 0 else "JW"
        named = self.ids("SELECT card FROM member_classes WHERE classification = ? ORDER BY card", [cls])
        requests = [(self.pick(named, b), "worked here before")] if named and b % 5 == 0 else []
        calls.take_call(self.store, employer=f"Employer {a % 4}", classification=cls, workers=1 + b % 3,
                        start=self.clock() + timedelta(days=1), days=3 if b % 2 else 30, actor=MARIA,
                        certs=["OSHA-30"] if b % 7 == 0 else [], requests=requests, add_employer=b % 3 == 0,
                        site="Main St", hours=24 if b % 4 == 1 else None,
                        no_turndown="below scale" if b % 6 == 4 else "")

    def offer(self, a, b):
        call_id = self.open_call(a)
        offers.record_offer(self.store, call_id, self.next_candidate(call_id), OUTCOMES[b % len(OUTCOMES)],
                            actor=MARIA, note="called twice" if b % 2 else "")

    def calling(self, a, b):
        call_id = self.open_call(a)
        offers.mark_calling(self.store, call_id, self.next_candidate(call_id), actor=MARIA)

    def referral_outcome(self, a, b):
        call_id, card = self.referral(a)
        referrals.record_referral_outcome(self.store, call_id, card, referrals.REFERRAL_OUTCOMES[b % 3],
                                          actor=MARIA, note="gate foreman")

    def end_job(self, a, b):
        _, card = self.referral(a)
        jobs.end_job(self.store, card, ("laid_off", "quit", "discharged")[b % 3], actor=MARIA)

    def cancel(self, a, b):
        calls.cancel_call(self.store, self.open_call(a), "job postponed", actor=MARIA)

    def amend(self, a, b):
        referrals.amend_call(self.store, self.open_call(a), actor=MARIA, reason="more work", workers=1 + b % 4)

    def reverse(self, a, b):
        call_id, card = self.pick(self.ids("SELECT call_id, card FROM offers WHERE superseded_by IS NULL"
                                           " ORDER BY id"), a)
        corrections.reverse_outcome(self.store, call_id, card, actor=ADMIN, authority="Appeal 1", reason="misdial")

    def restore(self, a, b):
        card, book = self.pick(self.ids("SELECT card, book_id FROM registrations WHERE status = 'removed'"
                                        " ORDER BY id"), a)
        corrections.restore_place(self.store, card, book, actor=ADMIN, authority="Appeal 2", reason="never told")

    def remedy(self, a, b):
        card = self.pick(self.ids("SELECT card FROM members ORDER BY card"), a)
        corrections.grant_referral(self.store, self.open_call(b), card, actor=ADMIN, authority="Ruling 3",
                                   reason="passed over")

    def change_rules(self, a, b):
        renamed = '[[books]]\nid = "JW-1"\nname = "Inside I"\nclassification = "JW"\npriority = 1\n'
        text = RULES_TEXT + f"[turndowns]\nlimit = {2 + b % 3}\n" + (renamed if a % 2 else "")
        rules_ops.set_rules(self.store, text, self.clock() + timedelta(minutes=1 + a), actor=ADMIN,
                            urgent_reason="members voted")

    def account(self, a, b):
        name = f"clerk{a % 3}"
        if b % 3 == 0:
            accounts.add_user(self.store, name, "long-password-1", "dispatcher", actor=ADMIN)
        elif b % 3 == 1:
            accounts.set_password(self.store, name, f"new-password-{b}", actor=ADMIN)
        else:
            accounts.disable_user(self.store, name, actor=ADMIN)

    def login(self, a, b):
        name = ("admin", "maria", "nobody")[a % 3]
        if b % 4 == 3:
            accounts.logout(self.store, Actor.staff(name))
        elif b % 4 == 2:  # wrong until the name is locked, then right (refused while locked)
            for _ in range(self.store.rules()[1].security.failed_logins):
                self.run("login", a, 0)
            accounts.login(self.store, name, "dispatch-pw")
        else:
            accounts.login(self.store, name, "dispatch-pw" if b % 2 else "wrong-password")

    def cli(self, a, b):
        """Command-line sessions and script tokens: log in (replacing an earlier session) and out,
        make tokens, revoke them."""
        actor = (ADMIN, MARIA)[a % 2]
        if b % 3 == 0:
            credential, _ = tokens.open_session(self.store, actor.name, "dispatch-pw", os_user="ops",
                                                replaces=self.sessions.get(actor.name))
            tokens.close_session(self.store, credential)
        elif b % 3 == 1:
            _, secret = tokens.open_session(self.store, actor.name, "dispatch-pw", os_user="ops",
                                            replaces=self.sessions.get(actor.name))
            self.sessions[actor.name] = secret
            tokens.make_token(self.store, actor.name, actor=actor, days=1 + b)
        else:
            tokens.revoke(self.store, ("admin", "maria")[b % 2], actor=actor)

    def notices(self, a, b):
        """A member's choice of notices: email (the address recorded first) or texts at the counter,
        texts chosen for themselves with their PIN, or a text reply of STOP."""
        card = self.pick(self.ids("SELECT card FROM members ORDER BY card"), a)
        if b % 4 == 0:
            members.update_member(self.store, card, actor=MARIA, email=f"m{card}@example.org")
            notices.set_notices(self.store, card, "email", actor=MARIA, calls=bool(a % 2))
        elif b % 4 == 1:
            notices.set_notices(self.store, card, "sms", actor=MARIA)
        elif b % 4 == 2 and card in self.pins:
            selfservice.set_notices(self.store, actor=selfservice.identify(self.store, card, self.pins[card]),
                                    channel="sms", via="web")
        else:
            phone = self.ids("SELECT phone FROM members WHERE card = ?", [card])[0]
            notices.stop_texts(self.store, sms_number(phone), actor=SYSTEM)

    def refused(self, a, b):
        """A dispatcher tries what only an admin may: refused, and recorded as refused."""
        (rules_ops.set_rules if a % 2 else members.reinstate)(self.store, *(
            (RULES_TEXT, self.clock() + timedelta(days=30)) if a % 2 else ("1000", "appeal")), actor=MARIA)

    def qualify(self, a, b):
        card = self.pick(self.ids("SELECT card FROM members ORDER BY card"), a)
        registrations.qualify(self.store, card, BOOKS[b % 2], "exam passed", actor=ADMIN)

    def move(self, a, b):
        card, book = self.pick(self.ids("SELECT card, book_id FROM registrations WHERE status = 'waiting'"
                                        " AND book_id LIKE 'JW-%' ORDER BY id"), a)
        registrations.move(self.store, card, "JW-2" if book == "JW-1" else "JW-1", "qualified", actor=ADMIN)

    def excuse(self, a, b):
        card = self.pick(self.ids("SELECT card FROM members ORDER BY card"), a)
        today = self.clock().date()
        excuses.excuse(self.store, card, ("military", "jury", "medical")[b % 3], today - timedelta(days=b % 4),
                       today + timedelta(days=3 + b % 20), "orders", actor=MARIA)

    def excuse_end(self, a, b):
        excuse_id = self.pick(self.ids("SELECT id FROM excuses ORDER BY id"), a)
        excuses.end_excuse(self.store, excuse_id, actor=MARIA, reason="back early")

    def excuse_correct(self, a, b):
        excuse_id = self.pick(self.ids("SELECT id FROM excuses ORDER BY id"), a)
        until = self.clock().date() + timedelta(days=1 + b % 10)
        excuses.correct_excuse(self.store, excuse_id, actor=ADMIN, reason="orders amended", until=until)

    def hours(self, a, b):
        card = self.pick(self.ids("SELECT card FROM members ORDER BY card"), a)
        hours.add_hours(self.store, card, 4 + b % 8, day=self.clock().date(), actor=MARIA, employer="Employer 1")

    def hours_import(self, a, b):
        cards = self.ids("SELECT card FROM members ORDER BY card")
        self.imports += 1
        path = self.path.with_name(f"hours-{self.imports}.csv")
        day = self.clock().date().isoformat()
        path.write_text("".join(f"{self.pick(cards, a + n)},{day},{8 + n}\n" for n in range(1 + b % 3)))
        hours.import_hours(self.store, path, actor=MARIA)

    def later(self, a, b):
        self.clock.advance(days=1 + (a % 3) * 12, minutes=b)  # re-sign deadlines pass; removals follow
        self.store.sweep()

    # --- (v2) the morning dispatch -------------------------------------------------------------------

    def morning_rules(self, a, b):
        rules_ops.set_rules(self.store, RULES_TEXT + MORNING, self.clock() + timedelta(minutes=1), actor=ADMIN,
                            urgent_reason="the members voted for the morning dispatch")
        self.clock.advance(minutes=2)

    def waiting_card(self, n: int) -> str:
        return self.pick(self.ids("SELECT DISTINCT card FROM registrations WHERE status = 'waiting' ORDER BY card"), n)

    def signin(self, a, b):
        card = self.waiting_card(a)
        if b % 2 and card in self.pins:  # at the kiosk, with the member's PIN
            selfservice.member_sign_in(self.store, actor=selfservice.identify(self.store, card, self.pins[card]))
        else:
            bidding.sign_in(self.store, card, actor=MARIA, via="phone")

    def bid(self, a, b):
        call_id = self.pick(self.ids("SELECT id FROM calls WHERE status = 'open' AND posted_for > ? ORDER BY id",
                                     [audit.iso(self.clock())]), b)
        card = self.waiting_card(a)
        if b % 2 and card in self.pins:
            member = selfservice.identify(self.store, card, self.pins[card])
            selfservice.member_bid(self.store, call_id, actor=member, choice=None if b % 3 else 1 + b % 4)
        else:
            bidding.place_bid(self.store, card, call_id, actor=MARIA, via="phone", choice=None if b % 3 else 1 + b % 4)

    def withdraw(self, a, b):
        call_id, card = self.pick(self.ids(
            "SELECT b.call_id, b.card FROM bids b JOIN calls c ON c.id = b.call_id WHERE b.withdrawn_at IS NULL"
            " AND b.selection_at = c.posted_for AND c.posted_for > ? ORDER BY b.id", [audit.iso(self.clock())]), a)
        if b % 2 and card in self.pins:
            member = selfservice.identify(self.store, card, self.pins[card])
            selfservice.member_withdraw(self.store, call_id, actor=member)
        else:
            bidding.withdraw_bid(self.store, card, call_id, actor=MARIA)

    def post(self, a, b):
        bidding.post_call(self.store, self.open_call(a), actor=MARIA)

    def selection(self, a, b):
        from dispatch.bidding import next_selection

        self.clock.moment = next_selection(self.clock(), self.store.rules()[1]) + timedelta(minutes=1 + a)
        if b % 2:
            self.store.sweep()

    def award_declined(self, a, b):
        call_id, card = self.pick(self.ids(
            "SELECT r.call_id, r.card FROM referrals r JOIN offers o ON o.id = r.offer_id"
            " WHERE r.status = 'active' AND o.award_choice IS NOT NULL ORDER BY r.id"), a)
        bidding.award_declined(self.store, call_id, card, actor=MARIA, note="called in")

    STEPS = ("add_member", "add_member", "import_members", "update_member", "certification", "unavailable",
             "reinstate", "pin", "identify", "sign", "sign", "sign", "resign", "employer", "bar", "take_call",
             "take_call", "offer", "offer", "offer", "offer", "calling", "referral_outcome", "end_job", "end_job",
             "cancel", "amend", "reverse", "restore", "remedy", "change_rules", "account", "login", "later",
             "pin", "kiosk", "kiosk", "web", "cli", "refused", "qualify", "move", "excuse", "excuse_end", "excuse_correct",
             "hours", "hours_import", "notices", "notices",
             "signin", "bid", "bid", "bid", "withdraw", "post", "selection", "award_declined")

    def run(self, step: str, a: int, b: int) -> bool:
        """One step, a few seconds after the last; False when the hall refused it (nothing written)."""
        self.clock.advance(seconds=5)
        try:
            getattr(self, step)(a, b)
        except HallError as error:
            self.refusals.append(f"{step}({a}, {b}): {error}")
            return False
        return True


def new_driver(tmp_path: Path, variant: int) -> Driver:
    clock = SettableClock("2026-11-02 08:00")
    path = new_hall(tmp_path / f"hall-{variant}.db", VARIANTS[variant], at="2026-11-02 07:00")
    driver = Driver(path, clock)
    accounts.add_user(driver.store, "admin", "dispatch-pw", "admin", actor=ACTOR)
    accounts.add_user(driver.store, "maria", "dispatch-pw", "dispatcher", actor=ADMIN)
    return driver


def assert_replays(driver: Driver) -> None:
    result = replay(driver.path)
    db = connect(driver.path)
    try:
        head = audit.head(db)[0]
    finally:
        db.close()
    assert result.ok, result.summary
    assert (result.entries, result.first, result.snapshot) == (head, 1, None)


steps = st.lists(st.tuples(st.sampled_from(Driver.STEPS), st.integers(0, 50), st.integers(0, 50)),
                 min_size=5, max_size=60)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture],
          derandomize=True)
@given(variant=st.integers(0, len(VARIANTS) - 1), plan=steps)
def test_any_sequence_of_operations_replays_to_the_live_state(tmp_path_factory, variant, plan):
    driver = new_driver(tmp_path_factory.mktemp("replay"), variant)
    setup = [("employer", n, 0) for n in range(4)]  # employers, and members on the books, to work with
    setup += [step for n in range(8) for step in (("add_member", n, n), ("sign", n, 0 if n % 4 else 1))]
    setup += [("take_call", 1, 1), ("take_call", 2, 4)]
    for step, a, b in setup:
        assert driver.run(step, a, b), f"the set-up was refused: {driver.refusals[-1]}"
    for step, a, b in plan:  # a plan may be refused step after step (six of one card): replay must still hold
        driver.run(step, a, b)
    assert_replays(driver)


SCRIPT = [
    ("employer", 0, 0), ("employer", 1, 0), ("add_member", 0, 3), ("add_member", 1, 1), ("add_member", 2, 1),
    ("add_member", 3, 0), ("add_member", 4, 1), ("add_member", 5, 1), ("add_member", 6, 1), ("add_member", 7, 1),
    ("import_members", 1, 0), ("sign", 0, 0), ("sign", 1, 0), ("sign", 2, 0), ("sign", 3, 1), ("sign", 4, 0),
    ("sign", 5, 0), ("sign", 6, 0), ("sign", 7, 0), ("sign", 0, 2), ("move", 1, 0), ("update_member", 3, 1),
    ("notices", 0, 0), ("notices", 1, 1), ("notices", 2, 1), ("notices", 2, 3), ("notices", 5, 1), ("notices", 6, 1),
    ("certification", 1, 4), ("certification", 1, 3), ("unavailable", 9, 3), ("pin", 0, 1), ("identify", 1, 1),
    ("bar", 3, 1),
    ("take_call", 1, 1), ("calling", 0, 0), ("offer", 0, 1), ("offer", 0, 3), ("offer", 0, 0),
    ("referral_outcome", 0, 0), ("offer", 0, 0), ("offer", 0, 0),
    ("take_call", 1, 4), ("offer", 0, 0), ("offer", 0, 0), ("referral_outcome", 1, 1), ("referral_outcome", 1, 2),
    ("later", 0, 0), ("end_job", 0, 2), ("reinstate", 0, 0),
    ("take_call", 1, 2), ("offer", 0, 1), ("offer", 0, 0), ("reverse", 0, 0), ("amend", 0, 2), ("remedy", 3, 0),
    ("cancel", 0, 0), ("later", 2, 0), ("later", 2, 0), ("restore", 0, 0), ("resign", 0, 0), ("change_rules", 1, 1),
    ("account", 0, 0), ("account", 0, 1), ("account", 0, 2), ("login", 1, 1), ("login", 1, 3), ("login", 1, 2),
    ("login", 2, 0), ("pin", 1, 1), ("kiosk", 0, 0), ("kiosk", 0, 1), ("kiosk", 0, 2), ("kiosk", 0, 3),
    ("web", 0, 1), ("web", 1, 2), ("cli", 0, 1), ("cli", 0, 0), ("cli", 1, 1), ("cli", 0, 2), ("refused", 1, 0),
    ("qualify", 1, 0), ("excuse", 2, 1), ("excuse", 3, 2), ("excuse_end", 0, 0),
    ("excuse_correct", 1, 3), ("hours", 1, 2), ("hours_import", 0, 1),
    ("morning_rules", 0, 0), ("sign", 1, 0), ("sign", 2, 0), ("sign", 3, 0), ("take_call", 1, 1), ("take_call", 2, 3), ("signin", 0, 0), ("signin", 1, 1),
    ("signin", 2, 0), ("signin", 3, 1), ("bid", 0, 0), ("bid", 1, 1), ("bid", 0, 1), ("withdraw", 0, 0),
    ("bid", 0, 0), ("bid", 2, 0), ("bid", 3, 1), ("selection", 0, 1), ("award_declined", 0, 0), ("post", 0, 0),
    ("bid", 1, 0), ("selection", 0, 0), ("signin", 1, 0),
]


def test_one_sequence_records_every_action_and_replays(tmp_path):
    driver = new_driver(tmp_path, 2)
    for step in SCRIPT:
        driver.run(*step)
    refused = driver.refusals
    recorded = set(driver.ids("SELECT DISTINCT action FROM audit"))
    # only an upgrade records these (tests/hall/test_migrations.py replays the hours' copy)
    missing = set(changes.ACTIONS) - recorded - {"replay.snapshot", "hours.migrated"}
    assert not missing, f"never recorded: {sorted(missing)} (refused steps: {refused})"
    doors = set(driver.ids("SELECT DISTINCT recorded_by FROM bids UNION SELECT DISTINCT recorded_by FROM signins"))
    assert "maria" in doors and any(door.startswith("member:") for door in doors)  # staff, and members at the kiosk
    assert_replays(driver)
