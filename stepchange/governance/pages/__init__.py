"""The governance pages: how a work-stream is run, for its members and the programme office (never the public).

One page controller per subject, all under ``/workstreams/{code}/governance`` for signed-in people (the
services decide who among them may see or change what); and the escalations of every work-stream.
"""

from __future__ import annotations

from litestar import Router

from stepchange.core.guards import signed_in
from stepchange.governance.deps import GOVERNANCE
from stepchange.governance.pages.actions import ActionPages, EscalationPages
from stepchange.governance.pages.appointments import AppointmentPages
from stepchange.governance.pages.maturity import MatrixPages, MaturityPages
from stepchange.governance.pages.meetings import MeetingPages
from stepchange.governance.pages.minutes import MinutesPages
from stepchange.governance.pages.overview import OverviewPages
from stepchange.governance.pages.roster import RosterPages
from stepchange.governance.pages.subgroups import SubgroupPages
from stepchange.governance.pages.terms import TermsPages

__all__ = ["EscalationPages", "MatrixPages", "office_pages"]

office_pages = Router(
    path="/workstreams/{code:str}/governance",
    route_handlers=[
        OverviewPages,
        AppointmentPages,
        RosterPages,
        MeetingPages,
        MinutesPages,
        ActionPages,
        TermsPages,
        SubgroupPages,
        MaturityPages,
    ],
    guards=[signed_in],
    dependencies=GOVERNANCE,
    include_in_schema=False,
)
"""Every page of a work-stream's governance."""
