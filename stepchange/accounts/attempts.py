"""Sign-in attempts and password-reset requests, counted with the app's shared counter.

Every attempt is counted BEFORE its password or code is checked, and the decision is taken on the
count that came back: forty attempts at once each get their own number, so at most the first five
are ever checked. A success clears the account's count and takes one back from the address's.

Call these before the request's own database transaction starts: on SQLite the counter writes in a
transaction of its own, which would wait for the write lock that the request's transaction holds.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import TooManyRequestsException

from stepchange.core.counters import AttemptCounter, Count, app_counter, client_address
from stepchange.core.validation import normalise_email

logger = logging.getLogger("stepchange.accounts")

SIGN_IN_WINDOW_SECONDS = 15 * 60
FAILED_SIGN_INS_PER_ACCOUNT = 5
FAILED_SIGN_INS_PER_ADDRESS = 30
TOO_MANY_SIGN_INS = "Too many failed sign-in attempts; wait and try again"
RESET_WINDOW_SECONDS = 60 * 60
RESETS_PER_ACCOUNT = 3
TOO_MANY_RESETS = "Too many password reset requests for this address; wait and try again"


def account_key(email: str) -> str:
    """An account's counter key: a hash of its address, so no address sits in the counter store."""
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()


def too_many(message: str, counts: list[Count]) -> TooManyRequestsException:
    """429 with ``Retry-After``: the longest wait among the counts that are over their limit."""
    wait = max(count.seconds_left for count in counts)
    return TooManyRequestsException(message, headers={"Retry-After": str(wait)})


@dataclass(frozen=True)
class SignInAttempts:
    """The two counts one sign-in attempt (a password or a code) goes against."""

    counter: AttemptCounter
    account: str
    address: str

    @classmethod
    def of(cls, connection: ASGIConnection[Any, Any, Any, Any], email: str) -> SignInAttempts:
        return cls.for_account(connection, f"login:account:{account_key(email)}")

    @classmethod
    def for_account(cls, connection: ASGIConnection[Any, Any, Any, Any], account: str) -> SignInAttempts:
        """By an account's counter key (a half-signed-in session keeps the one its password step used)."""
        return cls(app_counter(connection.app), account, f"login:address:{client_address(connection.scope)}")

    async def count(self) -> tuple[int, int]:
        """Count this attempt; over either limit it is refused (429) without being checked at all.
        Returns the counts (this one included) for the account and the address."""
        account = await self.counter.hit(self.account, SIGN_IN_WINDOW_SECONDS)
        address = await self.counter.hit(self.address, SIGN_IN_WINDOW_SECONDS)
        over = [
            count
            for count, limit in ((account, FAILED_SIGN_INS_PER_ACCOUNT), (address, FAILED_SIGN_INS_PER_ADDRESS))
            if count.over(limit)
        ]
        if over:
            logger.info("Sign-in refused unchecked (%d, %d)", account.count, address.count)
            raise too_many(TOO_MANY_SIGN_INS, over)
        return account.count, address.count

    async def succeeded(self) -> None:
        """The attempt was right: the account starts afresh, and the address gets this one back."""
        await self.counter.clear(self.account)
        await self.counter.forgive(self.address)


async def count_reset_request(connection: ASGIConnection[Any, Any, Any, Any], email: str) -> None:
    """Count a password-reset request against the address typed, known or not (so the limit tells
    nothing): over the limit → 429. Per client address, the public rate limit counts it too."""
    count = await app_counter(connection.app).hit(f"reset:account:{account_key(email)}", RESET_WINDOW_SECONDS)
    if count.over(RESETS_PER_ACCOUNT):
        raise too_many(TOO_MANY_RESETS, [count])
