"""The months that matter on the report's page: the milestones' table and timeline show these.

Its own module, importing nothing of the service, so the drawing process (``reports.painter``) can draw
the timeline without loading the models and services that ``reports.delivery`` counts with.
"""

from __future__ import annotations

import datetime as dt

WINDOW_BEFORE = dt.timedelta(days=30)
WINDOW_AFTER = dt.timedelta(days=91)


def milestone_window(today: dt.date) -> tuple[dt.date, dt.date]:
    """The months that matter on the page: the last month and the next three."""
    return today - WINDOW_BEFORE, today + WINDOW_AFTER
