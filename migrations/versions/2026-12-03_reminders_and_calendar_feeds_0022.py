"""reminders and calendar feeds: what was sent to whom, the daily digests, people's choices, the daily
run's lease, and staff members' calendar addresses (hashed)

Revision ID: 0022
Revises: 0014
Create Date: 2026-12-03 13:37:24

"""

import warnings

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

__all__ = ("data_downgrades", "data_upgrades", "downgrade", "schema_downgrades", "schema_upgrades", "upgrade")

# revision identifiers, used by Alembic.
revision = "0022"
down_revision = "0014"
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
    op.create_table(
        "reminder_digest",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("recipient_id", GUID(length=16), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_digest")),
        sa.UniqueConstraint("recipient_id", "sent_on", name="uq_reminder_digest_day"),
    )
    op.create_table(
        "reminder_lease",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("holder", sa.String(length=32), nullable=True),
        sa.Column("held_until", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_lease")),
        sa.UniqueConstraint("name", name=op.f("uq_reminder_lease_name")),
    )
    op.create_table(
        "reminder_preference",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("person_id", GUID(length=16), nullable=False),
        sa.Column(
            "frequency",
            sa.Enum(
                "daily",
                "weekly",
                "stopped",
                name="reminder_frequency",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_preference")),
        sa.UniqueConstraint("person_id", name=op.f("uq_reminder_preference_person_id")),
    )
    op.create_table(
        "reminder_sent",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("subject_id", GUID(length=16), nullable=False),
        sa.Column("recipient_id", GUID(length=16), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("digest_id", GUID(length=16), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["digest_id"],
            ["reminder_digest.id"],
            name=op.f("fk_reminder_sent_digest_id_reminder_digest"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_sent")),
        sa.UniqueConstraint("rule", "subject_id", "recipient_id", "period", name="uq_reminder_sent_once"),
    )
    with op.batch_alter_table("reminder_sent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminder_sent_digest_id"), ["digest_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reminder_sent_recipient_id"), ["recipient_id"], unique=False)

    op.create_table(
        "calendar_feed",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("staff_user_id", GUID(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("session_epoch", sa.Integer(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_user_id"],
            ["staff_user.id"],
            name=op.f("fk_calendar_feed_staff_user_id_staff_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feed")),
        sa.UniqueConstraint("staff_user_id", name=op.f("uq_calendar_feed_staff_user_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feed_token_hash")),
    )


def schema_downgrades() -> None:
    op.drop_table("calendar_feed")
    with op.batch_alter_table("reminder_sent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminder_sent_recipient_id"))
        batch_op.drop_index(batch_op.f("ix_reminder_sent_digest_id"))

    op.drop_table("reminder_sent")
    op.drop_table("reminder_preference")
    op.drop_table("reminder_lease")
    op.drop_table("reminder_digest")


def data_upgrades() -> None:
    """No data to move."""


def data_downgrades() -> None:
    """No data to move."""
