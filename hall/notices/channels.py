"""Sending one notice: email through SMTP (``smtplib``), a text through one HTTP gateway (a
Twilio-style form POST of ``To``, ``From`` and ``Body`` with the account and token as basic
authentication, through ``httpx``).

A failure is ``SendFailed``: ``definite`` when the notice certainly did not go (no
connection, or the server answered no), so it is tried again; otherwise the outcome is
unknown (the connection broke while the message was being handed over) and it is not sent
again by itself. Each message carries its notice's key (the email's ``Message-ID``, the
gateway's ``Idempotency-Key`` header) so a server that remembers keys can drop a repeat.
Errors never repeat a password or token.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate

import httpx

from hall.notices.settings import Settings


class SendFailed(Exception):
    """A notice did not go (``definite``) or may have gone (not ``definite``); ``str`` is the
    error as the board shows it."""

    def __init__(self, error: str, *, definite: bool = True):
        super().__init__(error)
        self.definite = definite


def _clean(text: str, settings: Settings) -> str:
    for secret in settings.secrets():
        text = text.replace(secret, "(secret)")
    text = " ".join(text.split())
    return text[:300]


def send_email(settings: Settings, to: str, subject: str, body: str, key: str) -> None:
    """Hand one email to the mail server."""
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    domain = settings.smtp_from.rpartition("@")[2] or "hall.invalid"
    message["Message-ID"] = f"<{key}@{domain}>"
    message.set_content(body)
    try:
        if settings.smtp_port == 465:
            server = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=settings.timeout_seconds,
                                      context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.timeout_seconds)
    except (OSError, smtplib.SMTPException) as error:
        raise SendFailed(_clean(f"cannot reach the mail server {settings.smtp_host}:{settings.smtp_port} "
                                f"({error.__class__.__name__}: {error})", settings)) from None
    try:
        try:
            if settings.smtp_starttls and settings.smtp_port != 465:
                server.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                server.login(settings.smtp_user, settings.smtp_password)
        except (OSError, smtplib.SMTPException) as error:
            raise SendFailed(_clean(f"the mail server refused the connection ({error.__class__.__name__}: "
                                    f"{error})", settings)) from None
        try:
            refused = server.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            raise SendFailed(_clean(f"the mail server refused {to}: {error.recipients.get(to, error)}",
                                    settings)) from None
        except smtplib.SMTPResponseException as error:
            raise SendFailed(_clean(f"the mail server answered {error.smtp_code} "
                                    f"{error.smtp_error!r}", settings)) from None
        except (OSError, smtplib.SMTPException) as error:
            raise SendFailed(_clean(f"the connection to the mail server broke while sending "
                                    f"({error.__class__.__name__}: {error})", settings), definite=False) from None
        if refused:
            raise SendFailed(_clean(f"the mail server refused {to}: {refused}", settings))
    finally:
        try:
            server.quit()
        except (OSError, smtplib.SMTPException):
            server.close()


def send_sms(settings: Settings, to: str, text: str, key: str, client: httpx.Client | None = None) -> None:
    """Post one text message to the gateway."""
    data = {"To": to, "From": settings.sms_from, "Body": text}
    auth = (settings.sms_account, settings.sms_token) if settings.sms_account or settings.sms_token else None
    own = client is None
    client = client or httpx.Client(timeout=settings.timeout_seconds)
    try:
        response = client.post(settings.sms_url, data=data, auth=auth, headers={"Idempotency-Key": key})
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol, httpx.InvalidURL) as error:
        raise SendFailed(_clean(f"cannot reach the text gateway ({error.__class__.__name__}: {error})",
                                settings)) from None
    except httpx.HTTPError as error:
        raise SendFailed(_clean(f"the connection to the text gateway broke while sending "
                                f"({error.__class__.__name__}: {error})", settings), definite=False) from None
    finally:
        if own:
            client.close()
    if response.status_code >= 300:
        raise SendFailed(_clean(f"the text gateway answered {response.status_code}: {response.text}", settings))
