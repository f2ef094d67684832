"""The office's pages for calls to action: the list, opening one (question, check your answers,
confirmation), changing its window and projects, extending it and closing it early.

Each page only translates: every rule and the audit live in :class:`~stepchange.interest.calls.CallService`,
which the API calls too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlalchemy import select

from stepchange.accounts.guards import acting_staff, coordinator_only
from stepchange.core import clock
from stepchange.core.errors import DomainError, FieldError, InvalidInput
from stepchange.core.forms import Form, FormRefusal, field, fields, form_date, form_errors, form_time, refusal_status
from stepchange.core.pagination import Window
from stepchange.core.web import see_other
from stepchange.interest.calls import CallService, is_open
from stepchange.interest.deps import provide_calls
from stepchange.interest.models import Call
from stepchange.projects.models import Project

PAGE_SIZE = 20
WINDOW_FIELDS = ("opens_at-day", "opens_at-month", "opens_at-year", "opens_at-time")
CLOSE_FIELDS = ("closes_at-day", "closes_at-month", "closes_at-year", "closes_at-time")
ANSWERS = ("name", *WINDOW_FIELDS, *CLOSE_FIELDS)
LABELS = {"opens_at": "the date the call opens", "closes_at": "the date the call closes"}


def call_state(call: Call, now: dt.datetime) -> str:
    """Whether a call is open, in words."""
    if is_open(call, now):
        return "Open"
    return "Not open yet" if now < call.opens_at else "Closed"


def typed(form: dict[str, Any]) -> dict[str, Any]:
    """The answers as typed, to show again (the projects as a list of codes)."""
    return {**{name: field(form, name) for name in ANSWERS}, "projects": fields(form, "projects")}


def moment(form: dict[str, Any], name: str, errors: list[FieldError]) -> str:
    """A date input and its optional time as the service reads them (``2026-12-01`` or
    ``2026-12-01T17:00``), or ``""`` with the problem added to ``errors``."""
    try:
        day = form_date(form, name, LABELS[name].removeprefix("the ").capitalize())
        at = form_time(form, f"{name}-time")
    except InvalidInput as exc:
        errors.extend(exc.errors)
        return ""
    if day is None:
        errors.append(FieldError(name, f"Enter {LABELS[name]}"))
        return ""
    return day.isoformat() + (f"T{at:%H:%M}" if at else "")


def merged(page: list[FieldError], exc: DomainError) -> list[FieldError]:
    """The page's own errors, then the service's about other fields: one message a field, in page order."""
    named = {e.field for e in page}
    found = page + [e for e in form_errors(exc, "name") if e.field not in named]
    order = {name: i for i, name in enumerate(("name", "opens_at", "opens_at-time", "closes_at", "closes_at-time"))}
    return sorted(found, key=lambda e: order.get(e.field.split("[")[0], len(order)))


def values_of(call: Call) -> dict[str, Any]:
    """A call's window and projects as the change form shows them (UK time)."""
    opens, last = call.opens_at.astimezone(clock.UK), (call.closes_at - dt.timedelta(minutes=1)).astimezone(clock.UK)
    return {
        **_date("opens_at", opens, show_time=opens.time() != dt.time(0)),
        **_date("closes_at", last, show_time=last.time() != dt.time(23, 59)),
        "projects": [p.code for p in call.projects],
    }


def _date(name: str, at: dt.datetime, *, show_time: bool) -> dict[str, str]:
    time = f"{at:%H:%M}" if show_time else ""
    parts = {"day": str(at.day), "month": str(at.month), "year": str(at.year), "time": time}
    return {f"{name}-{part}": value for part, value in parts.items()}


