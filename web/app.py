"""The members' web application: routes, and what each page reads and writes.

Public: the job board (``/``, ``/api/jobs``) and the audit heads (``/heads``, ``/api/heads``).
After card and PIN: ``/me`` (books, re-sign, open and recent calls), ``/notices``, ``/pin``,
and ``POST /logout``. Reads go through ``hall.views.web`` on a connection that cannot write;
writes only through the self-service operations, as ``member:CARD`` via ``web``. Every
refusal is one sentence on the page; errors show a page that says nothing of the inside.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from hall.errors import HallError
from hall.operations import selfservice, websessions
from hall.store import Store
from hall.views import web as views
from web import security
from web.security import FORM_COOKIE, FORM_FIELD, SESSION_COOKIE, LastUse, SecurityHeaders, cookie_options
from web.cache import ReadCache
from web.text import install_filters

HERE = Path(__file__).parent
IDLE_MINUTES = 15
ENDED = "Your session ended (logged out, or a while without use): log in again with your card and PIN."
log = logging.getLogger("hall.web")


class Refused(Exception):
    """A request the page answers with one sentence (a bad form, a missing CSRF token)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


class WebApp:
    """The application's state: the store, the templates, the sessions' last use."""

    def __init__(self, store: Store, *, idle_minutes: int = IDLE_MINUTES):
        self.store = store
        self.idle_minutes = idle_minutes
        self.last_use = LastUse(timedelta(minutes=idle_minutes))
        self.cache = ReadCache()
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        install_filters(self.templates.env)
        with store.reading(read_only=True) as read:  # refuses a missing or older database with a sentence
            self.hall_name = read.rules.hall.name

    # --- rendering ------------------------------------------------------------------------

    def page(self, request: Request, name: str, context: dict, status: int = 200) -> Response:
        values = {"hall_name": self.hall_name, "member": None, "csrf": "", "message": "", "error": "",
                  "rules": None, **context}
        return self.templates.TemplateResponse(request, name, values, status_code=status)

    def refused(self, request: Request, message: str, status: int) -> Response:
        return self.page(request, "refused.html", {"title": "Not done", "error": message}, status)

    # --- sessions ---------------------------------------------------------------------------

    def session(self, request: Request) -> websessions.WebSession | None:
        """The member logged in on this request (None: nobody, or a session that ended)."""
        secret = request.cookies.get(SESSION_COOKIE, "")
        if not secret:
            return None
        try:
            found = websessions.session_member(self.store, secret)
        except websessions.SessionEnded:
            return None
        if self.last_use.idle_since(found.id, found.created, self.store.now()):
            try:
                websessions.end_idle(self.store, secret, actor=found.actor, minutes=self.idle_minutes)
            except HallError:
                pass  # already ended, or the card is locked: either way it is over
            return None
        return found

    async def form(self, request: Request, *, csrf: str) -> dict[str, str]:
        """The posted form's fields (one value each), after its CSRF token is checked."""
        length = request.headers.get("content-length", "")
        if length and (not length.isdigit() or int(length) > security.MAX_FORM_BYTES):
            raise Refused("That form is too large.", 413)
        body = await request.body()
        if len(body) > security.MAX_FORM_BYTES:
            raise Refused("That form is too large.", 413)
        try:
            fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=20)
        except (UnicodeDecodeError, ValueError):
            raise Refused("That form could not be read: please try again.") from None
        values = {k: v[0] for k, v in fields.items()}
        if not security.same(values.get(FORM_FIELD), csrf):
            raise Refused("This form has expired or did not come from this site: please load the page and try again.",
                          403)
        return values


def _member_only(handler):
    """A page for a logged-in member: others go to the log-in page."""

    async def run(request: Request) -> Response:
        web: WebApp = request.app.state.web
        found = await run_in_threadpool(web.session, request)
        if found is None:
            if not request.cookies.get(SESSION_COOKIE):
                return RedirectResponse("/login", status_code=303)
            response = RedirectResponse("/login?ended=1", status_code=303)
            response.delete_cookie(SESSION_COOKIE, **cookie_options(request))
            return response
        secret = request.cookies[SESSION_COOKIE]
        try:
            return await handler(request, web, found, websessions.csrf_token(secret))
        except Refused as refusal:
            return web.refused(request, str(refusal), refusal.status)

    run.__name__ = handler.__name__
    return run


# --- public pages -----------------------------------------------------------------------------


