"""Charts of the review pages, drawn on the server as SVG (so the signed-in pages need no script that
evaluates code: their Content Security Policy has no ``'unsafe-eval'``), and text helpers: evidence with
its links, and word-by-word differences between two versions of a text.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import re
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

if TYPE_CHECKING:
    from migcap.capacity.reviewing import Review
    from migcap.reports.charts import Chart

__all__ = ["gap_chart", "linkify", "score_chart", "svg", "urls", "word_diff"]

_SVG_CACHE: OrderedDict[str, str] = OrderedDict()
_SVG_LOCK = threading.Lock()
PRIORITY_COLOURS = {"high": "#D55E00", "medium": "#E69F00", "low": "#56B4E9"}


def svg(chart: Chart, width: int = 700) -> Markup:
    """The chart as inline SVG (rendered by vl-convert; kept in a small cache)."""
    import vl_convert as vlc

    spec = copy.deepcopy(chart.spec)
    spec["width"] = width
    spec["autosize"] = {"type": "fit-x", "contains": "padding"}
    spec.pop("usermeta", None)
    key = hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()
    with _SVG_LOCK:
        if key in _SVG_CACHE:
            _SVG_CACHE.move_to_end(key)
            return Markup(_SVG_CACHE[key])
    text = vlc.vegalite_to_svg(spec)
    # accessible: the figure's caption and the table below hold the same figures
    text = text.replace("<svg ", f'<svg role="img" aria-label="{escape(chart.alt)}" ', 1)
    with _SVG_LOCK:
        _SVG_CACHE[key] = text
        while len(_SVG_CACHE) > 256:
            _SVG_CACHE.popitem(last=False)
    return Markup(text)


def score_chart(review: Review, source: str) -> Chart:
    """Area scores (0–100) as horizontal bars, in inventory order, with the overall score."""
    from migcap.reports.charts import bars

    rows = [{"area": f"{a.id} {a.title}", "score": round(a.score, 1)} for a in review.areas if a.score is not None]
    chart = bars("area-scores", "Score by area (0–100)", rows, label="area", value="score", value_title="score",
                 source=source, alt="Bar chart of the score of each area from 0 to 100; the table below has the "
                                    "same figures", value_format=",.0f")
    spec = chart.spec
    spec["encoding"]["x"]["scale"] = {"domain": [0, 100]}
    spec["encoding"]["x"]["axis"] = {"values": list(range(0, 101, 10)), "format": "d"}
    spec["encoding"]["y"]["sort"] = None
    spec["encoding"]["y"].setdefault("axis", {})["labelLimit"] = 260
    return chart


def gap_chart(review: Review, source: str) -> Chart:
    """Gaps and weaknesses per area, stacked by priority (high, medium, low)."""
    from dataclasses import replace

    from migcap.reports.charts import bars

    counts: dict[tuple[str, str], int] = {}
    for g in review.gaps:
        area = next(a for a in review.areas if a.id == g.area)
        key = (f"{area.id} {area.title}", g.priority or "low")
        counts[key] = counts.get(key, 0) + 1
    rows: list[dict[str, Any]] = [{"area": a, "priority": p, "items": n} for (a, p), n in counts.items()]
    base = bars("gaps", "Gaps and weaknesses by area and priority", rows, label="area", value="items",
                value_title="items below target", source=source,
                alt="Stacked bar chart of the number of gaps and weaknesses in each area by priority; the table "
                    "below lists them")
    spec = copy.deepcopy(base.spec)
    spec["height"] = max(120, 26 * len({r["area"] for r in rows}))
    spec["mark"] = {"type": "bar"}
    spec["encoding"]["y"]["sort"] = None
    spec["encoding"]["y"].setdefault("axis", {})["labelLimit"] = 260
    top = max((sum(r["items"] for r in rows if r["area"] == a) for a in {r["area"] for r in rows}), default=1)
    spec["encoding"]["x"]["axis"] = {"format": "d", "values": list(range(0, top + 1))} if top <= 12 \
        else {"format": "d", "tickMinStep": 1}
    spec["encoding"]["x"]["scale"] = {"domain": [0, top]}
    spec["encoding"]["color"] = {"field": "priority", "type": "nominal", "title": "priority",
                                 "scale": {"domain": list(PRIORITY_COLOURS), "range": list(PRIORITY_COLOURS.values())},
                                 "sort": list(PRIORITY_COLOURS)}
    spec["encoding"]["order"] = {"field": "rank", "type": "quantitative"}
    spec["transform"] = [{"calculate": "indexof(['high','medium','low'], datum.priority)", "as": "rank"}]
    spec["encoding"]["tooltip"] = [{"field": "area"}, {"field": "priority"}, {"field": "items"}]
    return replace(base, spec=spec)


_URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)


def linkify(text: str | None) -> Markup:
    """Text with its web addresses as links; everything else escaped (evidence may contain HTML: it is shown
    as text). Only ``http`` and ``https`` addresses become links.

    >>> str(linkify('See <b>https://example.org/a?b=1&c=2</b>.'))
    'See &lt;b&gt;<a href="https://example.org/a?b=1&amp;c=2" rel="noopener noreferrer nofollow">https://example.org/a?b=1&amp;c=2</a>&lt;/b&gt;.'
    """
    if not text:
        return Markup("")
    out: list[str] = []
    pos = 0
    for m in _URL.finditer(text):
        link = m.group(0)
        trail = ""
        while link and link[-1] in ".,;:!?)]}":
            trail = link[-1] + trail
            link = link[:-1]
        out.append(str(escape(text[pos:m.start()])))
        out.append(f'<a href="{escape(link)}" rel="noopener noreferrer nofollow">{escape(link)}</a>{escape(trail)}')
        pos = m.end()
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


def urls(text: str | None) -> list[str]:
    """The web addresses in a text (``http`` and ``https`` only), without trailing punctuation."""
    out = []
    for m in _URL.finditer(text or ""):
        link = m.group(0).rstrip(".,;:!?)]}")
        if link not in out:
            out.append(link)
    return out


_TOKENS = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


def word_diff(old: Any, new: Any) -> Markup:
    """Two versions of a text, word by word: removed words in ``<del>``, added in ``<ins>`` (escaped).

    >>> str(word_diff("a <b> c", "a x c"))
    'a <del>&lt;b&gt;</del><ins>x</ins> c'
    """
    a = _TOKENS.findall("" if old is None else str(old))
    b = _TOKENS.findall("" if new is None else str(new))
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(str(escape("".join(a[i1:i2]))))
            continue
        if op in ("delete", "replace"):
            out.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
        if op in ("insert", "replace"):
            out.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
    return Markup("".join(out))
