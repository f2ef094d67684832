"""What a reminder is: an item for one person, under one rule, about one thing, for one period."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from uuid import UUID

ONCE = "once"
"""The period of a reminder that goes once and never again."""


@dataclass(frozen=True)
class Recipient:
    """Whom a digest goes to: a volunteer or a member of staff (``role`` is for the dry run's plan)."""

    kind: str
    id: UUID
    email: str
    name: str
    role: str


@dataclass(frozen=True)
class Item:
    """One line of a digest, with its link. ``essential`` items go even to volunteers who stopped reminders."""

    rule: str
    subject_id: UUID
    period: str
    text: str
    url: str
    essential: bool = False
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> tuple[str, UUID, str]:
        return self.rule, self.subject_id, self.period


@dataclass(frozen=True)
class Moment:
    """When the reminders run: the instant and its UK day."""

    now: dt.datetime
    today: dt.date


Found = list[tuple[Recipient, Item]]
