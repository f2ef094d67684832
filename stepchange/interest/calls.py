"""Calls to action (DESIGN.md, "Calls"): the office opens, extends and closes them; the public answers
while one is open. A call's window is in UK time, stored as UTC instants."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol
from uuid import UUID

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import BindParameter, ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core import audit, clock
from stepchange.core.database import run_core
from stepchange.core.errors import BrokenRule, FieldError, InvalidInput, NotFound, RuleViolation
from stepchange.core.guards import Principal
from stepchange.core.services import DomainService
from stepchange.core.templating import uk_datetime
from stepchange.core.validation import text_problem
from stepchange.interest.models import Call, Choice, Expression, call_project, ends_at
from stepchange.projects import cache as project_cache
from stepchange.projects.models import Project

ProjectCodes = tuple[tuple[UUID, str], ...]
"""Every project's id and code."""


@dataclass(frozen=True)
class CallWindow:
    """A call as a submission is checked against it, with every project's id and code.

    Plain values, made without ORM objects (a call's ``projects`` would load every offered project in
    full): every submission is checked against one (from a :class:`CallBook` its worker keeps), and the
    import ships one to its worker processes.
    """

    id: UUID
    name: str
    opens_at: dt.datetime
    ends_at: dt.datetime
    offered: frozenset[UUID]
    projects: ProjectCodes

    @classmethod
    def of(cls, call: Call, projects: ProjectCodes) -> CallWindow:
        """The window of a call already loaded (its ``projects`` with it)."""
        offered = frozenset(p.id for p in call.projects)
        return cls(call.id, call.name, call.opens_at, call.ends_at, offered, projects)

    @classmethod
    def outside_any_call(cls, projects: ProjectCodes) -> CallWindow:
        """For checking what does not belong to a call (a declaration made later)."""
        never = dt.datetime.min.replace(tzinfo=dt.UTC)
        return cls(UUID(int=0), "", never, never, frozenset(), projects)


class Window(Protocol):
    """A call's window: a loaded call, a :class:`CallWindow` or a kept :class:`CallRow`."""

    @property
    def opens_at(self) -> dt.datetime: ...

    @property
    def ends_at(self) -> dt.datetime: ...


def is_open(call: Window, at: dt.datetime) -> bool:
    """Whether the call takes submissions at ``at``: from its opening until it closes (or was closed early)."""
    return call.opens_at <= at < call.ends_at


def open_at(at: dt.datetime | BindParameter[Any]) -> tuple[ColumnElement[bool], ...]:
    """The conditions a call open at ``at`` meets."""
    return (
        Call.opens_at <= at,
        Call.closes_at > at,
        or_(Call.closed_early_at.is_(None), Call.closed_early_at > at),
    )


def last_moment(call: Call | CallWindow) -> str:
    """The last minute a call is open, as people read it: "11:59pm on Friday 25 May 2018"."""
    return uk_datetime(call.ends_at - dt.timedelta(minutes=1))


def uk_moment(value: str, field_name: str, *, end_of_day: bool) -> dt.datetime:
    """A time the office typed for a call (see :func:`clock.parse_uk_moment`), or why it is not one."""
    try:
        return clock.parse_uk_moment(value, end_of_day=end_of_day)
    except ValueError:
        raise InvalidInput.one(
            field_name, "Enter a date like 2026-12-01, or a date and time like 2026-12-01T17:00"
        ) from None


def _window_of(opens_at: str, closes_at: str, errors: list[FieldError]) -> tuple[dt.datetime, dt.datetime]:
    """A call's window from the times the office typed; each problem goes into ``errors``."""
    window: dict[str, dt.datetime] = {}
    for label, value in (("opens_at", opens_at), ("closes_at", closes_at)):
        try:
            window[label] = uk_moment(value, label, end_of_day=label == "closes_at")
        except InvalidInput as exc:
            errors.extend(exc.errors)
    if len(window) == 2 and window["closes_at"] <= window["opens_at"]:
        errors.append(FieldError("closes_at", "The closing time must be after the opening time"))
    never = dt.datetime.min.replace(tzinfo=dt.UTC)
    return window.get("opens_at", never), window.get("closes_at", never)


def _codes(projects: Sequence[Project]) -> str:
    return ", ".join(sorted(p.code for p in projects))


async def project_codes(session: AsyncSession) -> ProjectCodes:
    """Every project's id and code, in programme order."""
    rows = await session.execute(select(Project.id, Project.code).order_by(Project.code))
    return tuple((project_id, code) for project_id, code in rows)


# --- the call a submission answers ------------------------------------------------------------------

CALLS_VERSION_KEY = "calls-version"
"""The calls' version in the shared key/value table, bumped by every change to a call
(:func:`~stepchange.projects.cache.bump`): workers keep the calls a submission is checked against
(``interest.call_cache``) for as long as it and the projects' version stay the same."""


class CallRow(NamedTuple):
    id: UUID
    name: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    ends_at: dt.datetime


