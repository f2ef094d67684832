"""Errors the services raise, and how the HTTP layer turns every error into RFC 9457 problem details.

Services raise the domain errors below and never touch HTTP; :func:`exception_handlers` maps them
(and the framework's and the database's own) to problem details that name the field or the rule.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from advanced_alchemy import exceptions as aa
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_429_TOO_MANY_REQUESTS,
    HTTP_500_INTERNAL_SERVER_ERROR,
)
from sqlalchemy.orm.exc import StaleDataError

logger = logging.getLogger("stepchange.errors")

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://stepchange.example/problems/"
STANDARD_MEMBERS = frozenset({"type", "title", "status", "detail", "instance"})
"""RFC 9457's own members. An extension member never takes one of these names: ``status`` is always the
HTTP status code, so a fact such as a project's status travels under its own name (``project_status``)."""


@dataclass(frozen=True)
class FieldError:
    """One invalid field, named as the client sent it (``choices[1].project``)."""

    field: str
    message: str


@dataclass(frozen=True)
class BrokenRule:
    """One programme rule a request breaks, with a stable name clients can test for, the rule in the
    programme's words and, where there is one, what to do next."""

    rule: str
    message: str
    next_step: str = ""

    @property
    def advice(self) -> str:
        """The rule and what to do next, as one or two sentences."""
        return f"{sentence(self.message)} {sentence(self.next_step)}" if self.next_step else self.message


def sentence(text: str) -> str:
    """Text ending as a sentence does."""
    text = text.strip()
    return text if not text or text.endswith((".", "!", "?")) else text + "."


class DomainError(Exception):
    """Base of the errors services raise."""

    title = "Request refused"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    title = "Not found"

    def __init__(self, thing: str, key: object, *, relation: str = "with") -> None:
        super().__init__(f"No {thing} {relation} {key!s}")
        self.thing = thing
        self.key = key


class NotSignedIn(DomainError):
    """Nobody is signed in and the rule needs someone (401)."""

    title = "Not signed in"

    def __init__(self, detail: str = "Sign in to do this") -> None:
        super().__init__(detail)


class NotAllowed(DomainError):
    """The signed-in person may not do this to this record (403): the rule, not the route, says no."""

    title = "Not allowed"


class InvalidInput(DomainError):
    title = "Invalid input"

    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = list(errors)

    @classmethod
    def one(cls, field: str, message: str) -> InvalidInput:
        return cls([FieldError(field, message)])


class RuleViolation(DomainError):
    """A request that is well formed but breaks one or more programme rules (409)."""

    title = "Refused by the programme's rules"

    def __init__(self, rules: Sequence[BrokenRule], **extra: Any) -> None:
        super().__init__("; ".join(r.advice for r in rules))
        if clashes := STANDARD_MEMBERS.intersection(extra):
            raise ValueError(f"Extension members may not reuse RFC 9457's names: {', '.join(sorted(clashes))}")
        self.rules = list(rules)
        self.extra = extra
        # The refusal is titled by the rule itself, never by a generic "refused by a programme rule".
        if len(self.rules) == 1:
            self.title = sentence(self.rules[0].message)
        elif self.rules:
            self.title = f"{len(self.rules)} programme rules stop this"


class StaleVersion(DomainError):
    title = "Changed by someone else"

    def __init__(self, thing: str, sent: int | None, current: int, *, plural: bool = False) -> None:
        this, was = ("These", "were") if plural else ("This", "was")
        super().__init__(
            f"{this} {thing} {was} changed by someone else (you sent version {sent}, it is now at "
            f"version {current}); reload it and make your change again"
        )
        self.current = current


@dataclass
class Problem:
    """The body of a problem-details response."""

    status: int
    title: str
    detail: str
    type: str
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self, instance: str) -> dict[str, Any]:
        """The JSON body: RFC 9457's members, then the extensions (which never overwrite them)."""
        body: dict[str, Any] = {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "instance": instance,
        }
        body.update((name, value) for name, value in self.extra.items() if name not in STANDARD_MEMBERS)
        return body


_AT_PATH = re.compile(r" - at `\$\.?(?P<path>[^`]*)`$")
_NAMED_FIELD = re.compile(r"(?:missing required|unknown) field `(?P<name>[^`]+)`")


def _field_of(error: Mapping[str, Any]) -> str:
    """The field a framework validation error is about, as the client named it (``choices[0].project``).

    Body errors arrive keyed ``data`` with msgspec's message, which carries the path: read it from there.
    """
    key = str(error.get("key") or "")
    if key and key != "data":
        return key
    message = str(error.get("message") or "")
    path = (m.group("path") if (m := _AT_PATH.search(message)) else "") or ""
    if named := _NAMED_FIELD.search(message):
        return f"{path}.{named.group('name')}" if path else named.group("name")
    return path or "body"


