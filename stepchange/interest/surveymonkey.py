"""SurveyMonkey's CSV export ("all responses, expanded") read through a mapping file into plain responses.

Pure: no database. An :class:`ExportReader` reads an export with polars once and, through a mapping
(:mod:`stepchange.interest.survey_mapping`), turns its rows, a range at a time, into :class:`Response`
objects — the answers the mapping names, already parsed (UTC timestamps, hours, ranked project codes,
yes/no answers) — with the problems found while reading them (:func:`read_export` reads them all). The
programme's rules are applied later, by :mod:`stepchange.interest.import_checks`.

The export's shape (DESIGN.md, "SurveyMonkey import"): UTF-8, often with a byte-order mark; two
header rows, the question texts (a question spreading over several columns names itself on the
first of them only) and each column's answer option, ``Response`` or ``Open-Ended Response``; a
leading block of respondent columns; US timestamps in the survey account's time zone; quoted
answers with commas, quotes and line breaks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import msgspec
import polars as pl

from stepchange.interest.survey_mapping import ExportError, Source, SurveyMapping, compared

__all__ = (
    "ExportReader",
    "Response",
    "SurveyExport",
    "codes_named",
    "hours_from",
    "read_export",
)

HEADER_ROWS = 2
TIMESTAMP_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p")
"""SurveyMonkey writes ``05/25/2018 11:59:59 PM``; a file saved again by a spreadsheet may drop the seconds."""
NOT_RANKED = frozenset({"", "n/a", "na"})
DASHES = "\u2013\u2014"
"""The en and em dashes survey designers put between a code and a title."""
CODE_AT_START = re.compile(rf"^\s*([A-Za-z]{{1,4}}\d{{1,3}})(?=$|[\s\-{DASHES}:.,)])")
"""A ranking option's label starts with its project's code: ``T1 - Manage insider threat`` (any dash)."""
CODE_IN_TEXT = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{1,4}\d{1,3})(?![A-Za-z0-9])")
HOURS = re.compile(rf"^(\d{{1,4}})\s*(?:(?:[\-{DASHES}]|to)\s*\d{{1,4}}|\+)?(?:\s*(?:hours?|hrs?))?$", re.IGNORECASE)
"""``8``, ``8 hours``, a band ``6-10`` (its lower bound) or ``20+`` (20)."""
TEXT_FIELDS = ("name", "email", "phone", "organisation", "job_title", "sector", "experience")


def _cell(value: str | None) -> str:
    return (value or "").strip()


# --- the export ---------------------------------------------------------------------------------


@dataclass
class Response:
    """One row of the export: the answers the mapping names, parsed, and the problems found reading them."""

    row: int
    """The row's number in the file, counting both header rows (the first response is row 3)."""
    respondent_id: str
    content_hash: str
    submitted_at: dt.datetime | None
    name: str = ""
    email: str = ""
    phone: str = ""
    organisation: str = ""
    job_title: str = ""
    sector: str = ""
    experience: str = ""
    hours: int | None = None
    willing_to_lead: bool = False
    ranking: list[str] = field(default_factory=list)
    """Project codes, best first."""
    conflicts: bool | None = None
    """``None`` when the question was not answered."""
    conflict_details: str = ""
    credentials: list[str] = field(default_factory=list)
    confidentiality: bool = False
    problems: list[tuple[str, str]] = field(default_factory=list)
    """``(field, message)`` for answers that could not be read at all."""

    @property
    def label(self) -> str:
        """How the report names the row: its respondent id, or its row number when it has none."""
        return self.respondent_id or f"row {self.row}"


@dataclass
class SurveyExport:
    survey: str
    mapping: SurveyMapping
    responses: list[Response]
    ranking_codes: list[str]
    """The project codes the ranking question offers, in the file's order."""


@dataclass(frozen=True)
class _Question:
    text: str
    first: int
    options: list[tuple[str, int]]
    """``(option, column index)``; the option is ``""`` for a respondent column."""


