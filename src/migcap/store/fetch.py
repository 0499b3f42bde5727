"""``migcap data update``: fetch the latest releases from the publishers and import them.

What is fetched (the addresses are in ``data/sources.yaml``, so they can be
corrected without a new release of migcap):

* ``wdi`` — the World Bank API, one JSON per indicator migcap uses; the edition
  is the API's ``lastupdated`` month;
* ``unhcr`` — the UNHCR population API (JSON pages), written as a CSV with the
  API's field names;
* ``wpp`` — the official WPP "Demographic Indicators" CSV;
* ``un-ims`` — the official IMS destination workbook.

An edition already in the warehouse is skipped. Every download goes through
``http_get`` so that tests replay recorded responses offline.
"""

from __future__ import annotations

import csv
import json
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from migcap.config import Settings, get_settings, package_data_dir
from migcap.errors import EditionError, InputError, MigcapError
from migcap.store.warehouse import Progress

__all__ = ["HttpGet", "fetch", "update", "urllib_get"]

HttpGet = Callable[[str], bytes]
UPDATE_SOURCES = ("wdi", "unhcr", "wpp", "un-ims")


def urllib_get(url: str, timeout: float = 60.0) -> bytes:
    """Download a URL (standard library only)."""
    import urllib.error
    import urllib.request

    req = urllib.request.Request(url, headers={"User-Agent": "migcap (+https://github.com/migcap)"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return bytes(resp.read())
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise MigcapError(f"cannot download {url} ({reason})", hint="are you online?") from None


def _config() -> dict[str, Any]:
    import yaml

    data = yaml.safe_load((package_data_dir() / "sources.yaml").read_text(encoding="utf-8"))
    return dict(data)


def _json(get: HttpGet, url: str) -> Any:
    body = get(url)
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InputError("the server did not answer with JSON", file=url) from None


def _fetch_wdi(get: HttpGet, cfg: dict[str, Any], folder: Path) -> list[Path]:
    paths = []
    for code in cfg["indicators"]:
        url = cfg["url"].format(code=code)
        first = _json(get, url + "&page=1")
        if not (isinstance(first, list) and len(first) == 2 and isinstance(first[0], dict)):
            raise InputError("not a World Bank API answer", file=url)
        records = list(first[1] or [])
        for page in range(2, int(first[0].get("pages", 1)) + 1):
            records += _json(get, f"{url}&page={page}")[1] or []
        path = folder / f"wdi_{code}.json"
        path.write_text(json.dumps([first[0], records]), encoding="utf-8")
        paths.append(path)
    return paths


def _fetch_unhcr(get: HttpGet, cfg: dict[str, Any], folder: Path) -> list[Path]:
    fields = ["year", "coo_iso", "coa_iso", "refugees", "asylum_seekers", "returned_refugees", "idps",
              "returned_idps", "stateless", "ooc", "oip", "hst"]
    path = folder / "unhcr_population.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        page, pages = 1, 1
        while page <= pages:
            body = _json(get, cfg["url"].format(page=page))
            if not isinstance(body, dict) or "items" not in body:
                raise InputError("not a UNHCR API answer (no 'items')", file=cfg["url"].format(page=page))
            pages = int(body.get("maxPages", 1))
            for item in body["items"]:
                w.writerow({k: ("" if item.get(k) in (None, "-") else item.get(k)) for k in fields})
            page += 1
    return [path]


def _fetch_file(get: HttpGet, cfg: dict[str, Any], folder: Path) -> list[Path]:
    path = folder / cfg["url"].rsplit("/", 1)[-1]
    path.write_bytes(get(cfg["url"]))
    return [path]


FETCHERS: dict[str, Callable[[HttpGet, dict[str, Any], Path], list[Path]]] = {
    "wdi": _fetch_wdi, "unhcr": _fetch_unhcr, "wpp": _fetch_file, "un-ims": _fetch_file,
}


def fetch(source: str, folder: Path, *, http_get: HttpGet = urllib_get) -> list[Path]:
    """Download the latest release of one source into ``folder``; return the files."""
    if source not in FETCHERS:
        raise MigcapError(f"cannot update {source!r} online", hint=f"sources: {', '.join(UPDATE_SOURCES)}")
    return FETCHERS[source](http_get, _config()[source], folder)


def update(sources: Sequence[str] | None = None, *, http_get: HttpGet = urllib_get,
           settings: Settings | None = None, progress: Progress | None = None) -> Iterator[str]:
    """Fetch and import the latest release of each source; yield one line per source.

    A release whose edition is already in the warehouse is reported and skipped.
    """
    from migcap.store.editions import import_files

    settings = settings or get_settings()
    for source in sources or UPDATE_SOURCES:
        with tempfile.TemporaryDirectory(prefix="migcap-update-") as tmp:
            files = fetch(source, Path(tmp), http_get=http_get)
            try:
                report = import_files(files, source, settings=settings, progress=progress)
            except EditionError as exc:
                yield f"{source}: up to date ({exc.problem})"
                continue
            for dataset, edition, rows in report.editions:
                yield f"{source}: imported {dataset} edition {edition} ({rows:,} rows)"
