"""Region schemes: which countries form which region, as data.

A scheme is a TSV (or CSV) file with the columns ``iso3, code, name`` — one row
per membership — and optional ``# key: value`` header lines (``title``,
``source``, ``complete``, ``note``). ``iso3`` may hold any name or code that
:func:`migcap.geo.countries.resolve` understands. The bundled schemes live in
``data/classifications/schemes/``; a user passes a path to their own file
anywhere a scheme is accepted, or drops it in ``<data dir>/schemes/``.

A *complete* scheme puts every country of the UN list (``un_area``) in exactly
one region; a *group* scheme (``complete: false``, e.g. LDCs) lists only members.

Examples
--------
>>> s = load_scheme("wmr2010")
>>> s.region_of("EGY"), s.regions["MEA"]
('MEA', 'Middle East')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from migcap.config import get_settings, package_data_dir
from migcap.errors import ClassificationError, UnknownSchemeError
from migcap.geo.countries import country_table, read_tsv

__all__ = ["Scheme", "builtin_schemes", "list_schemes", "load_scheme"]

WORLD_CODE = "WLD"


@dataclass(frozen=True)
class Scheme:
    """A region scheme.

    Attributes
    ----------
    id
        Short name (file stem), e.g. ``"wmr2010"``.
    title, source
        What it is and where it comes from.
    complete
        Every UN country or area belongs to exactly one region.
    regions
        Region code → name, in file order.
    members
        ``(iso3, region code)`` pairs, in file order.
    path
        The file it was read from.
    """

    id: str
    title: str
    source: str
    complete: bool
    regions: dict[str, str]
    members: tuple[tuple[str, str], ...]
    path: Path
    notes: tuple[str, ...] = field(default=())

    def region_of(self, iso3: str) -> str | None:
        """The region code of a country (first one for group schemes), or ``None``."""
        for member, code in self.members:
            if member == iso3:
                return code
        return None

    def members_of(self, code: str) -> list[str]:
        """ISO3 codes of the members of a region."""
        return [iso3 for iso3, c in self.members if c == code]


def _header(path: Path) -> dict[str, list[str]]:
    meta: dict[str, list[str]] = {}
    with path.open(encoding="utf-8-sig") as fh:
        for line in fh:
            if not line.startswith("#"):
                if line.strip():
                    break
                continue
            key, sep, value = line[1:].partition(":")
            if sep:
                meta.setdefault(key.strip().lower(), []).append(value.strip())
    return meta


def _parse(path: Path, scheme_id: str) -> Scheme:
    table = country_table()
    meta = _header(path)
    regions: dict[str, str] = {}
    members: list[tuple[str, str]] = []
    seen: dict[tuple[str, str], int] = {}
    first_row: dict[str, int] = {}
    for lineno, row in read_tsv(path):
        missing = [c for c in ("code", "name") if c not in row] + (
            [] if ("iso3" in row or "country" in row) else ["iso3"]
        )
        if missing:
            raise ClassificationError(
                f"missing column(s) {', '.join(missing)}; a scheme needs iso3 (or country), code, name",
                file=str(path), row=lineno,
            )
        raw_country = row.get("iso3") or row.get("country") or ""
        column = "iso3" if "iso3" in row else "country"
        iso3 = table.lookup(raw_country)
        if iso3 is None:
            hint = table.suggest(raw_country)
            raise ClassificationError(
                "unknown country", file=str(path), row=lineno, column=column, value=raw_country,
                hint=f"did you mean {', '.join(hint)}?" if hint else None,
            )
        code, name = row["code"], row["name"]
        if not code or not name:
            raise ClassificationError("empty region code or name", file=str(path), row=lineno)
        if code == WORLD_CODE:
            raise ClassificationError(f"region code {WORLD_CODE} is reserved for the world",
                                      file=str(path), row=lineno, column="code")
        if regions.setdefault(code, name) != name:
            raise ClassificationError(
                f"region code {code!r} has two names ({regions[code]!r} and {name!r})",
                file=str(path), row=lineno, column="name",
            )
        if (iso3, code) in seen:
            raise ClassificationError(
                f"{iso3} is listed twice in region {code!r} (rows {seen[(iso3, code)]} and {lineno})",
                file=str(path), row=lineno, country=raw_country,
            )
        seen[(iso3, code)] = lineno
        first_row.setdefault(iso3, lineno)
        members.append((iso3, code))
    if not members:
        raise ClassificationError("the scheme has no members", file=str(path))
    declared = meta.get("complete", [""])[0].lower()
    covered = {iso3 for iso3, _ in members}
    multi = len(covered) < len(members)
    un_areas = {c.iso3 for c in table if c.un_area}
    if declared in ("true", "yes", "1"):
        if multi:
            dup = next(i for i, _ in members if sum(1 for j, _ in members if j == i) > 1)
            raise ClassificationError(
                f"a complete scheme puts each country in one region, but {dup} is in several",
                file=str(path), row=first_row[dup], country=dup,
            )
        gaps = sorted(un_areas - covered)
        if gaps:
            shown = ", ".join(gaps[:8]) + (" …" if len(gaps) > 8 else "")
            raise ClassificationError(
                f"declared complete but {len(gaps)} UN countries/areas are in no region: {shown}",
                file=str(path),
            )
        complete = True
    elif declared in ("false", "no", "0"):
        complete = False
    else:
        complete = not multi and un_areas <= covered
    return Scheme(
        id=scheme_id,
        title=meta.get("title", [scheme_id])[0],
        source=meta.get("source", [str(path)])[0],
        complete=complete,
        regions=regions,
        members=tuple(members),
        path=path,
        notes=tuple(meta.get("note", [])),
    )


def _builtin_dir() -> Path:
    return package_data_dir() / "classifications" / "schemes"


def _user_dir() -> Path:
    return get_settings().data_dir / "schemes"


def builtin_schemes() -> list[str]:
    """Names of the bundled schemes."""
    return sorted(p.stem for p in _builtin_dir().glob("*.tsv"))


def list_schemes() -> list[str]:
    """Names of the bundled schemes and of the user's schemes in ``<data dir>/schemes``."""
    user = sorted(p.stem for p in _user_dir().glob("*.[tc]sv")) if _user_dir().is_dir() else []
    return builtin_schemes() + [u for u in user if u not in builtin_schemes()]


@lru_cache(maxsize=64)
def _load_cached(path: Path, scheme_id: str, mtime: float) -> Scheme:
    return _parse(path, scheme_id)


def load_scheme(name_or_path: str | Path) -> Scheme:
    """Load a scheme by name (bundled or in the user's schemes folder) or from a file path.

    Raises
    ------
    UnknownSchemeError
        If there is no such scheme or file.
    ClassificationError
        If the file is inconsistent (names the file, row and country).
    """
    text = str(name_or_path)
    candidates = [_builtin_dir() / f"{text}.tsv", _user_dir() / f"{text}.tsv", _user_dir() / f"{text}.csv"]
    path = next((p for p in candidates if p.is_file()), None)
    if path is None and ("/" in text or "\\" in text or text.endswith((".tsv", ".csv", ".txt"))):
        path = Path(text)
        if not path.is_file():
            raise UnknownSchemeError(f"scheme file not found: {text}")
    if path is None:
        raise UnknownSchemeError(
            f"unknown scheme {text!r}", hint=f"choose one of {', '.join(list_schemes())} or give a file path"
        )
    path = path.resolve()
    return _load_cached(path, path.stem, path.stat().st_mtime)
