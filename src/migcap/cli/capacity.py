"""Command line of the capacity module: thin — it parses, calls one function, prints.

Mount in ``migcap.cli``::

    from migcap.cli.capacity import assess_app, inventory_app, profile, recommend, review
    app.add_typer(inventory_app, name="inventory")
    app.add_typer(assess_app, name="assess")
    app.command()(review)
    app.command()(recommend)
    app.command()(profile)

Imports of the domain modules are inside the commands, so ``migcap --help`` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["assess_app", "inventory_app", "profile", "recommend", "review"]

inventory_app = typer.Typer(help="The capacity inventory: the checklist of capacities a state needs.",
                            no_args_is_help=True)
assess_app = typer.Typer(help="Assessments of what a state already does, item by item (with full history).",
                         no_args_is_help=True)

OutOpt = Annotated[Path | None, typer.Option("--out", "-o",
                                             help="Write to this file instead of the terminal.")]
InventoryOpt = Annotated[str | None, typer.Option(
    "--inventory", "-i", help="Inventory id or YAML/JSON file (default: the bundled migcap-wmr2010).")]
StateArg = Annotated[str, typer.Argument(help="Country name or ISO3 code (or XHY, the hypothetical example), "
                                              "or an assessment id.")]
ByOpt = Annotated[str | None, typer.Option(
    "--by", help="Your name, recorded in the history (default: login name).")]


def _write(text: str | bytes, out: Path | None) -> None:
    from migcap.files import write_atomic

    data = text.encode("utf-8") if isinstance(text, str) else text
    if out is None:
        sys.stdout.write(data.decode("utf-8"))
    else:
        write_atomic(out, data)
        typer.echo(f"Wrote {out}", err=True)


def _check_format(fmt: str, allowed: tuple[str, ...]) -> None:
    if fmt not in allowed:
        raise typer.BadParameter(f"{fmt!r}; use one of {', '.join(allowed)}", param_hint="--format")


def _tables(tables: list[Any], fmt: str, out: Path | None) -> None:
    from migcap.cli.output import print_table

    if fmt == "table":
        if out is not None:
            raise typer.BadParameter("--format table prints to the terminal; use md or json with --out",
                                     param_hint="--out")
        for t in tables:
            print_table(t)
            typer.echo("")


# ------------------------------------------------------------------------------------------ inventory


@inventory_app.command("list")
def inventory_list(
    area: Annotated[str | None, typer.Option(help="Only this area, e.g. LAB.")] = None,
    inventory: InventoryOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv, json or md.")] = "table",
    out: OutOpt = None,
) -> None:
    """The items of the inventory: id, area, title, relevance by profile, MGI and GCM crosswalk."""
    from migcap.capacity.inventory import inventory_table, load_inventory
    from migcap.cli.output import emit

    _check_format(fmt, ("table", "csv", "json", "md"))
    table = inventory_table(load_inventory(inventory))
    if area:
        table = table.where(area=area.upper())
    if fmt == "table":
        table = table.select(["id", "area", "title", "relevance"])
    emit(table, fmt, out)


@inventory_app.command("show")
def inventory_show(
    item: Annotated[str, typer.Argument(help="Item id, e.g. LAB-02.")],
    inventory: InventoryOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="md or json.")] = "md",
) -> None:
    """One item in full: purpose, checklist, evidence, relevance, indicators, actors, crosswalk, practice."""
    import json

    from migcap.capacity.inventory import item_markdown, load_inventory, practice_examples

    _check_format(fmt, ("md", "json"))
    inv = load_inventory(inventory)
    if fmt == "md":
        sys.stdout.write(item_markdown(inv, item))
    else:
        doc = inv.item(item).model_dump(mode="json")
        doc["practice"] = [e.model_dump(mode="json", exclude_none=True) for e in practice_examples(doc["id"])]
        sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


@inventory_app.command("export")
def inventory_export(
    fmt: Annotated[str, typer.Option("--format", "-f", help="md, json, yaml or xlsx.")] = "md",
    out: OutOpt = None,
    inventory: InventoryOpt = None,
) -> None:
    """The whole inventory as Markdown, JSON, YAML or an Excel workbook (xlsx needs --out)."""
    import json

    import yaml

    from migcap.capacity.inventory import inventory_markdown, inventory_xlsx, load_inventory

    _check_format(fmt, ("md", "json", "yaml", "xlsx"))
    inv = load_inventory(inventory)
    if fmt == "xlsx":
        _write(inventory_xlsx(inv), out or Path(f"{inv.id}-{inv.version}.xlsx"))
    elif fmt == "json":
        _write(json.dumps(inv.to_dict(), indent=2, ensure_ascii=False) + "\n", out)
    elif fmt == "yaml":
        _write(yaml.safe_dump(inv.to_dict(), sort_keys=False, allow_unicode=True, width=100), out)
    else:
        _write(inventory_markdown(inv), out)


@inventory_app.command("validate")
def inventory_validate(
    file: Annotated[Path, typer.Argument(help="Your inventory file (YAML or JSON).")],
) -> None:
    """Check an inventory of your own (or an extension of the bundled one) against the schema."""
    from migcap.capacity.inventory import load_inventory

    inv = load_inventory(file)
    typer.echo(f"{file}: inventory {inv.id} {inv.version} is valid: {len(inv.items)} items in "
               f"{len(inv.areas)} areas.")


# ------------------------------------------------------------------------------------------ assess


@assess_app.command("new")
def assess_new(
    state: Annotated[str, typer.Argument(help="Country name or ISO3 code.")],
    label: Annotated[str | None, typer.Option(help="Name of the round, e.g. '2025 self-assessment'.")] = None,
    tag: Annotated[list[str] | None, typer.Option(
        "--tag",
        help="Profile tag the team declares (repeatable), e.g. transit, which data cannot show.")] = None,
    inventory: InventoryOpt = None,
    by: ByOpt = None,
    hypothetical: Annotated[bool, typer.Option(
        help=("A made-up state for training (code XAA–XZZ that is no country's), "
              "always labelled HYPOTHETICAL."))]
    = False,
    name: Annotated[str | None, typer.Option(help="Name of a hypothetical state.")] = None,
) -> None:
    """Start a new assessment round of a state (then export it as a workbook to fill in)."""
    from migcap.capacity.assessments import create_assessment

    if hypothetical and name and "HYPOTHETICAL" not in name.upper():
        name = f"{name} (HYPOTHETICAL state)"
    a = create_assessment(state, by=by, label=label, inventory=inventory, tags=tag or (), source="cli",
                          hypothetical=hypothetical, name=name)
    typer.echo(f"Created {a.title}: id {a.uid}, inventory {a.inventory_id} {a.inventory_version}.")
    typer.echo(f"Next: migcap assess export {a.iso3} --format xlsx --out {a.iso3}-assessment.xlsx")


@assess_app.command("import")
def assess_import(
    file: Annotated[Path, typer.Argument(
        help="A filled-in workbook (.xlsx) or a YAML/JSON assessment file.")],
    by: ByOpt = None,
    force: Annotated[bool, typer.Option(
        help=("Overwrite items changed in the database since the file was exported "
              "(kept in the history)."))] = False,
    check: Annotated[bool, typer.Option(
        "--check", help="Only check the file and say what would change.")] = False,
) -> None:
    """Import an assessment file: every row is checked first, and a file with any error imports nothing."""
    from migcap.capacity.exchange import import_file
    from migcap.errors import ImportRejected

    try:
        report = import_file(file, by=by, force=force, dry_run=check)
    except ImportRejected as exc:
        typer.echo(f"error: {file}: nothing imported; {len(exc.problems)} problem(s):", err=True)
        for p in exc.problems:
            typer.echo(f"  - {p}", err=True)
        raise typer.Exit(1) from None
    typer.echo(report.text())


@assess_app.command("export")
def assess_export(
    state: StateArg,
    fmt: Annotated[str, typer.Option("--format", "-f", help="xlsx (to fill in), yaml or json.")] = "xlsx",
    out: OutOpt = None,
) -> None:
    """Export a state's latest assessment (xlsx: a workbook officials fill in; default file ISO3-assessment.xlsx)."""  # noqa: E501 (the text as --help shows it)
    from migcap.capacity.exchange import export_assessment

    _check_format(fmt, ("xlsx", "yaml", "json"))
    data = export_assessment(state, fmt)
    if fmt == "xlsx" and out is None:
        from migcap.capacity.assessments import get_assessment

        out = Path(f"{get_assessment(state).iso3}-assessment.xlsx")
    _write(data, out)


