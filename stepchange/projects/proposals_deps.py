"""Provider of the proposals service for its API and pages."""

from __future__ import annotations

from advanced_alchemy.extensions.litestar.providers import create_service_provider

from stepchange.projects.proposals import ProposalService

provide_proposals = create_service_provider(ProposalService)
