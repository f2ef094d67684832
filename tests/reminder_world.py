"""A small programme to chase, for the reminder and calendar tests: staff in every role, volunteers at each
step, an offer, a place, a meeting, an action, a declaration, an erasure request and a milestone, all
dated from ``T0`` (the third of next month, 09:00 UTC, so a month's reminders stay in one month)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from email.message import EmailMessage
from uuid import UUID

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import select, update

from stepchange.assignments.models import Assignment, AssignmentRole, AssignmentStatus
from stepchange.core import clock
from stepchange.core.database import session_scope
from stepchange.ethics.models import ConflictKind, Declaration, ReviewState
from stepchange.governance.models import ActionItem, Meeting
from stepchange.interest.models import Call, Expression, ExpressionStatus
from stepchange.people.models import ErasureRequest, Identity, Volunteer
from stepchange.projects.models import Milestone, Project
from stepchange.workstreams.models import Workstream
from tests.conftest import make_staff
from tests.smtp import plain_text


def first_moment() -> dt.datetime:
    today = dt.datetime.now(dt.UTC)
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return dt.datetime(year, month, 3, 9, 0, tzinfo=dt.UTC)


T0 = first_moment()


class Clock:
    """The service's clock, moved by the test."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.at = T0
        monkeypatch.setattr(clock, "now", lambda: self.at)

    def days(self, n: float) -> dt.datetime:
        self.at = T0 + dt.timedelta(days=n)
        return self.at


@dataclass
class World:
    office: str = "office@stepchange.example"
    chair: str = "chair.cp@stepchange.example"
    other_chair: str = "chair.t@stepchange.example"
    ethics: str = "ethics@stepchange.example"
    board: str = "board@stepchange.example"
    unconfirmed: str = "ada@volunteer.example"
    offered: str = "ben@volunteer.example"
    placed: str = "cy@volunteer.example"
    offer_id: UUID | None = None
    place_id: UUID | None = None
    meeting_id: UUID | None = None
    action_id: UUID | None = None
    milestone_id: UUID | None = None
    chair_id: UUID | None = None
    placed_id: UUID | None = None


def _volunteer(email: str, identity: Identity) -> Volunteer:
    return Volunteer(
        email=email,
        name=email.split("@")[0].title() + " Volunteer",
        phone="07700 900123",
        organisation="Harbour Cruises Ltd",
        job_title="Head of Security",
        sector="Transport",
        identity=identity,
        hours_per_month=8,
    )


async def build(config: SQLAlchemyAsyncConfig) -> World:
    world = World()
    await make_staff(config, world.office, "coordinator")
    chair = await make_staff(config, world.chair, "co_chair", workstream="CP")
    await make_staff(config, world.other_chair, "co_chair", workstream="T")
    await make_staff(config, world.ethics, "ethics")
    await make_staff(config, world.board, "board")
    world.chair_id = chair.id
    async with session_scope(config) as session:
        await session.execute(update(Project).values(created_at=T0 - dt.timedelta(days=40)))  # seeded long ago
        cp = (await session.scalars(select(Workstream).where(Workstream.code == "CP"))).one()
        cp1, cp2 = (
            await session.scalars(select(Project).where(Project.code.in_(["CP1", "CP2"])).order_by(Project.code))
        ).all()
        call = (await session.scalars(select(Call).limit(1))).one()
        ada = _volunteer(world.unconfirmed, Identity.SUBMITTED)
        ben = _volunteer(world.offered, Identity.VALIDATED)
        cy = _volunteer(world.placed, Identity.VALIDATED)
        session.add_all([ada, ben, cy])
        await session.flush()
        world.placed_id = cy.id
        session.add(
            Expression(
                volunteer_id=ada.id,
                call_id=call.id,
                status=ExpressionStatus.AWAITING_CONFIRMATION,
                hours_per_month=8,
                statement_version="1",
                statement_accepted_at=T0,
                submitted_at=T0,
            )
        )
        offer = Assignment(
            volunteer_id=ben.id, project_id=cp1.id, role=AssignmentRole.MEMBER, offered_by="Office", created_at=T0
        )
        place = Assignment(
            volunteer_id=cy.id,
            project_id=cp2.id,
            role=AssignmentRole.MEMBER,
            status=AssignmentStatus.ACCEPTED,
            offered_by="Office",
            created_at=T0,
        )
        meeting = Meeting(
            workstream_id=cp.id, title="Quarterly review", starts_at=T0 + dt.timedelta(hours=3), scheduled_by="Chair"
        )
        action = ActionItem(
            workstream_id=cp.id,
            title="Draft the guidance",
            owner_name="Chair",
            owner_staff_id=chair.id,
            due_on=(T0 + dt.timedelta(days=5)).date(),
        )
        milestone = Milestone(key="test-milestone", title="Pilot report", due_on=(T0 + dt.timedelta(days=10)).date())
        declaration = Declaration(
            volunteer_id=ben.id,
            kind=ConflictKind.FINANCIAL,
            description="Shares in a supplier",
            organisation="Supplier Ltd",
            state=ReviewState.PENDING,
            created_at=T0,
        )
        session.add_all(
            [offer, place, meeting, action, milestone, declaration, ErasureRequest(volunteer_id=cy.id, created_at=T0)]
        )
        await session.flush()
        world.offer_id, world.place_id, world.meeting_id = offer.id, place.id, meeting.id
        world.action_id, world.milestone_id = action.id, milestone.id
    return world


def by_recipient(messages: list[EmailMessage]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for message in messages:
        found[str(message["To"])].append(plain_text(message))
    return found
