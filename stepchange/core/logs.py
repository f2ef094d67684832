"""Logs carry no personal data or tokens: a filter on every handler blanks what slips through.

The service itself logs only counts and exception classes; this catches the rest (an access log line
with a link's token in its path, an address in a third-party message).
"""

from __future__ import annotations

import logging
import re

_PATTERNS = [
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"), "[email]"),
    (re.compile(r"(/(?:verify|sign-in|invitation|reset|offers?|respond)/)[A-Za-z0-9_\-]{16,}"), r"\1[token]"),
    (re.compile(r"\b[A-Za-z0-9_\-]{40,}\b"), "[token]"),
    (re.compile(r"\+?\d[\d ]{8,}\d"), "[number]"),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactPersonalData(logging.Filter):
    """Rewrites each record's message with addresses, tokens and phone numbers blanked."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install_redaction() -> None:
    """Put the filter on every handler of the root logger and of uvicorn's loggers (idempotent)."""
    for name in (None, "uvicorn", "uvicorn.access", "uvicorn.error", "litestar"):
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, RedactPersonalData) for f in handler.filters):
                handler.addFilter(RedactPersonalData())
