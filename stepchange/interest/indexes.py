"""The indexes the office's people list reads through, declared here beside the sorts that need them.

The list shows one page of 100,000 people in the order asked (:data:`stepchange.interest.search.SORTS`,
ties by id). Without an index on the sort column the database reads and sorts every row for any page;
with one on the column and the id, a page is a short walk along the index, and a deep page skips index
entries, never whole rows. (The identity sort reads through ``ix_volunteer_identity_id``, the reports'.)
Migration ``0024`` builds them; ``stepchange.models`` imports this module so Alembic sees them.
"""

from __future__ import annotations

from sqlalchemy import Index

from stepchange.people.models import Volunteer

PEOPLE_BY_REGISTERED = Index("ix_volunteer_created_at_id", Volunteer.created_at, Volunteer.id)
"""The list's default order: newest first."""
PEOPLE_BY_NAME = Index("ix_volunteer_search_key_id", Volunteer.search_key, Volunteer.id)
"""By name (through the folded search key, so "Ávila" sorts with "A")."""
PEOPLE_BY_ORGANISATION = Index("ix_volunteer_organisation_id", Volunteer.organisation, Volunteer.id)
"""By organisation."""