class _Header:
    """The two header rows, grouped into questions."""

    def __init__(self, questions_row: Sequence[str | None], options_row: Sequence[str | None]) -> None:
        if not questions_row or not _cell(questions_row[0]):
            raise ExportError("This is not a SurveyMonkey export: its first header cell is empty")
        self.questions: list[_Question] = []
        for index, (question, option) in enumerate(zip(questions_row, options_row, strict=True)):
            if _cell(question):
                self.questions.append(_Question(_cell(question), index, []))
            self.questions[-1].options.append((_cell(option), index))

    def question(self, text: str) -> _Question:
        wanted = compared(text)
        prefix = wanted.rstrip(".…").strip() if wanted.endswith(("…", "...")) else None
        found = [
            q for q in self.questions if compared(q.text) == wanted or (prefix and compared(q.text).startswith(prefix))
        ]
        if not found:
            raise ExportError(f"The file has no question {text!r}: is this the mapping for this survey?")
        if len(found) > 1:
            raise ExportError(f"The question {text!r} appears {len(found)} times in the file; quote it in full")
        return found[0]

    def column(self, source: Source) -> int:
        question = self.question(source.question)
        if source.option is not None:
            for option, index in question.options:
                if compared(option) == compared(source.option):
                    return index
            offered = ", ".join(repr(o) for o, _ in question.options)
            raise ExportError(f"The question {source.question!r} has no answer {source.option!r} (it has {offered})")
        if len(question.options) == 1:
            return question.options[0][1]
        answers = [i for o, i in question.options if compared(o) in ("response", "open-ended response")]
        if len(answers) == 1:
            return answers[0]
        raise ExportError(f'The question {source.question!r} has several columns: name one with option = "…"')


@dataclass(frozen=True)
class _Reader:
    """A field's column (or constant, or first non-empty of a fallback chain)."""

    columns: tuple[int, ...]
    value: str | None
    yes: str | None

    def text(self, row: Sequence[str | None]) -> str:
        if self.value is not None:
            return self.value
        for index in self.columns:
            if found := _cell(row[index]):
                return found
        return ""

    def answered_yes(self, row: Sequence[str | None]) -> bool | None:
        answer = self.text(row)
        if not answer:
            return None
        return compared(answer) == compared(self.yes) if self.yes is not None else True


def _reader(header: _Header, source: Source) -> _Reader:
    if source.value is not None:
        return _Reader((), source.value, None)
    columns = [header.column(source)]
    chained = source.fallback
    while chained is not None:
        columns.append(header.column(chained))
        chained = chained.fallback
    return _Reader(tuple(columns), None, source.yes)


def hours_from(answer: str, bands: Mapping[str, int] | None = None) -> int | None:
    """Hours a month from an answer: a number, a band's lower bound (``6-10`` → 6, ``20+`` → 20), or
    the mapping's own band; ``None`` when it is none of those."""
    if bands and (known := bands.get(compared(answer))) is not None:
        return known
    match = HOURS.match(answer.strip())
    return int(match.group(1)) if match else None


def codes_named(text: str) -> list[str]:
    """Everything in free text shaped like a project code (``T3``, ``cp1``), upper-cased, in order, once each.
    The caller keeps those that are real projects ("I drive the M25" names no project)."""
    return list(dict.fromkeys(m.upper() for m in CODE_IN_TEXT.findall(text)))


def _ranking_columns(header: _Header, source: Source) -> list[tuple[str, int]]:
    question = header.question(source.question)
    out = []
    for option, index in question.options:
        match = CODE_AT_START.match(option)
        if match is None:
            raise ExportError(
                f"The ranking option {option!r} does not start with a project code (like 'T1 - …'): "
                "each option of the ranking question must name its project"
            )
        out.append((match.group(1).upper(), index))
    return out


