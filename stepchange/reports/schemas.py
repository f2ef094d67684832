"""The board's figures as JSON: counts, states, codes and the projects' own words (titles, narratives),
never anyone's name, address or declaration."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

import msgspec

from stepchange.core.export_jobs import ExportJob


class CallRef(msgspec.Struct):
    """A call to action, by id and name."""

    id: UUID
    name: str


class Reason(msgspec.Struct):
    """Why a project is an exception: the rule (``red``, ``amber``, ``escalated``, ``milestone_overdue``,
    ``no_lead``, ``stale``) and what it found, in words."""

    rule: str
    text: str


class ExceptionRow(msgspec.Struct):
    """A project needing the board's attention (or, for escalations naming no project, a work-stream:
    ``project`` is then ``None``), with every reason it is listed, most severe first."""

    project: str | None
    title: str
    workstream: str
    status: str | None
    rag: str
    reasons: list[Reason]
    narrative: str
    """Its latest status update's narrative ("" if none yet)."""
    narrative_on: dt.date | None


class ChangeRow(msgspec.Struct):
    """One thing that changed since the date the board chose: ``kind`` is ``status``, ``rag``,
    ``escalation``, ``milestone_met`` or ``milestone_missed``."""

    on: dt.date
    project: str | None
    workstream: str | None
    kind: str
    what: str


class CallDayRow(msgspec.Struct):
    """One UK day of the call: submissions and validations that day, and in the call so far."""

    day: dt.date
    submitted: int
    validated: int
    submitted_to_date: int
    validated_to_date: int


class RagMonthRow(msgspec.Struct):
    """A project's RAG at the end of a month (``not_reported`` before its first update)."""

    project: str
    workstream: str
    month: dt.date
    rag: str


class StaffingMonthRow(msgspec.Struct):
    """Places at the end of a month (this month: today): accepted, offered and awaiting an answer, and
    projects with an accepted lead."""

    month: dt.date
    accepted: int
    offered: int
    leads_in_place: int


class MilestoneRow(msgspec.Struct):
    """A milestone on the timeline; ``project`` is its project's code, or "Programme" for the programme's own."""

    title: str
    project: str
    due_on: dt.date
    done_on: dt.date | None
    state: str
    days_to_go: int | None


class MilestoneCounts(msgspec.Struct):
    total: int
    done: int
    overdue: int
    to_come: int


class StatusRow(msgspec.Struct):
    """How many of a work-stream's projects are at each lifecycle status."""

    workstream: str
    pipeline: int
    provisional: int
    recruiting: int
    staffed: int
    delivering: int
    delivered: int
    paused: int
    withdrawn: int
    total: int


class RagRow(msgspec.Struct):
    """How many of a work-stream's projects are at each RAG (``not_reported``: no update yet)."""

    workstream: str
    green: int
    amber: int
    red: int
    not_reported: int
    total: int


class StaffingRow(msgspec.Struct):
    """One open project's team against the size it wants."""

    project: str
    workstream: str
    status: str
    rag: str
    lead_in_place: bool
    lead_offered: bool
    accepted: int
    offered: int
    team: int
    wanted: int
    short_by: int


class FunnelRow(msgspec.Struct):
    """People answering one call, and how far they have come."""

    call: str
    submitted: int
    email_confirmed: int
    validated: int
    assigned: int


class DemandRow(msgspec.Struct):
    """The interest shown in one project offered in the report's call."""

    project: str
    workstream: str
    title: str
    choices: int
    lead_choices: int
    first_choices: int
    unasked: bool


class AgeBandRow(msgspec.Struct):
    band: str
    declarations: int


class DeclarationCounts(msgspec.Struct):
    pending: int
    oldest_days: int | None
    median_days: float | None


class EthicsRow(msgspec.Struct):
    """A work-stream's projects by the outcome of their latest commercial-advantage review."""

    workstream: str
    cleared: int
    cleared_with_conditions: int
    blocked: int
    not_reviewed: int
    total: int


class EscalationRow(msgspec.Struct):
    """A work-stream's open escalated actions; ``oldest_days`` since the longest-waiting was escalated."""

    workstream: str
    escalated: int
    overdue: int
    oldest_days: int | None


class HoursRow(msgspec.Struct):
    """Hours a month offered by the people placed in a work-stream's projects, and hours assigned there."""

    workstream: str
    people: int
    hours_offered: int
    hours_assigned: int
    assignments_without_hours: int


class Dashboard(msgspec.Struct):
    """Every figure of a report: the programme's (``scope`` "programme") or one work-stream's (its code)."""

    scope: str
    generated_on: dt.date
    as_of: dt.datetime
    """The moment the figures were counted (reports are kept for a minute: see ``reports.cache``)."""
    current_call: CallRef | None
    """The call open now, else the one that closed most recently (``interest.current_call``)."""
    call: CallRef | None
    """The call whose interest this report counts: the current call unless the board chose another."""
    since: dt.date
    """The date "what changed" counts from (the last board meeting; 30 days ago unless chosen)."""
    stale_days: int
    summaries: dict[str, str]
    workstream_names: dict[str, str]
    """Each work-stream's name by its code, for tables, charts and exports."""
    project_titles: dict[str, str]
    """Each project's title by its code."""
    exceptions: list[ExceptionRow]
    changes: list[ChangeRow]
    milestones: list[MilestoneRow]
    milestone_counts: MilestoneCounts
    project_status: list[StatusRow]
    project_rag: list[RagRow]
    staffing: list[StaffingRow]
    funnel: list[FunnelRow]
    demand: list[DemandRow]
    call_trend: list[CallDayRow]
    rag_trend: list[RagMonthRow]
    staffing_trend: list[StaffingMonthRow]
    declarations: DeclarationCounts
    declaration_ages: list[AgeBandRow]
    ethics_reviews: list[EthicsRow]
    escalations: list[EscalationRow]
    hours: list[HoursRow]
    hours_total: HoursRow


class ExportOut(msgspec.Struct):
    """A long download being prepared: where to ask for it (``status_url`` gives the file once ready)."""

    id: UUID
    kind: str
    status: str
    rows: int
    status_url: str
    expires_at: dt.datetime

    @classmethod
    def of(cls, job: ExportJob) -> ExportOut:
        return cls(
            id=job.id,
            kind=job.kind,
            status=job.status.value,
            rows=job.rows,
            status_url=f"/api/exports/{job.id}",
            expires_at=job.expires_at,
        )
