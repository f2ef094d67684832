"""The ceilings the service is measured against: tiny Litestar apps served by uvicorn (one worker each).

- ``bench.ceiling:insert_one_row`` — (a) a bare Litestar + SQLAlchemy endpoint: ``POST /api/interest``
  decodes the JSON body and inserts one row (id, e-mail, name) in its own transaction.
- ``bench.ceiling:submission_writes`` — (b) a minimal endpoint doing the same writes as a public
  submission with SQLAlchemy Core, in the same two transactions: the submission stored as received
  (encrypted) before the answer, then, once the answer has gone (issue 21), that row deleted and the
  person (phone encrypted by its column type), the first identity step, the expression, its choices,
  the declarations and the projects they name, the confirmation link, the e-mail in the outbox and the
  audit entry written in one transaction. No rules, no look-ups per request (the open call and the
  project ids are read once at start-up), no middleware.
- ``bench.ceiling:submission_writes_one_transaction`` — (b0) the baseline before issue 21: the nine
  rows alone in one transaction before the answer, with no received row.
- ``bench.ceiling:same_bytes`` — a bare endpoint returning fixed bytes for ``GET /api/projects`` and
  ``GET /projects`` (the bytes the service served, read from ``BENCH_STATIC_DIR``).

All take their database from ``BENCH_DATABASE_URL`` and use the service's own engine settings
(``build_database_config``: pool, SQLite's WAL, busy timeout and synchronous mode), so the only
difference from the service is the work done per request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import uuid
from pathlib import Path
from typing import Any

import msgspec
from litestar import Litestar, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import State
from litestar.enums import MediaType
from sqlalchemy import Column, MetaData, String, Table, Uuid, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

import stepchange.models  # noqa: F401 - every mapper, so relationships between them resolve
from stepchange.core.audit import AuditEntry
from stepchange.core.database import build_database_config
from stepchange.core.links import OneTimeLink
from stepchange.core.mail import MailStatus, OutboxMessage
from stepchange.core.settings import Settings
from stepchange.ethics.models import ConflictKind, Declaration, ReviewState, declaration_project
from stepchange.interest.models import Call, Choice, ChoiceRole, Expression, ExpressionStatus, ReceivedSubmission
from stepchange.interest.rules import STATEMENT_VERSION
from stepchange.interest.schemas import SubmissionIn, SubmissionOut
from stepchange.interest.services import ANSWER, CONFIRMATION
from stepchange.people.models import Identity, IdentityStep, Volunteer
from stepchange.projects.models import Project

metadata = MetaData()
bench_row = Table(
    "bench_row",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("email", String(320), nullable=False),
    Column("name", String(200), nullable=False),
)


def engine() -> AsyncEngine:
    return build_database_config(Settings(database_url=os.environ["BENCH_DATABASE_URL"])).get_engine()


@get("/health", sync_to_thread=False)
def health() -> dict[str, str]:
    return {"status": "ok"}


# --- (a) one row -------------------------------------------------------------------------------


@post("/api/interest", status_code=201)
async def insert_one(state: State, data: dict[str, Any]) -> dict[str, str]:
    row_id = uuid.uuid4()
    async with state.engine.begin() as connection:
        await connection.execute(
            insert(bench_row).values(id=row_id, email=str(data["email"]).lower(), name=str(data["name"]))
        )
    return {"id": str(row_id)}


async def create_bench_table(app: Litestar) -> None:
    async with app.state.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)


def insert_one_row() -> Litestar:
    return Litestar(
        route_handlers=[health, insert_one],
        state=State({"engine": engine()}),
        on_startup=[create_bench_table],
        openapi_config=None,
    )


# --- (b) a submission's writes -----------------------------------------------------------------


@post("/api/interest", status_code=201)
async def submission(state: State, data: SubmissionIn) -> Response[SubmissionOut]:
    """(b): stored as received, answered, then filed in a transaction of its own after the answer."""
    now = dt.datetime.now(dt.UTC)
    received_id = uuid.uuid4()
    async with state.engine.begin() as connection:
        await connection.execute(
            insert(ReceivedSubmission).values(
                id=received_id,
                call_id=state.call_id,
                source="api",
                payload=msgspec.json.encode(data).decode(),
                created_at=now,
                updated_at=now,
            )
        )
    answer = SubmissionOut(id=received_id, status=ExpressionStatus.AWAITING_CONFIRMATION, message=ANSWER)
    return Response(answer, status_code=201, background=BackgroundTask(file_received, state, data, received_id, now))


async def file_received(state: State, data: SubmissionIn, received_id: uuid.UUID, now: dt.datetime) -> None:
    async with state.engine.begin() as connection:
        await connection.execute(delete(ReceivedSubmission).where(ReceivedSubmission.id == received_id))
        await write_submission(connection, state, data, received_id, now)


@post("/api/interest", status_code=201)
async def submission_one_transaction(state: State, data: SubmissionIn) -> SubmissionOut:
    """(b0): the nine rows in one transaction before the answer, with no received row."""
    now, expression_id = dt.datetime.now(dt.UTC), uuid.uuid4()
    async with state.engine.begin() as connection:
        await write_submission(connection, state, data, expression_id, now)
    return SubmissionOut(id=expression_id, status=ExpressionStatus.AWAITING_CONFIRMATION, message=ANSWER)


async def write_submission(
    connection: AsyncConnection, state: State, data: SubmissionIn, expression_id: uuid.UUID, now: dt.datetime
) -> None:
    """A new person's submission: the nine rows the service files, in the caller's transaction."""
    person_id = uuid.uuid4()
    stamps = {"created_at": now, "updated_at": now}
    email = data.email.strip().lower()
    projects: dict[str, uuid.UUID] = state.projects
    declarations = [(uuid.uuid4(), conflict) for conflict in data.conflicts]
    await connection.execute(
        insert(Volunteer).values(
            id=person_id,
            email=email,
            name=data.name,
            phone=data.phone,
            organisation=data.organisation,
            job_title=data.job_title,
            sector=data.sector,
            identity=Identity.SUBMITTED,
            hours_per_month=data.hours_per_month,
            **stamps,
        )
    )
    await connection.execute(
        insert(IdentityStep).values(
            id=uuid.uuid4(),
            volunteer_id=person_id,
            step=Identity.SUBMITTED,
            by="the person",
            how="submitted",
            **stamps,
        )
    )
    await connection.execute(
        insert(Expression).values(
            id=expression_id,
            volunteer_id=person_id,
            call_id=state.call_id,
            status=ExpressionStatus.AWAITING_CONFIRMATION,
            hours_per_month=data.hours_per_month,
            experience=data.experience,
            credentials=data.credentials,
            no_conflicts=data.no_conflicts,
            statement_version=STATEMENT_VERSION,
            statement_accepted_at=now,
            submitted_at=now,
            late=False,
            late_reason="",
            source="api",
            **stamps,
        )
    )
    await connection.execute(
        insert(Choice),
        [
            {
                "id": uuid.uuid4(),
                "expression_id": expression_id,
                "project_id": projects[c.project],
                "rank": c.rank,
                "role": ChoiceRole(c.role),
                **stamps,
            }
            for c in data.choices
        ],
    )
    if declarations:
        await connection.execute(
            insert(Declaration),
            [
                {
                    "id": declaration_id,
                    "volunteer_id": person_id,
                    "kind": ConflictKind(conflict.kind),
                    "description": conflict.description,
                    "organisation": conflict.organisation,
                    "state": ReviewState.PENDING,
                    **stamps,
                }
                for declaration_id, conflict in declarations
            ],
        )
        await connection.execute(
            insert(declaration_project),
            [
                {"declaration_id": declaration_id, "project_id": projects[code]}
                for declaration_id, conflict in declarations
                for code in conflict.projects
            ],
        )
    token = secrets.token_urlsafe(32)
    await connection.execute(
        insert(OneTimeLink).values(
            id=uuid.uuid4(),
            purpose=CONFIRMATION,
            subject_id=person_id,
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
            expires_at=now + dt.timedelta(days=7),
            payload={"expression_id": str(expression_id)},
            **stamps,
        )
    )
    await connection.execute(
        insert(OutboxMessage).values(
            id=uuid.uuid4(),
            recipient=email,
            subject="Confirm your Step-Change expression of interest",
            text_body=f"Dear {data.name},\n\nPlease confirm: http://127.0.0.1:8000/interest/verify/{token}\n",
            category=CONFIRMATION,
            status=MailStatus.QUEUED,
            attempts=0,
            next_attempt_at=now,
            message_id=f"<{uuid.uuid4().hex}@localhost>",
            forget_after_send=False,
            **stamps,
        )
    )
    await connection.execute(
        insert(AuditEntry).values(
            id=uuid.uuid4(),
            actor_id=None,
            actor_label="anonymous",
            action="interest.submitted",
            subject_type="volunteer",
            subject_id=str(person_id),
            summary="api submission (new)",
            changes={},
            **stamps,
        )
    )


async def load_call_and_projects(app: Litestar) -> None:
    """The open call and every project's id, once: the minimal endpoint looks nothing up per request."""
    now = dt.datetime.now(dt.UTC)
    async with app.state.engine.connect() as connection:
        app.state.call_id = await connection.scalar(
            select(Call.id).where(Call.opens_at <= now, Call.closes_at > now).order_by(Call.closes_at).limit(1)
        )
        rows = await connection.execute(select(Project.code, Project.id))
        app.state.projects = {row.code: row.id for row in rows.all()}
    if app.state.call_id is None:
        raise RuntimeError("no open call: run `stepchange demo call` on the bench database")


def submission_writes() -> Litestar:
    return Litestar(
        route_handlers=[health, submission],
        state=State({"engine": engine()}),
        on_startup=[load_call_and_projects],
        openapi_config=None,
    )


def submission_writes_one_transaction() -> Litestar:
    return Litestar(
        route_handlers=[health, submission_one_transaction],
        state=State({"engine": engine()}),
        on_startup=[load_call_and_projects],
        openapi_config=None,
    )


# --- the same bytes ----------------------------------------------------------------------------


def same_bytes() -> Litestar:
    folder = Path(os.environ["BENCH_STATIC_DIR"])
    json_body, html_body = (folder / "projects.json").read_bytes(), (folder / "projects.html").read_bytes()

    @get("/api/projects", sync_to_thread=False)
    def projects_json() -> Response[bytes]:
        return Response(json_body, media_type=MediaType.JSON)

    @get("/projects", sync_to_thread=False)
    def projects_html() -> Response[bytes]:
        return Response(html_body, media_type=MediaType.HTML)

    return Litestar(route_handlers=[health, projects_json, projects_html], openapi_config=None)


__all__ = ("insert_one_row", "same_bytes", "submission_writes", "submission_writes_one_transaction")
