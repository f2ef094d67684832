"""list indexes: the office's people list and the audit trail read a page through an index

Revision ID: 0024
Revises: 0020
Create Date: 2026-12-03 19:00:00

Declared in ``stepchange/interest/indexes.py`` (the people list's sorts) and on ``AuditEntry`` (newest
first). Without them a page of either list read and sorted every row (issue 28).
"""

import warnings

from alembic import op

__all__ = ("data_downgrades", "data_upgrades", "downgrade", "schema_downgrades", "schema_upgrades", "upgrade")

# revision identifiers, used by Alembic.
revision = "0024"
down_revision = "0020"
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
    op.create_index("ix_volunteer_created_at_id", "volunteer", ["created_at", "id"])
    op.create_index("ix_volunteer_search_key_id", "volunteer", ["search_key", "id"])
    op.create_index("ix_volunteer_organisation_id", "volunteer", ["organisation", "id"])
    op.create_index("ix_audit_entry_created_at", "audit_entry", ["created_at"])


def schema_downgrades() -> None:
    op.drop_index("ix_audit_entry_created_at", table_name="audit_entry")
    op.drop_index("ix_volunteer_organisation_id", table_name="volunteer")
    op.drop_index("ix_volunteer_search_key_id", table_name="volunteer")
    op.drop_index("ix_volunteer_created_at_id", table_name="volunteer")


def data_upgrades() -> None:
    """None."""


def data_downgrades() -> None:
    """None."""
