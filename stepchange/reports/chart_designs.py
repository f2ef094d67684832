"""The design of each chart, one per report table: Altair specifications drawn as SVG by ``reports.charts``.

Made to be read at arm's length and in print: every text at the page's body size (19 px, drawn at its
own size on screen and A4 alike: a chart is never wider than the printed page, 680 px, and a phone
scrolls it rather than shrinking it); work-streams by name; every mark either labelled or in a
legend; timelines over the months that matter. Red, amber and green mean RAG and nothing else: every
other chart is drawn in blues, purples, greys and black, so no bar can be mistaken for a RAG.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import polars as pl

from stepchange.core import clock
from stepchange.reports.window import milestone_window

TEXT_SIZE = 19
"""GOV.UK body text on a desktop (and above its 16 px on a phone)."""
WIDTH = 660
"""The whole chart, axes and legend included: within A4's 180 mm between margins."""
ROW = 36
"""Height of one bar's row: a 19 px label with room to breathe."""
RAG = {"green": "#00703c", "amber": "#f47738", "red": "#d4351c", "not reported": "#b1b4b6"}
"""RAG colours: for RAG only."""
INK = {
    "blue": "#1d70b8",
    "dark-blue": "#003078",
    "light-blue": "#5694ca",
    "purple": "#4c2c92",
    "light-purple": "#6f72af",
    "dark-grey": "#505a5f",
    "grey": "#b1b4b6",
    "black": "#0b0c0c",
}
"""Everything else: GOV.UK colours that cannot be read as red, amber or green."""


def words(name: str) -> str:
    text = name.replace("_", " ")
    return text[:1].upper() + text[1:]


def _alt() -> Any:
    import altair as alt

    return alt


def count_axis(title: str, most: int) -> Any:
    """An axis of whole numbers: ticks at whole steps (1, 2, 5, 10, 20, 50… apart), no more than eight."""
    step = next(base * 10**power for power in range(12) for base in (1, 2, 5) if most <= 8 * base * 10**power)
    return _alt().Axis(values=list(range(0, most + step, step)), format=",d", title=title)


def _scale(domain: list[str], colours: list[str]) -> Any:
    return _alt().Scale(domain=domain, range=colours)


def _long(data: pl.DataFrame, index: str, on: list[str], name: str, value: str) -> pl.DataFrame:
    """Columns ``on`` as rows: ``(index, name, value)``, the names in words, in ``on``'s order (``position``)."""
    long = data.select(index, *on).unpivot(index=index, on=on, variable_name=name, value_name=value)
    order = {c: i for i, c in enumerate(on)}
    return long.with_columns(
        position=pl.col(name).replace_strict(order, return_dtype=pl.Int64),
        **{name: pl.col(name).map_elements(words, return_dtype=pl.String)},
    )


def _stacked(data: pl.DataFrame, categories: list[str], colours: list[str], legend: str, unit: str) -> Any:
    """Horizontal bars, one per work-stream (by name), stacked by category in the given order and colours."""
    alt = _alt()
    rows = data.filter(pl.col("workstream") != "All work-streams")
    long = _long(rows, "workstream", categories, "category", unit)
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            alt.X(f"{unit}:Q", axis=count_axis(words(unit), _most(rows, categories))),
            alt.Y("workstream:N", title=None, sort=rows["workstream"].to_list()),
            alt.Color("category:N", title=legend, scale=_scale([words(c) for c in categories], colours), sort=None),
            order=alt.Order("position:Q"),
            tooltip=["workstream:N", "category:N", f"{unit}:Q"],
        )
        .properties(height=alt.Step(ROW))
    )


def _largest(values: pl.Series) -> int:
    return int(cast(int, values.max() or 0))


def _most(rows: pl.DataFrame, columns: list[str]) -> int:
    """The longest stacked bar."""
    return int(rows.select(pl.sum_horizontal(*columns)).max().item() or 0) if not rows.is_empty() else 0


