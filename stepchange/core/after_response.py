"""Work done after the response has gone, in a transaction of its own.

A public door that takes an e-mail address (the sign-in link, the confirmation link again, the
expression-of-interest form) must answer in the same time whether or not the address is known, or the
time tells who has volunteered (issue 21). So the door answers first and everything that depends on
the address (the look-up, the link, the e-mail) runs here, after the last byte of the answer is sent.
A failure is logged by its exception class only (no addresses, no tokens) and never reaches the
client, who has already had their answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Concatenate, ParamSpec

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from litestar import Request
from litestar.background_tasks import BackgroundTask
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core.database import app_database_config, session_scope

__all__ = ("Job", "after_response", "run_alone")

P = ParamSpec("P")
Job = Callable[[AsyncSession], Awaitable[object]]
"""A unit of work given a session; committed if it returns, rolled back if it raises."""

logger = logging.getLogger("stepchange.after_response")
HEAD_START_SECONDS = 0.02
"""How long the work waits after the answer is sent: the answer has left the server either way, but a
client on the same busy machine would otherwise be reading it while the work takes the processor, and
so see known addresses answered a little later."""


async def run_alone(config: SQLAlchemyAsyncConfig, what: str, job: Job) -> bool:
    """Run ``job`` in its own committed transaction; ``False`` (logged, not raised) if it failed."""
    try:
        async with session_scope(config) as session:
            await job(session)
    except Exception as exc:
        logger.warning("%s failed: %s", what, type(exc).__name__)
        return False
    return True


def after_response(
    request: Request[Any, Any, Any],
    what: str,
    job: Callable[Concatenate[AsyncSession, P], Awaitable[object]],
    *args: P.args,
    **kwargs: P.kwargs,
) -> BackgroundTask:
    """A background task for a response: ``job(session, *args, **kwargs)`` once the response is sent,
    with a session of its own from the app's database config. ``what`` names it in the log."""

    config = app_database_config(request.app)

    async def bound(session: AsyncSession) -> object:
        return await job(session, *args, **kwargs)

    async def later() -> None:
        await asyncio.sleep(HEAD_START_SECONDS)
        await run_alone(config, what, bound)

    return BackgroundTask(later)
