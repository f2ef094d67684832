"""The report's trends over time, against dates worked out by hand: each project's RAG month by month
and staffing month by month (places accepted, offers awaiting an answer, leads in place)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import select, update

from stepchange.assignments.models import Assignment, AssignmentRole, AssignmentStatus
from stepchange.core import clock
from stepchange.core.database import session_scope
from stepchange.people.models import Volunteer
from stepchange.projects.models import Project, ProjectStatus, Rag, StatusUpdate
from stepchange.reports.schemas import Dashboard
from stepchange.reports.scope import Scope
from stepchange.reports.services import ReportService
from stepchange.workstreams.models import Workstream


def month(back: int) -> dt.date:
    """The first day of the month ``back`` months before this one."""
    day = clock.uk_today().replace(day=1)
    for _ in range(back):
        day = (day - dt.timedelta(days=1)).replace(day=1)
    return day


def at(back: int, day: int, hour: int = 12) -> dt.datetime:
    """Noon (UK) on a day of a month ``back`` months ago."""
    return dt.datetime.combine(month(back) + dt.timedelta(days=day - 1), dt.time(hour), clock.UK)


async def count(config: SQLAlchemyAsyncConfig, workstream: str | None = None) -> Dashboard:
    async with session_scope(config) as session:
        scope = Scope()
        if workstream:
            scope = Scope((await session.scalars(select(Workstream).where(Workstream.code == workstream))).one())
        return await ReportService(session).count(scope)


async def test_each_projects_rag_at_the_end_of_each_month_from_the_first_report(
    db_config: SQLAlchemyAsyncConfig,
) -> None:
    async with session_scope(db_config) as session:
        ids = dict((await session.execute(select(Project.code, Project.id))).all())
        for code, back, day, rag in [("T1", 3, 5, "green"), ("T1", 1, 20, "amber"), ("CP2", 1, 2, "red")]:
            session.add(
                StatusUpdate(project_id=ids[code], previous_status=ProjectStatus.PROVISIONAL,
                             status=ProjectStatus.PROVISIONAL, rag=Rag(rag), summary="…", author="Chair",
                             created_at=at(back, day))
            )  # fmt: skip
        await session.execute(update(Project).where(Project.code == "T1").values(rag=Rag.RED))
        await session.execute(update(Project).where(Project.code == "CP2").values(rag=Rag.RED))
    report = await count(db_config)
    grid = {(r.project, r.month): r.rag for r in report.rag_trend}
    assert sorted({r.month for r in report.rag_trend}) == [month(3), month(2), month(1), month(0)], "from the first"
    assert [grid["T1", month(n)] for n in (3, 2, 1, 0)] == ["green", "green", "amber", "red"], "this month: now"
    assert [grid["CP2", month(n)] for n in (3, 2, 1, 0)] == ["not_reported", "not_reported", "red", "red"]
    assert {r.project for r in report.rag_trend} == {"T1", "CP2"}, "only projects that have reported"
    assert report.summaries["rag_trend"] == (
        f"2 projects reporting a RAG. This month: 2 red; at the end of {month(1):%B %Y}: 1 amber, 1 red."
    )


async def _people(session: Any, n: int) -> list[Any]:
    people = [
        Volunteer(email=f"p{i}@example.org", name=f"P{i}", phone="+447700900000", organisation="O",
                  job_title="J", sector="Transport", hours_per_month=4)
        for i in range(n)
    ]  # fmt: skip
    session.add_all(people)
    await session.flush()
    return [p.id for p in people]


async def test_staffing_at_the_end_of_each_month(db_config: SQLAlchemyAsyncConfig) -> None:
    async with session_scope(db_config) as session:
        ids = dict((await session.execute(select(Project.code, Project.id))).all())
        people = await _people(session, 5)
        places = [  # project, role, status, offered, answered, ended
            ("CF1", "member", "accepted", at(2, 3), at(2, 5), None),
            ("CF1", "member", "offered", at(1, 2), None, None),
            ("CF2", "member", "ended", at(2, 1), at(2, 2), at(1, 10)),
            ("CF2", "member", "declined", at(2, 20), at(1, 1), None),
            ("CF3", "lead", "accepted", at(1, 3), at(1, 4), None),
        ]
        for person, (code, role, status, offered, answered, ended) in zip(people, places, strict=True):
            session.add(
                Assignment(volunteer_id=person, project_id=ids[code], role=AssignmentRole(role),
                           status=AssignmentStatus(status), offered_by="Office", created_at=offered,
                           responded_at=answered, ended_at=ended)
            )  # fmt: skip
    report = await count(db_config)
    assert [(r.month, r.accepted, r.offered, r.leads_in_place) for r in report.staffing_trend] == [
        (month(3), 0, 0, 0),
        (month(2), 2, 1, 0),
        (month(1), 2, 1, 1),
        (month(0), 2, 1, 1),
    ], "from the month before the first offer; the ended place and the declined offer drop out"
    cf = await count(db_config, "CF")
    assert [r.accepted for r in cf.staffing_trend] == [0, 2, 2, 2]
    assert (await count(db_config, "T")).staffing_trend == [type(report.staffing_trend[0])(month(0), 0, 0, 0)], (
        "nothing placed: this month only"
    )
