"""Importing SurveyMonkey exports: the office's existing intake, brought in without retyping
(DESIGN.md, "SurveyMonkey import", "One person, one record").

Every row passes the same rules as a public submission (:class:`SubmissionRules`) plus what only an
export can get wrong (an unreadable timestamp, hours that are not a number, a rank that is not a
number, a respondent id missing or repeated). Then, in the caller's one transaction:

- rows outside the call's window are reported as late, and imported (marked late) only when asked;
- one person, one record: rows are matched by address in any letter case and the latest answer in
  the file wins; an address already held is merged directly (an import is the office's own work: no
  held copy) — that person's details are updated and that call's choices replaced — unless a later
  submission for the call is already recorded, which then stands;
- a row is imported whole or not at all: each row is checked completely before any of it is written,
  and rows are written with bulk inserts (no per-row ORM objects or queries);
- re-importing changes nothing: each imported response is remembered by survey and respondent id
  with the SHA-256 of the row; the same row again is skipped, an edited row is applied again.

Large exports are checked by worker processes, a chunk at a time, while the rows already checked are
being written: the rules are pure Python, and the database writes one statement at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import enum
import gc
import multiprocessing
import os
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any, NamedTuple, Protocol, TypeVar, cast
from uuid import UUID

import msgspec
import uuid_utils
from advanced_alchemy.types import EncryptedString
from sqlalchemy import Column, Table, TypeDecorator, delete, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from stepchange.core import audit
from stepchange.core.audit import SYSTEM
from stepchange.core.database import dialect_of, immediate_transaction, table_of
from stepchange.core.errors import FieldError, InvalidInput
from stepchange.core.settings import Settings
from stepchange.core.templating import uk_datetime
from stepchange.ethics.models import ConflictKind, Declaration, ReviewState, declaration_project
from stepchange.interest.models import Call, Choice, ChoiceRole, Expression, ExpressionStatus, ImportedResponse
from stepchange.interest.schemas import ChoiceIn, DeclarationIn, SubmissionIn
from stepchange.interest.services import (
    PERSON_DETAILS,
    CallService,
    CallWindow,
    CleanSubmission,
    InterestService,
    SubmissionRules,
    last_moment,
    project_codes,
    send_confirmation_link,
)
from stepchange.interest.surveymonkey import ExportError, ExportReader, Response, SurveyMapping, codes_named
from stepchange.people.models import Identity, IdentityStep, Volunteer

__all__ = ("ImportReport", "Outcome", "Progress", "RowResult", "SurveyImporter", "no_progress")

SOURCE = "surveymonkey"
"""``Expression.source`` for imported expressions."""
LATE_REASON = "imported after the closing date"
EARLY_REASON = "imported from before the call opened"
IMPORTED_HOW = "imported from SurveyMonkey"
EXPRESSION = (
    "hours_per_month",
    "experience",
    "credentials",
    "no_conflicts",
    "statement_version",
    "statement_accepted_at",
    "submitted_at",
    "late",
    "late_reason",
    "source",
    "call_id",
)
CHECK_CHUNK = 5_000
"""Rows checked (and then written) at a time."""
PARALLEL_FROM = 20_000
"""Exports with at least this many rows are checked by worker processes."""
WRITE_BATCH = 5_000
LOOKUP_BATCH = 500

T = TypeVar("T")


class Outcome(enum.StrEnum):
    """What became of one row; every row has exactly one."""

    IMPORTED = "imported"
    """A new person, with their expression of interest."""
    MERGED = "merged"
    """An address already held: that person's details updated and this call's choices replaced."""
    UPDATED = "updated"
    """Imported before, but the answer has changed in the survey since: applied again."""
    SUPERSEDED = "superseded"
    """A later answer from the same address (in the file, or already recorded) stands instead."""
    LATE = "late"
    """Outside the call's window and not imported (``--accept-late`` imports it, marked late)."""
    REFUSED = "refused"
    SKIPPED = "skipped"
    """Imported before, unchanged."""


APPLIED = (Outcome.IMPORTED, Outcome.MERGED, Outcome.UPDATED)


@dataclass
class RowResult:
    row: int
    label: str
    outcome: Outcome
    reason: str = ""
    late: str = ""
    """Why the row is outside the call's window, if it is (imported or not)."""


