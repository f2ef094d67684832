"""Charts as SVG made on the server: Altair charts (polars' plotting) rendered by vl-convert.

Pages carry each chart as an inline ``<svg>``: vl-convert writes presentation attributes only (no
``style`` attribute or element, no script), so the page's ``style-src 'self'`` policy holds; to be
sure, :func:`clean` drops any ``style`` it finds and refuses anything scripted. Ids are prefixed with
the chart's name so several charts on one page never share a clip path.

Altair and vl-convert are slow to import and to warm up, so they are imported on first use. A
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
from collections.abc import Callable
from typing import Any

import anyio.to_thread
import polars as pl
from markupsafe import Markup, escape

from stepchange.core import clock

logger = logging.getLogger("stepchange.reports")

DESIGN_VERSION = "1"
"""Raise when a chart's design changes, so cached charts are drawn again."""
CACHE_SIZE = 256
FONT = "Helvetica, Arial, sans-serif"
COLOURS = {
    "green": "#00703c",
    "amber": "#f47738",
    "red": "#d4351c",
    "blue": "#1d70b8",
    "dark-blue": "#003078",
    "purple": "#4c2c92",
    "turquoise": "#28a197",
    "grey": "#b1b4b6",
    "dark-grey": "#505a5f",
    "black": "#0b0c0c",
}
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
    """The chart of one table as an accessible inline SVG, or ``None`` when there is nothing to draw."""
    builder = BUILDERS.get(name)
    if builder is None or not drawable(name, data):
        return None
    key = data_version(name, data)
    svg = CACHE.get(key)
    if svg is None:
        svg = await anyio.to_thread.run_sync(render, name, data)
        CACHE.put(key, svg)
    return labelled(svg, name, summary) if svg else None


def drawable(name: str, data: pl.DataFrame) -> bool:
    """A chart needs rows, and (but for the timeline) some count above zero."""
    if data.is_empty():
        return False
    if name == "milestones":
        return True
    numbers = data.select(pl.selectors.numeric())
    return bool(numbers.width) and bool(numbers.max_horizontal().max())


def render(name: str, data: pl.DataFrame) -> str:
    """Build the chart and render it to clean SVG (runs in a worker thread); empty if unsafe."""
    import vl_convert

    chart = BUILDERS[name](data).configure(font=FONT).configure_view(stroke=None)
    chart = chart.configure_axis(labelFontSize=12, titleFontSize=13).configure_legend(
        labelFontSize=12, titleFontSize=13, orient="bottom", labelLimit=480
    )
    return clean(vl_convert.vegalite_to_svg(chart.to_dict()), name)


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


# --- the charts, one per table -------------------------------------------------------------------


def _long(data: pl.DataFrame, index: str, on: list[str], name: str, value: str) -> pl.DataFrame:
    return (
        data.select(index, *on)
        .unpivot(index=index, on=on, variable_name=name, value_name=value)
        .with_columns(pl.col(name).str.replace_all("_", " "))
    )


def _scale(domain: list[str], colours: list[str]) -> Any:
    import altair as alt

    return alt.Scale(domain=[d.replace("_", " ") for d in domain], range=[COLOURS[c] for c in colours])


def _stacked(data: pl.DataFrame, categories: list[str], colours: list[str], legend: str, unit: str) -> Any:
    """Horizontal bars, one per work-stream, stacked by category in the given order and colours."""
    import altair as alt

    rows = data.filter(pl.col("workstream") != "All work-streams")
    long = _long(rows, "workstream", categories, "category", unit)
    order = [c.replace("_", " ") for c in categories]
    return (
        long.with_columns(position=pl.col("category").replace_strict(order, list(range(len(order)))))
        .plot.bar(
            alt.X(f"{unit}:Q", title=unit.capitalize(), axis=alt.Axis(tickMinStep=1)),
            alt.Y("workstream:N", title="Work-stream", sort=rows["workstream"].to_list()),
            alt.Color("category:N", title=legend, scale=_scale(categories, colours)),
            order=alt.Order("position:Q"),
        )
        .properties(width=520, height=alt.Step(28))
    )


def milestones_chart(data: pl.DataFrame) -> Any:
    """The timeline: each milestone a mark at its due date, in a row per project; today a dashed rule."""
    import altair as alt

    marks = data.rename({"project": "row"})
    states = ["done", "overdue", "to come"]
    points = (
        marks.plot.point(
            alt.X("due_on:T", title="Due", scale=alt.Scale(padding=12)),
            alt.Y("row:N", title=None, sort=marks["row"].unique(maintain_order=True).to_list()),
            alt.Color("state:N", title="State", scale=_scale(states, ["green", "red", "blue"])),
            shape=alt.Shape("state:N", scale=alt.Scale(domain=states, range=["circle", "diamond", "triangle-up"])),
        )
        .mark_point(filled=True, size=90)
        .properties(width=560, height=alt.Step(26))
    )
    today = alt.Chart(pl.DataFrame({"today": [clock.uk_today()]})).mark_rule(
        strokeDash=[4, 4], color=COLOURS["dark-grey"]
    )
    return alt.layer(points, today.encode(x="today:T"))


def status_chart(data: pl.DataFrame) -> Any:
    statuses = ["pipeline", "provisional", "recruiting", "staffed", "delivering", "delivered", "paused", "withdrawn"]
    colours = ["grey", "turquoise", "blue", "dark-blue", "purple", "green", "amber", "dark-grey"]
    return _stacked(data, statuses, colours, "Status", "projects")


def rag_chart(data: pl.DataFrame) -> Any:
    return _stacked(
        data, ["red", "amber", "green", "not_reported"], ["red", "amber", "green", "grey"], "RAG", "projects"
    )


