"""Run the web application with uvicorn: :func:`serve`.

Examples
--------
>>> from migcap.web import serve
>>> serve("127.0.0.1", 8000)                      # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
import socket
from pathlib import Path
from typing import TYPE_CHECKING

import uvicorn

if TYPE_CHECKING:
    from migcap.web.service import Service

__all__ = ["serve"]

# This module is imported only to serve: uvicorn is needed then anyway.

log = logging.getLogger("migcap.web")


class _Config(uvicorn.Config):
    """uvicorn's Config, with a listening socket whose connections send small answers at once.

    With several workers (or reload), uvicorn binds the socket itself with protocol 0, and asyncio then
    leaves Nagle's algorithm on for the accepted connections: a response written as headers, then body,
    waits for the client's delayed ACK — about 40 ms a request. Marking the socket as TCP (and setting
    TCP_NODELAY on it, which Linux passes on to accepted connections) avoids that.
    """

    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
        return sock


def serve(host: str | None = None, port: int | None = None, reload: bool = False, *,
          workers: int | None = None, report_dir: Path | None = None, report_build: str | None = None,
          log_format: str | None = None) -> None:
    """Serve migcap on ``host:port`` until interrupted.

    Arguments left ``None`` come from the environment (``MIGCAP_WEB_*``, see
    :class:`~migcap.web.settings.WebSettings`). The warehouse is opened (and built if missing or out
    of date) once here, before the worker processes start, so that they never build it side by side;
    and the projection model, if it is not fitted yet, starts fitting here in the background, once for
    all workers (:func:`migcap.projections.start_fit`).

    Parameters
    ----------
    host, port
        Where to listen (default ``127.0.0.1:8000``).
    reload
        Restart when the code changes (development; one process).
    workers
        Worker processes (default 1; ``MIGCAP_WEB_WORKERS``).
    report_dir, report_build
        Where the report is and when to build it (``demand``, ``start`` or ``never``).
    log_format
        ``json`` (default) or ``text``.
    """
    from migcap.web.logs import configure_logging
    from migcap.web.settings import WebSettings

    # Arguments go to the worker processes through the environment (they build their own app).
    for name, value in (("HOST", host), ("PORT", port), ("WORKERS", workers), ("REPORT_DIR", report_dir),
                        ("REPORT_BUILD", report_build), ("LOG_FORMAT", log_format)):
        if value is not None:
            os.environ[f"MIGCAP_WEB_{name}"] = str(value)
    settings = WebSettings()
    configure_logging(settings.log_level, settings.log_format)
    from migcap.store.warehouse import connect

    connect().close()
    fit = _start_projection_fit(settings.projections)
    if settings.assessments != "off" and settings.migrate:
        # once, before the workers start (they check again, and find nothing to do)
        from migcap.db import upgrade

        log.info("assessments database ready", extra={"fields": {"revision": upgrade()}})
    n = 1 if reload else settings.workers
    log.info("serving", extra={"fields": {
        "url": f"http://{settings.host}:{settings.port}{settings.root_path}", "workers": n}})
    from uvicorn.supervisors import ChangeReload, Multiprocess

    config = _Config(
        "migcap.web.app:app_factory", factory=True, host=settings.host, port=settings.port, workers=n,
        reload=reload, proxy_headers=bool(settings.forwarded_allow_ips.strip()),
        forwarded_allow_ips=settings.forwarded_allow_ips, log_config=None,
        access_log=False, timeout_keep_alive=30, server_header=False)
    server = uvicorn.Server(config)
    try:
        if config.should_reload:
            ChangeReload(config, target=server.run, sockets=[config.bind_socket()]).run()
        elif config.workers > 1:
            Multiprocess(config, sockets=[config.bind_socket()]).run()
        else:
            server.run()
    except KeyboardInterrupt:
        pass
    finally:
        if fit is not None:
            fit.stop()


def _start_projection_fit(projections: str) -> Service | None:
    """Start fitting the projection model in the background (unless it is ready, being fitted, or off); the
    service that started it, to end the fit when the server stops."""
    from migcap.errors import MigcapError
    from migcap.web.service import Service, detect_optional
    from migcap.web.store import Store

    service = Service(Store(), 8, detect_optional(projections, "off"))
    try:
        state = service.start_projection_fit()
    except MigcapError as exc:
        log.error("the projection model cannot be fitted", extra={"fields": {"error": str(exc)}})
        state = None
    service.store.close()
    if state is None:
        return None
    log.info("projection model", extra={"fields": state.to_dict()})
    return service
