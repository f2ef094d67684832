"""A long Excel download is prepared by a background job (issue 28): the request answers at once (202 and
the job's address on the API; a "We are preparing your file" page in the browser), the job's address gives
the workbook once it is written, to the person who asked and nobody else; a job whose worker died is taken
over (or reported failed after too many tries, never left waiting); files expire and are purged."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from uuid import UUID

import polars as pl
import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from httpx import Response
from sqlalchemy import func, select

from stepchange.core import clock, export_jobs
from stepchange.core.audit import AuditEntry
from stepchange.core.authz import Role
from stepchange.core.database import session_scope
from stepchange.core.export_jobs import ExportJob, ExportStatus
from stepchange.core.settings import Settings, SettingsError
from stepchange.reports import export_kinds
from tests.conftest import Client, make_staff, sign_in
from tests.test_register_scale import HTML, REGISTER, add_people, office, small_chunks

__all__ = ("office", "small_chunks")  # fixtures shared with the register tests

NAMES = [f"Person {n:03d}" for n in range(10)]
pytestmark = pytest.mark.usefixtures("small_chunks")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Every register longer than three rows counts as long (so a handful of people makes a job)."""
    return replace(settings, export_direct_rows=3)


async def until_ready(client: Client, address: str) -> Response:
    """The answer at ``address`` once the job is no longer being prepared."""
    for _ in range(400):
        answer = await client.get(address, headers=HTML if not address.startswith("/api") else None)
        if answer.status_code != 202 and "We are preparing your file" not in answer.text:
            return answer
        await asyncio.sleep(0.05)
    raise AssertionError(f"{address} was never ready")


def workbook_names(content: bytes) -> list[str]:
    return pl.read_excel(io.BytesIO(content))["volunteer"].to_list()


async def test_the_api_answers_202_and_the_status_address_gives_the_workbook(
    office: Client, db_config: SQLAlchemyAsyncConfig, browsers: Callable[[], Awaitable[Client]]
) -> None:
    await add_people(db_config, 0, 10)

    started = await office.get(f"{REGISTER}.xlsx")

    assert started.status_code == 202
    body = started.json()
    assert started.headers["location"] == body["status_url"] == f"/api/exports/{body['id']}"
    assert body["status"] == "preparing" and body["kind"] == "register-of-interests"
    ready = await until_ready(office, body["status_url"])
    assert ready.status_code == 200 and ready.headers["cache-control"] == "no-store"
    assert ready.headers["content-disposition"] == 'attachment; filename="register-of-interests.xlsx"'
    assert workbook_names(ready.content) == NAMES
    async with session_scope(db_config) as session:
        recorded = await session.scalar(select(func.count()).where(AuditEntry.action == "ethics.register_downloaded"))
    assert recorded == 1, "the download is in the audit trail, as a direct one is"

    other = await browsers()
    await make_staff(db_config, "ethics@example.org", Role.ETHICS)
    await sign_in(other, "ethics@example.org")
    assert (await other.get(body["status_url"])).status_code == 404, "only the person who asked"
    assert (await other.get(f"/exports/{body['id']}/file", headers=HTML)).status_code == 404


