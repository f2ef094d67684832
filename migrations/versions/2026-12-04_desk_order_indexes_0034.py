"""desk order indexes: a project's choosers are ordered from index entries, not people's wide rows

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-04 19:30:00

Declared in ``stepchange.desk.indexes``. The desk orders everyone who chose a project in the database
(``stepchange.desk.ordering``); these cover what it reads of each chooser, their expression, and the
organisations and sectors people gave (issue 28).
"""

import warnings

from alembic import op

__all__ = ("data_downgrades", "data_upgrades", "downgrade", "schema_downgrades", "schema_upgrades", "upgrade")

# revision identifiers, used by Alembic.
revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None

DESK_FACTS = ["id", "erased_at", "identity", "organisation", "sector", "hours_per_month", "created_at"]


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
    op.create_index("ix_volunteer_desk_facts", "volunteer", DESK_FACTS)
    op.create_index("ix_expression_id_status_volunteer", "expression", ["id", "status", "volunteer_id"])
    op.create_index("ix_volunteer_organisation_sector", "volunteer", ["organisation", "sector"])


def schema_downgrades() -> None:
    op.drop_index("ix_volunteer_organisation_sector", table_name="volunteer")
    op.drop_index("ix_expression_id_status_volunteer", table_name="expression")
    op.drop_index("ix_volunteer_desk_facts", table_name="volunteer")


def data_upgrades() -> None:
    """Nothing to move."""


def data_downgrades() -> None:
    """Nothing to move."""
