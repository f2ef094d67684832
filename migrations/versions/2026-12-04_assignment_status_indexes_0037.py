"""assignment status indexes: offers waiting longest and teams counted, by index

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-04 20:40:00

Declared on ``Assignment``. At 1,000,000 people (about 73,000 places offered or held) the office's home
sorted every offer to list the five waiting longest (117 ms), and counted every project's team by reading
the table in project order and grouping it (107 ms): by (status, created_at) the oldest offers are the
first entries, and (status, project_id, role) counts the teams from the index alone (issue 28).
"""

import warnings

from alembic import op

__all__ = ("data_downgrades", "data_upgrades", "downgrade", "schema_downgrades", "schema_upgrades", "upgrade")

# revision identifiers, used by Alembic.
revision = "0037"
down_revision = "0036"
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
    op.create_index("ix_assignment_status_created_at", "assignment", ["status", "created_at"])
    op.create_index("ix_assignment_status_project_role", "assignment", ["status", "project_id", "role"])


def schema_downgrades() -> None:
    op.drop_index("ix_assignment_status_project_role", table_name="assignment")
    op.drop_index("ix_assignment_status_created_at", table_name="assignment")


def data_upgrades() -> None:
    """Nothing to move."""


def data_downgrades() -> None:
    """Nothing to move."""
