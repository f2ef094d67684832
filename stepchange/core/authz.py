"""Who is who: the roles (the only place a role is spelt) and the work-stream ownership rule.

Guards (:mod:`stepchange.core.guards`) check a role at the gate; :func:`require_runs_workstream` checks
*which* work-stream, inside the services, so every door obeys it.
"""

from __future__ import annotations

import enum
from uuid import UUID

from stepchange.core.errors import NotAllowed, NotSignedIn
from stepchange.core.guards import Principal


class Role(enum.StrEnum):
    """Everyone who signs in: the four staff roles (DESIGN.md, "Users and roles") and volunteers."""

    COORDINATOR = "coordinator"
    CO_CHAIR = "co_chair"
    ETHICS = "ethics"
    BOARD = "board"
    VOLUNTEER = "volunteer"


class StaffRole(enum.StrEnum):
    """The roles a staff account can hold (a staff account is never a volunteer)."""

    COORDINATOR = Role.COORDINATOR.value
    CO_CHAIR = Role.CO_CHAIR.value
    ETHICS = Role.ETHICS.value
    BOARD = Role.BOARD.value


STAFF_ROLES = tuple(StaffRole)
"""In the order DESIGN.md lists them (messages name them in this order)."""


def is_staff(principal: Principal | None) -> bool:
    """A signed-in member of staff (not a volunteer signed in by link)."""
    return principal is not None and principal.role in STAFF_ROLES


def runs_workstream(principal: Principal | None, workstream_id: UUID) -> bool:
    """The programme office runs every work-stream; a co-chair (or their deputy) runs only their own."""
    if principal is None:
        return False
    if principal.role == Role.COORDINATOR:
        return True
    return principal.role == Role.CO_CHAIR and principal.workstream_id == workstream_id


def require_runs_workstream(principal: Principal | None, workstream_id: UUID, doing: str) -> None:
    """Refuse (403) anyone who does not run this work-stream; guards cover roles, this covers *which* one."""
    if principal is None:
        raise NotSignedIn()
    if not runs_workstream(principal, workstream_id):
        raise NotAllowed(f"Only the programme office and this work-stream's co-chairs may {doing}")
