"""The steps of a staff sign-in, shared by the API and the pages: the password, then — when the account
has an authenticator app, or must set one up — the code or the enrolment.

Each step counts its attempt (per account and per address) BEFORE the request's own transaction
begins, decides on the count, then checks; the rules themselves are in ``services`` and ``mfa``. The
session id changes at the password step (half-signed-in) and again when the sign-in completes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.exceptions import NotAuthorizedException

from stepchange.accounts.attempts import SignInAttempts
from stepchange.accounts.guards import NOT_HALF_SIGNED_IN
from stepchange.accounts.mfa import CodeRefused, Enrolment, SecondFactor, Stage, stage_after_password
from stepchange.accounts.models import StaffUser
from stepchange.accounts.services import STAFF, LoginFailed, StaffPrincipal, StaffService
from stepchange.core.errors import InvalidInput
from stepchange.core.guards import current_principal
from stepchange.core.logs import log_event
from stepchange.core.sessions import PendingSignIn, end_session, pending_sign_in, start_pending_session, start_session
from stepchange.core.settings import Settings

WRONG_CREDENTIALS = "Wrong email address or password"
WRONG_CODE = "That code is not right, or has been used already; wait for the next code and try again"

Req = Request[Any, Any, Any]


@dataclass(frozen=True)
class SignInStep:
    """Where a sign-in stands after a step, and whose it is."""

    user: StaffUser
    stage: Stage


async def sign_in(request: Req, staff: StaffService, settings: Settings, email: str, password: str) -> SignInStep:
    """The password step. Signed in at once when no second factor is needed; otherwise half-signed-in
    (a new session id, nobody signed in yet) owing a code or an enrolment."""
    attempts = SignInAttempts.of(request, email)
    counts = await attempts.count()
    try:
        user = await staff.authenticate(email, password, settings.password_hash_cost)
    except LoginFailed:
        await staff.repository.session.commit()  # keep the failed-login audit entry: the request itself fails
        log_event("sign_in.refused", stage="password", attempts_account=counts[0], attempts_address=counts[1])
        raise NotAuthorizedException(WRONG_CREDENTIALS) from None
    stage = stage_after_password(user, settings.mfa_required)
    if stage is Stage.SIGNED_IN:
        await _complete(request, staff, attempts, user, "", second_factor=False)
    else:
        await staff.record_password_step(user, stage)
        await staff.repository.session.commit()
        start_pending_session(request, PendingSignIn(STAFF, user.id, user.session_epoch, stage, attempts.account))
    return SignInStep(user, stage)


async def _complete(
    request: Req,
    staff: StaffService,
    attempts: SignInAttempts,
    user: StaffUser,
    how: str | None,
    *,
    second_factor: bool,
) -> None:
    """Record the sign-in (``how`` None: they were signed in already) and end the transaction, then
    clear the counts and start the full session under a new id."""
    if how is not None:
        await staff.record_sign_in(user, how)
    await staff.repository.session.commit()
    await attempts.succeeded()
    start_session(request, STAFF, user.id, user.session_epoch, second_factor=second_factor)
    request.scope["user"] = StaffPrincipal.of(user)  # a page rendered by this response shows them signed in


async def _pending_user(request: Req, staff: StaffService, pending: PendingSignIn) -> StaffUser:
    """The account a half-signed-in session belongs to, if it is still open and was not reset since."""
    user = await staff.get_one_or_none(StaffUser.id == pending.principal_id)
    if user is None or not user.is_active or user.session_epoch != pending.epoch:
        end_session(request)
        raise NotAuthorizedException(NOT_HALF_SIGNED_IN)
    return user


def _pending(request: Req, stage: Stage) -> PendingSignIn:
    pending = pending_sign_in(request)
    if pending is None or pending.stage != stage:  # the routes' guards let no one else through
        raise NotAuthorizedException(NOT_HALF_SIGNED_IN)
    return pending


async def sign_in_with_code(request: Req, staff: StaffService, code: str) -> StaffUser:
    """The code step: a code from the app or a recovery code completes the sign-in (a new session id).
    A wrong code counts like a wrong password."""
    pending = _pending(request, Stage.CODE)
    attempts = SignInAttempts.for_account(request, pending.throttle_key)
    counts = await attempts.count()
    user = await _pending_user(request, staff, pending)
    try:
        method = await SecondFactor(staff.session).verify(user, code)
    except CodeRefused:
        await staff.repository.session.commit()  # keep the audit entry and any step claimed
        log_event("sign_in.refused", stage="code", attempts_account=counts[0], attempts_address=counts[1])
        raise NotAuthorizedException(WRONG_CODE) from None
    await _complete(request, staff, attempts, user, f"with {method}", second_factor=True)
    return user


@dataclass(frozen=True)
class _Enroller:
    """Who is setting up an app: a signed-in member of staff, or a half-signed-in session owing it."""

    attempts: SignInAttempts
    principal: StaffPrincipal | None
    pending: PendingSignIn | None

    @classmethod
    def of(cls, request: Req) -> _Enroller:
        """Without touching the database (attempts are counted before the request's transaction)."""
        principal = current_principal(request)
        if isinstance(principal, StaffPrincipal):
            return cls(SignInAttempts.of(request, principal.email), principal, None)
        pending = _pending(request, Stage.ENROL)
        return cls(SignInAttempts.for_account(request, pending.throttle_key), None, pending)

    async def user(self, request: Req, staff: StaffService) -> StaffUser:
        if self.principal is not None:
            return await staff.by_id(self.principal.id)
        assert self.pending is not None
        return await _pending_user(request, staff, self.pending)


async def begin_enrolment(request: Req, staff: StaffService) -> Enrolment:
    """The secret to set up an app with (the same one until it is confirmed)."""
    user = await _Enroller.of(request).user(request, staff)
    return await SecondFactor(staff.session).begin_enrolment(user)


async def confirm_enrolment(request: Req, staff: StaffService, code: str) -> tuple[StaffUser, list[str]]:
    """The first code confirms the app: the recovery codes come back (shown once) and the session is
    renewed as signed in with a second factor (completing a half-finished sign-in). A wrong code counts
    like a wrong password."""
    enroller = _Enroller.of(request)
    await enroller.attempts.count()
    user = await enroller.user(request, staff)
    try:
        codes = await SecondFactor(staff.session).confirm_enrolment(StaffPrincipal.of(user), user, code)
    except CodeRefused:
        await staff.repository.session.commit()
        raise InvalidInput.one("code", WRONG_CODE) from None
    how = "after setting up an authenticator app" if enroller.pending is not None else None
    await _complete(request, staff, enroller.attempts, user, how, second_factor=True)
    return user, codes


async def replace_with_recovery_code(request: Req, staff: StaffService, code: str) -> Enrolment:
    """A signed-in member of staff replaces their app: only with a recovery code (counted like a code)."""
    principal = current_principal(request)
    assert isinstance(principal, StaffPrincipal), "the route's guard admits staff only"
    await SignInAttempts.of(request, principal.email).count()
    user = await staff.by_id(principal.id)
    try:
        return await SecondFactor(staff.session).replace_with_recovery_code(principal, user, code)
    except CodeRefused:
        await staff.repository.session.commit()
        raise InvalidInput.one("code", "That recovery code is not right, or has been used already") from None
