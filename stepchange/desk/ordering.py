"""The desk's order asked of the database: a page of each list and their sizes in one statement, with no
Python object built for the people nobody sees (issue 28: a project 55,000 people chose).

:class:`~stepchange.desk.ranking.Ranker` still decides every rule, once per *kind*, and the database only
applies the answers: whether each kind of person (identity, role sought, place held, declarations holding
them back) may be offered a place becomes a list of kind numbers, and how each organisation and sector
would change the team's mix becomes a small number (its place in the order of ``(over the organisation
share, penalty)``). The statement works out each chooser's facts once, sorts each list in the desk's order
(:func:`rank_key`, with "a lead first while there is none") keeping only the page asked for, and counts
each list. The page's people are then ranked again in Python by the same :class:`Ranker`, so what the
page shows is exactly what the rules say; ``tests/test_desk_order.py`` holds the order to the one the
rules gave person by person.

It still reads every chooser's facts (from covering indexes: ``desk.indexes``) on each request; keeping
those facts in a table of their own, written with the choices, is the next step if that is too slow.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import (
    CTE,
    JSON,
    BigInteger,
    ColumnElement,
    Integer,
    Row,
    Select,
    Subquery,
    bindparam,
    case,
    cast,
    exists,
    func,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.assignments.models import ACTIVE, Assignment
from stepchange.core.database import dialect_of, planned_afresh
from stepchange.core.pagination import Window
from stepchange.desk.ranking import Chooser, Ranked, Ranker
from stepchange.ethics.conflicts import HELD_BACK, Blocking, held_back
from stepchange.interest.models import Choice, ChoiceRole, Expression, ExpressionStatus
from stepchange.people.identity import RANK
from stepchange.people.models import Identity, Volunteer

SUGGESTED, REFUSED, LEFT_OUT = 0, 1, 2
"""The lists a chooser falls in: may be offered a place, may not yet, or left out (already on the team)."""
ROLES = (ChoiceRole.LEAD, ChoiceRole.MEMBER)
BETWEEN = "\x1f"
"""Joins an organisation and a sector into one value (the unit separator: in neither)."""
IDENTITIES = tuple(Identity)


@dataclass(frozen=True)
class Listing:
    """A page of each of the desk's lists, ranked, and how many people each holds."""

    suggested: list[Ranked]
    refused: list[Ranked]
    suggested_total: int
    refused_total: int


def kind_number(identity: Any, role: Any, on_team: Any, held: Any) -> Any:
    """One number for a kind of person, the same sum in Python and in SQL: ``held`` is the bits of
    :func:`~stepchange.ethics.conflicts.held_back`, the last of the number."""
    return ((identity * len(ROLES) + role) * 2 + on_team) * 2 ** len(HELD_BACK) + held


def refused_kinds(ranker: Ranker) -> set[int]:
    """The numbers of every kind of person the rules refuse a place (every kind there can be: 160)."""
    refused = set()
    for (i, identity), (r, role), on_team in itertools.product(enumerate(IDENTITIES), enumerate(ROLES), (0, 1)):
        for held in range(2 ** len(HELD_BACK)):
            if ranker.refused_kind(identity, role, bool(on_team), _held(held)):
                refused.add(kind_number(i, r, on_team, held))
    return refused


def balance_places(ranker: Ranker, kinds: Sequence[tuple[str, str]]) -> tuple[int, dict[str, int]]:
    """Each organisation and sector's place in the order of ``(over the organisation share, penalty)``: the
    commonest place, and the others' places by organisation and sector (joined by :data:`BETWEEN`)."""
    balances = {kind: _balance(ranker, *kind) for kind in kinds}
    order = {balance: place for place, balance in enumerate(sorted(set(balances.values())))}
    place_of = {kind: order[balance] for kind, balance in balances.items()}
    common = Counter(place_of.values()).most_common(1)[0][0] if place_of else 0
    others = {f"{organisation}{BETWEEN}{sector}": place for (organisation, sector), place in place_of.items()}
    return common, {pair: place for pair, place in others.items() if place != common}


