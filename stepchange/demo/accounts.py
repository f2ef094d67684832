"""One demo account per staff role, each signing in with the same development-only password."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.accounts.services import StaffDetails, StaffService
from stepchange.core.audit import SYSTEM
from stepchange.core.authz import StaffRole

DEMO_PASSWORD = "demo-password-change-me"  # noqa: S105 - development only; refused in production
DEMO_ORGANISATION = "Step-Change demo"
DEMO_STAFF = (
    StaffDetails("coordinator@stepchange.example", "Casey Coordinator", StaffRole.COORDINATOR, None, DEMO_ORGANISATION),
    StaffDetails("co-chair.cp@stepchange.example", "Chris Co-chair", StaffRole.CO_CHAIR, "CP", DEMO_ORGANISATION),
    StaffDetails("ethics@stepchange.example", "Erin Ethics", StaffRole.ETHICS, None, DEMO_ORGANISATION),
    StaffDetails("board@stepchange.example", "Blake Board", StaffRole.BOARD, None, DEMO_ORGANISATION),
)


async def add_demo_accounts(session: AsyncSession, cost: str) -> None:
    """Add each demo account that is missing (an existing one, password included, is left as it is)."""
    staff = StaffService(session=session)
    for details in DEMO_STAFF:
        if await staff.by_email(details.email) is None:
            await staff.add_staff(SYSTEM, details, password=DEMO_PASSWORD, cost=cost)


def sign_in_lines(base_url: str) -> list[str]:
    """How to sign in as each demo account, as ``stepchange demo accounts`` prints it."""
    lines = [f"Demo accounts ready. Sign in at {base_url}/login with password {DEMO_PASSWORD!r} as:"]
    for details in DEMO_STAFF:
        chairs = f" of {details.workstream}" if details.workstream else ""
        lines.append(f"  {details.email:<34} {details.role}{chairs}")
    return lines
