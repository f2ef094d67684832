"""The desk's order asked of the database (issue 28) is exactly the order the rules gave when every chooser
was ranked in Python: for a varied crowd (every identity, both roles, two calls, withdrawn and erased
people, pending and excluded declarations, places on this and other projects, organisations spelt
differently, with and without a lead), each page of both lists, their reasons and sizes."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import event, select

from stepchange.assignments.models import Assignment, AssignmentRole, AssignmentStatus
from stepchange.core.database import session_scope
from stepchange.core.pagination import Window
from stepchange.desk.services import DeskService, Suggestion
from stepchange.ethics.models import ConflictKind, Declaration, ReviewState
from stepchange.interest.models import Call, Choice, ChoiceRole, Expression, ExpressionStatus
from stepchange.people.models import Identity, Volunteer
from stepchange.projects.models import Project
from tests.desk_reference import reference

ORGANISATIONS = (
    "Company 1 Ltd",
    "company 1 limited",
    "Company 2",
    "Kent Police",
    "Borough Council",
    "NHS Trust",
    "Harbour Cruises Ltd",
)
SECTORS = ("Transport", "Policing", "Health", "Retail", "Government and public sector")
IDENTITIES = (*[Identity.VALIDATED] * 6, *Identity)
NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def _declaration(person: Volunteer, state: ReviewState, projects: list[Project]) -> Declaration:
    return Declaration(
        volunteer_id=person.id,
        kind=ConflictKind.FINANCIAL,
        description="Shares",
        organisation="A supplier",
        state=state,
        projects=projects,
    )


def _place(person: Volunteer, project: Project, role: AssignmentRole, status: AssignmentStatus) -> Assignment:
    return Assignment(
        volunteer_id=person.id, project_id=project.id, role=role, status=status, offered_by="Test", hours=4
    )


async def a_varied_crowd(config: SQLAlchemyAsyncConfig, first: int, last: int, *, lead: bool) -> None:
    """People who chose T1, of every kind the desk tells apart (seeded: the same crowd every run)."""
    rng = random.Random(first)
    async with session_scope(config) as session:
        projects = {p.code: p for p in (await session.scalars(select(Project))).all()}
        t1, other = projects["T1"], projects["CP1"]
        calls = [Call(name=f"Call {first} {n}", opens_at=NOW, closes_at=NOW + dt.timedelta(days=9)) for n in (1, 2)]
        session.add_all(calls)
        await session.flush()
        for n in range(first, last):
            person = Volunteer(
                email=f"person{n}@example.org",
                name=f"Person {n:03}",
                phone="07700 900123",
                organisation=rng.choice(ORGANISATIONS),
                job_title="Head of Security",
                sector=rng.choice(SECTORS),
                hours_per_month=rng.choice((4, 8, 16)),
                identity=rng.choice(IDENTITIES),
                erased_at=NOW if n % 29 == 5 else None,
                created_at=NOW + dt.timedelta(minutes=n % 17),  # ties, broken by the later keys
            )
            session.add(person)
            await session.flush()
            for call in calls[: 1 + (n % 11 == 0)]:  # some chose T1 in both calls
                status = ExpressionStatus.WITHDRAWN if n % 13 == 3 else ExpressionStatus.CONFIRMED
                expression = Expression(
                    volunteer_id=person.id,
                    call_id=call.id,
                    status=status,
                    hours_per_month=person.hours_per_month,
                    statement_version="1",
                    statement_accepted_at=NOW,
                    submitted_at=NOW,
                )
                session.add(expression)
                await session.flush()
                role = rng.choice((ChoiceRole.LEAD, ChoiceRole.MEMBER))
                session.add(Choice(expression_id=expression.id, project_id=t1.id, rank=rng.randint(1, 3), role=role))
            if n % 7 == 0:
                session.add(_declaration(person, ReviewState.PENDING, [t1]))
            if n % 9 == 0:
                session.add(_declaration(person, ReviewState.PENDING, []))
            if n % 8 == 1:
                session.add(_declaration(person, ReviewState.EXCLUDED, [t1, other]))
            if n % 10 == 2:
                session.add(_declaration(person, ReviewState.EXCLUDED, [other]))  # does not touch T1
            if n % 6 == 0:
                session.add(_place(person, other, AssignmentRole.MEMBER, AssignmentStatus.ACCEPTED))
            if n % 5 == 4:
                answer = AssignmentStatus.OFFERED if n % 2 else AssignmentStatus.DECLINED
                session.add(_place(person, t1, AssignmentRole.MEMBER, answer))
            if lead and n == first:  # holds no other place on T1 (n % 5 == 0)
                session.add(_place(person, t1, AssignmentRole.LEAD, AssignmentStatus.ACCEPTED))


def shown(s: Suggestion) -> tuple[object, ...]:
    return (s.volunteer.id, s.rank, s.role_sought, s.hours_free, s.refused_because, s.mix_change)


WINDOWS = (
    Window(limit=100, offset=0),
    Window(limit=7, offset=0),
    Window(limit=7, offset=7),
    Window(limit=9, offset=40),
)


@pytest.mark.parametrize("lead", [False, True])
async def test_the_order_and_totals_are_the_rules_order(db_config: SQLAlchemyAsyncConfig, lead: bool) -> None:
    await a_varied_crowd(db_config, 0, 90, lead=lead)
    for without_team in (False, True):
        async with session_scope(db_config) as session:
            whole = await reference(session, "T1", without_team=without_team)
            expected = [
                [
                    (
                        r.chooser.volunteer_id,
                        r.chooser.rank,
                        r.chooser.role,
                        r.hours_free,
                        r.refused_because,
                        r.mix_change,
                    )
                    for r in ranked
                ]
                for ranked in (whole.suggested, whole.refused)
            ]
        assert len(expected[0]) > 15 and len(expected[1]) > 15, "both lists are long enough to page"
        for window in WINDOWS:
            async with session_scope(db_config) as session:
                found = await DeskService(session=session).suggestions("T1", None, window, without_team=without_team)
            end = window.offset + window.limit
            assert [shown(s) for s in found.suggested] == expected[0][window.offset : end], (without_team, window)
            assert [shown(s) for s in found.refused] == expected[1][window.offset : end], (without_team, window)
            assert (found.suggested_total, found.refused_total) == (len(expected[0]), len(expected[1]))


@contextmanager
def counted(config: SQLAlchemyAsyncConfig) -> Iterator[list[str]]:
    engine = config.get_engine().sync_engine
    seen: list[str] = []

    def record(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_the_statements_stay_the_same_as_the_crowd_grows(db_config: SQLAlchemyAsyncConfig) -> None:
    sizes = []
    for first, last in ((0, 10), (10, 80)):
        await a_varied_crowd(db_config, first, last, lead=False)
        with counted(db_config) as seen:
            async with session_scope(db_config) as session:
                await DeskService(session=session).suggestions("T1", None, Window(limit=5, offset=0))
        sizes.append(len(seen))
    assert sizes[0] == sizes[1], sizes


async def test_the_places_in_the_mix_are_one_parameter_however_many_organisations(
    db_config: SQLAlchemyAsyncConfig,
) -> None:
    """Each organisation's place in the team's mix goes to the database as one JSON object, so the statement's
    parameters do not grow with the organisations (PostgreSQL's drivers take at most 32,767) and the order is
    the one the rules give person by person."""
    parameters: list[int] = []
    places: list[dict[str, int]] = []

    def record(_connection: Any, _cursor: Any, statement: str, bound: Any, *_: Any) -> None:
        if "balance_place" in statement:
            parameters.append(len(bound))
            places.extend(json.loads(v) for v in bound if isinstance(v, str) and v.startswith("{"))

    event.listen(db_config.get_engine().sync_engine, "before_cursor_execute", record)
    for first, last in ((0, 12), (12, 90)):
        await a_varied_crowd(db_config, first, last, lead=False)
        async with session_scope(db_config) as session:
            whole = await reference(session, "T1", without_team=True)
        async with session_scope(db_config) as session:
            window = Window(limit=100, offset=0)
            found = await DeskService(session=session).suggestions("T1", None, window, without_team=True)
        assert [s.volunteer.id for s in found.suggested] == [r.chooser.volunteer_id for r in whole.suggested]
        assert [s.volunteer.id for s in found.refused] == [r.chooser.volunteer_id for r in whole.refused]
    assert len(parameters) == 2 and parameters[0] == parameters[1], parameters
    assert len(places) == 2 and 0 < len(places[0]) < len(places[1]), "organisations away from the commonest place"
