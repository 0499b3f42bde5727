"""``migcap data update``: fetch the latest releases from the publishers and import them.

What is fetched (the addresses are in ``data/sources.yaml``, so they can be
corrected without a new release of migcap):

* ``wdi`` — the World Bank API, one JSON per indicator migcap uses; the edition
  is the API's ``lastupdated`` month;
* ``unhcr`` — the UNHCR population API (JSON pages), written as a CSV with the
  API's field names;
* ``wpp`` — the official WPP "Demographic Indicators" CSV;
* ``un-ims`` — the official IMS destination workbook;
* ``eurostat-asylum`` — Eurostat's dissemination API (SDMX-CSV of ``migr_asyappctza``), first-time
  applicants of all ages, written as a CSV in the layout the reader takes (ISO3 codes);
* ``iom-mmp``, ``idmc``, ``cbp``, ``frontex``, ``knomad-brm`` — the file linked from the publisher's
  download page (the first link that matches the source's ``link`` pattern; a ``url`` in
  ``sources.yaml`` is fetched instead): these publishers rename their files with each release.

The files of the last seven sources are kept in the data folder, ``downloads/<source>/``, before they
are imported: Frontex's terms allow private use only, so its file goes to the user's own data folder
and warehouse, and never into the package. A file whose layout the reader does not take is reported
(``downloaded …; not imported: …``) and stays there for ``migcap data import``.

An edition already in the warehouse is skipped. Every download goes through
``http_get`` so that tests replay recorded responses offline.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from migcap.config import Settings, get_settings, package_data_dir
from migcap.errors import EditionError, InputError, MigcapError
from migcap.store.warehouse import Progress

__all__ = ["HttpGet", "fetch", "update", "urllib_get"]

HttpGet = Callable[[str], bytes]
UPDATE_SOURCES = ("wdi", "unhcr", "wpp", "un-ims", "iom-mmp", "idmc", "eurostat-asylum", "cbp", "frontex",
                  "knomad-brm")
#: sources whose files are kept in the data folder (``downloads/<source>/``)
KEPT = ("iom-mmp", "idmc", "eurostat-asylum", "cbp", "frontex", "knomad-brm")


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


def _hrefs(html: str) -> list[str]:
    """The ``href`` of every link of an HTML page, in order."""
    from html.parser import HTMLParser

    found: list[str] = []

    class Links(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "a":
                found.extend(v for k, v in attrs if k == "href" and v)

    Links().feed(html)
    return found


def linked_file(get: HttpGet, page: str, pattern: str) -> str:
    """The address of the first link on ``page`` whose address matches ``pattern`` (a regular expression),
    resolved against the page's address.

    Raises
    ------
    InputError
        If no link matches.
    """
    from urllib.parse import urljoin

    html = get(page).decode("utf-8", errors="replace")
    for href in _hrefs(html):
        if re.search(pattern, href):
            return urljoin(page, href)
    raise InputError(f"no link matching {pattern!r} on the page", file=page,
                     hint="the publisher may have moved its file: put the file's address as 'url:' under "
                          "this source in sources.yaml")


def _fetch_linked(get: HttpGet, cfg: dict[str, Any], folder: Path) -> list[Path]:
    from urllib.parse import unquote, urlsplit

    from migcap.files import write_atomic

    url = cfg.get("url") or linked_file(get, cfg["page"], cfg["link"])
    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1]) or "download"
    path = folder / name
    write_atomic(path, get(url))
    return [path]


#: Eurostat's codes of countries of application and citizenships that are not ISO 3166 alpha-2
_EUROSTAT_CODES = {"EL": "GRC", "UK": "GBR", "XK": "XKX", "STLS": "STL", "UNK": "OOO", "EU27_2020": "EU27"}
_EUROSTAT_SEX = {"F": "female", "M": "male", "UNK": "unknown", "T": "total"}


def _fetch_eurostat(get: HttpGet, cfg: dict[str, Any], folder: Path) -> list[Path]:
    """Eurostat's SDMX-CSV of migr_asyappctza → ``geo, t, nat, sex, n`` (ISO3), one applicant type, all
    ages, persons; the API's answer is kept beside it. Aggregates other than the EU27 total are left out."""
    from migcap.files import write_atomic
    from migcap.geo.countries import country_table

    url = cfg["url"]
    body = get(url)
    write_atomic(folder / "migr_asyappctza.sdmx.csv.gz",
                 body if body[:2] == b"\x1f\x8b" else gzip.compress(body))
    text = (gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body).decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    need = {"geo", "citizen", "sex", "applicant", "age", "unit", "TIME_PERIOD", "OBS_VALUE"}
    missing = sorted(need - set(reader.fieldnames or ()))
    if missing:
        raise InputError(f"not Eurostat's SDMX-CSV of migr_asyappctza (no column {', '.join(missing)})",
                         file=url)
    table = country_table()

    def code(value: str, row: int, column: str, *, aggregate_ok: bool) -> str | None:
        if value in _EUROSTAT_CODES:
            return None if value == "EU27_2020" and not aggregate_ok else _EUROSTAT_CODES[value]
        if len(value) != 2:
            return None  # an aggregate (TOTAL, EXT_EU27_2020, …): migcap sums countries itself
        iso3 = table.lookup(value)
        if iso3 is None:
            raise InputError(f"unknown country code {value!r}", file=url, row=row, column=column)
        return iso3

    path = folder / "migr_asyappctza.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["geo", "t", "nat", "sex", "n"])
        for row, rec in enumerate(reader, start=2):
            if (rec["applicant"] != cfg.get("applicant", "NASY_APP") or rec["age"] != "TOTAL"
                    or rec["unit"] != "PER" or rec["sex"] not in _EUROSTAT_SEX
                    or not rec["OBS_VALUE"].strip()):
                continue
            geo = code(rec["geo"], row, "geo", aggregate_ok=True)
            nat = code(rec["citizen"], row, "citizen", aggregate_ok=False)
            if geo is None or nat is None:
                continue
            w.writerow([geo, rec["TIME_PERIOD"], nat, _EUROSTAT_SEX[rec["sex"]], rec["OBS_VALUE"]])
    return [path]


