"""Servers on 127.0.0.1 that notices are delivered to in the tests: a mail server (``aiosmtpd``)
and a Twilio-style text gateway (``http.server``) that can fail, or hold a request open."""

from __future__ import annotations

import base64
import socket
import threading
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from aiosmtpd.controller import Controller

from hall.notices.settings import Settings

ACCOUNT, TOKEN, SENDER = "AC-test", "gateway-secret-token", "+15550009999"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpSink:
    """An SMTP server keeping every message it accepts (``messages``)."""

    def __init__(self):
        self.messages: list[Message] = []
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        self.messages.append(message_from_bytes(envelope.original_content))
        return "250 OK"

    def __enter__(self) -> "SmtpSink":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


class Gateway:
    """A text gateway: each POST's form, headers and basic auth in ``received``. ``fail`` answers
    the next that many requests 503; ``hold_at`` holds the request of that number (1-based)
    open until ``release`` is set, after setting ``held``."""

    def __init__(self, fail: int = 0, hold_at: int | None = None):
        self.received: list[dict] = []
        self.fail = fail
        self.hold_at = hold_at
        self.held = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                auth = base64.b64decode(self.headers.get("Authorization", "Basic ").split()[-1] or b"").decode()
                with gateway.lock:
                    gateway.received.append({"form": form, "key": self.headers.get("Idempotency-Key"),
                                             "auth": auth, "path": self.path})
                    number = len(gateway.received)
                    failing = gateway.fail > 0
                    if failing:
                        gateway.fail -= 1
                if gateway.hold_at == number:
                    gateway.held.set()
                    gateway.release.wait(30)
                self.send_response(503 if failing else 201)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"message": "try later"}' if failing else b'{"sid": "SM1"}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/2010-04-01/Accounts/{ACCOUNT}/Messages.json"

    def keys(self) -> list[str]:
        return [r["key"] for r in self.received]

    def __enter__(self) -> "Gateway":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def settings_for(smtp: SmtpSink | None = None, gateway: Gateway | None = None, **more) -> Settings:
    """Settings that send to these servers (no quiet hours unless given)."""
    values = {"quiet": None, "timeout_seconds": 5.0}
    if smtp is not None:
        values.update(smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_from="hall@local-1.example",
                      smtp_starttls=False)
    if gateway is not None:
        values.update(sms_url=gateway.url, sms_account=ACCOUNT, sms_token=TOKEN, sms_from=SENDER)
    return Settings(**{**values, **more})


def environment_for(smtp: SmtpSink | None = None, gateway: Gateway | None = None) -> dict[str, str]:
    """The same settings as ``hall notify run`` reads them from its environment."""
    env = {"HALL_NOTIFY_QUIET_HOURS": "off"}
    if smtp is not None:
        env.update(HALL_SMTP_HOST="127.0.0.1", HALL_SMTP_PORT=str(smtp.port), HALL_SMTP_FROM="hall@local-1.example",
                   HALL_SMTP_STARTTLS="0")
    if gateway is not None:
        env.update(HALL_SMS_URL=gateway.url, HALL_SMS_ACCOUNT=ACCOUNT, HALL_SMS_TOKEN=TOKEN, HALL_SMS_FROM=SENDER)
    return env
