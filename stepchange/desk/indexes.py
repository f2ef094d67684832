"""The indexes the desk's order reads through (:mod:`stepchange.desk.ordering`), declared beside it.

A project chosen by 55,000 people is ordered in the database from every chooser's facts; each index below
*covers* what one step reads, so the engine never visits the wide rows (encrypted phone, experience,
credentials). Migration ``0034`` builds them; ``stepchange.models`` imports this module so Alembic sees
them.
"""

from __future__ import annotations

from sqlalchemy import Index

from stepchange.interest.models import Expression
from stepchange.people.models import Volunteer

DESK_FACTS_BY_PERSON = Index(
    "ix_volunteer_desk_facts",
    Volunteer.id,
    Volunteer.erased_at,
    Volunteer.identity,
    Volunteer.organisation,
    Volunteer.sector,
    Volunteer.hours_per_month,
    Volunteer.created_at,
)
"""A chooser's facts for the order (identity, organisation and sector, hours, when they offered) by id."""
EXPRESSION_STATUS_BY_ID = Index(
    "ix_expression_id_status_volunteer", Expression.id, Expression.status, Expression.volunteer_id
)
"""A choice's expression by id: whether it was withdrawn, and whose it is."""
ORGANISATIONS_AND_SECTORS = Index("ix_volunteer_organisation_sector", Volunteer.organisation, Volunteer.sector)
"""Every organisation and sector people gave, read from the index (one entry a person, no row)."""
