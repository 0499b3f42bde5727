"""The illustrative assessment of a HYPOTHETICAL state, "Hypothetica" (code ``XHY``).

Hypothetica does not exist. Its two assessment rounds (2022 and 2024) and its profile figures
are invented to show what migcap does, and are used by the tests and the README. Its profile
(declared, since there are no data for it): an origin country (emigrants 14.2% of the
population), remittance-dependent (9.8% of GDP), hit by the 2009 fall in remittances (11.5%),
and a transit country (declared by the team).

Examples
--------
>>> from migcap.capacity.example import EXAMPLE_ISO3, example_files
>>> EXAMPLE_ISO3, [p.name for p in example_files()]
('XHY', ['hypothetical-2022.yaml', 'hypothetical-2024.yaml'])
"""

from __future__ import annotations

from pathlib import Path

from migcap.config import package_data_dir

from .exchange import ImportReport, import_file

__all__ = ["EXAMPLE_ISO3", "EXAMPLE_NAME", "example_files", "load_example"]

EXAMPLE_ISO3 = "XHY"
EXAMPLE_NAME = "Hypothetica (HYPOTHETICAL state)"


def example_files() -> list[Path]:
    """The example's assessment files, oldest round first."""
    return sorted((package_data_dir() / "capacity" / "examples").glob("hypothetical-*.yaml"))


def load_example(by: str = "migcap example") -> list[ImportReport]:
    """Import both rounds of the hypothetical assessment into the database (again: no change)."""
    return [import_file(p, by=by) for p in example_files()]
