"""Pieces every ``migcap`` command line shares: progress bars and the error-to-exit-status wrapper."""

from __future__ import annotations

import sys
from typing import Any

import typer

__all__ = ["progress_bar", "run", "with_progress"]


def progress_bar() -> Any:
    """A rich progress bar on standard error that disappears when done (silent when stderr is not a
    terminal)."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    return Progress(TextColumn("{task.description}"), BarColumn(),
                    TextColumn("{task.completed}/{task.total}"),
                    TimeElapsedColumn(), transient=True, console=console, disable=not console.is_terminal)


def with_progress(fn: Any, *args: Any, description: str = "working", **kwargs: Any) -> Any:
    """Call ``fn(*args, progress=callback, **kwargs)`` with a progress bar fed by
    ``callback(step, done, total)``; ``description`` is shown until the first call.
    """
    with progress_bar() as bar:
        task = bar.add_task(description, total=None)

        def report(step: str, done: int, total: int) -> None:
            bar.update(task, description=step, completed=done, total=total)

        return fn(*args, progress=report, **kwargs)


def run(app: typer.Typer, argv: list[str] | None = None, prog_name: str | None = None) -> None:
    """Run a typer app: migcap errors, and errors of the file system, become one line on standard error and
    exit status 1.

    Usage errors (unknown option, missing argument) are reported by typer with exit status 2.
    ``prog_name`` is the name the usage lines give (default: the program's).
    """
    from migcap.errors import MigcapError

    try:
        app(args=argv, prog_name=prog_name)
    except MigcapError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except OSError as exc:  # a folder that cannot be written, a full disk …: the file and the reason
        where = f"{exc.filename}: " if exc.filename else ""
        typer.echo(f"error: {where}{exc.strerror or exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
