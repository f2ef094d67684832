"""Co-chairs' pages: automatic status moves never invent a RAG, labels and errors use the same words, and a
form a person may not use is refused before it is shown."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import select

from stepchange.app import create_app
from stepchange.core.database import session_scope
from stepchange.core.settings import Settings
from stepchange.projects.models import Project, ProjectStatus, Rag, StatusUpdate
from stepchange.projects.services import ProjectService
from tests.conftest import Client, make_staff, sign_in

HTML = {"accept": "text/html"}


@pytest.fixture
async def chair(settings: Settings, db_config: SQLAlchemyAsyncConfig) -> AsyncIterator[Client]:
    await make_staff(db_config, "chair.cp@example.org", "co_chair", workstream="CP", name="Cara Chair")
    async with Client(app=create_app(settings)) as browser:
        await sign_in(browser, "chair.cp@example.org")
        yield browser


async def automatic_move(config: SQLAlchemyAsyncConfig, code: str, status: ProjectStatus) -> StatusUpdate | None:
    async with session_scope(config) as session:
        service = ProjectService(session=session)
        return await service.system_move(await service.by_code(code), status, "Places offered to volunteers")


async def test_an_automatic_move_keeps_the_last_rag_reported_or_has_none(
    chair: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    moved = await automatic_move(db_config, "CP1", ProjectStatus.RECRUITING)
    assert moved is not None and moved.rag is None, "nobody reported a RAG: none is invented"
    page = await chair.get("/projects/CP1", headers=HTML)
    history = page.text.split('id="updates"', 1)[1]
    assert "Not reported yet" in history and ">Green<" not in history.replace("\n", "").replace(" ", "")
    listed = (await chair.get("/api/projects/CP1/updates")).json()["items"]
    assert listed[0]["rag"] is None

    async with session_scope(db_config) as session:
        project = (await session.scalars(select(Project).where(Project.code == "CP2"))).one()
        project.rag = Rag.AMBER
    kept = await automatic_move(db_config, "CP2", ProjectStatus.RECRUITING)
    assert kept is not None and kept.rag is Rag.AMBER, "the last RAG reported stays"


async def test_the_update_form_names_every_problem_in_its_own_words(chair: Client) -> None:
    empty = await chair.post(
        "/projects/CP1/updates", data={"_csrf_token": await chair.csrf()}, headers=HTML, follow_redirects=False
    )
    assert empty.status_code == 400
    assert "What has happened since the last update" in empty.text
    assert "Enter what has happened since the last update" in empty.text
    assert "Choose a RAG rating" in empty.text and "Choose a status" in empty.text
    assert "Enter the summary" not in empty.text


async def test_another_work_stream_s_amend_form_is_refused_before_it_is_shown(chair: Client) -> None:
    refused = await chair.get("/projects/T1/amend", headers=HTML)
    assert refused.status_code == 403
    assert "You cannot do this" in refused.text
    assert "Only the programme office and this work-stream&#39;s co-chairs may amend this project" in refused.text
    assert 'name="action"' not in refused.text, "no form to type into"
    own = await chair.get("/projects/CP1/amend", headers=HTML)
    assert own.status_code == 200 and 'name="action"' in own.text
