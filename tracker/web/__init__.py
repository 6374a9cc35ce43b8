"""`tracker serve`: the history in a browser, as JSON, and as Atom feeds (an entry point).

Pages are rendered on the server (Jinja2, autoescaped) and need no JavaScript;
each has a JSON twin under `/api/` with the same filters, and every listing pages
with an opaque cursor. The OpenAPI schema is at `/openapi.json`. One router a
concern (`changes`, `watch`, `articles`, `search`, `sources`, `feeds`); the queries live on
the read side (`tracker.read`); `create_app` only wires them.

Safety: article text is untrusted. Templates escape it, diffs are escaped before
they are marked up, and every response carries a Content-Security-Policy that
allows no script at all. Writing (adding, pausing, resuming, removing) needs
`Authorization: Bearer <web.token>`, or for the pages' forms a signed-in session
and each form's CSRF value (`manage`); without a configured token, writing over
HTTP is off. No endpoint
fetches a URL a visitor gives: an added article is checked by the daemon.

Rule: routers read through `tracker.read` and write through `tracker.store`;
nothing below the entry points imports this package.
"""

import hmac
import json
from collections.abc import Callable
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException

from tracker.config import Config
from tracker.read.report import environment
from tracker.web import articles, changes, feeds, manage, search, sources, watch
from tracker.web.common import COOKIE, session_nonce

__all__ = ["CSP", "create_app"]

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
CSS = Path(__file__).resolve().parents[1] / "templates" / "tracker.css"


def create_app(config: Config, sessions: sessionmaker[Session]) -> FastAPI:
    """The web application over this database."""
    app = FastAPI(
        title="tracker",
        summary="The change history of news articles: revisions, diffs, search, feeds.",
        version="1",
        docs_url=None,  # Swagger UI needs scripts the Content-Security-Policy forbids
        redoc_url=None,
    )
    app.state.config, app.state.sessions, app.state.templates = config, sessions, environment()
    app.middleware("http")(secure_headers)
    app.add_middleware(GuardedWrites, token=config.web.token, max_body=config.web.max_body_bytes)
    app.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, invalid_request)  # type: ignore[arg-type]
    for router in (
        changes.router,
        watch.router,
        articles.router,
        search.router,
        sources.router,
        feeds.router,
        manage.router,
    ):
        app.include_router(router)
    app.add_api_route("/static/tracker.css", stylesheet, include_in_schema=False)
    return app


READS = frozenset((b"GET", b"HEAD", b"OPTIONS"))


class GuardedWrites:
    """Before any request that writes is read: the token (403 when writing is off, 401
    without the right one), then the body's size (413 above `web.max_body_bytes`,
    declared or streamed). The body of a request let through is read here, bounded, and
    handed on whole; no unauthenticated body is ever read. The pages' forms (any path
    outside /api/) may instead carry a signed-in session cookie (`tracker.web.manage`,
    which checks each form's CSRF value), and the sign-in form's body, bounded, is read
    to learn the token."""

    def __init__(self, app: Any, *, token: str | None, max_body: int):
        self.app, self.token, self.max_body = app, token, max_body

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"].encode() in READS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if self.token is None:
            await _refuse(send, 403, "writing over HTTP is off: set web.token in the config to allow it")
            return
        if not self._allowed(scope["path"], headers):
            await _refuse(send, 401, "a valid bearer token is needed", {"WWW-Authenticate": "Bearer"})
            return
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_body:
            await _refuse(send, 413, f"the body is larger than web.max_body_bytes ({self.max_body})")
            return
        body, more = bytearray(), True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_body:
                await _refuse(send, 413, f"the body is larger than web.max_body_bytes ({self.max_body})")
                return
        sent = False

        async def replay() -> Any:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)

    def _allowed(self, path: str, headers: dict[bytes, bytes]) -> bool:
        """The bearer token; or, for a page's form, a session cookie or the sign-in itself."""
        assert self.token is not None
        scheme, _, given = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), self.token.encode()):
            return True
        if path.startswith("/api/"):
            return False
        if path == "/sign-in":
            return True
        cookies = SimpleCookie(headers.get(b"cookie", b"").decode("latin-1"))
        cookie = cookies.get(COOKIE)
        return session_nonce(self.token, cookie.value if cookie else None) is not None


async def _refuse(send: Any, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    raw += [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff")]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def secure_headers(request: Request, call_next: Callable[[Request], Any]) -> Response:
    response: Response = await call_next(request)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


async def http_error(request: Request, error: StarletteHTTPException) -> Response:
    if request.url.path.startswith(("/api/", "/feeds/")):
        return JSONResponse({"detail": error.detail}, status_code=error.status_code, headers=error.headers)
    template = request.app.state.templates.get_template("error.html.j2")
    body = template.render(status=error.status_code, detail=error.detail)
    return HTMLResponse(body, status_code=error.status_code, headers=error.headers)


async def invalid_request(request: Request, error: RequestValidationError) -> Response:
    """A 422 that says where and why, without echoing the input: a body may hold what JSON
    cannot carry back (NaN, Infinity) or far more than an error needs to repeat."""
    detail = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in error.errors()]
    return JSONResponse({"detail": detail}, status_code=422)


def stylesheet() -> Response:
    return Response(CSS.read_text(encoding="utf-8"), media_type="text/css")
