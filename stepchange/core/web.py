"""Small pieces every page controller uses."""

from __future__ import annotations

from litestar.response import Redirect
from litestar.status_codes import HTTP_303_SEE_OTHER


def see_other(path: str) -> Redirect:
    """After a form is accepted: 303 to the page that shows the result (POST, redirect, GET)."""
    return Redirect(path, status_code=HTTP_303_SEE_OTHER)
