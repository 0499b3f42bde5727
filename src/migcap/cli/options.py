"""What the command modules share: the panels of ``migcap --help`` and the common options."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

# Panels of `migcap --help`. Typer lists single commands before command groups, so they appear as: evidence,
# capacities, report and web application, the future (groups only), data and set-up.
EVIDENCE = "Evidence: stocks, regions, shocks"
FUTURE = "The future: flows and projections"
CAPACITIES = "Capacities: inventory, assessments, review"
DELIVERY = "Report and web application"
DATA = "Data and set-up"

FormatOpt = Annotated[str, typer.Option("--format", "-f",
                                        help="table (terminal), csv, json, md, xlsx or parquet (files).")]
OutOpt = Annotated[Path | None,
                   typer.Option("--out", "-o", help="Write to this file instead of the terminal.")]
EditionOpt = Annotated[str | None,
                       typer.Option("--edition", "-e", help="Dataset edition (default: the latest).")]
SchemeOpt = Annotated[str, typer.Option(
    "--scheme", "-s",
    help="Region scheme: wmr2010, iom, un-geo, un-subregion, un-sdg, un-development, un-income, wb-income, "
         "wb-region, ldc, lldc, sids, or a path to your own TSV/CSV (columns iso3, code, name).")]
