"""Work done after the response has gone, in a database session of its own.

Public routes that take an e-mail address must not answer faster for unknown addresses than for known
ones (that would tell who has an account). They answer first, the same way for every address, and do
the look-up, the link and the mail here, once the client already has its answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from litestar.background_tasks import BackgroundTask
from sqlalchemy.ext.asyncio import AsyncSession

from stepchange.core.database import app_database_config, session_scope

logger = logging.getLogger("stepchange.background")
HEAD_START_SECONDS = 0.02
"""How long the work waits after the answer is sent: the answer has left the server either way, but a
client on the same busy machine would otherwise be reading it while the work takes the processor, and
so see known addresses answered a little later."""

Work = Callable[[AsyncSession], Awaitable[object]]


def after_response(app: Any, work: Work, name: str) -> BackgroundTask:
    """A background task running ``work`` in its own committed transaction after the response is sent.

    A failure is logged by its exception class only (the work handles addresses: no personal data).
    """
    config = app_database_config(app)

    async def run() -> None:
        await asyncio.sleep(HEAD_START_SECONDS)
        try:
            async with session_scope(config) as session:
                await work(session)
        except Exception as exc:
            logger.warning("%s failed after the response: %s", name, type(exc).__name__)

    return BackgroundTask(run)
