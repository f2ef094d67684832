"""The bulk writer binds ids on SQLite straight to their 16 bytes (stepchange.interest.bulk_insert.guid_bytes):
exactly what the GUID column type binds, for every kind of id it accepts."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import uuid_utils
from advanced_alchemy.types import GUID
from sqlalchemy.dialects.sqlite.aiosqlite import dialect as aiosqlite_dialect

from stepchange.core.database import table_of
from stepchange.interest.bulk_insert import BulkInsert, guid_bytes
from stepchange.interest.models import Choice

EXAMPLE = uuid.UUID("0193a5b2-7c1d-7e3f-9a4b-5c6d7e8f9012")


@pytest.mark.parametrize(
    "value",
    [EXAMPLE, uuid_utils.UUID(str(EXAMPLE)), uuid_utils.uuid7(), EXAMPLE.hex, str(EXAMPLE), None],
    ids=["uuid", "uuid_utils", "uuid7", "hex", "text", "none"],
)
def test_an_id_is_bound_as_the_column_type_binds_it(value: Any) -> None:
    dialect = aiosqlite_dialect()
    kind = GUID()
    full = kind.dialect_impl(dialect).bind_processor(dialect)
    assert full is not None
    expected = full(value)

    assert guid_bytes(value) == (bytes(expected) if expected is not None else None)


def test_the_bulk_writer_binds_ids_on_sqlite_through_the_quick_way_only() -> None:
    class Connection:
        dialect = aiosqlite_dialect()

    writer = BulkInsert(Connection())  # type: ignore[arg-type]  # only its dialect is read
    table = table_of(Choice)

    assert writer._processor(table.c.expression_id, sealed=False) is guid_bytes
    assert writer._processor(table.c.rank, sealed=False) is not guid_bytes
