"""Which downloads are long enough to be prepared by a background job, and what each job writes.

An Excel workbook can only be sent once it is closed: a register of a few thousand rows is written in
well under a second and sent directly; a longer one (the register at national scale: 100,000 rows,
about ten seconds) is prepared by a job (``core/export_jobs.py``) and fetched from its own address. CSV
downloads are always streamed directly: their first line is sent as soon as it is read. The other Excel
downloads (the board's report tables, the time report, the maturity levels) have a row per project,
work-stream, month or area, never per person, so they stay small at any number of people and are sent
directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core import export_jobs
from stepchange.core.export_jobs import ExportJob, Sheet
from stepchange.reports.register import REGISTER_COLUMNS, RegisterFilter, register_count
from stepchange.reports.register_page import register_cells

REGISTER = "register-of-interests"


@dataclass(frozen=True)
class Origin:
    """Where a kind of download is asked for (to go back, or ask again if it failed), and what it is called."""

    page: str
    name: str


STARTED_FROM = {REGISTER: Origin("/ethics/register", "the register of interests")}
ELSEWHERE = Origin("/", "your file")
SHEETS = {REGISTER: Sheet(REGISTER, REGISTER_COLUMNS, "Register of interests", register_cells)}


async def register_by_job(session: AsyncSession, direct_rows: int) -> bool:
    """Whether the register as Excel is prepared by a background job: it is longer than ``direct_rows`` (the
    ``export_direct_rows`` setting).
    Counted as the register's pages count it (from indexes): asking for the row past the limit instead would
    have PostgreSQL join and sort the whole register to find it."""
    return int(await session.scalar(register_count(RegisterFilter())) or 0) > direct_rows


async def look_up(
    session: AsyncSession, config: SQLAlchemyAsyncConfig, job_id: UUID, owner_id: UUID
) -> ExportJob | None:
    """The asker's job, taken over here if the worker running it has died (or failed, after too many)."""
    job = await export_jobs.find(session, job_id, owner_id)
    if job is not None and job.kind in SHEETS:
        await export_jobs.recover(config, job, SHEETS[job.kind])
    return job
