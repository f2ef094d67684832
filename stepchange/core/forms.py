"""HTML form plumbing shared by every page: reading posted fields and redirecting safely."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any
from uuid import UUID

from litestar.enums import RequestEncodingType
from litestar.params import Body

from stepchange.core.errors import DomainError, FieldError, InvalidInput, RuleViolation, StaleVersion, to_problem

FormRefusal: tuple[type[DomainError], ...] = (InvalidInput, RuleViolation, StaleVersion)
"""What a form shows on the page with its error summary; other errors (404, 403) get their own page."""

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
"""A posted HTML form: field name to value (a list when a field repeats, as checkboxes do)."""


def field(form: dict[str, Any], name: str) -> str:
    """One text field, trimmed; a repeated field keeps its first value."""
    value = form.get(name, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value).strip()


def fields(form: dict[str, Any], name: str) -> list[str]:
    """Every value of a repeated field (checkboxes)."""
    value = form.get(name, [])
    return [str(v) for v in (value if isinstance(value, list) else [value]) if str(v)]


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths: never an open redirect to another host."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")) and "\n" not in target:
        return target
    return default


def form_errors(exc: DomainError, field: str = "form") -> list[FieldError]:
    """A refusal as the error summary shows it: field errors as they are, each broken rule against ``field``."""
    if isinstance(exc, InvalidInput):
        return exc.errors
    if isinstance(exc, RuleViolation):
        return [FieldError(field, rule.advice) for rule in exc.rules]
    return [FieldError(field, exc.detail)]


def refusal_status(exc: DomainError) -> int:
    """The status code a page re-shown with this refusal answers with (400, or 409 for a rule)."""
    return to_problem(exc).status


# --- reading dates, times and choices -------------------------------------------------------------

TIME = re.compile(r"(?P<hour>\d{1,2})[:.](?P<minute>\d{2})\s*(?P<half>am|pm)?", re.IGNORECASE)
"""A time of day as people type it: hours and minutes, perhaps with am or pm."""


def form_date(form: dict[str, Any], name: str, label: str) -> dt.date | None:
    """A GOV.UK date input (``name-day``, ``name-month``, ``name-year``); ``None`` when left empty."""
    parts = [field(form, f"{name}-{part}") for part in ("day", "month", "year")]
    if not any(parts):
        return None
    try:
        return dt.date(int(parts[2]), int(parts[1]), int(parts[0]))
    except (ValueError, OverflowError):  # a year of 99999999999999999999 overflows the C int
        raise InvalidInput.one(name, f"{label} must be a real date, like 27 3 2027") from None


def form_time(form: dict[str, Any], name: str) -> dt.time | None:
    """A time of day as people type it: ``14:30``, ``9.15``, ``2:30pm``; ``None`` when left empty."""
    text = field(form, name)
    if not text:
        return None
    match = TIME.fullmatch(text)
    hour, minute = (int(match["hour"]), int(match["minute"])) if match else (-1, -1)
    if match and match["half"]:
        hour = hour % 12 + (12 if match["half"].lower() == "pm" else 0) if 1 <= hour <= 12 else -1
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise InvalidInput.one(name, "Enter a time like 14:30 or 2:30pm")
    return dt.time(hour, minute)


def form_uuid(value: str) -> UUID | None:
    """A choice from a list of people or records; ``None`` when missing or not an id."""
    try:
        return UUID(value) if value else None
    except ValueError:
        return None


def date_values(day: dt.date | None) -> dict[str, str]:
    """A date back into the three boxes of a date input."""
    return {"day": str(day.day), "month": str(day.month), "year": str(day.year)} if day else {}


def date_as_typed(form: dict[str, Any], name: str) -> dict[str, str]:
    """The three boxes of a date input as they were typed, to show them again beside an error."""
    return {part: field(form, f"{name}-{part}") for part in ("day", "month", "year")}