@dataclass
class ImportReport:
    """What an import did, row by row; :meth:`lines` is what the command prints."""

    survey: str
    call: str
    results: list[RowResult]
    confirmations: int = 0

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome is outcome)

    def counts(self) -> dict[str, int]:
        return {outcome.value: self.count(outcome) for outcome in Outcome}

    @property
    def changed(self) -> bool:
        return any(r.outcome in APPLIED for r in self.results)

    def lines(self) -> list[str]:
        late_applied = sum(1 for r in self.results if r.late and r.outcome in APPLIED)
        late_waiting = self.count(Outcome.LATE)
        out = [
            f"SurveyMonkey import of {self.survey!r} into {self.call}: {len(self.results)} rows",
            f"  imported:   {self.count(Outcome.IMPORTED)} new people",
            f"  merged:     {self.count(Outcome.MERGED)} people already held: details updated, choices replaced",
            f"  updated:    {self.count(Outcome.UPDATED)} changed in the survey since the last import",
            f"  superseded: {self.count(Outcome.SUPERSEDED)} replaced by a later answer from the same address",
            f"  late:       {late_waiting} outside the call's window, not imported"
            + (" (--accept-late imports them)" if late_waiting else "")
            + (f"; {late_applied} imported marked late" if late_applied else ""),
            f"  refused:    {self.count(Outcome.REFUSED)}",
            f"  skipped:    {self.count(Outcome.SKIPPED)} already imported, unchanged",
        ]
        if self.confirmations:
            out.append(f"  confirmation e-mails queued: {self.confirmations}")
        refused = [f"  {r.label}: {r.reason}" for r in self.results if r.outcome is Outcome.REFUSED]
        late = [
            f"  {r.label}: {r.late}"
            + (
                ""
                if r.outcome is Outcome.LATE
                else f" ({r.outcome.value}{', marked late' if r.outcome in APPLIED else ''})"
            )
            for r in self.results
            if r.late
        ]
        superseded = [f"  {r.label}: {r.reason}" for r in self.results if r.outcome is Outcome.SUPERSEDED]
        for title, rows in (("Refused", refused), ("Late", late), ("Superseded", superseded)):
            if rows:
                out.extend([f"{title} rows (respondent id: reason):", *rows])
        return out


class Progress(Protocol):
    """Shows progress through one stage: ``with progress(label, total) as advance: advance(n)``."""

    def __call__(self, label: str, total: int) -> AbstractContextManager[Callable[[int], None]]: ...


@contextmanager
def no_progress(label: str, total: int) -> Iterator[Callable[[int], None]]:
    yield lambda _n: None


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection while a bulk job makes its hundreds of thousands of objects (each
    collection would walk all of them again, and they make no cycles worth collecting meanwhile)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def new_id() -> UUID:
    """A time-ordered id (UUIDv7), so consecutive rows land side by side in every index. It is
    ``uuid_utils``' own UUID, which the GUID columns bind like a standard one, made in a fifth of the time;
    compare ids by ``str`` (it is not equal to a standard UUID of the same value)."""
    return cast(UUID, uuid_utils.uuid7())


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- checking rows (in this process or in worker processes) ---------------------------------------


@dataclass
class Checked:
    """One row, checked: refused, late, or accepted with its clean submission."""

    row: int
    label: str
    outcome: Outcome
    reason: str = ""
    late: str = ""
    respondent_id: str = ""
    content_hash: str = ""
    at: dt.datetime | None = None
    late_reason: str = ""
    clean: CleanSubmission | None = None
    sealed_phone: str = ""
    """The phone number as its column stores it (encrypted by the column's own type)."""
    sealed_declarations: list[tuple[str, str]] = field(default_factory=list)
    """Each declaration's description and organisation, likewise encrypted."""


