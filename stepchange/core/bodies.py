"""Request bodies a client can send that must not reach a decoder: JSON nested too deeply.

msgspec (like every recursive decoder) fails with ``RecursionError`` on a 2 KB body of a thousand
``[``; the check below looks at the brackets only (strings removed) and refuses such a body with a 400
that names the limit, before anything decodes it. Litestar keeps the body it read, so the handler does
not read it again.
"""

from __future__ import annotations

import re
from itertools import accumulate
from typing import Any

from litestar import Request

from stepchange.core.errors import InvalidInput

MAX_JSON_DEPTH = 32
"""No request the service accepts nests deeper than a handful of levels."""
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_OPENERS = frozenset(b"[{")


def json_depth(body: bytes) -> int:
    """How deeply arrays and objects nest in a JSON text (0 for a scalar)."""
    brackets = _STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    if not brackets:
        return 0
    return max(accumulate(1 if b in _OPENERS else -1 for b in brackets))


async def refuse_deep_json(request: Request[Any, Any, Any]) -> None:
    """A ``before_request`` hook: 400 for a JSON body nested deeper than :data:`MAX_JSON_DEPTH`."""
    if request.method in {"GET", "HEAD", "OPTIONS"} or "json" not in request.headers.get("content-type", ""):
        return
    if json_depth(await request.body()) > MAX_JSON_DEPTH:
        raise InvalidInput.one("body", f"The JSON is nested more than {MAX_JSON_DEPTH} levels deep")
