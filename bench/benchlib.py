"""What the benchmark scripts share: the machine line they print and a command timed in a fresh process.

The scripts are run as ``python bench/<name>.py``, so this folder is on ``sys.path`` and
``from benchlib import machine`` works without installing anything.
"""

from __future__ import annotations

import contextlib
import os
import platform
import subprocess
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_PEAK_RSS = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, "
             "stderr=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
             "sys.exit(r.returncode)")


def machine(*packages: str) -> str:
    """One line for a benchmark's record: OS, CPU model, cores, RAM, load, Python and ``packages``' versions.

    Parameters
    ----------
    *packages
        Distribution names whose installed versions matter for the figures (e.g. ``"numpy"``).
    """
    cpu = platform.processor() or platform.machine() or "unknown CPU"
    with contextlib.suppress(OSError):
        cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), cpu)
    mem = ""
    with contextlib.suppress(OSError, StopIteration, ValueError, IndexError):
        kb = int(next(x for x in Path("/proc/meminfo").read_text().splitlines()
                      if x.startswith("MemTotal")).split()[1])
        mem = f", {kb / 2**20:.0f} GiB RAM"
    load = ""
    with contextlib.suppress(OSError):
        load = f"; load average {os.getloadavg()[0]:.1f}"
    versions = ""
    for name in packages:
        with contextlib.suppress(PackageNotFoundError):
            versions += f", {name} {version(name)}"
    return (f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cores{mem}; "
            f"Python {platform.python_version()}{versions}{load}")


def run_fresh(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MiB) of ``cmd`` run in a new process (its output discarded).

    Raises
    ------
    subprocess.CalledProcessError
        If the command fails.
    """
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _PEAK_RSS, *cmd], env=env, capture_output=True, text=True,
                          check=True)
    return time.perf_counter() - start, int(proc.stdout.strip()) / 1024
