"""Charts as SVG made on the server: Altair charts (polars' plotting) rendered by vl-convert.

Pages carry each chart as an inline ``<svg>``: vl-convert writes presentation attributes only (no
``style`` attribute or element, no script), so the page's ``style-src 'self'`` policy holds; to be
sure, :func:`clean` drops any ``style`` it finds and refuses anything scripted. Ids are prefixed with
the chart's name so several charts on one page never share a clip path.

Altair and vl-convert are slow to import and to warm up, and vl-convert's engine holds some 130 MB
once loaded: charts are built and drawn in a process of their own (``reports.painter``). A
rendered chart is kept in a bounded LRU keyed by its data version (a hash of its table's rows, the
chart's name, the design's version and the day), so a page whose figures have not changed renders no
chart again.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections import OrderedDict

import polars as pl
from markupsafe import Markup, escape

from stepchange.core import clock
from stepchange.reports.chart_designs import BUILDERS, INK, TEXT_SIZE, WIDTH
from stepchange.reports.painter import PAINTER, ChartNotDrawn

logger = logging.getLogger("stepchange.reports")

DESIGN_VERSION = "2"
"""Raise when a chart's design changes, so cached charts are drawn again."""
CACHE_SIZE = 256
FONT = "Helvetica, Arial, sans-serif"
UNSAFE = re.compile(r"<\s*(script|foreignObject|iframe|object|embed)\b|<[^>]*\son[a-z]+\s*=|javascript:", re.IGNORECASE)


class ChartCache:
    """A bounded least-recently-used store of rendered SVG, safe to share between threads."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            svg = self._items.get(key)
            if svg is not None:
                self._items.move_to_end(key)
            return svg

    def put(self, key: str, svg: str) -> None:
        with self._lock:
            self._items[key] = svg
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


CACHE = ChartCache()


def data_version(name: str, data: pl.DataFrame) -> str:
    """What a chart depends on: its name, the design's version, today (the milestones' "today" rule)
    and every row of its table."""
    digest = hashlib.sha256(f"{DESIGN_VERSION}|{name}|{clock.uk_today().isoformat()}|".encode())
    digest.update(data.write_csv().encode())
    return digest.hexdigest()


async def chart_svg(name: str, data: pl.DataFrame, summary: str) -> Markup | None:
    """The chart of one table as an accessible inline SVG, or ``None`` when there is nothing to draw, or
    the drawing process failed (the page still shows the figure's table and summary)."""
    builder = BUILDERS.get(name)
    if builder is None or not drawable(name, data):
        return None
    key = data_version(name, data)
    svg = CACHE.get(key)
    if svg is None:
        try:
            svg = await PAINTER.draw(name, data)
        except ChartNotDrawn:
            logger.exception("chart %s not drawn: the page shows its table alone", name)
            return None
        CACHE.put(key, svg)
    return labelled(svg, name, summary) if svg else None


def drawable(name: str, data: pl.DataFrame) -> bool:
    """A chart needs rows, and (but for the timeline and the RAG grid) some count above zero."""
    if data.is_empty():
        return False
    if name in ("milestones", "rag-trend"):
        return True
    numbers = data.select(pl.selectors.numeric())
    return bool(numbers.width) and bool(numbers.max_horizontal().max())


def render(name: str, data: pl.DataFrame) -> str:
    """Build the chart and render it to clean SVG (in the drawing process: ``reports.painter``); empty if unsafe."""
    import vl_convert

    chart = BUILDERS[name](data).properties(width=WIDTH, autosize={"type": "fit-x", "contains": "padding"})
    chart = (
        chart.configure(font=FONT, padding=4)
        .configure_view(stroke=None)
        .configure_axis(
            labelFontSize=TEXT_SIZE,
            titleFontSize=TEXT_SIZE,
            labelColor=INK["black"],
            titleColor=INK["black"],
            titleFontWeight="normal",
            labelLimit=280,
        )
        .configure_legend(
            labelFontSize=TEXT_SIZE,
            titleFontSize=TEXT_SIZE,
            orient="bottom",
            direction="horizontal",
            labelLimit=400,
            columns=2,
            symbolSize=260,
            labelColor=INK["black"],
            titleColor=INK["black"],
        )
        .configure_text(fontSize=TEXT_SIZE)
    )
    return clean(vl_convert.vegalite_to_svg(chart.to_dict(validate=False)), name)  # vl-convert checks it too


def clean(svg: str, name: str) -> str:
    """SVG fit to inline in a page under our CSP: no script, no inline style, ids unique to the chart."""
    if UNSAFE.search(svg):
        logger.warning("chart %s dropped: its SVG held something scripted", name)
        return ""
    svg = re.sub(r"<style\b.*?</style>", "", svg, flags=re.DOTALL | re.IGNORECASE)
    svg = re.sub(r"\sstyle=\"[^\"]*\"", "", svg)
    return re.sub(r"(\sid=\"|url\(#|href=\"#)", lambda m: f"{m.group(1)}{name}-", svg)


def labelled(svg: str, name: str, summary: str) -> Markup:
    """The root ``<svg>`` as one image named by the chart's one-line summary."""
    title_id = f"{name}-chart-title"
    opening = re.match(r"<svg\b[^>]*>", svg)
    assert opening is not None, "vl-convert always writes an <svg> root"
    root = opening.group(0).replace('class="marks"', 'class="sc-chart__svg"')
    root = root.replace("<svg", f'<svg role="img" aria-labelledby="{title_id}" focusable="false"', 1)
    title = Markup('<title id="{}">{}</title>').format(title_id, escape(summary))
    return Markup(root) + title + Markup(svg[opening.end() :])  # noqa: S704 - vl-convert's SVG, cleaned above
