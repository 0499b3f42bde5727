"""Static assets served from memory: the report's style sheet and chart script, the web app's own
style sheet, the Vega bundle of the installed ``vl-convert-python`` and the world shapes.

Nothing comes from the internet. Each asset is read (and gzip-compressed) once per process on
first use; URLs carry a version (``/static/<version>/<name>``), so browsers and proxies may keep
them for a year.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

__all__ = ["ASSETS", "Asset", "asset_response", "asset_version"]

WEB = Path(__file__).parent


def _report_static(name: str) -> Callable[[], bytes]:
    def read() -> bytes:
        from migcap.reports import builder

        return (builder.HERE / "static" / name).read_bytes()

    return read


def _web_static(name: str) -> Callable[[], bytes]:
    return lambda: (WEB / "static" / name).read_bytes()


def _vega() -> bytes:
    from migcap.config import get_settings
    from migcap.reports.builder import asset_bundle  # the report's cached copy of the bundle

    return asset_bundle(get_settings().data_dir / "cache").encode("utf-8")


def _world() -> bytes:
    from migcap.config import package_data_dir

    topo = (package_data_dir() / "maps" / "countries-110m.json").read_bytes()
    return b"window.MIGCAP_WORLD = " + topo + b";\n"


def _world_licence() -> bytes:
    from migcap.config import package_data_dir

    return (package_data_dir() / "maps" / "LICENSE-world-atlas.txt").read_bytes()


ASSETS: dict[str, tuple[str, Callable[[], bytes]]] = {
    "style.css": ("text/css; charset=utf-8", _report_static("style.css")),
    "migcap.js": ("text/javascript; charset=utf-8", _report_static("migcap.js")),
    "web.css": ("text/css; charset=utf-8", _web_static("web.css")),
    "assess.css": ("text/css; charset=utf-8", _web_static("assess.css")),
    "assess.js": ("text/javascript; charset=utf-8", _web_static("assess.js")),
    "favicon.svg": ("image/svg+xml", _web_static("favicon.svg")),
    "vega.js": ("text/javascript; charset=utf-8", _vega),
    "world-110m.js": ("text/javascript; charset=utf-8", _world),
    "LICENSE-world-atlas.txt": ("text/plain; charset=utf-8", _world_licence),
}


@dataclass(frozen=True)
class Asset:
    media_type: str
    body: bytes
    gzipped: bytes
    etag: str


_loaded: dict[str, Asset] = {}
_lock = threading.Lock()


def asset_version() -> str:
    """A version string for asset URLs: migcap's and vl-convert's versions."""
    from importlib.metadata import PackageNotFoundError, version

    from migcap import __version__

    try:
        vl = version("vl-convert-python")
    except PackageNotFoundError:  # pragma: no cover - a dependency of migcap
        vl = "0"
    own = "|".join(str((WEB / "static" / n).stat().st_mtime_ns)
                   for n in ("web.css", "assess.css", "assess.js"))
    return hashlib.sha256(f"{__version__}|{vl}|{own}".encode()).hexdigest()[:10]


def get_asset(name: str) -> Asset | None:
    if name not in ASSETS:
        return None
    with _lock:
        if name not in _loaded:
            media, read = ASSETS[name]
            body = read()
            _loaded[name] = Asset(media, body, gzip.compress(body, 6, mtime=0),
                                  '"' + hashlib.sha256(body).hexdigest()[:20] + '"')
        return _loaded[name]


def asset_response(request: Request, name: str) -> Response:
    """The asset, gzip-compressed when the client accepts it; 304 when its copy is current."""
    a = get_asset(name)
    if a is None:
        return Response(b"not found", status_code=404, media_type="text/plain")
    headers = {"Cache-Control": "public, max-age=31536000, immutable", "ETag": a.etag,
               "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == a.etag:
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(a.gzipped, media_type=a.media_type, headers=headers)
    return Response(a.body, media_type=a.media_type, headers=headers)