class RowChecker:
    """The public form's rules (:class:`SubmissionRules`), and the export's own, applied to each row."""

    def __init__(
        self, window: CallWindow, kind: ConflictKind, accept_late: bool, repeated_ids: frozenset[str], key: str
    ) -> None:
        self.window = window
        self.kind = kind
        self.accept_late = accept_late
        self.repeated_ids = repeated_ids
        # Encrypting is the costly part of writing a row, so it is done here, where the work is shared
        # out, by the columns' own types (with the key read once).
        self.seal_phone = _sealer(table_of(Volunteer).c.phone, key)
        self.seal_description = _sealer(table_of(Declaration).c.description, key)
        self.seal_organisation = _sealer(table_of(Declaration).c.organisation, key)
        self.rules = SubmissionRules(window)

    def check(self, responses: Iterable[Response]) -> list[Checked]:
        return [self.check_one(response) for response in responses]

    def check_one(self, response: Response) -> Checked:
        out = Checked(response.row, response.label, Outcome.REFUSED)
        if response.respondent_id in self.repeated_ids:
            out.reason = "Respondent ID: appears more than once in the file"
            return out
        clean, errors = self._rules(response)
        at = response.submitted_at
        if clean is None or at is None:
            out.reason = "; ".join(f"{e.field}: {e.message}" for e in errors)
            return out
        window = self.window
        if at < window.opens_at:
            out.late = f"submitted at {uk_datetime(at)}, before the call opened ({uk_datetime(window.opens_at)})"
            out.late_reason = EARLY_REASON
        elif at >= window.ends_at:
            closed = last_moment(window)
            out.late = f"submitted at {uk_datetime(at)}, after the call closed ({closed})"
            out.late_reason = LATE_REASON
        if out.late and not self.accept_late:
            out.outcome = Outcome.LATE
            return out
        out.outcome = Outcome.IMPORTED  # accepted; what becomes of it is decided against the database
        out.respondent_id, out.content_hash, out.at, out.clean = (
            response.respondent_id,
            response.content_hash,
            at,
            clean,
        )
        out.sealed_phone = self.seal_phone(clean.phone)
        out.sealed_declarations = [
            (self.seal_description(description), self.seal_organisation(organisation))
            for _kind, description, organisation, _projects in clean.declarations
        ]
        return out

    def _rules(self, response: Response) -> tuple[CleanSubmission | None, list[FieldError]]:
        """The row through the public form's rules; a problem found reading the row replaces the rules'
        own complaint about the same field (so "hours: not a number" is said once)."""
        lead = response.willing_to_lead
        choices = [
            ChoiceIn(project=code, rank=rank, role=ChoiceRole.LEAD if lead and rank == 1 else ChoiceRole.MEMBER)
            for rank, code in enumerate(response.ranking, 1)
        ]
        conflicts = []
        if response.conflicts:
            named = [code for code in codes_named(response.conflict_details) if code in self.rules.projects]
            conflicts = [DeclarationIn(kind=self.kind, description=response.conflict_details, projects=named)]
        data = SubmissionIn(
            name=response.name,
            email=response.email,
            phone=response.phone,
            organisation=response.organisation,
            job_title=response.job_title,
            sector=response.sector,
            choices=choices,
            hours_per_month=response.hours or 0,
            confidentiality_accepted=response.confidentiality,
            experience=response.experience,
            no_conflicts=response.conflicts is False,
            conflicts=conflicts,
            credentials=response.credentials,
        )
        read = [FieldError(name, message) for name, message in response.problems]
        self.rules.errors = []  # one set of rules for every row: each check starts clean
        try:
            clean: CleanSubmission | None = self.rules.check(data)
            ruled: list[FieldError] = []
        except InvalidInput as exc:
            clean, ruled = None, exc.errors
        said = {e.field for e in read}
        errors = read + [e for e in ruled if _root(e.field) not in said]
        return (clean if not errors else None), errors


def _sealer(column: Column[Any], key: str) -> Callable[[str], str]:
    """The column's encrypting type, with ``key`` read once (not once per value), as a function."""
    kind = column.type
    assert isinstance(kind, EncryptedString), f"{column} is encrypted at rest"
    sealing = type(kind)(key=key, backend=type(kind.backend), length=kind.length)

    def seal(value: str) -> str:
        return cast(str, sealing.process_bind_param(value, cast(Any, None)))

    return seal


def _root(name: str) -> str:
    """``choices[1].project`` → ``choices``."""
    return name.split("[", 1)[0].split(".", 1)[0]


_WORKER: tuple[ExportReader, RowChecker] | None = None


def _start_worker(source: Path | bytes, mapping: SurveyMapping, checker_args: tuple[Any, ...]) -> None:
    """A worker process reads the export once and keeps it, with the rules, for every chunk it checks."""
    global _WORKER
    gc.disable()
    _WORKER = (ExportReader(source, mapping), RowChecker(*checker_args))


def _check_chunk(start: int, stop: int) -> bytes:
    """Check rows ``start`` to ``stop``; the results travel as MessagePack (far cheaper to read than a pickle)."""
    assert _WORKER is not None, "the worker was started by _start_worker"
    reader, checker = _WORKER
    return _ENCODER.encode(checker.check(reader.responses(start, stop)))


_ENCODER = msgspec.msgpack.Encoder()
_DECODER = msgspec.msgpack.Decoder(list[Checked])


class _Chunks:
    """Checked rows a chunk at a time, in file order: from worker processes for a large export, else here."""

    def __init__(self, reader: ExportReader, checker_args: tuple[Any, ...], workers: int) -> None:
        self.bounds = [(s, min(s + CHECK_CHUNK, reader.count)) for s in range(0, reader.count, CHECK_CHUNK)]
        self.reader = reader
        self.checker_args = checker_args
        self.pool: ProcessPoolExecutor | None = None
        self.futures: dict[int, Future[bytes]] = {}
        if workers > 0 and len(self.bounds) > 1:
            self.pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(reader.source, reader.mapping, checker_args),
            )
            # The first chunk is checked here while the workers start up; they take the rest.
            self.futures = {
                index: self.pool.submit(_check_chunk, start, stop)
                for index, (start, stop) in enumerate(self.bounds)
                if index > 0
            }
        self.checker: RowChecker | None = None

    def __len__(self) -> int:
        return len(self.bounds)

    async def get(self, index: int) -> list[Checked]:
        if index in self.futures:
            future = self.futures[index]
            if future.done() or not future.cancel():
                encoded: bytes = await asyncio.wrap_future(future)
                return _DECODER.decode(encoded)
            # No worker has started this chunk yet (they are still starting, or busy): rather than wait,
            # this process checks it.
        if self.checker is None:
            self.checker = RowChecker(*self.checker_args)
        start, stop = self.bounds[index]
        return self.checker.check(self.reader.responses(start, stop))

    def close(self, *, finished: bool) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=finished, cancel_futures=not finished)


