"""Importing SurveyMonkey exports: the office's existing intake, brought in without retyping
(DESIGN.md, "SurveyMonkey import", "One person, one record").

Every row is read (:mod:`~stepchange.interest.surveymonkey`) and checked
(:mod:`~stepchange.interest.import_checks`) as a public submission would be, plus what only an export can
get wrong. Then, in the caller's one transaction:

- rows outside the call's window are reported as late, and imported (marked late) only when asked;
- one person, one record: rows are matched by address in any letter case and the latest answer in
  the file wins; an address already held is merged directly (an import is the office's own work: no
  held copy) — that person's details are updated and that call's choices replaced — unless a later
  submission for the call is already recorded, which then stands;
- a row is imported whole or not at all: each row is checked completely before any of it is written,
  and rows are written with bulk inserts (no per-row ORM objects or queries; people's records through
  :class:`~stepchange.people.services.PeopleBatch`);
- re-importing changes nothing: each imported response is remembered by survey and respondent id
  with the SHA-256 of the row; the same row again is skipped, an edited row is applied again.

Large exports are checked by worker processes, a chunk at a time, while the rows already checked are
being written: the rules are pure Python, and the database writes one statement at a time.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast
from uuid import UUID

from advanced_alchemy.types import EncryptedString
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core import audit, clock
from stepchange.core.audit import SYSTEM
from stepchange.core.bulk_load import bulk_load
from stepchange.core.database import immediate_transaction, planned_afresh, table_of
from stepchange.core.settings import Settings
from stepchange.ethics.models import ConflictKind, Declaration, ReviewState
from stepchange.interest.bulk_insert import WRITE_BATCH, BulkInsert, chunks
from stepchange.interest.calls import CallService, CallWindow, project_codes
from stepchange.interest.current_call import current_call
from stepchange.interest.import_checks import CheckedChunks
from stepchange.interest.import_prior import Prior, prior_holdings
from stepchange.interest.import_report import ImportReport, Outcome, Progress, RowResult, no_progress
from stepchange.interest.import_writes import AcceptedRow, ChunkWrites, Held, Tracked
from stepchange.interest.models import Call, Choice, Expression, ImportedResponse
from stepchange.interest.services import InterestService, send_confirmation_link
from stepchange.interest.survey_mapping import ExportError
from stepchange.interest.surveymonkey import ExportReader
from stepchange.people.models import IdentityStep, Volunteer
from stepchange.people.services import PeopleBatch, PeopleService

__all__ = ("ImportReport", "Outcome", "Progress", "RowResult", "SurveyImporter", "no_progress")

IMPORTED_HOW = "imported from SurveyMonkey"
PARALLEL_FROM = 20_000
"""Exports with at least this many rows are checked by worker processes."""
LOOKUP_BATCH = 500
DEFER_INDEXES_FROM = 20_000
"""Exports with at least this many rows may have the tables' plain indexes built after the load."""
LOADED = tuple(table_of(model) for model in (Volunteer, IdentityStep, Expression, Choice, ImportedResponse))
"""The tables an import fills in bulk; declarations are few and their look-up reads through their index."""


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


def _encryption_key() -> str:
    """The key the personal-data columns encrypt with (they all share it)."""
    key = cast(EncryptedString, table_of(Volunteer).c.phone.type).key
    return str(key() if callable(key) else key)


# --- the import ----------------------------------------------------------------------------------


