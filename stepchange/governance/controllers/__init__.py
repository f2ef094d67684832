"""The governance API: how a work-stream is run, for its members (co-chairs and deputies, members, meetings,
minutes and actions), one controller per subject under ``/api/workstreams/{code}``; and the escalations."""

from __future__ import annotations

from litestar import Router

from stepchange.core.guards import signed_in
from stepchange.governance.controllers.actions import ActionController, EscalationController
from stepchange.governance.controllers.appointments import AppointmentController
from stepchange.governance.controllers.common import TAGS
from stepchange.governance.controllers.maturity import MaturityController, MaturityMatrixController
from stepchange.governance.controllers.meetings import MeetingController
from stepchange.governance.controllers.minutes import MinutesController
from stepchange.governance.controllers.roster import RosterController
from stepchange.governance.controllers.subgroups import SubgroupController
from stepchange.governance.controllers.terms import TermsController
from stepchange.governance.deps import GOVERNANCE

__all__ = ["EscalationController", "MaturityMatrixController", "governance_api"]

governance_api = Router(
    path="/api/workstreams/{code:str}",
    route_handlers=[
        AppointmentController,
        RosterController,
        MeetingController,
        MinutesController,
        ActionController,
        TermsController,
        SubgroupController,
        MaturityController,
    ],
    guards=[signed_in],
    dependencies=GOVERNANCE,
    tags=TAGS,
)
"""Every governance route of a work-stream's API."""
