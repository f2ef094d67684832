"""Jinja2 with the GOV.UK Frontend macros, and the filters every page uses."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader, select_autoescape
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

UK = ZoneInfo("Europe/London")
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


def build_environment() -> Environment:
    env = Environment(
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
    return env


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(build_environment()))