class SurveyImporter:
    """Imports one SurveyMonkey export into one call, in the caller's transaction (commit = all of it)."""

    prior: Prior
    """What the database held of the file's addresses and respondent ids when the import began."""

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
        self.now = clock.now()
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
            call = await self._call(call_id)
            connection = await self.session.connection()
            self.bulk = BulkInsert(connection)
            async with bulk_load(connection, LOADED, defer_indexes=await self._defer_indexes(reader.count)):
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
        if call_id is None:  # the current call: the open one, else the one that closed last; never one to come
            call = await current_call(self.session)
        else:
            call = await CallService(session=self.session).get_one_or_none(Call.id == call_id)
        if call is None:
            raise ExportError(f"There is no call with id {call_id}" if call_id else "There is no call to import into")
        return call

    async def _defer_indexes(self, rows: int) -> bool:
        """Build the plain indexes after the load when it is large and at least doubles the people held:
        then one build over all the rows costs less than keeping each index up to date row by row."""
        if rows < DEFER_INDEXES_FROM:
            return False
        held = await self.session.scalar(select(func.count()).select_from(Volunteer))
        return rows >= (held or 0)

    def _worker_count(self, rows: int) -> int:
        """Worker processes to check rows while this one writes: one per spare processor, up to two."""
        if self.workers is not None:
            return self.workers
        return max(1, min(2, (os.cpu_count() or 1) - 1)) if rows >= PARALLEL_FROM else 0

    async def _import(self, reader: ExportReader, call: Call, accept_late: bool) -> list[RowResult]:
        projects = await project_codes(self.session)
        addresses, respondent_ids = reader.addresses(), reader.respondent_ids()
        repeated = frozenset(i for i, n in Counter(respondent_ids).items() if i and n > 1)
        shared = {address for address, n in Counter(addresses).items() if n > 1}
        checker_args = (
            CallWindow.of(call, projects),
            ConflictKind(reader.mapping.conflict_kind),
            accept_late,
            repeated,
            _encryption_key(),
        )
        results: list[RowResult] = []
        held_back: list[AcceptedRow] = []
        checked_chunks = CheckedChunks(reader, checker_args, self._worker_count(reader.count))
        try:
            # While the workers start: what the database holds of the file, once for all the chunks.
            connection = await self.session.connection()
            self.prior = await prior_holdings(connection, self.bulk, reader.survey, addresses, respondent_ids)
            with self.progress("Importing rows", reader.count) as advance:
                for index in range(len(checked_chunks)):
                    ready: list[AcceptedRow] = []
                    for checked in await checked_chunks.get(index):
                        result = RowResult(checked.row, checked.label, checked.outcome, checked.reason, checked.late)
                        results.append(result)
                        if checked.clean is not None and checked.at is not None:
                            row = AcceptedRow(checked, checked.clean, checked.at, result)
                            # Rows whose address comes again in the file wait until every row is checked.
                            (held_back if checked.clean.email in shared else ready).append(row)
                    await self._apply(reader, call, ready)
                    start, stop = checked_chunks.bounds[index]
                    advance(stop - start)
                await self._apply(reader, call, self._one_per_address(held_back))
        except BaseException:
            checked_chunks.close(finished=False)
            raise
        checked_chunks.close(finished=True)
        return results

    @staticmethod
    def _one_per_address(accepted: list[AcceptedRow]) -> list[AcceptedRow]:
        """One row per address (any case): the latest answer, and of answers at the same moment the last."""
        latest: dict[str, AcceptedRow] = {}
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

    async def _apply(self, reader: ExportReader, call: Call, rows: list[AcceptedRow]) -> None:
        if not rows:
            return
        await self.bulk.settle()
        fresh, held = await self._look_up(reader, call, rows)
        why = f"Imported from SurveyMonkey ({reader.survey}) into {call.name}"
        writes = ChunkWrites(
            self.now,
            reader.survey,
            reader.mapping.statement_version,
            call.id,
            PeopleBatch(self.now, SYSTEM, how=IMPORTED_HOW, why=why),
            held,
        )
        for row, known in fresh:
            writes.plan(row, known)
        self.confirm.extend(writes.confirm)
        await self._write(writes)

    # --- looking things up in batches -----------------------------------------------------------

    async def _look_up(
        self, reader: ExportReader, call: Call, rows: list[AcceptedRow]
    ) -> tuple[list[tuple[AcceptedRow, Tracked | None]], Held]:
        """The rows not imported before unchanged (each with its earlier import, if any), and what the
        database already holds for them. Only what :attr:`prior` says may be held is looked up (on a first
        load, nothing)."""
        prior = self.prior
        respondent_ids = [r.checked.respondent_id for r in rows if prior.may_have_imported(r.checked.respondent_id)]
        async with planned_afresh(self.session, needed=bool(respondent_ids)):
            tracked = await self._tracked(reader.survey, respondent_ids)
        fresh: list[tuple[AcceptedRow, Tracked | None]] = []
        for row in rows:
            known = tracked.get(row.checked.respondent_id)
            if known is not None and known.content_hash == row.checked.content_hash:
                row.result.outcome, row.result.reason = Outcome.SKIPPED, "already imported, unchanged"
            else:
                fresh.append((row, known))
        addresses = [row.clean.email for row, _ in fresh if prior.may_hold_person(row.clean.email)]
        async with planned_afresh(self.session, needed=bool(addresses)):
            people = await PeopleService(session=self.session).held(addresses)
            held_ids = [p.id for p in people.values()]
            held = Held(people, await self._expressions(call, held_ids), await self._declaration_texts(held_ids))
        return fresh, held

    async def _tracked(self, survey: str, respondent_ids: Sequence[str]) -> dict[str, Tracked]:
        found: dict[str, Tracked] = {}
        for chunk in chunks(respondent_ids, LOOKUP_BATCH):
            rows = await self.session.execute(
                select(
                    ImportedResponse.respondent_id,
                    ImportedResponse.id,
                    ImportedResponse.content_hash,
                    ImportedResponse.declaration_id,
                ).where(ImportedResponse.source == survey, ImportedResponse.respondent_id.in_(chunk))
            )
            found.update(
                (respondent_id, Tracked(tracked_id, content_hash, declaration_id))
                for respondent_id, tracked_id, content_hash, declaration_id in rows
            )
        return found

    async def _expressions(self, call: Call, volunteer_ids: Sequence[UUID]) -> dict[UUID, tuple[UUID, dt.datetime]]:
        found: dict[UUID, tuple[UUID, dt.datetime]] = {}
        for chunk in chunks(volunteer_ids, LOOKUP_BATCH):
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
        for chunk in chunks(volunteer_ids, LOOKUP_BATCH):
            rows = await self.session.execute(
                select(Declaration.volunteer_id, Declaration.description).where(Declaration.volunteer_id.in_(chunk))
            )
            found.update((volunteer_id, text.strip()) for volunteer_id, text in rows)
        return found

    # --- writing in bulk ------------------------------------------------------------------------

    async def _write(self, writes: ChunkWrites) -> None:
        """Everything for one chunk, parents before children; the last statement may still be running."""
        bulk = self.bulk
        if writes.withdrawn_declarations:
            await self.session.execute(
                delete(Declaration).where(
                    Declaration.id.in_(writes.withdrawn_declarations), Declaration.state == ReviewState.PENDING
                )
            )
        for chunk in chunks(writes.replaced_choices_of, LOOKUP_BATCH):
            await self.session.execute(delete(Choice).where(Choice.expression_id.in_(chunk)))
        await self._update(Expression, writes.expression_updates)
        # Statements through the session first: the bulk writer's may still be running after it returns.
        await PeopleService(session=self.session).write_batch(writes.people, bulk.insert)
        await bulk.insert(writes.expressions)
        await bulk.insert(writes.choices)
        await bulk.insert(writes.declarations)
        await bulk.insert(writes.declaration_projects)
        await bulk.insert(writes.tracked)
        if writes.tracked_updates:
            await bulk.settle()  # they name declarations inserted just now
            await self._update(ImportedResponse, writes.tracked_updates)

    async def _update(self, model: Any, rows: list[dict[str, Any]]) -> None:
        """ORM bulk UPDATE by primary key (expressions and responses already held): one executemany per batch."""
        for chunk in chunks(rows, WRITE_BATCH):
            await self.session.execute(update(model), list(chunk))

    async def _send_confirmations(self, call: Call) -> int:
        """E-mail each imported person at ``submitted`` the link that confirms their expression."""
        expression_of = {str(volunteer_id): UUID(str(expression_id)) for volunteer_id, expression_id in self.confirm}
        service = InterestService(session=self.session)
        sent = 0
        with self.progress("Queuing confirmation e-mails", len(expression_of)) as advance:
            for chunk in chunks([UUID(v) for v in expression_of], LOOKUP_BATCH):
                people = await self.session.scalars(select(Volunteer).where(Volunteer.id.in_(chunk)))
                for person in people:
                    expression_id = expression_of[str(person.id)]
                    await send_confirmation_link(service, person, call, expression_id, self.settings)
                    sent += 1
                advance(len(chunk))
        await self.session.flush()
        return sent