def _labelled_bars(data: pl.DataFrame, x: str, y: str, x_title: str, colour: str, sort: list[str]) -> Any:
    """Horizontal bars, each with its value written at its end."""
    alt = _alt()
    base = alt.Chart(data).encode(
        alt.X(f"{x}:Q", axis=count_axis(x_title, _largest(data[x]))),
        alt.Y(f"{y}:N", title=None, sort=sort),
    )
    bars = base.mark_bar(color=INK[colour])
    values = base.mark_text(align="left", dx=6, fontSize=TEXT_SIZE, color=INK["black"]).encode(
        text=alt.Text(f"{x}:Q", format=",d")
    )
    return alt.layer(bars, values).properties(height=alt.Step(ROW))


def milestones_chart(data: pl.DataFrame) -> Any:
    """The timeline of the months that matter (the table's rows: ``delivery.in_view``): each milestone a row
    (its project, title and due date), marked at its due date by state; today a labelled dashed rule."""
    alt = _alt()
    today = clock.uk_today()
    start, end = milestone_window(today)
    shown = data.with_columns(
        label=pl.col("project")
        + ": "
        + pl.col("title").str.slice(0, 30)
        + pl.col("due_on").map_elements(lambda d: f" ({d:%-d %b})", return_dtype=pl.String),
        state=pl.col("state").map_elements(words, return_dtype=pl.String),
    )
    start = min([start, *shown["due_on"].to_list()])
    states, shapes = ["Done", "Overdue", "To come"], ["circle", "diamond", "triangle-up"]
    points = (
        alt.Chart(shown)
        .mark_point(filled=True, size=220, opacity=1)
        .encode(
            alt.X(
                "due_on:T",
                title="Due",
                scale=alt.Scale(domain=[start.isoformat(), end.isoformat()]),
                axis=alt.Axis(format="%b %y", tickCount="month", labelAngle=0, labelOverlap="greedy"),
            ),
            alt.Y("label:N", title=None, sort=shown["label"].to_list(), axis=alt.Axis(labelLimit=380)),
            alt.Color("state:N", title="State", scale=_scale(states, [INK["dark-grey"], INK["black"], INK["blue"]])),
            alt.Shape("state:N", title="State", scale=_scale(states, shapes)),
        )
        .properties(height=alt.Step(ROW))
    )
    marker = pl.DataFrame({"today": [today.isoformat()], "label": ["Today"]})
    rule = alt.Chart(marker).mark_rule(strokeDash=[6, 4], color=INK["dark-grey"], strokeWidth=2).encode(x="today:T")
    label = (
        alt.Chart(marker)
        .mark_text(align="left", baseline="top", dx=4, y=2, fontSize=TEXT_SIZE, color=INK["dark-grey"])
        .encode(x="today:T", text="label:N")
    )
    return alt.layer(points, rule, label)


def status_chart(data: pl.DataFrame) -> Any:
    statuses = ["pipeline", "provisional", "recruiting", "staffed", "delivering", "delivered", "paused", "withdrawn"]
    colours = ["grey", "light-blue", "blue", "dark-blue", "light-purple", "purple", "dark-grey", "black"]
    return _stacked(data, statuses, [INK[c] for c in colours], "Status", "projects")


def rag_chart(data: pl.DataFrame) -> Any:
    categories = ["red", "amber", "green", "not_reported"]
    return _stacked(data, categories, [RAG[c.replace("_", " ")] for c in categories], "RAG", "projects")


def rag_trend_chart(data: pl.DataFrame) -> Any:
    """A grid: a row per project, a column per month, each cell its RAG's colour and initial."""
    alt = _alt()
    months = [c for c in data.columns if c.startswith("m")]
    long = (
        data.unpivot(index="project", on=months, variable_name="key", value_name="rag")
        .with_columns(
            month=pl.col("key").str.slice(1).str.to_date("%Y-%m-%d").dt.strftime("%b %y"),
            rag=pl.col("rag").str.replace("_", " ").map_elements(words, return_dtype=pl.String),
        )
        .with_columns(letter=pl.col("rag").str.slice(0, 1).replace({"N": "\N{EN DASH}"}))
    )
    order = ["Red", "Amber", "Green", "Not reported"]
    base = alt.Chart(long).encode(
        alt.X("month:O", title=None, sort=None, axis=alt.Axis(labelAngle=0 if len(months) <= 6 else -90, orient="top")),
        alt.Y("project:N", title=None, sort=data["project"].to_list()),
    )
    cells = base.mark_rect(stroke="#ffffff", strokeWidth=2).encode(
        alt.Color("rag:N", title="RAG", scale=_scale(order, [RAG[o.lower()] for o in order]))
    )
    letters = base.mark_text(fontSize=16, fontWeight="bold").encode(
        text="letter:N",
        color=alt.condition(
            "datum.rag === 'Red' || datum.rag === 'Green'", alt.value("#ffffff"), alt.value(INK["black"])
        ),
    )
    return alt.layer(cells, letters).properties(height=alt.Step(30))


