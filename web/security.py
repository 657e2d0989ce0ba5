"""What keeps members' pages theirs: the session cookie, its idle end, CSRF tokens, the headers.

The cookie holds a session's random secret (``hall.operations.websessions``: the database
keeps only its hash). The moment of last use is kept here, in the process, so reading a
page writes nothing; a process that restarts knows no last use and counts from the log-in.
Every form carries a CSRF token: a session's is derived from its secret; the log-in form's
is a random value also set in a short cookie (both SameSite=Strict, so another site's page
can post neither).
"""

from __future__ import annotations

import hmac
import secrets
import threading
from datetime import datetime, timedelta

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SESSION_COOKIE = "hall_session"
FORM_COOKIE = "hall_form"
FORM_FIELD = "csrf"
MAX_FORM_BYTES = 4096

CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}


class SecurityHeaders:
    """ASGI middleware: the Content-Security-Policy (no script at all, no inline style) and friends
    on every response; ``no-store`` on every page but the stylesheet; HSTS over TLS."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope.get("path", "").startswith("/static/")
        tls = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.decode("latin-1").lower() not in HEADERS]
                headers += [(k.encode(), v.encode()) for k, v in HEADERS.items()]
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                if tls:
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def cookie_options(request: Request) -> dict:
    """HttpOnly, SameSite=Strict, path /; Secure when the request came over TLS (directly or, with
    ``--behind-proxy``, as the proxy says)."""
    return {"httponly": True, "samesite": "strict", "secure": request.url.scheme == "https", "path": "/"}


def new_form_token() -> str:
    """The log-in form's CSRF value (also set as a cookie)."""
    return secrets.token_urlsafe(24)


def same(a: str | None, b: str | None) -> bool:
    """Two tokens equal, compared in constant time (a missing one never matches)."""
    return bool(a) and bool(b) and hmac.compare_digest(str(a).encode(), str(b).encode())


class LastUse:
    """When each session (by id) was last used, and its one message for the next page; in memory."""

    def __init__(self, idle: timedelta):
        self.idle = idle
        self._used: dict[int, datetime] = {}
        self._flash: dict[int, str] = {}
        self._lock = threading.Lock()

    def idle_since(self, session_id: int, created: datetime, now: datetime) -> bool:
        """True when the session went unused for the idle time (counting from the log-in when this
        process has not seen it); otherwise it counts as used now."""
        with self._lock:
            last = self._used.get(session_id, created)
            if now - last >= self.idle:
                self._used.pop(session_id, None)
                return True
            self._used[session_id] = now
            return False

    def forget(self, session_id: int) -> None:
        with self._lock:
            self._used.pop(session_id, None)
            self._flash.pop(session_id, None)

    def flash(self, session_id: int, message: str) -> None:
        """A sentence for the next page this session loads (a receipt after a change)."""
        with self._lock:
            self._flash[session_id] = message

    def take_flash(self, session_id: int) -> str:
        with self._lock:
            return self._flash.pop(session_id, "")
