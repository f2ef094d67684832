"""awaiting validation tally: the count of people waiting for validation, kept by triggers

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-04 20:20:00

The office's home and the desk show how many people wait for validation on every request; counted afresh
it took 0.3-0.8 s at 1,000,000 people (issue 28). ``awaiting_validation_tally`` holds the count, kept by
triggers on ``volunteer`` in the same transaction as each change (see ``stepchange.people.tally``), and
starts from a recount of the people held.
"""

import warnings

import sqlalchemy as sa
from alembic import op

from stepchange.people.tally import (
    POSTGRESQL_DROPS,
    POSTGRESQL_FUNCTION,
    POSTGRESQL_TRIGGERS,
    SLOTS,
    SQLITE_DROPS,
    SQLITE_TRIGGERS,
    recount_sql,
)

__all__ = ("data_downgrades", "data_upgrades", "downgrade", "schema_downgrades", "schema_upgrades", "upgrade")

# revision identifiers, used by Alembic.
revision = "0036"
down_revision = "0035"
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


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def schema_upgrades() -> None:
    op.create_table(
        "awaiting_validation_tally",
        sa.Column("slot", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("people", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("slot", name=op.f("pk_awaiting_validation_tally")),
        comment="How many people wait for validation, kept by triggers on volunteer (stepchange.people.tally)",
    )
    for statement in (POSTGRESQL_FUNCTION, *POSTGRESQL_TRIGGERS) if _postgresql() else SQLITE_TRIGGERS:
        op.execute(statement)


def schema_downgrades() -> None:
    for statement in POSTGRESQL_DROPS if _postgresql() else SQLITE_DROPS:
        op.execute(statement)
    op.drop_table("awaiting_validation_tally")


def data_upgrades() -> None:
    """The count starts from the people held now."""
    for statement in recount_sql(SLOTS if _postgresql() else 1):
        op.execute(statement)


def data_downgrades() -> None:
    """The table goes with its rows."""
