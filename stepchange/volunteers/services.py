"""Volunteer self-service rules: sign-in by single-use link, changes while a call is open, declarations back
to review, withdrawal, subject access and erasure (DESIGN.md, "Personal data (UK GDPR)")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.assignments.models import Assignment
from stepchange.assignments.services import AssignmentService
from stepchange.contributions.services import ContributionService
from stepchange.core import audit, clock
from stepchange.core.audit import AuditEntry
from stepchange.core.authz import Role
from stepchange.core.errors import BrokenRule, InvalidInput, NotFound, RuleViolation
from stepchange.core.guards import Principal
from stepchange.core.links import OneTimeLink, issue_link, use_link
from stepchange.core.mail import forget_mail_to
from stepchange.core.mail_templates import queue_templated_mail
from stepchange.core.services import DomainService
from stepchange.core.settings import Settings
from stepchange.core.validation import email_problem, normalise_email
from stepchange.ethics.models import Declaration, ReviewState
from stepchange.interest.calls import CallWindow, is_open, last_moment, project_codes
from stepchange.interest.models import Call, Choice, Expression, ExpressionStatus, HeldSubmission
from stepchange.interest.rules import SubmissionRules
from stepchange.people.models import ErasureRequest, IdentityStep, Volunteer, VolunteerNote
from stepchange.people.services import ERASED, PeopleService
from stepchange.projects.models import Project
from stepchange.projects.proposals import forget_proposer, proposals_of

SIGN_IN = "volunteer_sign_in"
REFUSAL_LIMIT = 2000
WAITING = (ErasureRequest.carried_out_at.is_(None), ErasureRequest.refused_at.is_(None))
"""An erasure request still waiting for the office: neither carried out nor refused."""
SIGN_IN_LIFETIME = dt.timedelta(minutes=30)
MY_DATA_FILE = "my-step-change-data"
"""The name (before ``.json``) of the file a volunteer's subject-access download saves as."""


@dataclass(frozen=True)
class VolunteerPrincipal:
    """A volunteer signed in by link: they see and change only their own record."""

    id: UUID
    role: str = Role.VOLUNTEER
    workstream_id: UUID | None = None
    label: str = "the volunteer"


async def load_volunteer_principal(db: AsyncSession, volunteer_id: UUID, _epoch: int) -> VolunteerPrincipal | None:
    """Session loader: the volunteer still exists and has not been erased."""
    person = await db.get(Volunteer, volunteer_id)
    return VolunteerPrincipal(person.id) if person is not None and person.erased_at is None else None


class MyRecordRepository(SQLAlchemyAsyncRepository[Volunteer]):
    model_type = Volunteer


