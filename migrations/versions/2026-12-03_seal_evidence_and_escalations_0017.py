"""seal evidence and escalations: identity-check evidence and escalation reasons encrypted at rest

Revision ID: 0017
Revises: 0014
Create Date: 2026-12-03 14:00:00

Like 0015 (seal personal text): existing rows are read in clear and written sealed
(``STEPCHANGE_ENCRYPTION_KEY`` must be the service's own when this runs); downgrade opens them again.
An escalation reason was ``VARCHAR(1000)``: sealed text is longer than what it seals, so it becomes ``TEXT``.
"""

import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from advanced_alchemy.types import EncryptedText
from alembic import op

from stepchange.core.database import encryption_key

__all__ = ("data_downgrades", "data_upgrades", "downgrade", "schema_downgrades", "schema_upgrades", "upgrade")

# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0023"
branch_labels = None
depends_on = None

BATCH = 1_000
SEALED_TEXT = EncryptedText(key=encryption_key)
SEALED_COLUMNS: tuple[tuple[str, str], ...] = (
    ("identity_step", "how"),
    ("workstream_action", "escalation_reason"),
)


def upgrade() -> None:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning)
        schema_upgrades()
        data_upgrades()


def downgrade() -> None:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning)
        data_downgrades()
        schema_downgrades()


def schema_upgrades() -> None:
    with op.batch_alter_table("workstream_action", schema=None) as batch_op:
        batch_op.alter_column(
            "escalation_reason", existing_type=sa.String(length=1000), type_=sa.Text(), existing_nullable=False
        )


def schema_downgrades() -> None:
    with op.batch_alter_table("workstream_action", schema=None) as batch_op:
        batch_op.alter_column(
            "escalation_reason", existing_type=sa.Text(), type_=sa.String(length=1000), existing_nullable=False
        )


def data_upgrades() -> None:
    for table, column in SEALED_COLUMNS:
        _convert(table, column, read_as=sa.Text(), write_as=SEALED_TEXT)


def data_downgrades() -> None:
    for table, column in SEALED_COLUMNS:
        _convert(table, column, read_as=SEALED_TEXT, write_as=sa.Text())


def _chunks(rows: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), BATCH):
        yield rows[start : start + BATCH]


def _convert(table: str, column: str, *, read_as: Any, write_as: Any) -> None:
    """Read every value of ``table.column`` as one type and write it back as the other (rows by id)."""
    bind = op.get_bind()
    reading = sa.table(table, sa.column("id"), sa.column(column, read_as))
    writing = sa.table(table, sa.column("id"), sa.column(column, write_as))
    rows = bind.execute(sa.select(reading.c.id, reading.c[column]).where(reading.c[column].is_not(None))).all()
    statement = writing.update().where(writing.c.id == sa.bindparam("row_id")).values({column: sa.bindparam("value")})
    for chunk in _chunks(rows):
        bind.execute(statement, [{"row_id": row_id, "value": value} for row_id, value in chunk])
