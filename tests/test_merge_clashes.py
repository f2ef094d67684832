"""Merging two records of one person when both hold the same thing under a unique key: the same fact held
twice (membership of one subgroup) is kept once; two things that cannot be added up without a decision (a
place on the same project, two erasure requests) refuse the merge, naming what clashes and what to do
first; time logged by both for one project and month is added up. Never a server error, and nothing is lost."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from httpx import Response
from sqlalchemy import func, select

from stepchange.assignments.models import Assignment, AssignmentRole, AssignmentStatus
from stepchange.contributions.models import EntryStatus, TimeEntry
from stepchange.core.database import session_scope
from stepchange.governance.partnership_models import Subgroup, SubgroupMember
from stepchange.people.models import ErasureRequest, Volunteer
from stepchange.people.services import PeopleService
from stepchange.projects.models import Project
from tests.conftest import Client
from tests.test_people_service import HELD
from tests.test_staff_wording import office

__all__ = ("office",)  # a fixture shared with the staff wording tests


async def two_records(config: SQLAlchemyAsyncConfig) -> tuple[UUID, UUID, Project]:
    async with session_scope(config) as session:
        people = PeopleService(session=session)
        first = await people.add_person("priya.shah@example.co.uk", HELD)
        second = await people.add_person("priya@home.example", HELD)
        project = (await session.scalars(select(Project).order_by(Project.code).limit(1))).one()
        return first.id, second.id, project


async def merge(office: Client, survivor: UUID, other: UUID) -> Response:
    return await office.post(
        f"/api/volunteers/{survivor}/merge", json={"other_id": str(other)}, headers={"x-csrftoken": await office.csrf()}
    )


async def test_membership_of_one_subgroup_held_by_both_records_is_kept_once(
    office: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    first, second, project = await two_records(db_config)
    async with session_scope(db_config) as session:
        subgroup = Subgroup(
            workstream_id=project.workstream_id, name="Ports", purpose="Ports", lead="Olive", created_by="Olive"
        )
        session.add(subgroup)
        await session.flush()
        for person in (first, second):
            session.add(SubgroupMember(subgroup_id=subgroup.id, volunteer_id=person, added_by="Olive"))
    merged = await merge(office, first, second)

    assert merged.status_code == 200, merged.text
    async with session_scope(db_config) as session:
        members = (await session.scalars(select(SubgroupMember.volunteer_id))).all()
        assert members == [first]
        assert await session.get(Volunteer, second) is None


async def test_time_both_records_logged_for_one_project_and_month_is_added_up(
    office: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    first, second, project = await two_records(db_config)
    november, december = dt.date(2026, 11, 1), dt.date(2026, 12, 1)
    async with session_scope(db_config) as session:
        session.add_all(
            [
                TimeEntry(
                    volunteer_id=first,
                    project_id=project.id,
                    month=november,
                    minutes=90,
                    status=EntryStatus.CONFIRMED,
                    reviewed_by="Cora",
                ),
                TimeEntry(
                    volunteer_id=second,
                    project_id=project.id,
                    month=november,
                    minutes=60,
                    expenses_pence=450,
                    expense_kind="travel",
                    note="Train to the port",
                ),
                TimeEntry(volunteer_id=second, project_id=project.id, month=december, minutes=30),
            ]
        )
    merged = await merge(office, first, second)

    assert merged.status_code == 200, merged.text
    async with session_scope(db_config) as session:
        entries = (await session.scalars(select(TimeEntry).order_by(TimeEntry.month))).all()
    assert [(e.volunteer_id, e.month, e.minutes) for e in entries] == [(first, november, 150), (first, december, 30)]
    added = entries[0]
    assert (added.expenses_pence, added.expense_kind, added.note) == (450, "travel", "Train to the port")
    assert added.status == EntryStatus.PENDING and added.reviewed_by == "", "the co-chairs confirm the sum again"


async def test_a_place_on_the_same_project_or_two_erasure_requests_refuse_the_merge(
    office: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    first, second, project = await two_records(db_config)
    async with session_scope(db_config) as session:
        for person in (first, second):
            session.add(
                Assignment(
                    volunteer_id=person,
                    project_id=project.id,
                    role=AssignmentRole.MEMBER,
                    status=AssignmentStatus.ACCEPTED,
                    offered_by="Olive",
                )
            )
            session.add(ErasureRequest(volunteer_id=person))
    refused = await merge(office, first, second)
    on_the_page = await office.post(
        f"/people/{first}",
        data={"action": "merge", "other_email": "priya@home.example", "_csrf_token": await office.csrf()},
    )

    assert on_the_page.status_code == 409
    assert 'href="#other_email"' in on_the_page.text, "the refusal is shown against the merge's question"
    assert "End the place one of them holds" in on_the_page.text

    assert refused.status_code == 409, refused.text
    problem = refused.json()
    messages = " ".join(r["message"] for r in problem["rules"])
    assert "place on the same project" in messages
    assert "asked to be erased" in messages
    assert all(r["next_step"] for r in problem["rules"]), "each clash says what to do first"
    async with session_scope(db_config) as session:  # nothing moved, nothing lost
        assert await session.get(Volunteer, second) is not None
        held = select(func.count()).select_from(Assignment).where(Assignment.volunteer_id == second)
        assert await session.scalar(held) == 1
        asked = select(func.count()).select_from(ErasureRequest).where(ErasureRequest.volunteer_id == second)
        assert await session.scalar(asked) == 1
