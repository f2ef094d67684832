"""The anonymous fast path: public GETs answered from bytes already made, outside Litestar's routing.

A visitor without a session asking for ``/health`` or a public list already rendered for the current
data needs none of the per-request machinery every other request goes through: routing, the session,
CSRF and authentication middleware, the transaction scope, parameter parsing and validation, building
a response object. Together they cost several times the work of sending the bytes (bench/RESULTS.md).
:class:`AnonymousFastPath` wraps the application's ASGI handler and answers such a request itself,
with exactly the response the full stack would give:

- the same body and ``content-type``/``content-length`` (the answers are the bytes the full stack
  rendered, looked up under the same key its handler uses; a page's CSP nonce is made here, per request);
- the same ``csrftoken`` cookie, decided by :meth:`CsrfTokens.for_visitor` as the CSRF middleware does
  for a visitor without a session;
- the security headers, which the app's ``before_send`` hook adds to every response, this one too.

Anything it is not sure of goes the full way: a session cookie (signed in, or one to clear), another
method, a query string with a parameter it does not know, a repeated or malformed value, or bytes not
yet rendered for the current data (the full stack renders and keeps them for the next request), or a
door that fails (the full stack answers that failure as it answers any other).
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import parse_qsl

from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPResponseBodyEvent, HTTPResponseStartEvent, HTTPScope, Receive, Scope, Send

from stepchange.core.csrf import CSRF_COOKIE, CsrfTokens, csrf_cookie
from stepchange.core.security import NONCE_KEY
from stepchange.core.web import without_empty_values

JSON = b"application/json"
HTML = b"text/html; charset=utf-8"


@dataclass(frozen=True)
class FastAnswer:
    """A response's body and ``content-type`` header value."""

    body: bytes
    content_type: bytes


Query = Mapping[str, str]
FastDoor = Callable[[Query, str], Awaitable[FastAnswer | None]]
"""Answers one path from its query (each parameter once, empty ones dropped) and this request's CSP
nonce, or returns ``None`` for the full stack to answer."""


def fixed(answer: FastAnswer) -> FastDoor:
    """A door that always gives ``answer`` to a request without a query string."""

    async def door(query: Query, _nonce: str) -> FastAnswer | None:
        return None if query else answer

    return door


def single_values(query_string: bytes) -> dict[str, str] | None:
    """The query's parameters, as the full stack sees them (empty values dropped), or ``None`` if one
    is repeated (which the handlers read as a list, not as the value the kept bytes were made for)."""
    pairs = parse_qsl(without_empty_values(query_string).decode("latin-1"), keep_blank_values=True)
    query = dict(pairs)
    return query if len(query) == len(pairs) else None


class AnonymousFastPath:
    """ASGI wrapper answering GETs of ``doors``' paths for visitors without a session (see the module)."""

    def __init__(self, app: ASGIApp, *, doors: dict[str, FastDoor], secret: str, session_cookie: str, secure: bool):
        self.app = app
        self.doors = doors
        self.tokens = CsrfTokens(secret.encode())
        self.session_cookie = session_cookie
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        door = self.doors.get(scope["path"]) if scope["type"] == ScopeType.HTTP else None
        if door is None or not await self._answer(door, cast(HTTPScope, scope), send):
            await self.app(scope, receive, send)

    async def _answer(self, door: FastDoor, scope: HTTPScope, send: Send) -> bool:
        if scope["method"] != "GET":
            return False
        cookies = ASGIConnection[Any, Any, Any, Any](scope).cookies
        if self.session_cookie in cookies:
            return False
        query = single_values(scope.get("query_string", b""))
        nonce = secrets.token_urlsafe(18)
        try:
            answer = None if query is None else await door(query, nonce)
        except Exception:  # e.g. the database is away: the full stack meets it too, and answers a problem
            return False
        if answer is None:
            return False
        sent = cookies.get(CSRF_COOKIE)
        token = self.tokens.for_visitor(sent)
        headers = [(b"content-type", answer.content_type), (b"content-length", str(len(answer.body)).encode())]
        if token != sent:
            headers.append((b"set-cookie", csrf_cookie(token, secure=self.secure).encode("latin-1")))
        scope.setdefault("state", {})[NONCE_KEY] = nonce  # the app's security-headers hook puts it in the CSP
        await send(HTTPResponseStartEvent(type="http.response.start", status=200, headers=headers))
        await send(HTTPResponseBodyEvent(type="http.response.body", body=answer.body, more_body=False))
        return True