def places_table(places: dict[str, int], dialect: str) -> CTE:
    """The places as a table (``pair``, ``place``) for the statement to join: one look-up a chooser, from one
    parameter (a JSON object) whatever the number of organisations. A ``CASE`` of one ``IN`` list a place
    looked a chooser at the commonest place up in every list (49 for SR2: a third of the statement's time
    on SQLite), and its lists grew with the organisations."""
    document = bindparam("balance_places", places, type_=JSON)
    if dialect == "postgresql":
        rows = func.json_each_text(document).table_valued("key", "value")
        place: ColumnElement[int] = cast(rows.c.value, Integer)
    else:
        rows = func.json_each(document).table_valued("key", "value")
        place = rows.c.value
    return select(rows.c.key.label("pair"), place.label("place")).cte("balance_place").prefix_with("MATERIALIZED")


def _balance(ranker: Ranker, organisation: str, sector: str) -> tuple[bool, int]:
    change = ranker.mix_change_of(organisation, sector)
    return change.over_share, change.penalty


async def organisations_and_sectors(session: AsyncSession) -> list[tuple[str, str]]:
    """Every organisation and sector people gave (bounded by the organisations, not by the people)."""
    rows = await session.execute(select(Volunteer.organisation, Volunteer.sector).distinct())
    return [(organisation, sector) for organisation, sector in rows.all()]


def _best_choices(project_id: UUID) -> Subquery:
    """Each person's best choice of the project (if they chose it in two calls), as ``rank * 2 + role``:
    the lower rank, and of two choices of the same rank the one seeking the lead."""
    return (
        select(
            Expression.volunteer_id.label("volunteer_id"),
            func.min(Choice.rank * 2 + case((Choice.role == ChoiceRole.LEAD, 0), else_=1)).label("best"),
        )
        .join(Expression, Choice.expression_id == Expression.id)
        .where(Choice.project_id == project_id, Expression.status != ExpressionStatus.WITHDRAWN)
        .group_by(Expression.volunteer_id)
        .subquery("best_choice")
    )


async def ranked_lists(session: AsyncSession, ranker: Ranker, window: Window, *, without_team: bool = False) -> Listing:
    """A page of those who may be offered a place and of those who may not (``without_team``: leaving out
    the people holding a place), each in the desk's order, and the size of each list: one statement, whose
    sorts keep only the page (the best ``offset + limit`` of each list), never everyone in order."""
    organisations = await organisations_and_sectors(session)
    facts = _facts(ranker, organisations, dialect_of(session), without_team=without_team)
    counted = select(*(c if c.key == "listed" else null().label(c.key) for c in facts.c), func.count().label("total"))
    pages = [
        select(page.subquery())
        for page in (_page(ranker, facts, SUGGESTED, window), _page(ranker, facts, REFUSED, window))
    ]
    async with planned_afresh(session):  # a generic plan for every project's lists took 3 s, not 0.8 s
        rows = await session.execute(union_all(*pages, counted.group_by(facts.c.listed)))
    return _listing(ranker, rows.all())


def _page(ranker: Ranker, facts: CTE, listed: int, window: Window) -> Select[Any]:
    """A page of one list in the desk's order: :func:`rank_key`, after "a lead first while there is none"
    for those who may be offered a place."""
    lead_first = case((facts.c.role == 1, 1), else_=0)
    order = (
        *((lead_first,) if listed == SUGGESTED and not ranker.lead_taken else ()),
        facts.c.balance,
        facts.c.rank,
        (facts.c.hours_per_month - facts.c.taken).desc(),
        case(RANK, value=facts.c.identity, else_=-1).desc(),
        facts.c.created_at,
        facts.c.id,
    )
    return (
        select(*facts.c, cast(null(), BigInteger).label("total"))
        .where(facts.c.listed == listed)
        .order_by(*order)
        .limit(window.limit)
        .offset(window.offset)
    )


