"""The board pack: the report as an A4 portrait PDF, made on the server by WeasyPrint (no browser).

The pack is the report page's own parts (``templates/reports/_report.html``) under the service's own
stylesheet, printed: a cover with the date, the call and the contents, then what needs the board's
attention, what changed since the last meeting, and every figure with its chart and table kept
together, each page numbered. Printing ``/reports`` from a browser follows the same print rules.

WeasyPrint is given the page as text and fetches nothing (no file, no address): charts are inline SVG.
One pack is made at a time per worker: it takes a few seconds of processor time (laying out the tables'
text, mostly), so the packs of the last few reports are kept: a report is kept a minute
(``reports.cache``), and its pack is made once in that time however often it is downloaded.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from functools import cache
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from litestar import Request

from stepchange.core.settings import PROJECT_ROOT

if TYPE_CHECKING:
    from stepchange.reports.pages import ReportView

STYLESHEET = PROJECT_ROOT / "stepchange" / "static" / "stepchange.css"
PACKS_KEPT = 8
_packs: OrderedDict[tuple[object, ...], bytes] = OrderedDict()
for chatty in ("weasyprint", "fontTools"):
    logging.getLogger(chatty).setLevel(logging.WARNING)  # their progress notes are not the service's log
_ONE_AT_A_TIME = threading.Lock()


def refuse(url: str, *args: Any, **kwargs: Any) -> Any:
    """WeasyPrint's fetcher: the pack is self-contained, so any address in it is refused."""
    raise ValueError(f"the board pack fetches nothing ({url[:80]})")


@cache
def stylesheet() -> Any:
    """The service's stylesheet (GOV.UK Frontend and ours, print rules included), parsed once."""
    from weasyprint import CSS

    return CSS(filename=str(STYLESHEET), url_fetcher=refuse)


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML

    with _ONE_AT_A_TIME:
        document = HTML(string=html, url_fetcher=refuse, media_type="print")
        return bytes(document.write_pdf(stylesheets=[stylesheet()]))


async def board_pack(request: Request[Any, Any, Any], view: ReportView) -> bytes:
    """The view's pack: made once for each report counted (kept ones share it)."""
    report = view.report
    key = (view.title, report.scope, report.call and report.call.id, report.since, report.as_of)
    if (kept := _packs.get(key)) is not None:
        return kept
    template = request.app.template_engine.get_template("reports/pack.html")  # type: ignore[union-attr]
    html = template.render(view=view, report=report, figures=view.figures, request=None)
    pdf = await anyio.to_thread.run_sync(render_pdf, html)
    _packs[key] = pdf
    while len(_packs) > PACKS_KEPT:
        _packs.popitem(last=False)
    return pdf
