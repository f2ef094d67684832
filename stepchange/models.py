"""Every table, imported in one place so the mapper registry and Alembic see them all."""

from stepchange.interest.models import Call, call_project
from stepchange.programme.models import KeyActivity, Milestone
from stepchange.projects.models import Project
from stepchange.workstreams.models import Workstream

__all__ = ("Call", "KeyActivity", "Milestone", "Project", "Workstream", "call_project")
