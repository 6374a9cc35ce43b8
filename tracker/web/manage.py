"""Managing what is watched over HTTP: pause and resume a source or an article, remove
an article (its history kept). Two doors to the same actions:

- the API (`POST /api/...`), with `Authorization: Bearer <web.token>`;
- the pages' forms, after a sign-in (`/sign-in`) that turns the token into an HttpOnly,
  SameSite=Strict session cookie (`<nonce>.<HMAC(token, nonce)>`: the token itself
  never leaves the form it is typed in). Every form carries a CSRF value bound to that
  session (HMAC(token, "csrf:" + nonce)); a form without it, or with another, is 403.

`GuardedWrites` (tracker.web) lets no write in without the bearer token, a session
cookie (forms) or the sign-in form itself, and bounds every body before it is read.
Forms are plain HTML posts: the Content-Security-Policy still runs no script.
"""

import hmac
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.store import watching
from tracker.store.models import Article, Source
from tracker.web.articles import authorized
from tracker.web.common import COOKIE, ArticleIdPath, Db, SourcePath, config_of, csrf_of, render, sign

router = APIRouter()


async def form_of(request: Request) -> dict[str, str]:
    """The fields of a urlencoded form (the body is bounded by GuardedWrites)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return {key: values[0] for key, values in parse_qs(body).items()}


def _back(form: dict[str, str], default: str) -> str:
    """Where to go after a form: a path of this site only, never another site."""
    target = form.get("next", "")
    return target if target.startswith("/") and not target.startswith(("//", "/\\")) else default


async def checked_form(request: Request) -> dict[str, str]:
    """The form, once its session and CSRF value are checked (403 otherwise)."""
    form = await form_of(request)
    expected = csrf_of(request)
    if expected is None:
        raise HTTPException(403, "sign in first (/sign-in): managing needs the token")
    if not hmac.compare_digest(form.get("csrf", ""), expected):
        raise HTTPException(403, "the form's CSRF value is missing or wrong: reload the page and try again")
    return form


Form = Annotated[dict[str, str], Depends(checked_form)]


@router.get("/sign-in", response_class=HTMLResponse, include_in_schema=False)
def page_sign_in(request: Request, next: str = "/sources") -> HTMLResponse:
    return render(request, "sign-in.html.j2", next=_back({"next": next}, "/sources"), failed=False)


@router.post("/sign-in", include_in_schema=False, response_model=None)
async def sign_in(request: Request) -> HTMLResponse | RedirectResponse:
    """The token typed in the form becomes a session cookie (never the token itself)."""
    token = config_of(request).web.token
    form = await form_of(request)
    if token is None or not hmac.compare_digest(form.get("token", "").encode(), token.encode()):
        page = render(request, "sign-in.html.j2", next=_back(form, "/sources"), failed=True)
        page.status_code = 401
        return page
    nonce = secrets.token_urlsafe(18)
    response = RedirectResponse(_back(form, "/sources"), status_code=303)
    response.set_cookie(
        COOKIE, f"{nonce}.{sign(token, 'session:' + nonce)}", httponly=True, samesite="strict", path="/"
    )
    return response


@router.post("/sign-out", include_in_schema=False)
def sign_out(form: Form) -> RedirectResponse:
    response = RedirectResponse(_back(form, "/"), status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return response


def _source(db: Session, name: str, action: str) -> watching.Target:
    if action not in SOURCE_ACTIONS:
        raise HTTPException(404, f"a source can be paused or resumed, not {action!r}")
    source = db.scalar(select(Source).where(Source.name == name))
    if source is None:
        raise HTTPException(404, f"no source named {name!r}")
    return watching.Target(source=source)


def _article(db: Session, article_id: int, action: str) -> watching.Target:
    if action not in ACTIONS:
        raise HTTPException(404, f"an article can be paused, resumed or removed, not {action!r}")
    article = db.get(Article, article_id)
    if article is None:
        raise HTTPException(404, f"no article {article_id}")
    return watching.Target(article=article)


def _remove(db: Session, target: watching.Target, now: datetime) -> bool:
    assert target.article is not None
    return watching.remove(db, target.article, now)


SOURCE_ACTIONS = ("pause", "resume")
ACTIONS: dict[str, Callable[[Session, watching.Target, datetime], bool]] = {
    "pause": watching.pause,
    "resume": watching.resume,
    "remove": _remove,
}


def _act(db: Session, target: watching.Target, action: str) -> dict[str, Any]:
    done = ACTIONS[action](db, target, datetime.now(UTC))
    db.commit()
    return {"target": target.label, "action": action, "changed": done}


@router.post("/sources/{name}/{action}", include_in_schema=False)
def form_source(db: Db, form: Form, name: Annotated[str, SourcePath], action: str) -> RedirectResponse:
    _act(db, _source(db, name, action), action)
    return RedirectResponse(_back(form, "/sources"), status_code=303)


@router.post("/articles/{article_id}/{action}", include_in_schema=False)
def form_article(
    db: Db, form: Form, article_id: Annotated[int, ArticleIdPath], action: str
) -> RedirectResponse:
    _act(db, _article(db, article_id, action), action)
    return RedirectResponse(_back(form, f"/articles/{article_id}"), status_code=303)


@router.post(
    "/api/sources/{name}/{action}",
    tags=["sources"],
    summary="Pause or resume a source (`action`: pause, resume); needs the bearer token",
    dependencies=[Depends(authorized)],
)
def api_source(db: Db, name: Annotated[str, SourcePath], action: str) -> dict[str, Any]:
    return _act(db, _source(db, name, action), action)


@router.post(
    "/api/articles/{article_id}/{action}",
    tags=["articles"],
    summary="Pause, resume or remove an article (`action`; its history kept); needs the bearer token",
    dependencies=[Depends(authorized)],
)
def api_article_action(db: Db, article_id: Annotated[int, ArticleIdPath], action: str) -> dict[str, Any]:
    return _act(db, _article(db, article_id, action), action)
