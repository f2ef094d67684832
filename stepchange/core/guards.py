"""Who may call a route: 401 when nobody is signed in, 403 when the signed-in person lacks the role.

Guards read ``connection.user``, which the authentication middleware sets to a :class:`Principal`
or ``None``; core knows only this protocol, never the accounts domain.
"""

from __future__ import annotations

from typing import Any, Protocol, cast
from uuid import UUID

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard


class Principal(Protocol):
    """Whoever is signed in: a staff member (with a role) or a volunteer (role ``volunteer``)."""

    @property
    def id(self) -> UUID: ...

    @property
    def role(self) -> str: ...

    @property
    def workstream_id(self) -> UUID | None: ...

    @property
    def label(self) -> str: ...


def current_principal(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    return cast("Principal | None", connection.scope.get("user"))


def signed_in(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    if current_principal(connection) is None:
        raise NotAuthorizedException("Sign in to do this")


def requires_role(*roles: str) -> Guard:
    """Allow only people holding one of ``roles`` (401 if nobody is signed in)."""
    allowed = ", ".join(roles)

    def guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
        signed_in(connection, handler)
        principal = current_principal(connection)
        if principal is None or principal.role not in roles:
            raise PermissionDeniedException(f"Only these roles may do this: {allowed}")

    return guard
