"""Long Excel downloads made by a background job, kept in the database until fetched or expired.

An Excel workbook is a zip written only when it is closed, so a long one (the register of interests at
national scale: about ten seconds) cannot start arriving at once. Instead the request records a job and
answers straight away; the job reads the rows in chunks, writes the workbook in constant memory (in a
worker thread, off the event loop) and stores the finished file in parts of :data:`PART_BYTES`
(``export_part``), where every worker of the service sees it; the file is sent a part at a time, so no
worker ever holds a whole file (about 70 MB for the register at 1,000,000 people). Whoever asked polls the
job's address and fetches the file from any worker.

A worker can die mid-job: the running job touches its row after every chunk, and a job left untouched
for :data:`STALE` is taken over by the next look at it (up to :data:`MAX_ATTEMPTS` times, then it is
reported failed). Each run holds a claim token, so a run that has been taken over stops writing. Files
are confidential: only the person who asked may read the job, and it expires after :data:`KEEP`
(then the retention purge deletes it).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import logging
import secrets
import tempfile
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from advanced_alchemy.types import GUID, DateTimeUTC
from sqlalchemy import Column, ForeignKey, Index, Integer, LargeBinary, String, Table, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm.attributes import set_committed_value

from stepchange.core import clock
from stepchange.core.database import Base, enum_type, session_scope
from stepchange.core.exports import Chunks, read_alone, write_sheet

logger = logging.getLogger("stepchange.export_jobs")

STALE = dt.timedelta(minutes=2)
"""A job untouched this long has lost its worker (a running job touches its row after every chunk)."""
MAX_ATTEMPTS = 3
KEEP = dt.timedelta(hours=24)
"""How long a prepared file can be fetched after it was asked for."""
PURGE_SECONDS = 15 * 60
PART_BYTES = 1 << 20
"""A prepared file is kept, and sent, in parts of this size."""


class ExportStatus(enum.StrEnum):
    PREPARING = "preparing"
    READY = "ready"
    FAILED = "failed"


class ExportJob(Base):
    """A long download being prepared, prepared (with its file) or failed, for the person who asked."""

    __tablename__ = "export_job"
    __table_args__ = (Index("ix_export_job_expires_at", "expires_at"),)

    kind: Mapped[str] = mapped_column(String(60), doc="Which download: its file name without the extension")
    owner_id: Mapped[UUID] = mapped_column(index=True, doc="The member of staff who asked: only they may read it")
    status: Mapped[ExportStatus] = mapped_column(
        enum_type(ExportStatus, "export_job_status"), default=ExportStatus.PREPARING
    )
    rows: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    runner: Mapped[str | None] = mapped_column(String(32), default=None, doc="The claim of the run now writing it")
    touched_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))

    @property
    def stale(self) -> bool:
        return self.status == ExportStatus.PREPARING and self.touched_at < clock.now() - STALE


export_part = Table(
    "export_part",
    Base.metadata,
    Column("job_id", GUID(length=16), ForeignKey("export_job.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("content", LargeBinary, nullable=False),
    comment="A prepared file, in parts of PART_BYTES (stepchange.core.export_jobs)",
)


@dataclass(frozen=True)
class Sheet:
    """What a kind of download writes: its columns, its sheet's name, and its rows read in a session."""

    kind: str
    columns: Sequence[str]
    sheet: str
    read: Callable[[AsyncSession], AsyncIterator[Sequence[Sequence[Any]]]]


RUNNING: set[asyncio.Task[None]] = set()
"""This worker's running jobs (held so the event loop does not drop them)."""


async def start(session: AsyncSession, kind: str, owner_id: UUID) -> ExportJob:
    """A new job for ``owner_id`` (run with :func:`launch` once the request's transaction is committed)."""
    now = clock.now()
    job = ExportJob(kind=kind, owner_id=owner_id, touched_at=now, expires_at=now + KEEP)
    session.add(job)
    await session.flush()
    return job


async def find(session: AsyncSession, job_id: UUID, owner_id: UUID) -> ExportJob | None:
    """The job, if it is this person's and has not expired."""
    job = await session.get(ExportJob, job_id)
    if job is None or job.owner_id != owner_id or job.expires_at <= clock.now():
        return None
    return job


async def file_of(config: SQLAlchemyAsyncConfig, job_id: UUID) -> AsyncIterator[bytes]:
    """A ready job's file, a part at a time, read in a session of its own (the answer is sent after the
    request's session has closed)."""
    async with session_scope(config) as session:
        parts = int(await session.scalar(select(func.count()).where(export_part.c.job_id == job_id)) or 0)
        for position in range(parts):
            part = export_part.c.content
            yield (
                await session.scalar(
                    select(part).where(export_part.c.job_id == job_id, export_part.c.position == position)
                )
                or b""
            )


