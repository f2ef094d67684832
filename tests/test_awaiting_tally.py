"""The count of people waiting for validation, kept by the database (``stepchange.people.tally``), equals a
recount after every kind of write: a person added, each identity step, a bulk insert as an import makes
(``COPY`` on PostgreSQL), an erasure, a merge, a deletion. The desk and the office's home show the kept count."""

from __future__ import annotations

from uuid import uuid4

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import delete, func, select

from stepchange.core.database import session_scope, table_of
from stepchange.interest.bulk_insert import BulkInsert
from stepchange.people.models import Identity, Volunteer
from stepchange.people.services import PeopleService, TableRows
from stepchange.people.tally import awaiting_validation, awaiting_validation_count
from tests.test_people_service import HELD, Office


async def kept_and_recounted(config: SQLAlchemyAsyncConfig) -> tuple[int, int]:
    async with session_scope(config) as session:
        recount = await session.scalar(select(func.count()).select_from(Volunteer).where(awaiting_validation()))
        return await awaiting_validation_count(session), int(recount or 0)


async def assert_kept(config: SQLAlchemyAsyncConfig, expected: int) -> None:
    assert await kept_and_recounted(config) == (expected, expected)


async def test_the_kept_count_follows_every_change_to_a_person(db_config: SQLAlchemyAsyncConfig) -> None:
    base, _ = await kept_and_recounted(db_config)
    async with session_scope(db_config) as session:
        people = PeopleService(session=session)
        added = [await people.add_person(f"person{i}@example.org", HELD) for i in range(4)]
        ids = [p.id for p in added]
    await assert_kept(db_config, base)  # submitted: not waiting yet

    async with session_scope(db_config) as session:
        people = PeopleService(session=session)
        for person_id in ids:
            await people.step(await session.get_one(Volunteer, person_id), Identity.EMAIL_CONFIRMED, how="link")
    await assert_kept(db_config, base + 4)

    async with session_scope(db_config) as session:
        people = PeopleService(session=session)
        await people.step(await session.get_one(Volunteer, ids[0]), Identity.ORGANISATION_CONFIRMED, how="domain")
        await people.step(await session.get_one(Volunteer, ids[1]), Identity.VALIDATED, how="checked")
    await assert_kept(db_config, base + 3)  # still waiting: the organisation confirmed; validated: no longer

    async with session_scope(db_config) as session:
        people = PeopleService(session=session)
        await people.anonymise(await session.get_one(Volunteer, ids[2]))
    await assert_kept(db_config, base + 2)  # erased

    async with session_scope(db_config) as session:
        people = PeopleService(session=session)
        survivor, other = await session.get_one(Volunteer, ids[1]), await session.get_one(Volunteer, ids[3])
        await people.merge(Office(), survivor, other, identity=Identity.VALIDATED)
    await assert_kept(db_config, base + 1)  # the other record, waiting, is gone into a validated one

    async with session_scope(db_config) as session:
        await session.execute(delete(Volunteer).where(Volunteer.id == ids[0]))
    await assert_kept(db_config, base)


async def test_the_kept_count_follows_a_bulk_insert(db_config: SQLAlchemyAsyncConfig) -> None:
    """As an import writes people: one executemany per batch, ``COPY`` on PostgreSQL."""
    before, _ = await kept_and_recounted(db_config)
    columns = ("id", "email", "name", "phone", "organisation", "job_title", "sector", "hours_per_month", "identity")
    async with session_scope(db_config) as session:
        bulk = BulkInsert(await session.connection())
        batch = TableRows(table_of(Volunteer), columns)
        for i, identity in enumerate([Identity.EMAIL_CONFIRMED] * 5 + [Identity.SUBMITTED] * 3):
            batch.rows.append(
                (uuid4(), f"bulk{i}@example.org", "Bulk", "+447700900123", "Org", "Job", "Ports", 2, identity)
            )
        await bulk.insert(batch)
        await bulk.settle()
    await assert_kept(db_config, before + 5)
