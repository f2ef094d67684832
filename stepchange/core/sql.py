"""SQL expressions both engines understand, each compiled to what that engine reads fastest."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, ColumnElement, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class scanned(FunctionElement[Any]):  # noqa: N801 - a SQL expression, named like one
    """A column to group or order by that SQLite must not read through its index (``+column``): at scale,
    reading the table in order and sorting is about twice as fast as visiting every row through the
    index. Other engines get the column as it is."""

    inherit_cache = True

    def __init__(self, column: Any) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(scanned)
def _scanned(element: scanned, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(scanned, "sqlite")
def _scanned_sqlite(element: scanned, compiler: SQLCompiler, **kw: Any) -> str:
    return f"+{compiler.process(element.clauses, **kw)}"


class contains_any_case(FunctionElement[bool]):  # noqa: N801 - a SQL expression, named like one
    """``column`` contains ``words`` in any letter case (``%`` and ``_`` in the words match themselves).
    ``ILIKE`` on PostgreSQL; on SQLite its own ``LIKE``, which already ignores case (ASCII), so no
    ``lower()`` of every row is computed, as SQLAlchemy's ``ilike`` would."""

    type = Boolean()
    inherit_cache = True

    def __init__(self, column: ColumnElement[Any] | InstrumentedAttribute[Any], words: str) -> None:
        escaped = words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        super().__init__(column, literal(f"%{escaped}%"))


def _operands(element: contains_any_case, compiler: SQLCompiler, **kw: Any) -> tuple[str, str]:
    column, pattern = (compiler.process(c, **kw) for c in element.clauses)
    return column, pattern


@compiles(contains_any_case)
def _contains_any_case(element: contains_any_case, compiler: SQLCompiler, **kw: Any) -> str:
    column, pattern = _operands(element, compiler, **kw)
    return f"lower({column}) LIKE lower({pattern}) ESCAPE '\\'"


@compiles(contains_any_case, "postgresql")
def _contains_any_case_postgresql(element: contains_any_case, compiler: SQLCompiler, **kw: Any) -> str:
    column, pattern = _operands(element, compiler, **kw)
    return f"{column} ILIKE {pattern} ESCAPE '\\'"


@compiles(contains_any_case, "sqlite")
def _contains_any_case_sqlite(element: contains_any_case, compiler: SQLCompiler, **kw: Any) -> str:
    column, pattern = _operands(element, compiler, **kw)
    return f"{column} LIKE {pattern} ESCAPE '\\'"
