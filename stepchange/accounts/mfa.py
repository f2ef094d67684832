"""Two-factor sign-in for staff: an authenticator app (TOTP, RFC 6238) and single-use recovery codes.

Every rule about the second factor is decided here, whichever door (API or page) asks: enrolment by a
secret confirmed with a first code, a code accepted at most once per 30-second step (±1 step of clock
drift), ten recovery codes shown once and kept only as hashes, and resets — by a coordinator for
someone else, or by the person themselves only with a recovery code.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

import pyotp
import segno
from sqlalchemy import Update, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.accounts.models import RecoveryCode, StaffUser
from stepchange.core import audit, clock
from stepchange.core.errors import BrokenRule, RuleViolation
from stepchange.core.guards import Principal

ISSUER = "Step-Change"
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i: read aloud or copied by hand
_RECOVERY_GROUPS = 4  # four groups of four: 16 characters, about 79 random bits


class Stage(StrEnum):
    """Where a sign-in stands (the API's ``stage``)."""

    SIGNED_IN = "signed_in"
    CODE = "mfa"
    ENROL = "mfa_setup"


class CodeRefused(Exception):
    """The code was wrong, already used, or for another time: the caller must not say which."""


@dataclass(frozen=True)
class Enrolment:
    """What an authenticator app needs: the secret (to type in) and its ``otpauth://`` address (the QR code)."""

    secret: str
    uri: str

    @property
    def qr_data_uri(self) -> str:
        """The QR code as an SVG ``data:`` address, made on the server (no script, no third party)."""
        return str(segno.make(self.uri, error="m").svg_data_uri(scale=5, border=2, dark="#0b0c0c", light="#fff"))

    @property
    def grouped_secret(self) -> str:
        """The secret in groups of four, easier to type into an app by hand."""
        return " ".join(self.secret[i : i + 4] for i in range(0, len(self.secret), 4))


def stage_after_password(user: StaffUser, required: bool) -> Stage:
    """An enrolled account always needs its code; an account without one enrols first when required."""
    if user.mfa_enrolled:
        return Stage.CODE
    return Stage.ENROL if required else Stage.SIGNED_IN


def _recovery_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _normalised(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()[:64]


def _new_recovery_code() -> str:
    groups = ("".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(4)) for _ in range(_RECOVERY_GROUPS))
    return "-".join(groups)


def _looks_like_totp(code: str) -> bool:
    return len(code) == 6 and code.isdigit()


class SecondFactor:
    """The second-factor rules over one database session (the caller commits)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- enrolment ---------------------------------------------------------------------------

    async def begin_enrolment(self, user: StaffUser) -> Enrolment:
        """The secret to enrol with: a new one, or the one already shown and not yet confirmed (so a
        reload shows the same QR code). An enrolled account is refused: replacing a factor is a reset."""
        if user.mfa_enrolled:
            raise RuleViolation(
                [
                    BrokenRule(
                        "mfa_enrolled",
                        "This account already has an authenticator app. To replace it, use a recovery code "
                        "or ask a coordinator to reset it",
                    )
                ]
            )
        if not user.totp_secret:
            user.totp_secret = pyotp.random_base32()
            user.totp_last_step = None
            await self.session.flush()
        return self._enrolment(user)

    @staticmethod
    def _enrolment(user: StaffUser) -> Enrolment:
        assert user.totp_secret is not None
        uri = pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
        return Enrolment(user.totp_secret, uri)

    async def confirm_enrolment(self, actor: Principal, user: StaffUser, code: str) -> list[str]:
        """A first code from the app confirms the secret; returns the ten recovery codes (shown once)."""
        if user.mfa_enrolled or not user.totp_secret:
            raise RuleViolation(
                [BrokenRule("mfa_not_started", "Start setting up an authenticator app first, then enter its code")]
            )
        if not await self._accept_totp(user, _normalised(code)):
            await self._record_failure(user, "wrong code at enrolment")
            raise CodeRefused
        user.totp_enrolled_at = clock.now()
        codes = await self._new_recovery_codes(user)
        await audit.record(
            self.session,
            actor,
            "auth.mfa_enrolled",
            subject_type="staff",
            subject_id=user.id,
            summary="Set up an authenticator app",
            changes={"second_factor": audit.CHANGED},
        )
        return codes

    async def _new_recovery_codes(self, user: StaffUser) -> list[str]:
        await self.session.execute(delete(RecoveryCode).where(RecoveryCode.staff_user_id == user.id))
        codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
        self.session.add_all(
            RecoveryCode(staff_user_id=user.id, code_hash=_recovery_hash(_normalised(c))) for c in codes
        )
        await self.session.flush()
        return codes

    # --- signing in with a code ------------------------------------------------------------------

    async def verify(self, user: StaffUser, code: str) -> str:
        """Check a code from the app or a recovery code; returns which it was, or :class:`CodeRefused`."""
        if not user.mfa_enrolled:
            raise CodeRefused
        typed = _normalised(code)
        if _looks_like_totp(typed):
            if await self._accept_totp(user, typed):
                return "authenticator app"
        elif await self._use_recovery_code(user, typed):
            return "recovery code"
        await self._record_failure(user, "wrong code")
        raise CodeRefused

    async def _accept_totp(self, user: StaffUser, code: str) -> bool:
        """A code for this step or the one either side, and for a later step than any code accepted
        before: the step is claimed in one conditional UPDATE, so the same code cannot be used twice
        even by two requests at once."""
        if not _looks_like_totp(code) or not user.totp_secret:
            return False
        totp = pyotp.TOTP(user.totp_secret)
        now = totp.timecode(clock.now())
        for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
            if hmac.compare_digest(totp.generate_otp(step), code) and await self._claim_step(user, step):
                return True
        return False

    async def _one_row(self, statement: Update) -> bool:
        """Run a conditional UPDATE: true when it changed exactly one row (the condition still held)."""
        result = await self.session.execute(statement.execution_options(synchronize_session=False))
        return getattr(result, "rowcount", 0) == 1

    async def _claim_step(self, user: StaffUser, step: int) -> bool:
        earlier = or_(StaffUser.totp_last_step.is_(None), StaffUser.totp_last_step < step)
        if not await self._one_row(
            update(StaffUser).where(StaffUser.id == user.id, earlier).values(totp_last_step=step)
        ):
            return False
        user.totp_last_step = step
        return True

    async def _use_recovery_code(self, user: StaffUser, code: str) -> bool:
        """Mark one unused recovery code used, in one conditional UPDATE (single use, even at once)."""
        unused = (
            RecoveryCode.staff_user_id == user.id,
            RecoveryCode.code_hash == _recovery_hash(code),
            RecoveryCode.used_at.is_(None),
        )
        return await self._one_row(update(RecoveryCode).where(*unused).values(used_at=clock.now()))

    async def recovery_codes_left(self, user_id: UUID) -> int:
        query = select(func.count()).where(RecoveryCode.staff_user_id == user_id, RecoveryCode.used_at.is_(None))
        return int(await self.session.scalar(query) or 0)

    async def _record_failure(self, user: StaffUser, summary: str) -> None:
        await audit.record(
            self.session, None, "auth.mfa_failed", subject_type="staff", subject_id=user.id, summary=summary
        )

    # --- resets ----------------------------------------------------------------------------------

    async def replace_with_recovery_code(self, actor: Principal, user: StaffUser, code: str) -> Enrolment:
        """Someone who lost their app (or wants a new one) proves it is them with a recovery code; the old
        factor and codes go, and a new secret is ready to enrol. Without a recovery code, nobody can."""
        if not user.mfa_enrolled or not await self._use_recovery_code(user, _normalised(code)):
            await self._record_failure(user, "wrong recovery code to replace the app")
            raise CodeRefused
        self._clear(user)
        await self.session.execute(delete(RecoveryCode).where(RecoveryCode.staff_user_id == user.id))
        await audit.record(
            self.session,
            actor,
            "auth.mfa_replaced",
            subject_type="staff",
            subject_id=user.id,
            summary="Replaced their authenticator app with a recovery code",
            changes={"second_factor": audit.CHANGED},
        )
        return await self.begin_enrolment(user)

    async def reset_for(self, actor: Principal, user: StaffUser) -> None:
        """A coordinator resets someone else's second factor: every session of theirs ends, and they
        enrol again at their next sign-in. Nobody resets their own this way."""
        if user.id == actor.id:
            raise RuleViolation(
                [
                    BrokenRule(
                        "own_second_factor",
                        "You cannot reset your own two-factor sign-in; use a recovery code, or ask another coordinator",
                    )
                ]
            )
        had = user.mfa_enrolled
        self._clear(user)
        user.session_epoch += 1
        await self.session.execute(delete(RecoveryCode).where(RecoveryCode.staff_user_id == user.id))
        await audit.record(
            self.session,
            actor,
            "staff.mfa_reset",
            subject_type="staff",
            subject_id=user.id,
            summary=f"Reset {user.name}'s two-factor sign-in" + ("" if had else " (not set up yet)"),
            changes={"second_factor": audit.CHANGED},
        )

    @staticmethod
    def _clear(user: StaffUser) -> None:
        user.totp_secret = None
        user.totp_enrolled_at = None
        user.totp_last_step = None
