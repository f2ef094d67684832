"""Realistic synthetic data at national scale: ``stepchange demo generate --volunteers N``.

Each run adds one **batch**: a national call to action offering the priority projects, and N people
who answered it over the six weeks before the anchor day, with everything the office, the ethics
reviewers and the co-chairs would have done since. Each subject is made in its own module: the fixed
cast (``cast``), the call and expressions of interest (``interest``), the people and their identity
steps (``people``), declarations (``declarations``), assignments (``assignments``), the projects'
progress (``projects``), amendment proposals (``proposals``), the time ledger (``time_ledger``), work-stream
governance (``governance``), terms of reference and subgroups (``partnership``), maturity self-assessments
(``maturity``), and reminders sent, reminder choices and calendar addresses (``reminders``); the audit
trail of all of it.

Every address is at a reserved ``.example`` domain (RFC 2606), so a demo database can never e-mail
anyone real, and every generated e-mail is already *sent*, so a running sender has nothing to do.

**Deterministic, and each run adds a batch.** The rows depend only on ``--seed``, the batch number
(1 + the demo calls already in the database) and the anchor day (``--today``, by default today in the
UK): the same command on a copy of the same database gives the same rows. Running it again adds another
batch (a new call and N new people) without errors; organisations, staff and standing items the
first batch made are reused, never duplicated.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from stepchange.core import clock
from stepchange.demo import cast, governance, interest, maturity, partnership, people, projects, proposals, reminders
from stepchange.demo.batch import DEMO_CALL_PREFIX, GenerateReport, Generator
from stepchange.interest.models import Call
from stepchange.workstreams.models import Workstream


async def generate(
    session: AsyncSession,
    volunteers: int,
    *,
    seed: int = 2018,
    today: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> GenerateReport:
    """Add one batch of ``volunteers`` people (and everything around them) in ``session``; the caller commits."""
    started = time.perf_counter()
    batch = 1 + (await session.scalar(select(func.count()).where(Call.name.startswith(DEMO_CALL_PREFIX))) or 0)
    report = GenerateReport(batch=batch, call="")
    gen = Generator(session, volunteers, seed=seed, batch=batch, today=today or clock.uk_today(), report=report)
    workstreams = (await session.scalars(select(Workstream).order_by(Workstream.position))).all()
    if not workstreams:
        raise RuntimeError("No work-streams: run `stepchange seed` first")
    cast.make_organisations(gen)
    await cast.write_organisations(gen)
    await cast.staff(gen, workstreams)
    await cast.load_projects(gen)
    if not gen.projects:
        raise RuntimeError("No open priority projects to offer: run `stepchange seed` first")
    await interest.write_call(gen)
    report.call = gen.call_name
    say = progress or (lambda _line: None)
    say(f"batch {batch}: {len(gen.orgs)} organisations, {len(gen.projects)} projects, writing {volunteers:,} people")
    await people.write_people(gen)
    say(f"people written in {time.perf_counter() - started:.1f} s; projects and governance next")
    await projects.project_progress(gen)
    await governance.governance(gen, workstreams)
    await proposals.proposals(gen)
    await partnership.partnership(gen, workstreams)
    await maturity.maturity(gen, workstreams)
    await reminders.staff_choices(gen)
    report.seconds = time.perf_counter() - started
    return report


async def refresh_statistics(engine: AsyncEngine) -> None:
    """Refresh the query planner's statistics after a bulk load, in a transaction of its own.

    Without this, PostgreSQL plans the reports' joins as if the new tables were nearly empty (nested
    loops over 10,000s of rows: the dashboard's funnel took 5 s at 20,000 people instead of 40 ms)
    until autovacuum's next ANALYZE. SQLite is asked to ``PRAGMA optimize``, which analyses what needs it.
    """
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(text("ANALYZE"))
        elif connection.dialect.name == "sqlite":
            await connection.execute(text("PRAGMA optimize"))