def _credential_columns(header: _Header, mapping: SurveyMapping) -> tuple[list[tuple[str, int]], int | None]:
    source = mapping.fields.get("credentials")
    if source is None:
        return [], None
    question = header.question(source.question)
    other = compared(mapping.credential_other) if mapping.credential_other is not None else None
    named, other_index = [], None
    for option, index in question.options:
        if other is not None and compared(option) == other:
            other_index = index
        else:
            named.append((mapping.credential_names.get(compared(option), option), index))
    if other is not None and other_index is None:
        raise ExportError(f"The question {source.question!r} has no answer {mapping.credential_other!r}")
    return named, other_index


def _timestamps(frame: pl.DataFrame, column: int, zone: ZoneInfo) -> list[dt.datetime | None]:
    """The column's US timestamps, read in the survey's time zone, as UTC (``None`` when unreadable).

    An hour that happens twice (the clocks going back) is read as the first of the two; an hour that
    never happens (the clocks going forward) is unreadable.
    """
    text = pl.col(frame.columns[column]).str.strip_chars()
    parsed = pl.coalesce(
        [text.str.strptime(pl.Datetime("us"), fmt, strict=False, exact=True) for fmt in TIMESTAMP_FORMATS]
    )
    local = parsed.dt.replace_time_zone(zone.key, ambiguous="earliest", non_existent="null")
    return frame.select(local.dt.convert_time_zone("UTC")).to_series().to_list()


def _read_frame(data: bytes) -> pl.DataFrame:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ExportError(
            f"The file is not UTF-8 (byte {exc.start}): export it again from SurveyMonkey as CSV"
        ) from None
    try:
        frame = pl.read_csv(
            io.BytesIO(data),
            has_header=False,
            infer_schema=False,
            quote_char='"',
            truncate_ragged_lines=True,
            encoding="utf8",
        )
    except (pl.exceptions.PolarsError, pl.exceptions.NoDataError) as exc:
        raise ExportError(f"The file cannot be read as CSV: {str(exc).splitlines()[0]}") from None
    if frame.height < HEADER_ROWS:
        raise ExportError("This is not a SurveyMonkey export: it needs two header rows")
    return frame


