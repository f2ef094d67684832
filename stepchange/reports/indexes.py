"""The indexes the board's reports count through, declared here beside the counts that need them.

At national scale (100,000 people, a quarter of a million choices) a report must answer from indexes,
not by reading the tables, to be counted afresh within the goals of issue 25 (the JSON in 300 ms, the
page in a second, on SQLite and PostgreSQL). Each index below *covers* one count: every column the
count reads is in the index, so the engine never visits the table's rows.

The tables belong to ``interest`` and ``people``; the indexes are declared here because only the
reports read through them (the writes pay for them: a few small index entries a submission). Migration
``0014`` builds them (later ones by later migrations: ``0026``, ``0032``); ``stepchange.models`` imports this
module so Alembic sees them.
"""

from __future__ import annotations

from sqlalchemy import Index

from stepchange.interest.models import Choice, Expression
from stepchange.people.models import IdentityStep, Volunteer

CHOICES_BY_PROJECT = Index(
    "ix_choice_project_expression_role_rank", Choice.project_id, Choice.expression_id, Choice.role, Choice.rank
)
"""Demand per project (lead and first choices) and a work-stream's people, read in project order."""
SUBMISSIONS_BY_CALL = Index("ix_expression_call_submitted_at", Expression.call_id, Expression.submitted_at)
"""A call's submissions over its open days."""
EXPRESSIONS_BY_PERSON = Index(
    "ix_expression_volunteer_call_submitted_at", Expression.volunteer_id, Expression.call_id, Expression.submitted_at
)
"""From people (of an identity) to their expressions: which calls, and when they submitted."""
PEOPLE_BY_IDENTITY = Index("ix_volunteer_identity_id", Volunteer.identity, Volunteer.id)
"""The people at each identity step, without reading their (large, encrypted) rows."""
STEPS_BY_KIND = Index(
    "ix_identity_step_step_volunteer_created_at", IdentityStep.step, IdentityStep.volunteer_id, IdentityStep.created_at
)
"""When each person was validated (the call's trend), and who confirmed their address before a rejection."""
EXPRESSIONS_BY_ID = Index(
    "ix_expression_id_call_volunteer_submitted_at",
    Expression.id,
    Expression.call_id,
    Expression.volunteer_id,
    Expression.submitted_at,
)
"""A work-stream's expressions (found from its choices) by id: their call, person and time from the index
entry, not the wide row (experience, credentials)."""
IDENTITY_BY_PERSON = Index("ix_volunteer_id_identity", Volunteer.id, Volunteer.identity)
"""A person's identity step by id, without reading their (large, encrypted) row."""
NIL_RETURNS = Index(
    "ix_expression_nil_return",
    Expression.volunteer_id,
    sqlite_where=Expression.no_conflicts.is_(True),
    postgresql_where=Expression.no_conflicts.is_(True),
)
"""The people who said they have nothing to declare: the register of interests counts its nil returns
from these entries alone (a partial index, one small entry for each such expression)."""
HOURS_BY_PERSON = Index("ix_volunteer_id_hours_per_month", Volunteer.id, Volunteer.hours_per_month)
"""The hours a month of each person placed (the report's hours), without reading their rows: PostgreSQL
otherwise hash-joins a scan of every person to read a few thousand."""
