"""Resilience against a real server process: a closing-day burst, a crash mid-stream, concurrent edits,
several workers sharing sessions, rate limits and the outbox. Slow: run by CI within its time budget."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import uuid
from collections import Counter
from pathlib import Path

import httpx
import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import select

from stepchange.core.database import session_scope
from stepchange.core.settings import Settings
from stepchange.people.models import Volunteer
from tests.conftest import ENGINE, make_staff
from tests.server import running
from tests.smtp import SmtpServer
from tests.test_interest import open_a_call, submission

pytestmark = pytest.mark.slow


def server_env(settings: Settings, **extra: str) -> dict[str, str]:
    env = {
        "STEPCHANGE_DATABASE_URL": settings.database_url,
        "STEPCHANGE_RATE_LIMIT_PER_MINUTE": "0",
        "STEPCHANGE_MAIL_SENDER": "0",
        "STEPCHANGE_OUTBOX_DIR": str(settings.outbox_dir),
    }
    return {**env, **extra}


async def client_for(url: str) -> httpx.AsyncClient:
    """A client holding the CSRF cookie and header, as a browser's page would."""
    client = httpx.AsyncClient(base_url=url, timeout=60, limits=httpx.Limits(max_connections=64))
    await client.get("/health")
    client.headers["x-csrftoken"] = client.cookies["csrftoken"]
    return client


async def people(config: SQLAlchemyAsyncConfig) -> list[str]:
    async with session_scope(config) as session:
        return list((await session.scalars(select(Volunteer.email))).all())


async def test_a_closing_day_burst_loses_nothing(
    settings: Settings, db_config: SQLAlchemyAsyncConfig, tmp_path: Path
) -> None:
    await open_a_call(db_config)
    emails = [f"person{i}@burst.example" for i in range(150)]
    double_clicks = emails[:50]  # these press the button twice at once
    with running(server_env(settings), log=tmp_path / "server.log") as server:
        client = await client_for(server.url)
        semaphore = asyncio.Semaphore(64)

        async def submit(email: str) -> tuple[str, int]:
            async with semaphore:
                response = await client.post("/api/interest", json=submission(email=email))
                return email, response.status_code

        results = await asyncio.gather(*(submit(e) for e in emails + double_clicks))
        await client.aclose()
    statuses = Counter(status for _, status in results)
    assert all(status < 500 for status in statuses), statuses
    acknowledged = {email for email, status in results if status == 201}
    assert acknowledged == set(emails), statuses
    stored = await people(db_config)
    assert sorted(stored) == sorted(emails), "one person per address, every acknowledged submission stored"


async def test_a_crash_mid_stream_keeps_every_acknowledged_write_and_mail_goes_once(
    settings: Settings, db_config: SQLAlchemyAsyncConfig, tmp_path: Path, smtp: SmtpServer
) -> None:
    await open_a_call(db_config)
    env = server_env(settings, STEPCHANGE_SMTP_HOST="127.0.0.1", STEPCHANGE_SMTP_PORT=str(smtp.port))
    acknowledged: list[str] = []
    with running(env, log=tmp_path / "server.log") as server:
        client = await client_for(server.url)

        async def stream() -> None:
            for i in range(10_000):
                email = f"crash{i}@example.org"
                try:
                    response = await client.post("/api/interest", json=submission(email=email))
                except httpx.HTTPError:
                    return
                if response.status_code == 201:
                    acknowledged.append(email)

        writer = asyncio.create_task(stream())
        while len(acknowledged) < 25:  # noqa: ASYNC110 - polling the writer task's progress
            await asyncio.sleep(0.05)
        server.kill()
        await asyncio.wait_for(writer, 30)
        await client.aclose()
    if ENGINE == "sqlite":
        path = settings.database_url.removeprefix("sqlite+aiosqlite:///")
        with sqlite3.connect(path) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)

    # A submission is stored as received before its 201 and filed just after; one the kill caught in
    # between is filed when the service starts again.
    with running({**env, "STEPCHANGE_MAIL_SENDER": "1"}, log=tmp_path / "restart.log"):
        for _ in range(300):
            stored = set(await people(db_config))
            if set(acknowledged) <= stored and len({m["To"] for m in smtp.messages}) >= len(stored):
                break
            await asyncio.sleep(0.1)
    assert set(acknowledged) <= stored, "every acknowledged write survived kill -9"
    received = Counter(m["To"] for m in smtp.messages)
    assert set(received) == stored, "every stored submission's confirmation was sent after the restart"
    assert max(received.values()) == 1, "and none twice"


