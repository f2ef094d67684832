"""office search and erasure refusals: a folded search key per person (backfilled), refused erasure requests

Revision ID: 0019
Revises: 0014
Create Date: 2026-12-03 14:00:00

``volunteer.search_key`` is the person's name and organisation as the office's search compares them
(``stepchange.people.models.folded``: letter case and accents ignored, the same on SQLite and
PostgreSQL); existing people get theirs here. An erasure request the office refuses keeps who refused
it, when and why.
"""

import unicodedata
import warnings

import sqlalchemy as sa
from advanced_alchemy.types import DateTimeUTC
from alembic import op

__all__ = ("data_downgrades", "data_upgrades", "downgrade", "schema_downgrades", "schema_upgrades", "upgrade")

# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0017"
branch_labels = None
depends_on = None

BATCH = 5_000


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
    op.add_column("volunteer", sa.Column("search_key", sa.String(length=500), server_default="", nullable=False))
    op.add_column("erasure_request", sa.Column("refused_at", DateTimeUTC(timezone=True), nullable=True))
    op.add_column("erasure_request", sa.Column("refused_by", sa.String(length=200), server_default="", nullable=False))
    op.add_column("erasure_request", sa.Column("refusal_reason", sa.Text(), server_default="", nullable=False))


def schema_downgrades() -> None:
    with op.batch_alter_table("erasure_request", schema=None) as batch_op:
        batch_op.drop_column("refusal_reason")
        batch_op.drop_column("refused_by")
        batch_op.drop_column("refused_at")
    with op.batch_alter_table("volunteer", schema=None) as batch_op:
        batch_op.drop_column("search_key")


def _folded(text: str) -> str:
    """As ``stepchange.people.models.folded`` was when this was written (a migration does not follow code)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def data_upgrades() -> None:
    """Every person's search key, from their name and organisation (both kept in clear)."""
    volunteer = sa.table(
        "volunteer", sa.column("id"), sa.column("name"), sa.column("organisation"), sa.column("search_key")
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(volunteer.c.id, volunteer.c.name, volunteer.c.organisation)).all()
    update = sa.update(volunteer).where(volunteer.c.id == sa.bindparam("key_id")).values(search_key=sa.bindparam("key"))
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        bind.execute(update, [{"key_id": i, "key": _folded(f"{n} | {o}")[:500]} for i, n, o in chunk])


def data_downgrades() -> None:
    """Nothing: the columns go."""