class CallPages(Controller):
    path = "/calls"
    include_in_schema = False
    guards = [coordinator_only]
    dependencies = {"calls": Provide(provide_calls)}

    @get("/", name="calls")
    async def index(self, calls: NamedDependency[CallService], window: NamedDependency[Window]) -> Template:
        found, total = await calls.get_many_and_count(
            Window(PAGE_SIZE, window.offset).filter(), order_by=[(Call.opens_at, True)]
        )
        now = clock.now()
        listed = [(c, call_state(c, now)) for c in found]
        context = {"calls": listed, "total": total, "offset": window.offset, "page_size": PAGE_SIZE}
        return Template("calls/index.html", context=context)

    # --- opening a call: the questions, check your answers, and the confirmation ------------------------

    @get("/new", name="call_new")
    async def new(self, request: Request[Any, Any, Any], calls: NamedDependency[CallService]) -> Template:
        """The questions, with any answers the check page sends back to change."""
        query = request.query_params
        values = {name: query.get(name, "") for name in ANSWERS} | {"projects": query.getall("projects", [])}
        return await self._form(calls, values)

    async def _form(
        self,
        calls: CallService,
        values: dict[str, Any],
        errors: list[FieldError] | None = None,
        status_code: int = 200,
        call: Call | None = None,
    ) -> Template:
        found = await calls.session.scalars(select(Project))
        projects = sorted(found.all(), key=lambda p: p.programme_order)
        chosen = {c.strip().upper() for c in values.get("projects", [])}
        items = [{"value": p.code, "text": f"{p.code}: {p.title}", "checked": p.code in chosen} for p in projects]
        context = {"values": values, "errors": errors or [], "project_items": items, "call": call}
        return Template("calls/form.html", context=context, status_code=status_code)

    @post("/new")
    async def check(self, calls: NamedDependency[CallService], data: Form) -> Template:
        """Check the answers with the service's own rules, then show them to confirm."""
        values, errors = typed(data), list[FieldError]()
        opens, closes = moment(data, "opens_at", errors), moment(data, "closes_at", errors)
        try:
            name, opens_at, closes_at, offered = await calls.check_new_call(
                name=values["name"], opens_at=opens, closes_at=closes, projects=values["projects"]
            )
        except FormRefusal as exc:
            return await self._form(calls, values, merged(errors, exc), refusal_status(exc))
        if errors:
            return await self._form(calls, values, errors, 400)
        context = {
            "values": values,
            "name": name,
            "opens_at": opens_at,
            "closes_at": closes_at,
            "projects": offered,
            "change": "/calls/new?" + urlencode({**values, "projects": values["projects"]}, doseq=True),
        }
        return Template("calls/check.html", context=context)

    @post("/new/confirm")
    async def create(
        self, request: Request[Any, Any, Any], calls: NamedDependency[CallService], data: Form
    ) -> Template | Redirect:
        values, errors = typed(data), list[FieldError]()
        opens, closes = moment(data, "opens_at", errors), moment(data, "closes_at", errors)
        try:
            if errors:
                raise InvalidInput(errors)
            actor, name, projects = acting_staff(request), values["name"], values["projects"]
            call = await calls.create_call(actor, name=name, opens_at=opens, closes_at=closes, projects=projects)
        except FormRefusal as exc:
            await calls.session.rollback()
            return await self._form(calls, values, merged(errors, exc), refusal_status(exc))
        return see_other(f"/calls/{call.id}?done=created")

    # --- one call ---------------------------------------------------------------------------------------

    @get("/{call_id:uuid}", name="call")
    async def show(
        self, calls: NamedDependency[CallService], call_id: FromPath[UUID], done: FromQuery[str | None] = None
    ) -> Template:
        call = await calls.by_id(call_id)
        context = {"call": call, "state": call_state(call, clock.now()), "done": done}
        return Template("calls/call.html", context=context)

    @get("/{call_id:uuid}/change", name="call_change")
    async def change_form(self, calls: NamedDependency[CallService], call_id: FromPath[UUID]) -> Template:
        call = await calls.by_id(call_id)
        return await self._form(calls, values_of(call), call=call)

    @post("/{call_id:uuid}/change")
    async def change(
        self, request: Request[Any, Any, Any], calls: NamedDependency[CallService], call_id: FromPath[UUID], data: Form
    ) -> Template | Redirect:
        call = await calls.by_id(call_id)
        values, errors = typed(data), list[FieldError]()
        opens, closes = moment(data, "opens_at", errors), moment(data, "closes_at", errors)
        try:
            if errors:
                raise InvalidInput(errors)
            await calls.change_call(
                acting_staff(request), call_id, opens_at=opens, closes_at=closes, projects=values["projects"]
            )
        except FormRefusal as exc:
            await calls.session.rollback()
            call = await calls.by_id(call_id)
            return await self._form(calls, values, merged(errors, exc), refusal_status(exc), call=call)
        return see_other(f"/calls/{call.id}?done=changed")

    @get("/{call_id:uuid}/extend", name="call_extend")
    async def extend_form(self, calls: NamedDependency[CallService], call_id: FromPath[UUID]) -> Template:
        call = await calls.by_id(call_id)
        return Template("calls/extend.html", context={"call": call, "values": {}, "errors": []})

    @post("/{call_id:uuid}/extend")
    async def extend(
        self, request: Request[Any, Any, Any], calls: NamedDependency[CallService], call_id: FromPath[UUID], data: Form
    ) -> Template | Redirect:
        errors: list[FieldError] = []
        closes = moment(data, "closes_at", errors)
        try:
            if errors:
                raise InvalidInput(errors)
            await calls.extend(acting_staff(request), call_id, closes)
        except FormRefusal as exc:
            await calls.session.rollback()
            call = await calls.by_id(call_id)
            context = {"call": call, "values": typed(data), "errors": merged(errors, exc)}
            return Template("calls/extend.html", context=context, status_code=refusal_status(exc))
        return see_other(f"/calls/{call_id}?done=extended")

    @get("/{call_id:uuid}/close", name="call_close")
    async def close_form(self, calls: NamedDependency[CallService], call_id: FromPath[UUID]) -> Template:
        call = await calls.by_id(call_id)
        return Template("calls/close.html", context={"call": call, "errors": []})

    @post("/{call_id:uuid}/close")
    async def close(
        self, request: Request[Any, Any, Any], calls: NamedDependency[CallService], call_id: FromPath[UUID]
    ) -> Template | Redirect:
        try:
            await calls.close_now(acting_staff(request), call_id)
        except FormRefusal as exc:
            await calls.session.rollback()
            call = await calls.by_id(call_id)
            context = {"call": call, "errors": form_errors(exc, "confirm")}
            return Template("calls/close.html", context=context, status_code=refusal_status(exc))
        return see_other(f"/calls/{call_id}?done=closed")
