"""What the ethics API and pages share: the services' providers, who may come in, and the queue's filter."""

from __future__ import annotations

from advanced_alchemy.extensions.litestar.providers import create_service_provider

from stepchange.core.authz import StaffRole
from stepchange.core.errors import InvalidInput
from stepchange.core.guards import requires_role
from stepchange.ethics.models import ReviewState
from stepchange.ethics.services import ConflictService, ProjectReviewService

provide_conflicts = create_service_provider(ConflictService)
provide_project_reviews = create_service_provider(ProjectReviewService)

ethics_only = requires_role(StaffRole.ETHICS)
ethics_or_office = requires_role(StaffRole.ETHICS, StaffRole.COORDINATOR)
"""Who may read declarations: the ethics reviewers and the programme office, nobody else."""


def queue_state(value: str) -> ReviewState | None:
    """The queue's ``state`` filter: a review state, or ``all``."""
    if value == "all":
        return None
    try:
        return ReviewState(value)
    except ValueError:
        choices = ", ".join([*(s.value for s in ReviewState), "all"])
        raise InvalidInput.one("state", f"Choose one of {choices}") from None
