"""What merging two records of one person does with a row both records hold under one of a table's unique
keys (a table pointing at people declares it in its ``info``; the merge itself is
``stepchange.people.merging``):

- :data:`KEEP_ONE`: the row says the same fact twice (both records are members of one subgroup): the
  survivor's row stays and the other's goes;
- a :class:`~stepchange.core.errors.BrokenRule`: the two rows cannot be made one without a decision nobody
  has taken (two places on one project, two months of time to add up): the merge is refused, naming what
  clashes and what to do first.

A table that declares nothing refuses with a general rule, so a new table can never make a merge fail
with a server error."""

from __future__ import annotations

from typing import Any

from stepchange.core.errors import BrokenRule

ON_MERGE_CLASH = "on_merge_clash"
KEEP_ONE = "keep one"
UNDECLARED = BrokenRule(
    "merge_clash",
    "Both records hold the same entry, which cannot be kept twice",
    "Remove it from one of the records, then merge them",
)


def on_merge_clash(treatment: str | BrokenRule) -> dict[str, Any]:
    """The ``__table_args__`` entry saying what a merge does when both records hold the same row."""
    return {"info": {ON_MERGE_CLASH: treatment}}
