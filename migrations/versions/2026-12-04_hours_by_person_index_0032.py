"""hours by person index: the report's hours read each placed person's hours from an index entry

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-04 17:00:00

Declared in ``stepchange/reports/indexes.py``. The board's hours figure sums the hours a month of the
7,371 people placed nationally: PostgreSQL read them by hash-joining a scan of all 100,000 people's rows;
with (id, hours_per_month) it reads the index alone (the statement 131-191 ms, then 43-45 ms, loaded
machine). SQLite keeps its own plan (issue 28).
"""

import warnings

from alembic import op

__all__ = ("data_downgrades", "data_upgrades", "downgrade", "schema_downgrades", "schema_upgrades", "upgrade")

# revision identifiers, used by Alembic.
revision = "0032"
down_revision = "0031"
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
    op.create_index("ix_volunteer_id_hours_per_month", "volunteer", ["id", "hours_per_month"])


def schema_downgrades() -> None:
    op.drop_index("ix_volunteer_id_hours_per_month", table_name="volunteer")


def data_upgrades() -> None:
    """No data to change."""


def data_downgrades() -> None:
    """No data to change."""
