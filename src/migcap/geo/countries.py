"""Countries and areas: the one country table, and names or codes → ISO3.

The table (``data/classifications/countries.tsv``) lists every country or area
that any bundled source reports, keyed by ISO 3166 alpha-3 (plus ``CHI``,
Channel Islands, and ``XKX``, Kosovo, which the UN and the World Bank use).
Names are resolved through the aliases written by the official sources
(``aliases.tsv``), a hand-curated list (``aliases_curated.tsv``) and, if present,
the user's own ``aliases.tsv`` in the data folder (same format).

Examples
--------
>>> resolve("Côte d'Ivoire"), resolve("Ivory Coast"), resolve("civ"), resolve(384)
('CIV', 'CIV', 'CIV', 'CIV')
>>> country("KEN").name
'Kenya'
"""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from migcap.config import get_settings, package_data_dir
from migcap.errors import ClassificationError, UnknownAreaError
from migcap.sheets import csv_value

__all__ = [
    "Country",
    "CountryTable",
    "country",
    "country_table",
    "normalize_name",
    "read_tsv",
    "resolve",
    "resolve_many",
    "special_codes",
    "wb_aggregates",
]

_CLASSIFICATIONS = "classifications"


@dataclass(frozen=True)
class Country:
    """One country or area.

    Attributes
    ----------
    iso3, iso2, iso_numeric, m49
        Codes (ISO 3166 alpha-3/alpha-2/numeric; UN M49, as used by UN DESA).
    name
        The UN DESA name (as in the International Migrant Stock).
    short_name, official_name
        UNTERM short and formal English names where they exist.
    un_area
        Listed as a country or area by UN DESA (IMS 2020 annex).
    wb_economy
        Listed as an economy by the World Bank (WDI metadata).
    """

    iso3: str
    iso2: str | None
    iso_numeric: int | None
    m49: int
    name: str
    short_name: str
    official_name: str
    un_area: bool
    wb_economy: bool


