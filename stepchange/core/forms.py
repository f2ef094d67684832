"""HTML form plumbing shared by every page: reading posted fields and redirecting safely."""

from __future__ import annotations

from typing import Annotated, Any

from litestar.enums import RequestEncodingType
from litestar.params import Body

from stepchange.core.errors import DomainError, FieldError, InvalidInput

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


def form_errors(exc: DomainError) -> list[FieldError]:
    """A refusal as the error summary shows it: field errors as they are, rules against the whole form."""
    if isinstance(exc, InvalidInput):
        return exc.errors
    return [FieldError("form", exc.detail)]
