"""Importing SurveyMonkey exports: the office's existing intake, brought in without retyping
(DESIGN.md, "SurveyMonkey import", "One person, one record").

Every row passes the same rules as a public submission (:class:`SubmissionRules`) plus what only an
export can get wrong (an unreadable timestamp, hours that are not a number, a rank that is not a
number, a respondent id missing or repeated). Then, in one transaction:

- rows outside the call's window are reported as late, and imported (marked late) only when asked;
- one person, one record: rows are matched by address in any letter case, the latest answer wins;
  an address already held is merged directly (the office imports: no held copy, no confirmation
  needed to merge) — the person's details are updated and that call's choices replaced — unless a
  later submission for the call is already recorded, which then stands;
- a row is imported whole or not at all: every row is checked before anything is written, and
  everything is written with bulk inserts (no per-row ORM objects or queries);
- re-importing changes nothing: each imported response is remembered by survey and respondent id
  with the SHA-256 of the row; the same row again is skipped, an edited row is applied again.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar
from uuid import UUID

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7 as new_id

from stepchange.core import audit
from stepchange.core.audit import SYSTEM
from stepchange.core.database import immediate_transaction
from stepchange.core.errors import FieldError, InvalidInput
from stepchange.core.settings import Settings
from stepchange.core.templating import uk_datetime
from stepchange.interest.models import (
    Call,
    Choice,
    ChoiceRole,
    ConflictKind,
    Declaration,
    Expression,
    ExpressionStatus,
    Identity,
    IdentityStep,
    ImportedResponse,
    ReviewState,
    Volunteer,
    declaration_project,
)
from stepchange.interest.schemas import ChoiceIn, DeclarationIn, SubmissionIn
from stepchange.interest.services import (
    CallService,
    CleanSubmission,
    InterestService,
    SubmissionRules,
    last_moment,
    send_confirmation_link,
)
from stepchange.interest.surveymonkey import ExportError, Response, SurveyExport, codes_named
from stepchange.projects.models import Project

__all__ = ("ImportReport", "Outcome", "Progress", "RowResult", "SurveyImporter", "no_progress")

SOURCE = "surveymonkey"
"""``Expression.source`` for imported expressions."""
LATE_REASON = "imported after the closing date"
EARLY_REASON = "imported from before the call opened"
IMPORTED_HOW = "imported from SurveyMonkey"
WRITE_BATCH = 2_000
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
        return any(r.outcome in (Outcome.IMPORTED, Outcome.MERGED, Outcome.UPDATED) for r in self.results)

    def lines(self) -> list[str]:
        applied = (Outcome.IMPORTED, Outcome.MERGED, Outcome.UPDATED)
        late_applied = sum(1 for r in self.results if r.late and r.outcome in applied)
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
                else f" ({r.outcome.value}{', marked late' if r.outcome in applied else ''})"
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


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class _Accepted:
    """A row that passed every rule."""

    response: Response
    clean: CleanSubmission
    at: dt.datetime
    late_reason: str
    result: RowResult


@dataclass
class _Writes:
    """Everything one import writes, gathered before anything is written."""

    volunteers: list[dict[str, Any]] = field(default_factory=list)
    volunteer_updates: list[dict[str, Any]] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    expressions: list[dict[str, Any]] = field(default_factory=list)
    expression_updates: list[dict[str, Any]] = field(default_factory=list)
    replaced_choices_of: list[UUID] = field(default_factory=list)
    choices: list[dict[str, Any]] = field(default_factory=list)
    declarations: list[dict[str, Any]] = field(default_factory=list)
    declaration_projects: list[dict[str, Any]] = field(default_factory=list)
    withdrawn_declarations: list[UUID] = field(default_factory=list)
    tracked: list[dict[str, Any]] = field(default_factory=list)
    tracked_updates: list[dict[str, Any]] = field(default_factory=list)
    confirm: list[tuple[UUID, UUID]] = field(default_factory=list)
    """``(volunteer id, expression id)`` of people at ``submitted`` whose expression this import wrote."""

    @property
    def total(self) -> int:
        return sum(
            len(rows)
            for rows in (
                self.volunteers,
                self.volunteer_updates,
                self.steps,
                self.expressions,
                self.expression_updates,
                self.choices,
                self.declarations,
                self.declaration_projects,
                self.tracked,
                self.tracked_updates,
            )
        )


class SurveyImporter:
    """Imports one SurveyMonkey export into one call, in the caller's transaction (commit = all of it)."""

    def __init__(self, session: AsyncSession, settings: Settings, progress: Progress = no_progress) -> None:
        self.session = session
        self.settings = settings
        self.progress = progress

    async def run(
        self,
        export: SurveyExport,
        *,
        call_id: UUID | None = None,
        accept_late: bool = False,
        send_confirmations: bool = False,
    ) -> ImportReport:
        await immediate_transaction(self.session)
        call = await self._call(call_id)
        projects = await InterestService(session=self.session).projects_by_code()
        results: list[RowResult] = []
        accepted = self._check_all(export, call, projects, accept_late, results)
        winners = self._one_per_address(accepted)
        writes = await self._plan(export, call, winners)
        await self._write(writes)
        report = ImportReport(survey=export.survey, call=call.name, results=sorted(results, key=lambda r: r.row))
        if send_confirmations and writes.confirm:
            report.confirmations = await self._confirm(call, writes.confirm)
        await audit.record(
            self.session,
            SYSTEM,
            "interest.imported",
            subject_type="call",
            subject_id=call.id,
            summary=(
                f"SurveyMonkey import ({export.survey}): {report.count(Outcome.IMPORTED)} imported, "
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

    # --- checking every row ---------------------------------------------------------------------

    def _check_all(
        self,
        export: SurveyExport,
        call: Call,
        projects: dict[str, Project],
        accept_late: bool,
        results: list[RowResult],
    ) -> list[_Accepted]:
        seen: dict[str, int] = {}
        for response in export.responses:
            if response.respondent_id:
                seen[response.respondent_id] = seen.get(response.respondent_id, 0) + 1
        kind = ConflictKind(export.mapping.conflict_kind)
        accepted = []
        with self.progress("Checking rows", len(export.responses)) as advance:
            for done, response in enumerate(export.responses, 1):
                result = RowResult(response.row, response.label, Outcome.REFUSED)
                results.append(result)
                if done % 1000 == 0:
                    advance(1000)
                if seen.get(response.respondent_id, 0) > 1:
                    result.reason = "Respondent ID: appears more than once in the file"
                    continue
                clean, errors = _check(response, call, projects, kind)
                if clean is None or response.submitted_at is None:
                    result.reason = "; ".join(f"{e.field}: {e.message}" for e in errors)
                    continue
                at = response.submitted_at
                if at < call.opens_at:
                    result.late = (
                        f"submitted at {uk_datetime(at)}, before the call opened ({uk_datetime(call.opens_at)})"
                    )
                    late_reason = EARLY_REASON
                elif at >= call.ends_at:
                    result.late = f"submitted at {uk_datetime(at)}, after the call closed ({last_moment(call)})"
                    late_reason = LATE_REASON
                else:
                    late_reason = ""
                if late_reason and not accept_late:
                    result.outcome = Outcome.LATE
                    continue
                accepted.append(_Accepted(response, clean, at, late_reason, result))
            advance(len(export.responses) % 1000)
        return accepted

    @staticmethod
    def _one_per_address(accepted: list[_Accepted]) -> list[_Accepted]:
        """One row per address (any case): the latest answer, and of answers at the same moment the last."""
        latest: dict[str, _Accepted] = {}
        for row in accepted:
            held = latest.get(row.clean.email)
            if held is None or (row.at, row.response.row) > (held.at, held.response.row):
                latest[row.clean.email] = row
        for row in accepted:
            winner = latest[row.clean.email]
            if winner is not row:
                row.result.outcome = Outcome.SUPERSEDED
                row.result.reason = f"a later answer from the same address ({winner.response.label}) replaces it"
        return list(latest.values())

    # --- planning the writes --------------------------------------------------------------------

    async def _plan(self, export: SurveyExport, call: Call, winners: list[_Accepted]) -> _Writes:
        tracked = await self._tracked(export.survey, [w.response.respondent_id for w in winners])
        fresh: list[tuple[_Accepted, ImportedResponse | None]] = []
        for row in winners:
            known = tracked.get(row.response.respondent_id)
            if known is not None and known.content_hash == row.response.content_hash:
                row.result.outcome, row.result.reason = Outcome.SKIPPED, "already imported, unchanged"
            else:
                fresh.append((row, known))
        people = await self._people([row.clean.email for row, _ in fresh])
        expressions = await self._expressions(call, [p[0] for p in people.values()])
        held_texts = await self._declaration_texts([p[0] for p in people.values()])
        now = dt.datetime.now(dt.UTC)
        writes = _Writes()
        for row, known in fresh:
            person = people.get(row.clean.email)
            expression = expressions.get(person[0]) if person is not None else None
            if expression is not None and expression[1] > row.at:
                row.result.outcome = Outcome.SUPERSEDED
                row.result.reason = "a later submission for this call is already recorded for this address"
                continue
            if person is None:
                volunteer_id = new_id()
                writes.volunteers.append(_volunteer(volunteer_id, row.clean, now))
                writes.steps.append(_step(volunteer_id, now))
                identity = Identity.SUBMITTED
                row.result.outcome = Outcome.IMPORTED
            else:
                volunteer_id, identity = person
                writes.volunteer_updates.append({"id": volunteer_id, **_details(row.clean), "updated_at": now})
                row.result.outcome = Outcome.MERGED
            if known is not None:
                row.result.outcome = Outcome.UPDATED
            expression_id = self._plan_expression(
                writes, row, call, volunteer_id, expression, export.mapping.statement_version, now
            )
            declaration_id = self._plan_declarations(writes, row, volunteer_id, held_texts, now)
            if known is not None:
                if known.declaration_id is not None:
                    writes.withdrawn_declarations.append(known.declaration_id)
                writes.tracked_updates.append(
                    {
                        "id": known.id,
                        "content_hash": row.response.content_hash,
                        "volunteer_id": volunteer_id,
                        "declaration_id": declaration_id,
                        "updated_at": now,
                    }
                )
            else:
                writes.tracked.append(
                    {
                        "id": new_id(),
                        "source": export.survey,
                        "respondent_id": row.response.respondent_id,
                        "content_hash": row.response.content_hash,
                        "volunteer_id": volunteer_id,
                        "declaration_id": declaration_id,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            if identity is Identity.SUBMITTED:
                writes.confirm.append((volunteer_id, expression_id))
        return writes

    @staticmethod
    def _plan_expression(
        writes: _Writes,
        row: _Accepted,
        call: Call,
        volunteer_id: UUID,
        existing: tuple[UUID, dt.datetime] | None,
        statement_version: str,
        now: dt.datetime,
    ) -> UUID:
        clean = row.clean
        values = {
            "hours_per_month": clean.hours_per_month,
            "experience": clean.experience,
            "credentials": clean.credentials,
            "no_conflicts": clean.no_conflicts,
            "statement_version": statement_version,
            "statement_accepted_at": row.at,
            "submitted_at": row.at,
            "late": bool(row.late_reason),
            "late_reason": row.late_reason,
            "source": SOURCE,
            "updated_at": now,
        }
        if existing is None:
            expression_id = new_id()
            writes.expressions.append(
                {
                    "id": expression_id,
                    "volunteer_id": volunteer_id,
                    "call_id": call.id,
                    "status": ExpressionStatus.AWAITING_CONFIRMATION,
                    "created_at": now,
                    **values,
                }
            )
        else:
            expression_id = existing[0]
            writes.expression_updates.append({"id": expression_id, **values})
            writes.replaced_choices_of.append(expression_id)
        for project_id, rank, role in clean.choices:
            writes.choices.append(
                {
                    "id": new_id(),
                    "expression_id": expression_id,
                    "project_id": project_id,
                    "rank": rank,
                    "role": role,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        return expression_id

    @staticmethod
    def _plan_declarations(
        writes: _Writes,
        row: _Accepted,
        volunteer_id: UUID,
        held_texts: set[tuple[UUID, str]],
        now: dt.datetime,
    ) -> UUID | None:
        """A pending declaration for a "yes" with its text, unless the person already declared the same words."""
        made = None
        for kind, description, organisation, project_ids in row.clean.declarations:
            if (volunteer_id, description) in held_texts:
                continue
            made = new_id()
            held_texts.add((volunteer_id, description))
            writes.declarations.append(
                {
                    "id": made,
                    "volunteer_id": volunteer_id,
                    "kind": kind,
                    "description": description,
                    "organisation": organisation,
                    "state": ReviewState.PENDING,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            writes.declaration_projects.extend({"declaration_id": made, "project_id": p} for p in project_ids)
        return made

    # --- looking things up in batches -----------------------------------------------------------

    async def _tracked(self, survey: str, respondent_ids: Sequence[str]) -> dict[str, ImportedResponse]:
        found: dict[str, ImportedResponse] = {}
        for chunk in _chunks(respondent_ids, LOOKUP_BATCH):
            rows = await self.session.scalars(
                select(ImportedResponse).where(
                    ImportedResponse.source == survey, ImportedResponse.respondent_id.in_(chunk)
                )
            )
            found.update((r.respondent_id, r) for r in rows)
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
        with self.progress("Writing", writes.total) as advance:
            if writes.withdrawn_declarations:
                await self.session.execute(
                    delete(Declaration).where(
                        Declaration.id.in_(writes.withdrawn_declarations), Declaration.state == ReviewState.PENDING
                    )
                )
            for chunk in _chunks(writes.replaced_choices_of, LOOKUP_BATCH):
                await self.session.execute(delete(Choice).where(Choice.expression_id.in_(chunk)))
            await self._insert(Volunteer.__table__, writes.volunteers, advance)
            await self._update(Volunteer, writes.volunteer_updates, advance)
            await self._insert(IdentityStep.__table__, writes.steps, advance)
            await self._insert(Expression.__table__, writes.expressions, advance)
            await self._update(Expression, writes.expression_updates, advance)
            await self._insert(Choice.__table__, writes.choices, advance)
            await self._insert(Declaration.__table__, writes.declarations, advance)
            await self._insert(declaration_project, writes.declaration_projects, advance)
            await self._insert(ImportedResponse.__table__, writes.tracked, advance)
            await self._update(ImportedResponse, writes.tracked_updates, advance)

    async def _insert(self, table: Any, rows: list[dict[str, Any]], advance: Callable[[int], None]) -> None:
        for chunk in _chunks(rows, WRITE_BATCH):
            await self.session.execute(insert(table), list(chunk))
            advance(len(chunk))

    async def _update(self, model: Any, rows: list[dict[str, Any]], advance: Callable[[int], None]) -> None:
        """ORM bulk UPDATE by primary key: one executemany per batch, no objects loaded."""
        for chunk in _chunks(rows, WRITE_BATCH):
            await self.session.execute(update(model), list(chunk))
            advance(len(chunk))

    async def _confirm(self, call: Call, wanted: list[tuple[UUID, UUID]]) -> int:
        """E-mail each imported person at ``submitted`` the link that confirms their expression."""
        expression_of = dict(wanted)
        service = InterestService(session=self.session)
        sent = 0
        with self.progress("Queuing confirmation e-mails", len(wanted)) as advance:
            for chunk in _chunks(list(expression_of), LOOKUP_BATCH):
                people = await self.session.scalars(select(Volunteer).where(Volunteer.id.in_(chunk)))
                for person in people:
                    await send_confirmation_link(service, person, call, expression_of[person.id], self.settings)
                    sent += 1
                advance(len(chunk))
        await self.session.flush()
        return sent


def _details(clean: CleanSubmission) -> dict[str, Any]:
    return {
        "name": clean.name,
        "phone": clean.phone,
        "organisation": clean.organisation,
        "job_title": clean.job_title,
        "sector": clean.sector,
        "hours_per_month": clean.hours_per_month,
    }


def _volunteer(volunteer_id: UUID, clean: CleanSubmission, now: dt.datetime) -> dict[str, Any]:
    return {
        "id": volunteer_id,
        "email": clean.email,
        **_details(clean),
        "identity": Identity.SUBMITTED,
        "created_at": now,
        "updated_at": now,
    }


def _step(volunteer_id: UUID, now: dt.datetime) -> dict[str, Any]:
    return {
        "id": new_id(),
        "volunteer_id": volunteer_id,
        "step": Identity.SUBMITTED,
        "by_id": None,
        "by": "the person",
        "how": IMPORTED_HOW,
        "created_at": now,
        "updated_at": now,
    }


def _check(
    response: Response, call: Call, projects: dict[str, Project], kind: ConflictKind
) -> tuple[CleanSubmission | None, list[FieldError]]:
    """The row through the public form's rules; problems found reading the row replace the rules' own
    complaint about the same field (so "hours: not a number" is said once)."""
    lead = response.willing_to_lead
    choices = [
        ChoiceIn(project=code, rank=rank, role=ChoiceRole.LEAD if lead and rank == 1 else ChoiceRole.MEMBER)
        for rank, code in enumerate(response.ranking, 1)
    ]
    conflicts = []
    if response.conflicts:
        named = [code for code in codes_named(response.conflict_details) if code in projects]
        conflicts = [DeclarationIn(kind=kind, description=response.conflict_details, projects=named)]
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
    try:
        clean: CleanSubmission | None = SubmissionRules(call, projects).check(data)
        ruled: Iterable[FieldError] = []
    except InvalidInput as exc:
        clean, ruled = None, exc.errors
    said = {e.field for e in read}
    errors = read + [e for e in ruled if _root(e.field) not in said]
    return (clean if not errors else None), errors


def _root(name: str) -> str:
    """``choices[1].project`` → ``choices``."""
    return name.split("[", 1)[0].split(".", 1)[0]
