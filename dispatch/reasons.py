"""Why a candidate is passed over: the reason codes and their sentences.

A reason is a stable code plus parameters (dates as ISO dates); the sentence a
member reads is rendered from them, so screens may format dates their own way.
The codes are in the order of the table in referral-rules.md ("Eligibility for a
call"), the (v2) ones last: ``exempt`` (an excused absence: only its end date, never
its kind), ``not_signed_in`` (the day book) and ``not_bid`` (a posted call).
"""

from __future__ import annotations

from datetime import date

from dispatch.calendar import day_text
from dispatch.model import Reason

RESIGN_OVERDUE = "resign_overdue"
MISSING_CERT = "missing_cert"
CERT_EXPIRED = "cert_expired"
UNAVAILABLE = "unavailable"
EMPLOYER_BAR = "employer_bar"
SUSPENDED = "suspended"
ON_SHORT_CALL = "on_short_call"
EXEMPT = "exempt"  # (v2) an excused absence covers the call's start date
NOT_SIGNED_IN = "not_signed_in"  # (v2) the day book is kept and the member has not signed in
NOT_BID = "not_bid"  # (v2) the call is posted for bids and the member did not bid

REASON_CODES = (
    RESIGN_OVERDUE,
    MISSING_CERT,
    CERT_EXPIRED,
    UNAVAILABLE,
    EMPLOYER_BAR,
    SUSPENDED,
    ON_SHORT_CALL,
    EXEMPT,
    NOT_SIGNED_IN,
    NOT_BID,
)


def _iso(value: date | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# --- constructors, one per code ---------------------------------------------


def resign_overdue(due: date | str) -> Reason:
    """Passed over until the member re-signs: the re-sign was due on ``due``."""
    return Reason(RESIGN_OVERDUE, (("due", _iso(due)),))


def missing_cert(cert: str) -> Reason:
    """A certification the call or the book requires is not held."""
    return Reason(MISSING_CERT, (("cert", cert),))


def cert_expired(cert: str, expired: date | str) -> Reason:
    """A required certification is held but expires before the call starts."""
    return Reason(CERT_EXPIRED, (("cert", cert), ("expired", _iso(expired))))


def unavailable(until: date | str) -> Reason:
    """The member declared themselves unavailable through ``until`` (no personal detail)."""
    return Reason(UNAVAILABLE, (("until", _iso(until)),))


def employer_bar(employer: str, until: date | str) -> Reason:
    """The employer's no-referral request for this member is in force through ``until``."""
    return Reason(EMPLOYER_BAR, (("employer", employer), ("until", _iso(until))))


def suspended(note: str = "") -> Reason:
    """The member's referral is suspended; ``note`` says why (may be empty)."""
    return Reason(SUSPENDED, (("note", note),) if note else ())


def on_short_call(employer: str, until: date | str | None = None) -> Reason:
    """The member is working a short call (for ``employer``, expected through ``until``)."""
    params: tuple[tuple[str, str], ...] = (("employer", employer),)
    if until is not None and _iso(until):
        params += (("until", _iso(until)),)
    return Reason(ON_SHORT_CALL, params)


def exempt(until: date | str) -> Reason:
    """(v2) An excused absence covers the call's start date, through ``until``.

    Only the end date: never the kind of absence or its evidence (medical,
    military or personal detail is not for other members to read).
    """
    return Reason(EXEMPT, (("until", _iso(until)),))


def not_signed_in(day: date | str) -> Reason:
    """(v2) The hall keeps a day book and the member has not signed in for ``day``."""
    return Reason(NOT_SIGNED_IN, (("day", _iso(day)),))


def not_bid(call_id: int) -> Reason:
    """(v2) The call is posted for bids and the member did not bid on it."""
    return Reason(NOT_BID, (("call", str(call_id)),))


# --- sentences ----------------------------------------------------------------


def _render_on_short_call(reason: Reason) -> str:
    employer = reason.param("employer")
    until = reason.param("until")
    text = "working a short call"
    if employer:
        text += f" for {employer}"
    if until:
        text += f" until {until}"
    return text


def _render_suspended(reason: Reason) -> str:
    note = reason.param("note")
    return f"referral suspended: {note}" if note else "referral suspended"


def _render_not_signed_in(reason: Reason) -> str:
    day = reason.param("day")
    try:
        shown = day_text(date.fromisoformat(day))
    except ValueError:
        shown = day
    return f"not signed in for {shown}"


_SENTENCES = {
    RESIGN_OVERDUE: lambda r: f"re-sign was due {r.param('due')}",
    MISSING_CERT: lambda r: f"does not hold {r.param('cert')}",
    CERT_EXPIRED: lambda r: f"{r.param('cert')} expired {r.param('expired')}",
    UNAVAILABLE: lambda r: f"unavailable until {r.param('until')}",
    EMPLOYER_BAR: lambda r: f"no referral to {r.param('employer')} until {r.param('until')}",
    SUSPENDED: _render_suspended,
    ON_SHORT_CALL: _render_on_short_call,
    EXEMPT: lambda r: f"excused until {r.param('until')}",
    NOT_SIGNED_IN: _render_not_signed_in,
    NOT_BID: lambda r: f"did not bid on call #{r.param('call')}",
}


def render(reason: Reason) -> str:
    """The sentence a member reads for ``reason``, from its code and parameters.

    An unknown code (e.g. from a newer version's audit entry) renders as the
    code followed by its parameters rather than failing.
    """
    sentence = _SENTENCES.get(reason.code)
    if sentence is not None:
        return sentence(reason)
    if not reason.params:
        return reason.code.replace("_", " ")
    details = ", ".join(f"{key} {value}" for key, value in reason.params)
    return f"{reason.code.replace('_', ' ')} ({details})"


def render_all(reasons: tuple[Reason, ...] | list[Reason]) -> str:
    """Several reasons as one clause, joined with semicolons."""
    return "; ".join(render(reason) for reason in reasons)
