"""The ``migcap`` command line: the typer app (:mod:`migcap.cli.app`), one module per command group, and
the terminal output (:mod:`migcap.cli.output`). Thin: each command parses, calls one function of the core,
prints."""

from __future__ import annotations

from migcap.cli.app import app, main

__all__ = ["app", "main"]
