"""Two records of one person made one: the rows pointing at the other record move to the survivor, except
where both hold the same row under one of a table's unique keys. Each such clash is settled as the table
declares (``stepchange.core.record_merge``) before anything moves: rows saying the same fact twice are kept
once, and every other clash refuses the merge with all its reasons at once, so nothing moves and nothing is
lost."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Column, ColumnElement, Index, Table, UniqueConstraint, and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core.database import Base
from stepchange.core.errors import BrokenRule, RuleViolation
from stepchange.core.record_merge import KEEP_ONE, ON_MERGE_CLASH, UNDECLARED

UniqueKey = tuple[list[Column[Any]], ColumnElement[bool] | None]
"""The columns besides the person that a unique key holds, and the rows it covers (a partial index's WHERE)."""


def tables_pointing_at_people() -> list[tuple[Table, Column[Any]]]:
    """Every table with a foreign key to a person, and that column, now and as features add them."""
    found = []
    for table in Base.metadata.sorted_tables:
        column = next((c for c in table.c if any(fk.column.table.name == "volunteer" for fk in c.foreign_keys)), None)
        if table.name != "volunteer" and column is not None:
            found.append((table, column))
    return found


async def move_records(session: AsyncSession, survivor_id: UUID, other_id: UUID) -> None:
    """Settle every clash (refusing the merge if one cannot be settled), then point every row at the survivor."""
    broken: list[BrokenRule] = []
    keep_one: list[tuple[Table, Column[Any], list[Column[Any]], list[tuple[Any, ...]]]] = []
    pointing = tables_pointing_at_people()
    for table, column in pointing:
        for others, covered in unique_keys(table, column):
            clashing = await _clashes(session, column, others, covered, (survivor_id, other_id))
            if not clashing:
                continue
            treatment = table.info.get(ON_MERGE_CLASH, UNDECLARED)
            if treatment == KEEP_ONE:
                keep_one.append((table, column, others, clashing))
            elif treatment not in broken:
                broken.append(treatment)
    if broken:
        raise RuleViolation(broken)
    for table, column, others, clashing in keep_one:
        same = or_(*(and_(*(c == v for c, v in zip(others, key, strict=True))) for key in clashing))
        await session.execute(delete(table).where(column == other_id, same))
    for table, column in pointing:
        await session.execute(update(table).where(column == other_id).values({column.name: survivor_id}))


def unique_keys(table: Table, column: Column[Any]) -> list[UniqueKey]:
    """The table's unique keys that hold the person, as the other columns each holds (a key of the person
    alone, such as one erasure request a person, holds none) and the rows it covers."""
    keys: list[UniqueKey] = []
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint) and column.name in constraint.columns:
            keys.append(([c for c in constraint.columns if c.name != column.name], None))
    for index in table.indexes:
        if isinstance(index, Index) and index.unique and column.name in index.columns:
            covered = index.dialect_options["postgresql"].get("where")
            if covered is None:
                covered = index.dialect_options["sqlite"].get("where")
            keys.append(([c for c in index.columns if c.name != column.name], covered))
    return keys


async def _clashes(
    session: AsyncSession,
    column: Column[Any],
    others: Sequence[Column[Any]],
    covered: ColumnElement[bool] | None,
    people: tuple[UUID, UUID],
) -> list[tuple[Any, ...]]:
    """The values of the key's other columns that both people hold (a person holds a handful of rows)."""
    query = select(column, *others).where(column.in_(people))
    if covered is not None:
        query = query.where(covered)
    holders: dict[tuple[Any, ...], set[UUID]] = defaultdict(set)
    for person, *key in (await session.execute(query)).all():
        holders[tuple(key)].add(person)
    return [key for key, who in holders.items() if len(who) == len(people)]
