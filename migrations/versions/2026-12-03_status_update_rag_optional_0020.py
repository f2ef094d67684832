"""status update rag optional: an automatic status move keeps the last reported RAG or has none

Revision ID: 0020
Revises: 0014
Create Date: 2026-12-03 14:00:00

The service moves a project itself (offers out, a lead accepted). Such an update used to be stamped
"green" when nobody had reported a RAG; now it carries the last RAG reported, or none.
"""

import warnings

import sqlalchemy as sa
from alembic import op

__all__ = ("data_downgrades", "data_upgrades", "downgrade", "schema_downgrades", "schema_upgrades", "upgrade")

# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

RAG = sa.Enum("green", "amber", "red", name="project_rag", native_enum=False, create_constraint=True, length=24)
AUTOMATIC = "Step-Change (automatic)"


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
    with op.batch_alter_table("project_status_update", schema=None) as batch_op:
        batch_op.alter_column("rag", existing_type=RAG, nullable=True)


def schema_downgrades() -> None:
    with op.batch_alter_table("project_status_update", schema=None) as batch_op:
        batch_op.alter_column("rag", existing_type=RAG, nullable=False)


def data_upgrades() -> None:
    """Automatic updates of projects that had no RAG reported before them lose the invented "green"."""
    update = sa.table(
        "project_status_update",
        sa.column("id"),
        sa.column("project_id"),
        sa.column("rag"),
        sa.column("author"),
        sa.column("created_at"),
    )
    earlier = update.alias("earlier")
    reported_before = (
        sa.select(earlier.c.id)
        .where(
            earlier.c.project_id == update.c.project_id,
            earlier.c.created_at < update.c.created_at,
            earlier.c.author != AUTOMATIC,
        )
        .exists()
    )
    op.execute(update.update().where(update.c.author == AUTOMATIC, ~reported_before).values(rag=None))


def data_downgrades() -> None:
    """Updates without a RAG read as green again (the column requires one)."""
    update = sa.table("project_status_update", sa.column("rag"))
    op.execute(update.update().where(update.c.rag.is_(None)).values(rag="green"))
