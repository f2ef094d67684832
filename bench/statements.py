"""Where a report's time goes: each statement's time in the database, against the whole report.

    .venv/bin/python -m bench.statements [programme|SR|CP|...] [--volunteers 100000] [--postgres [URL]] [--rounds 5]

Reads the national data ``bench.staff`` generated (it must exist: run ``bench.staff`` first), counts the
board's report for the programme or a work-stream afresh ``--rounds`` times in this process (as the
dashboard does with the report cache off), and prints each statement's median time from the moment the
driver was handed it to the moment it returned (rows still to fetch are not counted); then the whole report's
median, the statements' sum and what is left (building rows and figures in Python). On PostgreSQL the
interest figures are counted on a second connection beside the rest (``reports.parallel``), so their
statements overlap the others and the sum can exceed the whole.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections import defaultdict
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
class Timings:
    """Each statement's times (named by its start), over every round."""

    started: dict[int, float] = field(default_factory=dict)
    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def attach(self, engine: Any) -> None:
        @event.listens_for(engine, "before_cursor_execute")
        def before(conn: Connection, cursor: Any, statement: str, *_: Any) -> None:
            self.started[id(cursor)] = time.perf_counter()

        @event.listens_for(engine, "after_cursor_execute")
        def after(conn: Connection, cursor: Any, statement: str, *_: Any) -> None:
            self.seconds[_name(statement)].append(time.perf_counter() - self.started.pop(id(cursor)))


def _name(statement: str) -> str:
    """A statement named by what it reads: its first 110 characters on one line."""
    return " ".join(statement.split())[:110]


async def measure(url: str, code: str, rounds: int) -> None:
    config = build_database_config(Settings(database_url=url))
    timings = Timings()
    timings.attach(config.get_engine().sync_engine)
    wholes: list[float] = []
    for round_ in range(rounds + 1):  # the first warms the caches and is not counted
        async with session_scope(config) as session:
            workstream = None if code == "programme" else await WorkstreamService(session=session).by_code(code)
            if round_ == 1:
                timings.seconds.clear()
            started = time.perf_counter()
            await ReportService(session).count(Scope(workstream))
            wholes.append(time.perf_counter() - started)
    statements = sorted(timings.seconds.items(), key=lambda item: -statistics.median(item[1]))
    total = sum(statistics.median(times) for _, times in statements)
    print(f"{len(statements)} statements; median of {rounds} rounds (ms):")
    for name, times in statements:
        print(f"  {statistics.median(times) * 1000:8.1f}  {name}")
    whole = statistics.median(wholes[1:]) * 1000
    print(f"whole report {whole:.0f} ms; statements {total * 1000:.0f} ms; the rest {whole - total * 1000:.0f} ms")
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
