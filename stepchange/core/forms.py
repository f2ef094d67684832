"""HTML form plumbing shared by every page: reading posted fields and redirecting safely."""

from __future__ import annotations

from typing import Annotated, Any

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
        return [FieldError(field, rule.message) for rule in exc.rules]
    return [FieldError(field, exc.detail)]


def refusal_status(exc: DomainError) -> int:
    """The status code a page re-shown with this refusal answers with (400, or 409 for a rule)."""
    return to_problem(exc).status
