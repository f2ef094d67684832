"""Route guards in the programme's roles, and the signed-in member of staff for services."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from stepchange.accounts.mfa import Stage
from stepchange.accounts.services import STAFF, StaffPrincipal
from stepchange.core.authz import STAFF_ROLES, StaffRole
from stepchange.core.guards import current_principal, requires_role
from stepchange.core.sessions import pending_sign_in

any_staff = requires_role(*STAFF_ROLES)
"""Programme staff of any role: the office, co-chairs, ethics reviewers and board members."""
coordinator_only = requires_role(StaffRole.COORDINATOR)
office_or_co_chair = requires_role(StaffRole.COORDINATOR, StaffRole.CO_CHAIR)
"""Who may change projects at all; services then check it is *their* work-stream."""


def acting_staff(connection: ASGIConnection[Any, Any, Any, Any]) -> StaffPrincipal:
    """The member of staff a guarded route acts for."""
    principal = current_principal(connection)
    assert isinstance(principal, StaffPrincipal), "guarded routes always have a staff principal"
    return principal


NOT_HALF_SIGNED_IN = "Sign in with your email address and password first"


def half_signed_in(stage: Stage) -> Guard:
    """Only a session whose password step is done and which owes ``stage`` (401 otherwise; 403 for
    someone already signed in, who has nothing to finish)."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if current_principal(connection) is not None:
            raise PermissionDeniedException("You are signed in already")
        pending = pending_sign_in(connection)
        if pending is None or pending.kind != STAFF or pending.stage != stage:
            raise NotAuthorizedException(NOT_HALF_SIGNED_IN)

    return guard


def enrolling(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Setting up an authenticator app: a member of staff signed in, or half-signed-in and owing enrolment."""
    if isinstance(current_principal(connection), StaffPrincipal):
        return
    if current_principal(connection) is None:
        half_signed_in(Stage.ENROL)(connection, handler)
        return
    any_staff(connection, handler)
