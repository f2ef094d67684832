"""report indexes: the board's reports count through covering indexes

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 09:00:00

Declared in ``stepchange/reports/indexes.py``. Revises 0012: no 0013 existed on this branch when it
was written (another branch may add one; the merge then makes this revise 0013).
"""

import warnings

from alembic import op

__all__ = ("data_downgrades", "data_upgrades", "downgrade", "schema_downgrades", "schema_upgrades", "upgrade")

# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
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
    op.create_index("ix_choice_project_expression_role_rank", "choice", ["project_id", "expression_id", "role", "rank"])
    op.create_index("ix_expression_call_submitted_at", "expression", ["call_id", "submitted_at"])
    op.create_index(
        "ix_expression_volunteer_call_submitted_at", "expression", ["volunteer_id", "call_id", "submitted_at"]
    )
    op.create_index("ix_volunteer_identity_id", "volunteer", ["identity", "id"])
    op.create_index(
        "ix_identity_step_step_volunteer_created_at", "identity_step", ["step", "volunteer_id", "created_at"]
    )


def schema_downgrades() -> None:
    op.drop_index("ix_identity_step_step_volunteer_created_at", table_name="identity_step")
    op.drop_index("ix_volunteer_identity_id", table_name="volunteer")
    op.drop_index("ix_expression_volunteer_call_submitted_at", table_name="expression")
    op.drop_index("ix_expression_call_submitted_at", table_name="expression")
    op.drop_index("ix_choice_project_expression_role_rank", table_name="choice")


def data_upgrades() -> None:
    """None."""


def data_downgrades() -> None:
    """None."""
