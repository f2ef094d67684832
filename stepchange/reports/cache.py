"""Reports kept for a short while, each saying when it was taken.

At national scale (100,000 people, a quarter of a million choices) counting every figure of the
programme's report takes a second or more of the database's time, and a board member's page, its
charts and its downloads would each do it again. So each worker keeps the report of each scope for
``STEPCHANGE_REPORT_CACHE_SECONDS`` (60 unless set; 0 keeps nothing) and every report carries the
moment it was taken (``as_of``), which the page shows. Requests arriving while a report is being
counted wait for that count rather than starting their own. The office's working views (people,
the desk, reviews) are never cached: only the board's reports, which are read, not acted on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from stepchange.reports.schemas import Dashboard

MOST_KEPT = 64
"""Reports kept at once: a report is kept per scope, call and date chosen, so the choices are bounded."""


class ReportCache:
    """One worker's reports, by scope and the board's choices, each kept ``seconds`` after it was counted."""

    def __init__(self, seconds: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self._kept: dict[str, tuple[float, Dashboard]] = {}
        self._counting: dict[str, asyncio.Lock] = {}

    async def get(self, scope: str, count: Callable[[], Awaitable[Dashboard]]) -> Dashboard:
        if self.seconds <= 0:
            return await count()
        if (kept := self._fresh(scope)) is not None:
            return kept
        async with self._counting.setdefault(scope, asyncio.Lock()):
            if (kept := self._fresh(scope)) is not None:  # counted while this request waited
                return kept
            report = await count()
            self._keep(scope, report)
            return report

    def _keep(self, key: str, report: Dashboard) -> None:
        """Keep the report, letting go of those past their time, and of the oldest beyond :data:`MOST_KEPT`."""
        now = self.clock()
        for old in [k for k, (at, _) in self._kept.items() if now - at >= self.seconds]:
            del self._kept[old]
            self._counting.pop(old, None)
        self._kept[key] = (now, report)
        while len(self._kept) > MOST_KEPT:
            oldest = min(self._kept, key=lambda k: self._kept[k][0])
            del self._kept[oldest]

    def _fresh(self, scope: str) -> Dashboard | None:
        kept = self._kept.get(scope)
        if kept is not None and self.clock() - kept[0] < self.seconds:
            return kept[1]
        return None
