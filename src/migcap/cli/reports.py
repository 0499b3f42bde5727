"""``migcap report``: the WMR-style report site and PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from migcap.cli.options import EditionOpt, SchemeOpt
from migcap.cli.tools import with_progress

# --------------------------------------------------------------------------------------------- report


def report(
    out: Annotated[Path | None, typer.Option("--out", "-o",
                                             help="Folder of the report site (default: report; "
                                             "with --include-drafts a private folder in "
                                             "the data folder).")] = None,
    pdf: Annotated[bool, typer.Option(help="Also write one PDF (report.pdf in the folder).")] = False,
    edition: EditionOpt = None,
    scheme: SchemeOpt = "wmr2010",
    area: Annotated[list[str] | None, typer.Option("--area", "-a",
                                                   help="Build only these parts: WLD, a region, "
                                                   "or a country (repeatable).")] = None,
    lang: Annotated[str, typer.Option(help="Language (en).")] = "en",
    include_drafts: Annotated[str | None, typer.Option(
        "--include-drafts", metavar="ORG", help="Also show the unpublished (draft) assessments of this "
        "organisation (its slug), for the team's own use: every page and the PDF say DRAFT, the "
        "folder is never served by 'migcap serve', and it may not be the served report folder.")] = None,
) -> None:
    """Write the report: a static HTML site (opens from disk, no internet) and, with --pdf, one PDF.

    Chapters: key facts and summary, global overview, one chapter per region, a profile per country, methods and
    sources. Capacity assessments appear once published (see docs/accounts.md).
    """  # noqa: E501 (the text as --help shows it)
    from migcap.reports import build_report

    if include_drafts is not None:
        from migcap.reports.builder import drafts_folder
        from migcap.web.routes.report import check_not_served

        out = out or drafts_folder(include_drafts)
        check_not_served(out)
    result = with_progress(build_report, out or Path("report"), pdf=pdf, edition=edition, scheme=scheme,
                           areas=area, lang=lang, include_drafts=include_drafts)
    typer.echo(f"Wrote {result.pages} pages with {result.charts} charts to {result.out}/index.html"
               + (f" and {result.pdf}" if result.pdf else "") + f" in {result.seconds:.1f} s.")
