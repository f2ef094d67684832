"""One batch of demo data as it is made: its day, its seeded randomness, the cast it reuses, and the
rows waiting to be bulk-inserted.

Rows are written with bulk ``INSERT``s (``sqlalchemy.insert(Model)`` with lists of dictionaries, one
executemany per table) in chunks of people, ids made in Python: at national scale that is what keeps the
generator fast, and phone numbers, declarations and reviews' reasons are still encrypted by their
column types as they are inserted, exactly as the service stores them.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import unicodedata
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.assignments.models import Assignment, AssignmentStatus
from stepchange.contributions.models import TimeEntry
from stepchange.core import clock
from stepchange.core.audit import AuditEntry
from stepchange.core.links import OneTimeLink
from stepchange.core.mail import OutboxMessage
from stepchange.ethics.models import Declaration, DeclarationReview, Recusal, declaration_project
from stepchange.governance.models import Seat
from stepchange.interest.models import Choice, Expression, HeldSubmission, ImportedResponse
from stepchange.people.models import ErasureRequest, IdentityStep, Volunteer, VolunteerNote
from stepchange.projects.models import ProjectStatus
from stepchange.reminders.models import ReminderDigest, ReminderPreference, ReminderSent

DEMO_CALL_PREFIX = "National call to action (demo batch "
CHUNK = 5_000
"""People generated and inserted at a time: bounded memory at any scale."""
CALL_DAYS_OPEN, CALL_DAYS_LEFT = 42, 13
SURVEY = "Step-Change expression of interest (standard questionnaire)"
OFFICE = "Programme office (demo)"


@dataclass
class GenerateReport:
    """What one run added."""

    batch: int
    call: str
    seconds: float = 0.0
    rows: Counter[str] = field(default_factory=Counter)

    def lines(self) -> list[str]:
        total = sum(self.rows.values())
        out = [f"Batch {self.batch}: {self.call}: {total:,} rows in {self.seconds:.1f} s"]
        out += [f"  {table}: {count:,}" for table, count in sorted(self.rows.items())]
        return out


@dataclass(frozen=True)
class Org:
    name: str
    sector: str
    domain: str
    registered: bool
    police: bool


@dataclass(frozen=True)
class Actor:
    id: uuid.UUID
    name: str
    role: str
    workstream_id: uuid.UUID | None = None

    @property
    def label(self) -> str:
        return f"{self.name} ({self.role})"


@dataclass
class ProjectInfo:
    id: uuid.UUID
    code: str
    workstream_id: uuid.UUID
    status: ProjectStatus
    has_lead: bool
    lead_accepted: bool
    cleared: bool
    updated: bool = False
    provisional_until: dt.datetime | None = None
    """When this batch's status updates moved the project on from provisional (``None``: it still is)."""


def ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "", plain.lower())


def stamp(at: dt.datetime) -> dict[str, dt.datetime]:
    return {"created_at": at, "updated_at": at}


