"""Time ledger pages: "Log your time" for a volunteer with a place (``/my/time``) and the co-chairs'
confirmation list (``/time``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from stepchange.contributions.deps import provide_contributions, reviewers, volunteer_only
from stepchange.contributions.models import EntryStatus, ExpenseKind
from stepchange.contributions.services import ContributionService, EntryDraft, month_label
from stepchange.core import clock
from stepchange.core.errors import FieldError, InvalidInput
from stepchange.core.forms import Form, FormRefusal, field, form_errors, refusal_status
from stepchange.core.guards import Principal, current_principal
from stepchange.core.web import see_other

PAGE = 25
Ledger = NamedDependency[ContributionService]
FORM_FIELDS = ("project", "month", "hours", "expenses", "expense_kind", "note")


def _actor(request: Request[Any, Any, Any]) -> Principal:
    principal = current_principal(request)
    assert principal is not None, "guarded routes always have a principal"
    return principal


def _number(text: str, name: str, message: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", "").removeprefix("£").strip() or "0")
    except InvalidOperation:
        raise InvalidInput.one(name, message) from None
    if not value.is_finite():
        raise InvalidInput.one(name, message)
    return value


def _draft(values: dict[str, str]) -> EntryDraft:
    """The form as the service's draft: hours as typed (6.5), expenses in pounds (12.40) as pence. Empty
    hours count as none, which the service refuses with every other mistake at once."""
    errors: list[FieldError] = []
    hours = expenses = Decimal(0)
    try:
        hours = _number(values["hours"], "hours", "Enter the hours as a number, like 6.5")
    except InvalidInput as exc:
        errors += exc.errors
    try:
        expenses = _number(values["expenses"], "expenses_pence", "Enter expenses in pounds, like 12.40")
    except InvalidInput as exc:
        errors += exc.errors
    if errors:
        raise InvalidInput(errors)
    pence = int((expenses * 100).quantize(Decimal(1))) if abs(expenses) < 10**9 else -1
    return EntryDraft(
        values["project"],
        values["month"],
        float(min(hours, Decimal(10**6))),
        pence,
        values["expense_kind"],
        values["note"],
    )


def recent_months(today: dt.date, count: int = 12) -> list[dt.date]:
    """This month and the ones before it, newest first."""
    months, month = [], today.replace(day=1)
    for _ in range(count):
        months.append(month)
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return months


class TimePages(Controller):
    path = "/"
    include_in_schema = False
    dependencies = {"ledger": Provide(provide_contributions)}

    @get("/my/time", name="my_time", guards=[volunteer_only])
    async def my_time(
        self,
        request: Request[Any, Any, Any],
        ledger: Ledger,
        done: FromQuery[str | None] = None,
        offset: FromQuery[int] = 0,
    ) -> Template:
        return await self._my_time(request, ledger, done=done, offset=offset)

    async def _my_time(
        self,
        request: Request[Any, Any, Any],
        ledger: ContributionService,
        *,
        errors: list[FieldError] | None = None,
        values: dict[str, str] | None = None,
        done: str | None = None,
        offset: int = 0,
        status_code: int = 200,
    ) -> Template:
        offset = max(0, min(offset, 1_000_000))
        volunteer_id = _actor(request).id
        entries, total = await ledger.mine(volunteer_id, limit=PAGE, offset=offset)
        context = {
            "places": await ledger.places(volunteer_id),
            "months": [(f"{m:%Y-%m}", month_label(m)) for m in recent_months(clock.uk_today())],
            "kinds": list(ExpenseKind),
            "entries": entries,
            "total": total,
            "offset": offset,
            "page": PAGE,
            "errors": errors or [],
            "values": values or {},
            "done": done,
        }
        return Template("contributions/my_time.html", context=context, status_code=status_code)

    @post("/my/time", guards=[volunteer_only])
    async def log(self, request: Request[Any, Any, Any], data: Form, ledger: Ledger) -> Template | Redirect:
        values = {k: field(data, k)[:5000] for k in FORM_FIELDS}
        try:
            _, _, created = await ledger.log(_actor(request).id, _draft(values))
        except FormRefusal as exc:
            await ledger.session.rollback()
            errors = [
                FieldError("expenses" if e.field == "expenses_pence" else e.field, e.message)
                for e in form_errors(exc, "project")
            ]
            return await self._my_time(request, ledger, errors=errors, values=values, status_code=refusal_status(exc))
        return see_other(f"/my/time?done={'logged' if created else 'changed'}")

    @get("/time", name="time_to_confirm", guards=[reviewers])
    async def to_confirm(
        self,
        request: Request[Any, Any, Any],
        ledger: Ledger,
        status: FromQuery[str] = "pending",
        done: FromQuery[str | None] = None,
        offset: FromQuery[int] = 0,
    ) -> Template:
        return await self._to_confirm(request, ledger, status=status, done=done, offset=offset)

    async def _to_confirm(
        self,
        request: Request[Any, Any, Any],
        ledger: ContributionService,
        *,
        status: str = "pending",
        done: str | None = None,
        offset: int = 0,
        errors: list[FieldError] | None = None,
        status_code: int = 200,
    ) -> Template:
        chosen = EntryStatus(status) if status in {s.value for s in EntryStatus} else None
        offset = max(0, min(offset, 1_000_000))
        entries, total = await ledger.to_review(_actor(request), status=chosen, limit=PAGE, offset=offset)
        context = {
            "entries": entries,
            "total": total,
            "offset": offset,
            "page": PAGE,
            "status": chosen.value if chosen else "",
            "statuses": list(EntryStatus),
            "done": done,
            "errors": errors or [],
        }
        return Template("contributions/to_confirm.html", context=context, status_code=status_code)

    @post("/time/{entry_id:uuid}/review", guards=[reviewers])
    async def review(
        self, request: Request[Any, Any, Any], data: Form, ledger: Ledger, entry_id: FromPath[UUID]
    ) -> Template | Redirect:
        decision = field(data, "decision")
        try:
            if decision not in (EntryStatus.CONFIRMED, EntryStatus.QUERIED):
                raise InvalidInput.one("decision", "Choose whether to confirm or query the time")
            await ledger.review(_actor(request), entry_id, EntryStatus(decision), field(data, "note")[:5000])
        except FormRefusal as exc:
            await ledger.session.rollback()
            errors = [FieldError(f"note-{entry_id}", e.message) for e in form_errors(exc)]
            return await self._to_confirm(request, ledger, errors=errors, status_code=refusal_status(exc))
        return see_other(f"/time?done={decision}")
