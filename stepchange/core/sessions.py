"""Server-side sessions: kept in the database (or Redis), a new id at every sign-in, nothing stored for
visitors who are not signed in.

Litestar's backend keeps whatever session id the browser sent, which allows session fixation; this
backend issues a fresh id whenever :func:`rotate_session` is called and deletes the old one.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from advanced_alchemy.extensions.litestar.store import SQLAlchemyStore, StoreModelMixin
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.stores.base import Store
from litestar.types import ASGIApp, Empty, Message, Receive, Scope, ScopeSession, Send
from sqlalchemy import UniqueConstraint
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import declared_attr

from stepchange.core.csrf import CARRIED, carried_token, session_changed
from stepchange.core.settings import Settings

if TYPE_CHECKING:
    from stepchange.core.guards import Principal

SESSION_COOKIE = "stepchange_session"
PRODUCTION_SESSION_COOKIE = f"__Host-{SESSION_COOKIE}"
"""In production the cookie is Secure, for this host only (no Domain) and for every path: the browser
refuses a ``__Host-`` cookie that is anything less, so no sibling host can plant or read it."""
_ROTATE = "stepchange_rotate_session"
_NEW_ID = "stepchange_new_session_id"
_LOADED = "stepchange_loaded_session"


class StoredValue(StoreModelMixin):
    """Key/value rows behind sessions and rate limits when Redis is not configured."""

    __tablename__ = "kv_store"

    @declared_attr.directive
    @classmethod
    def __table_args__(cls) -> Any:
        # The mixin also declares a Spanner-only index; one unique constraint is all we need.
        return (UniqueConstraint(cls.key, cls.namespace, name="uq_kv_store_key_namespace"),)


def _state(scope: Scope) -> dict[str, Any]:
    return scope.setdefault("state", {})


SESSION_ID_BYTES = 32
"""As Litestar's server-side sessions make them."""


