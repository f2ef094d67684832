"""What the database already holds of an export, found once, set-based, before any row is written.

An import looks up, for each chunk of rows, the people already on record with the rows' addresses and
the responses imported before with their respondent ids. On a first load none are held, and those
look-ups (hundreds of ``IN`` lists, each planned afresh on PostgreSQL) were a large part of the import's
time while finding nothing. So the file's addresses and respondent ids go into a temporary table
(one bulk insert, ``COPY`` on PostgreSQL) and two joins say which of them the database holds; the
per-chunk look-ups then ask only about those (:meth:`Prior.may_hold_person`,
:meth:`Prior.may_have_imported`) — on a first load, nothing at all.

A row whose address or respondent id was not among those read from the file here is looked up as
before, so a difference between how the reader and the rules read an address can never make the import
miss someone held.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Column, MetaData, String, Table, Text, select
from sqlalchemy.ext.asyncio import AsyncConnection

from stepchange.interest.bulk_insert import BulkInsert
from stepchange.interest.models import ImportedResponse
from stepchange.people.models import Volunteer
from stepchange.people.services import TableRows

ADDRESS = "a"
RESPONDENT = "r"

_keys = Table(
    "import_key",
    MetaData(),
    Column("kind", String(1), nullable=False),
    Column("value", Text, nullable=False),  # as the file has it: unchecked, of any length
    prefixes=["TEMPORARY"],
)
"""The file's addresses and respondent ids, for the joins; made and dropped by :func:`prior_holdings`."""


@dataclass(frozen=True)
class Prior:
    """Of the file's addresses and respondent ids: which were read here, and which the database holds."""

    addresses: frozenset[str]
    held_addresses: frozenset[str]
    respondent_ids: frozenset[str]
    imported_ids: frozenset[str]

    def may_hold_person(self, email: str) -> bool:
        """Whether a person with this address may be on record (held, or not among the addresses read)."""
        return email in self.held_addresses or email not in self.addresses

    def may_have_imported(self, respondent_id: str) -> bool:
        """Whether this response may have been imported before (likewise)."""
        return respondent_id in self.imported_ids or respondent_id not in self.respondent_ids


def _storable(value: str) -> bool:
    """Whether a value read from the file can go into the temporary table as it is (not empty, and no NUL,
    which PostgreSQL's text refuses); any other is simply not read here, so its row is looked up if accepted."""
    return bool(value) and "\x00" not in value


async def prior_holdings(
    connection: AsyncConnection, bulk: BulkInsert, survey: str, addresses: Sequence[str], respondent_ids: Sequence[str]
) -> Prior:
    """Which of ``addresses`` the database's people have, and which of ``respondent_ids`` this survey's
    imported responses have: two joins against a temporary table, in the caller's transaction."""
    read_addresses = frozenset(a for a in addresses if _storable(a))
    read_ids = frozenset(i for i in respondent_ids if _storable(i))
    # Made and dropped in the transaction: should anything fail, the rollback removes it too.
    await connection.run_sync(lambda sync: _keys.create(sync))
    keys = TableRows(_keys, ("kind", "value"))
    keys.rows = [(ADDRESS, a) for a in read_addresses] + [(RESPONDENT, i) for i in read_ids]
    await bulk.insert(keys)
    await bulk.settle()
    held = await connection.scalars(
        select(Volunteer.email).join(_keys, Volunteer.email == _keys.c.value).where(_keys.c.kind == ADDRESS)
    )
    held_addresses = frozenset(held)
    imported = await connection.scalars(
        select(ImportedResponse.respondent_id)
        .join(_keys, ImportedResponse.respondent_id == _keys.c.value)
        .where(_keys.c.kind == RESPONDENT, ImportedResponse.source == survey)
    )
    imported_ids = frozenset(imported)
    await connection.run_sync(lambda sync: _keys.drop(sync))
    return Prior(read_addresses, held_addresses, read_ids, imported_ids)
