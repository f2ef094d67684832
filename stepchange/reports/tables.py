"""The report's tables: what each is called, its columns' headings, and its rows for pages and exports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
import polars as pl

from stepchange.core.exports import frame
from stepchange.core.templating import uk_date
from stepchange.projects.models import ProjectStatus
from stepchange.reports.schemas import Dashboard

NO_VALUE = "\N{EN DASH}"


@dataclass(frozen=True)
class Table:
    """One table of a report: ``name`` is its address (``/api/reports/{name}.csv``) and ``figure`` the
    key of its one-line summary."""

    name: str
    title: str
    caption: str
    figure: str
    columns: tuple[tuple[str, str], ...]
    rows: Callable[[Dashboard], Sequence[msgspec.Struct]]

    @property
    def keys(self) -> list[str]:
        return [key for key, _ in self.columns]

    def dicts(self, report: Dashboard) -> list[dict[str, Any]]:
        return [msgspec.structs.asdict(row) for row in self.rows(report)]

    def export(self, report: Dashboard) -> pl.DataFrame:
        """The table as a download: the same rows, every cell made safe for a spreadsheet."""
        return frame(self.dicts(report), self.keys)

    def chart_data(self, report: Dashboard) -> pl.DataFrame:
        rows = self.dicts(report)
        return pl.DataFrame(rows) if rows else pl.DataFrame(schema=dict.fromkeys(self.keys, pl.String))


def _hours_rows(report: Dashboard) -> Sequence[msgspec.Struct]:
    """Each work-stream's hours, and for the programme the total (each person counted once)."""
    return [*report.hours, report.hours_total] if report.scope == "programme" else report.hours


STATUS_COLUMNS = tuple((s.value, s.value.capitalize()) for s in ProjectStatus)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "milestones",
            "Milestones",
            "Milestones by due date, with their state and days to go (UK time)",
            "milestones",
            (
                ("title", "Milestone"),
                ("project", "Project"),
                ("due_on", "Due"),
                ("done_on", "Done"),
                ("state", "State"),
                ("days_to_go", "Days to go"),
            ),
            lambda r: r.milestones,
        ),
        Table(
            "project-status",
            "Projects by lifecycle status",
            "Projects of each work-stream at each lifecycle status",
            "project_status",
            (("workstream", "Work-stream"), *STATUS_COLUMNS, ("total", "Total")),
            lambda r: r.project_status,
        ),
        Table(
            "project-rag",
            "Projects by RAG",
            "Projects of each work-stream by their latest RAG",
            "project_rag",
            (
                ("workstream", "Work-stream"),
                ("green", "Green"),
                ("amber", "Amber"),
                ("red", "Red"),
                ("not_reported", "Not reported"),
                ("total", "Total"),
            ),
            lambda r: r.project_rag,
        ),
        Table(
            "staffing",
            "Staffing",
            "Open projects: lead in place, and team (offered and accepted places) against the size wanted",
            "staffing",
            (
                ("project", "Project"),
                ("workstream", "Work-stream"),
                ("status", "Status"),
                ("rag", "RAG"),
                ("lead_in_place", "Lead in place"),
                ("lead_offered", "Lead offered"),
                ("accepted", "Accepted"),
                ("offered", "Offered"),
                ("team", "Team"),
                ("wanted", "Wanted"),
                ("short_by", "Short by"),
            ),
            lambda r: r.staffing,
        ),
        Table(
            "funnel",
            "Interest funnel",
            "People in each call: submitted, e-mail confirmed, validated, assigned",
            "funnel",
            (
                ("call", "Call"),
                ("submitted", "Submitted"),
                ("email_confirmed", "E-mail confirmed"),
                ("validated", "Validated"),
                ("assigned", "Assigned"),
            ),
            lambda r: r.funnel,
        ),
        Table(
            "demand",
            "Demand per project",
            "Choices of each project offered in a call, least asked for first",
            "demand",
            (
                ("project", "Project"),
                ("workstream", "Work-stream"),
                ("title", "Title"),
                ("calls", "Calls"),
                ("choices", "Choices"),
                ("lead_choices", "As lead"),
                ("first_choices", "First choice"),
                ("unasked", "Nobody asked"),
            ),
            lambda r: r.demand,
        ),
        Table(
            "daily-submissions",
            "Daily submissions",
            "Expressions of interest per UK day while each call was open",
            "daily_submissions",
            (("call", "Call"), ("day", "Day"), ("submissions", "Submissions")),
            lambda r: r.daily_submissions,
        ),
        Table(
            "declarations",
            "Declarations awaiting review",
            "Declarations of interest awaiting review, by age",
            "declaration_ages",
            (("band", "Waiting"), ("declarations", "Declarations")),
            lambda r: r.declaration_ages,
        ),
        Table(
            "ethics-reviews",
            "Project ethics reviews",
            "Projects of each work-stream by the outcome of their latest commercial-advantage review",
            "ethics_reviews",
            (
                ("workstream", "Work-stream"),
                ("cleared", "Cleared"),
                ("cleared_with_conditions", "Cleared with conditions"),
                ("blocked", "Blocked"),
                ("not_reviewed", "Not reviewed"),
                ("total", "Total"),
            ),
            lambda r: r.ethics_reviews,
        ),
        Table(
            "escalations",
            "Escalated actions",
            "Open actions escalated to the board, per work-stream",
            "escalations",
            (
                ("workstream", "Work-stream"),
                ("escalated", "Escalated"),
                ("overdue", "Overdue"),
                ("oldest_days", "Oldest (days)"),
            ),
            lambda r: r.escalations,
        ),
        Table(
            "hours",
            "Hours offered and assigned",
            "Hours a month offered by the people placed in each work-stream, and hours assigned there",
            "hours",
            (
                ("workstream", "Work-stream"),
                ("people", "People placed"),
                ("hours_offered", "Hours offered"),
                ("hours_assigned", "Hours assigned"),
                ("assignments_without_hours", "Places without hours"),
            ),
            _hours_rows,
        ),
    )
}


def display(value: Any) -> str:
    """A cell as people read it: Yes/No, UK dates, codes in words, a dash for nothing."""
    if value is None:
        return NO_VALUE
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.date):
        return uk_date(value)
    if isinstance(value, float):
        return f"{value:,g}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, str) and value.islower() and "_" in value:
        return value.replace("_", " ")
    return str(value)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
