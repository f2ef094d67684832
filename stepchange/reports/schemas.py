"""The board's figures as JSON: counts, states and codes only, never anyone's name, address or declaration."""

from __future__ import annotations

import datetime as dt

import msgspec


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
    """The interest shown in one project offered in a call."""

    project: str
    workstream: str
    title: str
    calls: int
    choices: int
    lead_choices: int
    first_choices: int
    unasked: bool


class DailyRow(msgspec.Struct):
    call: str
    day: dt.date
    submissions: int


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
    summaries: dict[str, str]
    milestones: list[MilestoneRow]
    milestone_counts: MilestoneCounts
    project_status: list[StatusRow]
    project_rag: list[RagRow]
    staffing: list[StaffingRow]
    funnel: list[FunnelRow]
    demand: list[DemandRow]
    daily_submissions: list[DailyRow]
    declarations: DeclarationCounts
    declaration_ages: list[AgeBandRow]
    ethics_reviews: list[EthicsRow]
    escalations: list[EscalationRow]
    hours: list[HoursRow]
    hours_total: HoursRow
