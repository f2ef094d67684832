"""The time ledger at national scale (issue 28): the entries to confirm are counted from their own table (no
joins, the count still equal to the rows the pages give), a page of them is read oldest first from the
``ix_time_entry_created_at_id`` index rather than sorted from every entry, and the statements a page runs
do not grow with the ledger."""

from __future__ import annotations

import datetime as dt
from typing import Any

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import select, text

from stepchange.contributions.models import EntryStatus, TimeEntry
from stepchange.contributions.services import entries_in_order
from stepchange.core.database import session_scope
from stepchange.projects.models import Project
from tests.conftest import Client, make_staff, sign_in
from tests.participants import a_volunteer
from tests.statements import recorded

HTML = {"accept": "text/html"}
INDEX = "ix_time_entry_created_at_id"


async def ledger_of(config: SQLAlchemyAsyncConfig, first: int, people: int) -> None:
    """``people`` givers, each with an entry for T1 and one for CP1 in each of three months (every third
    confirmed), logged a minute apart."""
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    ids = [
        await a_volunteer(config, f"giver{n}@ledger.example", name=f"Giver {n:03}")
        for n in range(first, first + people)
    ]
    async with session_scope(config) as session:
        projects = (await session.scalars(select(Project).where(Project.code.in_(("T1", "CP1"))))).all()
        n = first * 6
        for volunteer_id in ids:
            for project in projects:
                for month in (1, 2, 3):
                    session.add(
                        TimeEntry(
                            volunteer_id=volunteer_id,
                            project_id=project.id,
                            month=dt.date(2025, month, 1),
                            minutes=60,
                            status=EntryStatus.CONFIRMED if n % 3 == 0 else EntryStatus.PENDING,
                            created_at=start + dt.timedelta(minutes=n),
                        )
                    )
                    n += 1


async def staff(browsers: Any, config: SQLAlchemyAsyncConfig, email: str, role: str, ws: str | None = None) -> Client:
    await make_staff(config, email, role, workstream=ws)
    client: Client = await browsers()
    await sign_in(client, email)
    return client


async def every_page(client: Client, address: str) -> tuple[list[dict[str, Any]], int]:
    """Every entry at ``address`` walked page by page, and the total each page claimed (all the same)."""
    items: list[dict[str, Any]] = []
    totals = set()
    while True:
        body = (await client.get(f"{address}&offset={len(items)}")).json()
        assert set(body) == {"items", "total", "limit", "offset"}
        totals.add(body["total"])
        items += body["items"]
        if not body["items"]:
            break
    assert len(totals) == 1, totals
    return items, totals.pop()


async def test_the_count_equals_the_rows_for_the_office_a_co_chair_and_a_status(
    browsers: Any, db_config: SQLAlchemyAsyncConfig
) -> None:
    await ledger_of(db_config, 0, 9)  # 54 entries: 27 for T1 (work-stream T), 18 pending of each project
    office = await staff(browsers, db_config, "office@example.org", "coordinator")
    chair = await staff(browsers, db_config, "chair@example.org", "co_chair", "T")

    everything, total = await every_page(office, "/api/time?limit=20")
    assert total == len(everything) == len({e["id"] for e in everything}) == 54
    assert [e["logged_at"] for e in everything] == sorted(e["logged_at"] for e in everything), "oldest first"
    pending, total = await every_page(office, "/api/time?limit=20&status=pending")
    assert total == len(pending) == 36 and {e["status"] for e in pending} == {"pending"}
    theirs, total = await every_page(chair, "/api/time?limit=20")
    assert total == len(theirs) == 27 and {e["project"] for e in theirs} == {"T1"}


async def test_the_statements_for_a_page_do_not_grow_and_count_without_joins(
    browsers: Any, db_config: SQLAlchemyAsyncConfig
) -> None:
    office = await staff(browsers, db_config, "office@example.org", "coordinator")
    chair = await staff(browsers, db_config, "chair@example.org", "co_chair", "T")
    await ledger_of(db_config, 0, 2)
    asked = [(office, "/time"), (office, "/api/time"), (chair, "/time"), (chair, "/api/time?status=pending")]
    few = [len(await statements(client, path)) for client, path in asked]
    await ledger_of(db_config, 2, 20)
    seen = [await statements(client, path) for client, path in asked]
    assert [len(s) for s in seen] == few
    counts = [s for page in seen for s in page if "count(" in s.lower() and "time_entry" in s]
    assert len(counts) == len(asked) and all(" JOIN " not in s.upper() for s in counts), counts


async def statements(client: Client, path: str) -> list[str]:
    with recorded(client.app) as seen:
        answer = await client.get(path, headers=HTML if not path.startswith("/api") else None)
    assert answer.status_code == 200, answer.text[:500]
    return [str(s) for s in seen]


async def test_a_page_to_confirm_is_read_in_the_index_order_not_sorted(db_config: SQLAlchemyAsyncConfig) -> None:
    page = entries_in_order([], newest_first=False).limit(50).offset(100)
    async with session_scope(db_config) as session:
        dialect = session.get_bind().dialect
        sql = str(page.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        if dialect.name == "sqlite":
            plan = " ".join(str(row[-1]) for row in (await session.execute(text(f"EXPLAIN QUERY PLAN {sql}"))).all())
            assert INDEX in plan and "TEMP B-TREE" not in plan, plan
        else:
            # A test's ledger is tiny, so the planner would rightly sort it: forbid sorting to see the index.
            await session.execute(text("SET LOCAL enable_sort = off"))
            plan = "\n".join(await session.scalars(text(f"EXPLAIN {sql}")))
            assert INDEX in plan and "Sort" not in plan, plan
