"""Retention: people never assigned are anonymised once their calls closed long enough ago; counts stay."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from click.testing import CliRunner
from litestar.cli._utils import LitestarEnv
from sqlalchemy import func, select

from stepchange.app import create_app
from stepchange.assignments.models import Assignment, AssignmentRole
from stepchange.commands import data_group
from stepchange.core.database import session_scope
from stepchange.core.settings import Settings, get_settings
from stepchange.interest.models import Choice, ChoiceRole, Expression
from stepchange.interest.rules import CleanSubmission
from stepchange.interest.services import InterestService
from stepchange.people.models import Volunteer
from stepchange.projects.models import Project
from tests.test_interest import open_a_call

NOW = dt.datetime.now(dt.UTC)


async def person_in(config: SQLAlchemyAsyncConfig, call: Any, email: str, *, assigned: bool = False) -> None:
    async with session_scope(config) as session:
        project = (await session.scalars(select(Project).where(Project.code == "T1"))).one()
        service = InterestService(session=session)
        clean = CleanSubmission(
            name=email.split("@")[0],
            email=email,
            phone="+447700900001",
            organisation="Org",
            job_title="Job",
            sector="Retail",
            hours_per_month=4,
            experience="",
            credentials=[],
            no_conflicts=True,
            choices=[(project.id, 1, ChoiceRole.MEMBER)],
        )
        person = await service._new_person(clean)
        await service._record(person.id, call.id, clean, call.opens_at, source="office")
        if assigned:
            session.add(
                Assignment(
                    volunteer_id=person.id, project_id=project.id, role=AssignmentRole.MEMBER, offered_by="office"
                )
            )


@pytest.fixture
async def people(db_config: SQLAlchemyAsyncConfig) -> None:
    old = await open_a_call(db_config, opens_at=NOW - dt.timedelta(days=500), closes_at=NOW - dt.timedelta(days=400))
    current = await open_a_call(db_config)
    await person_in(db_config, old, "forgotten@example.org")
    await person_in(db_config, old, "placed@example.org", assigned=True)
    await person_in(db_config, current, "current@example.org")


async def names(config: SQLAlchemyAsyncConfig) -> list[str]:
    async with session_scope(config) as session:
        return sorted((await session.scalars(select(Volunteer.email))).all())


def purge(settings: Settings, monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    monkeypatch.setenv("STEPCHANGE_RETENTION_DAYS", "365")
    get_settings.cache_clear()
    app = create_app(settings)
    env = LitestarEnv(app_path="stepchange.app:create_app", app=app, cwd=Path.cwd())
    result = CliRunner().invoke(data_group, ["purge", *args], obj=lambda: env)
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    return result.output


async def test_a_dry_run_only_counts(
    people: None, settings: Settings, db_config: SQLAlchemyAsyncConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = await names(db_config)
    output = await asyncio.to_thread(purge, settings, monkeypatch, "--dry-run")  # the CLI runs its own event loop
    assert output.startswith("1 people never assigned")
    assert await names(db_config) == before


async def test_purge_anonymises_only_people_never_assigned_after_their_calls(
    people: None, settings: Settings, db_config: SQLAlchemyAsyncConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "1 people" in await asyncio.to_thread(purge, settings, monkeypatch)
    emails = await names(db_config)
    assert "forgotten@example.org" not in emails
    assert {"placed@example.org", "current@example.org"} <= set(emails)

    async def counts() -> tuple[int, int]:
        async with session_scope(db_config) as session:
            return (
                int(await session.scalar(select(func.count()).select_from(Expression)) or 0),
                int(await session.scalar(select(func.count()).select_from(Choice)) or 0),
            )

    assert await counts() == (3, 3), "anonymous counts stay"
    assert "0 people" in await asyncio.to_thread(purge, settings, monkeypatch), "a second run finds nobody"