def _read(web: WebApp, view, *args):
    """``view(read, *args)`` and the rules, read once per audit head and minute (``web.cache``)."""
    with web.store.reading(read_only=True) as read:
        key = (view.__name__, args, views.head_seq(read), read.now.replace(second=0, microsecond=0))
        return web.cache.get(key, lambda: (view(read, *args), read.rules))


def _public(view, template: str, title: str, name: str):
    """A public page and its JSON twin, both from ``view`` (read once per head and minute)."""

    async def page(request: Request) -> Response:
        web: WebApp = request.app.state.web
        found, rules = await run_in_threadpool(_read, web, view)
        return web.page(request, template, {"title": title, name: found, "stamp": found.stamp, "rules": rules})

    async def data(request: Request) -> Response:
        found, _ = await run_in_threadpool(_read, request.app.state.web, view)
        return JSONResponse(found.to_dict())

    return page, data


# --- logging in and out ---------------------------------------------------------------------------


async def login(request: Request) -> Response:
    web: WebApp = request.app.state.web
    if request.method == "GET":
        if await run_in_threadpool(web.session, request) is not None:
            return RedirectResponse("/me", status_code=303)
        ended = request.query_params.get("ended") == "1"
        return _login_page(request, web, "", notice=ENDED if ended else "")
    try:
        fields = await web.form(request, csrf=request.cookies.get(FORM_COOKIE, ""))
    except Refused as refusal:
        return _login_page(request, web, str(refusal), refusal.status)
    card, pin = fields.get("card", "").strip(), fields.get("pin", "").strip()
    if not card or not pin:
        return _login_page(request, web, "Type your card number and your PIN.", 400, card=card)
    if len(card) > 20 or len(pin) > 12:
        return _login_page(request, web, selfservice.REFUSED, 400)
    try:
        secret, _ = await run_in_threadpool(websessions.log_in, web.store, card, pin)
    except HallError as refusal:
        return _login_page(request, web, str(refusal), 400, card=card)
    response = RedirectResponse("/me", status_code=303)
    response.set_cookie(SESSION_COOKIE, secret, **cookie_options(request))
    response.delete_cookie(FORM_COOKIE, **cookie_options(request))
    return response


def _login_page(request: Request, web: WebApp, error: str, status: int = 200, *, card: str = "",
                notice: str = "") -> Response:
    token = security.new_form_token()
    response = web.page(request, "login.html", {"title": "Log in", "csrf": token, "error": error, "card": card,
                                                "message": notice}, status)
    response.set_cookie(FORM_COOKIE, token, max_age=3600, **cookie_options(request))
    return response


@_member_only
async def logout(request: Request, web: WebApp, found, csrf: str) -> Response:
    await web.form(request, csrf=csrf)
    secret = request.cookies[SESSION_COOKIE]
    try:
        await run_in_threadpool(websessions.log_out, web.store, secret, actor=found.actor)
    except HallError:
        pass  # ended already (or the card locked meanwhile): the cookie goes either way
    web.last_use.forget(found.id)
    response = web.page(request, "logged_out.html", {"title": "Logged out"})
    response.delete_cookie(SESSION_COOKIE, **cookie_options(request))
    return response


# --- the member's own pages -------------------------------------------------------------------------


def _member_context(web: WebApp, found, csrf: str) -> dict:
    mine, rules = _read(web, views.member_page, found.actor.name)
    return {"page": mine, "view": mine.view, "stamp": mine.stamp, "rules": rules, "csrf": csrf,
            "member": mine.view, "message": web.last_use.take_flash(found.id)}


@_member_only
async def me(request: Request, web: WebApp, found, csrf: str) -> Response:
    context = await run_in_threadpool(_member_context, web, found, csrf)
    return web.page(request, "me.html", {"title": "My books", **context})


@_member_only
async def resign(request: Request, web: WebApp, found, csrf: str) -> Response:
    fields = await web.form(request, csrf=csrf)
    book = fields.get("book", "").strip() or None
    try:
        receipt = await run_in_threadpool(
            lambda: selfservice.resign(web.store, actor=found.actor, book_id=book, via=selfservice.WEB))
    except HallError as refusal:
        context = await run_in_threadpool(_member_context, web, found, csrf)
        return web.page(request, "me.html", {"title": "My books", **context, "error": str(refusal)}, 409)
    web.last_use.flash(found.id, f"{receipt.message} Receipt #{receipt.seq}.")
    return RedirectResponse("/me", status_code=303)