def _facts(ranker: Ranker, organisations: Sequence[tuple[str, str]], dialect: str, *, without_team: bool) -> CTE:
    """Each chooser's facts as the order needs them, and the kind and place in the order they make. Each is
    worked out once per person: the databases would otherwise ask again for each use of a column."""
    chooser = _chooser(ranker)
    identity = case({value: i for i, value in enumerate(IDENTITIES)}, value=chooser.c.identity)
    kind = kind_number(identity, chooser.c.role, chooser.c.on_team, chooser.c.held)
    refused = kind.in_(refused_kinds(ranker))
    on_team = chooser.c.on_team == 1
    listed = case((~refused, SUGGESTED), (on_team, LEFT_OUT if without_team else REFUSED), else_=REFUSED)
    common, places = balance_places(ranker, organisations)
    elsewhere = places_table(places, dialect)
    facts = select(
        *(c for c in chooser.c if c.key != "pair"),
        kind.label("kind"),
        listed.label("listed"),
        func.coalesce(elsewhere.c.place, common).label("balance"),
    ).select_from(chooser.outerjoin(elsewhere, elsewhere.c.pair == chooser.c.pair))
    return facts.cte("facts").prefix_with("MATERIALIZED")


def _chooser(ranker: Ranker) -> CTE:
    """Everyone who chose the project (not erased, not withdrawn): what the order reads of each. The hours
    people give other teams and the declarations holding them back are joined as sets, one row for each
    person with any: asked person by person, they were two look-ups for each of 55,000 choosers."""
    best = _best_choices(ranker.project.id)
    taken = (
        select(Assignment.volunteer_id.label("volunteer_id"), func.sum(Assignment.hours).label("hours"))
        .where(Assignment.status.in_(ACTIVE))
        .group_by(Assignment.volunteer_id)
        .subquery("taken")
    )
    held = held_back(ranker.project.id)
    holds_place = exists().where(
        Assignment.volunteer_id == Volunteer.id,
        Assignment.project_id == ranker.project.id,
        Assignment.status.in_(ACTIVE),
    )
    chooser = (
        select(
            Volunteer.id,
            Volunteer.organisation,
            Volunteer.sector,
            Volunteer.identity,
            Volunteer.hours_per_month,
            Volunteer.created_at,
            (best.c.best // 2).label("rank"),
            (best.c.best % 2).label("role"),
            func.coalesce(taken.c.hours, 0).label("taken"),
            case((holds_place, 1), else_=0).label("on_team"),
            func.coalesce(held.c.held, 0).label("held"),
            (Volunteer.organisation + BETWEEN + Volunteer.sector).label("pair"),
        )
        .join(best, best.c.volunteer_id == Volunteer.id)
        .outerjoin(taken, taken.c.volunteer_id == Volunteer.id)
        .outerjoin(held, held.c.volunteer_id == Volunteer.id)
        .where(Volunteer.erased_at.is_(None))
    )
    return chooser.cte("chooser").prefix_with("MATERIALIZED")


def _listing(ranker: Ranker, rows: Sequence[Row[Any]]) -> Listing:
    """The pages' people ranked again by the :class:`Ranker` (every person's facts as the rules see them), in
    its order, and each list's size."""
    lists: dict[int, list[Ranked]] = {SUGGESTED: [], REFUSED: [], LEFT_OUT: []}
    totals = {SUGGESTED: 0, REFUSED: 0, LEFT_OUT: 0}
    for row in rows:
        if row.total is not None:
            totals[row.listed] = int(row.total)
            continue
        person = Chooser(
            row.id,
            row.organisation,
            row.sector,
            row.identity,
            row.hours_per_month,
            row.created_at,
            int(row.rank),
            ROLES[int(row.role)],
        )
        ranker.hours[person.volunteer_id] = int(row.taken)
        if row.on_team:
            ranker.team.add(person.volunteer_id)
        ranker.blocking[person.volunteer_id] = _held(int(row.kind))
        lists[row.listed].append(ranker.rank(person))
    for page in lists.values():
        page.sort(key=lambda r: (r.key, r.chooser.volunteer_id))  # as the statement ordered them
    return Listing(lists[SUGGESTED], lists[REFUSED], totals[SUGGESTED], totals[REFUSED])


def _held(kind: int) -> list[Blocking]:
    """The declarations holding back a person of this kind number (its last bits: see :func:`kind_number`)."""
    return [b for i, b in enumerate(HELD_BACK) if kind >> (len(HELD_BACK) - 1 - i) & 1]