FETCHERS: dict[str, Callable[[HttpGet, dict[str, Any], Path], list[Path]]] = {
    "wdi": _fetch_wdi, "unhcr": _fetch_unhcr, "wpp": _fetch_file, "un-ims": _fetch_file,
    "iom-mmp": _fetch_linked, "idmc": _fetch_linked, "eurostat-asylum": _fetch_eurostat, "cbp": _fetch_linked,
    "frontex": _fetch_linked, "knomad-brm": _fetch_linked,
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
        if source in KEPT:
            kept = settings.data_dir / "downloads" / source
            kept.mkdir(parents=True, exist_ok=True)
            files = fetch(source, kept, http_get=http_get)
            try:
                report = import_files(files, source, settings=settings, progress=progress)
            except EditionError as exc:
                yield f"{source}: up to date ({exc.problem})"
                continue
            except InputError as exc:
                yield (f"{source}: downloaded {', '.join(str(f) for f in files)}; not imported: {exc} "
                       f"(import it with 'migcap data import FILE --source {source}' once it is in a layout "
                       "the reader takes)")
                continue
            for dataset, edition, rows in report.editions:
                yield f"{source}: imported {dataset} edition {edition} ({rows:,} rows) from {files[0]}"
            continue
        with tempfile.TemporaryDirectory(prefix="migcap-update-") as tmp:
            files = fetch(source, Path(tmp), http_get=http_get)
            try:
                report = import_files(files, source, settings=settings, progress=progress)
            except EditionError as exc:
                yield f"{source}: up to date ({exc.problem})"
                continue
            for dataset, edition, rows in report.editions:
                yield f"{source}: imported {dataset} edition {edition} ({rows:,} rows)"
