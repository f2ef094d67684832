"""Expressions of interest: taking a submission, confirming it by e-mail, the office's late entries and the
one reminder (DESIGN.md, "Calls" and "One person, one record").

Whether a submission is accepted is :func:`~stepchange.interest.rules.accept_submission`'s decision; a
person's record is written by :class:`~stepchange.people.services.PeopleService`.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from typing import Any, NamedTuple, Protocol
from uuid import UUID, uuid4

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core import audit, clock
from stepchange.core.database import run_core, table_of
from stepchange.core.errors import BrokenRule, InvalidInput, NotFound, RuleViolation
from stepchange.core.guards import Principal
from stepchange.core.links import check_link, issue_link, use_link
from stepchange.core.mail_templates import queue_templated_mail
from stepchange.core.services import DomainService
from stepchange.core.settings import Settings
from stepchange.core.validation import email_problem, normalise_email, text_problem
from stepchange.ethics.models import ConflictKind, Declaration, declaration_project
from stepchange.interest.call_cache import CallCache
from stepchange.interest.calls import CallBook, CallWindow
from stepchange.interest.models import Call, Choice, Expression, ExpressionStatus, HeldSubmission
from stepchange.interest.rules import STATEMENT_VERSION, CleanSubmission, Door, accept_submission
from stepchange.people.identity import IdentityService
from stepchange.people.models import Identity, Volunteer
from stepchange.people.services import PeopleService, details_of
from stepchange.projects.models import Project

CONFIRMATION = "interest_confirmation"
CONFIRMATION_LIFETIME = dt.timedelta(days=7)
REMIND_AFTER = dt.timedelta(hours=48)
"""People who have not confirmed their address after this long get one reminder."""
ANSWER = "Thank you. Check your email: we have sent a link to confirm your expression of interest."
RESEND_ANSWER = "If that address has a submission waiting, a new link is on its way"


class Addressee(Protocol):
    """Whom a confirmation e-mail greets and goes to: a person's record, or a :class:`NewPerson`."""

    @property
    def id(self) -> UUID: ...

    @property
    def name(self) -> str: ...

    @property
    def email(self) -> str: ...


class AnsweredCall(Protocol):
    """The call a submission answers, as filing it needs it: a :class:`CallWindow` or a stored reference."""

    @property
    def id(self) -> UUID: ...

    @property
    def name(self) -> str: ...


class NewPerson(NamedTuple):
    """A person whose record has just been written (without making an ORM object)."""

    id: UUID
    name: str
    email: str


# Every submission writes these, so they are built once (building one costs more than running it).
_INSERT_EXPRESSION = insert(table_of(Expression))
_INSERT_CHOICE = insert(table_of(Choice))
_INSERT_DECLARATION = insert(table_of(Declaration))
_INSERT_DECLARED_PROJECT = insert(declaration_project)


class ExpressionRepository(SQLAlchemyAsyncRepository[Expression]):
    model_type = Expression


