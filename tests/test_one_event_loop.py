"""One application object runs on one event loop at a time. Served by two loops at once (two test clients on
one app, each with its loop in its own thread), its database connections were used from both, and asyncpg's
C code crashed the whole process with a segmentation fault (seen in the suite on PostgreSQL). A second
start is now refused at once, with a clear error, and the application starts again once stopped."""

from __future__ import annotations

import pytest

from stepchange.app import create_app
from stepchange.core.database import SecondEventLoop
from stepchange.core.settings import Settings
from tests.conftest import Client


async def test_an_application_runs_on_one_event_loop_at_a_time(settings: Settings) -> None:
    app = create_app(settings)
    async with Client(app=app) as first:
        assert (await first.get("/health")).status_code == 200
        with pytest.raises(BaseExceptionGroup) as refused:  # the test client's task group carries it
            async with Client(app=app):
                pass
        assert refused.group_contains(SecondEventLoop, match="already running on another event loop")
        assert (await first.get("/health")).status_code == 200, "the running one is unharmed"
    async with Client(app=app) as again:
        assert (await again.get("/health")).status_code == 200, "once stopped, it starts again"
