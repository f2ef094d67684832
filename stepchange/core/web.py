"""Small pieces every page controller uses."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from litestar.enums import ScopeType
from litestar.response import Redirect
from litestar.status_codes import HTTP_303_SEE_OTHER
from litestar.types import ASGIApp, Receive, Scope, Send


def see_other(path: str) -> Redirect:
    """After a form is accepted: 303 to the page that shows the result (POST, redirect, GET)."""
    return Redirect(path, status_code=HTTP_303_SEE_OTHER)


def without_empty_values(query: bytes) -> bytes:
    """A query string without its empty values (``?identity=&q=`` is ``?``): a form's "Any" option, or a
    box left blank, means "no filter" for every list, page or API, whatever type the parameter has."""
    pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    kept = [(name, value) for name, value in pairs if value.strip()]
    return query if len(kept) == len(pairs) else urlencode(kept).encode("latin-1")


def drop_empty_query_values(app: ASGIApp) -> ASGIApp:
    """Middleware: every request's query string :func:`without_empty_values`, before anything reads it."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP and scope.get("query_string"):
            scope["query_string"] = without_empty_values(scope["query_string"])
        await app(scope, receive, send)

    return middleware