def ethics_chart(data: pl.DataFrame) -> Any:
    outcomes = ["cleared", "cleared_with_conditions", "blocked", "not_reviewed"]
    colours = [INK["dark-blue"], INK["light-blue"], INK["black"], INK["grey"]]
    return _stacked(data, outcomes, colours, "Latest review", "projects")


def escalations_chart(data: pl.DataFrame) -> Any:
    waiting = data.with_columns(not_yet_due=pl.col("escalated") - pl.col("overdue"))
    return _stacked(waiting, ["overdue", "not_yet_due"], [INK["black"], INK["blue"]], "Escalated actions", "actions")


def staffing_chart(data: pl.DataFrame) -> Any:
    """Each open project's team (accepted, then offered) as a bar; the size it wants as a tick, in the legend."""
    alt = _alt()
    projects = data["project"].to_list()
    widest = int(data.select(pl.max_horizontal("team", "wanted")).max().item()) + 1
    places = _long(data, "project", ["accepted", "offered"], "place", "people")
    wanted = data.select("project", "wanted").with_columns(place=pl.lit("Team size wanted"))
    domain = ["Accepted", "Offered", "Team size wanted"]
    colour = alt.Color(
        "place:N", title="Places", scale=_scale(domain, [INK["dark-blue"], INK["light-blue"], INK["black"]])
    )
    x = alt.X("people:Q", axis=count_axis("People", widest), scale=alt.Scale(domain=[0, widest]))
    bars = alt.Chart(places).mark_bar().encode(x, alt.Y("project:N", title=None, sort=projects), colour,
                                               order=alt.Order("position:Q"))  # fmt: skip
    ticks = (
        alt.Chart(wanted)
        .mark_tick(thickness=4, size=ROW - 8)
        .encode(alt.X("wanted:Q"), alt.Y("project:N", sort=projects), colour)
    )
    return alt.layer(bars, ticks).properties(height=alt.Step(ROW - 6))


def _lines(data: pl.DataFrame, x: str, xs: Any, y_title: str, series: dict[str, str], interpolate: str) -> Any:
    """Lines over time (``xs`` the encoding of ``x``), one per series (column: label), each labelled with
    its last value at its end."""
    alt = _alt()
    long = data.select(x, *series).unpivot(index=x, on=list(series), variable_name="series", value_name="n")
    long = long.with_columns(series=pl.col("series").replace_strict(series, return_dtype=pl.String))
    last = long.filter(pl.col(x) == data[x][-1]).with_columns(
        label=pl.col("series") + ": " + pl.col("n").map_elements(lambda n: f"{n:,}", return_dtype=pl.String)
    )
    colours = [INK["dark-blue"], INK["purple"]][: len(series)]
    colour = alt.Color("series:N", title=None, scale=_scale(list(series.values()), colours))
    lines = (
        alt.Chart(long)
        .mark_line(strokeWidth=4, interpolate=interpolate, point=alt.OverlayMarkDef(size=60))
        .encode(xs, alt.Y("n:Q", axis=count_axis(y_title, _largest(long["n"]))), colour)
    )
    ends = (
        alt.Chart(last)
        .mark_text(align="right", dy=-14, fontSize=TEXT_SIZE, fontWeight="bold")
        .encode(xs, alt.Y("n:Q"), colour, text="label:N")
    )
    return alt.layer(lines, ends).properties(height=300)


