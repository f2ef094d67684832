"""A team's mix, and how each suggested person would change it: organisations (no more than
``STEPCHANGE_TEAM_MAX_SHARE_PERCENT`` from one without an override), sectors, and the programme's
tri-partite balance (policing, private sector, government, other public bodies) from the organisations
register. Computed from sets: one query for the register whatever the number of candidates."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.assignments.rules import organisation_share, over_share_limit
from stepchange.people.models import Organisation, Part
from stepchange.people.organisations import match_key

PART_LABELS = {
    Part.POLICING: "policing",
    Part.PRIVATE_SECTOR: "private sector",
    Part.GOVERNMENT: "government",
    Part.OTHER_PUBLIC: "other public bodies",
}
SECTOR_PARTS = {
    "policing": Part.POLICING,
    "government and public sector": Part.GOVERNMENT,
    "health": Part.OTHER_PUBLIC,
    "education": Part.OTHER_PUBLIC,
}
"""A person's part when the register does not say: from the sector they gave."""
POLICE_WORDS = ("police", "constabulary")


@functools.lru_cache(maxsize=65_536)
def guessed_part(organisation: str, sector: str) -> Part:
    """The part of an organisation the register has not classified: police by name, else by sector."""
    if any(word in organisation.lower() for word in POLICE_WORDS):
        return Part.POLICING
    return SECTOR_PARTS.get(sector.strip().lower(), Part.PRIVATE_SECTOR)


async def register_parts(session: AsyncSession, organisations: Iterable[str]) -> dict[str, Part]:
    """The register's part for each of these organisations it classifies, by match key (one query)."""
    keys = {match_key(name) for name in organisations} - {""}
    if not keys:
        return {}
    rows = await session.execute(
        select(Organisation.match_key, Organisation.part).where(
            Organisation.match_key.in_(keys), Organisation.part.is_not(None)
        )
    )
    return {key: part for key, part in rows.all() if part is not None}


@dataclass(frozen=True)
class Member:
    """What the mix counts of one person: their organisation (as matching compares it), sector and part."""

    organisation: str
    key: str
    sector: str
    part: Part


async def classified_parts(session: AsyncSession) -> dict[str, Part]:
    """Every part the register classifies, by match key (one query, bounded by the register, not by people)."""
    rows = await session.execute(
        select(Organisation.match_key, Organisation.part).where(Organisation.part.is_not(None))
    )
    return {key: part for key, part in rows.all() if part is not None}


def member_of(organisation: str, sector: str, parts: dict[str, Part]) -> Member:
    """What the mix counts of someone from this organisation and sector."""
    key = match_key(organisation)
    return Member(organisation, key, sector, parts.get(key) or guessed_part(organisation, sector))


@dataclass(frozen=True)
class Mix:
    """A team's make-up: how many people, from which organisations, sectors and parts."""

    size: int
    organisations: Counter[str]
    names: dict[str, str]
    sectors: Counter[str]
    parts: Counter[Part]

    @classmethod
    def of(cls, members: Sequence[Member]) -> Mix:
        return cls.counted((m, 1) for m in members)

    @classmethod
    def counted(cls, groups: Iterable[tuple[Member, int]]) -> Mix:
        """The mix of a team counted by the database: how many people of each organisation and sector."""
        organisations: Counter[str] = Counter()
        names: dict[str, str] = {}
        sectors: Counter[str] = Counter()
        parts: Counter[Part] = Counter()
        for m, count in groups:
            organisations[m.key] += count
            names[m.key] = m.organisation
            sectors[m.sector] += count
            parts[m.part] += count
        return cls(sum(organisations.values()), organisations, names, sectors, parts)

    def parts_text(self) -> str:
        """Policing 2, private sector 1, government 0, other public bodies 0."""
        return ", ".join(f"{label} {self.parts[part]}" for part, label in PART_LABELS.items()).capitalize()

    def largest_share(self) -> tuple[str, int] | None:
        """The organisation with most people on the team, and its share (a percentage)."""
        if not self.size:
            return None
        key, count = self.organisations.most_common(1)[0]
        return self.names[key], round(100 * count / self.size)


@dataclass(frozen=True)
class MixChange:
    """How one person would change the team's mix, and the penalty the desk orders suggestions by."""

    member: Member
    share_after: int
    over_share: bool
    same_organisation: int
    new_sector: bool
    part_count: int

    @property
    def penalty(self) -> int:
        """Lower is better: a part, organisation or sector the team already has is worth avoiding, most of
        all one more person from an organisation it already has."""
        return 3 * self.same_organisation + 2 * self.part_count + (0 if self.new_sector else 1)

    def describe(self, limit: int) -> list[str]:
        """The change in the programme's words, for the desk's page and API."""
        part = PART_LABELS[self.member.part]
        said = [f"From {part}: the team has {self.part_count} from {part} now"]
        if self.same_organisation:
            said.append(
                f"Would make {self.same_organisation + 1} from {self.member.organisation}, "
                f"{self.share_after}% of the team"
                + (f", over the {limit}% limit: offering needs an override with the reason" if self.over_share else "")
            )
        else:
            said.append(f"Adds a new organisation to the team ({self.member.organisation})")
        said.append(
            f"Adds a new sector ({self.member.sector})"
            if self.new_sector
            else f"Sector {self.member.sector} is on the team already"
        )
        return said


def change(mix: Mix, joining: Member, limit_percent: int, wanted: int) -> MixChange:
    """What adding this person does to the mix, the share judged by the offer's own rule."""
    same = mix.organisations[joining.key]
    return MixChange(
        member=joining,
        share_after=organisation_share(same, mix.size, wanted),
        over_share=over_share_limit(same, mix.size, wanted, limit_percent),
        same_organisation=same,
        new_sector=mix.sectors[joining.sector] == 0,
        part_count=mix.parts[joining.part],
    )
