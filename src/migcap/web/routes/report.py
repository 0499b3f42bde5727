"""The report, browsable under ``/report/``: a folder written by :func:`migcap.reports.build_report`.

If the folder is missing, the report is built in a child process — when the app starts
(``report_build="start"``) or when someone first asks for it (``"demand"``). The child holds a lock
file beside the folder while it builds, so that only one build runs when several server processes
share the folder; the others show the "being built" page until it appears. The child writes its
progress (or its error) to a small JSON file beside the folder. :func:`build_report` swaps the new
site in atomically, so readers never see half a report.

Run by hand: ``python -m migcap.web.routes.report FOLDER [--pdf] [--area KEN ...]``.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["ReportSite", "ReportStatus", "check_not_served", "main"]

log = logging.getLogger("migcap.web")


@dataclass(frozen=True)
class ReportStatus:
    state: str  # ready | building | missing | failed
    message: str = ""
    step: str = ""
    done: int = 0
    total: int = 0
    pdf: bool = False


def _lock_path(folder: Path) -> Path:
    return folder.with_name(f".{folder.name}.lock")


def _progress_path(folder: Path) -> Path:
    return folder.with_name(f".{folder.name}.progress.json")


def _locked(path: Path) -> bool:
    """Whether another process holds the lock file."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return False
    if not path.exists():
        return False
    with path.open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
        return False


def check_not_served(folder: Path) -> None:
    """Refuse ``folder`` as the target of a report with drafts if it is the folder the web app serves
    (``MIGCAP_WEB_REPORT_DIR``, default ``<data dir>/report``).

    Raises
    ------
    MigcapError
        If it is.
    """
    from migcap.errors import MigcapError
    from migcap.web.settings import WebSettings

    if Path(folder).resolve() == WebSettings().resolved_report_dir().resolve():
        raise MigcapError("a report with drafts may not be written to the folder the web app serves",
                          file=str(folder), hint="leave out --out: it goes to a private folder")


class ReportSite:
    """The report folder and its building. A folder built with drafts (``migcap report --include-drafts``) is
    never served: its status is *failed*, with the reason."""

    def __init__(self, folder: Path, *, build: str = "demand", pdf: bool = True,
                 areas: tuple[str, ...] = ()) -> None:
        self.folder = Path(folder)
        self.mode = build
        self.pdf = pdf
        self.areas = areas
        self._lock = threading.Lock()
        self._child: subprocess.Popen[bytes] | None = None

    def drafts(self) -> bool:
        """Whether the folder holds a report built with unpublished drafts (never served)."""
        from migcap.reports.builder import is_drafts_build

        return is_drafts_build(self.folder)

    def ready(self) -> bool:
        return (self.folder / "index.html").is_file() and not self.drafts()

    def pdf_path(self) -> Path | None:
        p = self.folder / "report.pdf"
        return p if p.is_file() else None

    def _progress(self) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(_progress_path(self.folder).read_text(encoding="utf-8"))
            return data
        except (OSError, ValueError):
            return {}

    def _child_running(self) -> bool:
        return self._child is not None and self._child.poll() is None

    def status(self) -> ReportStatus:
        if self.drafts():
            return ReportStatus("failed", message="the report folder holds a build with unpublished drafts "
                                                  "(migcap report --include-drafts), which is never served")
        if self.ready():
            return ReportStatus("ready", pdf=self.pdf_path() is not None)
        prog = self._progress()
        if self._child_running() or _locked(_lock_path(self.folder)):
            return ReportStatus("building", step=str(prog.get("step", "")), done=int(prog.get("done", 0)),
                                total=int(prog.get("total", 0)))
        if prog.get("error"):
            return ReportStatus("failed", message=str(prog["error"]))
        return ReportStatus("missing")

    def ensure(self) -> ReportStatus:
        """Start a build if the report is missing and building is allowed; the status after that."""
        if self.ready() or self.mode == "never":
            return self.status()
        with self._lock:
            st = self.status()
            if st.state == "missing":
                self._start()
        return self.status()

    def _start(self) -> None:
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "migcap.web.routes.report", str(self.folder)]
        if self.pdf:
            cmd.append("--pdf")
        for a in self.areas:
            cmd += ["--area", a]
        log.info("building the report", extra={"fields": {"folder": str(self.folder), "pdf": self.pdf}})
        self._child = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, start_new_session=True)

    def stop(self) -> None:
        """End a build this process started (at shutdown)."""
        child = self._child
        if child is not None and child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()

    def resolve(self, path: str) -> Path | None:
        """The file for a URL path inside the report (``index.html`` for folders); ``None`` if none or
        outside, or if the report holds drafts."""
        if self.drafts():
            return None
        root = self.folder.resolve()
        target = (root / path.lstrip("/")).resolve()
        if target != root and root not in target.parents:
            return None
        if target.is_dir():
            target = target / "index.html"
        return target if target.is_file() else None


def _write_progress(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + f".{os.getpid()}")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    """Build the report into a folder under the lock (the child process of :class:`ReportSite`)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m migcap.web.routes.report", description=main.__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--pdf", action="store_true")
    parser.add_argument("--area", action="append", default=[])
    args = parser.parse_args(argv)
    folder: Path = args.folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    progress = _progress_path(folder)
    try:
        import fcntl
    except ImportError:  # pragma: no cover
        fcntl = None  # type: ignore[assignment]
    with _lock_path(folder).open("a") as fh:
        if fcntl is not None:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return 0  # another process is building it
        if (folder / "index.html").is_file():
            return 0
        from migcap.errors import MigcapError
        from migcap.reports import build_report

        last = [0.0]

        def tell(step: str, done: int, total: int) -> None:
            if time.monotonic() - last[0] > 0.5 or done == total:
                last[0] = time.monotonic()
                _write_progress(progress, {"step": step, "done": done, "total": total})

        _write_progress(progress, {"step": "starting", "done": 0, "total": 0})
        try:
            try:
                build_report(folder, pdf=args.pdf, areas=args.area or None, progress=tell)
            except MigcapError as exc:
                if not args.pdf:
                    raise
                print(f"migcap: the PDF could not be made ({exc}); building the report without it",
                      file=sys.stderr)
                build_report(folder, pdf=False, areas=args.area or None, progress=tell)
        except Exception as exc:
            _write_progress(progress, {"error": f"{type(exc).__name__}: {exc}"})
            raise
        progress.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
