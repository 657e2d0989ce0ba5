"""The actions on one member, shared by the member screen and the counter: re-sign, sign a
book, job ended, unavailable, phone, certification, reinstate. Each is a flow that asks how
it came in where the records keep it, says what the rules will record, and shows the receipt.
"""

from __future__ import annotations

from datetime import date, timedelta

from rich.text import Text
from textual.binding import Binding

from hall.parse import CERT_EXPIRY, UNAVAILABLE
from hall.views import members as views
from hall.views.members import MemberCard
from screens.base import Cancelled, Refused, flow
from screens.text import clean, hour, short_date, short_day
from screens.widgets.dialogs import END_WORDS, ChoiceDialog, ConfirmDialog, EndReasonDialog, via_phrase
from screens.widgets.forms import Field, FormDialog

MEMBER_BINDINGS = [
    Binding("r", "resign", "Re-sign", id="resign", tooltip="Re-sign every book the member is waiting on"),
    Binding("g", "sign", "Sign a book", id="sign", tooltip="Put the member on another book"),
    Binding("j", "job_ended", "Job ended", id="job_ended", tooltip="Laid off, quit, discharged or short call over"),
    Binding("u", "unavailable", "Unavailable", id="unavailable", tooltip="Cannot take work until a date"),
    Binding("p", "phone", "Phone", id="phone", tooltip="Record the phone number checked with the member"),
    Binding("x", "excuse", "Excused", id="excuse",
            tooltip="An excused absence (military, jury, union business, medical): record, end early, correct"),
    Binding("h", "hours", "Hours", id="hours", tooltip="Record hours the member worked on a day"),
    Binding("q", "qualify", "Qualify", id="qualify", show=False,
            tooltip="Record why the member qualifies for a book (admin only)"),
    Binding("v", "move", "Move book", id="move", show=False,
            tooltip="Move the member to another book of the same classification (admin only)"),
]

EXCUSE_KINDS = (("military", "Military leave"), ("jury", "Jury duty"), ("union_business", "Union business"),
                ("medical", "Medical"), ("other", "Other"))


