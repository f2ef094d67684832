"""Providers and guards the time ledger's API and pages share."""

from __future__ import annotations

from advanced_alchemy.extensions.litestar.providers import create_service_provider

from stepchange.contributions.services import ContributionService
from stepchange.core.authz import Role, StaffRole
from stepchange.core.guards import requires_role

provide_contributions = create_service_provider(ContributionService)
volunteer_only = requires_role(Role.VOLUNTEER)
reviewers = requires_role(StaffRole.COORDINATOR, StaffRole.CO_CHAIR)
"""The office and co-chairs; the service checks it is the co-chair's own work-stream."""
board_or_office = requires_role(StaffRole.BOARD, StaffRole.COORDINATOR)