# Read whenever the calls change, so built once (building one costs more than running it).
_CALLS = select(Call.id, Call.name, Call.opens_at, Call.closes_at, Call.closed_early_at).order_by(Call.name)
_ALL_OFFERS = select(call_project.c.call_id, call_project.c.project_id)
_PROJECT_CODES = select(Project.id, Project.code).order_by(Project.code)


@dataclass(frozen=True)
class CallBook:
    """Every call's window and what it offers, with every project's id and code: all that decides which
    call a submission answers and what it may choose. Calls are few (a handful a year), so a worker
    keeps the whole book while nothing changes (``interest.call_cache``)."""

    calls: dict[UUID, CallRow]
    offers: dict[UUID, frozenset[UUID]]
    projects: ProjectCodes

    @classmethod
    async def load(cls, session: AsyncSession) -> CallBook:
        calls = {
            row.id: CallRow(row.id, row.name, row.opens_at, row.closes_at, ends_at(row.closes_at, row.closed_early_at))
            for row in await run_core(session, _CALLS)
        }
        offers: dict[UUID, set[UUID]] = {}
        for offer in await run_core(session, _ALL_OFFERS):
            offers.setdefault(offer.call_id, set()).add(offer.project_id)
        projects = tuple((row.id, row.code) for row in await run_core(session, _PROJECT_CODES))
        return cls(calls, {call_id: frozenset(ids) for call_id, ids in offers.items()}, projects)

    def answered(self, call_id: UUID | None, at: dt.datetime) -> CallWindow:
        """The call a submission answers: the one named, or the one open at ``at`` that closes soonest (else
        the one that opened last, so the answer can say it has closed). Whether it takes the submission then
        is :func:`~stepchange.interest.rules.accept_submission`'s to say."""
        if call_id is not None:
            row = self.calls.get(call_id)
            if row is None:
                raise InvalidInput.one("call", "There is no such call")
        else:
            open_now = [c for c in self.calls.values() if is_open(c, at)]
            row = min(open_now, key=lambda c: c.closes_at, default=None) or max(
                self.calls.values(), key=lambda c: c.opens_at, default=None
            )
            if row is None:
                raise RuleViolation([BrokenRule("no_call", "There is no call to action open at the moment")])
        offered = self.offers.get(row.id, frozenset())
        return CallWindow(row.id, row.name, row.opens_at, row.ends_at, offered, self.projects)


# --- the office's calls -------------------------------------------------------------------------------


class CallRepository(SQLAlchemyAsyncRepository[Call]):
    model_type = Call


