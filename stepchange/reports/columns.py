"""A report table's columns: what each holds, and how people read its values on the page and in exports.

The JSON keeps codes and states (``T``, ``not_reported``, ``true``); people get words: a work-stream's
name, a project's title beside its code, "Not reported", "Yes", "3 December 2026". The page shows
``text``; the exports keep each value's type (numbers as numbers, dates as dates) in words where a
word is meant.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl

from stepchange.core.templating import uk_date
from stepchange.reports.schemas import Dashboard

NO_VALUE = "\N{EN DASH}"
Kind = Literal["text", "number", "date", "month", "yes_no", "words", "workstream", "project", "title"]
DTYPES: dict[str, type[pl.DataType]] = {
    "number": pl.Int64,
    "date": pl.Date,
    "month": pl.Date,
}
SPECIAL_WORDS = {"rag": "RAG", "e-mail": "E-mail"}


@dataclass(frozen=True)
class Column:
    """One column: the row's ``key``, its heading, and what kind of value it holds. A ``title`` column
    shows the title of the project whose code is in ``key``."""

    key: str
    heading: str
    kind: Kind = "number"

    @property
    def numeric(self) -> bool:
        return self.kind == "number"

    def value(self, row: dict[str, Any], report: Dashboard) -> Any:
        """The value for an export: typed, in words where words are meant, ``None`` for nothing."""
        raw = row.get(self.key)
        if raw is None:
            return None
        match self.kind:
            case "yes_no":
                return "Yes" if raw else "No"
            case "words":
                return words(str(raw))
            case "workstream":
                return report.workstream_names.get(str(raw), str(raw))
            case "title":
                return report.project_titles.get(str(raw))
            case "number":
                return raw if isinstance(raw, int | float) else None
            case _:
                return raw

    def text(self, row: dict[str, Any], report: Dashboard) -> str:
        """The value as the page shows it."""
        value = self.value(row, report)
        if value is None or value == "":
            return NO_VALUE
        if self.kind == "month":
            return uk_date(value, "%B %Y")
        if isinstance(value, dt.date):
            return uk_date(value)
        if isinstance(value, float):
            return f"{value:,g}"
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{value:,}"
        return str(value)


def words(value: str) -> str:
    """A code as words: ``not_reported`` is "Not reported", ``cleared_with_conditions`` "Cleared with conditions"."""
    text = value.replace("_", " ").strip()
    if not text:
        return text
    return SPECIAL_WORDS.get(text.lower(), text[0].upper() + text[1:])


def project(key: str = "project") -> tuple[Column, Column]:
    """A project as its code and, beside it, its title."""
    return Column(key, "Project", "text"), Column(key, "Title", "title")