@assess_app.command("publish")
def assess_publish(state: StateArg, by: ByOpt = None) -> None:
    """Publish a state's latest assessment (or one by id): read-only from now on, in the report and in other
    states' peer comparisons. Records who published it and when, as the web application does."""
    from migcap.capacity.assessments import current_user, get_assessment
    from migcap.capacity.teamwork import publish

    a = get_assessment(state)
    own = publish(a.uid, by=by or current_user(), source="cli")
    typer.echo(f"Published {a.title} ({own.organisation}) on {own.published_at:%Y-%m-%d %H:%M} UTC "
               f"by {own.published_by}; id {a.uid}.")


@assess_app.command("unpublish")
def assess_unpublish(state: StateArg, by: ByOpt = None) -> None:
    """Withdraw the publication of a state's latest assessment (or one by id): a draft of its organisation
    again, editable, out of the report and the peer comparisons. Recorded in the history."""
    from migcap.capacity.assessments import current_user, get_assessment
    from migcap.capacity.teamwork import unpublish

    a = get_assessment(state)
    own = unpublish(a.uid, by=by or current_user(), source="cli")
    typer.echo(f"{a.title} is a draft of {own.organisation} again; id {a.uid}.")


@assess_app.command("history")
def assess_history(
    state: StateArg,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv, json or md.")] = "table",
    out: OutOpt = None,
) -> None:
    """Every change to a state's assessments: when, who, item, field, old and new value."""
    from migcap.capacity.assessments import history_table
    from migcap.cli.output import emit

    _check_format(fmt, ("table", "csv", "json", "md"))
    emit(history_table(state), fmt, out)