class ExportReader:
    """An export read once with polars and resolved against a mapping; its rows become
    :class:`Response` objects on demand, a range at a time (so separate processes can share the work).

    Raises :class:`ExportError` when the file or the mapping cannot be used.
    """

    def __init__(self, source: Path | bytes, mapping: SurveyMapping) -> None:
        try:
            self.data = source if isinstance(source, bytes) else source.read_bytes()
        except OSError as exc:
            raise ExportError(f"Cannot read the export: {exc.strerror or exc}") from None
        self.source = source
        """Where the export came from: the file (which another process can read again), or its bytes."""
        self.mapping = mapping
        frame = _read_frame(self.data)
        header = _Header(frame.row(0), frame.row(1))
        fields = mapping.fields
        self._text = [(name, _reader(header, fields[name])) for name in TEXT_FIELDS if name in fields]
        self._email = _reader(header, fields["email"])
        self._lead = _reader(header, fields["willing_to_lead"]) if "willing_to_lead" in fields else None
        self._confidentiality = _reader(header, fields["confidentiality"])
        self._conflicts = _reader(header, fields["conflicts"])
        self._hours = _reader(header, fields["hours"])
        self._details = _reader(header, mapping.conflict_details) if mapping.conflict_details else None
        self._respondent = header.column(Source(question="Respondent ID"))
        self._ranking = _ranking_columns(header, fields["ranking"])
        self._credentials, self._credential_other = _credential_columns(header, mapping)
        self._stamp = header.column(mapping.timestamp)
        self._body = frame.slice(HEADER_ROWS)
        self._moments: list[dt.datetime | None] | None = None

    @property
    def survey(self) -> str:
        return self.mapping.survey

    @property
    def count(self) -> int:
        """How many responses (rows after the two header rows)."""
        return int(self._body.height)

    @property
    def ranking_codes(self) -> list[str]:
        """The project codes the ranking question offers, in the file's order."""
        return [code for code, _ in self._ranking]

    def _column(self, index: int) -> list[str | None]:
        return list(self._body.get_column(self._body.columns[index]).to_list())

    def addresses(self) -> list[str]:
        """Each row's e-mail address as people are matched by it (trimmed, lower case; "" when none)."""
        columns = [self._column(i) for i in self._email.columns]
        return [next((c.strip().lower() for c in cells if c and c.strip()), "") for cells in zip(*columns, strict=True)]

    def respondent_ids(self) -> list[str]:
        return [_cell(cell) for cell in self._column(self._respondent)]

    def responses(self, start: int = 0, stop: int | None = None) -> list[Response]:
        """The responses in rows ``start`` to ``stop`` (counting responses from 0)."""
        stop = self.count if stop is None else min(stop, self.count)
        if self._moments is None:
            self._moments = _timestamps(self._body, self._stamp, self.mapping.timezone)
        body = self._body.slice(start, max(stop - start, 0))
        return [
            self._response(start + offset + HEADER_ROWS + 1, row, self._moments[start + offset])
            for offset, row in enumerate(body.iter_rows())
        ]

    def _response(self, number: int, row: tuple[str | None, ...], moment: dt.datetime | None) -> Response:
        mapping = self.mapping
        problems: list[tuple[str, str]] = []
        rid = _cell(row[self._respondent])
        if not rid.isdigit() or len(rid) > 20 or not rid.isascii():
            problems.append(("Respondent ID", "missing or not a respondent id"))
            rid = ""
        if moment is None:
            problems.append((mapping.timestamp.question, "not a date and time like 05/25/2018 11:59:59 PM"))
        response = Response(
            row=number,
            respondent_id=rid,
            content_hash=hashlib.sha256(msgspec.json.encode(row)).hexdigest(),
            submitted_at=moment,
            problems=problems,
        )
        for name, reader in self._text:
            setattr(response, name, reader.text(row))
        if mapping.sectors:
            response.sector = mapping.sectors.get(compared(response.sector), response.sector)
        hours_answer = self._hours.text(row)
        response.hours = hours_from(hours_answer, mapping.hours_bands) if hours_answer else None
        if hours_answer and response.hours is None:
            problems.append(("hours_per_month", "not a number of hours, or a band like 6-10 or 20+"))
        if self._lead is not None:
            response.willing_to_lead = bool(self._lead.answered_yes(row))
        response.confidentiality = bool(self._confidentiality.answered_yes(row))
        response.conflicts = self._conflicts.answered_yes(row)
        if self._details is not None and response.conflicts:
            response.conflict_details = self._details.text(row)
        response.ranking = _ranked(row, self._ranking, mapping.ranking_keep, problems)
        response.credentials = [name for name, index in self._credentials if _cell(row[index])]
        if self._credential_other is not None and (other := _cell(row[self._credential_other])):
            response.credentials.append(f"Other: {other}")
        return response


def read_export(source: Path | bytes, mapping: SurveyMapping) -> SurveyExport:
    """Every response in the export, read through the mapping. Raises :class:`ExportError` when the
    file or the mapping cannot be used; a row that cannot be read is a response with problems."""
    reader = ExportReader(source, mapping)
    return SurveyExport(
        survey=mapping.survey, mapping=mapping, responses=reader.responses(), ranking_codes=reader.ranking_codes
    )


def _ranked(
    row: Sequence[str | None], columns: list[tuple[str, int]], keep: int | None, problems: list[tuple[str, str]]
) -> list[str]:
    ranks: list[tuple[int, str]] = []
    for code, index in columns:
        cell = row[index]
        if not cell:
            continue
        answer = cell.strip()
        if answer.casefold() in NOT_RANKED:
            continue
        if not answer.isdigit() or not answer.isascii() or len(answer) > 3:
            problems.append(("choices", f"the rank given to {code} is not a number"))
            continue
        ranks.append((int(answer), code))
    if len({rank for rank, _ in ranks}) < len(ranks):
        problems.append(("choices", "two projects are given the same rank"))
    ranked = [code for _, code in sorted(ranks)]
    return ranked[:keep] if keep is not None else ranked
