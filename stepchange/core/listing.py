"""Staff lists as pages: the filters in the URL (a GET form, so a list can be bookmarked), sortable
columns, and pagination whose links keep the filters and the order. No page renders unbounded rows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

PAGE_SIZE = 50
NEAR = 2
"""Page numbers shown either side of the current one (the first and last are always shown)."""


@dataclass(frozen=True)
class Listing:
    """One page of a list: where it is, the filters and order that made it, and how many rows there are."""

    path: str
    filters: Mapping[str, str]
    """The non-empty filters as the query string had them (without ``sort`` and ``page``)."""
    sort: str
    """A column's name, ``-`` first for descending."""
    total: int
    page: int = 1
    size: int = PAGE_SIZE
    default_sort: str = ""
    columns: frozenset[str] = field(default_factory=frozenset)
    page_name: str = "page"
    """The query parameter holding the page number (a second list on the same page has its own)."""
    landmark: str = "Pages"
    """The pagination's name for screen readers (two lists on one page need two names)."""
    ends: tuple[str, str] | None = None
    """Where this page's first and last rows are, for a list paged by position (keyset): the previous and
    next links then carry them (``before``, ``after``), so a deep page is found from its neighbour, not by
    counting past every row before it."""

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    @property
    def pages(self) -> int:
        return max((self.total + self.size - 1) // self.size, 1)

    @property
    def first_shown(self) -> int:
        return min(self.offset + 1, self.total)

    @property
    def last_shown(self) -> int:
        return min(self.offset + self.size, self.total)

    def url(self, **changes: Any) -> str:
        """This list's address with some parameters changed (``None`` removes one); defaults are left out."""
        if "page" in changes:
            changes[self.page_name] = changes.pop("page")
        query: dict[str, Any] = {**self.filters, "sort": self.sort, self.page_name: self.page, **changes}
        if query.get("sort") == self.default_sort:
            query.pop("sort")
        if query.get(self.page_name) == 1:
            query.pop(self.page_name)
        kept = {k: v for k, v in query.items() if v not in (None, "")}
        return f"{self.path}?{urlencode(kept)}" if kept else self.path

    def sort_by(self, column: str) -> tuple[str, str]:
        """A column header's link (ascending first, then the other way) and its ``aria-sort`` value."""
        if self.sort == column:
            return self.url(sort=f"-{column}", page=None), "ascending"
        if self.sort == f"-{column}":
            return self.url(sort=column, page=None), "descending"
        return self.url(sort=column, page=None), "none"

    def pagination(self) -> dict[str, Any] | None:
        """The ``govukPagination`` parameters, or ``None`` for a single page."""
        if self.pages <= 1:
            return None
        items: list[dict[str, Any]] = []
        for number in range(1, self.pages + 1):
            if number in (1, self.pages) or abs(number - self.page) <= NEAR:
                items.append({"number": number, "href": self.url(page=number), "current": number == self.page})
            elif items and not items[-1].get("ellipsis"):
                items.append({"ellipsis": True})
        return {
            "items": items,
            "previous": {"href": self._previous()} if self.page > 1 else None,
            "next": {"href": self._next()} if self.page < self.pages else None,
            "landmarkLabel": self.landmark,
        }

    def _previous(self) -> str:
        before = self.ends[0] if self.ends and self.page > 2 else None  # the first page needs no position
        return self.url(page=self.page - 1, before=before)

    def _next(self) -> str:
        return self.url(page=self.page + 1, after=self.ends[1] if self.ends else None)


def read_sort(value: str | None, columns: frozenset[str], default: str) -> str:
    """The order asked for, if it names one of the list's columns; else the list's default."""
    if value and value.removeprefix("-") in columns:
        return value
    return default


def read_page(value: str | None) -> int:
    """A page number from the query string; anything else is the first page."""
    try:
        return min(max(int(value or "1"), 1), 1_000_000)
    except ValueError:
        return 1
