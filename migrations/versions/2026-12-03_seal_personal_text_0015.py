"""seal personal text: free text about people and mail bodies encrypted at rest; erasure complete

Revision ID: 0015
Revises: 0012
Create Date: 2026-12-03 09:00:00

Existing rows are read in clear and written sealed (``STEPCHANGE_ENCRYPTION_KEY`` must be the service's
own when this runs); downgrade opens them again. A message already sent (or given up on) keeps no body at
all: its links were single-use. Messages blanked by earlier erasures are marked so the sender deletes
them and their development ``.eml`` files, and erased people's declarations still waiting for review
(left blank by earlier erasures) are removed; downgrade cannot bring either back.
"""

import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from advanced_alchemy.types import EncryptedText
from alembic import op

from stepchange.core.database import EncryptedJson, JsonDocument, encryption_key

__all__ = ("data_downgrades", "data_upgrades", "downgrade", "schema_downgrades", "schema_upgrades", "upgrade")

# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0012"
branch_labels = None
depends_on = None

BATCH = 1_000
SEALED_TEXT = EncryptedText(key=encryption_key)
SEALED_COLUMNS: tuple[tuple[str, str, Any, Any], ...] = (
    # table, column, how it was stored, how it is stored now
    ("volunteer_note", "text", sa.Text(), SEALED_TEXT),
    ("workstream_minutes", "text", sa.Text(), SEALED_TEXT),
    ("workstream_action", "notes", sa.Text(), SEALED_TEXT),
    ("expression", "experience", sa.Text(), SEALED_TEXT),
    ("expression", "credentials", JsonDocument, EncryptedJson()),
    ("outbox_message", "text_body", sa.Text(), SEALED_TEXT),
    ("outbox_message", "html_body", sa.Text(), SEALED_TEXT),
)
NOT_SENDABLE = ("sent", "failed")


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
    """A message to someone since erased is marked, so the sender deletes it and its ``.eml`` file."""
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased", sa.Boolean(), server_default=sa.false(), nullable=False))
    erased = sa.text("erased")
    op.create_index("ix_outbox_message_erased", "outbox_message", ["id"], sqlite_where=erased, postgresql_where=erased)


def schema_downgrades() -> None:
    op.drop_index("ix_outbox_message_erased", table_name="outbox_message")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_column("erased")


def data_upgrades() -> None:
    outbox = sa.table("outbox_message", sa.column("status"), sa.column("recipient"), sa.column("erased", sa.Boolean()))
    op.execute(outbox.update().where(outbox.c.recipient == "(erased)").values(erased=True))
    _empty_bodies_that_cannot_be_sent()
    for table, column, plain, sealed in SEALED_COLUMNS:
        _convert(table, column, read_as=plain, write_as=sealed)
    _drop_waiting_declarations_of_erased_people()


def data_downgrades() -> None:
    for table, column, plain, sealed in SEALED_COLUMNS:
        _convert(table, column, read_as=sealed, write_as=plain)


def _empty_bodies_that_cannot_be_sent() -> None:
    outbox = sa.table("outbox_message", sa.column("status"), sa.column("text_body"), sa.column("html_body"))
    op.execute(outbox.update().where(outbox.c.status.in_(NOT_SENDABLE)).values(text_body="", html_body=None))


def _drop_waiting_declarations_of_erased_people() -> None:
    declaration = sa.table("declaration", sa.column("volunteer_id"), sa.column("state"))
    volunteer = sa.table("volunteer", sa.column("id"), sa.column("erased_at"))
    erased = sa.select(volunteer.c.id).where(volunteer.c.erased_at.is_not(None))
    op.execute(declaration.delete().where(declaration.c.state == "pending", declaration.c.volunteer_id.in_(erased)))


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
