"""Areas of the evidence: the world, a region of a scheme, or a country, and how a user names them.

(:mod:`migcap.evidence.overview` re-exports both names.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from migcap.errors import UnknownAreaError
from migcap.geo.schemes import WORLD_CODE, Scheme

__all__ = ["Area", "Kind", "area_filter", "resolve_area"]

Kind = Literal["world", "region", "country"]


@dataclass(frozen=True)
class Area:
    """The world, a region of a scheme, or a country."""

    kind: Kind
    code: str
    name: str


def resolve_area(text: str, scheme: Scheme) -> Area:
    """``WLD``/``world``, a region code or name of ``scheme``, or any country name or code.

    Raises
    ------
    UnknownAreaError
        If it is none of these (the message lists the scheme's regions).
    """
    from migcap.geo.countries import country_table

    t = str(text).strip()
    if t.upper() in (WORLD_CODE, "WORLD"):
        return Area("world", WORLD_CODE, "World")
    for code, name in scheme.regions.items():
        if t.upper() == code.upper() or t.casefold() == name.casefold():
            return Area("region", code, name)
    iso3 = country_table().lookup(t)
    if iso3 is None:
        regions = ", ".join(f"{c} ({n})" for c, n in scheme.regions.items())
        raise UnknownAreaError(f"unknown area {t!r}",
                               hint=f"use WLD, a region of {scheme.id} — {regions} — or a "
                                    "country name or code")
    return Area("country", iso3, country_table().name_of(iso3))


def area_filter(area: Area, members: str | None, column: str = "iso3") -> tuple[str, list[Any]]:
    """SQL condition (and its parameters) that keeps the rows of ``column`` in ``area``.

    Parameters
    ----------
    members
        The registered members table of the scheme (:func:`migcap.geo.aggregate.register_members`);
        needed for a region only.

    Examples
    --------
    >>> area_filter(Area("country", "KEN", "Kenya"), None, "dest")
    ('dest = ?', ['KEN'])
    >>> area_filter(Area("region", "AFR", "Africa"), "m", "iso3")
    ('iso3 IN (SELECT iso3 FROM m WHERE code = ?)', ['AFR'])
    """
    if area.kind == "world":
        return "TRUE", []
    if area.kind == "region":
        return f"{column} IN (SELECT iso3 FROM {members} WHERE code = ?)", [area.code]
    return f"{column} = ?", [area.code]