class InterestService(DomainService[Expression, ExpressionRepository]):
    """Submissions, confirmation by e-mail and the office's late entries; every change audited."""

    repository_type = ExpressionRepository
    calls: CallCache | None = None
    """This worker's kept calls (set by the request's provider); without it, calls are read afresh."""

    @functools.cached_property
    def people(self) -> PeopleService:
        return PeopleService(session=self.session)

    async def check(self, data: Any) -> tuple[CallWindow, CleanSubmission]:
        """Every rule a submission must pass now, without storing anything (the form's check-your-answers)."""
        now = clock.now()
        call = (await self._call_book()).answered(data.call, now)
        return call, accept_submission(call, data, now, door=Door.PUBLIC).clean

    async def _call_book(self) -> CallBook:
        return await self.calls.book() if self.calls is not None else await CallBook.load(self.session)

    async def projects_named(self, project_ids: Iterable[UUID]) -> dict[UUID, Project]:
        rows = await self.session.scalars(select(Project).where(Project.id.in_(list(project_ids))))
        return {p.id: p for p in rows}

    async def submit(self, data: Any, settings: Settings, *, source: str = "form") -> tuple[UUID, ExpressionStatus]:
        """Take a submission and file it at once. The public doors instead store it as received and file it
        after answering (``interest.intake``), so that their answer takes as long for a known address."""
        call, clean = await self.check(data)
        return await self.submit_checked(call, clean, settings, source=source)

    async def submit_checked(
        self,
        call: AnsweredCall,
        clean: CleanSubmission,
        settings: Settings,
        *,
        source: str,
        submission_id: UUID | None = None,
        at: dt.datetime | None = None,
    ) -> tuple[UUID, ExpressionStatus]:
        """File a submission :meth:`check` has passed. A new address gets its record at once; a known one has
        the submission held until the address confirms it. Both get an e-mail with a link.

        ``submission_id`` becomes the new expression's id or the held copy's, and ``at`` the time it was
        submitted (by default, now).
        """
        now = at or clock.now()
        submission_id = submission_id or uuid4()
        person_id = await self.people.claim(clean.email, details_of(clean))
        if person_id is not None:
            addressee: Addressee = NewPerson(person_id, clean.name, clean.email)
            expression_id = await self._record(
                person_id, call.id, clean, now, source=source, first=True, new_id=submission_id
            )
            subject_id, payload, kind = expression_id, {"expression_id": str(expression_id)}, "new"
        else:
            # A known address, or one that has just won a race to be first (a double click): held.
            person = await self._by_email(clean.email)
            held = HeldSubmission(
                id=submission_id, volunteer_id=person.id, call_id=call.id, payload=clean.to_json(), created_at=now
            )
            self.session.add(held)
            person_id, addressee = person.id, person
            subject_id, payload, kind = held.id, {"held_id": str(held.id)}, "held"
        await self._send_confirmation(addressee, call.name, payload, settings, kind)
        await audit.record(
            self.session,
            None,
            "interest.submitted",
            subject_type="volunteer",
            subject_id=person_id,
            summary=f"{source} submission to {call.name} ({kind})",
        )
        return subject_id, ExpressionStatus.AWAITING_CONFIRMATION

    async def _new_person(self, clean: CleanSubmission, actor: Principal | None = None, call: str = "") -> Volunteer:
        """A new person's record, as an ORM object (the office's late entry for ``call``, recorded by ``actor``)."""
        how = f"recorded by the programme office as a late entry for {call}"
        return await self.people.add_person(clean.email, details_of(clean), recorded_by=actor, how=how)

    async def _by_email(self, email: str) -> Volunteer:
        person = await self.people.by_email(email)
        if person is None:
            raise NotFound("volunteer", email)
        return person

    async def _record(
        self,
        person_id: UUID,
        call_id: UUID,
        clean: CleanSubmission,
        at: dt.datetime,
        *,
        source: str,
        status: ExpressionStatus = ExpressionStatus.AWAITING_CONFIRMATION,
        late_reason: str = "",
        first: bool = False,
        new_id: UUID | None = None,
    ) -> UUID:
        """Write (or replace) the person's expression for this call, its choices and any new declarations;
        return the expression's id. ``first``: the person is new, so there is nothing to replace; a new
        expression gets ``new_id`` if given.

        New rows go in as plain inserts, one statement a table, without ORM objects: every submission
        takes this path, and the unit of work would cost more than the writes themselves.
        """
        values = {
            "hours_per_month": clean.hours_per_month,
            "experience": clean.experience,
            "credentials": clean.credentials,
            "no_conflicts": clean.no_conflicts,
            "statement_version": STATEMENT_VERSION,
            "statement_accepted_at": at,
            "submitted_at": at,
            "source": source,
            "late": bool(late_reason),
            "late_reason": late_reason,
        }
        existing = None
        if not first:
            existing = await self.session.scalar(
                select(Expression).where(Expression.volunteer_id == person_id, Expression.call_id == call_id)
            )
        if existing is None:
            expression_id = new_id or uuid4()
            await run_core(
                self.session,
                _INSERT_EXPRESSION,
                {"id": expression_id, "volunteer_id": person_id, "call_id": call_id, "status": status, **values},
            )
        else:
            expression_id = existing.id
            for name, value in values.items():
                setattr(existing, name, value)
            await self.session.execute(delete(Choice).where(Choice.expression_id == expression_id))
            self.session.expire(existing, ["choices"])
        await run_core(
            self.session,
            _INSERT_CHOICE,
            [
                {"expression_id": expression_id, "project_id": project_id, "rank": rank, "role": role}
                for project_id, rank, role in clean.choices
            ],
        )
        await self._declare(person_id, clean.declarations)
        return expression_id

    async def _declare(self, person_id: UUID, declarations: list[tuple[ConflictKind, str, str, list[UUID]]]) -> None:
        if not declarations:
            return
        ids = [uuid4() for _ in declarations]
        await run_core(
            self.session,
            _INSERT_DECLARATION,
            [
                {
                    "id": i,
                    "volunteer_id": person_id,
                    "kind": kind,
                    "description": description,
                    "organisation": where,
                }
                for i, (kind, description, where, _) in zip(ids, declarations, strict=True)
            ],
        )
        touched = [
            {"declaration_id": i, "project_id": project_id}
            for i, (_, _, _, project_ids) in zip(ids, declarations, strict=True)
            for project_id in project_ids
        ]
        if touched:
            await run_core(self.session, _INSERT_DECLARED_PROJECT, touched)

    # --- confirmation by e-mail ---------------------------------------------------------------------

    async def _send_confirmation(
        self, person: Addressee, call_name: str, payload: dict[str, str], settings: Settings, kind: str
    ) -> None:
        """The link that confirms a submission: ``kind`` is ``new``, ``held`` (a repeat from a known
        address) or ``reminder``."""
        token = await issue_link(
            self.session, CONFIRMATION, person.id, lifetime=CONFIRMATION_LIFETIME, payload=payload, revoke_earlier=False
        )
        await queue_templated_mail(
            self.session,
            "interest_confirmation",
            to=person.email,
            category=CONFIRMATION,
            full_name=person.name,
            call=call_name,
            kind=kind,
            url=f"{settings.base_url}/interest/verify/{token}",
        )

    async def check_confirmation(self, token: str) -> None:
        """Whether a confirmation link still works, without using it (the page that shows the button)."""
        await check_link(self.session, CONFIRMATION, token)

    async def confirm(self, token: str) -> tuple[Expression, Call]:
        """Use a confirmation link: the address is confirmed, and a held submission replaces that call's."""
        link = await use_link(self.session, CONFIRMATION, token)
        person = await self.people.get_one_or_none(Volunteer.id == link.subject_id)
        if person is None:
            raise NotFound("link", "that address")
        if "held_id" in link.payload:
            expression, call = await self._apply_held(person, UUID(link.payload["held_id"]))
        else:
            expression = await self.session.get_one(Expression, UUID(link.payload["expression_id"]))
            call = await self.session.get_one(Call, expression.call_id)
        expression.status = ExpressionStatus.CONFIRMED
        await IdentityService(self.session).address_confirmed(person)
        await audit.record(
            self.session,
            None,
            "interest.confirmed",
            subject_type="volunteer",
            subject_id=person.id,
            summary=f"Confirmed by e-mail for {call.name}",
        )
        return expression, call

    async def _apply_held(self, person: Volunteer, held_id: UUID) -> tuple[Expression, Call]:
        held = await self.session.get(HeldSubmission, held_id)
        if held is None:
            raise RuleViolation([BrokenRule("link_used", "This submission has already been confirmed")])
        clean = CleanSubmission.from_json(held.payload)
        call = await self.session.get_one(Call, held.call_id)
        why = f"A confirmed repeat submission replaced the choices for {call.name}"
        await self.people.change_details(None, person, details_of(clean), why=why)
        expression_id = await self._record(person.id, call.id, clean, held.created_at, source="form")
        expression = await self.session.get_one(Expression, expression_id)
        await self.session.delete(held)
        await audit.record(
            self.session, None, "interest.replaced", subject_type="volunteer", subject_id=person.id, summary=why
        )
        return expression, call

    async def send_reminders(self, settings: Settings, *, now: dt.datetime | None = None) -> int:
        """One reminder, with a fresh link, to people who have not confirmed their address after a while."""
        now = now or clock.now()
        waiting = await self.session.execute(
            select(Volunteer, Expression)
            .join(Expression, Expression.volunteer_id == Volunteer.id)
            .where(
                Volunteer.identity == Identity.SUBMITTED,
                Volunteer.reminded_at.is_(None),
                Expression.status == ExpressionStatus.AWAITING_CONFIRMATION,
                Expression.submitted_at < now - REMIND_AFTER,
            )
            .order_by(Expression.submitted_at)
        )
        reminded: set[UUID] = set()
        for person, expression in waiting.all():
            if person.id in reminded:
                continue
            call_name = await self._call_name(expression.call_id)
            payload = {"expression_id": str(expression.id)}
            await self._send_confirmation(person, call_name, payload, settings, "reminder")
            await self.people.mark_reminded(person, now)
            reminded.add(person.id)
        return len(reminded)

    async def resend(self, email: str, settings: Settings) -> bool:
        """Send a fresh confirmation link for the address's latest unconfirmed submission; say nothing either way.

        The public doors call it after answering (:func:`resend_confirmation`), so the answer takes as long
        whether or not the address is known. Returns whether a link was sent (for the office's reminders).
        """
        if email_problem(email) is not None:
            return False
        person = await self.people.by_email(normalise_email(email))
        if person is None:
            return False
        held = await self.session.scalar(
            select(HeldSubmission)
            .where(HeldSubmission.volunteer_id == person.id)
            .order_by(HeldSubmission.created_at.desc())
        )
        waiting = await self.session.scalar(
            select(Expression)
            .where(Expression.volunteer_id == person.id, Expression.status == ExpressionStatus.AWAITING_CONFIRMATION)
            .order_by(Expression.submitted_at.desc())
        )
        if held is not None:
            await self._send_confirmation(
                person, await self._call_name(held.call_id), {"held_id": str(held.id)}, settings, "held"
            )
        elif waiting is not None:
            await self._send_confirmation(
                person,
                await self._call_name(waiting.call_id),
                {"expression_id": str(waiting.id)},
                settings,
                "new",
            )
        return held is not None or waiting is not None

    async def _call_name(self, call_id: UUID) -> str:
        return str(await self.session.scalar(select(Call.name).where(Call.id == call_id)))

    # --- the office's late entry ----------------------------------------------------------------------

    async def late_entry(self, actor: Principal, data: Any, reason: str, settings: Settings) -> Expression:
        """The office records a submission on someone's behalf after the closing time, marked late with the reason.

        Office entries merge directly into the person's record (no held copy); the person still confirms
        their address by the emailed link.
        """
        if problem := text_problem(reason, "late_reason", label="why it is late", max_length=500):
            raise InvalidInput([problem])
        now = clock.now()
        call = (await self._call_book()).answered(data.call, now)
        clean = accept_submission(call, data, now, door=Door.LATE_ENTRY).clean
        person = await self.people.by_email(clean.email)
        if person is None:
            person = await self._new_person(clean, actor, call.name)
        else:
            why = f"Late entry for {call.name}"
            await self.people.change_details(actor, person, details_of(clean), why=why)
        expression_id = await self._record(person.id, call.id, clean, now, source="office", late_reason=reason.strip())
        if person.identity is Identity.SUBMITTED:
            await self._send_confirmation(person, call.name, {"expression_id": str(expression_id)}, settings, "new")
        await audit.record(
            self.session,
            actor,
            "interest.late_entry",
            subject_type="volunteer",
            subject_id=person.id,
            summary=f"Late entry for {call.name}: {reason.strip()[:200]}",
        )
        return await self.session.get_one(Expression, expression_id)


async def send_confirmation_link(
    service: InterestService, person: Volunteer, call: Call, expression_id: UUID, settings: Settings
) -> None:
    """E-mail ``person`` the link that confirms their expression of interest in ``call``: the same message
    and ``{BASE_URL}/interest/verify/{token}`` link a public submission gets (the office's imports use it)."""
    await service._send_confirmation(person, call.name, {"expression_id": str(expression_id)}, settings, "new")


async def resend_confirmation(session: AsyncSession, email: str, settings: Settings) -> None:
    """:meth:`InterestService.resend` in a session of its own: what the public doors run after answering."""
    await InterestService(session=session).resend(email, settings)
