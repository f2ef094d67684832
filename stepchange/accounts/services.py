"""Staff account rules: who may hold which role, signing in, invitations, resets and leavers."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.accounts.facts import STAFF_SEATS
from stepchange.accounts.mfa import SecondFactor, Stage
from stepchange.accounts.models import StaffUser
from stepchange.core import audit, clock
from stepchange.core.authz import StaffRole
from stepchange.core.errors import BrokenRule, FieldError, InvalidInput, NotFound, RuleViolation
from stepchange.core.guards import Principal
from stepchange.core.links import issue_link, use_link
from stepchange.core.mail_templates import queue_templated_mail
from stepchange.core.passwords import hash_password, password_problems, verify_password
from stepchange.core.services import DomainService
from stepchange.core.settings import Settings
from stepchange.core.validation import email_problem, normalise_email, text_problem
from stepchange.workstreams.models import Workstream

STAFF = "staff"
"""The kind of principal a staff session holds (volunteers' sessions are another kind)."""
INVITATION = "staff_invitation"
PASSWORD_RESET = "password_reset"  # noqa: S105 - a link purpose, not a secret
INVITATION_LIFETIME = dt.timedelta(days=7)
RESET_LIFETIME = dt.timedelta(hours=1)


@dataclass(frozen=True)
class StaffPrincipal:
    """A signed-in member of staff, as guards and services see them."""

    id: UUID
    role: str
    workstream_id: UUID | None
    name: str
    email: str
    session_epoch: int

    @property
    def label(self) -> str:
        return f"{self.name} ({self.role})"

    @classmethod
    def of(cls, user: StaffUser) -> StaffPrincipal:
        return cls(user.id, user.role.value, user.workstream_id, user.name, user.email, user.session_epoch)


class LoginFailed(Exception):
    """Wrong e-mail or password, or an inactive account: the caller must not say which."""


@dataclass(frozen=True)
class StaffDetails:
    """What a coordinator fills in to add or change a member of staff."""

    email: str
    name: str
    role: StaffRole
    workstream: str | None = None
    organisation: str = ""


def _snapshot(user: StaffUser) -> dict[str, Any]:
    return {
        "name": user.name,
        "role": user.role,
        "workstream": user.workstream_code,
        "organisation": user.organisation,
        "is_active": user.is_active,
    }


class StaffRepository(SQLAlchemyAsyncRepository[StaffUser]):
    model_type = StaffUser


class StaffService(DomainService[StaffUser, StaffRepository]):
    """Everything about staff accounts; every change is audited."""

    repository_type = StaffRepository

    async def by_id(self, user_id: UUID) -> StaffUser:
        user = await self.get_one_or_none(StaffUser.id == user_id)
        if user is None:
            raise NotFound("member of staff", f"id {user_id}")
        return user

    async def by_email(self, email: str) -> StaffUser | None:
        return await self.get_one_or_none(StaffUser.email == normalise_email(email))

    async def roster(self, *, role: StaffRole | None = None, active: bool | None = None) -> Sequence[StaffUser]:
        filters = []
        if role is not None:
            filters.append(StaffUser.role == role)
        if active is not None:
            filters.append(StaffUser.is_active.is_(active))
        return await self.get_many(*filters, order_by=[(StaffUser.name, False)])

    async def _workstream_for(self, role: StaffRole, code: str | None) -> UUID | None:
        """A co-chair belongs to exactly one work-stream; nobody else is bound to one."""
        if role is not StaffRole.CO_CHAIR:
            if code:
                raise InvalidInput.one("workstream", "Only co-chairs are bound to a work-stream")
            return None
        if not code:
            raise InvalidInput.one("workstream", "Choose the work-stream this co-chair chairs")
        workstream_id = await self.session.scalar(select(Workstream.id).where(Workstream.code == code.strip().upper()))
        if workstream_id is None:
            raise InvalidInput.one("workstream", f"There is no work-stream with code {code!r}")
        return workstream_id

    def _check_details(self, details: StaffDetails) -> None:
        problems = [
            email_problem(details.email),
            text_problem(details.name, "name", label="a name", max_length=200),
            text_problem(details.organisation, "organisation", label="an organisation", max_length=200, required=False),
        ]
        errors = [p for p in problems if p is not None]
        if errors:
            raise InvalidInput(errors)

    async def add_staff(
        self, actor: Principal, details: StaffDetails, *, password: str | None = None, cost: str = "standard"
    ) -> StaffUser:
        """Add a member of staff (with a password from the command line, or none until they accept)."""
        self._check_details(details)
        email = normalise_email(details.email)
        if await self.by_email(email) is not None:
            raise RuleViolation([BrokenRule("email_taken", f"There is already a member of staff with {email}")])
        if password is not None:
            self._check_password(password, email)
        user = StaffUser(
            email=email,
            name=details.name.strip(),
            role=details.role,
            workstream_id=await self._workstream_for(details.role, details.workstream),
            organisation=details.organisation.strip(),
            password_hash=await hash_password(password, cost) if password is not None else None,
        )
        self.session.add(user)
        await self.session.flush()
        await self.session.refresh(user)
        await audit.record(
            self.session,
            actor,
            "staff.created",
            subject_type="staff",
            subject_id=user.id,
            summary=f"Added {user.name} as {user.role.value}",
            changes=audit.diff({}, _snapshot(user)),
        )
        return user

    async def invite(self, actor: Principal, details: StaffDetails, settings: Settings) -> StaffUser:
        """Add a member of staff and e-mail them a single-use link to set their password."""
        user = await self.add_staff(actor, details)
        await self._send_link(user, INVITATION, INVITATION_LIFETIME, settings)
        return user

    async def _send_link(self, user: StaffUser, purpose: str, lifetime: dt.timedelta, settings: Settings) -> None:
        token = await issue_link(self.session, purpose, user.id, lifetime=lifetime)
        if purpose == INVITATION:
            role = user.role.value.replace("_", "-")
            await queue_templated_mail(
                self.session,
                "staff_invitation",
                to=user.email,
                category=purpose,
                name=user.name,
                role=role,
                role_article="an" if role[0] in "aeiou" else "a",
                url=f"{settings.base_url}/account/invitation/{token}",
            )
        else:
            await queue_templated_mail(
                self.session,
                "password_reset",
                to=user.email,
                category=purpose,
                name=user.name,
                url=f"{settings.base_url}/account/reset/{token}",
            )

    def _check_password(self, password: str, email: str) -> None:
        problems = password_problems(password, email=email)
        if problems:
            raise InvalidInput([FieldError("password", p) for p in problems])

    async def set_password_by_link(self, purpose: str, token: str, password: str, cost: str) -> StaffUser:
        """Accept an invitation or complete a reset: the link is used up, and every old session ends."""
        if len(token) > 200:
            raise NotFound("link", "that address")
        link = await use_link(self.session, purpose, token)
        user = await self.by_id(link.subject_id)
        if not user.is_active:
            raise RuleViolation([BrokenRule("account_inactive", "This account has been closed")])
        self._check_password(password, user.email)
        user.password_hash = await hash_password(password, cost)
        user.session_epoch += 1
        await audit.record(
            self.session,
            StaffPrincipal.of(user),
            "staff.invitation_accepted" if purpose == INVITATION else "staff.password_reset",
            subject_type="staff",
            subject_id=user.id,
            changes={"password": audit.CHANGED},
        )
        return user

    async def request_password_reset(self, email: str, settings: Settings) -> None:
        """Send a reset link if the address belongs to an active account; say nothing either way."""
        user = await self.by_email(email) if email_problem(email) is None else None
        if user is None or not user.is_active:
            return
        await self._send_link(user, PASSWORD_RESET, RESET_LIFETIME, settings)
        await audit.record(
            self.session, None, "staff.password_reset_requested", subject_type="staff", subject_id=user.id
        )

    async def authenticate(self, email: str, password: str, cost: str) -> StaffUser:
        """The active account these credentials open, or :class:`LoginFailed` (audited)."""
        user = await self.by_email(email)
        ok = await verify_password(user.password_hash if user else None, password, cost)
        if user is None or not ok or not user.is_active:
            await audit.record(
                self.session,
                None,
                "auth.login_failed",
                subject_type="staff",
                subject_id=user.id if user else None,
                summary="unknown account" if user is None else ("inactive account" if ok else "wrong password"),
                changes={"email_sha256": hashlib.sha256(normalise_email(email).encode()).hexdigest()[:16]},
            )
            raise LoginFailed
        return user

    async def record_sign_in(self, user: StaffUser, how: str = "") -> None:
        """The sign-in is complete (password, and a code when one is needed): when, and audited."""
        user.last_login_at = clock.now()
        await audit.record(
            self.session, StaffPrincipal.of(user), "auth.login", subject_type="staff", subject_id=user.id, summary=how
        )

    async def record_password_step(self, user: StaffUser, stage: Stage) -> None:
        """The password was right and a second step is owed (audited: a stolen password shows here)."""
        await audit.record(
            self.session,
            None,
            "auth.password_accepted",
            subject_type="staff",
            subject_id=user.id,
            summary="code needed" if stage is Stage.CODE else "setting up an authenticator app needed",
        )

    async def reset_second_factor(self, actor: Principal, user_id: UUID) -> StaffUser:
        """A coordinator resets someone else's second factor (see :meth:`SecondFactor.reset_for`)."""
        user = await self.by_id(user_id)
        await SecondFactor(self.session).reset_for(actor, user)
        await self.session.flush()
        return user

    async def change(
        self,
        actor: Principal,
        user_id: UUID,
        *,
        name: str | None = None,
        role: StaffRole | None = None,
        workstream: str | None = None,
        organisation: str | None = None,
    ) -> StaffUser:
        """Change a member of staff; a new role or work-stream ends their sessions (privileges changed)."""
        user = await self.by_id(user_id)
        before = _snapshot(user)
        new_role = role or user.role
        if role is not None or workstream is not None:
            code = (
                workstream
                if workstream is not None
                else (user.workstream_code if new_role is StaffRole.CO_CHAIR else None)
            )
            new_workstream = await self._workstream_for(new_role, code or None)
            if (new_role, new_workstream) != (user.role, user.workstream_id):
                self._refuse_last_coordinator(user, actor, new_role)
                user.role, user.workstream_id = new_role, new_workstream
                user.session_epoch += 1
                await STAFF_SEATS().staff_changed(self.session, actor, user.id, new_role, new_workstream)
        if name is not None:
            self._raise_if(text_problem(name, "name", label="a name", max_length=200))
            user.name = name.strip()
        if organisation is not None:
            self._raise_if(
                text_problem(organisation, "organisation", label="an organisation", max_length=200, required=False)
            )
            user.organisation = organisation.strip()
        await self.session.flush()
        await self.session.refresh(user)
        await audit.record(
            self.session,
            actor,
            "staff.changed",
            subject_type="staff",
            subject_id=user.id,
            summary=f"Changed {user.name}",
            changes=audit.diff(before, _snapshot(user)),
        )
        return user

    @staticmethod
    def _raise_if(problem: FieldError | None) -> None:
        if problem is not None:
            raise InvalidInput([problem])

    @staticmethod
    def _refuse_last_coordinator(user: StaffUser, actor: Principal, new_role: StaffRole | None) -> None:
        if user.id == actor.id and new_role is not StaffRole.COORDINATOR:
            raise RuleViolation(
                [BrokenRule("own_access", "You cannot remove your own coordinator access; ask another coordinator")]
            )

    async def set_active(self, actor: Principal, user_id: UUID, active: bool) -> StaffUser:
        """Deactivate a leaver (every session ends at once) or bring them back."""
        user = await self.by_id(user_id)
        if not active:
            self._refuse_last_coordinator(user, actor, None)
        if user.is_active == active:
            return user
        before = _snapshot(user)
        user.is_active = active
        user.session_epoch += 1
        if not active:
            await STAFF_SEATS().staff_changed(self.session, actor, user.id, None, None)
        await audit.record(
            self.session,
            actor,
            "staff.deactivated" if not active else "staff.reactivated",
            subject_type="staff",
            subject_id=user.id,
            summary=f"{'Reactivated' if active else 'Deactivated'} {user.name}",
            changes=audit.diff(before, _snapshot(user)),
        )
        return user

    async def principal(self, user_id: UUID, epoch: int) -> StaffPrincipal | None:
        """The signed-in principal for a session, or ``None`` if the account closed or its sessions ended."""
        user = await self.get_one_or_none(StaffUser.id == user_id)
        if user is None or not user.is_active or user.session_epoch != epoch:
            return None
        return StaffPrincipal.of(user)


async def load_staff_principal(db: AsyncSession, user_id: UUID, epoch: int) -> StaffPrincipal | None:
    """Session loader for staff (registered with the authentication middleware)."""
    return await StaffService(session=db).principal(user_id, epoch)
