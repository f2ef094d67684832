"""Filing a received submission commits without waiting for the disk on PostgreSQL (core/database.py,
interest/intake.py), while the received row the answer promises is still committed durably."""

from __future__ import annotations

import asyncio

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from litestar import Litestar
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core.database import commit_without_waiting_for_disk
from tests.conftest import ENGINE, Client
from tests.statements import recorded
from tests.test_interest import open_a_call, submission

pytestmark = pytest.mark.skipif(ENGINE == "sqlite", reason="PostgreSQL's synchronous_commit")
SHOW = text("SHOW synchronous_commit")


async def test_only_the_filing_commits_without_waiting_and_the_next_transaction_waits_again(
    app: Litestar, client: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    await open_a_call(db_config)
    with recorded(app) as seen:
        answer = await client.post("/api/interest", json=submission(), headers={"x-csrftoken": await client.csrf()})
        assert answer.status_code == 201, answer.text
        for _ in range(50):  # the filing runs after the answer
            if any(s.sql.startswith("INSERT INTO outbox_message") for s in seen):
                break
            await asyncio.sleep(0.05)
    order = [s.sql.split(" (")[0] for s in seen]
    received = order.index("INSERT INTO received_submission")
    relaxed = order.index("SET LOCAL synchronous_commit TO OFF")
    assert received < relaxed < order.index("DELETE FROM received_submission WHERE received_submission.id = $1::UUID")
    assert order.count("SET LOCAL synchronous_commit TO OFF") == 1

    async with db_config.get_engine().connect() as connection:
        session = AsyncSession(bind=connection)
        await commit_without_waiting_for_disk(session)
        assert (await session.scalar(SHOW)) == "off"
        await session.commit()
        assert (await session.scalar(SHOW)) == "on"  # SET LOCAL: the pooled connection is not changed
        await session.close()
