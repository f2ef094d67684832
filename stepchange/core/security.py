"""Security headers on every response, with a fresh CSP nonce per request for the template's script."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable

from litestar.enums import ScopeType
from litestar.exceptions import TooManyRequestsException
from litestar.middleware import DefineMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from stepchange.core.counters import AttemptCounter, client_address

NONCE_KEY = "csp_nonce"


def csp(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class NonceMiddleware:
    """Gives each request a fresh CSP nonce before its page is rendered (templates read ``request.state``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            scope.setdefault("state", {})[NONCE_KEY] = secrets.token_urlsafe(18)
        await self.app(scope, receive, send)


def security_headers(*, hsts: bool) -> Callable[[Message, Scope], Awaitable[None]]:
    """An app-wide ``before_send`` hook: every response, even a 404 for an unknown path, gets the headers.

    They are appended as raw pairs made once (nothing else sets them), rather than set one by one
    through a headers object that searches the list each time: every response pays for this.
    """
    fixed = [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"x-frame-options", b"DENY"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    ]
    if hsts:
        fixed.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        nonce = scope.setdefault("state", {}).setdefault(NONCE_KEY, secrets.token_urlsafe(18))
        message["headers"] = [
            *message.get("headers", ()),
            (b"content-security-policy", csp(nonce).encode()),
            *fixed,
        ]

    return add_headers


PUBLIC_RATE_LIMIT = "public_rate_limit"
"""Route ``opt`` key marking the public writes (submissions, sign-in-link requests) that are rate-limited."""
RATE_WINDOW_SECONDS = 60


class PublicRateLimit:
    """Counts each rate-limited request per client address with the shared counter, then decides on the
    count it got back: over ``per_minute`` in the current minute → 429 with ``Retry-After``.

    It runs before the request's own transaction starts, so on SQLite the counter's write never waits
    for a lock the same request holds.
    """

    def __init__(self, app: ASGIApp, *, counter: AttemptCounter, per_minute: int) -> None:
        self.app = app
        self.counter = counter
        self.per_minute = per_minute

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = scope.get("route_handler")
        if scope["type"] == ScopeType.HTTP and handler is not None and handler.opt.get(PUBLIC_RATE_LIMIT):
            count = await self.counter.hit(f"public:{client_address(scope)}", RATE_WINDOW_SECONDS)
            if count.over(self.per_minute):
                raise TooManyRequestsException(
                    "Too many requests from your address; wait a minute and try again",
                    headers={"Retry-After": str(count.seconds_left)},
                )
        await self.app(scope, receive, send)


def public_rate_limit(per_minute: int, counter: AttemptCounter) -> list[DefineMiddleware]:
    """The public rate limit, per client address; none at all when ``per_minute`` is 0 (load tests)."""
    if per_minute <= 0:
        return []
    return [DefineMiddleware(PublicRateLimit, counter=counter, per_minute=per_minute)]
