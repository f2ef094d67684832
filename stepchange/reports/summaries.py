"""One line per figure saying what its chart shows: numbers and codes only, never a name."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from stepchange.core.templating import uk_date
from stepchange.ethics.models import ProjectOutcome
from stepchange.projects.models import ProjectStatus, Rag
from stepchange.reports.delivery import NOT_REPORTED
from stepchange.reports.oversight import NOT_REVIEWED
from stepchange.reports.schemas import (
    DailyRow,
    Dashboard,
    DeclarationCounts,
    DemandRow,
    EscalationRow,
    FunnelRow,
    HoursRow,
    MilestoneCounts,
    StaffingRow,
)


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else many or one + 's'}"


def _parts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n:,} {name.replace('_', ' ')}" for name, n in counts.items() if n) or "none"


def summaries(report: Dashboard) -> dict[str, str]:
    """One line per figure, saying what its chart shows: numbers and codes only."""
    return {
        "milestones": _milestones_line(report.milestone_counts),
        "project_status": _totals_line(report.project_status, [s.value for s in ProjectStatus]),
        "project_rag": _totals_line(report.project_rag, [*(r.value for r in Rag), NOT_REPORTED]),
        "staffing": _staffing_line(report.staffing),
        "funnel": _funnel_line(report.funnel),
        "demand": _demand_line(report.demand),
        "daily_submissions": _daily_line(report.daily_submissions),
        "declaration_ages": _declarations_line(report.declarations),
        "ethics_reviews": _totals_line(report.ethics_reviews, [*(o.value for o in ProjectOutcome), NOT_REVIEWED]),
        "escalations": _escalations_line(report.escalations),
        "hours": _hours_line(report.hours_total),
    }


def _milestones_line(counts: MilestoneCounts) -> str:
    return (
        f"{_plural(counts.total, 'milestone')}: {counts.done:,} done, {counts.overdue:,} overdue, "
        f"{counts.to_come:,} still to come."
    )


def _totals_line(rows: Sequence[Any], columns: Sequence[str]) -> str:
    totals = {c: sum(getattr(r, c) for r in rows) for c in columns}
    return f"{_plural(sum(totals.values()), 'project')}: {_parts(totals)}."


def _staffing_line(rows: Sequence[StaffingRow]) -> str:
    leads = sum(r.lead_in_place for r in rows)
    short = sum(r.short_by > 0 for r in rows)
    return (
        f"Leads in place: {leads:,} of {_plural(len(rows), 'open project')}; "
        f"{_plural(short, 'team is', 'teams are')} below the size wanted."
    )


def _funnel_line(rows: Sequence[FunnelRow]) -> str:
    if not rows:
        return "No call to action yet."
    r = rows[-1]
    return (
        f"Latest call: {r.submitted:,} submitted, {r.email_confirmed:,} confirmed their e-mail, "
        f"{r.validated:,} validated, {r.assigned:,} assigned."
    )


def _demand_line(rows: Sequence[DemandRow]) -> str:
    if not rows:
        return "No project has been offered in a call yet."
    unasked = [r.project for r in rows if r.unasked]
    top = max(rows, key=lambda r: r.choices)
    nobody = f"nobody has asked for {', '.join(unasked)}" if unasked else "every project has been asked for"
    return f"{_plural(len(rows), 'project')} offered: {nobody}; most asked for: {top.project} ({top.choices:,})."


def _daily_line(rows: Sequence[DailyRow]) -> str:
    total = sum(r.submissions for r in rows)
    if not total:
        return f"No submissions over {_plural(len(rows), 'day')}."
    busiest = max(rows, key=lambda r: r.submissions)
    return (
        f"{_plural(total, 'submission')} over {_plural(len(rows), 'day')}; "
        f"the busiest day was {uk_date(busiest.day)} with {busiest.submissions:,}."
    )


def _declarations_line(counts: DeclarationCounts) -> str:
    if not counts.pending:
        return "No declaration awaits review."
    median = f"{counts.median_days:g}"
    return (
        f"{_plural(counts.pending, 'declaration awaits', 'declarations await')} review; "
        f"the oldest is {_plural(counts.oldest_days or 0, 'day')} old, the median {median} days."
    )


def _escalations_line(rows: Sequence[EscalationRow]) -> str:
    escalated = sum(r.escalated for r in rows)
    overdue = sum(r.overdue for r in rows)
    return f"{_plural(escalated, 'escalated action is', 'escalated actions are')} open, {overdue:,} of them overdue."


def _hours_line(total: HoursRow) -> str:
    return (
        f"{_plural(total.people, 'person', 'people')} placed on projects offer {total.hours_offered:,} hours a month; "
        f"{total.hours_assigned:,} hours a month are assigned."
    )
