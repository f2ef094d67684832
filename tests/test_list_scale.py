"""The office's lists at national scale: a page costs the same statements however many people there are
(never one query per person), and every list keeps its contract (``{items, total, limit, offset}``, pages
that neither overlap nor skip) whatever page is asked for."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from httpx import Response
from litestar import Litestar
from sqlalchemy import update

from stepchange.core import audit
from stepchange.core.audit import SYSTEM, AuditEntry
from stepchange.core.authz import Role
from stepchange.core.database import session_scope
from stepchange.people.models import Organisation
from stepchange.people.organisations import match_key
from tests.conftest import Client, make_staff, sign_in
from tests.participants import a_volunteer
from tests.statements import recorded


async def statements(app: Litestar, request: Callable[[], Awaitable[Response]]) -> list[str]:
    await request()  # warm: the first request of a kind may prepare more
    with recorded(app) as seen:
        answer = await request()
    assert answer.status_code == 200, answer.text
    return [statement.sql for statement in seen]


async def office(client: Client, db_config: SQLAlchemyAsyncConfig) -> Client:
    await make_staff(db_config, "office@example.org", Role.COORDINATOR)
    assert (await sign_in(client, "office@example.org")).status_code == 200
    return client


async def people(db_config: SQLAlchemyAsyncConfig, first: int, last: int) -> None:
    for n in range(first, last):
        await a_volunteer(db_config, f"person{n}@venue{n}.example", interested_in=("T1", "CP2"), name=f"Person {n}")


async def test_a_page_of_people_costs_the_same_statements_for_5_or_30_people(
    app: Litestar, client: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    await office(client, db_config)
    await people(db_config, 0, 5)
    few = await statements(app, lambda: client.get("/api/volunteers?limit=50"))
    await people(db_config, 5, 30)
    many = await statements(app, lambda: client.get("/api/volunteers?limit=50"))
    assert len(many) == len(few), "\n".join(many)
    answer = (await client.get("/api/volunteers?limit=50")).json()
    assert answer["total"] == 30 and len(answer["items"]) == 30
    person = answer["items"][0]
    assert person["name"] == "Person 29", "newest first"
    assert [[c["project"] for c in e["choices"]] for e in person["expressions"]] == [["T1", "CP2"]]
    assert [c["rank"] for c in person["expressions"][0]["choices"]] == [1, 2]
    page = await statements(app, lambda: client.get("/people", headers={"accept": "text/html"}))
    assert len(page) <= len(many), "the page reads no more than the API"


async def test_pages_of_people_neither_overlap_nor_skip_in_any_order(
    client: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    await office(client, db_config)
    await people(db_config, 0, 7)
    seen: list[str] = []
    for offset in range(0, 9, 3):
        answer = (await client.get(f"/api/volunteers?limit=3&offset={offset}")).json()
        assert (answer["total"], answer["limit"], answer["offset"]) == (7, 3, offset)
        seen += [p["id"] for p in answer["items"]]
    assert len(seen) == len(set(seen)) == 7
    one = (await client.get(f"/api/volunteers/{seen[0]}")).json()
    assert [c["project"] for c in one["expressions"][0]["choices"]] == ["T1", "CP2"]
    by_name = await client.get("/people?sort=name&q=person", headers={"accept": "text/html"})
    names = [f"Person {n}" for n in range(7)]
    assert [by_name.text.index(n) for n in names] == sorted(by_name.text.index(n) for n in names)


async def test_the_organisations_register_is_paginated_in_name_order(
    app: Litestar, client: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    await office(client, db_config)
    async with session_scope(db_config) as session:
        for n in range(12):
            name = f"Zephyr Holdings {n:02d}"
            session.add(Organisation(name=name, match_key=match_key(name), domains=[]))
    everyone = (await client.get("/api/organisations?limit=500")).json()
    total = everyone["total"]
    assert total >= 12 and len(everyone["items"]) == total
    names = [o["name"] for o in everyone["items"]]
    assert names == sorted(names)
    pages: list[str] = []
    for offset in range(0, total, 5):
        answer = (await client.get(f"/api/organisations?limit=5&offset={offset}")).json()
        assert set(answer) == {"items", "total", "limit", "offset"}
        assert (answer["total"], answer["limit"], answer["offset"]) == (total, 5, offset)
        assert 0 < len(answer["items"]) <= 5
        pages += [o["name"] for o in answer["items"]]
    assert pages == names
    past = (await client.get(f"/api/organisations?limit=5&offset={total}")).json()
    assert (past["items"], past["total"]) == ([], total)
    small = await statements(app, lambda: client.get("/api/organisations?limit=5"))
    large = await statements(app, lambda: client.get("/api/organisations?limit=20"))
    assert len(small) == len(large), "domains are read for the page at once, not per organisation"


async def test_the_audit_trail_is_searched_in_any_case_newest_first_with_wildcards_as_typed(
    client: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    await office(client, db_config)
    async with session_scope(db_config) as session:
        for n, summary in enumerate(["Note on Smith", "SMITHSON merged", "100% done", "1000 done", "Jones"]):
            await audit.record(session, SYSTEM, "test.listed", subject_type="test", summary=summary)
            at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=n)
            await session.execute(update(AuditEntry).where(AuditEntry.summary == summary).values(created_at=at))
    found = (await client.get("/api/audit?q=smith&limit=1")).json()
    assert (found["total"], [e["summary"] for e in found["items"]]) == (2, ["SMITHSON merged"])
    second = (await client.get("/api/audit?q=smith&limit=1&offset=1")).json()
    assert [e["summary"] for e in second["items"]] == ["Note on Smith"]
    percent = (await client.get("/api/audit", params={"q": "0% d"})).json()
    assert [e["summary"] for e in percent["items"]] == ["100% done"], "% is a character here, not a wildcard"
    page = await client.get("/audit?q=SMITH", headers={"accept": "text/html"})
    assert page.status_code == 200 and "SMITHSON merged" in page.text and "Jones" not in page.text
