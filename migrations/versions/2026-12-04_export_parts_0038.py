"""export parts: a prepared file is kept and sent in parts, not in one column

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-04 20:55:00

The register of interests as Excel is about 7 MB at 100,000 people and 70 MB at 1,000,000; kept in one
column, the worker that wrote it and every worker that sent it held the whole file (the server's peak
memory rose 57 MB at 100,000 people, about 500 MB at 1,000,000: issue 28). ``export_part`` holds it in parts
of 1 MiB (``stepchange.core.export_jobs``); a file already prepared moves over as one part.
"""

import warnings

import sqlalchemy as sa
from advanced_alchemy.types import GUID
from alembic import op

__all__ = ("data_downgrades", "data_upgrades", "downgrade", "schema_downgrades", "schema_upgrades", "upgrade")

# revision identifiers, used by Alembic.
revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning)
        schema_upgrades()
        data_upgrades()
        with op.batch_alter_table("export_job") as batch_op:
            batch_op.drop_column("content")


def downgrade() -> None:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning)
        with op.batch_alter_table("export_job") as batch_op:
            batch_op.add_column(sa.Column("content", sa.LargeBinary(), nullable=True))
        data_downgrades()
        schema_downgrades()


def schema_upgrades() -> None:
    op.create_table(
        "export_part",
        sa.Column("job_id", GUID(length=16), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["export_job.id"], name=op.f("fk_export_part_job_id_export_job"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("job_id", "position", name=op.f("pk_export_part")),
        comment="A prepared file, in parts of PART_BYTES (stepchange.core.export_jobs)",
    )


def schema_downgrades() -> None:
    op.drop_table("export_part")


def data_upgrades() -> None:
    """A file already prepared becomes its only part."""
    op.execute(
        "INSERT INTO export_part (job_id, position, content) "
        "SELECT id, 0, content FROM export_job WHERE content IS NOT NULL"
    )


def data_downgrades() -> None:
    """Files prepared in parts are not joined again: their jobs are marked failed, to be asked for afresh."""
    op.execute("UPDATE export_job SET status = 'failed' WHERE status = 'ready'")
