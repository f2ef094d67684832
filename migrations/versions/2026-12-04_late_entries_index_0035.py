"""late entries index: the office's home finds the late entries of the last 30 days by index

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-04 19:50:00

Declared on ``Expression``. Without it the office's home read every expression to find the few late
entries of the last month, and counted them the same way again (issue 28): a partial index holds only
late entries, by when they were recorded.
"""

import warnings

import sqlalchemy as sa
from alembic import op

__all__ = ("data_downgrades", "data_upgrades", "downgrade", "schema_downgrades", "schema_upgrades", "upgrade")

# revision identifiers, used by Alembic.
revision = "0035"
down_revision = "0034"
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
    op.create_index(
        "ix_expression_late_submitted_at",
        "expression",
        ["submitted_at"],
        sqlite_where=sa.text("late IS 1"),
        postgresql_where=sa.text("late IS true"),
    )


def schema_downgrades() -> None:
    op.drop_index("ix_expression_late_submitted_at", table_name="expression")


def data_upgrades() -> None:
    """Nothing to move."""


def data_downgrades() -> None:
    """Nothing to move."""