def rotate_session(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """Give this connection's session a brand-new id when the response is sent (call at sign-in); the
    CSRF token, bound to the id, is renewed with it (see :mod:`stepchange.core.csrf`)."""
    state = _state(connection.scope)
    state[_ROTATE] = True
    state[_NEW_ID] = secrets.token_hex(SESSION_ID_BYTES)
    session_changed(connection.scope, state[_NEW_ID])


class RotatingSessionBackend(ServerSideSessionBackend):
    """Rotates ids on request and skips writes (and cookies) when nothing in the session changed."""

    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        state = _state(connection.scope)
        if state.get(_ROTATE):
            state.setdefault(_NEW_ID, self.generate_session_id())
            return str(state[_NEW_ID])
        return super().get_session_id(connection)

    async def load_from_connection(self, connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any]:
        data = await super().load_from_connection(connection)
        _state(connection.scope)[_LOADED] = dict(data)
        return data

    async def store_in_message(
        self, scope_session: ScopeSession, message: Message, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> None:
        """Write the session and its cookie: a browser-session cookie (no Max-Age), so closing the browser
        signs out; the server still ends the session at the idle and absolute limits."""
        state = _state(connection.scope)
        old_id = connection.cookies.get(self.config.key)
        store = self.config.get_store_from_app(connection.scope["app"])
        if state.get(_ROTATE):
            if old_id:
                await self.delete(old_id, store=store)
        elif scope_session is not Empty and scope_session == state.get(_LOADED, {}):
            return
        headers = MutableScopeHeaders.from_message(message)
        session_id = self.get_session_id(connection)
        params: dict[str, Any] = {
            "path": "/",
            "secure": self.config.secure,
            "httponly": self.config.httponly,
            "samesite": self.config.samesite,
        }
        if scope_session is Empty:
            await self.delete(session_id, store=store)
            cookie = Cookie(key=self.config.key, value="null", expires=0, **params)
        else:
            await self.set(
                session_id=session_id, data=self.serialize_data(scope_session, connection.scope), store=store
            )
            cookie = Cookie(key=self.config.key, value=session_id, **params)
        headers.add("Set-Cookie", cookie.to_header(header=""))


class RotatingSessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend


def session_cookie(settings: Settings) -> str:
    return PRODUCTION_SESSION_COOKIE if settings.is_production else SESSION_COOKIE


def session_config(settings: Settings) -> RotatingSessionConfig:
    return RotatingSessionConfig(
        key=session_cookie(settings),
        max_age=settings.session_absolute_minutes * 60,  # how long the store keeps it; the cookie has none
        secure=settings.is_production,
        httponly=True,
        samesite="lax",
        store="sessions",
        exclude=["^/static/", "^/health$", "^/schema"],
    )


def build_store(settings: Settings, db_config: SQLAlchemyAsyncConfig, namespace: str) -> Store:
    """Redis when ``STEPCHANGE_REDIS_URL`` is set (shared by several workers), else the database."""
    if settings.redis_url:
        from litestar.stores.redis import RedisStore

        return RedisStore.with_client(url=settings.redis_url, namespace=f"stepchange:{namespace}")
    return SQLAlchemyStore(config=db_config, model=StoredValue, namespace=namespace)


# --- Who is signed in --------------------------------------------------------------------------
# A session holds {"kind", "id", "epoch", "iat", "seen"}; each kind of principal (staff, volunteer)
# registers a loader that turns the stored id and epoch back into a Principal, or None when the
# account has closed or its sessions were ended.

PrincipalLoader = Callable[[AsyncSession, UUID, int], Awaitable["Principal | None"]]
TOUCH_EVERY_SECONDS = 15
"""How stale "last seen" may get before a request writes it again: the idle limit is honoured within
this (or a twentieth of the limit, if that is shorter)."""


PENDING_SECONDS = 10 * 60
"""How long a half-signed-in session (password right, code not yet given) waits for its code."""


def start_session(
    connection: ASGIConnection[Any, Any, Any, Any],
    kind: str,
    principal_id: UUID,
    epoch: int,
    *,
    second_factor: bool = False,
) -> None:
    """Sign someone in: a new session id (no fixation) holding only who they are, when it began, and
    whether a second factor was given."""
    now = time.time()
    rotate_session(connection)
    connection.scope["session"] = {
        "kind": kind,
        "id": str(principal_id),
        "epoch": epoch,
        "iat": now,
        "seen": now,
        "mfa": second_factor,
        CARRIED: carried_token(connection.scope),
    }


@dataclass(frozen=True)
class PendingSignIn:
    """A half-signed-in session: the password was right, a second step (``stage``) is still owed."""

    kind: str
    principal_id: UUID
    epoch: int
    stage: str
    throttle_key: str


def start_pending_session(connection: ASGIConnection[Any, Any, Any, Any], pending: PendingSignIn) -> None:
    """Half sign someone in: a new session id, and nobody is signed in yet (every guard answers 401)
    until the step is done; it lapses after :data:`PENDING_SECONDS`."""
    rotate_session(connection)
    connection.scope["session"] = {
        "kind": pending.kind,
        "id": str(pending.principal_id),
        "epoch": pending.epoch,
        "stage": pending.stage,
        "throttle": pending.throttle_key,
        "iat": time.time(),
        CARRIED: carried_token(connection.scope),
    }


def pending_sign_in(connection: ASGIConnection[Any, Any, Any, Any]) -> PendingSignIn | None:
    """This connection's half-finished sign-in, if it has one that has not lapsed."""
    data = connection.scope.get("session")
    if not isinstance(data, dict) or not data.get("stage"):
        return None
    if time.time() - float(data.get("iat", 0)) >= PENDING_SECONDS:
        return None
    try:
        principal_id = UUID(str(data["id"]))
    except (KeyError, ValueError):
        return None
    return PendingSignIn(
        str(data.get("kind")), principal_id, int(data.get("epoch", -1)), str(data["stage"]), str(data.get("throttle"))
    )


def end_session(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """Sign out: the session is deleted from the store and the cookie cleared; a new CSRF token follows."""
    connection.scope["session"] = Empty
    session_changed(connection.scope, None)


class AuthenticationMiddleware:
    """Sets ``scope["user"]`` to the signed-in principal or ``None``; guards decide what that allows.

    Ends sessions past the idle or absolute timeout, and those whose account says they are over.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        db_config: SQLAlchemyAsyncConfig,
        settings: Settings,
        loaders: dict[str, PrincipalLoader],
        second_factor_kinds: frozenset[str] = frozenset(),
    ) -> None:
        self.app = app
        self.second_factor_kinds = second_factor_kinds
        self.db_config = db_config
        self.idle = settings.session_idle_minutes * 60
        self.absolute = settings.session_absolute_minutes * 60
        self.loaders = loaders
        self.touch_every = max(1.0, min(TOUCH_EVERY_SECONDS, self.idle / 20))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            scope["user"] = await self._principal(scope)
        await self.app(scope, receive, send)

    async def _principal(self, scope: Scope) -> Principal | None:
        data = scope.get("session")
        if not isinstance(data, dict) or "id" not in data:
            return None
        now = time.time()
        if data.get("stage"):  # half-signed-in: nobody yet; kept until its code comes or it lapses
            if now - float(data.get("iat", 0)) >= PENDING_SECONDS:
                scope["session"] = Empty
                session_changed(scope, None)
            return None
        kind = str(data.get("kind"))
        loader = self.loaders.get(kind)
        if kind in self.second_factor_kinds and not data.get("mfa"):
            loader = None  # begun with a password alone (before a second factor was required): it ends
        fresh = now - float(data.get("iat", 0)) < self.absolute and now - float(data.get("seen", 0)) < self.idle
        principal = None
        if loader is not None and fresh:
            try:
                principal_id = UUID(str(data["id"]))
            except ValueError:
                principal_id = None
            if principal_id is not None:
                async with self.db_config.get_session() as db:
                    principal = await loader(db, principal_id, int(data.get("epoch", -1)))
        if principal is None:
            scope["session"] = Empty
            session_changed(scope, None)
        elif now - float(data["seen"]) >= self.touch_every:
            scope["session"] = {**data, "seen": now}
        return principal
