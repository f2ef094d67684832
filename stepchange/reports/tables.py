"""The report's tables: what each is called, its columns in words, and its rows for pages, charts and exports."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec
import polars as pl

from stepchange.core.exports import inert
from stepchange.core.templating import uk_date
from stepchange.projects.models import ProjectStatus
from stepchange.reports.columns import DTYPES, Column, project
from stepchange.reports.delivery import in_view
from stepchange.reports.schemas import Dashboard

Rows = Callable[[Dashboard], Sequence[msgspec.Struct] | Sequence[dict[str, Any]]]


@dataclass(frozen=True)
class Table:
    """One table of a report: ``name`` is its address (``/api/reports/{name}.csv``) and ``figure`` the
    key of its one-line summary. ``more_columns`` adds columns that depend on the report (months);
    ``chart_rows`` are the rows its chart draws, when not all of them; ``export_rows`` the rows its
    downloads hold, when more than the page shows."""

    name: str
    title: str
    caption: str
    figure: str
    columns: tuple[Column, ...]
    rows: Rows
    more_columns: Callable[[Dashboard], list[Column]] = field(default=lambda _report: [])
    chart_rows: Rows | None = None
    export_rows: Rows | None = None

    def columns_of(self, report: Dashboard) -> list[Column]:
        return [*self.columns, *self.more_columns(report)]

    def dicts(self, report: Dashboard) -> list[dict[str, Any]]:
        return [_as_dict(row) for row in self.rows(report)]

    def export(self, report: Dashboard) -> pl.DataFrame:
        """The table as people read it: headings in words, values in words or typed (numbers, dates),
        every text cell made safe for a spreadsheet."""
        columns = self.columns_of(report)
        rows = self.dicts(report) if self.export_rows is None else [_as_dict(r) for r in self.export_rows(report)]
        data: dict[str, list[Any]] = {c.heading: [inert(c.value(r, report)) for r in rows] for c in columns}
        schema = {c.heading: DTYPES.get(c.kind, pl.String) for c in columns}
        return pl.DataFrame(data, schema=schema, strict=False)

    def chart_data(self, report: Dashboard) -> pl.DataFrame:
        """The rows as a chart draws them: the JSON's keys, work-streams by name."""
        names = report.workstream_names
        drawn = self.dicts(report) if self.chart_rows is None else [_as_dict(r) for r in self.chart_rows(report)]
        rows = [{**r, "workstream": names.get(r["workstream"], r["workstream"])} if "workstream" in r else r
                for r in drawn]  # fmt: skip
        if not rows:
            return pl.DataFrame(schema=dict.fromkeys([c.key for c in self.columns], pl.String))
        return pl.DataFrame(rows, infer_schema_length=None)


def _as_dict(row: msgspec.Struct | dict[str, Any]) -> dict[str, Any]:
    return row if isinstance(row, dict) else msgspec.structs.asdict(row)


def _hours_rows(report: Dashboard) -> Sequence[msgspec.Struct]:
    """Each work-stream's hours, and for the programme the total (each person counted once)."""
    return [*report.hours, report.hours_total] if report.scope == "programme" else report.hours


def _exception_rows(report: Dashboard) -> list[dict[str, Any]]:
    return [
        {**msgspec.structs.asdict(r), "why": "; ".join(reason.text for reason in r.reasons)} for r in report.exceptions
    ]


def _rag_months(report: Dashboard) -> list[Column]:
    months = sorted({r.month for r in report.rag_trend})
    return [Column(f"m{m.isoformat()}", uk_date(m, "%b %Y"), "words") for m in months]


def _rag_rows(report: Dashboard) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for r in report.rag_trend:
        row = rows.setdefault(r.project, {"project": r.project, "workstream": r.workstream})
        row[f"m{r.month.isoformat()}"] = r.rag
    return list(rows.values())


