"""A large import builds the tables' plain indexes after the load (stepchange.core.bulk_load): the same rows
as keeping them up to date row by row, every index in place afterwards, and a failed import leaves them
too. The standard sample stands in for a large export by lowering the threshold."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import Connection, insert, inspect, text
from sqlalchemy.exc import IntegrityError

from stepchange.core.bulk_load import bulk_load
from stepchange.core.database import session_scope
from stepchange.core.settings import Settings
from stepchange.interest import import_checks, importing
from stepchange.interest.importing import LOADED, SurveyImporter
from stepchange.people.models import Identity, IdentityStep
from tests.test_import_surveymonkey import (
    IMPORTED,
    MERGED,
    UNTOUCHED,
    assert_the_standard_report,
    everyone,
    hold_people,
    import_file,
    snapshot,
    the_call,
)

TABLES = tuple(table.name for table in LOADED)


def _condition(index: Any) -> str:
    """A partial index's condition, as text."""
    return " ".join(str(where) for where in index.get("dialect_options", {}).values())


def _indexes(connection: Connection) -> dict[str, list[tuple[Any, ...]]]:
    inspector = inspect(connection)
    return {
        table: sorted(
            (index["name"], tuple(index["column_names"]), bool(index["unique"]), _condition(index))
            for index in inspector.get_indexes(table)
        )
        for table in TABLES
    }


def _foreign_keys(connection: Connection) -> set[tuple[str, str, str]]:
    inspector = inspect(connection)
    return {
        (table, str(key["name"]), key["referred_table"])
        for table in TABLES
        for key in inspector.get_foreign_keys(table)
    }


async def indexes(config: SQLAlchemyAsyncConfig) -> dict[str, list[tuple[Any, ...]]]:
    """Every index of the tables an import fills, as the database describes them."""
    async with session_scope(config) as session:
        connection = await session.connection()
        return await connection.run_sync(_indexes)


def plain_index_names(found: dict[str, list[tuple[Any, ...]]]) -> set[str]:
    """The names of the plain (not unique) indexes among those :func:`indexes` found."""
    return {index[0] for table in found.values() for index in table if not index[2]}


