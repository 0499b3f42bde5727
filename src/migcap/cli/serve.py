"""``migcap serve``: the typer command that starts the web application.

Mount it in the main command line with ``app.command("serve")(serve_command)``, or run
``python -m migcap.cli.serve``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["app", "serve_command"]


def serve_command(
    host: Annotated[str | None, typer.Option(help="Address to listen on (default 127.0.0.1; "
                                             "0.0.0.0 for every interface). Env: MIGCAP_WEB_HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000). Env: MIGCAP_WEB_PORT.")] = None,
    workers: Annotated[int | None,
                       typer.Option(help="Worker processes (default 1). Env: MIGCAP_WEB_WORKERS.")]
    = None,
    reload: Annotated[bool, typer.Option(help="Restart when the code changes (development).")] = False,
    report: Annotated[Path | None, typer.Option(help="Folder of the report served at /report/ "
                                                "(default: report in the data folder). Env: "
                                                "MIGCAP_WEB_REPORT_DIR.")] = None,
    build_report: Annotated[str | None, typer.Option(
        "--build-report", help="When to build a missing report: demand (first visit, default), start, or "
                               "never. Env: MIGCAP_WEB_REPORT_BUILD.")] = None,
    log_format: Annotated[str | None, typer.Option(help="Logs: json (one object per line, default) or text.")]
    = None,
) -> None:
    """Serve the web application: explore the data, read the report, and use the API in a browser.

    Pages at http://HOST:PORT/, the API at /api/v1/ (its reference at /api/docs), the report at /report and the health check at /healthz.

    Every setting can also come from a MIGCAP_WEB_* environment variable (see docs/web.md).
    """  # noqa: E501 (the text as --help shows it)
    from migcap.errors import MigcapError
    from migcap.web.server import serve

    if build_report is not None and build_report not in ("demand", "start", "never"):
        raise typer.BadParameter("use demand, start or never", param_hint="--build-report")
    if log_format is not None and log_format not in ("json", "text"):
        raise typer.BadParameter("use json or text", param_hint="--log-format")
    try:
        serve(host, port, reload, workers=workers, report_dir=report, report_build=build_report,
              log_format=log_format)
    except MigcapError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
app.command("serve")(serve_command)

if __name__ == "__main__":
    app()
