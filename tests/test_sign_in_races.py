"""Counters that cannot be raced, against a real server (uvicorn) with real concurrency.

Before: the login throttle read a count and wrote it back, so 40 wrong passwords sent at once all saw
"fewer than 5" and the right password then got 200; a burst of 60 gave "database is locked" 500s.
Each test runs on the database counter and again on Redis (skipped when Redis is not running).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pyotp
import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from stepchange.core.settings import Settings
from tests.conftest import PASSWORD, make_staff
from tests.server import running
from tests.test_resilience import client_for, server_env

pytestmark = pytest.mark.slow
REDIS_BASE = "redis://127.0.0.1:6379"


@pytest.fixture(params=["database", "redis"])
async def counter_env(request: pytest.FixtureRequest) -> AsyncIterator[dict[str, str]]:
    """No extra setting (the database counts), or a Redis database of the test's own."""
    if request.param == "database":
        yield {}
        return
    url = f"{REDIS_BASE}/{uuid.uuid4().int % 8 + 4}"
    redis = Redis.from_url(url)
    try:
        await redis.flushdb()
    except RedisConnectionError:
        await redis.aclose()
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    try:
        yield {"STEPCHANGE_REDIS_URL": url}
    finally:
        await redis.flushdb()
        await redis.aclose()


@asynccontextmanager
async def served(env: dict[str, str], log: Path) -> AsyncIterator[httpx.AsyncClient]:
    """A real server with this environment, and a client holding the CSRF token."""
    with running(env, log=log) as server:
        client = await client_for(server.url)
        try:
            yield client
        finally:
            await client.aclose()


async def login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    answer = await client.post("/api/auth/login", json={"email": email, "password": password})
    client.headers["x-csrftoken"] = client.cookies["csrftoken"]  # a sign-in step renews the session's token
    return answer


async def test_forty_wrong_passwords_at_once_then_the_right_one_is_still_refused(
    settings: Settings, db_config: SQLAlchemyAsyncConfig, tmp_path: Path, counter_env: dict[str, str]
) -> None:
    await make_staff(db_config, "office@example.org", "coordinator")
    async with served(server_env(settings, **counter_env), tmp_path / "server.log") as client:
        answers = await asyncio.gather(*(login(client, "office@example.org", f"guess {i}") for i in range(40)))
        statuses = Counter(a.status_code for a in answers)
        assert set(statuses) <= {401, 429}, statuses
        assert statuses[401] <= 5, f"at most five passwords were checked: {statuses}"
        right = await login(client, "office@example.org", PASSWORD)
        assert right.status_code == 429, "the right password after 40 wrong ones waits like the rest"
        assert int(right.headers["retry-after"]) > 0


async def test_a_burst_of_sixty_sign_ins_never_fails_with_a_500(
    settings: Settings, db_config: SQLAlchemyAsyncConfig, tmp_path: Path, counter_env: dict[str, str]
) -> None:
    await make_staff(db_config, "office@example.org", "coordinator")
    async with served(server_env(settings, **counter_env), tmp_path / "server.log") as client:
        attempts = [login(client, f"person{i}@example.org", "not the password") for i in range(59)]
        office = await client_for(str(client.base_url))  # from the same address, in a browser of its own
        try:
            answers = await asyncio.gather(login(office, "office@example.org", PASSWORD), *attempts)
        finally:
            await office.aclose()
    statuses = Counter(a.status_code for a in answers)
    assert set(statuses) <= {200, 401, 429}, statuses
    # at most 30 wrong passwords checked from one address (a success gives its own count back)
    assert statuses[401] <= 30 and statuses[429] >= 29, statuses
    assert "database is locked" not in (tmp_path / "server.log").read_text()


async def test_the_public_rate_limit_counts_every_request_of_a_burst(
    settings: Settings, tmp_path: Path, counter_env: dict[str, str]
) -> None:
    env = server_env(settings, STEPCHANGE_RATE_LIMIT_PER_MINUTE="10", **counter_env)
    async with served(env, tmp_path / "server.log") as client:
        answers = await asyncio.gather(
            *(client.post("/api/me/sign-in", json={"email": f"v{i}@example.org"}) for i in range(30))
        )
    statuses = Counter(a.status_code for a in answers)
    assert statuses == {202: 10, 429: 20}, statuses
    assert all(int(a.headers["retry-after"]) > 0 for a in answers if a.status_code == 429)


async def test_one_code_sent_twice_at_once_signs_in_once(
    settings: Settings, db_config: SQLAlchemyAsyncConfig, tmp_path: Path, counter_env: dict[str, str]
) -> None:
    await make_staff(db_config, "office@example.org", "coordinator")
    env = server_env(settings, STEPCHANGE_MFA="required", **counter_env)
    with running(env, log=tmp_path / "server.log") as server:
        browsers = [await client_for(server.url) for _ in range(3)]
        try:
            assert (await login(browsers[0], "office@example.org", PASSWORD)).json()["stage"] == "mfa_setup"
            secret = (await browsers[0].post("/api/auth/mfa/setup")).json()["secret"]
            totp = pyotp.TOTP(secret)
            assert (await browsers[0].post("/api/auth/mfa/setup/confirm", json={"code": totp.now()})).is_success
            for browser in browsers[1:]:
                assert (await login(browser, "office@example.org", PASSWORD)).json()["stage"] == "mfa"
            code = totp.at(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30))  # later than the one just used
            answers = await asyncio.gather(*(b.post("/api/auth/mfa", json={"code": code}) for b in browsers[1:]))
        finally:
            for browser in browsers:
                await browser.aclose()
    assert sorted(a.status_code for a in answers) == [200, 401], "a code is accepted once, even at the same moment"