class CallService(DomainService[Call, CallRepository]):
    """Calls to action: the office opens, extends and closes them; the public answers while they are open."""

    repository_type = CallRepository

    async def open_call(self, at: dt.datetime | None = None) -> Call | None:
        """The call open at ``at`` (now by default) that closes soonest, if any."""
        found = await self.get_many(*open_at(at or clock.now()), order_by=[(Call.closes_at, False)])
        return found[0] if found else None

    async def latest(self) -> Call | None:
        found = await self.get_many(order_by=[(Call.opens_at, True)])
        return found[0] if found else None

    async def by_id(self, call_id: UUID) -> Call:
        call = await self.get_one_or_none(Call.id == call_id)
        if call is None:
            raise NotFound("call", f"id {call_id}")
        return call

    async def all_calls(self) -> Sequence[Call]:
        return await self.get_many(order_by=[(Call.opens_at, True)])

    async def check_new_call(
        self, *, name: str, opens_at: str, closes_at: str, projects: Sequence[str]
    ) -> tuple[str, dt.datetime, dt.datetime, list[Project]]:
        """Whether a new call may be opened as asked, every invalid field named at once (400), then the
        rules (409); what it would be (the name, the window in UTC, the projects). Nothing is written:
        the pages' check-your-answers step asks this before :meth:`create_call` does the same."""
        errors = [p for p in [text_problem(name, "name", label="a name", max_length=200)] if p]
        window = _window_of(opens_at, closes_at, errors)
        offered = await self._projects(projects, errors)
        if errors:
            raise InvalidInput(errors)
        if await self.get_one_or_none(Call.name == name.strip()) is not None:
            raise RuleViolation(
                [
                    BrokenRule(
                        "name_taken", f"There is already a call named {name.strip()!r}", "Give this call another name"
                    )
                ]
            )
        return name.strip(), window[0], window[1], offered

    async def create_call(
        self, actor: Principal, *, name: str, opens_at: str, closes_at: str, projects: Sequence[str]
    ) -> Call:
        """Open a call (UK times) offering the given projects."""
        name, opens, closes, offered = await self.check_new_call(
            name=name, opens_at=opens_at, closes_at=closes_at, projects=projects
        )
        call = Call(name=name, opens_at=opens, closes_at=closes, projects=offered)
        self.session.add(call)
        await self.session.flush()
        await project_cache.bump(self.session, CALLS_VERSION_KEY)
        await audit.record(
            self.session,
            actor,
            "call.created",
            subject_type="call",
            subject_id=call.id,
            summary=call.name,
            changes=audit.diff({}, {"opens_at": opens, "closes_at": closes, "projects": ", ".join(projects)}),
        )
        return call

    async def change_call(
        self, actor: Principal, call_id: UUID, *, opens_at: str, closes_at: str, projects: Sequence[str]
    ) -> Call:
        """Change a call's window and projects. A closed call no longer changes; once open, its opening
        time stays and its closing time only moves later (closing early is :meth:`close_now`); a project
        someone has already chosen in this call stays in it."""
        call = await self.by_id(call_id)
        errors: list[FieldError] = []
        window = _window_of(opens_at, closes_at, errors)
        offered = await self._projects(projects, errors)
        if errors:
            raise InvalidInput(errors)
        opens, closes = window
        now = clock.now()
        broken = await self._change_rules(call, opens, closes, offered, now)
        if broken:
            raise RuleViolation(broken)
        before = {"opens_at": call.opens_at, "closes_at": call.closes_at, "projects": _codes(call.projects)}
        after = {"opens_at": opens, "closes_at": closes, "projects": _codes(offered)}
        call.opens_at, call.closes_at, call.projects = opens, closes, offered
        await project_cache.bump(self.session, CALLS_VERSION_KEY)
        await audit.record(
            self.session,
            actor,
            "call.changed",
            subject_type="call",
            subject_id=call.id,
            summary=call.name,
            changes=audit.diff(before, after),
        )
        return call

    async def _change_rules(
        self, call: Call, opens: dt.datetime, closes: dt.datetime, offered: Sequence[Project], now: dt.datetime
    ) -> list[BrokenRule]:
        if call.ends_at <= now:
            closed = f"{call.name} closed at {last_moment(call)}: its window and projects no longer change"
            return [BrokenRule("call_closed", closed, "Open a new call instead")]
        broken = []
        if call.opens_at <= now and opens != call.opens_at:
            message = f"{call.name} opened at {uk_datetime(call.opens_at)}: its opening time no longer changes"
            broken.append(BrokenRule("call_opened", message, "Keep the opening time as it is"))
        if call.opens_at <= now and closes < call.closes_at:
            message = f"{call.name} is open: its closing time can only move later"
            broken.append(BrokenRule("call_shortened", message, "To stop taking submissions now, close the call"))
        kept = {p.id for p in offered}
        removed = [p for p in call.projects if p.id not in kept]
        if removed and (chosen := await self._chosen(call, removed)):
            message = f"People have already chosen {', '.join(chosen)} in this call"
            broken.append(BrokenRule("project_chosen", message, "Keep those projects in the call"))
        return broken

    async def _chosen(self, call: Call, projects: Sequence[Project]) -> list[str]:
        """The codes of ``projects`` someone chose in ``call``."""
        rows = await self.session.scalars(
            select(Project.code)
            .join(Choice, Choice.project_id == Project.id)
            .join(Expression, Expression.id == Choice.expression_id)
            .where(Expression.call_id == call.id, Project.id.in_([p.id for p in projects]))
            .distinct()
            .order_by(Project.code)
        )
        return list(rows.all())

    async def _projects(self, codes: Sequence[str], errors: list[FieldError]) -> list[Project]:
        if not codes:
            errors.append(FieldError("projects", "Choose at least one project for the call"))
            return []
        wanted = [c.strip().upper() for c in codes]
        found = {p.code: p for p in (await self.session.scalars(select(Project).where(Project.code.in_(wanted)))).all()}
        for i, code in enumerate(wanted):
            if code not in found:
                errors.append(FieldError(f"projects[{i}]", f"There is no project {code!r}"))
        return [found[c] for c in dict.fromkeys(wanted) if c in found]

    async def extend(self, actor: Principal, call_id: UUID, closes_at: str) -> Call:
        """Move the closing time later (an extension); to close early use :meth:`close_now`."""
        call = await self.by_id(call_id)
        new_close = uk_moment(closes_at, "closes_at", end_of_day=True)
        if new_close <= call.closes_at:
            raise InvalidInput.one("closes_at", f"An extension must close after {last_moment(call)}")
        before = {"closes_at": call.closes_at, "closed_early_at": call.closed_early_at}
        call.closes_at, call.closed_early_at = new_close, None
        await project_cache.bump(self.session, CALLS_VERSION_KEY)
        await audit.record(
            self.session,
            actor,
            "call.extended",
            subject_type="call",
            subject_id=call.id,
            summary=call.name,
            changes=audit.diff(before, {"closes_at": new_close, "closed_early_at": None}),
        )
        return call

    async def close_now(self, actor: Principal, call_id: UUID) -> Call:
        call = await self.by_id(call_id)
        now = clock.now()
        if not is_open(call, now):
            raise RuleViolation(
                [
                    BrokenRule(
                        "call_closed",
                        f"This call already closed at {last_moment(call)}",
                        "To take more submissions, extend it instead",
                    )
                ]
            )
        call.closed_early_at = now
        await project_cache.bump(self.session, CALLS_VERSION_KEY)
        await audit.record(
            self.session,
            actor,
            "call.closed_early",
            subject_type="call",
            subject_id=call.id,
            summary=call.name,
            changes={"closed_early_at": {"before": None, "after": str(now)}},
        )
        return call