class SelfService(DomainService[Volunteer, MyRecordRepository]):
    """What a volunteer may do with their own record; every change audited (without personal data)."""

    repository_type = MyRecordRepository

    async def me(self, principal: Principal) -> Volunteer:
        person = await self.session.get(Volunteer, principal.id)
        if person is None or person.erased_at is not None:
            raise NotFound("record", "yours")
        return person

    # --- signing in -----------------------------------------------------------------------------

    async def request_link(self, email: str, settings: Settings) -> None:
        """E-mail a sign-in link if the address is known; the caller answers the same either way."""
        if email_problem(email) is not None:
            return
        person = await self.session.scalar(select(Volunteer).where(Volunteer.email == normalise_email(email)))
        if person is None or person.erased_at is not None:
            return
        token = await issue_link(self.session, SIGN_IN, person.id, lifetime=SIGN_IN_LIFETIME)
        await queue_templated_mail(
            self.session,
            "volunteer_sign_in",
            to=person.email,
            category=SIGN_IN,
            person=person,
            minutes=SIGN_IN_LIFETIME // dt.timedelta(minutes=1),
            url=f"{settings.base_url}/my/sign-in/{token}",
        )

    async def sign_in(self, token: str) -> Volunteer:
        link = await use_link(self.session, SIGN_IN, token[:200])
        person = await self.session.get(Volunteer, link.subject_id)
        if person is None or person.erased_at is not None:
            raise NotFound("link", "that address")
        await audit.record(
            self.session,
            VolunteerPrincipal(person.id),
            "volunteer.signed_in",
            subject_type="volunteer",
            subject_id=person.id,
        )
        return person

    # --- my record --------------------------------------------------------------------------------

    async def expressions(self, person: Volunteer) -> list[tuple[Expression, Call]]:
        rows = await self.session.execute(
            select(Expression, Call)
            .join(Call, Expression.call_id == Call.id)
            .where(Expression.volunteer_id == person.id)
            .order_by(Call.opens_at.desc())
        )
        return [(e, c) for e, c in rows.all()]

    async def declarations(self, person: Volunteer) -> list[Declaration]:
        rows = await self.session.scalars(
            select(Declaration).where(Declaration.volunteer_id == person.id).order_by(Declaration.created_at)
        )
        return list(rows.all())

    async def assignments(self, person: Volunteer) -> Sequence[tuple[Assignment, Project]]:
        return await AssignmentService(session=self.session).of_volunteer(person.id)

    async def project_codes(self) -> dict[UUID, str]:
        return dict(await project_codes(self.session))

    async def _open_expression(self, person: Volunteer, call_id: UUID) -> tuple[Expression, Call]:
        """My expression for a call that is still open: changes are allowed only then."""
        found = await self.session.execute(
            select(Expression, Call)
            .join(Call, Expression.call_id == Call.id)
            .where(Expression.volunteer_id == person.id, Expression.call_id == call_id)
        )
        row = found.first()
        if row is None:
            raise NotFound("expression of interest", f"call {call_id}", relation="for")
        expression, call = row
        if not is_open(call, clock.now()):
            raise RuleViolation(
                [BrokenRule("call_closed", f"{call.name} closed at {last_moment(call)}: it can no longer change")]
            )
        if expression.status is ExpressionStatus.WITHDRAWN:
            raise RuleViolation([BrokenRule("withdrawn", "You withdrew this expression of interest")])
        return expression, call

    async def change_choices(self, person: Volunteer, call_id: UUID, choices: list[Any], hours: int) -> Expression:
        """Change my ranked choices and hours while the call is open."""
        expression, call = await self._open_expression(person, call_id)
        checked = SubmissionRules(CallWindow.of(call, await project_codes(self.session))).check_choices(choices, hours)
        await self.session.execute(delete(Choice).where(Choice.expression_id == expression.id))
        for project_id, rank, role in checked:
            self.session.add(Choice(expression_id=expression.id, project_id=project_id, rank=rank, role=role))
        before = {"hours_per_month": expression.hours_per_month}
        expression.hours_per_month = hours
        await PeopleService(session=self.session).change_details(
            VolunteerPrincipal(person.id), person, {"hours_per_month": hours}, why=f"Changed choices for {call.name}"
        )
        await self._audit(
            person,
            "volunteer.choices_changed",
            f"Changed choices for {call.name}",
            audit.diff(before, {"hours_per_month": hours}),
        )
        await self.session.flush()
        self.session.expire(expression, ["choices"])
        return expression

    async def withdraw_from_project(self, person: Volunteer, call_id: UUID, code: str) -> None:
        """Take one project out of my choices (and end any place I hold on it)."""
        expression, _ = await self._open_expression(person, call_id)
        project = await self.session.scalar(select(Project).where(Project.code == code.strip().upper()))
        if project is None or not any(c.project_id == project.id for c in expression.choices):
            raise NotFound("choice", f"{code!r} in your expression of interest")
        await self.session.execute(
            delete(Choice).where(Choice.expression_id == expression.id, Choice.project_id == project.id)
        )
        await AssignmentService(session=self.session).end_places_of(person.id, project.id)
        await self._audit(person, "volunteer.withdrew_from_project", f"Withdrew from {project.code}")
        self.session.expire(expression, ["choices"])

    async def withdraw_from_programme(self, person: Volunteer) -> None:
        """Withdraw every expression of interest and end every place held."""
        await self.session.execute(
            update(Expression).where(Expression.volunteer_id == person.id).values(status=ExpressionStatus.WITHDRAWN)
        )
        await AssignmentService(session=self.session).end_places_of(person.id)
        await self._audit(person, "volunteer.withdrew", "Withdrew from the programme")

    # --- declarations -------------------------------------------------------------------------------

    async def add_declaration(self, person: Volunteer, declaration: Any) -> Declaration:
        kind, description, organisation, project_ids = await self._checked_declaration(declaration)
        projects = list((await self.session.scalars(select(Project).where(Project.id.in_(project_ids)))).all())
        entry = Declaration(
            volunteer_id=person.id,
            kind=kind,
            description=description,
            organisation=organisation,
            projects=projects,
            state=ReviewState.PENDING,
        )
        self.session.add(entry)
        await self.session.flush()
        await self._audit(person, "declaration.added", "Declared an interest", {"declaration": audit.CHANGED})
        return entry

    async def change_declaration(self, person: Volunteer, declaration_id: UUID, declaration: Any) -> Declaration:
        """A changed declaration goes back to review."""
        entry = await self._mine(person, declaration_id)
        kind, description, organisation, project_ids = await self._checked_declaration(declaration)
        entry.kind, entry.description, entry.organisation = kind, description, organisation
        entry.projects = list((await self.session.scalars(select(Project).where(Project.id.in_(project_ids)))).all())
        entry.state, entry.withdrawn_at = ReviewState.PENDING, None
        await self._audit(
            person, "declaration.changed", "Changed a declaration: back to review", {"declaration": audit.CHANGED}
        )
        return entry

    async def withdraw_declaration(self, person: Volunteer, declaration_id: UUID) -> Declaration:
        """A withdrawn declaration also goes back to review, so nobody is assigned on an unreviewed change."""
        entry = await self._mine(person, declaration_id)
        entry.withdrawn_at, entry.state = clock.now(), ReviewState.PENDING
        await self._audit(person, "declaration.withdrawn", "Withdrew a declaration: back to review")
        return entry

    async def _mine(self, person: Volunteer, declaration_id: UUID) -> Declaration:
        entry = await self.session.get(Declaration, declaration_id)
        if entry is None or entry.volunteer_id != person.id:
            raise NotFound("declaration", f"id {declaration_id}")
        return entry

    async def _checked_declaration(self, declaration: Any) -> tuple[Any, str, str, list[UUID]]:
        window = CallWindow.outside_any_call(await project_codes(self.session))
        return SubmissionRules(window).check_declaration(declaration)

    async def _audit(self, person: Volunteer, action: str, summary: str, changes: dict[str, Any] | None = None) -> None:
        await audit.record(
            self.session,
            VolunteerPrincipal(person.id),
            action,
            subject_type="volunteer",
            subject_id=person.id,
            summary=summary,
            changes=changes,
        )

    # --- my data ------------------------------------------------------------------------------------

    async def export(self, person: Volunteer) -> dict[str, Any]:
        """Everything held about me (subject access), as plain JSON-ready data."""
        steps = await self.session.scalars(
            select(IdentityStep).where(IdentityStep.volunteer_id == person.id).order_by(IdentityStep.created_at)
        )
        notes = await self.session.scalars(
            select(VolunteerNote).where(VolunteerNote.volunteer_id == person.id).order_by(VolunteerNote.created_at)
        )
        events = await self.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.subject_type == "volunteer", AuditEntry.subject_id == str(person.id))
            .order_by(AuditEntry.created_at)
        )
        codes = await self.project_codes()
        return {
            "person": {
                f: getattr(person, f)
                for f in (
                    "id",
                    "name",
                    "email",
                    "phone",
                    "organisation",
                    "job_title",
                    "sector",
                    "hours_per_month",
                    "identity",
                    "created_at",
                )
            },
            "expressions": [
                {
                    "call": c.name,
                    "status": e.status,
                    "submitted_at": e.submitted_at,
                    "late": e.late,
                    "hours_per_month": e.hours_per_month,
                    "experience": e.experience,
                    "credentials": e.credentials,
                    "no_conflicts": e.no_conflicts,
                    "statement_version": e.statement_version,
                    "statement_accepted_at": e.statement_accepted_at,
                    "choices": [
                        {"project": codes[ch.project_id], "rank": ch.rank, "role": ch.role} for ch in e.choices
                    ],
                }
                for e, c in await self.expressions(person)
            ],
            "declarations": [
                {
                    "kind": d.kind,
                    "description": d.description,
                    "organisation": d.organisation,
                    "projects": [p.code for p in d.projects],
                    "review": d.state,
                    "declared_at": d.created_at,
                    "withdrawn_at": d.withdrawn_at,
                }
                for d in await self.declarations(person)
            ],
            "assignments": [
                {"project": p.code, "role": a.role, "status": a.status, "offered_at": a.created_at}
                for a, p in await self.assignments(person)
            ],
            "identity_history": [{"step": s.step, "by": s.by, "how": s.how, "at": s.created_at} for s in steps.all()],
            "notes_by_the_office": [{"author": n.author, "text": n.text, "at": n.created_at} for n in notes.all()],
            "activity": [{"action": a.action, "at": a.created_at, "summary": a.summary} for a in events.all()],
            "time_donated": await ContributionService(session=self.session).export_for(person.id),
            "proposed_changes": await proposals_of(self.session, person.id),
        }

    # --- erasure ------------------------------------------------------------------------------------

    async def request_erasure(self, person: Volunteer) -> ErasureRequest:
        existing = await self.session.scalar(select(ErasureRequest).where(ErasureRequest.volunteer_id == person.id))
        if existing is not None:
            if existing.refused_at is not None:  # asked again after a refusal: back in the office's queue
                existing.refused_at, existing.refused_by, existing.refusal_reason = None, "", ""
                existing.created_at = clock.now()
                await self._audit(person, "volunteer.erasure_requested", "Asked for erasure again")
            return existing
        request = ErasureRequest(volunteer_id=person.id)
        self.session.add(request)
        await self._audit(person, "volunteer.erasure_requested", "Asked for erasure")
        return request

    async def pending_erasures(self, limit: int, offset: int) -> tuple[list[ErasureRequest], int]:
        """A page of the erasure requests waiting for the office (oldest first) and how many wait: read and
        counted in the database, never the whole queue."""
        waiting = select(ErasureRequest).where(*WAITING)
        total = await self.session.scalar(select(func.count()).select_from(waiting.subquery()))
        page = await self.session.scalars(
            waiting.order_by(ErasureRequest.created_at, ErasureRequest.id).limit(limit).offset(offset)
        )
        return list(page.all()), int(total or 0)

    async def waiting_erasure(self, volunteer_id: UUID) -> ErasureRequest:
        """The person's erasure request still waiting for the office (else 404: done items leave the queue)."""
        request = await self.session.scalar(
            select(ErasureRequest).where(ErasureRequest.volunteer_id == volunteer_id, *WAITING)
        )
        if request is None:
            raise NotFound("erasure request", f"waiting for volunteer {volunteer_id}")
        return request

    async def refuse_erasure(self, actor: Principal, volunteer_id: UUID, reason: str) -> ErasureRequest:
        """The office refuses an erasure request, saying why (UK GDPR art. 17(3): e.g. a legal obligation to
        keep the record). The person is told the reason by e-mail; the request leaves the queue, and asking
        again puts it back."""
        reason = reason.strip()
        if not reason:
            raise InvalidInput.one("reason", "Enter the reason the erasure is refused: the person is told it")
        if len(reason) > REFUSAL_LIMIT:
            raise InvalidInput.one("reason", f"The reason must be {REFUSAL_LIMIT} characters or fewer")
        request = await self.waiting_erasure(volunteer_id)
        person = await self.session.get_one(Volunteer, volunteer_id)
        request.refused_at, request.refused_by, request.refusal_reason = clock.now(), actor.label, reason
        await queue_templated_mail(
            self.session,
            "erasure_refused",
            to=person.email,
            category="erasure_refused",
            name=person.name,
            reason=reason,
        )
        await audit.record(
            self.session,
            actor,
            "volunteer.erasure_refused",
            subject_type="volunteer",
            subject_id=person.id,
            summary="Erasure request refused",
            changes={"reason": audit.CHANGED},
        )
        return request

    async def erase(self, actor: Principal, volunteer_id: UUID) -> None:
        """Remove the person's personal data everywhere, audit and mail included, keeping anonymous counts:
        the record, its expressions, choices, reviewed declarations' kinds and projects, and assignments
        stay, emptied of anything that says who the person is. They are told, and that message is then
        forgotten."""
        person = await self.session.get(Volunteer, volunteer_id)
        if person is None or person.erased_at is not None:
            raise NotFound("volunteer", f"id {volunteer_id}")
        name, address = person.name, person.email
        await self.anonymise(person)
        await queue_templated_mail(
            self.session, "erasure_done", to=address, category="erasure_done", name=name, forget_after_send=True
        )
        request = await self.request_erasure(person)
        request.carried_out_at, request.carried_out_by = clock.now(), actor.label
        await audit.record(
            self.session,
            actor,
            "volunteer.erased",
            subject_type="volunteer",
            subject_id=person.id,
            summary="Personal data erased on request",
        )

    async def anonymise(self, person: Volunteer) -> None:
        """Remove everything that says who the person is, everywhere — their mail too (its ``.eml`` files
        go with the next sending round); keep what counts (expressions, choices, reviewed declarations'
        kinds and projects, assignments). Used by erasure and by retention."""
        await forget_mail_to(self.session, person.email)
        await self._strip_person(person)
        await self._strip_history(person.id)

    async def due_for_retention(self, keep_for: dt.timedelta, now: dt.datetime | None = None) -> list[Volunteer]:
        """People never assigned whose every call closed more than ``keep_for`` ago (DESIGN.md retention)."""
        cutoff = (now or clock.now()) - keep_for
        still_needed = (
            select(Expression.volunteer_id)
            .join(Call, Expression.call_id == Call.id)
            .where(Call.closes_at > cutoff, (Call.closed_early_at.is_(None)) | (Call.closed_early_at > cutoff))
        )
        assigned = select(Assignment.volunteer_id)
        rows = await self.session.scalars(
            select(Volunteer)
            .where(
                Volunteer.erased_at.is_(None),
                Volunteer.id.not_in(still_needed),
                Volunteer.id.not_in(assigned),
                Volunteer.id.in_(select(Expression.volunteer_id)),
            )
            .order_by(Volunteer.created_at)
        )
        return list(rows.all())

    async def purge(self, keep_for: dt.timedelta, *, dry_run: bool) -> int:
        """Anonymise everyone due for retention (or just count them, for a dry run)."""
        due = await self.due_for_retention(keep_for)
        if not dry_run:
            for person in due:
                await self.anonymise(person)
            await audit.record(
                self.session,
                None,
                "data.purged",
                subject_type="volunteer",
                summary=f"Retention: {len(due)} people never assigned anonymised",
            )
        return len(due)

    async def _strip_person(self, person: Volunteer) -> None:
        await PeopleService(session=self.session).anonymise(person)
        await self.session.execute(
            update(Expression).where(Expression.volunteer_id == person.id).values(experience="", credentials=[])
        )
        # A declaration still waiting for review has nobody left to decide about: it leaves the ethics
        # queue and the backlog counts. Reviewed ones stay, as counts, without their words.
        await self.session.execute(
            delete(Declaration).where(Declaration.volunteer_id == person.id, Declaration.state == ReviewState.PENDING)
        )
        for declaration in await self.declarations(person):
            declaration.description, declaration.organisation = "", ""
        for model in (VolunteerNote, HeldSubmission):
            await self.session.execute(delete(model).where(model.volunteer_id == person.id))
        await self.session.execute(delete(OneTimeLink).where(OneTimeLink.subject_id == person.id))
        await ContributionService(session=self.session).forget_words(person.id)  # the hours stay, as totals
        await forget_proposer(self.session, person.id, ERASED)

    async def _strip_history(self, volunteer_id: UUID) -> None:
        await self.session.execute(
            update(AuditEntry)
            .where(AuditEntry.subject_type == "volunteer", AuditEntry.subject_id == str(volunteer_id))
            .values(summary=ERASED, changes={})
        )