def ethics_chart(data: pl.DataFrame) -> Any:
    outcomes = ["cleared", "cleared_with_conditions", "blocked", "not_reviewed"]
    return _stacked(data, outcomes, ["green", "turquoise", "red", "grey"], "Latest review", "projects")


def escalations_chart(data: pl.DataFrame) -> Any:
    waiting = data.with_columns(not_yet_due=pl.col("escalated") - pl.col("overdue"))
    return _stacked(waiting, ["overdue", "not_yet_due"], ["red", "blue"], "Escalated actions", "actions")


def staffing_chart(data: pl.DataFrame) -> Any:
    """Each open project's team (accepted, then offered) as a bar; the size it wants as a black tick."""
    import altair as alt

    projects = data["project"].to_list()
    widest = int(data.select(pl.max_horizontal("team", "wanted")).max().item()) + 1
    places = _long(data, "project", ["accepted", "offered"], "place", "people")
    bars = places.plot.bar(
        alt.X("people:Q", title="People", axis=alt.Axis(tickMinStep=1), scale=alt.Scale(domain=[0, widest])),
        alt.Y("project:N", title="Project", sort=projects),
        alt.Color("place:N", title="Places", scale=_scale(["accepted", "offered"], ["dark-blue", "blue"])),
    )
    wanted = (
        alt.Chart(data.select("project", "wanted"))
        .mark_tick(color=COLOURS["black"], thickness=3, size=22)
        .encode(x="wanted:Q", y=alt.Y("project:N", sort=projects))
    )
    return alt.layer(bars, wanted).properties(width=480, height=alt.Step(26))


def funnel_chart(data: pl.DataFrame) -> Any:
    import altair as alt

    stages = ["submitted", "email_confirmed", "validated", "assigned"]
    long = _long(data, "call", stages, "stage", "people")
    return long.plot.bar(
        alt.X("stage:N", title=None, sort=[s.replace("_", " ") for s in stages], axis=alt.Axis(labelAngle=0)),
        alt.Y("people:Q", title="People", axis=alt.Axis(tickMinStep=1)),
        alt.Color("call:N", title="Call", scale=alt.Scale(range=[COLOURS[c] for c in ("blue", "purple", "turquoise")])),
        xOffset="call:N",
    ).properties(width=520, height=260)


def demand_chart(data: pl.DataFrame) -> Any:
    """Choices per project (as lead, as member), least asked for first; "nobody asked" written out."""
    import altair as alt

    projects = data["project"].to_list()
    split = data.with_columns(as_lead=pl.col("lead_choices"), as_member=pl.col("choices") - pl.col("lead_choices"))
    long = _long(split, "project", ["as_lead", "as_member"], "sought", "choices")
    bars = long.plot.bar(
        alt.X("choices:Q", title="Choices", axis=alt.Axis(tickMinStep=1)),
        alt.Y("project:N", title="Project", sort=projects),
        alt.Color("sought:N", title="Sought", scale=_scale(["as_lead", "as_member"], ["dark-blue", "blue"])),
    )
    unasked = (
        alt.Chart(data.filter(pl.col("unasked")).with_columns(note=pl.lit("nobody asked")))
        .mark_text(align="left", dx=4, color=COLOURS["red"], fontWeight="bold")
        .encode(x=alt.datum(0), y=alt.Y("project:N", sort=projects), text="note:N")
    )
    return alt.layer(bars, unasked).properties(width=480, height=alt.Step(22))


def daily_chart(data: pl.DataFrame) -> Any:
    import altair as alt

    return data.plot.bar(
        alt.X("yearmonthdate(day):O", title="Day", axis=alt.Axis(format="%-d %b", labelAngle=-90)),
        alt.Y("submissions:Q", title="Submissions", axis=alt.Axis(tickMinStep=1)),
        alt.Color("call:N", title="Call", scale=alt.Scale(range=[COLOURS[c] for c in ("blue", "purple", "turquoise")])),
    ).properties(width=alt.Step(14), height=220)


def declarations_chart(data: pl.DataFrame) -> Any:
    import altair as alt

    return data.plot.bar(
        alt.X("band:N", title="Waiting", sort=data["band"].to_list(), axis=alt.Axis(labelAngle=0)),
        alt.Y("declarations:Q", title="Declarations", axis=alt.Axis(tickMinStep=1)),
        color=alt.value(COLOURS["blue"]),
    ).properties(width=420, height=220)


def hours_chart(data: pl.DataFrame) -> Any:
    import altair as alt

    rows = data.filter(pl.col("workstream") != "All work-streams")
    long = _long(rows, "workstream", ["hours_offered", "hours_assigned"], "hours", "per_month")
    return long.plot.bar(
        alt.X("workstream:N", title="Work-stream", sort=rows["workstream"].to_list(), axis=alt.Axis(labelAngle=0)),
        alt.Y("per_month:Q", title="Hours a month"),
        alt.Color("hours:N", title="Hours", scale=_scale(["hours_offered", "hours_assigned"], ["blue", "green"])),
        xOffset="hours:N",
    ).properties(width=520, height=240)


BUILDERS: dict[str, Callable[[pl.DataFrame], Any]] = {
    "milestones": milestones_chart,
    "project-status": status_chart,
    "project-rag": rag_chart,
    "staffing": staffing_chart,
    "funnel": funnel_chart,
    "demand": demand_chart,
    "daily-submissions": daily_chart,
    "declarations": declarations_chart,
    "ethics-reviews": ethics_chart,
    "escalations": escalations_chart,
    "hours": hours_chart,
}
