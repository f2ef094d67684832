"""Checks on text that people type, shared by every domain: each failure names its field."""

from __future__ import annotations

import functools
import re

from email_validator import EmailNotValidError, validate_email

from stepchange.core.errors import FieldError

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


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


def text_problem(value: str, field: str, *, label: str, max_length: int, required: bool = True) -> FieldError | None:
    """Why free text is not acceptable: missing, too long, or carrying control characters."""
    if required and not value.strip():
        return FieldError(field, f"Enter {label}")
    if len(value) > max_length:
        return FieldError(field, f"{label[0].upper()}{label[1:]} must be {max_length} characters or fewer")
    if _CONTROL.search(value):
        return FieldError(field, f"{label[0].upper()}{label[1:]} must not contain control characters")
    return None