async def recover(config: SQLAlchemyAsyncConfig, job: ExportJob, sheet: Sheet) -> None:
    """A stale job is run again here (or reported failed after :data:`MAX_ATTEMPTS`): never left waiting."""
    if not job.stale:
        return
    if job.attempts >= MAX_ATTEMPTS:
        # In a transaction of its own: the request's is rolled back when it answers with the failure.
        async with session_scope(config) as own:
            await own.execute(
                update(ExportJob)
                .where(ExportJob.id == job.id, ExportJob.status == ExportStatus.PREPARING)
                .values(status=ExportStatus.FAILED)
            )
        set_committed_value(job, "status", ExportStatus.FAILED)
        return
    await launch(config, job.id, sheet)


async def launch(config: SQLAlchemyAsyncConfig, job_id: UUID, sheet: Sheet) -> None:
    """Run the job in this worker, in the background (a coroutine, so a response's background task can
    start it once the request's transaction has committed the job)."""
    task = asyncio.create_task(run(config, job_id, sheet), name=f"export {sheet.kind}")
    RUNNING.add(task)
    task.add_done_callback(RUNNING.discard)


async def run(config: SQLAlchemyAsyncConfig, job_id: UUID, sheet: Sheet) -> None:
    """Claim the job and write its file; a failure marks it failed (logged by exception class only)."""
    token = await _claim(config, job_id)
    if token is None:
        return  # another worker runs it, or it is done
    try:
        with tempfile.TemporaryDirectory(prefix="stepchange-export-") as folder:
            path = await write_sheet(
                folder,
                sheet.columns,
                _unless_taken_over(config, job_id, token, read_alone(config, sheet.read)),
                sheet.sheet,
            )
            await _finish(config, job_id, token, ExportStatus.READY, path)
    except TakenOver:
        return
    except Exception as exc:
        logger.warning("export %s failed: %s", sheet.kind, type(exc).__name__)
        await _finish(config, job_id, token, ExportStatus.FAILED)


class TakenOver(Exception):
    """Another run has claimed the job (this one was too slow to touch it)."""


async def _claim(config: SQLAlchemyAsyncConfig, job_id: UUID) -> str | None:
    """Take the job if it is new or stale: one statement, so two workers never both take it."""
    token = secrets.token_hex(16)
    now = clock.now()
    async with session_scope(config) as session:
        taken = await session.execute(
            update(ExportJob)
            .where(
                ExportJob.id == job_id,
                ExportJob.status == ExportStatus.PREPARING,
                ExportJob.attempts < MAX_ATTEMPTS,
                or_(ExportJob.runner.is_(None), ExportJob.touched_at < now - STALE),
            )
            .values(runner=token, touched_at=now, attempts=ExportJob.attempts + 1)
        )
    return token if _changed(taken) else None


async def _unless_taken_over(
    config: SQLAlchemyAsyncConfig, job_id: UUID, token: str, chunks: Chunks
) -> AsyncIterator[Sequence[Sequence[Any]]]:
    """The chunks, the job touched after each (so it is not thought stale) while this run still holds it."""
    rows = 0
    async for chunk in chunks:
        yield chunk
        rows += len(chunk)
        async with session_scope(config) as session:
            touched = await session.execute(
                update(ExportJob)
                .where(ExportJob.id == job_id, ExportJob.runner == token)
                .values(touched_at=clock.now(), rows=rows)
            )
        if not _changed(touched):
            raise TakenOver


async def _finish(
    config: SQLAlchemyAsyncConfig, job_id: UUID, token: str, status: ExportStatus, file: Path | None = None
) -> None:
    """The job's outcome and its file's parts, in one transaction, if this run still holds it."""
    async with session_scope(config) as session:
        finished = await session.execute(
            update(ExportJob)
            .where(ExportJob.id == job_id, ExportJob.runner == token)
            .values(status=status, touched_at=clock.now())
        )
        if file is None or not _changed(finished):
            return
        with file.open("rb") as parts:
            for position, content in enumerate(iter(lambda: parts.read(PART_BYTES), b"")):
                await session.execute(export_part.insert().values(job_id=job_id, position=position, content=content))


def _changed(result: Any) -> bool:
    return bool(getattr(result, "rowcount", 0))


async def purge_expired(session: AsyncSession) -> int:
    """Delete every expired job, and with it its file (``export_part`` cascades). Most rounds find none, and
    then write nothing (on SQLite, a write would wait for and hold the one write lock)."""
    expired = ExportJob.expires_at <= clock.now()
    if await session.scalar(select(ExportJob.id).where(expired).limit(1)) is None:
        return 0
    gone = await session.execute(delete(ExportJob).where(expired))
    return int(getattr(gone, "rowcount", 0) or 0)
