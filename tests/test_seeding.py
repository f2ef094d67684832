"""Seeding adds what is missing, never overwrites edits, and reports suspect data without changing it."""

from __future__ import annotations

import datetime as dt

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import delete, func, select, update

from stepchange.core.database import session_scope
from stepchange.core.settings import PROJECT_ROOT
from stepchange.interest.models import Call, call_project
from stepchange.programme.models import KeyActivity
from stepchange.programme.services import out_of_order
from stepchange.projects.models import Milestone, Project
from stepchange.seeds import seed
from stepchange.workstreams.models import Workstream

SEEDS = PROJECT_ROOT / "seeds"


async def count(config: SQLAlchemyAsyncConfig, model: object) -> int:
    async with session_scope(config) as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)  # type: ignore[arg-type]


async def test_the_seeded_database_holds_the_programme(db_config: SQLAlchemyAsyncConfig) -> None:
    assert await count(db_config, Workstream) == 5
    assert await count(db_config, Project) == 25
    assert await count(db_config, Milestone) == 5
    assert await count(db_config, KeyActivity) == 8
    assert await count(db_config, call_project) == 25
    async with session_scope(db_config) as session:
        call = (await session.scalars(select(Call))).one()
    assert call.name == "Step-Change Call to Action 2018"
    # "closing 25 May" means the end of that day in UK time (BST, UTC+1, in May).
    assert call.closes_at == dt.datetime(2018, 5, 25, 23, 0, tzinfo=dt.UTC)
    assert call.opens_at == dt.datetime(2018, 4, 30, 23, 0, tzinfo=dt.UTC)


async def test_a_second_run_changes_nothing(db_config: SQLAlchemyAsyncConfig) -> None:
    async with session_scope(db_config) as session:
        report = await seed(session, SEEDS)
    assert not report.changed
    assert report.added == {
        "workstreams": 0,
        "projects": 0,
        "milestones": 0,
        "key activity": 0,
        "calls": 0,
        "maturity areas": 0,
    }
    assert report.kept["projects"] == 25
    assert report.kept["maturity areas"] == 7
    assert await count(db_config, call_project) == 25


async def test_later_edits_survive_and_missing_rows_come_back(db_config: SQLAlchemyAsyncConfig) -> None:
    async with session_scope(db_config) as session:
        await session.execute(update(Project).where(Project.code == "T1").values(title="Edited by a co-chair"))
        await session.execute(delete(Milestone).where(Milestone.key == "delivery_starts"))
    async with session_scope(db_config) as session:
        report = await seed(session, SEEDS)
    assert report.added["milestones"] == 1
    assert report.added["projects"] == 0
    async with session_scope(db_config) as session:
        title = await session.scalar(select(Project.title).where(Project.code == "T1"))
        restored = await session.scalar(select(Milestone.due_on).where(Milestone.key == "delivery_starts"))
    assert title == "Edited by a co-chair"
    assert restored == dt.date(2018, 6, 1)


async def test_the_dec_2018_entry_is_reported_and_kept_as_the_source_has_it(
    db_config: SQLAlchemyAsyncConfig,
) -> None:
    async with session_scope(db_config) as session:
        report = await seed(session, SEEDS)
        kept = await session.scalar(select(KeyActivity).where(KeyActivity.position == 4))
    assert [w.where for w in report.warnings] == ["key activity 4 ('Dec 2018')"]
    assert kept is not None
    assert (kept.date_text, kept.starts_on) == ("Dec 2018", dt.date(2018, 12, 1))


def activity(position: int, starts: str, ends: str | None = None) -> KeyActivity:
    return KeyActivity(
        position=position,
        date_text=starts,
        starts_on=dt.date.fromisoformat(starts),
        ends_on=dt.date.fromisoformat(ends or starts),
        description="",
    )


def test_out_of_order_flags_only_the_misplaced_entry() -> None:
    rows = [
        activity(1, "2017-03-28"),
        activity(2, "2017-07-17"),
        activity(3, "2017-07-01", "2017-12-31"),  # a range overlapping its neighbour is in order
        activity(4, "2018-12-01", "2018-12-31"),
        activity(5, "2018-02-08"),
        activity(6, "2018-03-01", "2018-03-31"),
    ]
    assert [a.position for a in out_of_order(rows)] == [4]


def test_an_early_entry_listed_last_is_the_one_flagged() -> None:
    rows = [
        activity(1, "2018-01-01"),
        activity(2, "2018-02-01"),
        activity(3, "2018-03-01"),
        activity(4, "2017-01-01"),
    ]
    assert [a.position for a in out_of_order(rows)] == [4]
    assert out_of_order(rows[:3]) == []
