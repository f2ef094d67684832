"""The office's erasure queue at scale: a page of it is read and counted in the database (never the whole
queue, nor the people's encrypted records), in the same statements however long the queue, and keeps the
``{items, total, limit, offset}`` contract."""

from __future__ import annotations

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from litestar import Litestar
from sqlalchemy import select

from stepchange.core.database import session_scope
from stepchange.people.models import ErasureRequest, Volunteer
from tests.conftest import Client
from tests.participants import a_volunteer
from tests.test_list_scale import office, statements


async def asking(db_config: SQLAlchemyAsyncConfig, first: int, last: int) -> None:
    for n in range(first, last):
        await a_volunteer(db_config, f"asker{n}@venue{n}.example", interested_in=("T1",), name=f"Asker {n}")
    async with session_scope(db_config) as session:
        asked = select(ErasureRequest.volunteer_id)
        for person in (await session.scalars(select(Volunteer.id).where(Volunteer.id.not_in(asked)))).all():
            session.add(ErasureRequest(volunteer_id=person))


async def test_a_page_of_the_erasure_queue_is_read_in_the_database(
    app: Litestar, client: Client, db_config: SQLAlchemyAsyncConfig
) -> None:
    await office(client, db_config)
    await asking(db_config, 0, 3)
    few = await statements(app, lambda: client.get("/api/erasure-requests?limit=2"))
    await asking(db_config, 3, 12)
    many = await statements(app, lambda: client.get("/api/erasure-requests?limit=2"))
    assert len(many) == len(few), "\n".join(many)
    reads = [s for s in many if "FROM erasure_request" in s and "count(" not in s]
    assert reads and all("LIMIT" in s for s in reads), "\n".join(reads)
    assert not any("volunteer.phone" in s for s in many), "nobody's encrypted record is read to list the queue"

    pages = [(await client.get(f"/api/erasure-requests?limit=5&offset={n}")).json() for n in (0, 5, 10)]
    assert [(p["total"], p["limit"], p["offset"], len(p["items"])) for p in pages] == [
        (12, 5, 0, 5),
        (12, 5, 5, 5),
        (12, 5, 10, 2),
    ]
    seen = [item["volunteer_id"] for p in pages for item in p["items"]]
    assert len(set(seen)) == 12, "pages neither overlap nor skip"
    times = [item["requested_at"] for p in pages for item in p["items"]]
    assert times == sorted(times), "oldest first"
