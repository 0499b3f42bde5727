"""The report as one PDF: the site's pages in order, charts drawn as static SVG (vl-convert), typeset by
WeasyPrint.

The summary, global and regional chapters carry their charts; country profiles
carry their facts and tables (drawing every country's charts would triple the
time for little gain on paper — the HTML site has them).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from migcap.errors import MigcapError

if TYPE_CHECKING:
    from migcap.reports.builder import Page

__all__ = ["write_pdf"]

HERE = Path(__file__).parent


def _svg(spec: dict[str, Any], world: Any | None) -> str:
    import vl_convert as vlc

    spec = copy.deepcopy(spec)
    if world is not None:
        spec["data"] = {"values": world, "format": {"type": "topojson", "feature": "countries"}}
    spec["width"] = 640 if spec.get("width") == "container" else spec.get("width", 640)
    spec.pop("params", None)  # menus have no use on paper: the first indicator is drawn
    if "layer" in spec and world is not None:
        for layer in spec["layer"]:
            for tr in layer.get("transform", []):
                if tr.get("calculate", "").startswith("datum[indicator]"):
                    tr["calculate"] = "datum['migrants_pct']"
    svg = vlc.vegalite_to_svg(spec)
    return svg[svg.find("<svg"):]


def write_pdf(folder: Path, pages: list[Page], env: Any, common: dict[str, Any], world_topojson: str) -> Path:
    """Render ``folder/report.pdf`` from the pages."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:
        raise MigcapError(f"the PDF engine (WeasyPrint) cannot start: {exc}",
                          hint="install the Pango library (Debian: libpango-1.0-0) or "
                               "build without --pdf") from None
    world = json.loads(world_topojson)
    svgs: dict[str, str] = {}
    for page in pages:
        if page.href.startswith("countries/"):
            continue
        for chart in page.charts:
            svgs[chart.id] = _svg(chart.spec, world if chart.map else None)
    printable = [p for p in pages if not p.href.startswith("countries/")] + sorted(
        (p for p in pages if p.href.startswith("countries/")), key=lambda p: p.title)
    css = (HERE / "static" / "style.css").read_text(encoding="utf-8")
    html = env.get_template("print.html.j2").render(**common, pages=printable, svgs=svgs, css=css)
    target = folder / "report.pdf"
    HTML(string=html, base_url=str(folder)).write_pdf(target)
    return target
