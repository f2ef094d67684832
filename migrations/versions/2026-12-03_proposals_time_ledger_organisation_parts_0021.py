"""proposals, time ledger, organisation parts: amendment proposals, time donated and expenses, the
tri-partite balance of the organisations register

Revision ID: 0021
Revises: 0014
Create Date: 2026-12-03 13:31:48

"""

import warnings

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC, EncryptedText
from alembic import op

from stepchange.core.database import encryption_key

__all__ = ("data_downgrades", "data_upgrades", "downgrade", "schema_downgrades", "schema_upgrades", "upgrade")

# revision identifiers, used by Alembic.
revision = "0021"
down_revision = "0022"
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
    """Amendment proposals, the time ledger and each organisation's part of the tri-partite balance."""
    op.create_table(
        "project_proposal",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("project_id", GUID(length=16), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("action", sa.Text(), nullable=True),
        sa.Column("vision", sa.Text(), nullable=True),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "accepted",
                "rejected",
                name="proposal_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("proposer_staff_id", GUID(length=16), nullable=True),
        sa.Column("proposer_volunteer_id", GUID(length=16), nullable=True),
        sa.Column("proposer_name", sa.String(length=200), nullable=False),
        sa.Column("proposer_email", sa.String(length=320), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("decided_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("applied_version", sa.Integer(), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_project_proposal_project_id_project"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["proposer_volunteer_id"],
            ["volunteer.id"],
            name=op.f("fk_project_proposal_proposer_volunteer_id_volunteer"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_proposal")),
    )
    with op.batch_alter_table("project_proposal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_project_proposal_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_project_proposal_proposer_staff_id"), ["proposer_staff_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_project_proposal_proposer_volunteer_id"), ["proposer_volunteer_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_project_proposal_status"), ["status"], unique=False)

    op.create_table(
        "time_entry",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("volunteer_id", GUID(length=16), nullable=False),
        sa.Column("project_id", GUID(length=16), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("expenses_pence", sa.Integer(), nullable=False),
        sa.Column("expense_kind", sa.String(length=20), nullable=False),
        sa.Column("note", EncryptedText(key=encryption_key), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "confirmed",
                "queried",
                name="time_entry_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("reviewed_by", sa.String(length=200), nullable=False),
        sa.Column("reviewed_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("review_note", sa.String(length=500), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_time_entry_project_id_project"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"], ["volunteer.id"], name=op.f("fk_time_entry_volunteer_id_volunteer"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_entry")),
        sa.UniqueConstraint("volunteer_id", "project_id", "month", name="uq_time_entry_volunteer_project_month"),
    )
    with op.batch_alter_table("time_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_time_entry_month"), ["month"], unique=False)
        batch_op.create_index(batch_op.f("ix_time_entry_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_time_entry_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_time_entry_volunteer_id"), ["volunteer_id"], unique=False)

    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "part",
                sa.Enum(
                    "policing",
                    "private_sector",
                    "government",
                    "other_public",
                    name="organisation_part",
                    native_enum=False,
                    create_constraint=True,
                    length=24,
                ),
                nullable=True,
            )
        )


def schema_downgrades() -> None:
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        # The enum's CHECK goes first: SQLite's copy of the table would otherwise still name the column.
        batch_op.drop_constraint(batch_op.f("ck_organisation_organisation_part"), type_="check")
        batch_op.drop_column("part")

    with op.batch_alter_table("time_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_time_entry_volunteer_id"))
        batch_op.drop_index(batch_op.f("ix_time_entry_status"))
        batch_op.drop_index(batch_op.f("ix_time_entry_project_id"))
        batch_op.drop_index(batch_op.f("ix_time_entry_month"))

    op.drop_table("time_entry")
    with op.batch_alter_table("project_proposal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_proposal_status"))
        batch_op.drop_index(batch_op.f("ix_project_proposal_proposer_volunteer_id"))
        batch_op.drop_index(batch_op.f("ix_project_proposal_proposer_staff_id"))
        batch_op.drop_index(batch_op.f("ix_project_proposal_project_id"))

    op.drop_table("project_proposal")


def data_upgrades() -> None:
    """No data to move."""


def data_downgrades() -> None:
    """No data to move: proposals and time entries go with their tables."""
