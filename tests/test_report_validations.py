"""The call's trend counts each validated person once, on the day they count from (their latest validation,
or their submission if they were validated before it), in the programme's report and in a work-stream's
alike; a work-stream's funnel and trend are counted from one reading of its people's expressions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import event, select

from stepchange.core import clock
from stepchange.core.database import session_scope
from stepchange.interest.models import Call, Choice, ChoiceRole, Expression, ExpressionStatus
from stepchange.people.models import Identity, IdentityStep, Volunteer
from stepchange.projects.models import Project
from stepchange.reports.schemas import Dashboard
from stepchange.reports.scope import Scope
from stepchange.reports.services import ReportService
from stepchange.workstreams.models import Workstream

TODAY = clock.uk_today()


def noon(days_ago: int) -> dt.datetime:
    return dt.datetime.combine(TODAY - dt.timedelta(days=days_ago), dt.time(12), clock.UK)


PEOPLE = [  # validated (days ago, each a step), submitted (days ago), the project chosen
    ([10, 3], 5, "T1"),  # validated again after submitting: counts on the later validation
    ([20], 5, "T1"),  # validated before submitting: counts on the day they submitted
    ([4], 5, "CP1"),
    ([], 5, "T1"),  # validated with no step recorded (imported so): not counted, as before
]


async def _call(config: SQLAlchemyAsyncConfig) -> Any:
    async with session_scope(config) as session:
        projects = dict((await session.execute(select(Project.code, Project))).all())
        call = Call(name="Trend call", opens_at=noon(6), closes_at=noon(-5), projects=[projects["T1"], projects["CP1"]])
        session.add(call)
        for n, (validations, submitted, code) in enumerate(PEOPLE):
            person = Volunteer(email=f"v{n}@example.org", name=f"V{n}", phone="+447700900000", organisation="O",
                               job_title="J", sector="Transport", hours_per_month=4,
                               identity=Identity.VALIDATED)  # fmt: skip
            session.add(person)
            await session.flush()
            for ago in validations:
                session.add(IdentityStep(volunteer_id=person.id, step=Identity.VALIDATED, by="t", how="t",
                                         created_at=noon(ago)))  # fmt: skip
            session.add(
                Expression(volunteer_id=person.id, call_id=call.id, status=ExpressionStatus.CONFIRMED,
                           hours_per_month=4, statement_version="2018-1", statement_accepted_at=noon(submitted),
                           submitted_at=noon(submitted),
                           choices=[Choice(project_id=projects[code].id, rank=1, role=ChoiceRole.MEMBER)])
            )  # fmt: skip
        await session.flush()
        return call.id


async def _count(config: SQLAlchemyAsyncConfig, call_id: Any, workstream: str | None = None) -> Dashboard:
    async with session_scope(config) as session:
        scope = Scope()
        if workstream:
            scope = Scope((await session.scalars(select(Workstream).where(Workstream.code == workstream))).one())
        return await ReportService(session).count(scope, call_id)


def _trend(report: Dashboard) -> list[tuple[int, int, int]]:
    return [((TODAY - r.day).days, r.submitted, r.validated) for r in report.call_trend]


async def test_each_validated_person_counts_once_on_the_day_they_count_from(db_config: SQLAlchemyAsyncConfig) -> None:
    call_id = await _call(db_config)
    assert _trend(await _count(db_config, call_id)) == [(5, 4, 1), (4, 0, 1), (3, 0, 1)]
    workstream = await _count(db_config, call_id, "T")
    assert _trend(workstream) == [(5, 3, 1), (3, 0, 1)], "the CP1 person is not T's"
    funnel = {r.call: r for r in workstream.funnel}["Trend call"]
    assert (funnel.submitted, funnel.email_confirmed, funnel.validated, funnel.assigned) == (3, 3, 3, 0)


async def test_a_work_streams_people_are_found_once_for_its_funnel_and_trend(db_config: SQLAlchemyAsyncConfig) -> None:
    call_id = await _call(db_config)
    seen: list[str] = []

    def record(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(" ".join(statement.split()))

    engine = db_config.get_engine().sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        await _count(db_config, call_id, "T")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    chosen = "SELECT choice.expression_id FROM choice WHERE choice.project_id IN"
    assert sum(chosen in s for s in seen) == 1, "one reading of the expressions choosing the work-stream's projects"
