"""A volunteer's record as their page shows it: choices with project titles and status, places with what was
agreed, declarations with how each is managed, and the state of any request they made."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from uuid import UUID

from sqlalchemy import select

from stepchange.assignments.terms import ethics_conditions, mitigations
from stepchange.core import clock
from stepchange.ethics.models import ReviewState
from stepchange.interest.calls import is_open, last_moment
from stepchange.interest.models import ExpressionStatus
from stepchange.people.models import Volunteer
from stepchange.projects.models import Project
from stepchange.volunteers.contact import erasure_requested_at
from stepchange.volunteers.services import SelfService


@dataclass(frozen=True)
class ChoiceView:
    rank: int
    code: str
    title: str
    role: str
    project_status: str
    place: str | None
    """The status of a place offered on this project, if there is one."""


@dataclass(frozen=True)
class ExpressionView:
    call_id: UUID
    call: str
    status: ExpressionStatus
    hours_per_month: int
    open: bool
    closes: str
    choices: list[ChoiceView]

    @property
    def can_change(self) -> bool:
        return self.open and self.status is not ExpressionStatus.WITHDRAWN


@dataclass(frozen=True)
class PlaceView:
    code: str
    title: str
    role: str
    status: str
    hours: int | None
    conditions: str


@dataclass(frozen=True)
class DeclarationView:
    id: UUID
    kind: str
    description: str
    organisation: str
    projects: list[str]
    review: ReviewState
    withdrawn: bool
    mitigation: str


@dataclass(frozen=True)
class RecordView:
    person: Volunteer
    expressions: list[ExpressionView]
    places: list[PlaceView]
    declarations: list[DeclarationView]
    erasure_requested_at: dt.datetime | None
    withdrawn: bool = field(default=False)


async def record_view(service: SelfService, person: Volunteer) -> RecordView:
    session = service.session
    now = clock.now()
    expressions = await service.expressions(person)
    places = await service.assignments(person)
    place_by_project = {p.id: a.status.value for a, p in places}
    project_ids = {ch.project_id for e, _ in expressions for ch in e.choices}
    projects = {p.id: p for p in (await session.scalars(select(Project).where(Project.id.in_(project_ids)))).all()}
    managed = {m.declaration_id: m.mitigation for m in await mitigations(session, person.id)}
    return RecordView(
        person=person,
        expressions=[
            ExpressionView(
                call_id=c.id,
                call=c.name,
                status=e.status,
                hours_per_month=e.hours_per_month,
                open=is_open(c, now),
                closes=last_moment(c),
                choices=[
                    ChoiceView(
                        ch.rank,
                        projects[ch.project_id].code,
                        projects[ch.project_id].title,
                        ch.role.value,
                        projects[ch.project_id].status.value,
                        place_by_project.get(ch.project_id),
                    )
                    for ch in sorted(e.choices, key=lambda ch: ch.rank)
                ],
            )
            for e, c in expressions
        ],
        places=[
            PlaceView(p.code, p.title, a.role.value, a.status.value, a.hours, await ethics_conditions(session, p.id))
            for a, p in places
        ],
        declarations=[
            DeclarationView(
                d.id,
                d.kind.value,
                d.description,
                d.organisation,
                [p.code for p in d.projects],
                d.state,
                d.withdrawn_at is not None,
                managed.get(d.id, ""),
            )
            for d in await service.declarations(person)
        ],
        erasure_requested_at=await erasure_requested_at(session, person.id),
        withdrawn=bool(expressions) and all(e.status is ExpressionStatus.WITHDRAWN for e, _ in expressions),
    )