# --- writing ----------------------------------------------------------------------------------------


class _Tracked(NamedTuple):
    """A response imported before."""

    id: UUID
    content_hash: str
    declaration_id: UUID | None


@dataclass
class _Accepted:
    """A row that passed every rule."""

    checked: Checked
    clean: CleanSubmission
    at: dt.datetime
    result: RowResult


@dataclass
class _Batch:
    """Rows for one table: the values that vary per row, in ``columns`` order, and those shared by all."""

    table: Table
    columns: tuple[str, ...]
    constants: dict[str, Any] = field(default_factory=dict)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    sealed: frozenset[str] = frozenset()
    """Columns whose values were already encrypted by their type (see :class:`RowChecker`)."""


@dataclass
class _Writes:
    """Everything one chunk of rows writes, gathered before any of it is written."""

    now: dt.datetime
    volunteers: _Batch = field(init=False)
    steps: _Batch = field(init=False)
    expressions: _Batch = field(init=False)
    choices: _Batch = field(init=False)
    declarations: _Batch = field(init=False)
    declaration_projects: _Batch = field(init=False)
    tracked: _Batch = field(init=False)
    volunteer_updates: list[dict[str, Any]] = field(default_factory=list)
    expression_updates: list[dict[str, Any]] = field(default_factory=list)
    tracked_updates: list[dict[str, Any]] = field(default_factory=list)
    replaced_choices_of: list[UUID] = field(default_factory=list)
    withdrawn_declarations: list[UUID] = field(default_factory=list)

    def __post_init__(self) -> None:
        stamps = {"created_at": self.now, "updated_at": self.now}
        self.volunteers = _Batch(
            table_of(Volunteer),
            ("id", "email", *PERSON_DETAILS),
            {"identity": Identity.SUBMITTED, **stamps},
            sealed=frozenset({"phone"}),
        )
        self.steps = _Batch(
            table_of(IdentityStep),
            ("id", "volunteer_id"),
            {"step": Identity.SUBMITTED, "by_id": None, "by": "the person", "how": IMPORTED_HOW, **stamps},
        )
        self.expressions = _Batch(
            table_of(Expression),
            ("id", "volunteer_id", *EXPRESSION),
            {"status": ExpressionStatus.AWAITING_CONFIRMATION, **stamps},
        )
        self.choices = _Batch(table_of(Choice), ("id", "expression_id", "project_id", "rank", "role"), dict(stamps))
        self.declarations = _Batch(
            table_of(Declaration),
            ("id", "volunteer_id", "kind", "description", "organisation"),
            {"state": ReviewState.PENDING, **stamps},
            sealed=frozenset({"description", "organisation"}),
        )
        self.declaration_projects = _Batch(declaration_project, ("declaration_id", "project_id"))
        self.tracked = _Batch(
            table_of(ImportedResponse),
            ("id", "source", "respondent_id", "content_hash", "volunteer_id", "declaration_id"),
            dict(stamps),
        )


def _encryption_key() -> str:
    """The key the personal-data columns encrypt with (they all share it)."""
    key = cast(EncryptedString, table_of(Volunteer).c.phone.type).key
    return str(key() if callable(key) else key)


