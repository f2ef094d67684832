"""How many people wait for the office to validate them, kept by the database as people change.

The office's home and the desk show this count on every request. Counted afresh it reads every waiting
person's index entry: 27 ms at 100,000 people, 0.3-0.8 s at 1,000,000 (issue 28). The database keeps it
instead, in ``awaiting_validation_tally``, by triggers on ``volunteer`` (migration 0036), in the same
transaction as the change itself, whichever door made it: a submission, a confirmation, the office's
decision, an import's bulk insert (``COPY`` on PostgreSQL), an erasure, a merge.

- SQLite writes one at a time: a row trigger adds or takes one from a single row.
- PostgreSQL runs transactions side by side: a statement trigger counts the statement's changed rows
  from its transition tables and adds the difference to one of :data:`SLOTS` rows, chosen by the
  server process, so concurrent transactions seldom wait on the same row. The count is their sum.

``tests/test_awaiting_tally.py`` proves the kept count equals a recount after every kind of write.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.people.models import Identity, Volunteer, awaiting_validation_tally

SLOTS = 16
WAITING = (Identity.EMAIL_CONFIRMED, Identity.ORGANISATION_CONFIRMED)


def awaiting_validation() -> ColumnElement[bool]:
    """The condition on ``Volunteer`` for a person waiting for the office to validate them."""
    return and_(Volunteer.identity.in_(WAITING), Volunteer.erased_at.is_(None))


async def awaiting_validation_count(session: AsyncSession) -> int:
    """How many people wait for the office to validate them (the kept count: see the module)."""
    return int(await session.scalar(select(func.coalesce(func.sum(awaiting_validation_tally.c.people), 0))) or 0)


def _waiting_sql(row: str) -> str:
    values = ", ".join(f"'{identity.value}'" for identity in WAITING)
    return f"({row}.identity IN ({values}) AND {row}.erased_at IS NULL)"


SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER tally_awaiting_insert AFTER INSERT ON volunteer WHEN {_waiting_sql("NEW")}
    BEGIN UPDATE awaiting_validation_tally SET people = people + 1 WHERE slot = 0; END""",  # noqa: S608 - our own constants
    f"""CREATE TRIGGER tally_awaiting_delete AFTER DELETE ON volunteer WHEN {_waiting_sql("OLD")}
    BEGIN UPDATE awaiting_validation_tally SET people = people - 1 WHERE slot = 0; END""",  # noqa: S608 - our own constants
    f"""CREATE TRIGGER tally_awaiting_update AFTER UPDATE OF identity, erased_at ON volunteer
    WHEN {_waiting_sql("NEW")} IS NOT {_waiting_sql("OLD")}
    BEGIN UPDATE awaiting_validation_tally SET people = people + {_waiting_sql("NEW")} - {_waiting_sql("OLD")}
    WHERE slot = 0; END""",  # noqa: S608 - our own constants
)
SQLITE_DROPS = tuple(f"DROP TRIGGER IF EXISTS tally_awaiting_{event}" for event in ("insert", "delete", "update"))

POSTGRESQL_FUNCTION = f"""CREATE OR REPLACE FUNCTION tally_awaiting() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    difference bigint := 0;
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT difference + count(*) INTO difference FROM new_rows WHERE {_waiting_sql("new_rows")};
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        SELECT difference - count(*) INTO difference FROM old_rows WHERE {_waiting_sql("old_rows")};
    END IF;
    IF difference <> 0 THEN
        UPDATE awaiting_validation_tally SET people = people + difference WHERE slot = pg_backend_pid() % {SLOTS};
    END IF;
    RETURN NULL;
END
$$"""  # noqa: S608 - our own constants
POSTGRESQL_TRIGGERS = (
    "CREATE TRIGGER tally_awaiting_insert AFTER INSERT ON volunteer REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION tally_awaiting()",
    "CREATE TRIGGER tally_awaiting_delete AFTER DELETE ON volunteer REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION tally_awaiting()",
    "CREATE TRIGGER tally_awaiting_update AFTER UPDATE ON volunteer REFERENCING OLD TABLE AS old_rows "
    "NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tally_awaiting()",
)
POSTGRESQL_DROPS = (
    *(f"DROP TRIGGER IF EXISTS tally_awaiting_{event} ON volunteer" for event in ("insert", "delete", "update")),
    "DROP FUNCTION IF EXISTS tally_awaiting()",
)


def recount_sql(slots: int) -> list[str]:
    """Statements setting the tally to a recount: the first slot holds it, the others nothing."""
    waiting = _waiting_sql("volunteer")
    return [
        "DELETE FROM awaiting_validation_tally",
        *(f"INSERT INTO awaiting_validation_tally (slot, people) VALUES ({slot}, 0)" for slot in range(slots)),  # noqa: S608
        f"UPDATE awaiting_validation_tally SET people = (SELECT count(*) FROM volunteer WHERE {waiting}) "  # noqa: S608
        "WHERE slot = 0",
    ]
