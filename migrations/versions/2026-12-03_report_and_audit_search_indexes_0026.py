"""report and audit search indexes: a work-stream's report and the audit trail's text search read indexes

Revision ID: 0026
Revises: 0024
Create Date: 2026-12-03 20:00:00

Issue 28. A work-stream's report looks up each expression choosing one of its projects (two thirds of
them, nationally) by id, and its person's identity by id: the two covering indexes let both lookups read
an index entry instead of a wide table row (declared in ``stepchange/reports/indexes.py``).

On PostgreSQL the audit trail's text search (``ILIKE '%words%'``) reads trigram indexes (``pg_trgm``)
instead of scanning the trail twice (count and page). Creating the extension needs a privileged role:
without it the indexes are skipped with a warning (the search still works, scanning), so an operator
without the right is not blocked; run ``CREATE EXTENSION pg_trgm`` as a superuser and migrate again
from 0024 to add them. Nothing of it on SQLite.
"""

import warnings

import sqlalchemy as sa
from alembic import op

__all__ = ("data_downgrades", "data_upgrades", "downgrade", "schema_downgrades", "schema_upgrades", "upgrade")

# revision identifiers, used by Alembic.
revision = "0026"
down_revision = "0024"
branch_labels = None
depends_on = None

TRIGRAM_INDEXES = {"ix_audit_entry_summary_trgm": "summary", "ix_audit_entry_actor_label_trgm": "actor_label"}


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
        "ix_expression_id_call_volunteer_submitted_at",
        "expression",
        ["id", "call_id", "volunteer_id", "submitted_at"],
    )
    op.create_index("ix_volunteer_id_identity", "volunteer", ["id", "identity"])
    if op.get_bind().dialect.name == "postgresql":
        _trigram_indexes()
    else:
        # SQLite's planner prefers the primary key's index to a new one it has no statistics for.
        op.execute(sa.text("ANALYZE expression"))
        op.execute(sa.text("ANALYZE volunteer"))


def _trigram_indexes() -> None:
    bind = op.get_bind()
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as error:
        warnings.warn(
            f"pg_trgm could not be created ({error.orig}); the audit search's trigram indexes are skipped "
            "and the search scans the trail. Create the extension as a superuser to add them.",
            RuntimeWarning,
            stacklevel=1,
        )
        return
    for name, column in TRIGRAM_INDEXES.items():
        op.create_index(name, "audit_entry", [column], postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"})


def schema_downgrades() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in TRIGRAM_INDEXES:
            op.execute(sa.text(f"DROP INDEX IF EXISTS {name}"))
    op.drop_index("ix_volunteer_id_identity", table_name="volunteer")
    op.drop_index("ix_expression_id_call_volunteer_submitted_at", table_name="expression")


def data_upgrades() -> None:
    """None."""


def data_downgrades() -> None:
    """None."""
