"""``hall web``: the members' pages for a phone at home, plain server-rendered HTML.

A face like ``screens/``, above ``hall/`` (which imports neither Starlette nor Textual):
Starlette routes and Jinja2 templates, served by uvicorn. Reads through ``hall.views``;
writes only through the self-service operations (``member:CARD``, via ``web``).
"""

from __future__ import annotations

from hall.store import Store


def run_web(store: Store, *, host: str = "127.0.0.1", port: int = 8080, behind_proxy: bool = False,
            idle_minutes: int | None = None) -> None:
    """Serve the members' pages until stopped. ``behind_proxy``: trust the reverse proxy's
    X-Forwarded-Proto and X-Forwarded-For (from 127.0.0.1 only), so cookies are Secure over TLS."""
    import uvicorn

    from web.app import IDLE_MINUTES, create_app

    app = create_app(store, idle_minutes=idle_minutes or IDLE_MINUTES)
    uvicorn.run(app, host=host, port=port, proxy_headers=behind_proxy, forwarded_allow_ips="127.0.0.1",
                server_header=False, date_header=True, log_level="info", access_log=False)
