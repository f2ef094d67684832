"""The public project lists on the anonymous fast path (:mod:`stepchange.core.fast_path`).

Each door reads its query as the handler would, builds the handler's own cache key from it, and gives
the bytes kept for the current projects version, or ``None`` — then the full stack answers (and
renders, validates or refuses, as it always does). A door never renders: what it serves is exactly
what the handler rendered for the same key, at the same version.
"""

from __future__ import annotations

from litestar import Litestar

from stepchange.core.fast_path import HTML, JSON, FastAnswer, FastDoor, Query
from stepchange.core.pagination import MAX_LIMIT
from stepchange.projects.cache import NONCE_PLACEHOLDER, html_variant, json_variant, project_lists
from stepchange.projects.models import ProjectStatus

API_PATH = "/api/projects"
PAGE_PATH = "/projects"
API_PARAMETERS = frozenset({"limit", "offset", "workstream", "status"})
PAGE_PARAMETERS = frozenset({"workstream", "status"})
DEFAULT_LIMIT = 100
"""The API's default page size (``ProjectController.list_projects``)."""
STATUSES: frozenset[str | None] = frozenset({None, *ProjectStatus})
"""A status parameter the API takes (none, or one of the statuses: equal to its value as text)."""
MAX_DIGITS = 9
"""Longer numbers, and numbers with leading zeros, are left to the full stack's own parsing."""


def _whole_number(text: str | None, default: int, low: int, high: int) -> int | None:
    """A plain decimal in ``low..high`` (or ``default`` when absent); ``None`` for anything else."""
    if text is None:
        return default
    if not (text.isascii() and text.isdigit()) or len(text) > MAX_DIGITS or str(int(text)) != text:
        return None
    number = int(text)
    return number if low <= number <= high else None


def api_door(app: Litestar) -> FastDoor:
    """``GET /api/projects`` with valid parameters, when its bytes are kept."""

    async def door(query: Query, _nonce: str) -> FastAnswer | None:
        limit = _whole_number(query.get("limit"), DEFAULT_LIMIT, 1, MAX_LIMIT)
        offset = _whole_number(query.get("offset"), 0, 0, 10**MAX_DIGITS)
        status = query.get("status")
        if not query.keys() <= API_PARAMETERS or limit is None or offset is None or status not in STATUSES:
            return None
        body = await project_lists(app).kept(json_variant(query.get("workstream"), status, limit, offset))
        return None if body is None else FastAnswer(body, JSON)

    return door


def page_door(app: Litestar) -> FastDoor:
    """``GET /projects`` for a visitor, when the page for its filters is kept (only valid filters are)."""

    async def door(query: Query, nonce: str) -> FastAnswer | None:
        if not query.keys() <= PAGE_PARAMETERS:
            return None
        variant = html_variant(PAGE_PATH, None, query.get("workstream"), query.get("status"))
        body = await project_lists(app).kept(variant)
        return None if body is None else FastAnswer(body.replace(NONCE_PLACEHOLDER, nonce.encode()), HTML)

    return door


def project_list_doors(app: Litestar) -> dict[str, FastDoor]:
    return {API_PATH: api_door(app), PAGE_PATH: page_door(app)}
