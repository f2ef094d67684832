"""``stepchange rotate-key``: every encrypted column re-encrypted under a new ``STEPCHANGE_ENCRYPTION_KEY``.

The columns are found from the models (every ``EncryptedString`` or ``EncryptedText``), so a column
encrypted later is rotated too. Every value is read with the current key and written with the new one in
one transaction: if any value cannot be read with the current key, nothing changes. Values move as
ciphertext text: the columns' own types never see them, so nothing is encrypted twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from advanced_alchemy.types import EncryptedString
from advanced_alchemy.types.encrypted_string import EncryptionBackend
from cryptography.fernet import InvalidToken
from sqlalchemy import Column, String, Table, bindparam, select, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.backup.checks import BackupError
from stepchange.core.audit import SYSTEM, record
from stepchange.core.database import Base, immediate_transaction, session_scope

MINIMUM_KEY_LENGTH = 32


@dataclass(frozen=True)
class Encrypted:
    """One table's encrypted columns."""

    table: Table
    columns: tuple[Column[Any], ...]

    @property
    def names(self) -> str:
        return ", ".join(f"{self.table.name}.{column.name}" for column in self.columns)


def encrypted_columns() -> list[Encrypted]:
    """Every table holding encrypted columns, as the models declare them."""
    import stepchange.models  # noqa: F401 - registers every table

    found = []
    for table in Base.metadata.sorted_tables:
        columns = tuple(column for column in table.columns if isinstance(column.type, EncryptedString))
        if columns:
            found.append(Encrypted(table, columns))
    return found


def check_new_key(old: str, new: str) -> None:
    if len(new) < MINIMUM_KEY_LENGTH:
        raise BackupError(f"The new key must be a random value of {MINIMUM_KEY_LENGTH} or more characters")
    if new == old:
        raise BackupError("The new key is the key in use: nothing to rotate")


async def rotate_key(config: SQLAlchemyAsyncConfig, old: str, new: str) -> list[str]:
    """Re-encrypt every encrypted value from ``old`` to ``new`` in one transaction; a line per table."""
    check_new_key(old, new)
    lines = []
    async with session_scope(config) as session:
        await immediate_transaction(session)
        for encrypted in encrypted_columns():
            count = await _rotate_table(session, encrypted, old, new)
            lines.append(f"{encrypted.names}: {count} values re-encrypted")
        await record(
            session,
            SYSTEM,
            "encryption_key.rotated",
            subject_type="database",
            summary="Every encrypted column re-encrypted under a new key",
        )
    return lines


def _backend(column: Column[Any], key: str) -> EncryptionBackend:
    """The column's own kind of encryption, keyed by ``key``."""
    kind = column.type
    assert isinstance(kind, EncryptedString)
    backend = type(kind.backend)()
    backend.mount_vault(key)
    return backend


async def _rotate_table(session: AsyncSession, encrypted: Encrypted, old: str, new: str) -> int:
    table, columns = encrypted.table, encrypted.columns
    readers = [_backend(column, old) for column in columns]
    writers = [_backend(column, new) for column in columns]
    raw = select(table.c.id, *(type_coerce(column, String()).label(column.name) for column in columns))
    changes: list[dict[str, Any]] = []
    count = 0
    for row in (await session.execute(raw)).all():
        change: dict[str, Any] = {"row_id": row[0]}
        for column, reader, writer, value in zip(columns, readers, writers, row[1:], strict=True):
            change[f"new_{column.name}"] = (
                None if value is None else writer.encrypt(_read(reader, value, table, column))
            )
            count += value is not None
        changes.append(change)
    if changes:
        statement = (
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values({column.name: bindparam(f"new_{column.name}", type_=String()) for column in columns})
        )
        connection = await session.connection()
        await connection.execute(statement, changes)
    return count


def _read(reader: EncryptionBackend, value: str, table: Table, column: Column[Any]) -> str:
    try:
        return reader.decrypt(value)
    except InvalidToken as exc:
        raise BackupError(
            f"{table.name}.{column.name} holds a value the current STEPCHANGE_ENCRYPTION_KEY cannot read: "
            "set the key the data was written with and try again; nothing was changed"
        ) from exc