def field_error(message: str) -> FieldError:
    """A msgspec validation message as a field error: ``Expected int - at `$.hours``` is about ``hours``."""
    return FieldError(_field_of({"message": message}), _AT_PATH.sub("", message))


def _http_problem(exc: HTTPException) -> Problem:
    extra: dict[str, Any] = {}
    errors = exc.extra if isinstance(exc.extra, list) else None
    if exc.status_code == HTTP_400_BAD_REQUEST and errors:
        extra["errors"] = [
            {"field": _field_of(e), "message": _AT_PATH.sub("", str(e.get("message")))}
            for e in errors
            if isinstance(e, Mapping)
        ]
        named = ", ".join(e["field"] for e in extra["errors"])
        detail = f"Invalid input: {named}" if named else str(exc.detail)
    else:
        detail = str(exc.detail)
        if isinstance(exc.extra, Mapping):
            extra.update((k, v) for k, v in exc.extra.items() if k not in STANDARD_MEMBERS)
    title = {400: "Invalid input", 401: "Not signed in", 403: "Not allowed", 404: "Not found"}.get(
        exc.status_code, "Request refused"
    )
    return Problem(exc.status_code, title, detail, PROBLEM_TYPE_BASE + str(exc.status_code), extra)


def to_problem(exc: Exception) -> Problem:
    """Translate any exception into a problem; unknown ones become an opaque 500."""
    match exc:
        case NotFound():
            return Problem(HTTP_404_NOT_FOUND, exc.title, exc.detail, PROBLEM_TYPE_BASE + "not-found")
        case NotSignedIn():
            return Problem(HTTP_401_UNAUTHORIZED, exc.title, exc.detail, PROBLEM_TYPE_BASE + "401")
        case NotAllowed():
            return Problem(HTTP_403_FORBIDDEN, exc.title, exc.detail, PROBLEM_TYPE_BASE + "403")
        case InvalidInput():
            errors = [{"field": e.field, "message": e.message} for e in exc.errors]
            return Problem(
                HTTP_400_BAD_REQUEST, exc.title, exc.detail, PROBLEM_TYPE_BASE + "invalid", {"errors": errors}
            )
        case RuleViolation():
            rules = [
                {"rule": r.rule, "message": r.message, **({"next_step": r.next_step} if r.next_step else {})}
                for r in exc.rules
            ]
            return Problem(
                HTTP_409_CONFLICT,
                exc.title,
                exc.detail,
                PROBLEM_TYPE_BASE + "rule",
                {"rules": rules, **exc.extra},
            )
        case StaleVersion():
            return Problem(
                HTTP_409_CONFLICT,
                exc.title,
                exc.detail,
                PROBLEM_TYPE_BASE + "stale",
                {"version": exc.current},
            )
        case StaleDataError():
            return Problem(
                HTTP_409_CONFLICT,
                "Changed by someone else",
                "This record was changed by someone else at the same time; reload it and try again",
                PROBLEM_TYPE_BASE + "stale",
            )
        case aa.NotFoundError():
            return Problem(HTTP_404_NOT_FOUND, "Not found", "No such record", PROBLEM_TYPE_BASE + "not-found")
        case aa.IntegrityError():
            return Problem(
                HTTP_409_CONFLICT,
                "Conflicts with existing data",
                "This conflicts with a record that already exists",
                PROBLEM_TYPE_BASE + "conflict",
            )
        case HTTPException():
            return _http_problem(exc)
    logger.error("Unhandled error", exc_info=exc)
    return Problem(
        HTTP_500_INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "Something went wrong on our side; nothing you sent was kept. Please try again later.",
        PROBLEM_TYPE_BASE + "internal",
    )


HtmlRenderer = Callable[[Request[Any, Any, Any], Problem], Response[Any]]


def exception_handlers(render_html: HtmlRenderer) -> dict[type[Exception], Callable[..., Response[Any]]]:
    """One handler for every error: problem JSON for API clients, an HTML page for browsers."""

    def handle(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        problem = to_problem(exc)
        headers = dict(getattr(exc, "headers", None) or {})
        if problem.status == HTTP_429_TOO_MANY_REQUESTS and "RateLimit-Reset" in headers:
            headers.setdefault("Retry-After", headers["RateLimit-Reset"])
        if wants_html(request):
            response = render_html(request, problem)
            response.headers.update(headers)
            return response
        return Response(
            problem.as_dict(request.url.path),
            status_code=problem.status,
            media_type=PROBLEM_MEDIA_TYPE,
            headers=headers,
        )

    return {Exception: handle}


def wants_html(request: Request[Any, Any, Any]) -> bool:
    """Pages get HTML errors; the API, health and schema always answer in JSON."""
    path = request.url.path
    if path.startswith(("/api/", "/schema", "/health")) or path == "/api":
        return False
    return MediaType.HTML in (request.headers.get("accept") or "")
