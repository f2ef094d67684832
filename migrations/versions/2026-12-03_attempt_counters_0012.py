"""attempt counters: atomic login throttles and rate limits

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 08:00:00

"""

import warnings

import sqlalchemy as sa
from alembic import op

__all__ = ("data_downgrades", "data_upgrades", "downgrade", "schema_downgrades", "schema_upgrades", "upgrade")

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
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
    """One row a counted key: the count in its current window and when that window ends."""
    op.create_table(
        "attempt_counter",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("window_ends_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_attempt_counter")),
    )


def schema_downgrades() -> None:
    op.drop_table("attempt_counter")


def data_upgrades() -> None:
    """No data to move."""


def data_downgrades() -> None:
    """No data to move."""
