"""Hostile inputs that cost time (issue 12, item 9): a YAML alias bomb given to ``migcap assess import``,
and the word diff of the history pages on two 10,000-character texts.

* ``assess import bomb.yaml`` in a new process (a "billion laughs" file of a few hundred bytes: nine levels of
  nine aliases, about 400 million values expanded), refused by the reader's limits; before them a file like it
  ran for about 100 s;
* the reader alone on the same file, in this process;
* ``word_diff`` of two 10,000-character texts: different throughout, one word changed, a change every 500
  characters, and texts made to be the worst case of difflib's ``SequenceMatcher`` (which the diff used
  before: about 26 s for such texts); with ``--difflib`` that old diff is timed once on the same texts (in a
  new process, given up after 120 s).

Usage: ``python bench/bench_hostile.py [--repeats 7] [--difflib]`` (uses a temporary data folder).
"""

from __future__ import annotations

import argparse
import difflib
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchlib import ROOT, machine

sys.path.insert(0, str(ROOT / "src"))


def bomb() -> str:
    lines = ["a: &a [" + ",".join(['"lol"'] * 9) + "]"]
    for i, name in enumerate("bcdefghi"):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{'abcdefghi'[i]}"] * 9) + "]")
    lines.append("format: migcap-assessment/1\nstate: {iso3: KEN}\nentries:\n"
                 "  - item: CORE-01\n    evidence: *i")
    return "\n".join(lines) + "\n"


def texts() -> dict[str, tuple[str, str]]:
    rnd = random.Random(12)
    words = ["migration", "census", "labour", "survey", "return", "policy", "data", "law", "the", "of", "and"]

    def prose(n: int) -> str:
        out = ""
        while len(out) < n:
            out += rnd.choice(words) + rnd.choice([" ", " ", " ", ", ", ". "])
        return out[:n]

    base = prose(10_000)
    every = list(base)
    for i in range(250, len(every), 500):
        every[i] = "X"
    return {
        "different throughout": (prose(10_000), prose(10_000)),
        "one word changed": (base, base[:5000] + "census" + base[5006:]),
        "a change every 500 characters": (base, "".join(every)),
        "worst case of difflib (a a a … / a b a b …)": ("a " * 5000, "a b " * 2500),
    }


def median_ms(fn: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def old_diff(old: str, new: str) -> int:
    """The diff as it was: difflib's SequenceMatcher over the word tokens (returns the number of opcodes)."""
    from migcap.web.assess_charts import _TOKENS

    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    return len(difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes())


def old_diff_ms(name: str, limit: float = 120.0) -> float:
    """The old diff of one pair, once, in a new process stopped after ``limit`` seconds (then ``inf``)."""
    code = ("import sys, time; sys.path.insert(0, sys.argv[1]); sys.path.insert(0, sys.argv[2]); "
            "from bench_hostile import old_diff, texts; a, b = texts()[sys.argv[3]]; "
            "t = time.perf_counter(); old_diff(a, b); print(time.perf_counter() - t)")
    try:
        done = subprocess.run([sys.executable, "-c", code, str(ROOT / "src"), str(ROOT / "bench"), name],
                              capture_output=True, text=True, timeout=limit, check=True)
    except subprocess.TimeoutExpired:
        return float("inf")
    return float(done.stdout) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--difflib", action="store_true",
                    help="also time the old difflib diff once per pair (slow)")
    args = ap.parse_args()
    print(f"machine: {machine('PyYAML')}")
    rows: list[tuple[str, float, str]] = []
    with tempfile.TemporaryDirectory(prefix="migcap-bench-") as tmp:
        path = Path(tmp) / "bomb.yaml"
        path.write_text(bomb())
        plain = Path(tmp) / "plain.yaml"        # the same command refusing a one-line file: start-up alone
        plain.write_text("format: something else\n")
        env = {**os.environ, "MIGCAP_DATA_DIR": tmp, "PYTHONPATH": str(ROOT / "src")}
        size = len(path.read_bytes())
        for label, file, word in (
                (f"migcap assess import bomb.yaml ({size} bytes), new process, refused", path, "aliases"),
                ("  the same command on a one-line file it refuses (start-up)", plain, "nothing imported")):
            cmd = [sys.executable, "-m", "migcap.cli", "assess", "import", str(file)]
            walls = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                done = subprocess.run(cmd, env=env, capture_output=True, text=True)
                walls.append(time.perf_counter() - start)
                assert done.returncode == 1 and word in done.stderr, done.stderr
            rows.append((label, statistics.median(walls) * 1000, "< 2 s" if file == path else ""))
        from migcap.capacity.inventory import _read_yaml
        from migcap.errors import InputError

        def read() -> None:
            try:
                _read_yaml(path)
            except InputError:
                return
            raise AssertionError("the bomb was read")

        rows.append(("the reader alone on bomb.yaml (refused)", median_ms(read, args.repeats), ""))
    from migcap.web.assess_charts import word_diff

    for name, (old, new) in texts().items():
        rows.append((f"word_diff, 10,000 characters: {name}", median_ms(lambda o=old, n=new: word_diff(o, n),
                                                                         args.repeats), "< 50 ms"))
        if args.difflib:
            rows.append((f"  the old difflib diff, once: {name}", old_diff_ms(name), ""))
    print(f"{'measure':78s} {'median':>11s} {'budget':>8s}")
    for label, ms, budget in rows:
        shown = f"{ms:9.1f}ms" if ms != float("inf") else "  > 120 s"
        print(f"{label:78s} {shown} {budget:>8s}")


if __name__ == "__main__":
    main()
