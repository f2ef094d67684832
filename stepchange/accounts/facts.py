"""What follows from a change to a staff account in the domains above accounts, asked through a socket.

A co-chair's seats in a work-stream (appointments, roster places) carry access to its confidential
minutes; when their role or work-stream changes, or the account closes, those seats must end too.
Governance keeps the seats and builds on accounts, so accounts calls it through this socket.
"""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core.authz import StaffRole
from stepchange.core.guards import Principal
from stepchange.core.wiring import Socket


class SeatKeeper(Protocol):
    async def staff_changed(
        self, session: AsyncSession, actor: Principal, user_id: UUID, role: StaffRole | None, workstream_id: UUID | None
    ) -> None:
        """End every seat the person no longer holds by right (``role`` None: the account closed)."""
        ...


STAFF_SEATS: Socket[SeatKeeper] = Socket("staff seats")
