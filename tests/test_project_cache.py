"""The cached project list (JSON and HTML) stays correct across several workers: two app instances share
one database, a change made through one shows at once through the other."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import update

from stepchange.core.database import session_scope
from stepchange.projects.models import Project
from tests.conftest import Client, make_staff, sign_in

Browsers = Callable[[], Awaitable[Client]]


async def titles(client: Client) -> dict[str, str]:
    response = await client.get("/api/projects?limit=500")
    assert response.status_code == 200, response.text
    return {p["code"]: p["title"] for p in response.json()["items"]}


async def statuses(client: Client, query: str = "") -> dict[str, str]:
    response = await client.get(f"/api/projects?limit=500{query}")
    assert response.status_code == 200, response.text
    return {p["code"]: p["status"] for p in response.json()["items"]}


async def office(browsers: Browsers, db_config: SQLAlchemyAsyncConfig) -> Client:
    await make_staff(db_config, "office@example.org", "coordinator")
    browser = await browsers()
    assert (await sign_in(browser, "office@example.org")).status_code == 200
    return browser


async def test_an_amendment_through_one_worker_shows_at_once_through_another(
    browsers: Browsers, db_config: SQLAlchemyAsyncConfig
) -> None:
    writer, reader = await office(browsers, db_config), await browsers()
    before = await titles(reader)  # the reader has rendered and kept the list
    assert (await titles(reader)) == before
    page = (await reader.get("/projects")).text
    assert before["T3"] in page

    response = await writer.patch(
        "/api/projects/T3",
        json={"version": 1, "title": "Guard force training, amended"},
        headers={"x-csrftoken": await writer.csrf()},
    )
    assert response.status_code == 200, response.text

    after = await titles(reader)
    assert after["T3"] == "Guard force training, amended"
    assert {k: v for k, v in after.items() if k != "T3"} == {k: v for k, v in before.items() if k != "T3"}
    assert "Guard force training, amended" in (await reader.get("/projects")).text


async def test_a_status_update_and_a_new_project_show_at_once_in_every_filter(
    browsers: Browsers, db_config: SQLAlchemyAsyncConfig
) -> None:
    writer, reader = await office(browsers, db_config), await browsers()
    assert "T1" not in await statuses(reader, "&status=recruiting")
    assert (await statuses(reader, "&workstream=T"))["T1"] == "provisional"
    recruiting_page = (await reader.get("/projects?status=recruiting")).text
    assert "/projects/T1" not in recruiting_page

    token = await writer.csrf()
    moved = await writer.post(
        "/api/projects/T1/updates",
        json={"status": "recruiting", "rag": "green", "summary": "Open for volunteers"},
        headers={"x-csrftoken": token},
    )
    assert moved.status_code == 201, moved.text
    added = await writer.post(
        "/api/projects",
        json={"workstream": "CP", "title": "A further project", "action": "Do it", "vision": "Done"},
        headers={"x-csrftoken": token},
    )
    assert added.status_code == 201, added.text

    assert (await statuses(reader, "&status=recruiting")) == {"T1": "recruiting"}
    assert (await statuses(reader, "&workstream=T"))["T1"] == "recruiting"
    assert "CP6" in await statuses(reader)
    assert "/projects/T1" in (await reader.get("/projects?status=recruiting")).text
    assert "A further project" in (await reader.get("/projects")).text


async def test_a_change_written_straight_to_the_database_still_shows(
    client: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    """A write that forgot to bump the version (a hand-made fix, a seed run) is caught by the tables' fingerprint."""
    await titles(client)
    async with session_scope(db_config) as session:
        await session.execute(update(Project).where(Project.code == "SR5").values(title="Changed by hand"))
    assert (await titles(client))["SR5"] == "Changed by hand"


async def test_a_kept_page_gets_each_request_its_own_nonce_and_the_visitors_own_header(
    client: Client, browsers: Browsers, db_config: SQLAlchemyAsyncConfig
) -> None:
    first, second = await client.get("/projects"), await client.get("/projects")
    nonces = []
    for response in (first, second):
        assert response.status_code == 200
        nonce = re.search(r"'nonce-([^']+)'", response.headers["content-security-policy"])
        assert nonce is not None
        assert f'nonce="{nonce.group(1)}"' in response.text
        assert "placeholder" not in response.text
        nonces.append(nonce.group(1))
    assert nonces[0] != nonces[1]
    assert 'href="/login"' in first.text

    staff = await office(browsers, db_config)
    signed_in = (await staff.get("/projects")).text
    assert 'href="/calls"' in signed_in and 'href="/login"' not in signed_in
    assert 'href="/calls"' not in (await client.get("/projects")).text


async def test_a_bad_filter_is_shown_and_never_kept(client: Client) -> None:
    for _ in range(2):
        response = await client.get("/projects?status=nonsense")
        assert response.status_code == 400
        assert "Choose a status from the list" in response.text
    unknown = await client.get("/api/projects?workstream=ZZ")
    assert unknown.status_code == 400
    assert (await client.get("/projects")).status_code == 200


async def test_many_readers_at_once_share_reads_and_all_see_the_change(
    browsers: Browsers, db_config: SQLAlchemyAsyncConfig
) -> None:
    writer, reader = await office(browsers, db_config), await browsers()
    await asyncio.gather(*(titles(reader) for _ in range(20)))
    response = await writer.patch(
        "/api/projects/CF2",
        json={"version": 1, "title": "Cyber volunteers, amended"},
        headers={"x-csrftoken": await writer.csrf()},
    )
    assert response.status_code == 200, response.text
    seen = await asyncio.gather(*(titles(reader) for _ in range(20)))
    assert {s["CF2"] for s in seen} == {"Cyber volunteers, amended"}