def staffing_trend_chart(data: pl.DataFrame) -> Any:
    """Month ends in order, this month's written "Now"."""
    alt = _alt()
    series = {"accepted": "Places accepted", "offered": "Offers awaiting an answer"}
    months = data["month"].to_list()
    labels = [f"{m:%b %y}" for m in months[:-1]] + ["Now"]
    labelled = data.with_columns(month=pl.Series(labels))
    xs = alt.X("month:O", title="End of month", sort=labels, axis=alt.Axis(labelAngle=0))
    return _lines(labelled, "month", xs, "Places", series, "linear")


def call_trend_chart(data: pl.DataFrame) -> Any:
    """So far, day by day: a step up on each day something happened."""
    alt = _alt()
    series = {"submitted_to_date": "Submitted", "validated_to_date": "Validated"}
    xs = alt.X("day:T", title="Day", axis=alt.Axis(format="%-d %b %y", labelAngle=0, labelOverlap=True))
    return _lines(data, "day", xs, "People", series, "step-after")


def funnel_chart(data: pl.DataFrame) -> Any:
    """The report's call: how many people reached each stage."""
    stages = ["submitted", "email_confirmed", "validated", "assigned"]
    long = _long(data, "call", stages, "stage", "people").with_columns(
        stage=pl.col("stage").str.replace("Email", "E-mail")
    )
    labels = long["stage"].to_list()  # the report's call only: its row is the only one
    return _labelled_bars(long, "people", "stage", "People", "dark-blue", labels)


def demand_chart(data: pl.DataFrame) -> Any:
    """Choices per project (as lead, as member), least asked for first; "nobody asked" written out."""
    alt = _alt()
    projects = data["project"].to_list()
    split = data.with_columns(as_lead=pl.col("lead_choices"), as_member=pl.col("choices") - pl.col("lead_choices"))
    long = _long(split, "project", ["as_lead", "as_member"], "sought", "choices")
    bars = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            alt.X("choices:Q", axis=count_axis("Choices", _largest(data["choices"]))),
            alt.Y("project:N", title=None, sort=projects),
            alt.Color(
                "sought:N",
                title="Sought",
                scale=_scale(["As lead", "As member"], [INK["dark-blue"], INK["light-blue"]]),
            ),
            order=alt.Order("position:Q"),
        )
    )
    unasked = (
        alt.Chart(data.filter(pl.col("unasked")).with_columns(note=pl.lit("nobody asked")))
        .mark_text(align="left", dx=6, fontSize=TEXT_SIZE, color=INK["black"], fontStyle="italic")
        .encode(x=alt.datum(0), y=alt.Y("project:N", sort=projects), text="note:N")
    )
    return alt.layer(bars, unasked).properties(height=alt.Step(ROW - 8))


def declarations_chart(data: pl.DataFrame) -> Any:
    rows = data.with_columns(band=pl.col("band").map_elements(words, return_dtype=pl.String))
    return _labelled_bars(rows, "declarations", "band", "Declarations", "blue", rows["band"].to_list())


def hours_chart(data: pl.DataFrame) -> Any:
    alt = _alt()
    rows = data.filter(pl.col("workstream") != "All work-streams")
    long = _long(rows, "workstream", ["hours_offered", "hours_assigned"], "hours", "per_month")
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            alt.X("per_month:Q", title="Hours a month", axis=alt.Axis(format=",d")),
            alt.Y("workstream:N", title=None, sort=rows["workstream"].to_list()),
            alt.Color(
                "hours:N",
                title=None,
                scale=_scale(["Hours offered", "Hours assigned"], [INK["light-blue"], INK["dark-blue"]]),
            ),
            yOffset=alt.YOffset("hours:N", sort=["Hours offered", "Hours assigned"]),
        )
        .properties(height=alt.Step(ROW - 14))
    )


BUILDERS: dict[str, Callable[[pl.DataFrame], Any]] = {
    "milestones": milestones_chart,
    "project-status": status_chart,
    "project-rag": rag_chart,
    "rag-trend": rag_trend_chart,
    "staffing": staffing_chart,
    "staffing-trend": staffing_trend_chart,
    "funnel": funnel_chart,
    "demand": demand_chart,
    "call-trend": call_trend_chart,
    "declarations": declarations_chart,
    "ethics-reviews": ethics_chart,
    "escalations": escalations_chart,
    "hours": hours_chart,
}