class MemberActions:
    """The actions on one member (a mixin for ``HallScreen``s).

    The screen provides ``card``, ``info`` (a ``MemberCard``), ``show_receipt(text, receipt,
    message)`` and ``reload()``.
    """

    card: str | None
    info: MemberCard | None

    def _who(self) -> str:
        member = self.info.member
        return f"{clean(member.name)} ({member.card})"

    def _loaded(self) -> tuple[str, MemberCard]:
        if not self.card or not self.info:
            raise Refused("Type a card number first.")
        return self.card, self.info

    def _at(self, receipt) -> str:
        return f"at {hour(self.hall_app.store.now(), self.hall_app.zone)} · receipt #{receipt.seq}"

    def _finished(self, what: str, receipt) -> None:
        self.show_receipt(f"{what} {self._at(receipt)}", receipt, self.sentence(receipt.message))
        self.reload()

    @flow
    async def action_resign(self) -> None:
        card, info = self._loaded()
        waiting = [b.book for b in info.books if b.status == "waiting"]
        if not waiting:
            raise Refused(f"{self._who()} is not waiting on any book: sign a book instead (g).")
        via = await self.ask_how(f"Re-sign {self._who()} on {', '.join(waiting)}: how did it come in?")
        receipt = await self.commit(self.session.resign, card, None, via)
        self._finished(f"Re-signed {', '.join(waiting)} {via_phrase(via)}", receipt)

    @flow
    async def action_sign(self) -> None:
        card, info = self._loaded()
        if not info.signable:
            classes = ", ".join(sorted(info.member.classifications)) or "no classification"
            raise Refused(f"{self._who()} ({classes}) is already on every book of their classifications.")
        book = await self.ask(ChoiceDialog(f"Sign {self._who()} on which book?",
                                           [(b.id, f"{b.id}  {clean(b.name)}") for b in info.signable]))
        if not book:
            raise Cancelled("Nothing recorded.")
        via = await self.ask_how(f"Sign {self._who()} on {book}: how did it come in?")
        receipt = await self.commit(self.session.sign, card, book, via)
        self._finished(f"Signed {book} {via_phrase(via)}", receipt)

    @flow
    async def action_unavailable(self) -> None:
        card, info = self._loaded()
        values = await self.ask(FormDialog(f"{self._who()} cannot take work", [
            Field("until", "Until (the last day unavailable)", value=short_day(info.today + timedelta(days=7)),
                  kind="day", span=UNAVAILABLE),
            Field("reason", "Reason (never shown to members)", "e.g. surgery, family, out of town"),
        ], sentence="At the member's own request.", dialog_id="unavailable-dialog"))
        if not values:
            raise Cancelled("Nothing recorded.")
        via = await self.ask_how(f"{self._who()} unavailable: how did it come in?")
        until = short_day(date.fromisoformat(values["until"]))
        receipt = await self.commit(self.session.declare_unavailable, card, values["until"], values["reason"], via=via)
        self._finished(f"Unavailable until {until} {via_phrase(via)}", receipt)

    @flow
    async def action_phone(self) -> None:
        card, info = self._loaded()
        values = await self.ask(FormDialog(f"Phone for {self._who()}", [
            Field("phone", "Phone number (checked with the member now)", "e.g. (312) 555-0101",
                  info.member.phone or "")]))
        if not values:
            raise Cancelled("Nothing recorded.")
        receipt = await self.commit(self.session.update_member, card, phone=values["phone"])
        self._finished(f"Phone {values['phone']} recorded", receipt)

    @flow
    async def action_job_ended(self) -> None:
        """Why, when, how many days, how it came in; then what the rules will record; then record."""
        card, info = self._loaded()
        working = info.working
        if working is None:
            raise Refused(f"{self._who()} has no job to end: no referral is open.")
        where = f"call #{working.call} · {clean(working.employer)}" + (" (short call)" if working.short else "")
        reason = await self.ask(EndReasonDialog(f"{self._who()} · {where}"))
        if not reason:
            raise Cancelled("Nothing recorded.")
        values = await self.ask(FormDialog(f"Job ended: {self._who()}", [
            Field("at", "Ended (hall time)", value="now", kind="moment"),
            Field("days", "Days worked", "blank: counted from the start to the end", required=False, kind="number"),
        ], sentence=f"{where} · {END_WORDS[reason]}", dialog_id="job-end-dialog"))
        if values is None:
            raise Cancelled("Nothing recorded.")
        via = await self.ask_how(f"Job ended for {self._who()}: how did it come in?")
        recorded = "laid_off" if reason == "short_call_over" else reason
        preview = await self.fetch(views.preview_job_end, self.hall_app.store, card, recorded, at=values["at"],
                                   days_worked=values["days"])
        days = f"{preview.days_worked} days worked" + (" (counted from the start)" if preview.counted else "")
        sentence = (f"Record that {self._who()} left {where}: {END_WORDS[reason]}, ended "
                    f"{short_date(preview.end_at, self.hall_app.zone)}, {days}, {via_phrase(via)}.\n"
                    f"{self.sentence(preview.effect)}")
        if not await self.ask(ConfirmDialog(Text(sentence), title="Job ended")):
            raise Cancelled("Nothing recorded.")
        receipt = await self.commit(self.session.end_job, card, recorded, days_worked=preview.days_worked,
                                    at=f"{preview.end_at.astimezone(self.hall_app.zone):%Y-%m-%d %H:%M}", via=via)
        places = await self.fetch(views.positions_of, self.hall_app.store, card)
        now_at = "; ".join(f"position {p.position} of {p.of} on {p.book}" for p in places if p.position)
        self.show_receipt(f"Job end recorded {self._at(receipt)}", receipt,
                          self.sentence(receipt.message) + (f" · now {now_at}" if now_at else ""))
        self.reload()

    @flow
    async def action_certification(self) -> None:
        card, _ = self._loaded()
        values = await self.ask(FormDialog(f"Certification for {self._who()}", [
            Field("name", "Certification (new, or one held: its expiry is updated)", "e.g. OSHA-30"),
            Field("expires", "Expires", "blank: does not expire", required=False, kind="day", span=CERT_EXPIRY),
        ]))
        if not values:
            raise Cancelled("Nothing recorded.")
        receipt = await self.commit(self.session.set_certification, card, values["name"],
                                    expires=values["expires"] or None)
        self._finished(f"Certification {values['name']} recorded", receipt)

    @flow
    async def action_reinstate(self) -> None:
        card, info = self._loaded()
        self.session.require("reinstate")
        values = await self.ask(FormDialog(f"Reinstate {self._who()}", [
            Field("reason", "Reason", "e.g. appeal upheld"),
            Field("authority", "Authority (appeal number or ruling)", "e.g. Appeal 2026-14", required=False),
        ], sentence=f"Suspended: {clean(info.member.suspension_note) or 'no note'}"))
        if not values:
            raise Cancelled("Nothing recorded.")
        receipt = await self.commit(self.session.reinstate, card, values["reason"], values["authority"])
        self._finished("Reinstated", receipt)

    # --- (v2) excused absences, hours, qualifications and moves ------------------------------

    @flow
    async def action_excuse(self) -> None:
        """A new excused absence, or (one in force or ahead) end it early or, for an admin, correct it."""
        card, info = self._loaded()
        if info.excused:
            choices = [("new", "Record another excused absence")]
            for e in info.excused:
                span = f"{short_day(e.start)} to {short_day(e.until)}"
                choices.append((f"end:{e.id}", f"End early: {dict(EXCUSE_KINDS)[e.kind].lower()}, {span}"))
                if self.session.user.is_admin:
                    choices.append((f"fix:{e.id}", f"Correct: {dict(EXCUSE_KINDS)[e.kind].lower()}, {span}"))
            picked = await self.ask(ChoiceDialog(f"Excused absences of {self._who()}", choices))
            if not picked:
                raise Cancelled("Nothing recorded.")
            if picked.startswith("end:"):
                await self._end_excuse(card, int(picked[4:]))
                return
            if picked.startswith("fix:"):
                await self._correct_excuse(card, int(picked[4:]))
                return
        kind = await self.ask(ChoiceDialog(f"Excuse {self._who()}: what kind of absence? (never shown to members)",
                                           list(EXCUSE_KINDS)))
        if not kind:
            raise Cancelled("Nothing recorded.")
        values = await self.ask(FormDialog(f"Excused absence: {self._who()}", [
            Field("start", "From (the first day excused)", value=short_day(info.today), kind="day"),
            Field("until", "Until (the last day excused)", kind="day"),
            Field("evidence", "Evidence (never shown to members)", "e.g. orders 26-114, summons, doctor's note"),
        ], sentence=dict(EXCUSE_KINDS)[kind], dialog_id="excuse-dialog"))
        if not values:
            raise Cancelled("Nothing recorded.")
        preview = await self.fetch(views.preview_excuse, self.hall_app.store, card, values["start"], values["until"])
        moved = "; ".join(f"{book} re-sign due {short_day(before)} → {short_day(after)}"
                          for book, before, after in preview.dues if after != before)
        span = f"{short_day(date.fromisoformat(values['start']))} until {short_day(date.fromisoformat(values['until']))}"
        sentence = (f"Excuse {self._who()} from {span} ({dict(EXCUSE_KINDS)[kind].lower()}): the place is kept, "
                    f"passed over as \"excused\" on calls starting then, no turndowns, and the re-sign clock stops"
                    + (f": {moved}." if moved else "."))
        if not await self.ask(ConfirmDialog(Text(sentence), title="Excused absence")):
            raise Cancelled("Nothing recorded.")
        receipt = await self.commit(self.session.excuse, card, kind, values["start"], values["until"],
                                    values["evidence"])
        self._finished(f"Excused until {short_day(date.fromisoformat(values['until']))}", receipt)

    async def _end_excuse(self, card: str, excuse_id: int) -> None:
        values = await self.ask(FormDialog(f"End the excused absence of {self._who()} early", [
            Field("reason", "Why it ends early", "e.g. back from leave early"),
        ], sentence="The last day excused becomes yesterday: the re-sign clock runs again from today.",
            dialog_id="excuse-end-dialog"))
        if not values:
            raise Cancelled("Nothing recorded.")
        receipt = await self.commit(self.session.end_excuse, excuse_id, values["reason"])
        self._finished("Excused absence ended", receipt)

    async def _correct_excuse(self, card: str, excuse_id: int) -> None:
        self.session.require("correct_excuse")
        e = next(x for x in self.info.excused if x.id == excuse_id)
        values = await self.ask(FormDialog(f"Correct the excused absence of {self._who()}", [
            Field("start", "From", value=e.start.isoformat(), kind="since"),
            Field("until", "Until", value=e.until.isoformat(), kind="day"),
            Field("evidence", "Evidence", value=e.evidence),
            Field("reason", "Why it is corrected", "e.g. orders amended"),
        ], dialog_id="excuse-correct-dialog"))
        if not values:
            raise Cancelled("Nothing recorded.")
        receipt = await self.commit(self.session.correct_excuse, excuse_id, values["reason"], start=values["start"],
                                    until=values["until"], evidence=values["evidence"])
        self._finished("Excused absence corrected", receipt)

    @flow
    async def action_hours(self) -> None:
        card, info = self._loaded()
        values = await self.ask(FormDialog(f"Hours worked: {self._who()}", [
            Field("hours", "Hours", "e.g. 8"),
            Field("day", "Day worked", value=short_day(info.today), kind="since"),
            Field("employer", "Employer", "blank: not given", required=False),
        ], sentence="Hours belong to the member for the period (low-hours boards order by them).",
            dialog_id="hours-dialog"))
        if not values:
            raise Cancelled("Nothing recorded.")
        total = "" if info.period_hours is None else f"; {info.period_hours:g} hours this period before"
        sentence = (f"Record {values['hours']} hours on {short_day(date.fromisoformat(values['day']))} for "
                    f"{self._who()}" + (f" ({clean(values['employer'])})" if values["employer"] else "") + f"{total}.")
        if not await self.ask(ConfirmDialog(Text(sentence), title="Hours")):
            raise Cancelled("Nothing recorded.")
        receipt = await self.commit(self.session.add_hours, card, values["hours"], values["day"],
                                    employer=values["employer"] or "")
        self._finished("Hours recorded", receipt)

    @flow
    async def action_qualify(self) -> None:
        card, info = self._loaded()
        self.session.require("qualify")
        books = [b for b in info.rules.books if b.classification in info.member.classifications]
        if not books:
            raise Refused(f"{self._who()} has no classification with a book.")
        book = await self.ask(ChoiceDialog(f"{self._who()} qualifies for which book?",
                                           [(b.id, f"{b.id}  {clean(b.name)}") for b in books]))
        if not book:
            raise Cancelled("Nothing recorded.")
        values = await self.ask(FormDialog(f"Qualification for {book}: {self._who()}", [
            Field("evidence", "Evidence", "e.g. JW exam passed 2019; 4,000 hours in the area"),
        ], dialog_id="qualify-dialog"))
        if not values:
            raise Cancelled("Nothing recorded.")
        sentence = f"Record that {self._who()} qualifies for {book}: {clean(values['evidence'])}."
        if not await self.ask(ConfirmDialog(Text(sentence), title="Qualification")):
            raise Cancelled("Nothing recorded.")
        receipt = await self.commit(self.session.qualify, card, book, values["evidence"])
        self._finished(f"Qualified for {book}", receipt)

    @flow
    async def action_move(self) -> None:
        card, info = self._loaded()
        self.session.require("move")
        if not info.movable:
            raise Refused(f"{self._who()} is not waiting on a book that has another of its classification.")
        book = await self.ask(ChoiceDialog(f"Move {self._who()} to which book?",
                                           [(b.id, f"{b.id}  {clean(b.name)}") for b in info.movable]))
        if not book:
            raise Cancelled("Nothing recorded.")
        values = await self.ask(FormDialog(f"Move {self._who()} to {book}", [
            Field("reason", "Reason", "e.g. qualified for Book I (exam 2026-11-02)"),
        ], dialog_id="move-dialog"))
        if not values:
            raise Cancelled("Nothing recorded.")
        target = info.rules.book(book)
        old = next(b.book for b in info.books if b.status == "waiting"
                   and info.rules.book(b.book).classification == target.classification)
        sentence = (f"Move {self._who()} from {old} to {book}: the place on {old} is removed (\"moved to {book}\") "
                    f"and {book} starts now, at the bottom.")
        if not await self.ask(ConfirmDialog(Text(sentence), title="Move to another book")):
            raise Cancelled("Nothing recorded.")
        receipt = await self.commit(self.session.move, card, book, values["reason"])
        self._finished(f"Moved to {book}", receipt)
