"""People who take part in projects, made straight in the database for the proposals, time and desk
tests: volunteers interested in projects or holding places on them, signed in by link."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import select

from stepchange.assignments.models import Assignment, AssignmentRole, AssignmentStatus
from stepchange.core.database import session_scope
from stepchange.core.links import issue_link
from stepchange.interest.models import Call, Choice, ChoiceRole, Expression, ExpressionStatus
from stepchange.people.models import Identity, Volunteer
from stepchange.projects.models import Project
from stepchange.volunteers.services import SIGN_IN
from tests.conftest import Client


async def project_id(config: SQLAlchemyAsyncConfig, code: str) -> UUID:
    async with session_scope(config) as session:
        found = await session.scalar(select(Project.id).where(Project.code == code))
    assert found is not None
    return found


async def a_volunteer(
    config: SQLAlchemyAsyncConfig,
    email: str,
    *,
    interested_in: tuple[str, ...] = (),
    placed_on: tuple[str, ...] = (),
    placed_at: dt.datetime | None = None,
    organisation: str = "Harbour Cruises Ltd",
    sector: str = "Transport",
    name: str | None = None,
) -> UUID:
    """A validated volunteer, interested in some projects (one expression) and placed on others (accepted)."""
    now = dt.datetime.now(dt.UTC)
    async with session_scope(config) as session:
        person = Volunteer(
            email=email,
            name=name or email.split("@")[0].replace(".", " ").title(),
            phone="07700 900123",
            organisation=organisation,
            job_title="Head of Security",
            sector=sector,
            hours_per_month=40,
            identity=Identity.VALIDATED,
        )
        session.add(person)
        await session.flush()
        projects = {p.code: p for p in (await session.scalars(select(Project))).all()}
        if interested_in:
            call = Call(
                name=f"Call for {email}", opens_at=now - dt.timedelta(days=9), closes_at=now + dt.timedelta(days=9)
            )
            session.add(call)
            await session.flush()
            expression = Expression(
                volunteer_id=person.id,
                call_id=call.id,
                status=ExpressionStatus.CONFIRMED,
                hours_per_month=40,
                statement_version="1",
                statement_accepted_at=now,
                submitted_at=now,
            )
            session.add(expression)
            await session.flush()
            for rank, code in enumerate(interested_in, start=1):
                session.add(
                    Choice(expression_id=expression.id, project_id=projects[code].id, rank=rank, role=ChoiceRole.MEMBER)
                )
        for code in placed_on:
            session.add(
                Assignment(
                    volunteer_id=person.id,
                    project_id=projects[code].id,
                    role=AssignmentRole.MEMBER,
                    status=AssignmentStatus.ACCEPTED,
                    offered_by="Test",
                    hours=4,
                    responded_at=placed_at or now - dt.timedelta(days=90),
                )
            )
        return person.id


async def signed_in_volunteer(config: SQLAlchemyAsyncConfig, client: Client, volunteer_id: UUID) -> Client:
    async with session_scope(config) as session:
        token = await issue_link(session, SIGN_IN, volunteer_id, lifetime=dt.timedelta(minutes=5))
    response = await client.post(
        "/api/me/sign-in/complete", json={"token": token}, headers={"x-csrftoken": await client.csrf()}
    )
    assert response.status_code == 200, response.text
    return client


async def send(client: Client, method: str, path: str, body: object = None) -> object:
    return await client.request(method, path, json=body, headers={"x-csrftoken": await client.csrf()})