class Generator:
    """The state of one batch: what each subject's writer reads (the day, the cast) and adds to."""

    call_id: uuid.UUID
    call_name: str
    office: Actor
    ethics: Actor
    seats: dict[uuid.UUID, dict[Seat, tuple[Actor, str]]]
    """Each work-stream's seat holders and the organisation each sits for."""
    reviewed: set[uuid.UUID]
    """Projects with a commercial-advantage review from an earlier batch."""
    leads_taken: set[uuid.UUID]
    """Projects whose lead place is held (offered or accepted)."""

    def __init__(
        self, session: AsyncSession, volunteers: int, *, seed: int, batch: int, today: dt.date, report: GenerateReport
    ) -> None:
        self.session = session
        self.volunteers = volunteers
        self.seed = seed
        self.batch = batch
        self.rng = random.Random(f"stepchange-demo/{seed}/{batch}")  # noqa: S311 - demo data, not secrets
        self.today = today
        self.now = dt.datetime.combine(today, dt.time.min, tzinfo=dt.UTC)
        self.opens_at = clock.start_of_day_uk(today - dt.timedelta(days=CALL_DAYS_OPEN))
        self.closes_at = clock.end_of_day_uk(today + dt.timedelta(days=CALL_DAYS_LEFT))
        self.report = report
        self.orgs: list[Org] = []
        self.org_weights: list[float] = []
        self.projects: list[ProjectInfo] = []
        self.project_weights: list[float] = []
        self.people_by_workstream: dict[uuid.UUID, list[tuple[str, str, str]]] = defaultdict(list)
        self.placed: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
        """The first few people holding a place on each work-stream's projects (subgroups draw on them)."""
        self.interested: dict[uuid.UUID, list[Newcomer]] = defaultdict(list)
        """The first few people interested in each provisional project (some propose changes to it)."""

    def new_id(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def between(self, start: dt.datetime, end: dt.datetime) -> dt.datetime:
        """A moment in [start, end), or ``start`` when the span is empty."""
        span = (end - start).total_seconds()
        return start + dt.timedelta(seconds=self.rng.random() * span) if span > 0 else start

    def after(self, start: dt.datetime, low_hours: float, high_hours: float) -> dt.datetime | None:
        """A moment some hours after ``start``, or ``None`` if that is not yet in the past."""
        moment = start + dt.timedelta(hours=self.rng.uniform(low_hours, high_hours))
        return moment if moment < self.now else None

    async def insert(self, model: Any, rows: list[dict[str, Any]], name: str | None = None) -> None:
        """Bulk insert in one executemany; every value goes through its column's type (so encryption)."""
        if not rows:
            return
        connection = await self.session.connection()
        await connection.execute(insert(model), rows)
        table = model if isinstance(model, Table) else model.__table__
        self.report.rows[name or table.name] += len(rows)

    def audit(
        self,
        actor: Actor | None,
        action: str,
        subject_type: str,
        subject_id: object,
        summary: str,
        at: dt.datetime,
        changes: dict[str, Any],
    ) -> dict[str, Any]:
        """An audit trail row, as ``core.audit.record`` would have written it."""
        return {
            "id": self.new_id(),
            "actor_id": actor.id if actor else None,
            "actor_label": actor.label if actor else "anonymous",
            "action": action,
            "subject_type": subject_type,
            "subject_id": str(subject_id),
            "summary": summary[:300],
            "changes": changes,
            **stamp(at),
        }


class Chunk:
    """The rows of up to :data:`CHUNK` people, written table by table in the order the keys need."""

    TABLES: tuple[Any, ...] = (
        Volunteer,
        IdentityStep,
        Expression,
        Choice,
        Declaration,
        declaration_project,
        DeclarationReview,
        Recusal,
        Assignment,
        TimeEntry,
        OneTimeLink,
        OutboxMessage,
        ImportedResponse,
        HeldSubmission,
        VolunteerNote,
        ErasureRequest,
        ReminderPreference,
        ReminderDigest,
        ReminderSent,
        AuditEntry,
    )

    def __init__(self, gen: Generator) -> None:
        self.gen = gen
        self.rng = gen.rng
        self.rows: dict[Any, list[dict[str, Any]]] = {table: [] for table in self.TABLES}

    def add(self, table: Any, **row: Any) -> None:
        self.rows[table].append(row)

    async def write(self) -> None:
        for table in self.TABLES:
            await self.gen.insert(table, self.rows[table])

    def audit(self, actor: Actor | None, action: str, subject: object, summary: str, at: dt.datetime) -> None:
        """An audit row about a volunteer."""
        self.rows[AuditEntry].append(self.gen.audit(actor, action, "volunteer", subject, summary, at, {}))


@dataclass
class Newcomer:
    """One person answering the batch's call, as their rows are made (what the later steps need to know)."""

    index: int
    submitted: dt.datetime
    id: uuid.UUID
    expression_id: uuid.UUID
    org: Org
    name: str
    email: str
    personal: bool
    source: str
    hours: int
    special: bool
    """Stands for the rare cases (a note, a held repeat, an erasure request …), so even a small batch has each."""
    confirmed_at: dt.datetime | None = None
    validated_at: dt.datetime | None = None
    reminded_at: dt.datetime | None = None
    place: Place | None = None
    """The place they were offered, if any."""


@dataclass(frozen=True)
class Place:
    """An offer of a place on a project, as the later steps (time ledger, reminders) need it."""

    id: uuid.UUID
    project: ProjectInfo
    status: AssignmentStatus
    offered: dt.datetime
    responded: dt.datetime | None
    ended: dt.datetime | None
