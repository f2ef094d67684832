"""Checks on text that people type, shared by every domain: each failure names its field."""

from __future__ import annotations

import functools
import re

from email_validator import EmailNotValidError, validate_email

from stepchange.core.errors import FieldError

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Control characters never typed in any text (tabs and line breaks are fine in free text)."""
_LINE_BREAKS = re.compile(r"[\t\n\r\u2028\u2029\x85]")
_BIDI_CONTROLS = re.compile(r"[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
"""Direction overrides and marks: they reorder how text is shown, so a name can pose as another's."""
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad\u180e]")
"""Zero-width characters, the byte-order mark and soft hyphens: two names that look alike but differ."""


_PLAIN_LOCAL_PART = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
MAX_ADDRESS = 254


def email_problem(value: str, field: str = "email") -> FieldError | None:
    """Why ``value`` is not a usable e-mail address, or ``None``.

    email-validator decides. An address whose local part is a plain ASCII dot-atom (nearly all of them)
    is valid exactly when its domain is, so the domain's verdict is kept and the library runs once per
    domain: a national import checks 100,000 addresses from a few thousand domains.
    """
    local, at, domain = value.rpartition("@")
    if at and len(value) <= MAX_ADDRESS and len(local) <= 64 and _PLAIN_LOCAL_PART.fullmatch(local):
        valid = _domain_is_valid(domain)
    else:
        valid = _is_valid(value)
    return None if valid else FieldError(field, "Enter an email address in the correct format, like name@example.com")


@functools.lru_cache(maxsize=4096)
def _domain_is_valid(domain: str) -> bool:
    return _is_valid(f"x@{domain}")


def _is_valid(address: str) -> bool:
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def normalise_email(value: str) -> str:
    """The form every address is stored and matched in: trimmed, lower case (any letter case matches)."""
    return value.strip().lower()


SINGLE_LINE_UP_TO = 300
"""Fields this short are names, organisations, titles and the like: shown on one line of a staff page."""


def text_problem(
    value: str, field: str, *, label: str, max_length: int, required: bool = True, single_line: bool | None = None
) -> FieldError | None:
    """Why typed text is not acceptable: missing, too long, or carrying characters that hide what it says.

    Every text refuses control characters and direction overrides. A single-line field (by default any of
    at most :data:`SINGLE_LINE_UP_TO` characters: names, organisations, titles) also refuses line breaks,
    tabs and invisible characters, so one person cannot be made to look like another.
    """
    if single_line is None:
        single_line = max_length <= SINGLE_LINE_UP_TO
    named = f"{label[0].upper()}{label[1:]}"
    if required and not value.strip():
        return FieldError(field, f"Enter {label}")
    if len(value) > max_length:
        return FieldError(field, f"{named} must be {max_length} characters or fewer")
    if _CONTROL.search(value) or (single_line and _LINE_BREAKS.search(value)):
        what = "line breaks or control characters" if single_line else "control characters"
        return FieldError(field, f"{named} must not contain {what}")
    if _BIDI_CONTROLS.search(value):
        return FieldError(field, f"{named} must not contain characters that change the direction of text")
    if (single_line and _INVISIBLE.search(value)) or value.strip().startswith("\ufeff") or value.endswith("\ufeff"):
        return FieldError(field, f"{named} must not contain invisible characters")
    return None
