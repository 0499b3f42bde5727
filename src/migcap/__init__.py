"""migcap: migration evidence, flows, projections and capacity assessments.

The public API is imported lazily, so ``import migcap`` stays fast::

    >>> import migcap
    >>> migcap.resolve("Ivory Coast")
    'CIV'
"""

from __future__ import annotations

from migcap._moved import install as _install_moved
from migcap.lazy import lazy_api

__version__ = "0.1.0"

_API = {
    # names that are not also names of submodules (``migcap.stocks`` would be both), so that importing a
    # submodule never shadows a function here
    "resolve": "migcap.geo.countries",
    "country": "migcap.geo.countries",
    "load_scheme": "migcap.geo.schemes",
    "list_schemes": "migcap.geo.schemes",
    "connect": "migcap.store.warehouse",
    "build": "migcap.store.warehouse",
    "import_files": "migcap.store.editions",
    "series": "migcap.evidence.indicators",
    "key_facts": "migcap.evidence.overview",
    "overviews": "migcap.evidence.overview",
    "region_matrix": "migcap.evidence.matrix",
    "remittance_matrix": "migcap.evidence.remittances",
    "shock_impact": "migcap.evidence.crisis",
    "build_report": "migcap.reports",
    "Table": "migcap.table",
    "MigcapError": "migcap.errors",
}

__all__ = ["__version__", *_API]


__getattr__, __dir__ = lazy_api(__name__, _API)
_install_moved()
