"""Every table, imported in one place so the mapper registry and Alembic see them all."""

from stepchange.accounts.models import StaffUser
from stepchange.assignments.models import Assignment
from stepchange.contributions.models import TimeEntry
from stepchange.core.audit import AuditEntry
from stepchange.core.counters import attempt_counter
from stepchange.core.export_jobs import ExportJob
from stepchange.core.links import OneTimeLink
from stepchange.core.mail import OutboxMessage
from stepchange.core.sessions import StoredValue
from stepchange.desk import indexes as desk_indexes
from stepchange.ethics.models import Declaration, DeclarationReview, ProjectReview, Recusal, declaration_project
from stepchange.governance.models import (
    ActionItem,
    AgendaItem,
    Appointment,
    Attendance,
    Meeting,
    Minutes,
    MinutesRead,
    RosterMember,
    StandingAgendaItem,
)
from stepchange.governance.partnership_models import (
    MaturityArea,
    MaturityAssessment,
    MaturityRating,
    Subgroup,
    SubgroupMember,
    Terms,
    TermsAcknowledgement,
    subgroup_project,
)
from stepchange.interest import indexes as people_list_indexes
from stepchange.interest.models import (
    Call,
    Choice,
    Expression,
    HeldSubmission,
    ImportedResponse,
    ReceivedSubmission,
    call_project,
)
from stepchange.people.models import (
    ErasureRequest,
    IdentityStep,
    Organisation,
    OrganisationDomain,
    Volunteer,
    VolunteerNote,
)
from stepchange.programme.models import KeyActivity
from stepchange.projects.models import Milestone, Project, ProjectVersion, StatusUpdate
from stepchange.projects.proposals_models import Proposal
from stepchange.reminders.models import CalendarFeed, ReminderDigest, ReminderLease, ReminderPreference, ReminderSent
from stepchange.reports import indexes as report_indexes
from stepchange.workstreams.models import Workstream

__all__ = (
    "ActionItem",
    "AgendaItem",
    "Appointment",
    "Assignment",
    "Attendance",
    "AuditEntry",
    "CalendarFeed",
    "Call",
    "Choice",
    "Declaration",
    "DeclarationReview",
    "ErasureRequest",
    "ExportJob",
    "Expression",
    "HeldSubmission",
    "IdentityStep",
    "ImportedResponse",
    "KeyActivity",
    "MaturityArea",
    "MaturityAssessment",
    "MaturityRating",
    "Meeting",
    "Milestone",
    "Minutes",
    "MinutesRead",
    "OneTimeLink",
    "Organisation",
    "OrganisationDomain",
    "OutboxMessage",
    "Project",
    "ProjectReview",
    "ProjectVersion",
    "Proposal",
    "ReceivedSubmission",
    "Recusal",
    "ReminderDigest",
    "ReminderLease",
    "ReminderPreference",
    "ReminderSent",
    "RosterMember",
    "StaffUser",
    "StandingAgendaItem",
    "StatusUpdate",
    "StoredValue",
    "Subgroup",
    "SubgroupMember",
    "Terms",
    "TermsAcknowledgement",
    "TimeEntry",
    "Volunteer",
    "VolunteerNote",
    "Workstream",
    "attempt_counter",
    "call_project",
    "declaration_project",
    "desk_indexes",
    "people_list_indexes",
    "report_indexes",
    "subgroup_project",
)