WORKSTREAM = Column("workstream", "Work-stream", "workstream")
STATUS_COLUMNS = tuple(Column(s.value, s.value.capitalize()) for s in ProjectStatus)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "exceptions",
            "What needs the board's attention",
            "Live projects that are red or amber, not updated lately, past a milestone, without a lead after "
            "recruiting closed, or with actions escalated to the board; most severe first",
            "exceptions",
            (
                *project(),
                WORKSTREAM,
                Column("status", "Status", "words"),
                Column("rag", "RAG", "words"),
                Column("why", "Why it is listed", "text"),
                Column("narrative", "Latest update", "text"),
                Column("narrative_on", "Updated on", "date"),
            ),
            _exception_rows,
        ),
        Table(
            "changes",
            "What changed since the last board meeting",
            "Status moves, RAG changes, new escalations and milestones met or missed, newest first",
            "changes",
            (
                Column("on", "Date", "date"),
                *project(),
                WORKSTREAM,
                Column("kind", "Change", "words"),
                Column("what", "What changed", "text"),
            ),
            lambda r: r.changes,
        ),
        Table(
            "milestones",
            "Milestones",
            "Milestones overdue, or due or met from a month ago to three months ahead, by due date (the "
            "downloads hold every milestone)",
            "milestones",
            (
                Column("title", "Milestone", "text"),
                Column("project", "Project", "text"),
                Column("due_on", "Due", "date"),
                Column("done_on", "Done", "date"),
                Column("state", "State", "words"),
                Column("days_to_go", "Days to go"),
            ),
            lambda r: in_view(r.milestones, r.generated_on),
            export_rows=lambda r: r.milestones,
        ),
        Table(
            "project-status",
            "Projects by lifecycle status",
            "Projects of each work-stream at each lifecycle status",
            "project_status",
            (WORKSTREAM, *STATUS_COLUMNS, Column("total", "Total")),
            lambda r: r.project_status,
        ),
        Table(
            "project-rag",
            "Projects by RAG",
            "Projects of each work-stream by their latest RAG",
            "project_rag",
            (
                WORKSTREAM,
                Column("green", "Green"),
                Column("amber", "Amber"),
                Column("red", "Red"),
                Column("not_reported", "Not reported"),
                Column("total", "Total"),
            ),
            lambda r: r.project_rag,
        ),
        Table(
            "rag-trend",
            "RAG month by month",
            "Each project's RAG at the end of each of the last twelve months (this month: now)",
            "rag_trend",
            (*project(), WORKSTREAM),
            _rag_rows,
            _rag_months,
        ),
        Table(
            "staffing",
            "Staffing",
            "Open projects: lead in place, and team (offered and accepted places) against the size wanted",
            "staffing",
            (
                *project(),
                WORKSTREAM,
                Column("status", "Status", "words"),
                Column("rag", "RAG", "words"),
                Column("lead_in_place", "Lead in place", "yes_no"),
                Column("lead_offered", "Lead offered", "yes_no"),
                Column("accepted", "Accepted"),
                Column("offered", "Offered"),
                Column("team", "Team"),
                Column("wanted", "Wanted"),
                Column("short_by", "Short by"),
            ),
            lambda r: r.staffing,
        ),
        Table(
            "staffing-trend",
            "Staffing month by month",
            "Places accepted, offers awaiting an answer and projects with a lead in place, at the end of each month",
            "staffing_trend",
            (
                Column("month", "Month", "month"),
                Column("accepted", "Places accepted"),
                Column("offered", "Offers awaiting an answer"),
                Column("leads_in_place", "Projects with a lead in place"),
            ),
            lambda r: r.staffing_trend,
        ),
        Table(
            "funnel",
            "Interest funnel",
            "People in each call: submitted, e-mail confirmed, validated, assigned",
            "funnel",
            (
                Column("call", "Call", "text"),
                Column("submitted", "Submitted"),
                Column("email_confirmed", "E-mail confirmed"),
                Column("validated", "Validated"),
                Column("assigned", "Assigned"),
            ),
            lambda r: r.funnel,
            chart_rows=lambda r: [row for row in r.funnel if r.call is not None and row.call == r.call.name],
        ),
        Table(
            "demand",
            "Demand per project",
            "Choices of each project the call offered, least asked for first",
            "demand",
            (
                *project(),
                WORKSTREAM,
                Column("choices", "Choices"),
                Column("lead_choices", "As lead"),
                Column("first_choices", "First choice"),
                Column("unasked", "Nobody asked", "yes_no"),
            ),
            lambda r: r.demand,
        ),
        Table(
            "call-trend",
            "Submissions and validations over the call",
            "Each UK day someone submitted or was validated, with the totals so far",
            "call_trend",
            (
                Column("day", "Day", "date"),
                Column("submitted", "Submitted"),
                Column("validated", "Validated"),
                Column("submitted_to_date", "Submitted so far"),
                Column("validated_to_date", "Validated so far"),
            ),
            lambda r: r.call_trend,
        ),
        Table(
            "declarations",
            "Declarations awaiting review",
            "Declarations of interest awaiting review, by age",
            "declaration_ages",
            (Column("band", "Waiting", "words"), Column("declarations", "Declarations")),
            lambda r: r.declaration_ages,
        ),
        Table(
            "ethics-reviews",
            "Project ethics reviews",
            "Projects of each work-stream by the outcome of their latest commercial-advantage review",
            "ethics_reviews",
            (
                WORKSTREAM,
                Column("cleared", "Cleared"),
                Column("cleared_with_conditions", "Cleared with conditions"),
                Column("blocked", "Blocked"),
                Column("not_reviewed", "Not reviewed"),
                Column("total", "Total"),
            ),
            lambda r: r.ethics_reviews,
        ),
        Table(
            "escalations",
            "Escalated actions",
            "Open actions escalated to the board, per work-stream",
            "escalations",
            (
                WORKSTREAM,
                Column("escalated", "Escalated"),
                Column("overdue", "Overdue"),
                Column("oldest_days", "Oldest (days)"),
            ),
            lambda r: r.escalations,
        ),
        Table(
            "hours",
            "Hours offered and assigned",
            "Hours a month offered by the people placed in each work-stream, and hours assigned there",
            "hours",
            (
                WORKSTREAM,
                Column("people", "People placed"),
                Column("hours_offered", "Hours offered"),
                Column("hours_assigned", "Hours assigned"),
                Column("assignments_without_hours", "Places without hours"),
            ),
            _hours_rows,
        ),
    )
}
FIGURES = [t for t in TABLES.values() if t.name not in ("exceptions", "changes")]
"""The charted figures, in the page's order (the exceptions and changes are lists at the top)."""