@pytest.fixture
def large(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any export counts as large: the sample's rows outnumber the two people held."""
    monkeypatch.setattr(importing, "DEFER_INDEXES_FROM", 0)


@pytest.mark.usefixtures("large")
async def test_with_indexes_built_after_the_load_the_rows_are_the_same_and_every_index_is_back(
    db_config: SQLAlchemyAsyncConfig, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(import_checks, "CHECK_CHUNK", 4)  # several chunks written while the indexes are away
    await hold_people(db_config)
    before = await indexes(db_config)
    async with session_scope(db_config) as session:
        keys = await (await session.connection()).run_sync(_foreign_keys)
    plain = plain_index_names(before)
    assert {str(index.name) for table in LOADED for index in table.indexes if not index.unique} <= plain
    seen_during: list[set[str]] = []
    applied = importing.SurveyImporter._apply

    async def look_at_the_indexes(self: SurveyImporter, *args: Any) -> None:
        await self.bulk.settle()  # the connection is free once the last bulk statement is done
        found = await (await self.session.connection()).run_sync(_indexes)
        seen_during.append({index[0] for table in found.values() for index in table})
        await applied(self, *args)

    monkeypatch.setattr(importing.SurveyImporter, "_apply", look_at_the_indexes)

    report = await import_file(db_config, settings)

    assert_the_standard_report(report)
    assert await everyone(db_config, await the_call(db_config)) == {**IMPORTED, **MERGED, **UNTOUCHED}
    assert seen_during and all(not (names & plain) for names in seen_during)  # deferred indeed
    assert await indexes(db_config) == before
    async with session_scope(db_config) as session:
        assert await (await session.connection()).run_sync(_foreign_keys) == keys


@pytest.mark.usefixtures("large")
async def test_an_index_only_the_database_knows_is_deferred_too_and_comes_back_as_it_was(
    db_config: SQLAlchemyAsyncConfig, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Indexes are found in the database, not the models: one a migration made (or one declared in a module
    the importing process never loaded) would otherwise be kept up to date row by row through the load."""
    async with session_scope(db_config) as session:
        await session.execute(
            text(
                "CREATE INDEX ix_volunteer_only_in_the_database ON volunteer (hours_per_month)"
                " WHERE hours_per_month > 10"
            )
        )
    before = await indexes(db_config)
    seen_during: list[set[str]] = []
    applied = importing.SurveyImporter._apply

    async def look_at_the_indexes(self: SurveyImporter, *args: Any) -> None:
        await self.bulk.settle()
        found = await (await self.session.connection()).run_sync(_indexes)
        seen_during.append({index[0] for table in found.values() for index in table})
        await applied(self, *args)

    monkeypatch.setattr(importing.SurveyImporter, "_apply", look_at_the_indexes)

    await import_file(db_config, settings)

    assert "ix_volunteer_only_in_the_database" in plain_index_names(before)
    assert seen_during and all("ix_volunteer_only_in_the_database" not in names for names in seen_during)
    assert await indexes(db_config) == before


@pytest.mark.usefixtures("large")
async def test_a_failed_large_import_leaves_every_index_and_row_as_it_was(
    db_config: SQLAlchemyAsyncConfig, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(import_checks, "CHECK_CHUNK", 4)
    applied = importing.SurveyImporter._apply
    calls = 0

    async def fail_on_the_third_chunk(self: SurveyImporter, *args: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("the disk is full")
        await applied(self, *args)

    monkeypatch.setattr(importing.SurveyImporter, "_apply", fail_on_the_third_chunk)
    rows, before = await snapshot(db_config), await indexes(db_config)

    with pytest.raises(RuntimeError, match="the disk is full"):
        await import_file(db_config, settings)

    assert await indexes(db_config) == before
    assert await snapshot(db_config) == rows


async def test_indexes_are_deferred_only_for_a_large_load_that_at_least_doubles_the_people_held(
    db_config: SQLAlchemyAsyncConfig, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await hold_people(db_config)  # two people
    async with session_scope(db_config) as session:
        importer = SurveyImporter(session, settings)
        monkeypatch.setattr(importing, "DEFER_INDEXES_FROM", 2)
        assert await importer._defer_indexes(2)
        assert not await importer._defer_indexes(1)  # small beside what is held: kept up to date
        monkeypatch.setattr(importing, "DEFER_INDEXES_FROM", 3)
        assert not await importer._defer_indexes(2)  # not large


async def test_a_load_without_deferring_keeps_the_indexes_and_the_connections_settings(
    db_config: SQLAlchemyAsyncConfig,
) -> None:
    before = await indexes(db_config)
    async with session_scope(db_config) as session:
        connection = await session.connection()
        sqlite = connection.dialect.name == "sqlite"
        cache = (await connection.exec_driver_sql("PRAGMA cache_size")).scalar_one() if sqlite else None
        async with bulk_load(connection, LOADED, defer_indexes=False):
            assert await connection.run_sync(_indexes) == before
        if sqlite:
            assert (await connection.exec_driver_sql("PRAGMA cache_size")).scalar_one() == cache


async def test_on_postgresql_only_the_look_ups_are_planned_afresh_not_the_writes_and_their_key_checks(
    db_config: SQLAlchemyAsyncConfig, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each row's foreign-key checks are prepared statements: planning them afresh for every row was most
    of PostgreSQL's work in a large import. (The second import of the file has its responses to look up;
    the first, a first load, looks nothing up.)"""
    if db_config.get_engine().dialect.name != "postgresql":
        pytest.skip("a PostgreSQL setting")
    seen: dict[str, set[str]] = {"look-ups": set(), "writes": set()}
    looked_up, written = importing.SurveyImporter._tracked, importing.SurveyImporter._write

    async def mode(self: SurveyImporter) -> str:
        return str(await self.session.scalar(text("SHOW plan_cache_mode")))

    async def look_up(self: SurveyImporter, survey: str, respondent_ids: list[str]) -> Any:
        if respondent_ids:
            seen["look-ups"].add(await mode(self))
        return await looked_up(self, survey, respondent_ids)

    async def write(self: SurveyImporter, *args: Any) -> None:
        seen["writes"].add(await mode(self))
        await written(self, *args)

    monkeypatch.setattr(importing.SurveyImporter, "_tracked", look_up)
    monkeypatch.setattr(importing.SurveyImporter, "_write", write)

    await import_file(db_config, settings)
    await import_file(db_config, settings)

    assert seen == {"look-ups": {"force_custom_plan"}, "writes": {"auto"}}


async def test_on_postgresql_keys_between_loaded_tables_wait_for_the_end_of_a_large_load_and_still_refuse(
    db_config: SQLAlchemyAsyncConfig,
) -> None:
    """Each row's foreign-key checks were a query per row and key: the keys from one loaded table to another
    are added back after the load instead, which checks every row at once — a row that breaks one still fails
    the load. Keys to the tables the public reads (a choice's project, an expression's call) stay."""
    if db_config.get_engine().dialect.name != "postgresql":
        pytest.skip("SQLite cannot drop a foreign key")
    async with session_scope(db_config) as session:
        before = await (await session.connection()).run_sync(_foreign_keys)
    during: set[tuple[str, str, str]] = set()

    async def load_a_step_for_nobody() -> None:
        nonlocal during
        async with session_scope(db_config) as session:
            connection = await session.connection()
            async with bulk_load(connection, LOADED, defer_indexes=True):
                during = await connection.run_sync(_foreign_keys)
                nobody = {"volunteer_id": uuid4(), "step": Identity.SUBMITTED, "by": "test", "how": "test"}
                await connection.execute(insert(IdentityStep).values(nobody))  # let in now, refused at the end

    with pytest.raises(IntegrityError, match="fk_identity_step_volunteer_id_volunteer"):
        await load_a_step_for_nobody()

    loaded = set(TABLES)
    assert {key for key in before if key[2] in loaded} == {
        ("identity_step", "fk_identity_step_volunteer_id_volunteer", "volunteer"),
        ("expression", "fk_expression_volunteer_id_volunteer", "volunteer"),
        ("choice", "fk_choice_expression_id_expression", "expression"),
        ("imported_response", "fk_imported_response_volunteer_id_volunteer", "volunteer"),
    }
    assert during == {key for key in before if key[2] not in loaded}
    async with session_scope(db_config) as session:
        assert await (await session.connection()).run_sync(_foreign_keys) == before
