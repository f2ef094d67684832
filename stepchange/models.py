"""Every table, imported in one place so the mapper registry and Alembic see them all."""

from stepchange.accounts.models import StaffUser
from stepchange.core.audit import AuditEntry
from stepchange.core.links import OneTimeLink
from stepchange.core.mail import OutboxMessage
from stepchange.core.sessions import StoredValue
from stepchange.interest.models import Call, call_project
from stepchange.programme.models import KeyActivity, Milestone
from stepchange.projects.models import Project, ProjectVersion, StatusUpdate
from stepchange.workstreams.models import Workstream

__all__ = (
    "AuditEntry",
    "Call",
    "KeyActivity",
    "Milestone",
    "OneTimeLink",
    "OutboxMessage",
    "Project",
    "ProjectVersion",
    "StaffUser",
    "StatusUpdate",
    "StoredValue",
    "Workstream",
    "call_project",
)
