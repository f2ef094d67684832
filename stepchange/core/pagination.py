"""List responses: ``{items, total, limit, offset}`` with ``limit``/``offset`` query parameters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, TypeVar
from urllib.parse import urlencode

from advanced_alchemy.filters import LimitOffset
from advanced_alchemy.service import OffsetPagination
from litestar.params import QueryParameter

T = TypeVar("T")

MAX_LIMIT = 500
MAX_OFFSET = 1_000_000_000
"""Far past any list the programme keeps, and well inside a 64-bit integer (the databases' own limit)."""


@dataclass(frozen=True)
class Window:
    """Which slice of a list the client asked for."""

    limit: int
    offset: int

    def filter(self) -> LimitOffset:
        return LimitOffset(limit=self.limit, offset=self.offset)

    def page(self, items: Sequence[T], total: int) -> OffsetPagination[T]:
        return OffsetPagination(items=list(items), total=total, limit=self.limit, offset=self.offset)

    def positions(self, path: str, shown: int, total: int, ends: tuple[object, object] | None) -> dict[str, str]:
        """The ``Link`` header of a list paged by position (keyset): the next and previous pages' addresses
        carry the last and first rows' positions (``after``, ``before``) with the offset they are at, so a
        client walking a long list never asks the database to count past the rows before a page."""
        links = []
        if ends and self.offset + shown < total:
            later = {"limit": self.limit, "offset": self.offset + shown, "after": ends[1]}
            links.append(f'<{path}?{urlencode(later)}>; rel="next"')
        if ends and self.offset > 0:
            earlier: dict[str, object] = {"limit": self.limit, "offset": max(self.offset - self.limit, 0)}
            if self.offset > self.limit:
                earlier["before"] = ends[0]
            links.append(f'<{path}?{urlencode(earlier)}>; rel="prev"')
        return {"Link": ", ".join(links)} if links else {}

    def slice(self, items: Sequence[T]) -> OffsetPagination[T]:
        """Page a list already held in memory."""
        return self.page(items[self.offset : self.offset + self.limit], len(items))


async def provide_window(
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT, description="How many items at most")] = 100,
    offset: Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET, description="How many items to skip")] = 0,
) -> Window:
    return Window(limit=limit, offset=offset)