def read_tsv(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line number, row)`` from a tab- or comma-separated file with ``#`` comments.

    The delimiter is taken from the header line (tab if it has one, else comma).
    Line numbers are those of the file, header and comments included, so that
    errors can point at them.
    """
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError as exc:
        raise ClassificationError("file not found", file=str(path)) from exc
    except UnicodeDecodeError as exc:
        raise ClassificationError("not a UTF-8 text file", file=str(path)) from exc
    numbered = [(i + 1, line) for i, line in enumerate(lines) if line.strip() and not line.startswith("#")]
    if not numbered:
        raise ClassificationError("the file has no header row", file=str(path))
    delimiter = "\t" if "\t" in numbered[0][1] else ","
    reader = csv.reader([line for _, line in numbered], delimiter=delimiter)
    header = [csv_value(h.strip()) for h in next(reader)]
    for (lineno, _), values in zip(numbered[1:], reader, strict=True):
        # csv_value: a cell that migcap's CSV export quoted (a text starting like a formula) reads back as is
        yield lineno, dict(zip(header, (csv_value(v.strip()) for v in values), strict=False))


def normalize_name(text: str) -> str:
    """Normalise a country name for matching.

    Accents, case, punctuation, a leading "the" and the difference between
    "&" and "and" are ignored.

    >>> normalize_name("  Côte d’Ivoire ")
    'cote d ivoire'
    >>> normalize_name("St. Kitts & Nevis") == normalize_name("St Kitts and Nevis")
    True
    """
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold().replace("&", " and ").rstrip("*")
    text = re.sub(r"[^\w]+", " ", text).strip()
    text = re.sub(r"^the ", "", text)
    return text


class CountryTable:
    """The country table with its lookup indexes (built once per process).

    Parameters
    ----------
    countries
        The countries.
    aliases
        ``(alias, iso3)`` pairs, official and curated.
    special
        Codes that are partners but not countries (``UNK``, ``XXA``, …) → name.
    """

    def __init__(
        self,
        countries: Iterable[Country],
        aliases: Iterable[tuple[str, str]],
        special: dict[str, str],
    ) -> None:
        self._by_iso3: dict[str, Country] = {}
        for c in countries:
            if c.iso3 in self._by_iso3:
                raise ClassificationError("duplicate ISO3 code in the country table", value=c.iso3)
            self._by_iso3[c.iso3] = c
        self.special = dict(special)
        self._codes: dict[str, str] = {}
        self._names: dict[str, str] = {}
        for c in self._by_iso3.values():
            self._codes[c.iso3] = c.iso3
            if c.iso2:
                self._codes[c.iso2] = c.iso3
            self._codes[str(c.m49)] = c.iso3
            if c.iso_numeric is not None:
                self._codes.setdefault(str(c.iso_numeric), c.iso3)
            for name in (c.name, c.short_name, c.official_name):
                self._names.setdefault(normalize_name(name), c.iso3)
        for alias, iso3 in aliases:
            if iso3 not in self._by_iso3:
                raise ClassificationError("alias points to an unknown ISO3 code", value=f"{alias} → {iso3}")
            if alias.isupper() and alias.isalpha() and len(alias) in (2, 3):
                self._codes.setdefault(alias, iso3)
            else:
                self._names[normalize_name(alias)] = iso3

    def __iter__(self) -> Iterator[Country]:
        return iter(self._by_iso3.values())

    def __len__(self) -> int:
        return len(self._by_iso3)

    def __contains__(self, iso3: object) -> bool:
        return iso3 in self._by_iso3

    def get(self, iso3: str) -> Country:
        """The country with this ISO3 code (exact)."""
        try:
            return self._by_iso3[iso3]
        except KeyError:
            raise UnknownAreaError(f"unknown ISO3 code {iso3!r}") from None

    def name_of(self, code: str) -> str:
        """Display name for an ISO3 or special code."""
        if code in self._by_iso3:
            return self._by_iso3[code].name
        return self.special.get(code, code)

    def lookup(self, value: object) -> str | None:
        """ISO3 for a name, ISO2/ISO3 code, M49/ISO numeric code or alias; ``None`` if unknown."""
        if value is None:
            return None
        if isinstance(value, float):
            if value != value or not value.is_integer():
                return None
            value = int(value)
        text = str(value).strip()
        if not text:
            return None
        if text.isdigit():
            return self._codes.get(str(int(text)))
        upper = text.upper()
        if len(text) in (2, 3) and text.isalpha() and upper in self._codes:
            return self._codes[upper]
        return self._names.get(normalize_name(text))

    def suggest(self, value: object, n: int = 3) -> list[str]:
        """Close matches for an unresolved name, as "Name (ISO3)"."""
        key = normalize_name(str(value))
        hits = difflib.get_close_matches(key, list(self._names), n=n, cutoff=0.75)
        seen: dict[str, None] = {}
        for h in hits:
            seen.setdefault(self._names[h])
        return [f"{self._by_iso3[i].name} ({i})" for i in seen]

    def resolve(self, value: object) -> str:
        """ISO3 for ``value``; raise :class:`UnknownAreaError` with suggestions if unknown."""
        iso3 = self.lookup(value)
        if iso3 is None:
            raise UnknownAreaError.with_suggestions(str(value), self.suggest(value))
        return iso3


def _read_countries(path: Path) -> list[Country]:
    out = []
    for lineno, r in read_tsv(path):
        try:
            out.append(
                Country(
                    iso3=r["iso3"],
                    iso2=r.get("iso2") or None,
                    iso_numeric=int(r["iso_numeric"]) if r.get("iso_numeric") else None,
                    m49=int(r["m49"]),
                    name=r["name"],
                    short_name=r.get("short_name") or r["name"],
                    official_name=r.get("official_name") or r["name"],
                    un_area=r.get("un_area", "").lower() == "true",
                    wb_economy=r.get("wb_economy", "").lower() == "true",
                )
            )
        except (KeyError, ValueError) as exc:
            raise ClassificationError(f"bad country row ({exc})", file=path.name, row=lineno) from None
    return out


def _read_aliases(path: Path) -> list[tuple[str, str]]:
    out = []
    for lineno, r in read_tsv(path):
        if not r.get("alias") or not r.get("iso3"):
            raise ClassificationError("alias row needs 'alias' and 'iso3'", file=str(path), row=lineno)
        out.append((r["alias"], r["iso3"]))
    return out


@lru_cache(maxsize=1)
def country_table() -> CountryTable:
    """The bundled country table, plus the user's ``aliases.tsv`` if there is one."""
    base = package_data_dir() / _CLASSIFICATIONS
    aliases = _read_aliases(base / "aliases.tsv") + _read_aliases(base / "aliases_curated.tsv")
    user = get_settings().data_dir / "aliases.tsv"
    if user.exists():
        aliases += _read_aliases(user)
    special = {r["code"]: r["name"] for _, r in read_tsv(base / "special_codes.tsv")}
    return CountryTable(_read_countries(base / "countries.tsv"), aliases, special)


@lru_cache(maxsize=1)
def wb_aggregates() -> dict[str, str]:
    """World Bank aggregate codes (``WLD``, ``LMY``, ``SSF`` …) → name."""
    path = package_data_dir() / _CLASSIFICATIONS / "wb_aggregates.tsv"
    return {r["code"]: r["name"] for _, r in read_tsv(path)}


def special_codes() -> dict[str, str]:
    """Partner codes that are not countries (unknown origin, stateless, …) → name."""
    return country_table().special


def country(value: object) -> Country:
    """The :class:`Country` for any name or code.

    >>> country("Viet Nam").iso3
    'VNM'
    """
    table = country_table()
    return table.get(table.resolve(value))


def resolve(value: object) -> str:
    """ISO3 code for a country name, alias or code (ISO2, ISO3, M49/ISO numeric).

    Raises
    ------
    UnknownAreaError
        If nothing matches; the message suggests close names.
    """
    return country_table().resolve(value)


def resolve_many(values: Iterable[object]) -> tuple[list[str | None], list[str]]:
    """Resolve many names at once.

    Returns
    -------
    codes
        ISO3 per input value (``None`` where unknown).
    unmatched
        The distinct values that did not match, in order of first appearance.

    >>> resolve_many(["Kenya", "Atlantis", "KEN"])
    (['KEN', None, 'KEN'], ['Atlantis'])
    """
    table = country_table()
    codes: list[str | None] = []
    unmatched: dict[str, None] = {}
    for v in values:
        code = table.lookup(v)
        codes.append(code)
        if code is None:
            unmatched.setdefault(str(v))
    return codes, list(unmatched)
