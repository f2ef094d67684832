"""export jobs: long Excel downloads prepared in the background, kept until fetched or expired

Revision ID: 0031
Revises: 0029
Create Date: 2026-12-04 15:40:00

Declared in ``stepchange/core/export_jobs.py``. The register of interests as a workbook takes about ten
seconds at 100,000 people: the request starts a job and answers at once; the file waits here for the
person who asked, seen by every worker (issue 28).
"""

import warnings

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

__all__ = ("data_downgrades", "data_upgrades", "downgrade", "schema_downgrades", "schema_upgrades", "upgrade")

# revision identifiers, used by Alembic.
revision = "0031"
down_revision = "0029"
branch_labels = None
depends_on = None


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
    op.create_table(
        "export_job",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("owner_id", GUID(length=16), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "preparing",
                "ready",
                "failed",
                name="export_job_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("runner", sa.String(length=32), nullable=True),
        sa.Column("touched_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("expires_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_job")),
    )
    op.create_index("ix_export_job_expires_at", "export_job", ["expires_at"])
    op.create_index(op.f("ix_export_job_owner_id"), "export_job", ["owner_id"])


def schema_downgrades() -> None:
    op.drop_index(op.f("ix_export_job_owner_id"), table_name="export_job")
    op.drop_index("ix_export_job_expires_at", table_name="export_job")
    op.drop_table("export_job")


def data_upgrades() -> None:
    """None."""


def data_downgrades() -> None:
    """None."""
