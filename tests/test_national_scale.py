"""Staff paths on a large programme, several at once, on a real server: every answer a 200 and the worker
still alive at the end.

At 100,000 people the service once died with a segmentation fault while requests loaded thousands of
rows (issue 28). The cause was not reproduced (30 loads of 100,000 people with their phone numbers
decrypted, and 82 concurrent heavy requests, ran clean on the pinned versions); the defence is that no
request loads more than a page of rows, and several workers replace one that dies
(tests/test_resilience.py). This test keeps the first half honest at a size CI can afford: the heavy
paths, three clients at a time, with the worker's exit watched.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig

from stepchange.core.database import session_scope
from stepchange.core.settings import Settings
from stepchange.demo import generate
from tests.conftest import make_staff
from tests.server import running
from tests.test_resilience import server_env

pytestmark = pytest.mark.slow

PEOPLE = 10_000
HEAVY_PATHS = (
    "/desk",
    "/api/desk",
    "/desk/projects/SR2",
    "/api/desk/projects/SR2/suggestions",
    "/api/desk/projects/SR2/team",
    "/people",
    "/api/volunteers?limit=50",
    "/organisations",
    "/api/organisations",
    "/ethics/register",
    "/api/reports/register-of-interests?limit=50",
    "/reports/workstreams/SR",
)


async def signed_in(url: str, email: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=url, timeout=120)
    await client.get("/health")
    client.headers["x-csrftoken"] = client.cookies["csrftoken"]
    answer = await client.post("/api/auth/login", json={"email": email, "password": "correct horse battery staple"})
    assert answer.status_code == 200, answer.text
    client.headers["x-csrftoken"] = client.cookies["csrftoken"]
    return client


async def test_heavy_staff_paths_at_once_on_a_large_programme(
    settings: Settings, db_config: SQLAlchemyAsyncConfig, tmp_path: Path
) -> None:
    async with session_scope(db_config) as session:
        await generate(session, PEOPLE, seed=28)
    await make_staff(db_config, "office@example.org", "coordinator")
    await make_staff(db_config, "ethics@example.org", "ethics")
    log = tmp_path / "server.log"
    with running(server_env(settings), log=log) as server:
        office = await signed_in(server.url, "office@example.org")
        ethics = await signed_in(server.url, "ethics@example.org")

        async def ask(client: httpx.AsyncClient, path: str) -> tuple[str, int]:
            return path, (await client.get(path)).status_code

        answers: list[tuple[str, int]] = []
        for _ in range(2):
            for start in range(0, len(HEAVY_PATHS), 3):
                batch = HEAVY_PATHS[start : start + 3]
                answers += await asyncio.gather(
                    *(ask(ethics if "register" in path else office, path) for path in batch)
                )
        for client in (office, ethics):
            await client.aclose()
        assert server.process is not None and server.process.poll() is None, log.read_text()[-3000:]
    assert [a for a in answers if a[1] != 200] == [], log.read_text()[-3000:]
