"""One sentence per figure saying what its chart shows: numbers, codes and the call's name, never a person's."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Any

from stepchange.core.templating import uk_date
from stepchange.ethics.models import ProjectOutcome
from stepchange.projects.models import ProjectStatus, Rag
from stepchange.reports.delivery import NOT_REPORTED, in_view
from stepchange.reports.oversight import NOT_REVIEWED
from stepchange.reports.schemas import (
    CallDayRow,
    ChangeRow,
    Dashboard,
    DeclarationCounts,
    DemandRow,
    EscalationRow,
    ExceptionRow,
    FunnelRow,
    HoursRow,
    MilestoneCounts,
    MilestoneRow,
    RagMonthRow,
    StaffingMonthRow,
    StaffingRow,
)

RULE_WORDS = {
    "red": "red",
    "escalated": "with escalated actions",
    "milestone_overdue": "with an overdue milestone",
    "no_lead": "without a lead after recruiting closed",
    "amber": "amber",
}
CHANGE_WORDS = {
    "status": ("status move", "status moves"),
    "rag": ("RAG change", "RAG changes"),
    "escalation": ("new escalation", "new escalations"),
    "milestone_met": ("milestone met", "milestones met"),
    "milestone_missed": ("milestone missed", "milestones missed"),
}


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else many or one + 's'}"


def _parts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n:,} {name.replace('_', ' ')}" for name, n in counts.items() if n) or "none"


def _month(day: dt.date) -> str:
    return day.strftime("%B %Y")


def summaries(report: Dashboard) -> dict[str, str]:
    """One sentence per figure, saying what its chart shows."""
    return {
        "exceptions": _exceptions_line(report.exceptions, report.stale_days),
        "changes": _changes_line(report.changes, report.since),
        "milestones": _milestones_line(report.milestone_counts, in_view(report.milestones, report.generated_on)),
        "project_status": _totals_line(report.project_status, [s.value for s in ProjectStatus]),
        "project_rag": _totals_line(report.project_rag, [*(r.value for r in Rag), NOT_REPORTED]),
        "rag_trend": _rag_trend_line(report.rag_trend),
        "staffing": _staffing_line(report.staffing),
        "staffing_trend": _staffing_trend_line(report.staffing_trend),
        "funnel": _funnel_line(report.funnel, report.call.name if report.call else None),
        "demand": _demand_line(report.demand),
        "call_trend": _call_trend_line(report.call_trend, report.call.name if report.call else None),
        "declaration_ages": _declarations_line(report.declarations),
        "ethics_reviews": _totals_line(report.ethics_reviews, [*(o.value for o in ProjectOutcome), NOT_REVIEWED]),
        "escalations": _escalations_line(report.escalations),
        "hours": _hours_line(report.hours_total),
    }


def _exceptions_line(rows: Sequence[ExceptionRow], stale_days: int) -> str:
    projects = [r for r in rows if r.project is not None]
    workstreams = len(rows) - len(projects)
    if not rows:
        return "No project needs the board's attention."
    rules = Counter(reason.rule for r in projects for reason in r.reasons)
    words = {**RULE_WORDS, "stale": f"not updated for over {stale_days} days"}
    parts = ", ".join(f"{rules[rule]:,} {text}" for rule, text in words.items() if rules[rule])
    line = f"{_plural(len(projects), 'project needs', 'projects need')} the board's attention"
    line += f": {parts}" if parts else ""
    if workstreams:
        line += f"; {_plural(workstreams, 'work-stream has', 'work-streams have')} escalated actions naming no project"
    return line + "."


def _changes_line(rows: Sequence[ChangeRow], since: dt.date) -> str:
    if not rows:
        return f"Nothing has changed since {uk_date(since)}."
    kinds = Counter(r.kind for r in rows)
    parts = ", ".join(_plural(kinds[k], *words) for k, words in CHANGE_WORDS.items() if kinds[k])
    return f"Since {uk_date(since)}: {parts}."


def _milestones_line(counts: MilestoneCounts, shown: Sequence[MilestoneRow]) -> str:
    line = (
        f"{_plural(counts.total, 'milestone')}: {counts.done:,} done, {counts.overdue:,} overdue, "
        f"{counts.to_come:,} still to come"
    )
    return f"{line}; {len(shown):,} of them overdue, due or met in the months shown." if shown else f"{line}."


def _totals_line(rows: Sequence[Any], columns: Sequence[str]) -> str:
    totals = {c: sum(getattr(r, c) for r in rows) for c in columns}
    return f"{_plural(sum(totals.values()), 'project')}: {_parts(totals)}."


def _rag_trend_line(rows: Sequence[RagMonthRow]) -> str:
    months = sorted({r.month for r in rows})
    if not months:
        return "No project has reported a RAG yet."

    def at(month: dt.date) -> str:
        counts = Counter(r.rag for r in rows if r.month == month)
        return _parts({rag: counts[rag] for rag in [*(r.value for r in Rag), NOT_REPORTED]})

    projects = len({r.project for r in rows})
    line = f"{_plural(projects, 'project')} reporting a RAG. This month: {at(months[-1])}"
    if len(months) > 1:
        line += f"; at the end of {_month(months[-2])}: {at(months[-2])}"
    return line + "."


def _staffing_line(rows: Sequence[StaffingRow]) -> str:
    leads = sum(r.lead_in_place for r in rows)
    short = sum(r.short_by > 0 for r in rows)
    return (
        f"Leads in place: {leads:,} of {_plural(len(rows), 'open project')}; "
        f"{_plural(short, 'team is', 'teams are')} below the size wanted."
    )


def _staffing_trend_line(rows: Sequence[StaffingMonthRow]) -> str:
    if not rows:
        return "No places yet."
    now, first = rows[-1], rows[0]
    line = f"Places accepted: {now.accepted:,} now"
    if len(rows) > 1:
        line += f", {rows[-2].accepted:,} at the end of {_month(rows[-2].month)}"
        line += f" and {first.accepted:,} at the end of {_month(first.month)}"
    return (
        f"{line}; {_plural(now.offered, 'offer awaits', 'offers await')} an answer; "
        f"{_plural(now.leads_in_place, 'project has', 'projects have')} a lead in place."
    )


def _funnel_line(rows: Sequence[FunnelRow], call: str | None) -> str:
    row = next((r for r in rows if r.call == call), None)
    if row is None:
        return "No call to action has opened yet."
    return (
        f"{call}: {row.submitted:,} submitted, {row.email_confirmed:,} confirmed their e-mail, "
        f"{row.validated:,} validated, {row.assigned:,} assigned."
    )


def _demand_line(rows: Sequence[DemandRow]) -> str:
    if not rows:
        return "The call offers no project."
    unasked = [r.project for r in rows if r.unasked]
    top = max(rows, key=lambda r: r.choices)
    nobody = f"nobody has asked for {', '.join(unasked)}" if unasked else "every project has been asked for"
    most = f"; most asked for: {top.project} ({top.choices:,})" if top.choices else ""
    return f"{_plural(len(rows), 'project')} offered: {nobody}{most}."


def _call_trend_line(rows: Sequence[CallDayRow], call: str | None) -> str:
    if call is None:
        return "No call to action has opened yet."
    if not rows:
        return f"{call}: no submissions yet."
    busiest = max(rows, key=lambda r: r.submitted)
    last = rows[-1]
    return (
        f"{call}: {_plural(last.submitted_to_date, 'submission')} from {uk_date(rows[0].day)} to "
        f"{uk_date(last.day)}, the most on {uk_date(busiest.day)} ({busiest.submitted:,}); "
        f"{last.validated_to_date:,} of these people validated so far."
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
