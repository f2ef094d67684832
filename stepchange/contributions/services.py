"""The time ledger's rules: a volunteer with an accepted place logs time and unreimbursed expenses per
project per month; the project's co-chairs (or the office) confirm or query each entry; erasure keeps the
numbers and drops the words."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import ColumnElement, Select, func, select, update
from sqlalchemy.exc import IntegrityError

from stepchange.assignments.models import Assignment, AssignmentStatus
from stepchange.contributions.models import EntryStatus, ExpenseKind, TimeEntry
from stepchange.core import audit, clock
from stepchange.core.authz import Role, require_runs_workstream
from stepchange.core.errors import BrokenRule, FieldError, InvalidInput, NotFound, RuleViolation
from stepchange.core.guards import Principal
from stepchange.core.services import DomainService
from stepchange.core.validation import text_problem
from stepchange.people.models import Volunteer
from stepchange.projects.models import Project
from stepchange.projects.services import ProjectService

MONTH = re.compile(r"(\d{4})-(\d{2})", re.ASCII)
MIN_HOURS, MAX_HOURS = 0.5, 200
MAX_EXPENSES_PENCE = 1_000_000
NOTE_LIMIT = 500
REVIEWS = (EntryStatus.CONFIRMED, EntryStatus.QUERIED)
PLACE_HELD = (AssignmentStatus.ACCEPTED, AssignmentStatus.ENDED)


@dataclass(frozen=True)
class EntryDraft:
    """What a volunteer logs for one project and month."""

    project: str
    month: str
    hours: float
    expenses_pence: int = 0
    expense_kind: str = ""
    note: str = ""


def month_label(month: dt.date) -> str:
    return month.strftime("%B %Y")


def parse_month(text: str) -> dt.date:
    """``YYYY-MM`` as the first day of that month, or InvalidInput naming ``month``."""
    match = MONTH.fullmatch(text.strip())
    if match is None or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
        raise InvalidInput.one("month", "Enter the month as a year and month, like 2026-11")
    return dt.date(int(match[1]), int(match[2]), 1)


def _checked(draft: EntryDraft) -> tuple[dt.date, int, int, str, str]:
    """The month, minutes, pence, kind and note; InvalidInput naming every field that is wrong."""
    errors: list[FieldError] = []
    month = dt.date.min
    try:
        month = parse_month(draft.month)
        if month > clock.uk_today().replace(day=1):
            errors.append(FieldError("month", "You cannot log time for a month that has not started"))
    except InvalidInput as exc:
        errors.extend(exc.errors)
    if not MIN_HOURS <= draft.hours <= MAX_HOURS:
        errors.append(FieldError("hours", f"Enter hours from {MIN_HOURS} to {MAX_HOURS}, like 6.5"))
    if not 0 <= draft.expenses_pence <= MAX_EXPENSES_PENCE:
        errors.append(FieldError("expenses_pence", "Enter expenses from £0 to £10,000"))
    kind = draft.expense_kind.strip()
    if draft.expenses_pence and kind not in {k.value for k in ExpenseKind}:
        errors.append(FieldError("expense_kind", "Choose what the expenses were for: travel, refreshments or other"))
    problem = text_problem(draft.note, "note", label="the note", max_length=NOTE_LIMIT, required=False)
    if problem is not None:
        errors.append(problem)
    if errors:
        raise InvalidInput(errors)
    return (
        month,
        round(draft.hours * 60),
        draft.expenses_pence,
        kind if draft.expenses_pence else "",
        draft.note.strip(),
    )


class TimeEntryRepository(SQLAlchemyAsyncRepository[TimeEntry]):
    model_type = TimeEntry


class ContributionService(DomainService[TimeEntry, TimeEntryRepository]):
    """Logging, reviewing and counting the time and expenses volunteers give."""

    repository_type = TimeEntryRepository

    async def _place_months(self, volunteer_id: UUID, project: Project) -> tuple[dt.date, dt.date | None]:
        """The month the person's place on the project began (accepted) and, if every place they held there
        has ended, the month it ended; 409 if they never accepted one."""
        began, ended, holding = (
            await self.session.execute(
                select(
                    func.min(Assignment.responded_at),
                    func.max(Assignment.ended_at),
                    func.count().filter(Assignment.status == AssignmentStatus.ACCEPTED),
                ).where(
                    Assignment.volunteer_id == volunteer_id,
                    Assignment.project_id == project.id,
                    Assignment.status.in_(PLACE_HELD),
                    Assignment.responded_at.is_not(None),
                )
            )
        ).one()
        if began is None:
            message = f"You can log time only for a project you have accepted a place on, not {project.code}"
            raise RuleViolation([BrokenRule("no_place", message)])

        def first_of(moment: dt.datetime) -> dt.date:
            return moment.astimezone(clock.UK).date().replace(day=1)

        return first_of(began), first_of(ended) if ended is not None and not holding else None

    async def log(self, volunteer_id: UUID, draft: EntryDraft) -> tuple[TimeEntry, Project, bool]:
        """Log (or, until confirmed, change) the month's entry for a project; ``True`` if it is new."""
        project = await ProjectService(session=self.session).by_code(draft.project)
        month, minutes, pence, kind, note = _checked(draft)
        began, ended = await self._place_months(volunteer_id, project)
        if ended is not None and month > ended:
            raise InvalidInput.one(
                "month", f"Your place on {project.code} ended in {month_label(ended)}: log time up to then"
            )
        if month < began:
            raise InvalidInput.one(
                "month", f"Your place on {project.code} began in {month_label(began)}: log time from then"
            )
        entry = await self.session.scalar(
            select(TimeEntry).where(
                TimeEntry.volunteer_id == volunteer_id, TimeEntry.project_id == project.id, TimeEntry.month == month
            )
        )
        created = entry is None
        if entry is None:
            entry = TimeEntry(volunteer_id=volunteer_id, project_id=project.id, month=month)
            self.session.add(entry)
        elif entry.status == EntryStatus.CONFIRMED:
            raise RuleViolation(
                [
                    BrokenRule(
                        "confirmed",
                        f"Your time on {project.code} for {month_label(month)} is confirmed and can no longer change",
                    )
                ]
            )
        entry.minutes, entry.expenses_pence, entry.expense_kind, entry.note = minutes, pence, kind, note
        entry.status = EntryStatus.PENDING
        try:
            await self.session.flush()
        except IntegrityError:  # the same month logged at the same moment elsewhere: the unique index refused it
            message = f"Your time on {project.code} for {month_label(month)} was logged just now; reload and change it"
            raise RuleViolation([BrokenRule("logged_meanwhile", message)]) from None
        await audit.record(
            self.session,
            None,
            "time.logged" if created else "time.changed",
            subject_type="volunteer",
            subject_id=volunteer_id,
            summary=f"{project.code} {month:%Y-%m}: {minutes / 60:g} hours, {pence} pence expenses",
        )
        return entry, project, created

    async def places(self, volunteer_id: UUID) -> list[Project]:
        """The projects the person has (or had) an accepted place on: where they may log time."""
        return await _places(self, volunteer_id)

    async def mine(
        self, volunteer_id: UUID, *, limit: int = 50, offset: int = 0
    ) -> tuple[list[tuple[TimeEntry, Project]], int]:
        """My entries, newest month first."""
        rows, total = await self._page([TimeEntry.volunteer_id == volunteer_id], limit, offset)
        return [(e, p) for e, p, _ in rows], total

    async def to_review(
        self, actor: Principal, *, status: EntryStatus | None = None, limit: int = 50, offset: int = 0
    ) -> tuple[list[tuple[TimeEntry, Project, str]], int]:
        """Entries, with the giver's name, for the co-chair's own work-stream's projects (the office: every
        project), oldest first."""
        filters: list[ColumnElement[bool]] = []
        if actor.role != Role.COORDINATOR:
            # By the work-stream's projects, not a join: the entries are then counted from their own table.
            projects = select(Project.id).where(Project.workstream_id == actor.workstream_id)
            filters.append(TimeEntry.project_id.in_(projects.scalar_subquery()))
        if status is not None:
            filters.append(TimeEntry.status == status)
        return await self._page(filters, limit, offset, newest_first=False)

    async def _page(
        self, filters: Sequence[ColumnElement[bool]], limit: int, offset: int, *, newest_first: bool = True
    ) -> tuple[list[tuple[TimeEntry, Project, str]], int]:
        """A page of the entries that pass ``filters`` (on the entry alone), with each one's project and giver.
        Counted without the joins: every entry has its project and its giver (both required keys)."""
        total = await self.session.scalar(select(func.count()).select_from(TimeEntry).where(*filters))
        rows = await self.session.execute(
            entries_in_order(filters, newest_first=newest_first).limit(limit).offset(offset)
        )
        return [(e, p, name) for e, p, name in rows.all()], int(total or 0)

    async def review(
        self, actor: Principal, entry_id: UUID, decision: EntryStatus, note: str
    ) -> tuple[TimeEntry, Project]:
        """Confirm (final) or query (the giver may change it) an entry of one of the actor's projects."""
        found = (
            await self.session.execute(
                select(TimeEntry, Project)
                .join(Project, TimeEntry.project_id == Project.id)
                .where(TimeEntry.id == entry_id)
            )
        ).first()
        if found is None:
            raise NotFound("time entry", f"id {entry_id}")
        entry, project = found
        require_runs_workstream(actor, project.workstream_id, "review time logged on this project")
        if decision not in REVIEWS:
            raise InvalidInput.one("decision", "Choose whether to confirm or query the time")
        problem = text_problem(
            note, "note", label="the note", max_length=NOTE_LIMIT, required=decision == EntryStatus.QUERIED
        )
        if problem is not None:
            raise InvalidInput([problem])
        if entry.status == EntryStatus.CONFIRMED:
            raise RuleViolation([BrokenRule("confirmed", "This time is confirmed already")])
        entry.status, entry.review_note = decision, note.strip()
        entry.reviewed_by, entry.reviewed_at = actor.label, clock.now()
        await audit.record(
            self.session,
            actor,
            f"time.{decision.value}",
            subject_type="project",
            subject_id=project.code,
            summary=f"{project.code} {entry.month:%Y-%m}: {entry.minutes / 60:g} hours {decision.value}",
        )
        await self.session.flush()
        return entry, project

    # --- the person's own data ------------------------------------------------------------------------

    async def export_for(self, volunteer_id: UUID) -> list[dict[str, Any]]:
        """A person's entries for their subject-access download."""
        rows, _ = await self.mine(volunteer_id, limit=10_000)
        return [
            {
                "project": p.code,
                "month": f"{e.month:%Y-%m}",
                "hours": e.minutes / 60,
                "expenses_pence": e.expenses_pence,
                "expense_kind": e.expense_kind,
                "note": e.note,
                "status": e.status,
                "review_note": e.review_note,
                "logged_at": e.created_at,
            }
            for e, p in rows
        ]

    async def forget_words(self, volunteer_id: UUID) -> None:
        """Erasure: the hours and expenses stay as anonymous totals; the person's own words go."""
        await self.session.execute(update(TimeEntry).where(TimeEntry.volunteer_id == volunteer_id).values(note=""))


def entries_in_order(filters: Sequence[ColumnElement[bool]], *, newest_first: bool) -> Select[TimeEntry, Project, str]:
    """The entries that pass ``filters``, each with its project and its giver's name: a person's own newest
    month first, or (to confirm) oldest logged first, the order ``ix_time_entry_created_at_id`` is read in."""
    order = (TimeEntry.month.desc(), Project.code) if newest_first else (TimeEntry.created_at, TimeEntry.id)
    return (
        select(TimeEntry, Project, Volunteer.name)
        .join(Project, TimeEntry.project_id == Project.id)
        .join(Volunteer, TimeEntry.volunteer_id == Volunteer.id)
        .where(*filters)
        .order_by(*order)
    )


async def _places(service: ContributionService, volunteer_id: UUID) -> list[Project]:
    rows = await service.session.scalars(
        select(Project)
        .join(Assignment, Assignment.project_id == Project.id)
        .where(
            Assignment.volunteer_id == volunteer_id,
            Assignment.status.in_(PLACE_HELD),
            Assignment.responded_at.is_not(None),
        )
        .distinct()
        .order_by(Project.code)
    )
    return list(rows.all())
