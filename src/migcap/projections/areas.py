"""Which countries make up the area of a projection: the world, a region of a scheme, or a country.

Examples
--------
>>> resolve_area("WLD", available=("DEU", "FRA")).members
('DEU', 'FRA')
>>> resolve_area("Germany", available=("DEU", "FRA")).code
'DEU'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from migcap.errors import DataUnavailableError, UnknownAreaError
from migcap.geo.schemes import WORLD_CODE, Scheme, load_scheme

__all__ = ["Area", "resolve_area"]

WORLD_NAMES = {"wld", "world", "900", "001"}


@dataclass(frozen=True)
class Area:
    """A projection area.

    Attributes
    ----------
    code, name
        ``WLD``/``World``, a region code and name of the scheme, or an ISO3 code and country name.
    kind
        ``world``, ``region`` or ``country``.
    members
        ISO3 codes of the countries in the model that belong to the area.
    missing
        Members of the region that the model does not cover (no WPP estimates).
    scheme
        The scheme of a region.
    """

    code: str
    name: str
    kind: Literal["world", "region", "country"]
    members: tuple[str, ...]
    missing: tuple[str, ...] = ()
    scheme: str | None = None


def _find_region(text: str, scheme: Scheme) -> str | None:
    from migcap.geo.countries import normalize_name

    key = normalize_name(text)
    for code, name in scheme.regions.items():
        if text.upper() == code.upper() or key == normalize_name(name):
            return code
    return None


def resolve_area(text: str, scheme: str | Scheme = "wmr2010", *, available: Sequence[str]) -> Area:
    """Resolve ``WLD``, a region (code or name) of ``scheme``, or a country (name or code).

    Parameters
    ----------
    text
        What the user typed.
    scheme
        Region scheme to look regions up in.
    available
        ISO3 codes of the countries the model covers.

    Raises
    ------
    UnknownAreaError
        If ``text`` is neither the world, a region of the scheme nor a country.
    DataUnavailableError
        If it is a country the model does not cover, or a region with no such country.
    """
    from migcap.geo.countries import country_table

    t = str(text).strip()
    avail = tuple(available)
    if t.lower() in WORLD_NAMES:
        return Area(WORLD_CODE, "World", "world", avail)
    sch = scheme if isinstance(scheme, Scheme) else load_scheme(scheme)
    code = _find_region(t, sch)
    if code is not None:
        members = sch.members_of(code)
        have = tuple(c for c in members if c in set(avail))
        if not have:
            raise DataUnavailableError(f"no country of region {code!r} ({sch.regions[code]}) "
                                       "has WPP estimates")
        return Area(code, sch.regions[code], "region", have, tuple(c for c in members if c not in set(avail)),
                    sch.id)
    table = country_table()
    iso3 = table.lookup(t)
    if iso3 is None:
        close = table.suggest(t)
        regions = ", ".join(list(sch.regions)[:12]) + (" …" if len(sch.regions) > 12 else "")
        hint = (f"did you mean {', '.join(close)}? " if close else "") + \
            f"use WLD, a region of {sch.id} ({regions}) or a country name or ISO3 code"
        raise UnknownAreaError(f"unknown area {t!r}", hint=hint)
    if iso3 not in set(avail):
        raise DataUnavailableError(f"{table.name_of(iso3)} ({iso3}) has no complete WPP estimates, so it is "
                                   "not in the projection model")
    return Area(iso3, table.name_of(iso3), "country", (iso3,))
