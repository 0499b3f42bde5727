"""Structured logs: one JSON object per line on standard error.

Every record has ``ts`` (UTC, ISO 8601), ``level``, ``logger`` and ``msg``; fields passed
with ``extra={"fields": {...}}`` are merged in. The access log (logger ``migcap.web.access``)
writes one record per request with ``method``, ``path``, ``query``, ``status``,
``duration_ms``, ``bytes``, ``cache`` (``hit``/``miss``/``-``), ``request_id`` and ``client``.

Examples
--------
>>> import logging
>>> rec = logging.LogRecord("migcap.web", logging.INFO, __file__, 1, "started", None, None)
>>> rec.fields = {"port": 8000}
>>> '"port": 8000' in JsonFormatter().format(rec)
True
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

__all__ = ["JsonFormatter", "configure_logging"]

_CONFIGURED: dict[str, Any] = {}


class JsonFormatter(logging.Formatter):
    """Format a record as one line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            out.update(fields)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            text += " " + " ".join(f"{k}={v}" for k, v in fields.items())
        return text


def configure_logging(level: str = "info", fmt: str = "json") -> None:
    """Send the logs of migcap's web app and of uvicorn to standard error in the chosen format.

    Idempotent: calling it again with the same arguments changes nothing.
    """
    key = f"{level}|{fmt}"
    if _CONFIGURED.get("key") == key:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else
                         _TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    lvl = getattr(logging, level.upper(), logging.INFO)
    for name in ("migcap.web", "uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        for old in list(logger.handlers):
            if getattr(old, "_migcap", False):
                logger.removeHandler(old)
        handler._migcap = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        logger.setLevel(lvl)
        logger.propagate = False
    logging.getLogger("uvicorn.access").disabled = True  # the app writes its own access log
    _CONFIGURED["key"] = key
