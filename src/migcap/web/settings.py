"""Settings of the web application, read from environment variables (prefix ``MIGCAP_WEB_``).

The data folder (and so the warehouse) is the one of :mod:`migcap.config`
(``MIGCAP_DATA_DIR``); everything about serving is here.

Examples
--------
>>> import os
>>> os.environ["MIGCAP_WEB_PORT"] = "8080"
>>> WebSettings().port
8080
>>> del os.environ["MIGCAP_WEB_PORT"]
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["WebSettings"]


class WebSettings(BaseSettings):
    """How the web application runs.

    Attributes
    ----------
    host, port
        Where :func:`migcap.web.serve` listens (``MIGCAP_WEB_HOST``, ``MIGCAP_WEB_PORT``).
    workers
        Worker processes (``MIGCAP_WEB_WORKERS``); each is stateless and opens the warehouse
        read-only, so any number can run side by side, on one machine or several.
    root_path
        The path prefix under which a reverse proxy publishes the app, e.g. ``/migcap``
        (``MIGCAP_WEB_ROOT_PATH``); links and redirects carry it.
    forwarded_allow_ips
        Proxies whose ``X-Forwarded-For``/``-Proto`` headers are trusted
        (``MIGCAP_WEB_FORWARDED_ALLOW_IPS``, comma-separated; ``*`` for any). Default: none — the
        address that connects is the client's (set it to the proxy's address behind a proxy).
    public_url
        The address people use, e.g. ``https://migcap.ministry.example/migcap``
        (``MIGCAP_WEB_PUBLIC_URL``). When set, invitation, reset and API links are built from it, never
        from the request's ``Host`` header; a request for another host is refused (400); its path, if
        any, is the ``root_path``. Empty (default): links follow the request (for a machine of one's own).
    report_dir
        The folder of the report site served under ``/report/`` (default: ``report`` in the
        data folder; ``MIGCAP_WEB_REPORT_DIR``).
    report_build
        ``demand`` (default): build the report when someone first asks for it and it is not
        there; ``start``: build it when the app starts; ``never``: serve what is there.
    report_pdf
        Build the PDF with the report (``MIGCAP_WEB_REPORT_PDF``, default true).
    report_areas
        Build only these parts of the report (``WLD``, regions, ISO3), comma-separated; empty
        for the whole report.
    cache_entries
        Results of expensive computations kept per process (least recently used go first).
    response_cache_mb
        Megabytes of rendered responses kept per process; 0 turns the response cache off.
    max_age
        ``Cache-Control: max-age`` (seconds) of pages and API responses, for browsers and proxies.
    warm
        Compute the default views (home, explorer, matrix, flows) in the background at start.
    log_level, log_format
        ``info``/``debug``/``warning``…; ``json`` (one object per line, default) or ``text``.
    projections, capacity
        ``auto`` (default: shown when the module imports) or ``off``.
    assessments
        ``auto`` (default): accounts and assessments in the browser (``/assess``, ``/login``, the
        API's ``/api/v1/assessments``) when the capacity module is present; ``off`` leaves them out.
    secret_key
        The key that signs CSRF tokens (``MIGCAP_WEB_SECRET_KEY``). Default: a random key kept in
        ``<data dir>/web-secret`` (made on first start, readable by its owner only), which every
        worker of the same data folder shares. Set it when workers run on several machines.
    secure_cookies
        ``auto`` (default): the session cookie is ``Secure`` when the request came over HTTPS (as
        the trusted proxy says in ``X-Forwarded-Proto``); ``always``; ``never`` (plain-HTTP testing only).
    session_hours
        A session ends after this many hours without a request (and at most seven days after login).
    upload_max_mb
        The largest attached file or imported workbook, in megabytes.
    migrate
        Bring the assessments database to the newest schema when the app starts (Alembic).
    """

    model_config = SettingsConfigDict(env_prefix="MIGCAP_WEB_", env_file=".env", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    root_path: str = ""
    forwarded_allow_ips: str = ""
    public_url: str = ""
    report_dir: Path | None = None
    report_build: Literal["demand", "start", "never"] = "demand"
    report_pdf: bool = True
    report_areas: str = ""
    cache_entries: int = Field(default=512, ge=0)
    response_cache_mb: int = Field(default=64, ge=0)
    max_age: int = Field(default=300, ge=0)
    warm: bool = True
    log_level: str = "info"
    log_format: Literal["json", "text"] = "json"
    projections: Literal["auto", "off"] = "auto"
    capacity: Literal["auto", "off"] = "auto"
    assessments: Literal["auto", "off"] = "auto"
    secret_key: str = Field(default="", repr=False)
    secure_cookies: Literal["auto", "always", "never"] = "auto"
    session_hours: float = Field(default=12, gt=0, le=168)
    upload_max_mb: float = Field(default=10, gt=0, le=200)
    migrate: bool = True

    @model_validator(mode="after")
    def _check_public_url(self) -> WebSettings:
        if not self.public_url:
            return self
        parts = urlsplit(self.public_url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment \
                or parts.username or parts.password:
            raise ValueError(f"MIGCAP_WEB_PUBLIC_URL must be like https://host[:port][/path], not "
                             f"{self.public_url!r}")
        path = parts.path.rstrip("/")
        root = self.root_path.rstrip("/")
        if path and root and path != root:
            raise ValueError(f"MIGCAP_WEB_PUBLIC_URL's path {path!r} differs from "
                             f"MIGCAP_WEB_ROOT_PATH {root!r}")
        netloc = parts.netloc.lower()
        if parts.port == (443 if parts.scheme == "https" else 80):  # as browsers send it in Origin
            netloc = netloc.rsplit(":", 1)[0]
        self.public_url = f"{parts.scheme}://{netloc}{path}"
        self.root_path = path or root
        return self

    def site_url(self) -> str:
        """The address of the site for links made outside a request (the command line): ``public_url``, or
        ``http://host:port`` and the root path."""
        return self.public_url or f"http://{self.host}:{self.port}{self.root_path.rstrip('/')}"

    def resolved_report_dir(self) -> Path:
        """The report folder: ``report_dir`` or ``<data dir>/report``."""
        if self.report_dir is not None:
            return self.report_dir
        from migcap.config import get_settings

        return get_settings().data_dir / "report"
