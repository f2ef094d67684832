"""The audit trail's text search on PostgreSQL reads trigram indexes (``pg_trgm``, migration 0026) for
both its count and its page, rather than scanning the whole trail twice (issue 28)."""

from __future__ import annotations

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import func, select, text

from stepchange.core.audit import AuditEntry, AuditQuery
from stepchange.core.database import session_scope
from tests.conftest import ENGINE

pytestmark = pytest.mark.skipif(ENGINE != "postgresql", reason="trigram indexes are PostgreSQL's")


async def test_the_audit_text_search_reads_the_trigram_indexes(db_config: SQLAlchemyAsyncConfig) -> None:
    where = AuditQuery(text="smith_50%").conditions()
    asked = [
        select(func.count()).select_from(AuditEntry).where(*where),
        select(AuditEntry.id).where(*where).order_by(AuditEntry.created_at.desc()).limit(50),
    ]
    async with session_scope(db_config) as session:
        indexes = set(await session.scalars(text("SELECT indexname FROM pg_indexes WHERE tablename = 'audit_entry'")))
        assert {"ix_audit_entry_summary_trgm", "ix_audit_entry_actor_label_trgm"} <= indexes
        # A test trail is tiny, so the planner would rightly scan it (or walk the newest-first index):
        # forbid both to see what the search can use.
        await session.execute(text("SET LOCAL enable_seqscan = off"))
        await session.execute(text("SET LOCAL enable_indexscan = off"))
        dialect = session.get_bind().dialect
        for query in asked:
            sql = str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
            plan = "\n".join(await session.scalars(text(f"EXPLAIN {sql}")))
            assert "ix_audit_entry_summary_trgm" in plan and "ix_audit_entry_actor_label_trgm" in plan, plan
