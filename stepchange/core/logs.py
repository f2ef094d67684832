"""Logs carry no personal data or tokens: business events carry only allow-listed fields, and a filter on
every handler blanks what slips through.

Business events (a sign-in, a validation, an offer, an erasure: whatever the audit trail records) are
logged by :func:`log_event` on the ``stepchange.events`` logger with structured fields whose names are on
:data:`EVENT_FIELDS` (ids, codes, counts, outcomes) and whose values are numbers, booleans, ids or short
codes; any other field, and any value that is not one of those, is dropped before the record is made.
:class:`JsonFormatter` writes such a record as one JSON line with its fields as members.

The service itself logs only counts, exception classes and allow-listed fields; the filter catches the rest
(an access log line with a link's token in its path or an address in its query string, an address in a
third-party message). It rewrites each argument of a record in place, keeping the record's shape, so
formatters that unpack the arguments (uvicorn's access formatter) still work.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import logging
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote
from uuid import UUID

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

_PATTERNS = [
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"), "[email]"),
    (re.compile(r"(/(?:verify|sign-in|invitation|reset|offers?|respond)/)[A-Za-z0-9_\-]{16,}"), r"\1[token]"),
    (re.compile(r"\b[A-Za-z0-9_\-]{40,}\b"), "[token]"),
    (re.compile(r"\+?\d[\d ]{8,}\d"), "[number]"),
]
SAFE_QUERY_PARAMETERS = frozenset(
    {"limit", "offset", "page", "status", "workstream", "state", "done", "sort", "order", "format", "kind"}
)
"""Query parameters whose values never identify anyone; every other value (searches, addresses, names,
ids) is logged as ``[redacted]``."""
_QUERY = re.compile(r"\?[^\s\"']*")
_ENCODED = re.compile(r"%[0-9A-Fa-f]{2}")
_PARAMETER = re.compile(r"(?P<name>[^&=;]+)=(?P<value>[^&;]*)")


def _redact_query(match: re.Match[str]) -> str:
    def one(parameter: re.Match[str]) -> str:
        name = parameter["name"]
        return parameter.group(0) if name.lower() in SAFE_QUERY_PARAMETERS else f"{name}=[redacted]"

    return _PARAMETER.sub(one, match.group(0))


def redact(text: str) -> str:
    """The text with query values (except harmless ones), addresses, tokens and phone numbers blanked;
    percent-encoded text is decoded first, so ``bob%40example.org`` is caught too."""
    text = _QUERY.sub(_redact_query, text)
    if _ENCODED.search(text):
        text = unquote(text)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _clean(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


class RedactPersonalData(logging.Filter):
    """Blanks personal data in each record's message and arguments, keeping their types and shape."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_clean(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _clean(value) for key, value in record.args.items()}
        return True


def install_redaction() -> None:
    """Put the filter on every handler of the root logger and of uvicorn's loggers (idempotent)."""
    for name in (None, "uvicorn", "uvicorn.access", "uvicorn.error", "litestar"):
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, RedactPersonalData) for f in handler.filters):
                handler.addFilter(RedactPersonalData())


# --- business events: structured, allow-listed fields ---------------------------------------------------

EVENTS_LOGGER = "stepchange.events"
EVENT_FIELDS = frozenset(
    {
        "event",
        "outcome",
        "stage",
        "subject_type",
        "subject_id",
        "actor_id",
        "actor_role",
        "volunteer_id",
        "user_id",
        "project",
        "workstream",
        "call_id",
        "assignment_id",
        "decision",
        "status",
        "count",
        "changed",
        "attempts_account",
        "attempts_address",
    }
)
"""The only field names a business event may carry: ids, codes, counts and outcomes. Never names,
addresses, phone numbers or free text: those have no field here, so they cannot be logged as one."""
_CODE = re.compile(r"[A-Za-z0-9_.:\-]{1,64}")
"""A value kept as text: an id, a code or an outcome (no spaces, no ``@``, short)."""
_EVENT_EXTRA = "event_fields"
_PENDING = "stepchange_pending_events"


def _field_value(value: object) -> object | None:
    """The value as logged, or ``None`` when it is not a number, a boolean, an id or a short code."""
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, str) and _CODE.fullmatch(value):
        return value
    return None


def event_fields(fields: Mapping[str, object]) -> dict[str, object]:
    """Only the allow-listed fields with a loggable value; everything else is dropped."""
    kept = {name: _field_value(value) for name, value in fields.items() if name in EVENT_FIELDS}
    return {name: value for name, value in kept.items() if value is not None}


def log_event(name: str, /, **fields: object) -> None:
    """Log one business event (``sign_in.refused``, ``volunteer.validated``…) with its allow-listed fields."""
    kept = event_fields({"event": name, **fields})
    text = " ".join(f"{key}={value}" for key, value in kept.items())
    logging.getLogger(EVENTS_LOGGER).info("%s", text, extra={_EVENT_EXTRA: kept})


def _flush_events(session: Any) -> None:
    for name, fields in session.info.pop(_PENDING, []):
        log_event(name, **fields)


def _drop_events(session: Any) -> None:
    session.info.pop(_PENDING, None)


def log_event_on_commit(session: AsyncSession, name: str, /, **fields: object) -> None:
    """Log the event once the caller's transaction commits (nothing, if it rolls back)."""
    session.info.setdefault(_PENDING, []).append((name, fields))
    sync = session.sync_session
    if not event.contains(sync, "after_commit", _flush_events):
        event.listen(sync, "after_commit", _flush_events)
        event.listen(sync, "after_rollback", _drop_events)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger and message, plus a business event's allow-listed fields
    (filtered again here, so a record made without :func:`log_event` cannot smuggle others in)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, _EVENT_EXTRA, None)
        if isinstance(fields, Mapping):
            line |= event_fields(fields)
        if record.exc_info and record.exc_info[0] is not None:
            line["exception"] = record.exc_info[0].__name__
        return json.dumps(line)
