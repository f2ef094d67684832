"""The API's description at ``/schema``: its errors as the problem details the service answers with, and
a viewer served from this origin.

Litestar documents a 400 as ``{status_code, detail, extra}``; the service answers every error with RFC 9457
problem details (:mod:`stepchange.core.errors`). :func:`document_problems` gives each operation the
error responses it can really give, all pointing at shared ``components.responses`` entries.

The viewer is Swagger UI from the ``swagger-ui-dist`` npm package, copied into ``static/api-docs/`` by
the asset build. It runs under the service's own Content-Security-Policy (nothing inline, nothing from
another origin), which Scalar, Litestar's default, cannot: it injects its styles inline.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from html import escape
from typing import Any, ClassVar

from litestar import Litestar, Request
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.openapi.spec import (
    Components,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Reference,
    Schema,
)
from litestar.routes import HTTPRoute

from stepchange.core.errors import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_BASE

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
STATIC_DOCS = "/static/api-docs"

DESCRIPTION = """The JSON API of Step-Change. Ids are UUID strings; lists are `{items, total, limit, offset}`.

**Signing in.** Staff sign in with `POST /api/auth/login`; the session is a cookie, so in this page
"Try it out" acts as whoever is signed in to the service in this browser.

**CSRF.** Every unsafe request (POST, PUT, PATCH, DELETE) carries the `csrftoken` cookie's value in the
`x-csrftoken` header (this page adds it). The token belongs to the session: each sign-in step and signing
out set a new one in the cookie, so read it again after them.

**Errors** are RFC 9457 problem details (`application/problem+json`): `type`, `title`, `status`, `detail`
and `instance`, with `errors` naming each invalid field (400) and `rules` naming each programme rule a
request breaks (409), each with its `message` and, where there is one, its `next_step`; a refusal by
one rule is titled by that rule."""

_TEXT = Schema(type=OpenAPIType.STRING)


def _what_and_message(what: str, description: str) -> Schema:
    """``{field|rule, message}``: one item of a problem's ``errors`` or ``rules``."""
    return Schema(
        type=OpenAPIType.OBJECT,
        required=[what, "message"],
        properties={what: Schema(type=OpenAPIType.STRING, description=description), "message": _TEXT},
    )


_FIELD_ERROR = _what_and_message("field", "The field as the client named it: `choices[1].project`")
_BROKEN_RULE = _what_and_message("rule", "A stable name clients can test for")
PROBLEM_SCHEMA = Schema(
    type=OpenAPIType.OBJECT,
    title="Problem details (RFC 9457)",
    required=["type", "title", "status", "detail", "instance"],
    properties={
        "type": Schema(type=OpenAPIType.STRING, description="A URI naming the kind of problem"),
        "title": Schema(type=OpenAPIType.STRING, description="The kind of problem, for people"),
        "status": Schema(type=OpenAPIType.INTEGER, description="The HTTP status code, always"),
        "detail": Schema(type=OpenAPIType.STRING, description="What went wrong this time, in the programme's words"),
        "instance": Schema(type=OpenAPIType.STRING, description="The path that was asked for"),
        "errors": Schema(type=OpenAPIType.ARRAY, items=_FIELD_ERROR, description="400: each invalid field"),
        "rules": Schema(type=OpenAPIType.ARRAY, items=_BROKEN_RULE, description="409: each rule the request breaks"),
        "version": Schema(type=OpenAPIType.INTEGER, description="409 for a stale version: the record's current one"),
    },
    additional_properties=True,
    description="Other members may add facts about a refusal (for example `project_status`).",
)


def _problem(status: int, title: str, detail: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": PROBLEM_TYPE_BASE + kind,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": "/api/…",
        **extra,
    }