@assess_app.command("list")
def assess_list(
    state: Annotated[str | None, typer.Argument(help="Only this state.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv, json or md.")] = "table",
) -> None:
    """The assessments in the database."""
    from migcap.capacity.assessments import find_assessments, resolve_state
    from migcap.cli.output import emit
    from migcap.table import Table

    _check_format(fmt, ("table", "csv", "json", "md"))
    iso3 = resolve_state(state)[0] if state else None
    rows = tuple((a.iso3, a.state_name, a.label, a.created_at.strftime("%Y-%m-%d"),
                  sum(1 for e in a.entries.values() if e.answered), a.revision, a.hypothetical, a.uid)
                 for a in find_assessments(iso3))
    emit(Table(("iso3", "state", "label", "created", "answered", "revision", "hypothetical", "id"), rows,
               title="Assessments"), fmt, None)


@assess_app.command("example")
def assess_example() -> None:
    """Load the illustrative assessment of a HYPOTHETICAL state (Hypothetica, XHY) into the database."""
    from migcap.capacity.example import load_example

    for report in load_example():
        typer.echo(report.text())
    typer.echo("Hypothetica is a HYPOTHETICAL state, for illustration only. "
               "Try: migcap review XHY --previous")


# ------------------------------------------------------------------------------------------ review, recommend


def review(
    state: StateArg,
    compare_with: Annotated[str | None, typer.Option(
        "--compare-with", help="Compare with another assessed state (peer), by name or ISO3.")] = None,
    previous: Annotated[bool, typer.Option(
        "--previous", help="Compare with the state's previous assessment.")] = False,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json or md.")] = "table",
    out: OutOpt = None,
) -> None:
    """Review a state's assessment: scores, coverage, gaps by priority, strengths, peers and changes.

    Score = 100 × Σ(w·L) / (4 × Σw) over answered items, with w = 1/2/3 the item's relevance for the
    state's migration profile and L = 0 (absent) … 4 (good practice). JSON: overall, areas (id,
    score, coverage), gaps (item, level, target, priority, reasons).
    """
    from migcap.capacity.reviewing import review as run_review

    _check_format(fmt, ("table", "json", "md"))
    result = run_review(state, compare_with=compare_with, previous=previous)
    if fmt == "table":
        _tables(result.tables(), fmt, out)
    elif fmt == "json":
        import json

        _write(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n", out)
    else:
        _write(result.to_markdown(), out)


def recommend(
    state: StateArg,
    actor: Annotated[str | None, typer.Option(
        help="state, civil-society, international or private-sector (default: the first three).")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="md, json or table.")] = "md",
    top: Annotated[int | None, typer.Option(help="Only the first N recommendations per actor.")] = None,
    out: OutOpt = None,
) -> None:
    """Prioritised recommendations for each gap, per actor, with rationale and documented practice elsewhere."""  # noqa: E501 (the text as --help shows it)
    from dataclasses import replace

    from migcap.capacity.recommendations import recommend as run_recommend

    _check_format(fmt, ("md", "json", "table"))
    result = run_recommend(state, actor=actor)
    if top is not None:
        result = replace(result, items=tuple(r for r in result.items if r.rank <= top))
    if fmt == "json":
        import json

        _write(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n", out)
    elif fmt == "table":
        from migcap.cli.output import emit

        emit(result.to_table(), "table", out)
    else:
        _write(result.to_markdown(), out)


def profile(
    state: StateArg,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json or md.")] = "table",
    out: OutOpt = None,
) -> None:
    """The migration profile from the data (immigrants, emigrants, remittances, refugees, net migration)
    and the profile tags it gives, with the rule and figures behind each."""
    import json

    from migcap.capacity.assessments import find_assessments, resolve_state
    from migcap.capacity.profile import migration_profile
    from migcap.capacity.reviewing import profile_of

    _check_format(fmt, ("table", "json", "md"))
    iso3, name, _ = resolve_state(state)
    rounds = find_assessments(iso3)
    p = profile_of(rounds[-1]) if rounds else migration_profile(iso3, name=name)
    if fmt == "json":
        _write(json.dumps(p.to_dict(), indent=2, ensure_ascii=False) + "\n", out)
    elif fmt == "md":
        _write(p.to_table().to_markdown(), out)
    else:
        from migcap.cli.output import emit

        emit(p.to_table(), "table", out)
