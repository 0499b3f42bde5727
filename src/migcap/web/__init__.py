"""The web application: explore the data, read the report and use the API in a browser.

``create_app(settings=None)`` builds the FastAPI application; ``serve(host, port, reload=False)``
runs it with uvicorn; ``migcap.cli.serve.serve_command`` is the ``migcap serve`` command. Imported
lazily, so ``import migcap.web`` costs nothing until one of them is used. See ``docs/web.md``.
"""

from __future__ import annotations

from migcap.lazy import lazy_api

_API = {"create_app": "migcap.web.app", "serve": "migcap.web.server", "WebSettings": "migcap.web.settings"}

__all__ = list(_API)


__getattr__, __dir__ = lazy_api(__name__, _API)
