"""The office's people export: everyone the filters find, one row a person, streamed.

One statement reads it, whatever the number of people: each person joined to their expressions of
interest (newest call first), the call's name and each choice's project code and role, in the list's
default order (newest first, through ``ix_volunteer_created_at_id``). It is read in chunks and each
person's consecutive rows are folded into one line of the file, written as soon as it is complete.
Only the exported columns are read: never a phone number, so nothing is decrypted.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from litestar.response import Stream
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from stepchange.core.exports import csv_stream, read_alone, rows_in_chunks
from stepchange.interest.models import Call, Choice, Expression
from stepchange.interest.search import PEOPLE_COLUMNS, PeopleSearch
from stepchange.people.models import Volunteer
from stepchange.projects.models import Project


def people_export_query(search: PeopleSearch) -> Select[*tuple[Any, ...]]:
    """Each person the filters find, with a row for each choice of each expression of interest."""
    # Aliases: the filters' own subqueries on expressions and choices must not correlate to these joins.
    expression, call, choice, project = aliased(Expression), aliased(Call), aliased(Choice), aliased(Project)
    query: Select[*tuple[Any, ...]] = (
        select(
            Volunteer.id,
            Volunteer.name,
            Volunteer.email,
            Volunteer.organisation,
            Volunteer.job_title,
            Volunteer.sector,
            Volunteer.identity,
            Volunteer.hours_per_month,
            Volunteer.created_at,
            expression.id,
            call.name,
            project.code,
            choice.role,
        )
        .select_from(Volunteer)
        .outerjoin(expression, expression.volunteer_id == Volunteer.id)
        .outerjoin(call, call.id == expression.call_id)
        .outerjoin(choice, choice.expression_id == expression.id)
        .outerjoin(project, project.id == choice.project_id)
        .where(*search.conditions())
        .order_by(Volunteer.created_at.desc(), Volunteer.id.desc(), call.opens_at.desc(), expression.id, choice.rank)
    )
    return query


@dataclass
class _Person:
    """One person's line of the export, gathered from their consecutive rows."""

    first: Any
    calls: list[str] = field(default_factory=list)
    choices: list[str] = field(default_factory=list)
    expressions: set[UUID] = field(default_factory=set)

    @property
    def id(self) -> UUID:
        person: UUID = self.first[0]
        return person

    def add(self, row: Any) -> None:
        expression_id, call, code, role = row[9:]
        if expression_id is not None and expression_id not in self.expressions:
            self.expressions.add(expression_id)
            self.calls.append(call)
        if code is not None:
            self.choices.append(f"{code} ({role.value})")

    def cells(self) -> list[Any]:
        """The line in :data:`PEOPLE_COLUMNS` order."""
        _, name, email, organisation, job_title, sector, identity, hours, registered = self.first[:9]
        calls, choices = "; ".join(self.calls), "; ".join(self.choices)
        return [
            name,
            email,
            organisation,
            job_title,
            sector,
            identity.value,
            hours,
            calls,
            choices,
            str(registered.date()),
        ]


async def people_lines(session: AsyncSession, search: PeopleSearch) -> AsyncIterator[Sequence[Sequence[Any]]]:
    """The export's lines a chunk at a time, from one statement read as it goes."""
    person: _Person | None = None
    async for rows in rows_in_chunks(session, people_export_query(search)):
        done = []
        for row in rows:
            if person is None or person.id != row[0]:
                if person is not None:
                    done.append(person.cells())
                person = _Person(row)
            person.add(row)
        yield done
    if person is not None:
        yield [person.cells()]


def people_export(config: SQLAlchemyAsyncConfig, search: PeopleSearch, filename: str) -> Stream:
    """The filtered people as a CSV download, sent as it is read."""
    return csv_stream(PEOPLE_COLUMNS, read_alone(config, lambda session: people_lines(session, search)), filename)
