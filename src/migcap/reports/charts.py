"""Vega-Lite chart specifications for the report: trend lines, bars, the region matrix, world maps.

Specs are plain dictionaries (no schema validation at build time: a report draws
about a thousand charts). Every chart has a title, axis titles with units, a
source line and an alt text, and uses colours that people with colour-blindness
can tell apart (Okabe–Ito for categories, viridis for sequential scales).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["FAN_READING", "Chart", "bars", "choropleth", "fan", "heatmap", "lines", "short_source"]

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"  # the version vl-convert bundles
# Okabe & Ito (2008), "Color Universal Design"
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"


@dataclass(frozen=True)
class Chart:
    """A chart: its Vega-Lite spec, a title, an alt text and the source line."""

    id: str
    title: str
    alt: str
    source: str
    spec: dict[str, Any]
    map: bool = False  # needs the world shapes (injected by the page script)
    caption: str = ""  # how to read it, shown under the chart (the alt text if empty)


_SHORT = {
    "United Nations, Department of Economic and Social Affairs, Population Division": "UN DESA",
    "The World Bank, World Development Indicators": "World Bank, WDI",
    "; includes values derived by migcap": " (with values derived by migcap)",
}


def short_source(source: str, width: int = 70) -> list[str]:
    """A source line shortened (publisher abbreviations) and wrapped for a chart subtitle.

    >>> short_source("United Nations, Department of Economic and Social Affairs, Population Division, X")
    ['Source: UN DESA, X']
    """
    text = f"Source: {source}"
    for long, short in _SHORT.items():
        text = text.replace(long, short)
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


#: Axis labels for percentages: three significant digits, trailing zeros dropped (0.45, 12.5, 88), so
#: that small shares do not round to repeated labels.
PCT_AXIS = ".3~r"


def si_axis(fmt: str) -> dict[str, Any]:
    """An axis with SI-prefixed labels, writing 'B' (billion) where d3 would write 'G'."""
    return {"format": fmt, "labelExpr": "replace(datum.label, 'G', 'B')"}


def _base(title: str, source: str, width: int | str = "container", height: int = 260) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "title": {"text": title, "subtitle": short_source(source), "anchor": "start", "fontSize": 14,
                  "subtitleFontSize": 10, "subtitleColor": "#555"},
        "width": width,
        "height": height,
        "config": {"font": FONT, "view": {"stroke": None}, "axis": {"labelFontSize": 11, "titleFontSize": 11},
                   "legend": {"labelFontSize": 11, "titleFontSize": 11}, "range": {"category": OKABE_ITO}},
        "usermeta": {"embedOptions": {"actions": {"export": True, "source": False, "compiled": False,
                                                   "editor": False}}},
    }


def lines(chart_id: str, title: str, rows: list[dict[str, Any]], *, x: str, y: str, y_title: str, source: str,
          series: str | None = None, alt: str = "", y_format: str = ",.3~s") -> Chart:
    """A line chart with points (one line per ``series`` value if given)."""
    spec = _base(title, source)
    enc: dict[str, Any] = {
        "x": {"field": x, "type": "ordinal", "title": None, "axis": {"labelAngle": 0}},
        "y": {"field": y, "type": "quantitative", "title": y_title, "axis": si_axis(y_format)},
        "tooltip": [{"field": x}, {"field": y, "format": ",.4~r", "title": y_title}],
    }
    if series:
        enc["color"] = {"field": series, "type": "nominal", "title": None}
        enc["tooltip"].insert(0, {"field": series})
    spec.update(data={"values": rows}, mark={"type": "line", "point": True, "strokeWidth": 2}, encoding=enc)
    if not series:
        spec["mark"]["color"] = OKABE_ITO[0]
    return Chart(chart_id, title, alt or f"Line chart: {title}", source, spec)


BAND_FIELDS = ("median", "lower80", "upper80", "lower95", "upper95")
#: How to read a fan chart, under every one.
FAN_READING = ("How to read it: the solid line is what was observed and the dashed line the median "
               "projection. In 8 of 10 futures consistent with the past, the number stays inside the "
               "darker band, and in 19 of 20 inside the lighter one.")


def _axis_title(text: str, width: int = 40) -> str | list[str]:
    """A long axis title on two lines, broken before its parenthesis ('net migrants per year',
    '(average of the 5-year period ending mid-year)')."""
    head, sep, tail = text.partition(" (")
    return [head, f"({tail}"] if len(text) > width and sep else text


def fan(chart_id: str, title: str, rows: list[dict[str, Any]], *, y_title: str, source: str,
        alt: str = "") -> Chart:
    """A projection: observed values, the median, and the 80% and 95% intervals as bands.

    ``rows`` carry ``year`` and ``median``/``lower80``/``upper80``/``lower95``/``upper95``
    (projections) or ``observed`` (the past).
    """
    spec = _base(title, source)
    x = {"field": "year", "type": "quantitative", "title": None, "axis": {"format": "d"}}
    fmt = ",.3~s"
    observed = [r for r in rows if r.get("observed") is not None]
    projected = [r["year"] for r in rows if r.get("median") is not None]
    if observed and projected:
        last = max(observed, key=lambda r: r["year"])
        if last["year"] < min(projected):   # the fan starts from the last observation, not in mid-air
            rows = [*rows, {"year": last["year"], **dict.fromkeys(BAND_FIELDS, last["observed"])}]
    spec.update(data={"values": rows}, layer=[
        {"mark": {"type": "area", "color": OKABE_ITO[4], "opacity": 0.25},
         "encoding": {"x": x, "y": {"field": "lower95", "type": "quantitative", "title": _axis_title(y_title),
                                    "axis": si_axis(fmt)}, "y2": {"field": "upper95"}}},
        {"mark": {"type": "area", "color": OKABE_ITO[4], "opacity": 0.45},
         "encoding": {"x": x, "y": {"field": "lower80", "type": "quantitative"}, "y2": {"field": "upper80"}}},
        {"mark": {"type": "line", "color": OKABE_ITO[0], "strokeDash": [4, 3]},
         "encoding": {"x": x, "y": {"field": "median", "type": "quantitative"},
                      "tooltip": [{"field": "year"}, {"field": "median", "format": ",.4~r"},
                                  {"field": "lower80", "format": ",.4~r"},
                                  {"field": "upper80", "format": ",.4~r"}]}},
        {"mark": {"type": "line", "color": "#000000", "point": True},
         "encoding": {"x": x, "y": {"field": "observed", "type": "quantitative"},
                      "tooltip": [{"field": "year"}, {"field": "observed", "format": ",.4~r"}]}},
    ])
    return Chart(chart_id, title, alt or f"Projection chart: {title}", source, spec, caption=FAN_READING)


def bars(chart_id: str, title: str, rows: list[dict[str, Any]], *, label: str, value: str, value_title: str,
         source: str, alt: str = "", color: str = OKABE_ITO[0], value_format: str = ",.3~s",
         negative_color: str | None = None) -> Chart:
    """A horizontal bar chart, largest first; with ``negative_color``, bars below zero in that colour."""
    spec = _base(title, source, height=max(120, 22 * len(rows)))
    encoding: dict[str, Any] = {
        "y": {"field": label, "type": "nominal", "sort": "-x", "title": None},
        "x": {"field": value, "type": "quantitative", "title": value_title, "axis": si_axis(value_format)},
        "tooltip": [{"field": label}, {"field": value, "format": ",.4~r", "title": value_title}],
    }
    if negative_color:
        encoding["color"] = {"condition": {"test": f"datum[{value!r}] < 0", "value": negative_color},
                             "value": color}
    spec.update(data={"values": rows}, mark={"type": "bar", "color": color}, encoding=encoding)
    return Chart(chart_id, title, alt or f"Bar chart: {title}", source, spec)


def heatmap(chart_id: str, title: str, rows: list[dict[str, Any]], *, source: str, alt: str = "",
            value: str = "migrants", value_title: str = "Migrants", row_title: str = "Region of origin",
            column_title: str = "Region of destination", dark_text_above: float = 2e7) -> Chart:
    """The region matrix as a heat map: origin (rows) × destination (columns), ``value`` (migrants unless
    told) in the cells; cell labels are black above ``dark_text_above``, white below."""
    spec = _base(title, source, width="container", height=max(200, 34 * len({r["origin"] for r in rows})))
    order_o = list(dict.fromkeys(r["origin"] for r in rows))
    order_d = list(dict.fromkeys(r["destination"] for r in rows))
    spec.update(
        data={"values": rows},
        encoding={
            "y": {"field": "origin", "type": "nominal", "sort": order_o, "title": row_title},
            "x": {"field": "destination", "type": "nominal", "sort": order_d,
                  "title": column_title, "axis": {"labelAngle": -30}},
        },
        layer=[
            {"mark": "rect", "encoding": {
                "color": {"field": value, "type": "quantitative", "title": value_title,
                          "scale": {"scheme": "viridis", "type": "sqrt"}, "legend": {"format": ",.2~s"}},
                "tooltip": [{"field": "origin"}, {"field": "destination"},
                            {"field": value, "format": ",.0f", "title": value_title}]}},
            {"mark": {"type": "text", "fontSize": 10}, "encoding": {
                "text": {"field": value, "type": "quantitative", "format": ".2~s"},
                "color": {"condition": {"test": f"datum[{value!r}] > {dark_text_above:g}", "value": "black"},
                          "value": "white"}}},
        ],
    )
    return Chart(chart_id, title, alt or f"Heat map: {title}", source, spec)


def choropleth(chart_id: str, title: str, rows: list[dict[str, Any]], *, fields: dict[str, str], source: str,
               alt: str = "", highlight: list[int] | None = None) -> Chart:
    """A world map coloured by one of ``fields`` (field → label; a menu switches between them in HTML).

    ``rows`` carry ``id`` (ISO numeric, as in the Natural Earth shapes), ``name`` and the fields.
    The shapes themselves are added by the page script (``MIGCAP_WORLD``) or by the PDF renderer.
    """
    first = next(iter(fields))
    spec = _base(title, source, width="container", height=320)
    lookup_fields = ["name", *fields]
    value = "datum[indicator]" if len(fields) > 1 else f"datum['{first}']"
    shapes = {"name": "world", "format": {"type": "topojson", "feature": "countries"}}
    spec.update(
        data=shapes,
        projection={"type": "equalEarth"},
        layer=[
            # every country in grey first: no data is shown as no data, not as zero
            {"mark": {"type": "geoshape", "fill": "#d9d9d9", "stroke": "white", "strokeWidth": 0.3}},
            {"transform": [
                {"lookup": "id", "from": {"data": {"values": rows}, "key": "id", "fields": lookup_fields}},
                {"calculate": value, "as": "value"},
                {"filter": "isValid(datum.value)"},
            ],
             "mark": {"type": "geoshape", "stroke": "white", "strokeWidth": 0.3},
             "encoding": {
                "color": {"field": "value", "type": "quantitative", "title": None,
                          "scale": {"scheme": "viridis", "type": "sqrt", "reverse": True},
                          "legend": {"orient": "bottom-left", "gradientLength": 160}},
                "tooltip": [{"field": "name", "title": "Country"}] + [
                    {"field": f, "title": label, "format": ",.2f"} for f, label in fields.items()],
             }},
        ],
    )
    if len(fields) > 1:
        spec["params"] = [{"name": "indicator", "value": first,
                           "bind": {"input": "select", "options": list(fields),
                                    "labels": list(fields.values()), "name": "Map: "}}]
    if highlight:
        spec["layer"].append({"transform": [{"filter": f"indexof({highlight}, +datum.id) >= 0"}],
                              "mark": {"type": "geoshape", "fill": None, "stroke": "#D55E00",
                                       "strokeWidth": 1.5}})
    return Chart(chart_id, title, alt or f"World map: {title}", source, spec, map=True)