CLEARANCE = "A project needs its commercial-advantage review cleared before it is delivering"
PROBLEMS: dict[str, tuple[str, dict[str, Any]]] = {
    "400": (
        "Invalid input: `errors` names each field",
        _problem(
            400,
            "Invalid input",
            "Invalid input: hours_per_month",
            "invalid",
            errors=[{"field": "hours_per_month", "message": "Expected `int`, got `str`"}],
        ),
    ),
    "401": ("Not signed in", _problem(401, "Not signed in", "Sign in to do this", "401")),
    "403": (
        "Signed in but not allowed, or the CSRF token is missing",
        _problem(403, "Not allowed", "Only these roles may do this: coordinator", "403"),
    ),
    "404": ("Nothing with that id or code", _problem(404, "Not found", "No project with XX9", "not-found")),
    "409": (
        "Refused by programme rules (`rules` names each, with what to do next), or changed by someone else (`version`)",
        _problem(
            409,
            CLEARANCE + ".",
            CLEARANCE,
            "rule",
            rules=[{"rule": "missing_ethics_clearance", "message": CLEARANCE}],
        ),
    ),
    "413": ("The body is over 1 MB", _problem(413, "Request refused", "Request Entity Too Large", "413")),
    "default": (
        "Any other error, as problem details (429 with Retry-After when asked too often; 500)",
        _problem(
            500,
            "Something went wrong",
            "Something went wrong on our side; nothing you sent was kept. Please try again later.",
            "internal",
        ),
    ),
}


def problem_components() -> Components:
    """One shared response per error status, each problem details with an example."""
    return Components(
        responses={
            _component_name(status): OpenAPIResponse(
                description=description,
                content={PROBLEM_MEDIA_TYPE: OpenAPIMediaType(schema=PROBLEM_SCHEMA, example=example)},
            )
            for status, (description, example) in PROBLEMS.items()
        }
    )


def _component_name(status: str) -> str:
    return "Problem" if status == "default" else f"Problem{status}"


@dataclass
class ProblemOperation(Operation):
    """An operation whose error responses are the problem details the service sends.

    Litestar's own 400 (``ValidationException``'s shape) is replaced; ``statuses`` adds the others this
    operation can give; every operation also documents ``default``.
    """

    statuses: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        responses = dict(self.responses or {})
        documented = [status for status in responses if status.startswith(("4", "5"))]
        for status in sorted({*documented, *self.statuses, "default"}):
            responses[status] = Reference(ref=f"#/components/responses/{_component_name(status)}")
        self.responses = responses


@cache
def _operation_class(statuses: tuple[str, ...]) -> type[Operation]:
    return type(f"ProblemOperation_{'_'.join(statuses)}", (ProblemOperation,), {"statuses": statuses})


def _error_statuses(route: HTTPRoute, methods: set[str], guarded: bool) -> tuple[str, ...]:
    statuses: set[str] = set()
    if guarded:
        statuses |= {"401", "403"}
    if route.path_parameters:
        statuses.add("404")
    if methods & UNSAFE_METHODS:
        statuses |= {"403", "409", "413"}  # 403: no CSRF token
    return tuple(sorted(statuses))


def document_problems(app: Litestar) -> None:
    """Give every API operation its problem-details error responses (before the document is first built)."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            statuses = _error_statuses(route, set(handler.http_methods), bool(handler.resolve_guards()))
            handler.operation_class = _operation_class(statuses)


class SwaggerPage(OpenAPIRenderPlugin):
    """``/schema``: Swagger UI, every script and style loaded from ``/static/api-docs`` (nothing inline)."""

    def __init__(self) -> None:
        super().__init__(
            path="/swagger",
            favicon='<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">',
            style="",
        )

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        title = escape(str(openapi_schema["info"]["title"]))
        document = escape(self.get_openapi_json_route(request))
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title} API</title>
  {self.favicon}
  <link rel="stylesheet" href="{STATIC_DOCS}/swagger-ui.css">
  <link rel="stylesheet" href="{STATIC_DOCS}/api-docs.css">
</head>
<body>
  <main id="api-docs" data-openapi-url="{document}">
    <noscript>
      <p>This page needs JavaScript. The API's description is at <a href="{document}">{document}</a>.</p>
    </noscript>
  </main>
  <script src="{STATIC_DOCS}/swagger-ui-bundle.js"></script>
  <script type="module" src="{STATIC_DOCS}/api-docs.mjs"></script>
</body>
</html>
""".encode()


def openapi_config(title: str, version: str) -> OpenAPIConfig:
    """``/schema`` (the viewer), ``/schema/swagger`` and ``/schema/openapi.json``."""
    return OpenAPIConfig(
        title=title,
        version=version,
        description=DESCRIPTION,
        path="/schema",
        render_plugins=[SwaggerPage()],
        components=problem_components(),
    )