@_member_only
async def notices(request: Request, web: WebApp, found, csrf: str) -> Response:
    error, status = "", 200
    if request.method == "POST":
        fields = await web.form(request, csrf=csrf)
        try:
            receipt = await run_in_threadpool(lambda: selfservice.set_notices(
                web.store, actor=found.actor, channel=fields.get("channel", ""), via="web"))
        except HallError as refusal:
            error, status = str(refusal), 400
        else:
            web.last_use.flash(found.id, f"{receipt.message} Receipt #{receipt.seq}.")
            return RedirectResponse("/notices", status_code=303)
    context = await run_in_threadpool(_member_context, web, found, csrf)
    return web.page(request, "notices.html", {"title": "Notices", **context, "error": error,
                                              "channels": selfservice.NOTICE_CHANNELS}, status)


@_member_only
async def pin(request: Request, web: WebApp, found, csrf: str) -> Response:
    error, status = "", 200
    if request.method == "POST":
        fields = await web.form(request, csrf=csrf)
        current, new, again = (fields.get(k, "").strip() for k in ("current", "new", "again"))
        if not current or not new:
            error, status = "Type your PIN now and the new PIN twice.", 400
        elif new != again:
            error, status = "The two new PINs differ: nothing was changed.", 400
        else:
            try:
                receipt = await run_in_threadpool(
                    lambda: selfservice.change_pin(web.store, actor=found.actor, current=current, new=new,
                                                   via=selfservice.WEB))
            except HallError as refusal:
                error, status = str(refusal), 400
            else:
                web.last_use.flash(found.id, f"{receipt.message} Receipt #{receipt.seq}.")
                return RedirectResponse("/me", status_code=303)
    context = await run_in_threadpool(_member_context, web, found, csrf)
    return web.page(request, "pin.html", {"title": "Change PIN", **context, "error": error}, status)


# --- errors -----------------------------------------------------------------------------------------


async def not_found(request: Request, exc: Exception) -> Response:
    web: WebApp = request.app.state.web
    status = getattr(exc, "status_code", 404)
    if status == 405:
        return web.refused(request, "That page cannot be used that way.", 405)
    return web.page(request, "error.html", {"title": "Not found",
                                            "error": "There is no such page here."}, 404)


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("hall web: an error on %s", request.url.path, exc_info=exc)
    web: WebApp = request.app.state.web
    return web.page(request, "error.html", {"title": "Something went wrong",
                                            "error": "Something went wrong on our side: please try again, "
                                                     "or ask at the window."}, 500)


async def sms_reply(request: Request) -> Response:
    """The text gateway's callback (``POST /notify/sms``): a reply of STOP turns that number's texts
    off. Signed with the gateway's shared secret (``HALL_SMS_TOKEN``), checked by
    ``hall.notices.replies``; no session and no CSRF token (the gateway is not a browser)."""
    from hall.notices import replies
    from hall.notices.settings import load_settings

    web: WebApp = request.app.state.web
    body = await request.body()
    if len(body) > security.MAX_FORM_BYTES:
        return Response("That form is too large.", 413, media_type="text/plain")
    try:
        fields = {k: v[0] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True,
                                                 max_num_fields=40).items()}
        settings = load_settings()
    except (UnicodeDecodeError, ValueError):
        return Response("That form could not be read.", 400, media_type="text/plain")
    except HallError as error:
        return Response(str(error), 503, media_type="text/plain")
    try:
        reply = await run_in_threadpool(replies.sms_reply, web.store, settings, url=str(request.url), form=fields,
                                        signature_header=request.headers.get("x-twilio-signature", ""))
    except HallError as error:
        return Response(str(error), 503, media_type="text/plain")
    return Response(reply.body, reply.status, media_type=reply.content_type)


def create_app(store: Store, *, idle_minutes: int = IDLE_MINUTES) -> Starlette:
    """The ASGI application for ``hall web`` on ``store``."""
    board, board_json = _public(views.job_board, "board.html", "Job board", "board")
    heads, heads_json = _public(views.audit_heads, "heads.html", "Audit heads", "heads")
    routes = [
        Route("/", board, methods=["GET"]),
        Route("/api/jobs", board_json, methods=["GET"]),
        Route("/heads", heads, methods=["GET"]),
        Route("/api/heads", heads_json, methods=["GET"]),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/me", me, methods=["GET"]),
        Route("/me/resign", resign, methods=["POST"]),
        Route("/notices", notices, methods=["GET", "POST"]),
        Route("/pin", pin, methods=["GET", "POST"]),
        Route("/notify/sms", sms_reply, methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)],
                    exception_handlers={HTTPException: not_found, Exception: server_error})
    app.state.web = WebApp(store, idle_minutes=idle_minutes)
    return app
