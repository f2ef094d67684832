"""Jinja2 with the GOV.UK Frontend macros, and the filters every page uses (times shown in UK time)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader, select_autoescape
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from stepchange.core import clock
from stepchange.core.authz import STAFF_ROLES, Role
from stepchange.core.errors import sentence
from stepchange.core.words import words

UK = clock.UK
"""Europe/London (the one defined in ``core.clock``), for the filters and the modules that read it here."""
TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"


def uk_date(value: dt.date | dt.datetime | None, fmt: str = "%-d %B %Y") -> str:
    """A date as people in the UK write it; datetimes are shown in UK time."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(UK) if value.tzinfo else value
    return value.strftime(fmt)


def uk_datetime(value: dt.datetime | None) -> str:
    """``11:59pm on Friday 25 May 2018`` in UK time."""
    if value is None:
        return ""
    local = value.astimezone(UK)
    return local.strftime("%-I:%M") + local.strftime("%p").lower() + local.strftime(" on %A %-d %B %Y")


def error_list(errors: Sequence[Any]) -> list[dict[str, str]]:
    """Field errors as govukErrorSummary's ``errorList``: each links to its field."""
    return [{"text": e.message, "href": f"#{_field_id(e.field)}"} for e in errors]


def error_for(errors: Sequence[Any], field: str) -> dict[str, str] | None:
    """The ``errorMessage`` for one field's component, or ``None`` when it is fine."""
    messages = [e.message for e in errors if e.field == field or e.field.startswith(f"{field}[")]
    return {"text": " ".join(messages)} if messages else None


def _field_id(field: str) -> str:
    """Form field ids: ``choices[1].project`` becomes ``choices-1-project``."""
    return re.sub(r"[^A-Za-z0-9_]+", "-", field).strip("-") or "form"


def build_environment(*, auto_reload: bool = True) -> Environment:
    """The pages' Jinja environment; ``auto_reload`` re-reads a template whose file changed (a stat per
    render: for development, not production)."""
    env = Environment(
        auto_reload=auto_reload,
        loader=ChoiceLoader(
            [
                FileSystemLoader(TEMPLATES_DIR),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["uk_date"] = uk_date
    env.filters["uk_datetime"] = uk_datetime
    env.filters["field_id"] = _field_id
    env.filters["words"] = words
    env.filters["sentence"] = sentence
    env.globals["error_list"] = error_list
    env.globals["Role"] = Role
    env.globals["STAFF_ROLES"] = STAFF_ROLES
    env.globals["error_for"] = error_for
    return env


def template_config(*, auto_reload: bool = True) -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(build_environment(auto_reload=auto_reload)))
