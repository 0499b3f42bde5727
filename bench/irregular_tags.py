"""Which real countries get the profile tags on irregular migration and displacement.

For every country with a population in the latest ``migrant_stock`` edition, computes the migration
profile (:func:`migcap.capacity.migration_profile`) and prints, for each of the tags
``migrant_deaths_on_route``, ``disaster_displacement``, ``conflict_displacement``,
``asylum_destination`` and ``irregular_crossings_origin``, how many countries get it and which, with
the figures that met the rule; and the time taken.

Frontex detections are not bundled (Frontex's terms do not allow migcap to redistribute them). Give
the file you obtained with ``--frontex PATH`` (the layout ``migcap data import --source frontex``
reads): it is imported into a temporary data folder, never the user's, and the tag
``irregular_crossings_origin`` then also follows the EU border detections.

Usage::

    python bench/irregular_tags.py [--frontex FILE] [--csv OUT.csv]
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

from benchlib import machine

ROOT = Path(__file__).resolve().parents[1]
TAGS = ("migrant_deaths_on_route", "disaster_displacement", "conflict_displacement", "asylum_destination",
        "irregular_crossings_origin")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frontex", type=Path, help="a Frontex detections file to import first (not bundled)")
    ap.add_argument("--csv", type=Path, help="write iso3, tag and the reason to this CSV file")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="migcap-bench-") as tmp:
        os.environ["MIGCAP_DATA_DIR"] = tmp
        sys.path.insert(0, str(ROOT / "src"))
        from migcap.capacity.profile import migration_profile
        from migcap.store.warehouse import connect, resolve_edition

        if args.frontex:
            from migcap.store.editions import import_files

            report = import_files([args.frontex], "frontex")
            for dataset, edition, rows in report.editions:
                print(f"imported {dataset} {edition} ({rows:,} rows) into the temporary data folder")
        con = connect()
        ed = resolve_edition(con, "migrant_stock")
        countries = [r[0] for r in con.execute(
            "SELECT DISTINCT iso3 FROM migrant_stock WHERE edition = ? AND population > 0 ORDER BY iso3",
            [ed]).fetchall()]
        start = time.perf_counter()
        found: dict[str, list[tuple[str, str]]] = {t: [] for t in TAGS}
        editions: dict[str, str] = {}
        for iso3 in countries:
            p = migration_profile(iso3, con=con)
            editions.update(p.editions)
            for t in TAGS:
                if t in p.tags:
                    found[t].append((iso3, "; ".join(f.text() for f in p.tags[t].figures)))
        took = time.perf_counter() - start
        con.close()
    print(f"{len(countries)} countries (population in migrant_stock {ed}); {took:.1f} s "
          f"({1000 * took / len(countries):.0f} ms a profile); {machine()}")
    print("editions: " + ", ".join(f"{d} {e}" for d, e in sorted(editions.items())
                                   if d in ("missing_migrants", "displacement", "asylum_applications",
                                            "border_encounters", "border_crossings", "migrant_stock")))
    for t in TAGS:
        print(f"\n{t}: {len(found[t])} countries")
        for iso3, why in found[t]:
            print(f"  {iso3}  {why}")
    if args.csv:
        with args.csv.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["tag", "iso3", "figures"])
            for t in TAGS:
                w.writerows((t, iso3, why) for iso3, why in found[t])


if __name__ == "__main__":
    main()
