"""The tools every figure counts with: SQL expressions both engines understand (a column SQLite must scan,
a timestamp's UTC hour), UTC hours as UK days, and the polars pivot that turns ``(key, category, n)`` rows
into one row per work-stream with a column per category."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl
from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from stepchange.core import clock


class utc_hour(FunctionElement[str]):  # noqa: N801 - a SQL function, named like one
    """A timestamp's UTC hour as text (``YYYY-MM-DD HH``) on both engines. UK days begin on whole UTC
    hours, so counts by hour add up exactly to counts by UK day."""

    type = String()
    inherit_cache = True


@compiles(utc_hour)
def _utc_hour_sqlite(element: utc_hour, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps UTC timestamps as ISO text: the hour is its first 13 characters.
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 13)"


@compiles(utc_hour, "postgresql")
def _utc_hour_postgresql(element: utc_hour, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')"


def uk_days(hours: pl.Series) -> pl.Series:
    """``YYYY-MM-DD HH`` UTC hours (an ISO ``T`` allowed) as the UK days they fall on."""
    return (
        (hours.str.replace("T", " ") + ":00")
        .str.to_datetime("%Y-%m-%d %H:%M", time_zone="UTC")
        .dt.convert_time_zone(str(clock.UK))
        .dt.date()
    )


def by_day(rows: Sequence[Any], name: str) -> pl.DataFrame:
    """``(UTC hour, n)`` rows as counts by UK day."""
    found = pl.DataFrame([tuple(r) for r in rows], schema={"hour": pl.String, name: pl.Int64}, orient="row")
    return found.with_columns(day=uk_days(found["hour"])).group_by("day").agg(pl.col(name).sum())


def counts_by(rows: Sequence[Sequence[Any]], key: str, categories: Sequence[str], keys: Sequence[str]) -> pl.DataFrame:
    """``(key, category, n)`` rows as one row per key (in ``keys``' order), a column per category
    (0 where none) and a ``total``."""
    categories = [str(c) for c in categories]
    found = pl.DataFrame(
        [tuple(r) for r in rows], schema={key: pl.String, "category": pl.String, "n": pl.Int64}, orient="row"
    )
    wide = found.pivot(on="category", on_columns=list(categories), index=key, values="n", aggregate_function="sum")
    every = pl.DataFrame({key: list(keys)}, schema={key: pl.String})
    table = every.join(wide, on=key, how="left", maintain_order="left") if wide.width > 1 else every
    for category in categories:
        if category not in table.columns:
            table = table.with_columns(pl.lit(0, dtype=pl.Int64).alias(category))
    table = table.select(key, *categories).with_columns(pl.col(*categories).fill_null(0))
    return table.with_columns(total=pl.sum_horizontal(*categories))


def code_number(code: str) -> int:
    """The number in a project's code (``CP12`` is 12), so codes sort as people read them."""
    digits = "".join(ch for ch in code if ch.isdigit())
    return int(digits or 0)
