"""A member's text reply, from the gateway's callback: STOP turns their texts off.

The gateway posts the reply as a form (``From``, ``Body``, ...) to the hall's web, signed
the Twilio way: ``X-Twilio-Signature`` is the base64 HMAC-SHA1, keyed with the account's
token (``HALL_SMS_TOKEN``, the secret the hall and the gateway share), of the full URL it
posted to followed by each form field's name and value, sorted by name. The web mounts
``sms_reply`` at ``POST /notify/sms`` (``hall/`` imports no web framework: the route
hands it the URL, the form and the header, and sends back what it returns).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from typing import Mapping

from hall.identity import SYSTEM
from hall.notices.settings import Settings

ROUTE = "/notify/sms"
EMPTY_REPLY = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


@dataclass(frozen=True, slots=True)
class Reply:
    """What the web answers the gateway: a status, a content type and a body."""

    status: int
    content_type: str
    body: str


def signature(token: str, url: str, form: Mapping[str, str]) -> str:
    """The signature a gateway holding ``token`` sends for ``form`` posted to ``url``."""
    payload = url + "".join(f"{name}{form[name]}" for name in sorted(form))
    digest = hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def sms_reply(store, settings: Settings, *, url: str, form: Mapping[str, str], signature_header: str) -> Reply:
    """Handle one callback: refuse one not signed with the shared secret (403, nothing
    written); on STOP (or STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT), turn texts off for the
    members at that number; any other reply is acknowledged and nothing is written. The answer
    is an empty TwiML response: the gateway confirms an opt-out to the member itself."""
    from hall.operations.notices import STOP_WORDS, stop_texts

    if not settings.sms_token:
        return Reply(503, "text/plain", "Text replies are not set up on this hall (HALL_SMS_TOKEN).")
    expected = signature(settings.sms_token, url, form)
    if not signature_header or not hmac.compare_digest(expected.encode(), signature_header.encode()):
        return Reply(403, "text/plain", "The signature does not match.")
    words = (form.get("Body") or "").strip().upper().split()
    if not words or words[0] not in STOP_WORDS:
        return Reply(200, "text/xml", EMPTY_REPLY)
    # The gateway itself confirms an opt-out to the member (and would refuse a message of ours now).
    stop_texts(store, (form.get("From") or "").strip(), actor=SYSTEM)
    return Reply(200, "text/xml", EMPTY_REPLY)
