"""A long download prepared in the background: its address on the API (202 while it is being prepared,
then the file) and its page (a GOV.UK "We are preparing your file" page, then a link to the file).

Only the person who asked sees a job: anyone else, like an expired or unknown job, is told it does not
exist (404), so a job's address tells nobody else anything.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath
from litestar.response import Stream, Template
from litestar.status_codes import HTTP_202_ACCEPTED
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.accounts.guards import acting_staff, any_staff
from stepchange.core import export_jobs
from stepchange.core.database import app_database_config
from stepchange.core.errors import BrokenRule, NotFound, RuleViolation
from stepchange.core.export_jobs import ExportJob, ExportStatus
from stepchange.core.exports import EXCEL_MEDIA_TYPE, streamed
from stepchange.reports.export_kinds import ELSEWHERE, STARTED_FROM, look_up
from stepchange.reports.schemas import ExportOut

FAILED = BrokenRule(
    "export_failed", "The file could not be prepared", "Ask for the download again from the page you started it on"
)


async def _job(request: Request[Any, Any, Any], session: AsyncSession, job_id: UUID) -> ExportJob:
    """The asker's own job (taken over if its worker has died), or 404."""
    job = await look_up(session, app_database_config(request.app), job_id, acting_staff(request).id)
    if job is None:
        raise NotFound("download", job_id)
    return job


def _file(request: Request[Any, Any, Any], job: ExportJob) -> Stream:
    """The prepared file, sent a part at a time."""
    parts = export_jobs.file_of(app_database_config(request.app), job.id)
    return streamed(parts, f"{job.kind}.xlsx", EXCEL_MEDIA_TYPE)


class ExportController(Controller):
    path = "/api/exports"
    tags = ["Downloads"]
    guards = [any_staff]

    @get(
        "/{job_id:uuid}",
        summary="A download being prepared: 202 with its status until ready, then the file",
        media_type=EXCEL_MEDIA_TYPE,
        responses={HTTP_202_ACCEPTED: ResponseSpec(ExportOut, description="Still being prepared")},
    )
    async def export(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], job_id: FromPath[UUID]
    ) -> Response[Any]:
        job = await _job(request, db_session, job_id)
        if job.status == ExportStatus.FAILED:
            raise RuleViolation([FAILED])
        if job.status == ExportStatus.READY:
            return _file(request, job)
        answer = ExportOut.of(job)
        return Response(
            answer, status_code=HTTP_202_ACCEPTED, media_type="application/json", headers={"Retry-After": "5"}
        )


class ExportPages(Controller):
    path = "/exports"
    include_in_schema = False
    guards = [any_staff]

    @get("/{job_id:uuid}", name="export_job")
    async def job(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], job_id: FromPath[UUID]
    ) -> Template:
        """Being prepared (with a link to check again), ready (with the link to the file) or failed."""
        job = await _job(request, db_session, job_id)
        origin = STARTED_FROM.get(job.kind, ELSEWHERE)
        return Template("exports/job.html", context={"job": job, "origin": origin, "section_path": origin.page})

    @get("/{job_id:uuid}/file", name="export_file")
    async def file(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], job_id: FromPath[UUID]
    ) -> Response[Any]:
        job = await _job(request, db_session, job_id)
        if job.status != ExportStatus.READY:
            raise NotFound("prepared file for download", job_id)
        return _file(request, job)
