"""Cross-site request forgery: every unsafe request carries a token that belongs to its own session.

The names are Litestar's defaults (cookie ``csrftoken``, header ``x-csrftoken``, form field ``_csrf_token``),
so pages, the API's clients and ``/schema`` send it as before; what the token is bound to is the service's:

- **With a signed-in session** (staff, half signed in awaiting a code, or a volunteer signed in by link) the
  token is ``HMAC-SHA256(STEPCHANGE_SECRET_KEY, session id)``. That token passes, and the one the sign-in
  request itself carried (kept in the session: a client that read the token once before signing in, as
  Litestar's defaults allow, goes on working); one lifted from any other session is refused (403). Every
  sign-in step gives the session a new id (password, code, set-up, sign-out), so each step also gives a
  new token: the ``csrftoken`` cookie is set again in that response, and a page rendered by it carries it.
- **Without one** (the volunteer form, even once a session keeps its answers; asking for a sign-in link;
  the sign-in form itself) it is the double-submit scheme: a random value signed with the secret key, kept
  in the ``csrftoken`` cookie, which the request must repeat. A cross-site page can neither read nor
  (``SameSite``) send that cookie.

A session id never leaves the server in the token: the HMAC cannot be turned back into it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any, cast

from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import RequestEncodingType, ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

CSRF_COOKIE = "csrftoken"
CSRF_HEADER = "x-csrftoken"
CSRF_FIELD = "_csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
REFUSED = "CSRF token missing, or not this session's: reload the page and try again"
EXCLUDE_OPT = "exclude_from_csrf"
"""A route ``opt`` key that takes a route out of the check (none does today)."""
_STATE = "stepchange_csrf"
_NONCE_HEX = 64


@dataclass(frozen=True)
class CsrfTokens:
    """Makes and checks tokens with the service's secret key."""

    secret: bytes

    def _sign(self, purpose: str, value: str) -> str:
        return hmac.new(self.secret, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()

    def for_session(self, session_id: str) -> str:
        return self._sign("session", session_id)

    def anonymous(self) -> str:
        nonce = secrets.token_hex(_NONCE_HEX // 2)
        return nonce + self._sign("anonymous", nonce)

    def is_anonymous(self, token: str) -> bool:
        """A token this service made for a visitor without a session (its signature checks out)."""
        nonce, signature = token[:_NONCE_HEX], token[_NONCE_HEX:]
        return len(nonce) == _NONCE_HEX and hmac.compare_digest(signature, self._sign("anonymous", nonce))

    def for_visitor(self, sent: str | None) -> str:
        """The token of a visitor without a session: the one their cookie holds if this service made it,
        else a new one (which the response then sets)."""
        return sent if sent and self.is_anonymous(sent) else self.anonymous()


def csrf_cookie(token: str, *, secure: bool) -> str:
    """The ``Set-Cookie`` value that keeps ``token`` in the ``csrftoken`` cookie."""
    cookie = Cookie(
        key=CSRF_COOKIE,
        value=token,
        path="/",
        secure=secure,
        httponly=False,  # the API's clients and /schema read it to send it back in the header
        samesite="lax",
    )
    return cookie.to_header(header="")


@dataclass
class _InForce:
    """This request's token: the one its unsafe request had to carry, then whatever the response sets."""

    tokens: CsrfTokens
    token: str
    submitted: str | None = None


CARRIED = "csrf"
"""The session key of the token its sign-in request carried: the one other token that session accepts."""


def carried_token(scope: Scope) -> str | None:
    """The token this (unsafe) request carried: a sign-in keeps it in the new session, so a client that
    read the token once before signing in (as Litestar's defaults allow) goes on working, while a token
    lifted from any other session is still refused."""
    in_force: _InForce | None = scope.get("state", {}).get(_STATE)
    return in_force.submitted if in_force else None


def session_changed(scope: Scope, session_id: str | None) -> None:
    """The response gives the browser a new session (its id) or ends it (``None``): the token follows,
    in the ``csrftoken`` cookie and in any page this response renders."""
    in_force: _InForce | None = scope.get("state", {}).get(_STATE)
    if in_force is None:
        return
    if session_id:
        in_force.token = in_force.tokens.for_session(session_id)
    elif in_force.submitted and in_force.tokens.is_anonymous(in_force.submitted):
        in_force.token = in_force.submitted  # signing out gives the browser back its own visitor's token
    else:
        in_force.token = in_force.tokens.anonymous()
    ScopeState.from_scope(scope).csrf_token = in_force.token


def _signed_in(scope: Scope) -> bool:
    """The session belongs to someone (signed in, or half signed in awaiting a code). A visitor's session
    that only keeps their answers to the form's questions binds nothing: it keeps the signed cookie, so
    a page's token still holds after the first answer makes the session; signing in then binds it."""
    data = scope.get("session")
    return isinstance(data, dict) and ("id" in data or "stage" in data)


def _session_id(value: str | None) -> str | None:
    return None if not value or value == "null" else value


class SessionCSRFMiddleware:
    """Checks each unsafe request's token against its session (or its signed cookie, without a session),
    and keeps the ``csrftoken`` cookie equal to the token in force."""

    def __init__(self, app: ASGIApp, *, secret: str, session_cookie: str, secure: bool) -> None:
        self.app = app
        self.tokens = CsrfTokens(secret.encode())
        self.session_cookie = session_cookie
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = scope.get("route_handler")
        if scope["type"] != ScopeType.HTTP or (handler is not None and handler.opt.get(EXCLUDE_OPT)):
            await self.app(scope, receive, send)
            return
        request = scope["litestar_app"].request_class(scope=scope, receive=receive)
        sent = request.cookies.get(CSRF_COOKIE)
        session_id = _session_id(request.cookies.get(self.session_cookie)) if _signed_in(scope) else None
        accepted: set[str] = set()
        if session_id is not None:
            token = self.tokens.for_session(session_id)
            session = scope.get("session")
            carried = session.get(CARRIED) if isinstance(session, dict) else None
            accepted = {carried} if isinstance(carried, str) and carried else set()
        elif sent and request.method in SAFE_METHODS and self._outside_sessions(scope, request):
            token = sent  # bound to a session this path does not load (/health, /static, /schema): left alone
        else:
            token = self.tokens.for_visitor(sent)
        submitted = None
        if request.method not in SAFE_METHODS:
            submitted = await self._submitted(request)
            if not submitted or not any(hmac.compare_digest(submitted, good) for good in {token, *accepted}):
                raise PermissionDeniedException(REFUSED)
        in_force = _InForce(self.tokens, token, submitted)
        scope.setdefault("state", {})[_STATE] = in_force
        ScopeState.from_scope(scope).csrf_token = token
        await self.app(scope, receive, self._keep_cookie(send, in_force, sent))

    def _outside_sessions(self, scope: Scope, request: Any) -> bool:
        """A request with a session cookie on a path the session middleware passes by (it sets no session)."""
        loaded = "session" in cast("dict[str, object]", scope)  # typed as always there; it is not, on those paths
        return not loaded and _session_id(request.cookies.get(self.session_cookie)) is not None

    @staticmethod
    async def _submitted(request: Any) -> str | None:
        token = request.headers.get(CSRF_HEADER)
        content_type, _ = request.content_type
        if not token and content_type in (RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART):
            value = (await request.form()).get(CSRF_FIELD)
            token = value if isinstance(value, str) else None
        return str(token) if token else None

    def _keep_cookie(self, send: Send, in_force: _InForce, sent: str | None) -> Send:
        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start" and in_force.token != sent:
                cookie = csrf_cookie(in_force.token, secure=self.secure)
                MutableScopeHeaders.from_message(message).add("set-cookie", cookie)
            await send(message)

        return send_wrapper
