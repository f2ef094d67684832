"""Password reset: limited per target account and per address, and answered alike — in what it says and in
how long it takes — whether or not the address has an account (the look-up and mail happen after the
answer, in the background)."""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import func, select

from stepchange.app import create_app
from stepchange.core.database import session_scope
from stepchange.core.mail import OutboxMessage
from stepchange.core.settings import Settings
from tests.conftest import Client, make_staff
from tests.server import running
from tests.test_resilience import client_for, server_env


async def resets_queued(config: SQLAlchemyAsyncConfig) -> int:
    async with session_scope(config) as session:
        query = select(func.count()).where(OutboxMessage.category == "password_reset")
        return int(await session.scalar(query) or 0)


async def ask(client: Client, email: str) -> httpx.Response:
    headers = {"x-csrftoken": await client.csrf()}
    return await client.post("/api/auth/password-reset", json={"email": email}, headers=headers)


async def test_forty_requests_for_one_account_send_three_emails(
    client: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    await make_staff(db_config, "forgetful@example.org", "ethics")
    statuses = [(await ask(client, "Forgetful@example.org")).status_code for _ in range(40)]
    assert statuses == [202] * 3 + [429] * 37
    assert await resets_queued(db_config) == 3
    refused = await ask(client, "forgetful@example.org")
    assert int(refused.headers["retry-after"]) > 0
    assert refused.json()["detail"] == "Too many password reset requests for this address; wait and try again"
    # an unknown address is limited in exactly the same way, so the limit tells nobody anything
    assert [(await ask(client, "nobody@example.org")).status_code for _ in range(4)] == [202, 202, 202, 429]


async def test_requests_from_one_address_are_limited_across_accounts(
    settings: Settings, db_config: SQLAlchemyAsyncConfig
) -> None:
    async with Client(app=create_app(replace(settings, rate_limit_per_minute=5))) as browser:
        statuses = [(await ask(browser, f"person{i}@example.org")).status_code for i in range(8)]
    assert statuses == [202] * 5 + [429] * 3


async def test_the_forgotten_password_page_says_when_to_try_again(
    client: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    await make_staff(db_config, "forgetful@example.org", "ethics")
    token = await client.csrf()
    for _ in range(3):
        sent = await client.post(
            "/account/forgot-password", data={"email": "forgetful@example.org", "_csrf_token": token}
        )
        assert sent.status_code == 200 and "If that address has an account" in sent.text
    refused = await client.post(
        "/account/forgot-password", data={"email": "forgetful@example.org", "_csrf_token": token}
    )
    assert refused.status_code == 429
    assert "Too many password reset requests" in refused.text and 'href="#email"' in refused.text
    assert int(refused.headers["retry-after"]) > 0
    assert await resets_queued(db_config) == 3


async def timed(client: httpx.AsyncClient, email: str) -> float:
    started = time.perf_counter()
    response = await client.post("/api/auth/password-reset", json={"email": email})
    elapsed = time.perf_counter() - started
    assert response.status_code == 202
    await asyncio.sleep(0.05)  # let the background work finish before the next request is timed
    return elapsed


@pytest.mark.slow
async def test_known_and_unknown_addresses_take_the_same_time(
    settings: Settings, db_config: SQLAlchemyAsyncConfig, tmp_path: Path
) -> None:
    """Pairs of requests, one known address and one unknown, each side first in turn: the median of the
    pairs' differences (in ms) is what a prober would see, with the machine's load (shared by both of a
    pair) taken out; and a known address must be the slower of its pair about as often as not."""
    tries = 50
    for i in range(tries):
        await make_staff(db_config, f"staff{i}@example.org", "board")
    differences: list[float] = []
    unknown: list[float] = []
    with running(server_env(settings), log=tmp_path / "server.log") as server:
        client = await client_for(server.url)
        try:
            for i in range(5):
                await timed(client, f"warm-up{i}@example.org")
            for i in range(tries):
                if i % 2:
                    known_s, unknown_s = (
                        await timed(client, f"staff{i}@example.org"),
                        await timed(client, f"x{i}@example.org"),
                    )
                else:
                    unknown_s, known_s = (
                        await timed(client, f"x{i}@example.org"),
                        await timed(client, f"staff{i}@example.org"),
                    )
                differences.append((known_s - unknown_s) * 1000)
                unknown.append(unknown_s * 1000)
        finally:
            await client.aclose()
    assert await resets_queued(db_config) == tries, "every known address was sent its link, after the answer"
    typical, gap = statistics.median(unknown), statistics.median(differences)
    known_slower = sum(d > 0 for d in differences) / tries
    # Before the fix a known address took ~3 ms (50%) longer unloaded, ~13 ms on a busy machine, and was
    # the slower of its pair 86-94% of the time; now the gap is noise and either side is slower as often.
    assert abs(gap) < max(2.0, 0.25 * typical), (gap, typical)
    assert 0.25 <= known_slower <= 0.75, known_slower
