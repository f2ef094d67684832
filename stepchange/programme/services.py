"""Programme rules: the check of the key-activity record."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from advanced_alchemy.repository import SQLAlchemyAsyncRepository

from stepchange.core.services import DomainService
from stepchange.programme.models import KeyActivity


@dataclass(frozen=True)
class DataWarning:
    """Something in the programme's data that looks wrong, reported and left as the source has it."""

    where: str
    message: str


def out_of_order(activities: Sequence[KeyActivity]) -> list[KeyActivity]:
    """The entries that break the record's date order, fewest first.

    Entries are kept in the longest run that reads in order (a date range counts as in order with
    anything it overlaps); whatever falls outside that run is out of order. This flags the one
    misplaced entry, not its innocent neighbours.
    """
    rows = sorted(activities, key=lambda a: a.position)
    best: list[list[KeyActivity]] = []
    for i, row in enumerate(rows):
        chain = [row]
        for j in range(i):
            if rows[j].starts_on <= row.ends_on and len(best[j]) + 1 > len(chain):
                chain = [*best[j], row]
        best.append(chain)
    keep = {id(a) for a in max(best, key=len, default=[])}
    return [a for a in rows if id(a) not in keep]


def key_activity_warnings(activities: Sequence[KeyActivity]) -> list[DataWarning]:
    warnings = []
    for activity in out_of_order(activities):
        warnings.append(
            DataWarning(
                where=f"key activity {activity.position} ({activity.date_text!r})",
                message=f"'{activity.date_text}' is out of date order with the entries around it",
            )
        )
    return warnings


class KeyActivityRepository(SQLAlchemyAsyncRepository[KeyActivity]):
    model_type = KeyActivity


class KeyActivityService(DomainService[KeyActivity, KeyActivityRepository]):
    repository_type = KeyActivityRepository

    async def in_source_order(self) -> Sequence[KeyActivity]:
        return await self.get_many(order_by=[(KeyActivity.position, False)])
