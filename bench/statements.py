"""Where a report's time goes: each statement's time in the database, against the whole report.

    .venv/bin/python -m bench.statements [programme|SR|CP|...] [--volunteers 100000] [--postgres [URL]] [--rounds 5]

Reads the national data ``bench.staff`` generated (it must exist: run ``bench.staff`` first), counts the
board's report for the programme or a work-stream afresh ``--rounds`` times in this process (as the
dashboard does with the report cache off), then runs each statement the report ran alone, to its last
row, ``--rounds`` times; it prints each statement's median and rows, the whole report's median, the
statements' sum and what is left (building rows and figures in Python). On PostgreSQL the interest
figures are counted on a second connection beside the rest (``reports.parallel``), so their statements
overlap the others and the sum can exceed the whole.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection

from bench.run import DEFAULT_PG
from bench.staff import national_data
from stepchange.core.database import build_database_config, session_scope
from stepchange.core.settings import Settings
from stepchange.reports.scope import Scope
from stepchange.reports.services import ReportService
from stepchange.workstreams.services import WorkstreamService


@dataclass
class Captured:
    """The statements a report ran, with their parameters, in the order it ran them."""

    statements: list[tuple[str, Any]] = field(default_factory=list)
    on: bool = False

    def attach(self, engine: Any) -> None:
        @event.listens_for(engine, "before_cursor_execute")
        def before(conn: Connection, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
            if self.on and not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
                self.statements.append((statement, parameters))


def _name(statement: str) -> str:
    """A statement named by what it reads: its first 110 characters on one line."""
    return " ".join(statement.split())[:110]


async def _report(config: Any, code: str) -> float:
    async with session_scope(config) as session:
        workstream = None if code == "programme" else await WorkstreamService(session=session).by_code(code)
        started = time.perf_counter()
        await ReportService(session).count(Scope(workstream))
        return time.perf_counter() - started


async def measure(url: str, code: str, rounds: int) -> None:
    """The whole report's median, then each of its statements run alone to its last row (SQLite finds rows
    as they are fetched, so a statement's time is only known once every row is read)."""
    config = build_database_config(Settings(database_url=url))
    captured = Captured()
    captured.attach(config.get_engine().sync_engine)
    await _report(config, code)  # warms the caches
    captured.on = True
    await _report(config, code)
    captured.on = False
    whole = statistics.median([await _report(config, code) for _ in range(rounds)]) * 1000
    timed: list[tuple[float, int, str]] = []
    async with session_scope(config) as session:
        connection = await session.connection()
        for statement, parameters in captured.statements:
            times, rows = [], 0
            for _ in range(rounds):
                started = time.perf_counter()
                rows = len((await connection.exec_driver_sql(statement, parameters)).all())
                times.append(time.perf_counter() - started)
            timed.append((statistics.median(times) * 1000, rows, _name(statement)))
    total = sum(ms for ms, _, _ in timed)
    print(f"{len(timed)} statements, each run alone to its last row; median of {rounds} (ms, rows):")
    for ms, rows, name in sorted(timed, reverse=True):
        print(f"  {ms:8.1f} {rows:7,}  {name}")
    print(f"whole report {whole:.0f} ms; its statements alone {total:.0f} ms; the rest {whole - total:.0f} ms")
    await config.get_engine().dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("scope", nargs="?", default="programme", help="programme, or a work-stream's code")
    parser.add_argument("--volunteers", type=int, default=100_000)
    parser.add_argument("--postgres", nargs="?", const=DEFAULT_PG, metavar="URL")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    url, _ = national_data(args.volunteers, args.postgres, upgrade=False)
    asyncio.run(measure(url, args.scope, args.rounds))


if __name__ == "__main__":
    main()
