"""The accounts API: signing in and out, setting passwords by link, and staff management."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar
from uuid import UUID

from advanced_alchemy.service import OffsetPagination
from litestar import Controller, Request, Response, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotAuthorizedException
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.accounts.attempts import count_reset_request
from stepchange.accounts.deps import provide_audit_query, provide_staff, reset_in_background
from stepchange.accounts.guards import acting_staff, any_staff, coordinator_only, enrolling, half_signed_in
from stepchange.accounts.mfa import Enrolment, Stage
from stepchange.accounts.models import StaffUser
from stepchange.accounts.schemas import (
    Accepted,
    AuditEntryOut,
    CodeIn,
    CodeNeeded,
    Enrolled,
    EnrolmentNeeded,
    EnrolmentOut,
    InviteIn,
    LoginIn,
    ResetRequestIn,
    SetPasswordIn,
    SignedIn,
    StaffChangeIn,
    StaffOut,
)
from stepchange.accounts.services import (
    INVITATION,
    PASSWORD_RESET,
    StaffDetails,
    StaffPrincipal,
    StaffService,
)
from stepchange.accounts.signin import (
    SignInStep,
    begin_enrolment,
    confirm_enrolment,
    replace_with_recovery_code,
    sign_in,
    sign_in_with_code,
)
from stepchange.core import audit
from stepchange.core.audit import AuditEntry, AuditQuery
from stepchange.core.authz import StaffRole
from stepchange.core.guards import current_principal
from stepchange.core.pagination import Window
from stepchange.core.security import PUBLIC_RATE_LIMIT
from stepchange.core.sessions import end_session
from stepchange.core.settings import Settings

StaffOutT = TypeVar("StaffOutT", bound=StaffOut)


def staff_out(user: StaffUser) -> StaffOut:
    """The member of staff as the API shows them."""
    return staff_as(StaffOut, user)


def staff_as(kind: type[StaffOutT], user: StaffUser, **extra: Any) -> StaffOutT:
    """The member of staff as one of the answers built on :class:`StaffOut` (signed in, enrolled)."""
    return kind(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        workstream=user.workstream_code,
        organisation=user.organisation,
        is_active=user.is_active,
        has_password=user.password_hash is not None,
        last_login_at=user.last_login_at,
        mfa_enrolled=user.mfa_enrolled,
        **extra,
    )


def step_out(step: SignInStep) -> SignedIn | CodeNeeded | EnrolmentNeeded:
    if step.stage is Stage.CODE:
        return CodeNeeded()
    if step.stage is Stage.ENROL:
        return EnrolmentNeeded()
    return staff_as(SignedIn, step.user)


def enrolment_out(enrolment: Enrolment) -> EnrolmentOut:
    return EnrolmentOut(secret=enrolment.secret, uri=enrolment.uri)


class AuthController(Controller):
    path = "/api/auth"
    tags = ["Sign-in"]
    dependencies = {"staff": Provide(provide_staff)}

    @post(
        "/login",
        status_code=HTTP_200_OK,
        summary="Sign in with e-mail and password",
        description="`stage` says what follows: `signed_in` (with the member of staff), `mfa` (a code is needed: "
        "POST /api/auth/mfa) or `mfa_setup` (an authenticator app must be set up first). Until `signed_in`, "
        "every other route answers 401.",
    )
    async def login(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[LoginIn],
        staff: NamedDependency[StaffService],
        settings: NamedDependency[Settings],
    ) -> SignedIn | CodeNeeded | EnrolmentNeeded:
        return step_out(await sign_in(request, staff, settings, data.email, data.password))

    @post(
        "/mfa",
        status_code=HTTP_200_OK,
        guards=[half_signed_in(Stage.CODE)],
        summary="Finish signing in with a code from the authenticator app, or a recovery code",
    )
    async def second_factor(
        self, request: Request[Any, Any, Any], data: JSONBody[CodeIn], staff: NamedDependency[StaffService]
    ) -> SignedIn:
        return staff_as(SignedIn, await sign_in_with_code(request, staff, data.code))

    @post(
        "/mfa/setup",
        status_code=HTTP_200_OK,
        guards=[enrolling],
        summary="Start setting up an authenticator app: its secret and otpauth:// address",
    )
    async def begin_enrolment(
        self, request: Request[Any, Any, Any], staff: NamedDependency[StaffService]
    ) -> EnrolmentOut:
        return enrolment_out(await begin_enrolment(request, staff))

    @post(
        "/mfa/setup/confirm",
        status_code=HTTP_200_OK,
        guards=[enrolling],
        summary="Confirm the app with its first code: signed in, with ten recovery codes shown this once",
    )
    async def confirm_enrolment(
        self, request: Request[Any, Any, Any], data: JSONBody[CodeIn], staff: NamedDependency[StaffService]
    ) -> Enrolled:
        user, codes = await confirm_enrolment(request, staff, data.code)
        return staff_as(Enrolled, user, recovery_codes=codes)

    @post(
        "/mfa/replace",
        status_code=HTTP_200_OK,
        guards=[any_staff],
        summary="Replace your authenticator app, proving it is you with a recovery code",
    )
    async def replace_app(
        self, request: Request[Any, Any, Any], data: JSONBody[CodeIn], staff: NamedDependency[StaffService]
    ) -> EnrolmentOut:
        return enrolment_out(await replace_with_recovery_code(request, staff, data.code))

    @post("/logout", status_code=HTTP_200_OK, summary="Sign out (the session ends on the server)")
    async def logout(self, request: Request[Any, Any, Any]) -> Accepted:
        end_session(request)
        return Accepted(message="Signed out")

    @get("/me", guards=[any_staff], summary="Who is signed in (staff)")
    async def me(self, request: Request[Any, Any, Any], staff: NamedDependency[StaffService]) -> StaffOut:
        principal = current_principal(request)
        if not isinstance(principal, StaffPrincipal):
            raise NotAuthorizedException("Sign in to do this")
        return staff_out(await staff.by_id(principal.id))

    @post("/invitations/accept", status_code=HTTP_200_OK, summary="Set a password from an invitation link")
    async def accept_invitation(
        self, data: JSONBody[SetPasswordIn], staff: NamedDependency[StaffService], settings: NamedDependency[Settings]
    ) -> StaffOut:
        return staff_out(
            await staff.set_password_by_link(INVITATION, data.token, data.password, settings.password_hash_cost)
        )

    @post(
        "/password-reset",
        status_code=HTTP_202_ACCEPTED,
        opt={PUBLIC_RATE_LIMIT: True},
        summary="E-mail a password-reset link (the same answer, as quick, for every address)",
    )
    async def request_reset(
        self, request: Request[Any, Any, Any], data: JSONBody[ResetRequestIn], settings: NamedDependency[Settings]
    ) -> Response[Accepted]:
        await count_reset_request(request, data.email)
        return Response(
            Accepted(message="If that address has an account, a link to reset its password is on its way"),
            status_code=HTTP_202_ACCEPTED,
            background=reset_in_background(request, settings, data.email),
        )

    @post("/password-reset/complete", status_code=HTTP_200_OK, summary="Set a new password from a reset link")
    async def complete_reset(
        self, data: JSONBody[SetPasswordIn], staff: NamedDependency[StaffService], settings: NamedDependency[Settings]
    ) -> StaffOut:
        return staff_out(
            await staff.set_password_by_link(PASSWORD_RESET, data.token, data.password, settings.password_hash_cost)
        )


class StaffController(Controller):
    path = "/api/users"
    tags = ["Staff"]
    guards = [coordinator_only]
    dependencies = {"staff": Provide(provide_staff)}

    @get("/", summary="Members of staff")
    async def list_staff(
        self,
        staff: NamedDependency[StaffService],
        window: NamedDependency[Window],
        role: Annotated[StaffRole | None, QueryParameter(description="Only this role")] = None,
        active: Annotated[bool | None, QueryParameter(description="Only active (true) or closed (false)")] = None,
    ) -> OffsetPagination[StaffOut]:
        return window.slice([staff_out(u) for u in await staff.roster(role=role, active=active)])

    @post("/", status_code=HTTP_201_CREATED, summary="Invite a member of staff by e-mail")
    async def invite(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[InviteIn],
        staff: NamedDependency[StaffService],
        settings: NamedDependency[Settings],
    ) -> StaffOut:
        details = StaffDetails(data.email, data.name, data.role, data.workstream, data.organisation)
        return staff_out(await staff.invite(acting_staff(request), details, settings))

    @get("/{user_id:uuid}", summary="One member of staff")
    async def get_staff(self, staff: NamedDependency[StaffService], user_id: FromPath[UUID]) -> StaffOut:
        return staff_out(await staff.by_id(user_id))

    @patch("/{user_id:uuid}", summary="Change name, role, work-stream or organisation")
    async def change_staff(
        self,
        request: Request[Any, Any, Any],
        staff: NamedDependency[StaffService],
        user_id: FromPath[UUID],
        data: JSONBody[StaffChangeIn],
    ) -> StaffOut:
        return staff_out(
            await staff.change(
                acting_staff(request),
                user_id,
                name=data.name,
                role=data.role,
                workstream=data.workstream,
                organisation=data.organisation,
            )
        )

    @post("/{user_id:uuid}/deactivate", status_code=HTTP_200_OK, summary="Close a leaver's account now")
    async def deactivate(
        self, request: Request[Any, Any, Any], staff: NamedDependency[StaffService], user_id: FromPath[UUID]
    ) -> StaffOut:
        return staff_out(await staff.set_active(acting_staff(request), user_id, False))

    @post(
        "/{user_id:uuid}/mfa/reset",
        status_code=HTTP_200_OK,
        summary="Reset someone else's two-factor sign-in: their sessions end and they set up an app again",
    )
    async def reset_second_factor(
        self, request: Request[Any, Any, Any], staff: NamedDependency[StaffService], user_id: FromPath[UUID]
    ) -> StaffOut:
        return staff_out(await staff.reset_second_factor(acting_staff(request), user_id))

    @post("/{user_id:uuid}/reactivate", status_code=HTTP_200_OK, summary="Reopen an account")
    async def reactivate(
        self, request: Request[Any, Any, Any], staff: NamedDependency[StaffService], user_id: FromPath[UUID]
    ) -> StaffOut:
        return staff_out(await staff.set_active(acting_staff(request), user_id, True))


def audit_out(entry: AuditEntry) -> AuditEntryOut:
    return AuditEntryOut(
        id=entry.id,
        at=entry.created_at,
        actor_id=entry.actor_id,
        actor=entry.actor_label,
        action=entry.action,
        subject_type=entry.subject_type,
        subject_id=entry.subject_id,
        summary=entry.summary,
        changes=entry.changes,
    )


class AuditController(Controller):
    path = "/api/audit"
    tags = ["Audit"]
    guards = [coordinator_only]
    dependencies = {"audit_query": Provide(provide_audit_query)}

    @get("/", summary="Search the audit trail, newest first")
    async def search_audit(
        self,
        db_session: NamedDependency[AsyncSession],
        window: NamedDependency[Window],
        audit_query: NamedDependency[AuditQuery],
    ) -> OffsetPagination[AuditEntryOut]:
        entries, total = await audit.search(db_session, audit_query, limit=window.limit, offset=window.offset)
        return window.page([audit_out(e) for e in entries], total)
