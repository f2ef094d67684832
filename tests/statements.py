"""The SQL statements an app runs: how the scale tests prove a request's work does not grow with the data."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from litestar import Litestar
from sqlalchemy import event

from stepchange.core.database import app_database_config


@dataclass(frozen=True)
class Statement:
    sql: str  # on one line
    parameters: int  # how many bind parameters it took

    def __str__(self) -> str:
        return self.sql


@contextmanager
def recorded(app: Litestar) -> Iterator[list[Statement]]:
    """Each statement the app's database engine runs inside the block, in order."""
    engine = app_database_config(app).get_engine().sync_engine
    seen: list[Statement] = []

    def record(_connection: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append(Statement(" ".join(statement.split()), len(parameters or ())))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
