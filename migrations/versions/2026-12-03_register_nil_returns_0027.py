"""register nil returns: the register of interests counts its nil returns from a partial index

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-03 19:10:00

Declared in ``stepchange/reports/indexes.py`` (``NIL_RETURNS``). Without it, counting the register's
nil returns at 100,000 people read every expression of interest (issue 28).
"""

import warnings

import sqlalchemy as sa
from alembic import op

__all__ = ("data_downgrades", "data_upgrades", "downgrade", "schema_downgrades", "schema_upgrades", "upgrade")

# revision identifiers, used by Alembic.
revision = "0027"
down_revision = "0026"
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
    nil_return = sa.text("no_conflicts IS 1")
    op.create_index(
        "ix_expression_nil_return",
        "expression",
        ["volunteer_id"],
        sqlite_where=nil_return,
        postgresql_where=sa.text("no_conflicts IS true"),
    )


def schema_downgrades() -> None:
    op.drop_index("ix_expression_nil_return", table_name="expression")


def data_upgrades() -> None:
    """None."""


def data_downgrades() -> None:
    """None."""
