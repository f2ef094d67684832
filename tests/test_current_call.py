"""Which call is "the current call": the open one (closing soonest), else the one that stopped taking
submissions last; never a call still to open. Every report defaults to it and says which it is; the board
can choose another."""

from __future__ import annotations

import datetime as dt
from uuid import uuid4

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import delete, select

from stepchange.core import clock
from stepchange.core.database import session_scope
from stepchange.interest.current_call import current_call
from stepchange.interest.models import Call, call_project
from stepchange.projects.models import Project
from tests import test_reports as fixed
from tests.conftest import Client
from tests.test_reports import CALL, SEEDED_CALL

board, staff = fixed.board, fixed.staff
"""The fixed data set of ``test_reports`` (its 2018 call and its 2025 call), and a board member on it."""

NOW = dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC)


def days(n: float) -> dt.datetime:
    return NOW + dt.timedelta(days=n)


async def calls(config: SQLAlchemyAsyncConfig, *windows: tuple[str, float, float, float | None]) -> None:
    """Only these calls: (name, opens, closes, closed early), in days from NOW."""
    async with session_scope(config) as session:
        await session.execute(delete(call_project))
        await session.execute(delete(Call))
        for name, opens, closes, early in windows:
            session.add(
                Call(name=name, opens_at=days(opens), closes_at=days(closes),
                     closed_early_at=None if early is None else days(early))
            )  # fmt: skip


async def current(config: SQLAlchemyAsyncConfig) -> str | None:
    async with session_scope(config) as session:
        found = await current_call(session, NOW)
        return found.name if found else None


@pytest.mark.parametrize(
    ("windows", "expected"),
    [
        ([("past", -60, -30, None), ("open", -5, 20, None), ("future", 10, 40, None)], "open"),
        ([("past", -60, -30, None), ("later past", -20, -2, None), ("future", 1, 40, None)], "later past"),
        ([("open long", -20, 60, None), ("open short", -3, 10, None)], "open short"),
        ([("closed early", -20, 60, -1), ("closed before", -40, -10, None)], "closed early"),
        ([("closed early long ago", -40, 60, -30), ("closed", -40, -10, None)], "closed"),
        ([("future", 3, 40, None), ("further", 50, 90, None)], None),
        ([], None),
    ],
    ids=[
        "open-beats-future",
        "latest-closed-not-future",
        "closing-soonest",
        "early-close",
        "early-close-older",
        "only-future",
        "none",
    ],
)
async def test_the_current_call_is_the_open_one_else_the_last_closed_never_a_future_one(
    db_config: SQLAlchemyAsyncConfig, windows: list[tuple[str, float, float, float | None]], expected: str | None
) -> None:
    await calls(db_config, *windows)
    assert await current(db_config) == expected


async def test_the_dashboard_reads_the_current_call_not_a_future_one(
    board: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    """The issue's case: a call made for next month (opening later than every other) is not yet open."""
    async with session_scope(db_config) as session:
        projects = list((await session.scalars(select(Project).where(Project.code.in_(["T1", "T2"])))).all())
        today = clock.now()
        session.add(
            Call(name="Next call", opens_at=today + dt.timedelta(days=30), closes_at=today + dt.timedelta(days=60),
                 projects=projects)
        )  # fmt: skip
    report = (await board.get("/api/reports/dashboard")).json()
    assert report["current_call"]["name"] == report["call"]["name"] == CALL
    assert report["summaries"]["funnel"].startswith(f"{CALL}: 7 submitted")
    assert [r["call"] for r in report["funnel"]] == [SEEDED_CALL, CALL, "Next call"], "every call in the table"
    page = (await board.get("/reports")).text
    assert f"Interest is counted for <strong>{CALL}</strong>, the current call." in page


async def test_the_board_can_choose_another_call(board: Client, db_config: SQLAlchemyAsyncConfig) -> None:
    async with session_scope(db_config) as session:
        seeded = (await session.scalars(select(Call).where(Call.name == SEEDED_CALL))).one()
    report = (await board.get(f"/api/reports/dashboard?call={seeded.id}")).json()
    assert report["call"] == {"id": str(seeded.id), "name": SEEDED_CALL}
    assert report["current_call"]["name"] == CALL, "the current call is still said"
    demand = {r["project"]: r for r in report["demand"]}
    assert len(demand) == 25 and (demand["SR1"]["choices"], demand["SR1"]["first_choices"]) == (1, 1)
    assert sum(r["choices"] for r in demand.values()) == 1, "only the 2018 call's expression (H) counts"
    assert [(r["day"], r["submitted"]) for r in report["call_trend"]] == [("2018-05-03", 1)]
    assert report["summaries"]["funnel"].startswith(f"{SEEDED_CALL}: 1 submitted")

    page = (await board.get(f"/reports?call={seeded.id}")).text
    assert f'<option value="{seeded.id}" selected>' in page
    assert f"Interest is counted for <strong>{SEEDED_CALL}</strong>." in page
    assert f'href="/api/reports/demand.csv?call={seeded.id}"' in page
    assert f'href="/reports/board-pack.pdf?call={seeded.id}"' in page
    exported = (await board.get(f"/api/reports/demand.csv?call={seeded.id}")).content.decode("utf-8-sig")
    assert len(exported.splitlines()) == 26


async def test_an_unknown_call_is_not_found_and_a_malformed_one_is_refused(board: Client) -> None:
    assert (await board.get(f"/api/reports/dashboard?call={uuid4()}")).status_code == 404
    refused = await board.get("/api/reports/dashboard?call=not-a-call")
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "call"
    page = await board.get("/reports?call=not-a-call")
    assert page.status_code == 200 and "Choose a call from the list" in page.text
