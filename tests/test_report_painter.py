"""Charts are drawn in a process of their own, never in the server's (issue 28: vl-convert's engine holds
some 130 MB once loaded), and that process stops when no chart has been asked for a while."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import polars as pl
import pytest

from stepchange.core import clock
from stepchange.reports import charts
from stepchange.reports.painter import ChartNotDrawn, Painter

ROOT = Path(__file__).resolve().parent.parent


async def test_a_chart_is_drawn_in_another_process_which_stops_when_idle() -> None:
    painter = Painter(idle_seconds=0.5)
    data = pl.DataFrame({"workstream": ["T"], "escalated": [2], "overdue": [1]})
    try:
        svg = await painter.draw("escalations", data)
        drawer = painter.pid
        assert svg.startswith("<svg") and "<script" not in svg
        assert drawer is not None and drawer != os.getpid()
        assert await painter.draw("escalations", data) == svg
        assert painter.pid == drawer, "while charts are asked for, the same process draws them"
        for _ in range(60):
            if painter.pid is None:
                break
            await asyncio.sleep(0.1)
        assert painter.pid is None, "the drawing process stops when idle"
        assert (await painter.draw("escalations", data)).startswith("<svg"), "and starts again when needed"
    finally:
        painter.stop()


async def test_the_drawing_process_draws_by_the_servers_clock() -> None:
    moved = dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC)
    data = pl.DataFrame(
        {
            "title": ["Plan"],
            "project": ["T1"],
            "due_on": [dt.date(2026, 6, 20)],
            "done_on": [None],
            "state": ["to come"],
            "days_to_go": [5],
        }
    )
    original, painter = clock.now, Painter(idle_seconds=5)
    clock.now = lambda: moved
    try:
        from stepchange.reports.charts import render

        here = render("milestones", data)
        assert await painter.draw("milestones", data) == here
    finally:
        clock.now = original
        painter.stop()


def test_the_server_never_loads_the_chart_engine() -> None:
    """A fresh interpreter draws a chart the way a page does and holds neither Altair nor vl-convert."""
    script = textwrap.dedent(
        """
        import asyncio, sys
        import polars as pl
        from stepchange.reports import charts
        from stepchange.reports.painter import PAINTER

        data = pl.DataFrame({"workstream": ["T"], "escalated": [2], "overdue": [1]})
        svg = asyncio.run(charts.chart_svg("escalations", data, "2 escalated"))
        PAINTER.stop()
        assert svg is not None and "<svg" in svg
        assert "vl_convert" not in sys.modules and "altair" not in sys.modules, sorted(sys.modules)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", script]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)  # noqa: S603
    assert done.returncode == 0, done.stderr


def test_the_drawing_process_loads_no_model_or_service() -> None:
    """What the drawing process imports to draw (``reports.charts``) holds no database layer: it stays small."""
    script = "import sys, stepchange.reports.charts; assert 'sqlalchemy' not in sys.modules, sorted(sys.modules)"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", script]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    assert done.returncode == 0, done.stderr


async def test_a_chart_the_process_fails_to_draw_leaves_the_figure_without_it(monkeypatch: pytest.MonkeyPatch) -> None:
    painter = Painter(idle_seconds=5)
    data = pl.DataFrame({"workstream": ["T"], "escalated": [2], "overdue": [1]})
    try:
        with pytest.raises(ChartNotDrawn, match="no-such-chart"):
            await painter.draw("no-such-chart", data)
        monkeypatch.setattr(charts, "PAINTER", painter)
        monkeypatch.setattr(painter, "_draw", _stopped_while_drawing)
        charts.CACHE.clear()
        assert await charts.chart_svg("escalations", data, "2 escalated") is None
        assert len(charts.CACHE) == 0, "a chart not drawn is not kept"
    finally:
        painter.stop()


def _stopped_while_drawing(*_: object) -> str:
    raise ChartNotDrawn("the drawing process stopped")
