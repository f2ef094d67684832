"""The mapping file (TOML) that says which of a survey's questions feeds which field of a submission.

:func:`load_mapping` reads one (the default one reads the product's own standard questionnaire); every
mistake in it is an :class:`ExportError` naming the key, and nothing is imported.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from stepchange.ethics.models import ConflictKind

__all__ = (
    "DEFAULT_MAPPING",
    "ExportError",
    "Source",
    "SurveyMapping",
    "compared",
    "load_mapping",
    "parse_mapping",
)

REQUIRED = (
    "name",
    "email",
    "phone",
    "organisation",
    "job_title",
    "sector",
    "hours",
    "ranking",
    "conflicts",
    "confidentiality",
)
OPTIONAL = ("willing_to_lead", "experience", "credentials")
CONFLICT_KINDS = tuple(kind.value for kind in ConflictKind)

DEFAULT_MAPPING = resources.files("stepchange.interest") / "mappings" / "default.toml"
"""The mapping for the product's own standard questionnaire."""


class ExportError(Exception):
    """The file or the mapping cannot be used at all: nothing is imported and the message says why."""


def compared(text: str | None) -> str:
    """Header text as compared: whitespace collapsed, any letter case."""
    return " ".join((text or "").split()).casefold()


# --- the mapping --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """Where one answer comes from: a column (question, and its option when it has several), or a constant."""

    question: str = ""
    option: str | None = None
    value: str | None = None
    yes: str | None = None
    fallback: Source | None = None


@dataclass(frozen=True)
class SurveyMapping:
    """Which question feeds which field, for one survey."""

    survey: str
    timezone: ZoneInfo
    timestamp: Source
    conflict_kind: str
    statement_version: str
    fields: dict[str, Source]
    conflict_details: Source | None
    ranking_keep: int | None
    credential_other: str | None
    credential_names: dict[str, str]
    sectors: dict[str, str]
    hours_bands: dict[str, int]


def _source(spec: Any, where: str) -> Source:
    if isinstance(spec, str):
        return Source(question=spec)
    if not isinstance(spec, dict):
        raise ExportError(f'Mapping: {where} must be a table like {{ question = "…" }} or a question\'s text')
    known = {"question", "option", "value", "yes", "fallback", "details", "other", "names", "keep", "bands"}
    if unknown := sorted(set(spec) - known):
        raise ExportError(f"Mapping: {where} has unknown keys {', '.join(unknown)}")
    if "value" not in spec and not isinstance(spec.get("question"), str):
        raise ExportError(f"Mapping: {where} needs the question (question = '…') or a constant (value = '…')")
    for key in ("option", "value", "yes"):
        if key in spec and not isinstance(spec[key], str):
            raise ExportError(f"Mapping: {where}.{key} must be text")
    return Source(
        question=str(spec.get("question", "")),
        option=spec.get("option"),
        value=spec.get("value"),
        yes=spec.get("yes"),
        fallback=_source(spec["fallback"], f"{where}.fallback") if "fallback" in spec else None,
    )


def _text_table(raw: Any, where: str) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise ExportError(f'Mapping: {where} must be a table of answer = "text"')
    return {compared(k): v for k, v in raw.items()}


def parse_mapping(document: Mapping[str, Any]) -> SurveyMapping:
    """A mapping from its TOML document; every mistake is an :class:`ExportError` naming the key."""
    survey = document.get("survey", {})
    fields = document.get("fields", {})
    if not isinstance(survey, dict) or not isinstance(survey.get("name"), str) or not survey["name"].strip():
        raise ExportError("Mapping: [survey] needs a name (it keeps re-imports of the same survey apart)")
    if not isinstance(fields, dict):
        raise ExportError("Mapping: [fields] must be a table")
    if unknown := sorted(set(fields) - set(REQUIRED) - set(OPTIONAL)):
        raise ExportError(f"Mapping: [fields] has unknown fields {', '.join(unknown)}")
    zone_name = survey.get("timezone", "Europe/London")
    try:
        zone = ZoneInfo(str(zone_name))
    except (ZoneInfoNotFoundError, ValueError):
        raise ExportError(f"Mapping: [survey] timezone {zone_name!r} is not a time zone like Europe/London") from None
    statement = survey.get("statement_version")
    if not isinstance(statement, str) or not statement.strip() or len(statement) > 20:
        raise ExportError(
            "Mapping: [survey] statement_version must name the in-confidence statement the survey showed "
            '(up to 20 characters, e.g. "2018-1")'
        )
    kind = survey.get("conflict_kind", ConflictKind.PROFESSIONAL.value)
    if kind not in CONFLICT_KINDS:
        raise ExportError(f"Mapping: [survey] conflict_kind must be one of {', '.join(CONFLICT_KINDS)}")
    sources = {name: _source(spec, f"fields.{name}") for name, spec in fields.items()}
    if missing := [name for name in REQUIRED if name not in fields]:
        raise ExportError(f"Mapping: [fields] must name {', '.join(missing)}")
    for name in ("ranking", "credentials", "conflicts", "hours", "willing_to_lead", "confidentiality"):
        if name in sources and sources[name].value is not None:
            raise ExportError(f"Mapping: fields.{name} must name a question, not a constant")
    ranking, credentials = fields["ranking"], fields.get("credentials", {})
    keep = ranking.get("keep") if isinstance(ranking, dict) else None
    if keep is not None and (not isinstance(keep, int) or keep < 1):
        raise ExportError("Mapping: fields.ranking.keep must be a whole number of choices, 1 or more")
    conflicts = fields["conflicts"]
    details = conflicts.get("details") if isinstance(conflicts, dict) else None
    bands = fields["hours"].get("bands") if isinstance(fields["hours"], dict) else None
    if bands is not None and (not isinstance(bands, dict) or not all(isinstance(v, int) for v in bands.values())):
        raise ExportError("Mapping: fields.hours.bands must be a table of answer = hours")
    other = credentials.get("other") if isinstance(credentials, dict) else None
    return SurveyMapping(
        survey=survey["name"].strip(),
        timezone=zone,
        timestamp=_source(survey.get("timestamp", "End Date"), "survey.timestamp"),
        conflict_kind=str(kind),
        statement_version=statement.strip(),
        fields=sources,
        conflict_details=_source(details, "fields.conflicts.details") if details is not None else None,
        ranking_keep=keep,
        credential_other=str(other) if other is not None else None,
        credential_names=_text_table(credentials.get("names") if isinstance(credentials, dict) else None, "names"),
        sectors=_text_table(document.get("sectors"), "[sectors]"),
        hours_bands={compared(k): int(v) for k, v in (bands or {}).items()},
    )


def load_mapping(path: Path | None = None) -> SurveyMapping:
    """The mapping file at ``path``, or the default mapping for the standard questionnaire."""
    try:
        raw = path.read_bytes() if path is not None else DEFAULT_MAPPING.read_bytes()
        document = tomllib.loads(raw.decode("utf-8"))
    except OSError as exc:
        raise ExportError(f"Cannot read the mapping file: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ExportError(f"The mapping file is not valid TOML: {exc}") from None
    return parse_mapping(document)


# --- the export ---------------------------------------------------------------------------------