class _BulkInsert:
    """``INSERT`` many rows with one executemany per batch, each value bound by its column's own type.

    The statement is compiled by SQLAlchemy for the connection's dialect, and every value goes through
    its column type's bind processor — so phone numbers and declarations are encrypted by their
    ``EncryptedString``/``EncryptedText`` columns, ids and times stored exactly as the models store
    them — but a value shared by every row is processed once, and no per-row dictionaries or ORM
    objects are made. Should the table need anything this does not supply (a column added later with
    a Python default), it falls back to SQLAlchemy's own executemany.

    Each statement runs while the next batch's values are prepared: :meth:`settle` waits for it, and
    must be awaited before the connection is used for anything else.
    """

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection
        self.dialect = connection.dialect
        self.pending: asyncio.Future[Any] | None = None
        self.prepared: dict[tuple[str, tuple[str, ...]], tuple[str, list[Any], list[str]] | None] = {}
        self.copier: Any = None
        """On PostgreSQL, the asyncpg connection: rows go in with ``COPY``, not one ``INSERT`` each."""

    async def settle(self) -> None:
        if self.pending is not None:
            pending, self.pending = self.pending, None
            await pending

    async def drain(self) -> None:
        """After a failure elsewhere: wait for a statement still running (its own outcome no longer
        matters), so the connection is free for the rollback."""
        if self.pending is not None:
            pending, self.pending = self.pending, None
            with contextlib.suppress(Exception):
                await pending

    async def _run(self, statement: Awaitable[Any]) -> None:
        await self.settle()
        self.pending = asyncio.ensure_future(statement)
        await asyncio.sleep(0)  # let it reach the database before the next batch is prepared

    def _processor(self, column: Column[Any], sealed: bool) -> Callable[[Any], Any] | None:
        kind = column.type
        if sealed and isinstance(kind, TypeDecorator):
            # Already through the type's own ``process_bind_param``: only what its storage type adds.
            inner: Callable[[Any], Any] | None = kind.load_dialect_impl(self.dialect).bind_processor(self.dialect)
            return inner
        processor: Callable[[Any], Any] | None = kind.dialect_impl(self.dialect).bind_processor(self.dialect)
        return processor

    def _prepare(self, batch: _Batch) -> tuple[str, list[Any], list[str]] | None:
        """The compiled statement and, for each of its parameters, where its value comes from: a column
        of the rows, a value shared by all of them, or (for a column the import does not set) the
        column's own Python default. ``None`` when SQLAlchemy must do it (a default needing more)."""
        key = (batch.table.name, batch.columns + tuple(batch.constants))
        if key not in self.prepared:
            names = [*batch.columns, *batch.constants]
            compiled = insert(batch.table).compile(dialect=self.dialect, column_keys=names)
            position = {name: i for i, name in enumerate(batch.columns)}
            plan: list[tuple[str, Any, Callable[[Any], Any] | None]] = []
            for name in compiled.positiontup or ():
                column = batch.table.c[name]
                processor = self._processor(column, name in batch.sealed)
                default = cast(Any, column.default)  # a ColumnDefault when it is scalar or callable
                if name in position:
                    plan.append(("row", position[name], processor))
                elif name in batch.constants:
                    value = batch.constants[name]
                    plan.append(("shared", processor(value) if processor is not None else value, None))
                elif default is not None and default.is_scalar:
                    plan.append(("shared", processor(default.arg) if processor is not None else default.arg, None))
                elif default is not None and default.is_callable:
                    plan.append(("default", default.arg, processor))
                else:
                    break
            else:
                columns = [batch.table.c[name].name for name in compiled.positiontup or ()]
                self.prepared[key] = (compiled.string, plan, columns)
                return self.prepared[key]
            self.prepared[key] = None
        return self.prepared[key]

    async def insert(self, batch: _Batch) -> None:
        if not batch.rows:
            return
        prepared = self._prepare(batch)
        if prepared is None:
            await self._insert_with_defaults(batch)
            return
        sql, plan, names = prepared
        if self.dialect.name == "postgresql" and self.copier is None:
            self.copier = (await self.connection.get_raw_connection()).driver_connection
        for chunk in _chunks(batch.rows, WRITE_BATCH):
            # Column by column, each value through its column type's processor, as SQLAlchemy binds them.
            columns = list(zip(*chunk, strict=True))
            size = len(chunk)
            bound: list[Iterable[Any]] = []
            for kind, source, how in plan:
                if kind == "shared":
                    bound.append(repeat(source, size))
                elif kind == "row":
                    bound.append(columns[source] if how is None else map(how, columns[source]))
                else:
                    made = [source(None) for _ in range(size)]  # SQLAlchemy's wrapped defaults take a context
                    bound.append(made if how is None else map(how, made))
            rows = list(zip(*bound, strict=True))
            if self.copier is not None:
                # Within the transaction, like any statement; each row is checked by its constraints
                # and triggers as an INSERT's would be, without a statement executed per row.
                await self._run(self.copier.copy_records_to_table(batch.table.name, records=rows, columns=names))
            else:
                await self._run(self.connection.exec_driver_sql(sql, rows))

    async def _insert_with_defaults(self, batch: _Batch) -> None:
        if batch.sealed:
            raise RuntimeError(f"{batch.table.name} needs values the import does not supply")
        for chunk in _chunks(batch.rows, WRITE_BATCH):
            rows = [{**dict(zip(batch.columns, row, strict=True)), **batch.constants} for row in chunk]
            await self._run(self.connection.execute(insert(batch.table), rows))


