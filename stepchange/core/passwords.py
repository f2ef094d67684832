"""Password hashing with argon2, computed off the event loop (a hash costs ~100 ms by design)."""

from __future__ import annotations

import asyncio
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 200


@lru_cache(maxsize=2)
def _hasher(cost: str) -> PasswordHasher:
    if cost == "fast":  # tests only: the same algorithm at the lowest cost
        return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    return PasswordHasher()


async def hash_password(password: str, cost: str = "standard") -> str:
    return await asyncio.to_thread(_hasher(cost).hash, password)


async def verify_password(stored_hash: str | None, password: str, cost: str = "standard") -> bool:
    """True when ``password`` matches; with no stored hash it still spends the time (no timing oracle)."""
    hasher = _hasher(cost)
    target = stored_hash or _dummy_hash(cost)
    try:
        return await asyncio.to_thread(hasher.verify, target, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=2)
def _dummy_hash(cost: str) -> str:
    return _hasher(cost).hash("not a real password; used to spend the same time")


def password_problems(password: str, *, email: str = "") -> list[str]:
    """Why a new password is not acceptable (an empty list when it is)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Password must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        problems.append(f"Password must be {MAX_LENGTH} characters or fewer")
    if len(set(password)) < 4:
        problems.append("Password must not repeat the same few characters")
    if email and email.split("@")[0].lower() in password.lower() and len(email.split("@")[0]) >= 3:
        problems.append("Password must not contain your e-mail address")
    return problems
