"""migcap: migration evidence, flows, projections and capacity assessments.

The public API is imported lazily, so ``import migcap`` stays fast::

    >>> import migcap
    >>> migcap.resolve("Ivory Coast")
    'CIV'
"""

from __future__ import annotations

from migcap.lazy import lazy_api

__version__ = "0.1.0"

_API = {
    # names that are not also names of submodules (``migcap.stocks`` is the module; ``migcap.stocks.stocks``
    # the function), so that importing a submodule never shadows a function here
    "resolve": "migcap.countries",
    "country": "migcap.countries",
    "load_scheme": "migcap.schemes",
    "list_schemes": "migcap.schemes",
    "connect": "migcap.warehouse",
    "build": "migcap.warehouse",
    "import_files": "migcap.imports",
    "series": "migcap.indicators",
    "key_facts": "migcap.facts",
    "overviews": "migcap.overview",
    "region_matrix": "migcap.matrix",
    "shock_impact": "migcap.crisis",
    "build_report": "migcap.reports",
    "Table": "migcap.table",
    "MigcapError": "migcap.errors",
}

__all__ = ["__version__", *_API]


__getattr__, __dir__ = lazy_api(__name__, _API)
