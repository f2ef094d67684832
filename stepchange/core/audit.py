"""The audit trail: who did what, when, and what changed.

Ordinary fields keep their before and after values; personal or encrypted fields keep only their
names, so the audit never undoes encryption or erasure.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Index, String, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from stepchange.core.database import Base, JsonDocument, run_core, table_of
from stepchange.core.guards import Principal
from stepchange.core.logs import log_event_on_commit
from stepchange.core.sql import contains_any_case, scanned

CHANGED = "(changed)"
SYSTEM_ID = UUID(int=0)


class AuditEntry(Base):
    """One recorded action. ``created_at`` (from the base) is when it happened."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_created_at", "created_at"),
        Index("ix_audit_entry_action_created_at", "action", "created_at"),
        *(
            Index(
                f"ix_audit_entry_{column}_trgm", column, postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"}
            ).ddl_if(dialect="postgresql")
            for column in ("summary", "actor_label")
        ),
    )
    """Newest first, a page at a time, without sorting the whole trail (of one kind of action, as the office's
    home reads recent validations, by the action's index); on PostgreSQL, the text search
    (``ILIKE '%words%'``) through trigram indexes (``pg_trgm``, migration 0026) instead of a scan."""

    actor_id: Mapped[UUID | None] = mapped_column(index=True, nullable=True)
    actor_label: Mapped[str] = mapped_column(String(200), doc="Role and id, or 'system' / 'anonymous'")
    action: Mapped[str] = mapped_column(String(80), index=True)
    subject_type: Mapped[str] = mapped_column(String(40), index=True)
    subject_id: Mapped[str | None] = mapped_column(String(80), index=True, nullable=True)
    summary: Mapped[str] = mapped_column(String(300), default="")
    changes: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)


@dataclass(frozen=True)
class System:
    """The actor for work the service does by itself (seeding, imports, the mail sender)."""

    id: UUID = SYSTEM_ID
    role: str = "system"
    workstream_id: UUID | None = None
    label: str = "system"


SYSTEM = System()

_INSERT_ENTRY = insert(table_of(AuditEntry))


def _plain(value: Any) -> Any:
    """Values as JSON can hold them."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.date | dt.datetime | UUID):
        return str(value)
    return value


def diff(before: Mapping[str, Any], after: Mapping[str, Any], *, personal: Iterable[str] = ()) -> dict[str, Any]:
    """What changed between two snapshots: ``{field: {before, after}}``, or ``(changed)`` when personal."""
    hidden = set(personal)
    out: dict[str, Any] = {}
    for field in sorted(set(before) | set(after)):
        old, new = before.get(field), after.get(field)
        if old == new:
            continue
        out[field] = CHANGED if field in hidden else {"before": _plain(old), "after": _plain(new)}
    return out


async def record(
    session: AsyncSession,
    actor: Principal | None,
    action: str,
    *,
    subject_type: str,
    subject_id: object | None = None,
    summary: str = "",
    changes: Mapping[str, Any] | None = None,
) -> None:
    """Write an audit entry in the caller's transaction: it is kept exactly when the change is.

    Written at once by a statement built once, not through the unit of work: an entry is never read back
    or changed by the request that records it, and an object per entry cost every submission a third of
    a millisecond (issue 28).
    """
    changed = dict(changes or {})
    entry = {
        "actor_id": actor.id if actor is not None else None,
        "actor_label": actor.label if actor is not None else "anonymous",
        "action": action,
        "subject_type": subject_type,
        "subject_id": str(subject_id) if subject_id is not None else None,
        "summary": summary[:300],
        "changes": changed,
    }
    await run_core(session, _INSERT_ENTRY, entry)
    log_event_on_commit(  # ids and codes only: never the summary or the changes' values
        session,
        action,
        subject_type=subject_type,
        subject_id=entry["subject_id"],
        actor_id=entry["actor_id"],
        actor_role=actor.role if actor is not None else "anonymous",
        changed=len(changed),
    )


@dataclass(frozen=True)
class AuditQuery:
    """What the coordinator's audit page searches by."""

    actor_id: UUID | None = None
    action: str | None = None
    subject_type: str | None = None
    subject_id: str | None = None
    text: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = []
        if self.actor_id is not None:
            where.append(AuditEntry.actor_id == self.actor_id)
        if self.action:
            where.append(AuditEntry.action.startswith(self.action))
        if self.subject_type:
            where.append(AuditEntry.subject_type == self.subject_type)
        if self.subject_id:
            where.append(AuditEntry.subject_id == self.subject_id)
        if self.text:
            words = self.text
            where.append(
                or_(contains_any_case(AuditEntry.summary, words), contains_any_case(AuditEntry.actor_label, words))
            )
        if self.since is not None:
            where.append(AuditEntry.created_at >= self.since)
        if self.until is not None:
            where.append(AuditEntry.created_at < self.until)
        return where


async def search(
    session: AsyncSession, query: AuditQuery, *, limit: int, offset: int
) -> tuple[Sequence[AuditEntry], int]:
    """Entries matching ``query``, newest first, and how many match in all. Searched for words, the trail
    is read in table order and the matches sorted (the count reads every row anyway): walking the
    newest-first index instead would visit every row out of order when the words are rare."""
    where = query.conditions()
    total = await session.scalar(select(func.count()).select_from(AuditEntry).where(*where)) or 0
    newest = scanned(AuditEntry.created_at) if query.text else AuditEntry.created_at
    rows = await session.scalars(select(AuditEntry).where(*where).order_by(newest.desc()).limit(limit).offset(offset))
    return rows.all(), int(total)
