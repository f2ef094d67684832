"""Checking an export's rows: the rules every submission passes (:func:`accept_submission`) and what only
an export can get wrong (an unreadable timestamp, hours or a rank that are not a number, a respondent id
missing or repeated). Pure Python and no database, so a large export is checked by worker processes, a
chunk at a time, while this process writes the rows already checked.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import json
import multiprocessing
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import msgspec
from advanced_alchemy.types import EncryptedString, EncryptedText
from sqlalchemy import Column

from stepchange.core.database import EncryptedJson, table_of
from stepchange.core.errors import FieldError, InvalidInput
from stepchange.core.templating import uk_datetime
from stepchange.ethics.models import ConflictKind, Declaration
from stepchange.interest.calls import CallWindow, last_moment
from stepchange.interest.import_report import Outcome
from stepchange.interest.models import ChoiceRole, Expression
from stepchange.interest.rules import Accepted, CleanSubmission, Door, SubmissionRules, Timing, accept_submission
from stepchange.interest.schemas import ChoiceIn, DeclarationIn, SubmissionIn
from stepchange.interest.survey_mapping import SurveyMapping
from stepchange.interest.surveymonkey import ExportReader, Response, codes_named
from stepchange.people.models import Volunteer

LATE_REASON = "imported after the closing date"
EARLY_REASON = "imported from before the call opened"
CHECK_CHUNK = 5_000
"""Rows checked (and then written) at a time."""


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
    sealed_experience: str = ""
    sealed_credentials: str = ""
    """The expression's experience and credentials (JSON), likewise encrypted."""


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
        self.seal_experience = _sealer(table_of(Expression).c.experience, key)
        self.seal_credentials = _json_sealer(table_of(Expression).c.credentials, key)
        self.rules = SubmissionRules(window)

    def check(self, responses: Iterable[Response]) -> list[Checked]:
        return [self.check_one(response) for response in responses]

    def check_one(self, response: Response) -> Checked:
        out = Checked(response.row, response.label, Outcome.REFUSED)
        if response.respondent_id in self.repeated_ids:
            out.reason = "Respondent ID: appears more than once in the file"
            return out
        accepted, errors = self._accept(response)
        if accepted is None:
            out.reason = "; ".join(f"{e.field}: {e.message}" for e in errors)
            return out
        at, clean = response.submitted_at, accepted.clean
        assert at is not None, "a row whose time cannot be read is refused"
        if accepted.timing is Timing.EARLY:
            opened = uk_datetime(self.window.opens_at)
            out.late = f"submitted at {uk_datetime(at)}, before the call opened ({opened})"
            out.late_reason = EARLY_REASON
        elif accepted.timing is Timing.LATE:
            closed = last_moment(self.window)
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
        out.sealed_experience = self.seal_experience(clean.experience)
        out.sealed_credentials = self.seal_credentials(clean.credentials)
        return out

    def _accept(self, response: Response) -> tuple[Accepted | None, list[FieldError]]:
        """The row as a submission, through :func:`accept_submission` (every door's decision); a problem
        found reading the row replaces the rules' own complaint about the same field (so "hours: not a
        number" is said once)."""
        read = [FieldError(name, message) for name, message in response.problems]
        try:
            accepted: Accepted | None = accept_submission(
                self.window, self._submission(response), response.submitted_at, door=Door.IMPORT, rules=self.rules
            )
            ruled: list[FieldError] = []
        except InvalidInput as exc:
            accepted, ruled = None, exc.errors
        said = {e.field for e in read}
        errors = read + [e for e in ruled if _root(e.field) not in said]
        return (accepted if not errors else None), errors

    def _submission(self, response: Response) -> SubmissionIn:
        """The row as the public form would have sent it."""
        lead = response.willing_to_lead
        choices = [
            ChoiceIn(project=code, rank=rank, role=ChoiceRole.LEAD if lead and rank == 1 else ChoiceRole.MEMBER)
            for rank, code in enumerate(response.ranking, 1)
        ]
        conflicts = []
        if response.conflicts:
            named = [code for code in codes_named(response.conflict_details) if code in self.rules.projects]
            conflicts = [DeclarationIn(kind=self.kind, description=response.conflict_details, projects=named)]
        return SubmissionIn(
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


def _sealer(column: Column[Any], key: str) -> Callable[[str], str]:
    """The column's encrypting type, with ``key`` read once (not once per value), as a function."""
    kind = column.type
    assert isinstance(kind, EncryptedString), f"{column} is encrypted at rest"
    sealing = type(kind)(key=key, backend=type(kind.backend), length=kind.length)

    def seal(value: str) -> str:
        return cast(str, sealing.process_bind_param(value, cast(Any, None)))

    return seal


def _json_sealer(column: Column[Any], key: str) -> Callable[[Any], str]:
    """As :func:`_sealer`, for a JSON column sealed by :class:`EncryptedJson` (the JSON text, encrypted)."""
    assert isinstance(column.type, EncryptedJson), f"{column} is encrypted at rest"
    sealing = EncryptedText(key=key)

    def seal(value: Any) -> str:
        return cast(str, sealing.process_bind_param(json.dumps(value), cast(Any, None)))

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


class CheckedChunks:
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
