"""Running a command line in the test process and collecting what it printed."""

from __future__ import annotations

from collections.abc import Callable

import pytest


def invoke(main: Callable[[list[str]], object], capsys: pytest.CaptureFixture[str],
           *args: str) -> tuple[int, str, str]:
    """Exit status, standard output and standard error of ``main(args)`` (``migcap.cli.main`` or a
    sub-app's)."""
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err
