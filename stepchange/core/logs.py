"""Logs carry no personal data or tokens: a filter on every handler blanks what slips through.

The service itself logs only counts, exception classes and allow-listed fields; this catches the rest
(an access log line with a link's token in its path or an address in its query string, an address in a
third-party message). It rewrites each argument of a record in place, keeping the record's shape, so
formatters that unpack the arguments (uvicorn's access formatter) still work.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import unquote

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
