"""Charts of the review pages, drawn on the server as SVG (so the signed-in pages need no script that
evaluates code: their Content Security Policy has no ``'unsafe-eval'``), and text helpers: evidence with
its links, and word-by-word differences between two versions of a text.
"""

from __future__ import annotations

import copy
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

    rows = [{"area": f"{a.id} {a.title}", "score": round(a.score, 1)}
            for a in review.areas if a.score is not None]
    chart = bars("area-scores", "Score by area (0–100)", rows, label="area", value="score",
                 value_title="score", source=source,
                 alt="Bar chart of the score of each area from 0 to 100; the table below has the "
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
                alt="Stacked bar chart of the number of gaps and weaknesses in each area by "
                    "priority; the table below lists them")
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
                                 "scale": {"domain": list(PRIORITY_COLOURS),
                                           "range": list(PRIORITY_COLOURS.values())},
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
        out.append(f'<a href="{escape(link)}" rel="noopener noreferrer '
                   f'nofollow">{escape(link)}</a>{escape(trail)}')
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
#: The word diff's bounds: at most this many tokens (words, spaces, punctuation) of each version between
#: their common start and end, and at most this many tokens removed and added. Past either, the diff shows
#: the differing middle as removed and added whole, so a diff costs milliseconds whatever the texts
#: (``bench/bench_hostile.py``).
MAX_DIFF_TOKENS = 2_000
MAX_DIFF_EDITS = 100


def _edits(a: list[str], b: list[str], max_edits: int) -> list[tuple[str, int]] | None:
    """The shortest edit script from ``a`` to ``b`` (Myers' O(ND) algorithm): ``[("=", i) | ("-", i) | ("+",
    j)]`` in order, or ``None`` if it needs more than ``max_edits`` removals and additions.

    The cost is bounded by about ``max_edits × (len(a) + len(b))`` steps.
    """
    n, m = len(a), len(b)
    v = {1: 0}
    trace: list[dict[int, int]] = []
    for d in range(max_edits + 1):
        trace.append(dict(v))
        for k in range(-d, d + 1, 2):
            x = v[k + 1] if k == -d or (k != d and v[k - 1] < v[k + 1]) else v[k - 1] + 1
            y = x - k
            while x < n and y < m and a[x] == b[y]:
                x, y = x + 1, y + 1
            v[k] = x
            if x >= n and y >= m:
                return _backtrack(trace, n, m)
    return None


def _backtrack(trace: list[dict[int, int]], x: int, y: int) -> list[tuple[str, int]]:
    moves: list[tuple[str, int]] = []
    for d in range(len(trace) - 1, -1, -1):
        v = trace[d]
        k = x - y
        prev_k = k + 1 if k == -d or (k != d and v[k - 1] < v[k + 1]) else k - 1
        prev_x = v[prev_k]
        prev_y = prev_x - prev_k
        while x > prev_x and y > prev_y:
            x, y = x - 1, y - 1
            moves.append(("=", x))
        if d > 0:
            moves.append(("+", prev_y) if x == prev_x else ("-", prev_x))
        x, y = prev_x, prev_y
    moves.reverse()
    return moves


def word_diff(old: Any, new: Any) -> Markup:
    """Two versions of a text, word by word: removed words in ``<del>``, added in ``<ins>`` (escaped).

    The cost is bounded (:data:`MAX_DIFF_TOKENS`, :data:`MAX_DIFF_EDITS`): past the bounds, the part between
    the common start and end of the two texts is shown as removed and added whole.

    >>> str(word_diff("a <b> c", "a x c"))
    'a <del>&lt;b&gt;</del><ins>x</ins> c'
    """
    a = _TOKENS.findall("" if old is None else str(old))
    b = _TOKENS.findall("" if new is None else str(new))
    start = 0
    while start < len(a) and start < len(b) and a[start] == b[start]:
        start += 1
    end = 0
    while end < len(a) - start and end < len(b) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    mid_a, mid_b = a[start:len(a) - end], b[start:len(b) - end]
    moves = _edits(mid_a, mid_b, MAX_DIFF_EDITS) \
        if len(mid_a) <= MAX_DIFF_TOKENS and len(mid_b) <= MAX_DIFF_TOKENS else None
    if moves is None:   # past the bounds: the differing middle, removed and added whole
        moves = [("-", i) for i in range(len(mid_a))] + [("+", j) for j in range(len(mid_b))]
    out = [str(escape("".join(a[:start])))]
    same: list[str] = []
    gone: list[str] = []
    added: list[str] = []

    def flush() -> None:
        if gone:
            out.append(f"<del>{escape(''.join(gone))}</del>")
        if added:
            out.append(f"<ins>{escape(''.join(added))}</ins>")
        gone.clear()
        added.clear()

    for op, i in moves:
        if op == "=":
            flush()
            same.append(mid_a[i])
            continue
        out.append(str(escape("".join(same))))
        same.clear()
        if op == "-":
            gone.append(mid_a[i])
        else:
            added.append(mid_b[i])
    out.append(str(escape("".join(same))))
    flush()
    out.append(str(escape("".join(a[len(a) - end:]))))
    return Markup("".join(out))
