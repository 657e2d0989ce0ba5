"""The app's door: who is logged in (an ``Actor``) and the operations the screens call with it.

A ``Session`` holds no permissions of its own: every operation checks its own
declaration inside its transaction (``hall.identity``), exactly as it does for the
command line and the kiosk. ``require(operation)`` asks an operation's question
before a screen opens a form for it, with the same refusal, recorded the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable

from dispatch.rules import RuleSet
from hall import audit
from hall.identity import Actor, NotAllowed, declared, permission_of
from hall.operations import access
from hall.operations.access import check_reader
from hall.operations import (
    accounts,
    bidding,
    calls,
    corrections,
    employers,
    excuses,
    hours,
    jobs,
    members,
    offers,
    referrals,
    registrations,
)
from hall.operations import rules as rules_ops
from hall.queries.books import book_counts, book_list_page, waiting_history
from hall.queries.calls import calls as call_rows
from hall.queries.certifications import certifications_expiring_top
from hall.queries.resign import resign_due_top
from hall.queries.rules import upcoming_rules
from hall.store import Store
from hall.queries.notices import outbox_summary
from hall.views.board import Board, make_board
from hall.views.jobboard import morning_summary

__all__ = ["NotAllowed", "Session", "first_admin", "log_in"]

_OPERATIONS: dict[str, Callable] = {
    "reverse_outcome": corrections.reverse_outcome, "grant_referral": corrections.grant_referral,
    "restore_place": corrections.restore_place, "reinstate": members.reinstate, "set_rules": rules_ops.set_rules,
    "add_user": accounts.add_user, "disable_user": accounts.disable_user, "administer": access.check_administrator,
    "qualify": registrations.qualify, "move": registrations.move, "correct_excuse": excuses.correct_excuse,
}
"""The operations a screen asks about before opening a form for them (``Session.require``)."""

BOARD_ROWS = 100  # the re-signs due and the certifications expiring the board lists (it says how many in all)


def log_in(store: Store, name: str, password: str) -> "Session":
    """The app's log-in: the name and password (audited either way), then whether the account
    may read the records at all (JATC staff have no screen yet: refused, recorded, logged out)."""
    actor = accounts.login(store, name, password, via="app")
    return _opened(store, actor)


def first_admin(store: Store, name: str, password: str) -> "Session":
    """A hall with no accounts yet: its first admin account, logged in."""
    return _opened(store, accounts.add_first_admin(store, name, password))


def _opened(store: Store, actor: Actor) -> "Session":
    try:
        check_reader(store, actor)
    except NotAllowed:
        accounts.logout(store, actor, why="no screen for this role")
        raise
    return Session(store, actor)


@dataclass
class Session:
    """A Store plus the logged-in staff member (``user``, an ``Actor``)."""

    store: Store
    user: Actor

    @property
    def actor(self) -> Actor:
        return self.user

    def now(self) -> datetime:
        return self.store.now()

    def require(self, what: str) -> None:
        """Refuse now, as the operation behind the method ``what`` (e.g. ``"reverse_outcome"``)
        would itself (the sentence, and the ``access.refused`` entry), when the logged-in user
        may not run it: before a screen asks for its details."""
        with declared(permission_of(_OPERATIONS[what])):
            self.store.authorize(self.user)

    # --- rules and time ---------------------------------------------------------

    def rules(self) -> RuleSet:
        return self.store.rules()[1]

    def today(self) -> date:
        with self.store.reading() as read:
            return read.today

    # --- writes: each operation checks who may run it -------------------------------

    def add_member(self, card, name, **kw):
        return members.add_member(self.store, card, name, actor=self.actor, **kw)

    def update_member(self, card, **kw):
        return members.update_member(self.store, card, actor=self.actor, **kw)

    def set_certification(self, card, name, **kw):
        return members.set_certification(self.store, card, name, actor=self.actor, **kw)

    def declare_unavailable(self, card, until, reason, **kw):
        return members.declare_unavailable(self.store, card, until, reason, actor=self.actor, **kw)

    def sign(self, card, book_id, via="in_person"):
        return registrations.sign(self.store, card, book_id, actor=self.actor, via=via)

    def resign(self, card, book_id=None, via="in_person"):
        return registrations.resign(self.store, card, book_id, actor=self.actor, via=via)

    def add_employer(self, name, phone=""):
        return employers.add_employer(self.store, name, actor=self.actor, phone=phone)

    def bar_member(self, employer, card, until, reason, contact=""):
        return employers.bar_member(self.store, employer, card, until, reason, actor=self.actor, contact=contact)

    def take_call(self, **kw):
        return calls.take_call(self.store, actor=self.actor, **kw)

    def cancel_call(self, call_id, reason):
        return calls.cancel_call(self.store, call_id, reason, actor=self.actor)

    def preview_offer(self, call_id, card, outcome):
        return offers.preview_offer(self.store, call_id, card, outcome, actor=self.actor)

    def record_offer(self, call_id, card, outcome, note=""):
        return offers.record_offer(self.store, call_id, card, outcome, actor=self.actor, note=note)

    def mark_calling(self, call_id, card):
        return offers.mark_calling(self.store, call_id, card, actor=self.actor)

    def end_job(self, card, reason, **kw):
        return jobs.end_job(self.store, card, reason, actor=self.actor, **kw)

    def record_referral_outcome(self, call_id, card, outcome, note=""):
        return referrals.record_referral_outcome(self.store, call_id, card, outcome, actor=self.actor, note=note)

    def amend_call(self, call_id, reason, **kw):
        return referrals.amend_call(self.store, call_id, actor=self.actor, reason=reason, **kw)

    # --- (v2) the morning dispatch ------------------------------------------------

    def post_call(self, call_id):
        return bidding.post_call(self.store, call_id, actor=self.actor)

    def place_bid(self, card, call_id, choice=None, via="phone"):
        return bidding.place_bid(self.store, card, call_id, actor=self.actor, choice=choice, via=via)

    def withdraw_bid(self, card, call_id, via="phone"):
        return bidding.withdraw_bid(self.store, card, call_id, actor=self.actor, via=via)

    def sign_in(self, card, via="in_person"):
        return bidding.sign_in(self.store, card, actor=self.actor, via=via)

    def award_declined(self, call_id, card, note=""):
        return bidding.award_declined(self.store, call_id, card, actor=self.actor, note=note)

    def excuse(self, card, kind, start, until, evidence):
        """(v2) Record an excused absence (kind and evidence private)."""
        return excuses.excuse(self.store, card, kind, start, until, evidence, actor=self.actor)

    def end_excuse(self, excuse_id, reason, last_day=None):
        """(v2) End an excused absence early (the member is back)."""
        return excuses.end_excuse(self.store, excuse_id, actor=self.actor, last_day=last_day, reason=reason)

    def add_hours(self, card, amount, day, employer="", category=""):
        """(v2) Record hours a member worked on a day."""
        return hours.add_hours(self.store, card, amount, day=day, actor=self.actor, employer=employer,
                               category=category)

    def reinstate(self, card, reason, authority=""):
        return members.reinstate(self.store, card, reason, actor=self.actor, authority=authority)

    def reverse_outcome(self, call_id, card, authority, reason):
        return corrections.reverse_outcome(self.store, call_id, card, actor=self.actor, authority=authority,
                                           reason=reason)

    def restore_place(self, card, book_id, authority, reason):
        return corrections.restore_place(self.store, card, book_id, actor=self.actor, authority=authority,
                                         reason=reason)

    def grant_referral(self, call_id, card, authority, reason):
        return corrections.grant_referral(self.store, call_id, card, actor=self.actor, authority=authority,
                                          reason=reason)

    def qualify(self, card, book_id, evidence):
        return registrations.qualify(self.store, card, book_id, evidence, actor=self.actor)

    def move(self, card, book_id, reason):
        return registrations.move(self.store, card, book_id, reason, actor=self.actor)

    def correct_excuse(self, excuse_id, reason, **kw):
        return excuses.correct_excuse(self.store, excuse_id, actor=self.actor, reason=reason, **kw)

    def set_rules(self, text, effective, urgent_reason=""):
        return rules_ops.set_rules(self.store, text, effective, actor=self.actor, urgent_reason=urgent_reason)

    def add_user(self, name, password, role):
        return accounts.add_user(self.store, name, password, role, actor=self.actor)

    def disable_user(self, name):
        return accounts.disable_user(self.store, name, actor=self.actor)

    def set_password(self, name, password):
        return accounts.set_password(self.store, name, password, actor=self.actor)

    def logout(self, why="logout"):
        return accounts.logout(self.store, self.actor, why=why)

    # --- reads ------------------------------------------------------------------

    def sweep(self) -> int:
        """Record due re-sign removals (only writes when there are some)."""
        return self.store.sweep()

    def board(self) -> Board:
        """What the board shows: open calls, book tops and counts, re-signs due, certs expiring, audit head,
        the notices' outbox."""
        with self.store.reading() as read:
            db, now, rules = read.db, read.now, read.rules
            counts = book_counts(db, rules, now)
            tops = {}
            for book in rules.books:
                first = book_list_page(db, book.id, rules, now, limit=1)
                tops[book.id] = first[0] if first else None
            # The re-signs due and the certifications expiring: the first BOARD_ROWS of each,
            # with how many there are in all (thousands on a large hall).
            resign_due, resign_total = resign_due_top(db, rules, now, days=7, limit=BOARD_ROWS)
            certs, certs_total = certifications_expiring_top(db, read.today, days=30, limit=BOARD_ROWS)
            return make_board(
                now=now, rules=rules, today=read.today,
                calls=call_rows(db, open_only=True, rules=rules),
                books=[(b, counts.get(b.id, 0), tops[b.id]) for b in rules.books],
                history=waiting_history(db, rules, now, days=90),
                resign_due=resign_due, resign_due_total=resign_total,
                certs=certs, certs_total=certs_total,
                head=audit.head(db),
                upcoming_rules=upcoming_rules(db, now),
                morning=morning_summary(read),
                outbox=outbox_summary(db, rules, now, limit=3),
            )

    # --- reports (hall.reports) ------------------------------------------------------

    def report(self, name: str, **options):
        """A report as plain data (``hall.reports.Report``), produced now."""
        from hall.reports import produce

        return produce(self.store, name, **options)

    def member_packet(self, card: str, since) -> Any:
        """A member's records packet since a date (export with ``hall.reports.export.write``)."""
        return self.report("packet", card=card, since=since)

    def export_report(self, report, path, fmt: str | None = None):
        """Write a report to a file (format from the extension unless given); returns the path."""
        from hall.reports.export import write

        return write(report, path, fmt)

    def identify(self, card, sex="declined", race="declined"):
        """Record a member's voluntary self-identification (kept apart; aggregate reports only)."""
        from hall.operations.identification import record_self_identification

        return record_self_identification(self.store, card, sex, race, actor=self.actor)

