"""Checks on text that people type, shared by every domain: each failure names its field."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

from stepchange.core.errors import FieldError

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def email_problem(value: str, field: str = "email") -> FieldError | None:
    """Why ``value`` is not a usable e-mail address, or ``None``."""
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return FieldError(field, "Enter an email address in the correct format, like name@example.com")
    return None


def normalise_email(value: str) -> str:
    """The form every address is stored and matched in: trimmed, lower case (any letter case matches)."""
    return value.strip().lower()


def text_problem(value: str, field: str, *, label: str, max_length: int, required: bool = True) -> FieldError | None:
    """Why free text is not acceptable: missing, too long, or carrying control characters."""
    if required and not value.strip():
        return FieldError(field, f"Enter {label}")
    if len(value) > max_length:
        return FieldError(field, f"{label[0].upper()}{label[1:]} must be {max_length} characters or fewer")
    if _CONTROL.search(value):
        return FieldError(field, f"{label[0].upper()}{label[1:]} must not contain control characters")
    return None
