"""What the organisations API receives and sends."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec

from stepchange.people.models import Part

Domain = Annotated[str, msgspec.Meta(max_length=253)]


class OrganisationIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(max_length=200)]
    domains: Annotated[list[Domain], msgspec.Meta(max_length=50)] = []


class DomainIn(msgspec.Struct, forbid_unknown_fields=True):
    domain: Domain


class OrganisationOut(msgspec.Struct):
    id: UUID
    name: str
    domains: list[str]
    part: Part | None = None
    """policing, private_sector, government or other_public: the team balance the desk weighs"""


class PartIn(msgspec.Struct, forbid_unknown_fields=True):
    part: Part | None


class DomainAdded(msgspec.Struct):
    organisation: OrganisationOut
    people_confirmed: int
