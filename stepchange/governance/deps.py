"""Providers of the governance services, and small request helpers shared by the API and the pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from advanced_alchemy.service import ResultConverter
from litestar import Request
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core.authz import StaffRole
from stepchange.core.errors import NotSignedIn
from stepchange.core.guards import Principal, current_principal, requires_role
from stepchange.governance.models import ActionStatus
from stepchange.governance.services.actions import ActionFilter, ActionService
from stepchange.governance.services.appointments import AppointmentService
from stepchange.governance.services.maturity import MaturityService
from stepchange.governance.services.meetings import MeetingService
from stepchange.governance.services.minutes import MinutesService
from stepchange.governance.services.roster import RosterService
from stepchange.governance.services.subgroups import SubgroupService
from stepchange.governance.services.terms import TermsService


@dataclass(frozen=True)
class GovernanceServices(ResultConverter):
    """The governance services of one request, sharing its database session (and ``to_schema`` for the API)."""

    session: AsyncSession
    appointments: AppointmentService
    roster: RosterService
    meetings: MeetingService
    minutes: MinutesService
    actions: ActionService
    terms: TermsService
    subgroups: SubgroupService
    maturity: MaturityService

    @classmethod
    def of(cls, session: AsyncSession) -> GovernanceServices:
        return cls(
            session,
            AppointmentService(session),
            RosterService(session),
            MeetingService(session),
            MinutesService(session),
            ActionService(session),
            TermsService(session),
            SubgroupService(session),
            MaturityService(session),
        )


def provide_governance(db_session: NamedDependency[AsyncSession]) -> GovernanceServices:
    return GovernanceServices.of(db_session)


GOVERNANCE = {"governance": Provide(provide_governance, sync_to_thread=False)}
"""The dependency every governance controller and page controller declares."""

board_or_office = requires_role(StaffRole.COORDINATOR, StaffRole.BOARD)
"""Who reads the escalations of every work-stream."""


def acting(request: Request[Any, Any, Any]) -> Principal:
    """Whoever is signed in (routes that change things are guarded by ``signed_in``)."""
    principal = current_principal(request)
    if principal is None:
        raise NotSignedIn()
    return principal


async def provide_action_filter(
    status: Annotated[ActionStatus | None, QueryParameter(description="Only actions with this status")] = None,
    open_: Annotated[
        bool | None, QueryParameter(name="open", description="Only open or in progress (true), or closed (false)")
    ] = None,
    overdue: Annotated[bool | None, QueryParameter(description="Only overdue (true) or not overdue (false)")] = None,
    escalated: Annotated[bool | None, QueryParameter(description="Only escalated (true) or not (false)")] = None,
) -> ActionFilter:
    return ActionFilter(status=status, open=open_, overdue=overdue, escalated=escalated)