async def test_two_co_chairs_amending_at_once_one_wins_nothing_lost(
    settings: Settings, db_config: SQLAlchemyAsyncConfig, tmp_path: Path
) -> None:
    for name in ("one", "two"):
        await make_staff(db_config, f"{name}@example.org", "co_chair", workstream="T")
    with running(server_env(settings), log=tmp_path / "server.log") as server:
        clients = [await client_for(server.url) for _ in range(2)]
        for client, name in zip(clients, ("one", "two"), strict=True):
            assert (
                await client.post(
                    "/api/auth/login", json={"email": f"{name}@example.org", "password": "correct horse battery staple"}
                )
            ).status_code == 200

        async def amend(client: httpx.AsyncClient, title: str) -> httpx.Response:
            return await client.patch("/api/projects/T3", json={"version": 1, "title": title})

        results = await asyncio.gather(amend(clients[0], "Title from one"), amend(clients[1], "Title from two"))
        statuses = sorted(r.status_code for r in results)
        assert statuses == [200, 409]
        winner = next(r for r in results if r.status_code == 200).json()["title"]
        versions = (await clients[0].get("/api/projects/T3/versions")).json()["items"]
        assert [v["title"] for v in versions][:1] == [winner]
        assert len(versions) == 2
        for client in clients:
            await client.aclose()


@pytest.mark.skipif(ENGINE != "postgresql", reason="several workers share PostgreSQL and Redis")
async def test_two_workers_share_sessions_rate_limits_and_the_outbox(
    settings: Settings, db_config: SQLAlchemyAsyncConfig, tmp_path: Path, smtp: SmtpServer
) -> None:
    await open_a_call(db_config)
    await make_staff(db_config, "office@example.org", "coordinator")
    redis_db = f"redis://127.0.0.1:6379/{uuid.uuid4().int % 8 + 4}"
    env = server_env(
        settings,
        STEPCHANGE_REDIS_URL=redis_db,
        STEPCHANGE_RATE_LIMIT_PER_MINUTE="10",
        STEPCHANGE_MAIL_SENDER="1",
        STEPCHANGE_SMTP_HOST="127.0.0.1",
        STEPCHANGE_SMTP_PORT=str(smtp.port),
    )
    from redis.asyncio import Redis

    redis = Redis.from_url(redis_db)
    await redis.flushdb()
    try:
        with running(env, workers=2, log=tmp_path / "server.log") as server:
            office = await client_for(server.url)
            login = await office.post(
                "/api/auth/login", json={"email": "office@example.org", "password": "correct horse battery staple"}
            )
            assert login.status_code == 200
            seen = [(await office.get("/api/auth/me")).status_code for _ in range(20)]
            assert set(seen) == {200}, "every request, on whichever worker, sees the session"

            public = [await client_for(server.url) for _ in range(4)]
            statuses: list[int] = []
            for i in range(16):
                response = await public[i % 4].post("/api/interest", json=submission(email=f"w{i}@example.org"))
                statuses.append(response.status_code)
            assert statuses.count(201) == 10 and statuses.count(429) == 6, "one limit across both workers"
            for _ in range(200):
                if len(smtp.messages) >= 10:
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(1)
            received = Counter(m["To"] for m in smtp.messages)
            assert len(received) == 10 and max(received.values()) == 1, "each mail sent once by one of the workers"
            for client in (office, *public):
                await client.aclose()
    finally:
        await redis.flushdb()
        await redis.aclose()


def worker_pids(server_pid: int) -> list[int]:
    """The live worker processes under the server: its children, and theirs when the command line starts
    uvicorn under it."""
    found: list[int] = []
    pending = [server_pid]
    while pending:
        pid = pending.pop()
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except FileNotFoundError:
            continue
        for child in map(int, children):
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            if b"multiprocessing" in cmdline and b"resource_tracker" not in cmdline:
                found.append(child)
            pending.append(child)
    return found


async def test_a_worker_that_dies_is_replaced_and_the_service_keeps_answering(
    settings: Settings, tmp_path: Path
) -> None:
    """Run as the operations guide says (``stepchange run --wc 2``), a worker killed by a segmentation fault
    takes only the requests it held: the other answers meanwhile and a new worker takes its place."""
    with running(server_env(settings), workers=2, log=tmp_path / "server.log", via_cli=True) as server:
        assert server.process is not None
        for _ in range(100):
            workers = worker_pids(server.process.pid)
            if len(workers) == 2:
                break
            await asyncio.sleep(0.1)
        assert len(workers) == 2, (tmp_path / "server.log").read_text()[-2000:]
        os.kill(workers[0], signal.SIGSEGV)
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
            answers = [(await client.get("/health")).status_code for _ in range(20)]
        assert set(answers) == {200}
        for _ in range(200):
            replaced = worker_pids(server.process.pid)
            if len(replaced) == 2 and workers[0] not in replaced:
                break
            await asyncio.sleep(0.1)
        assert len(replaced) == 2 and workers[0] not in replaced, "the dead worker was replaced"
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
            assert (await client.get("/health")).status_code == 200