async def test_the_page_says_the_file_is_being_prepared_then_links_to_it(
    office: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    await add_people(db_config, 0, 10)
    listed = (await office.get("/ethics/register", headers=HTML)).text
    assert 'href="/ethics/register.xlsx"' in listed

    started = await office.get("/ethics/register.xlsx", headers=HTML, follow_redirects=False)

    assert started.status_code == 303
    page = started.headers["location"]
    assert page.startswith("/exports/")
    ready = await until_ready(office, page)
    assert ready.status_code == 200 and "Your file is ready" in ready.text
    assert f'href="{page}/file"' in ready.text
    active = re.search(r'govuk-service-navigation__item--active.*?href="([^"]+)"', ready.text, re.S)
    assert active is not None and active.group(1) == "/ethics"  # the register's section, where it was asked for
    assert workbook_names((await office.get(f"{page}/file")).content) == NAMES


async def test_a_prepared_file_expires_and_is_purged(
    office: Client, db_config: SQLAlchemyAsyncConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add_people(db_config, 0, 10)
    address = (await office.get(f"{REGISTER}.xlsx")).headers["location"]
    assert (await until_ready(office, address)).status_code == 200

    later = clock.now() + export_jobs.KEEP + dt.timedelta(minutes=1)
    monkeypatch.setattr(clock, "now", lambda: later)

    assert (await office.get(address)).status_code == 404
    async with session_scope(db_config) as session:
        assert await export_jobs.purge_expired(session) == 1
    async with session_scope(db_config) as session:
        assert await session.scalar(select(func.count()).select_from(ExportJob)) == 0


async def abandoned_job(config: SQLAlchemyAsyncConfig, client: Client, attempts: int) -> str:
    """A job whose worker died mid-way ``attempts`` runs ago: claimed, then untouched for too long."""
    owner = (await client.get("/api/auth/me")).json()["id"]
    async with session_scope(config) as session:
        job = await export_jobs.start(session, export_kinds.REGISTER, owner)
        job.runner, job.attempts = "a worker that died", attempts
        job.touched_at = clock.now() - export_jobs.STALE - dt.timedelta(seconds=1)
        await session.flush()
        return f"/api/exports/{job.id}"


async def test_a_job_whose_worker_died_is_taken_over(office: Client, db_config: SQLAlchemyAsyncConfig) -> None:
    await add_people(db_config, 0, 10)
    address = await abandoned_job(db_config, office, attempts=1)

    ready = await until_ready(office, address)

    assert ready.status_code == 200
    assert workbook_names(ready.content) == NAMES


async def test_a_job_that_keeps_dying_is_reported_failed(office: Client, db_config: SQLAlchemyAsyncConfig) -> None:
    await add_people(db_config, 0, 10)
    address = await abandoned_job(db_config, office, attempts=export_jobs.MAX_ATTEMPTS)

    failed = await office.get(address)

    assert failed.status_code == 409
    assert failed.json()["rules"][0]["rule"] == "export_failed"
    async with session_scope(db_config) as session:
        assert await session.scalar(select(ExportJob.status)) == ExportStatus.FAILED


async def test_a_short_register_is_still_sent_directly(office: Client, db_config: SQLAlchemyAsyncConfig) -> None:
    await add_people(db_config, 0, 3)

    answer = await office.get(f"{REGISTER}.xlsx")

    assert answer.status_code == 200
    assert workbook_names(answer.content) == NAMES[:3]


def test_the_rows_sent_at_once_are_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings.from_env().export_direct_rows == 5_000
    monkeypatch.setenv("STEPCHANGE_EXPORT_DIRECT_ROWS", "12")
    assert Settings.from_env().export_direct_rows == 12
    monkeypatch.setenv("STEPCHANGE_EXPORT_DIRECT_ROWS", "-1")
    with pytest.raises(SettingsError, match="EXPORT_DIRECT_ROWS"):
        Settings.from_env()


async def test_a_prepared_file_is_kept_and_sent_in_parts(
    office: Client, db_config: SQLAlchemyAsyncConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No worker holds a whole file: it is stored in parts and sent a part at a time, and arrives whole."""
    monkeypatch.setattr(export_jobs, "PART_BYTES", 1000)
    await add_people(db_config, 0, 10)
    body = (await office.get(f"{REGISTER}.xlsx")).json()

    ready = await until_ready(office, body["status_url"])

    assert workbook_names(ready.content) == NAMES
    async with session_scope(db_config) as session:
        sizes = (
            await session.scalars(
                select(func.length(export_jobs.export_part.c.content))
                .where(export_jobs.export_part.c.job_id == UUID(body["id"]))
                .order_by(export_jobs.export_part.c.position)
            )
        ).all()
    assert len(sizes) > 3 and all(size == 1000 for size in sizes[:-1]) and sum(sizes) == len(ready.content)
    assert "content-length" not in ready.headers, "sent as it is read, a part at a time"
