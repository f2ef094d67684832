"""team order index: a page of a project's team is read in its order by index

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-04 16:00:00

Declared on ``Assignment``. Without it a page of a project's places (oldest offer first) joined every
place to its person and sorted them; on PostgreSQL that was a sequential scan of every volunteer (75 ms of
the 175 ms team page at 100,000 people, SR2's 2,603 places; issue 28).
"""

import warnings

from alembic import op

__all__ = ("data_downgrades", "data_upgrades", "downgrade", "schema_downgrades", "schema_upgrades", "upgrade")

# revision identifiers, used by Alembic.
revision = "0029"
down_revision = "0028"
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
    op.create_index("ix_assignment_project_created_at_id", "assignment", ["project_id", "created_at", "id"])


def schema_downgrades() -> None:
    op.drop_index("ix_assignment_project_created_at_id", table_name="assignment")


def data_upgrades() -> None:
    """Nothing to move."""


def data_downgrades() -> None:
    """Nothing to move."""
