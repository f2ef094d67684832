"""time entry order index: the entries to confirm are read oldest first by index

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-04 16:40:00

Declared on ``TimeEntry``. Without it the office's time ledger (``/time``, ``/api/time``, oldest entry
first) sorted every entry in the ledger to show a page of them (issue 28).
"""

import warnings

from alembic import op

__all__ = ("data_downgrades", "data_upgrades", "downgrade", "schema_downgrades", "schema_upgrades", "upgrade")

# revision identifiers, used by Alembic.
revision = "0033"
down_revision = "0032"
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
    op.create_index("ix_time_entry_created_at_id", "time_entry", ["created_at", "id"])


def schema_downgrades() -> None:
    op.drop_index("ix_time_entry_created_at_id", table_name="time_entry")


def data_upgrades() -> None:
    """Nothing to move."""


def data_downgrades() -> None:
    """Nothing to move."""
