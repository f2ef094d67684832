"""received submissions: public submissions stored as received, filed after the answer

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 09:00:00

"""

import warnings

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

__all__ = ("data_downgrades", "data_upgrades", "downgrade", "schema_downgrades", "schema_upgrades", "upgrade")

# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
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
    """One row a submission answered but not yet filed; the payload is encrypted by the model."""
    op.create_table(
        "received_submission",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("call_id", GUID(length=16), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"], ["call.id"], name=op.f("fk_received_submission_call_id_call"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_received_submission")),
    )


def schema_downgrades() -> None:
    op.drop_table("received_submission")


def data_upgrades() -> None:
    """No data to move."""


def data_downgrades() -> None:
    """No data to move. Rows still waiting would be lost: run ``stepchange mail send`` (it files them) first."""