# --- the import ----------------------------------------------------------------------------------


class SurveyImporter:
    """Imports one SurveyMonkey export into one call, in the caller's transaction (commit = all of it)."""

    def __init__(
        self,
        session: AsyncSession,
        settings: Settings,
        progress: Progress = no_progress,
        *,
        workers: int | None = None,
    ) -> None:
        self.session = session
        self.settings = settings
        self.progress = progress
        self.workers = workers
        self.now = dt.datetime.now(dt.UTC)
        self.confirm: list[tuple[UUID, UUID]] = []
        """``(volunteer id, expression id)`` of people at ``submitted`` whose expression this import wrote."""

    async def run(
        self,
        reader: ExportReader,
        *,
        call_id: UUID | None = None,
        accept_late: bool = False,
        send_confirmations: bool = False,
    ) -> ImportReport:
        with paused_gc():
            await immediate_transaction(self.session)
            if dialect_of(self.session) == "postgresql":
                # The look-ups run hundreds of times as prepared statements while their tables grow from
                # nothing: a generic plan made early (a sequential scan of an empty table) would be kept
                # and make the import quadratic. Plan each execution for the table as it is now.
                await self.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
            call = await self._call(call_id)
            self.bulk = _BulkInsert(await self.session.connection())
            try:
                results = await self._import(reader, call, accept_late)
            except BaseException:
                await self.bulk.drain()
                raise
            await self.bulk.settle()
        report = ImportReport(survey=reader.survey, call=call.name, results=sorted(results, key=lambda r: r.row))
        if send_confirmations and self.confirm:
            report.confirmations = await self._send_confirmations(call)
        await audit.record(
            self.session,
            SYSTEM,
            "interest.imported",
            subject_type="call",
            subject_id=call.id,
            summary=(
                f"SurveyMonkey import ({reader.survey}): {report.count(Outcome.IMPORTED)} imported, "
                f"{report.count(Outcome.MERGED)} merged, {report.count(Outcome.UPDATED)} updated, "
                f"{report.count(Outcome.LATE)} late, {report.count(Outcome.REFUSED)} refused, "
                f"{report.count(Outcome.SKIPPED)} skipped"
            ),
            changes={"rows": len(results), **report.counts(), "confirmations": report.confirmations},
        )
        return report

    async def _call(self, call_id: UUID | None) -> Call:
        calls = CallService(session=self.session)
        call = await calls.get_one_or_none(Call.id == call_id) if call_id is not None else await calls.latest()
        if call is None:
            raise ExportError(f"There is no call with id {call_id}" if call_id else "There is no call to import into")
        return call

    def _worker_count(self, rows: int) -> int:
        """Worker processes to check rows while this one writes: one per spare processor, up to two."""
        if self.workers is not None:
            return self.workers
        return max(1, min(2, (os.cpu_count() or 1) - 1)) if rows >= PARALLEL_FROM else 0

    async def _import(self, reader: ExportReader, call: Call, accept_late: bool) -> list[RowResult]:
        projects = await project_codes(self.session)
        repeated = frozenset(i for i, n in Counter(reader.respondent_ids()).items() if i and n > 1)
        shared = {address for address, n in Counter(reader.addresses()).items() if n > 1}
        checker_args = (
            CallWindow.of(call, projects),
            ConflictKind(reader.mapping.conflict_kind),
            accept_late,
            repeated,
            _encryption_key(),
        )
        results: list[RowResult] = []
        held_back: list[_Accepted] = []
        chunks = _Chunks(reader, checker_args, self._worker_count(reader.count))
        try:
            with self.progress("Importing rows", reader.count) as advance:
                for index in range(len(chunks)):
                    ready: list[_Accepted] = []
                    for checked in await chunks.get(index):
                        result = RowResult(checked.row, checked.label, checked.outcome, checked.reason, checked.late)
                        results.append(result)
                        if checked.clean is not None and checked.at is not None:
                            row = _Accepted(checked, checked.clean, checked.at, result)
                            # Rows whose address comes again in the file wait until every row is checked.
                            (held_back if checked.clean.email in shared else ready).append(row)
                    await self._apply(reader, call, ready)
                    start, stop = chunks.bounds[index]
                    advance(stop - start)
                await self._apply(reader, call, self._one_per_address(held_back))
        except BaseException:
            chunks.close(finished=False)
            raise
        chunks.close(finished=True)
        return results

    @staticmethod
    def _one_per_address(accepted: list[_Accepted]) -> list[_Accepted]:
        """One row per address (any case): the latest answer, and of answers at the same moment the last."""
        latest: dict[str, _Accepted] = {}
        for row in accepted:
            held = latest.get(row.clean.email)
            if held is None or (row.at, row.checked.row) > (held.at, held.checked.row):
                latest[row.clean.email] = row
        for row in accepted:
            winner = latest[row.clean.email]
            if winner is not row:
                row.result.outcome = Outcome.SUPERSEDED
                row.result.reason = f"a later answer from the same address ({winner.checked.label}) replaces it"
        return list(latest.values())

    # --- one chunk of accepted rows, against the database ---------------------------------------------

    async def _apply(self, reader: ExportReader, call: Call, rows: list[_Accepted]) -> None:
        if not rows:
            return
        await self.bulk.settle()
        tracked = await self._tracked(reader.survey, [r.checked.respondent_id for r in rows])
        fresh: list[tuple[_Accepted, _Tracked | None]] = []
        for row in rows:
            known = tracked.get(row.checked.respondent_id)
            if known is not None and known.content_hash == row.checked.content_hash:
                row.result.outcome, row.result.reason = Outcome.SKIPPED, "already imported, unchanged"
            else:
                fresh.append((row, known))
        people = await self._people([row.clean.email for row, _ in fresh])
        held_ids = [p[0] for p in people.values()]
        expressions = await self._expressions(call, held_ids)
        held_texts = await self._declaration_texts(held_ids)
        writes = _Writes(self.now)
        for row, known in fresh:
            self._plan(writes, reader, call, row, known, people, expressions, held_texts)
        await self._write(writes)

    def _plan(
        self,
        writes: _Writes,
        reader: ExportReader,
        call: Call,
        row: _Accepted,
        known: _Tracked | None,
        people: dict[str, tuple[UUID, Identity]],
        expressions: dict[UUID, tuple[UUID, dt.datetime]],
        held_texts: set[tuple[UUID, str]],
    ) -> None:
        clean, checked = row.clean, row.checked
        person = people.get(clean.email)
        expression = expressions.get(person[0]) if person is not None else None
        if expression is not None and expression[1] > row.at:
            row.result.outcome = Outcome.SUPERSEDED
            row.result.reason = "a later submission for this call is already recorded for this address"
            return
        details = (clean.name, clean.phone, clean.organisation, clean.job_title, clean.sector, clean.hours_per_month)
        if person is None:
            volunteer_id, identity = new_id(), Identity.SUBMITTED
            sealed = (clean.name, checked.sealed_phone, *details[2:])
            writes.volunteers.rows.append((volunteer_id, clean.email, *sealed))
            writes.steps.rows.append((new_id(), volunteer_id))
            row.result.outcome = Outcome.IMPORTED
        else:
            volunteer_id, identity = person
            writes.volunteer_updates.append(
                {"id": volunteer_id, **dict(zip(PERSON_DETAILS, details, strict=True)), "updated_at": self.now}
            )
            row.result.outcome = Outcome.MERGED
        values = (
            clean.hours_per_month,
            clean.experience,
            clean.credentials,
            clean.no_conflicts,
            reader.mapping.statement_version,
            row.at,
            row.at,
            bool(checked.late_reason),
            checked.late_reason,
            SOURCE,
            call.id,
        )
        if expression is None:
            expression_id = new_id()
            writes.expressions.rows.append((expression_id, volunteer_id, *values))
        else:
            expression_id = expression[0]
            writes.expression_updates.append(
                {"id": expression_id, **dict(zip(EXPRESSION, values, strict=True)), "updated_at": self.now}
            )
            writes.replaced_choices_of.append(expression_id)
        writes.choices.rows.extend(
            (new_id(), expression_id, project_id, rank, role) for project_id, rank, role in clean.choices
        )
        declaration_id = None
        for (kind, description, _organisation, project_ids), (sealed_description, sealed_organisation) in zip(
            clean.declarations, checked.sealed_declarations, strict=True
        ):
            if (volunteer_id, description) in held_texts:
                continue  # the person already declared these very words
            held_texts.add((volunteer_id, description))
            declaration_id = new_id()
            writes.declarations.rows.append(
                (declaration_id, volunteer_id, kind, sealed_description, sealed_organisation)
            )
            writes.declaration_projects.rows.extend((declaration_id, p) for p in project_ids)
        if known is None:
            writes.tracked.rows.append(
                (new_id(), reader.survey, checked.respondent_id, checked.content_hash, volunteer_id, declaration_id)
            )
        else:
            row.result.outcome = Outcome.UPDATED
            if known.declaration_id is not None:
                writes.withdrawn_declarations.append(known.declaration_id)
            writes.tracked_updates.append(
                {
                    "id": known.id,
                    "content_hash": checked.content_hash,
                    "volunteer_id": volunteer_id,
                    "declaration_id": declaration_id,
                    "updated_at": self.now,
                }
            )
        if identity is Identity.SUBMITTED:
            self.confirm.append((volunteer_id, expression_id))

    # --- looking things up in batches -----------------------------------------------------------

    async def _tracked(self, survey: str, respondent_ids: Sequence[str]) -> dict[str, _Tracked]:
        found: dict[str, _Tracked] = {}
        for chunk in _chunks(respondent_ids, LOOKUP_BATCH):
            rows = await self.session.execute(
                select(
                    ImportedResponse.respondent_id,
                    ImportedResponse.id,
                    ImportedResponse.content_hash,
                    ImportedResponse.declaration_id,
                ).where(ImportedResponse.source == survey, ImportedResponse.respondent_id.in_(chunk))
            )
            found.update(
                (respondent_id, _Tracked(tracked_id, content_hash, declaration_id))
                for respondent_id, tracked_id, content_hash, declaration_id in rows
            )
        return found

    async def _people(self, emails: Sequence[str]) -> dict[str, tuple[UUID, Identity]]:
        found: dict[str, tuple[UUID, Identity]] = {}
        for chunk in _chunks(emails, LOOKUP_BATCH):
            rows = await self.session.execute(
                select(Volunteer.email, Volunteer.id, Volunteer.identity).where(Volunteer.email.in_(chunk))
            )
            found.update((email, (volunteer_id, identity)) for email, volunteer_id, identity in rows)
        return found

    async def _expressions(self, call: Call, volunteer_ids: Sequence[UUID]) -> dict[UUID, tuple[UUID, dt.datetime]]:
        found: dict[UUID, tuple[UUID, dt.datetime]] = {}
        for chunk in _chunks(volunteer_ids, LOOKUP_BATCH):
            rows = await self.session.execute(
                select(Expression.volunteer_id, Expression.id, Expression.submitted_at).where(
                    Expression.call_id == call.id, Expression.volunteer_id.in_(chunk)
                )
            )
            found.update((volunteer_id, (expression_id, at)) for volunteer_id, expression_id, at in rows)
        return found

    async def _declaration_texts(self, volunteer_ids: Sequence[UUID]) -> set[tuple[UUID, str]]:
        """What the people already held have declared (decrypted: only for the people being merged)."""
        found: set[tuple[UUID, str]] = set()
        for chunk in _chunks(volunteer_ids, LOOKUP_BATCH):
            rows = await self.session.execute(
                select(Declaration.volunteer_id, Declaration.description).where(Declaration.volunteer_id.in_(chunk))
            )
            found.update((volunteer_id, text.strip()) for volunteer_id, text in rows)
        return found

    # --- writing in bulk ------------------------------------------------------------------------

    async def _write(self, writes: _Writes) -> None:
        """Everything for one chunk, parents before children; the last statement may still be running."""
        bulk = self.bulk
        if writes.withdrawn_declarations:
            await self.session.execute(
                delete(Declaration).where(
                    Declaration.id.in_(writes.withdrawn_declarations), Declaration.state == ReviewState.PENDING
                )
            )
        for chunk in _chunks(writes.replaced_choices_of, LOOKUP_BATCH):
            await self.session.execute(delete(Choice).where(Choice.expression_id.in_(chunk)))
        await self._update(Volunteer, writes.volunteer_updates)
        await self._update(Expression, writes.expression_updates)
        await bulk.insert(writes.volunteers)
        await bulk.insert(writes.steps)
        await bulk.insert(writes.expressions)
        await bulk.insert(writes.choices)
        await bulk.insert(writes.declarations)
        await bulk.insert(writes.declaration_projects)
        await bulk.insert(writes.tracked)
        if writes.tracked_updates:
            await bulk.settle()  # they name declarations inserted just now
            await self._update(ImportedResponse, writes.tracked_updates)

    async def _update(self, model: Any, rows: list[dict[str, Any]]) -> None:
        """ORM bulk UPDATE by primary key (people and expressions already held): one executemany per batch."""
        for chunk in _chunks(rows, WRITE_BATCH):
            await self.session.execute(update(model), list(chunk))

    async def _send_confirmations(self, call: Call) -> int:
        """E-mail each imported person at ``submitted`` the link that confirms their expression."""
        expression_of = {str(volunteer_id): UUID(str(expression_id)) for volunteer_id, expression_id in self.confirm}
        service = InterestService(session=self.session)
        sent = 0
        with self.progress("Queuing confirmation e-mails", len(expression_of)) as advance:
            for chunk in _chunks([UUID(v) for v in expression_of], LOOKUP_BATCH):
                people = await self.session.scalars(select(Volunteer).where(Volunteer.id.in_(chunk)))
                for person in people:
                    expression_id = expression_of[str(person.id)]
                    await send_confirmation_link(service, person, call, expression_id, self.settings)
                    sent += 1
                advance(len(chunk))
        await self.session.flush()
        return sent
