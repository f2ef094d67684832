"""Route guards in the programme's roles, and the signed-in member of staff for services."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection

from stepchange.accounts.services import StaffPrincipal
from stepchange.core.authz import STAFF_ROLES, StaffRole
from stepchange.core.guards import current_principal, requires_role

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
