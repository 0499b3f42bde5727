"""``migcap project``: probabilistic projections of net migration and migrant stocks, backtests.

Thin: each command parses its options, calls one function of :mod:`migcap.projections`
and prints the result. Mounted by the main CLI as ``migcap project``; also runs alone as
``python -m migcap.cli.project``.
"""

from __future__ import annotations

import json
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from migcap.cli.options import FormatOpt, OutOpt

app = typer.Typer(
    name="project",
    help="The future of migration: probabilistic projections to 2050 (or 2100), scenarios and backtests.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

AreaOpt = Annotated[str, typer.Option(
    "--area", "-a", help="WLD (the world), a region of the scheme (code or name, e.g. EUR or Europe), "
                         "or a country (name or ISO3 code, e.g. DEU).")]
SchemeOpt = Annotated[str, typer.Option(
    "--scheme", "-s", help="Region scheme for --area: wmr2010, un-geo, un-subregion, un-sdg, wb-region, … "
                           "or a path to your own TSV/CSV (columns iso3, code, name).")]
ToOpt = Annotated[int, typer.Option(
    "--to", help="Last year: the mid-year end of the last 5-year period (2025 … 2100, divisible by 5).")]
DrawsOpt = Annotated[int, typer.Option("--draws", "-n", help="Number of trajectories (1 … 5000).")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed; the same seed gives the same numbers.")]
ModelOpt = Annotated[Path | None, typer.Option(
    "--model", "-m", help="A fitted model saved by 'migcap project fit --out PATH' (default: the one in the "
                          "data folder, fitted and saved on first use).")]
TrajectoriesOpt = Annotated[bool, typer.Option(
    "--trajectories", help="Every trajectory instead of the quantiles, one row per trajectory and year "
                           "(e.g. --format parquet --out t.parquet).")]
RefitOpt = Annotated[bool,
                     typer.Option("--refit", help="Fit the model again (and save it) before projecting.")]


@contextmanager
def _warnings_to_stderr() -> Iterator[None]:
    """Show warnings (e.g. ConvergenceWarning) as one line on standard error."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        typer.echo(f"warning: {w.message}", err=True)


@contextmanager
def _fit_progress(label: str = "fitting the net migration model") -> Iterator[Callable[[int, int], None]]:
    """A progress bar for MCMC iterations (shown only while something is being fitted)."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    bar = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                   TimeElapsedColumn(), TimeRemainingColumn(), transient=True, console=Console(stderr=True),
                   redirect_stdout=False, redirect_stderr=False)
    task = None

    def report(done: int, total: int) -> None:
        nonlocal task
        if task is None:
            bar.start()
            task = bar.add_task(label, total=total)
        bar.update(task, completed=done)

    try:
        yield report
    finally:
        if task is not None:
            bar.stop()


def _future(to: int, draws: int, seed: int, model: Path | None, refit: bool) -> Any:
    from migcap.projections.project import future

    with _warnings_to_stderr(), _fit_progress() as progress:
        return future(to=to, draws=draws, seed=seed, model=model, refit=refit, progress=progress)


@app.command("net-migration")
def net_migration_cmd(
    area: AreaOpt = "WLD",
    scheme: SchemeOpt = "wmr2010",
    to: ToOpt = 2050,
    draws: DrawsOpt = 1000,
    seed: SeedOpt = 1,
    measure: Annotated[str, typer.Option(
        help="count: net migrants per year (average of the 5-year period ending in the year); "
             "rate: net migrants of the period ÷ end-of-period population net of them.")] = "count",
    fmt: FormatOpt = "table",
    out: OutOpt = None,
    model: ModelOpt = None,
    refit: RefitOpt = False,
    trajectories: TrajectoriesOpt = False,
) -> None:
    """Probabilistic projection of net migration: median and 80%/95% intervals by 5-year period.

    CSV columns: area_code, area, year, median, lower80, upper80, lower95, upper95
    (with --trajectories: area_code, area, year, trajectory, value).
    World net migration is zero in every trajectory.
    """
    from migcap.cli.output import emit
    from migcap.projections.project import net_migration

    fut = _future(to, draws, seed, model, refit)
    proj = net_migration(area, scheme=scheme, measure=measure, fut=fut)  # type: ignore[arg-type]
    emit(proj.trajectory_table() if trajectories else proj.to_table(), fmt, out)


@app.command("stock")
def stock_cmd(
    area: AreaOpt = "WLD",
    scheme: SchemeOpt = "wmr2010",
    to: ToOpt = 2050,
    draws: DrawsOpt = 1000,
    seed: SeedOpt = 1,
    measure: Annotated[str, typer.Option(help="count (migrants) or percent (of the population).")] = "count",
    scenarios: Annotated[bool, typer.Option(
        "--scenarios", help="Show the scenarios beside the model: the WMR 2010 method (growth at the pace "
                            "of the last 20 years), constant share of population, WPP "
                            "2024 net migration.")] = False,
    fmt: FormatOpt = "table",
    out: OutOpt = None,
    model: ModelOpt = None,
    refit: RefitOpt = False,
    trajectories: TrajectoriesOpt = False,
) -> None:
    """Probabilistic projection of the international migrant stock (1 July of each year).

    CSV columns: area_code, area, year, median, lower80, upper80, lower95, upper95
    (with --scenarios: area_code, area, scenario, year, median, …; with --trajectories:
    area_code, area, year, trajectory, value).
    """
    from migcap.cli.output import emit
    from migcap.projections.project import stock, stock_scenarios

    if scenarios and trajectories:
        raise typer.BadParameter("the scenarios have no trajectories: drop --scenarios",
                                 param_hint="--trajectories")
    fut = _future(to, draws, seed, model, refit)
    if scenarios:
        emit(stock_scenarios(area, scheme=scheme, fut=fut), fmt, out)
    else:
        proj = stock(area, scheme=scheme, measure=measure, fut=fut)  # type: ignore[arg-type]
        emit(proj.trajectory_table() if trajectories else proj.to_table(), fmt, out)


@app.command("compare")
def compare_cmd(
    scheme: SchemeOpt = "wmr2010",
    year: Annotated[int, typer.Option(help="End year of the period compared (divisible by 5).")] = 2050,
    draws: DrawsOpt = 1000,
    seed: SeedOpt = 1,
    fmt: FormatOpt = "table",
    out: OutOpt = None,
    model: ModelOpt = None,
) -> None:
    """Our medians against WPP 2024's, by region: net migration per year, population, migrant stock."""
    from migcap.cli.output import emit
    from migcap.projections.project import compare_wpp

    fut = _future(year, draws, seed, model, False)
    emit(compare_wpp(scheme=scheme, year=year, fut=fut), fmt, out)


@app.command("backtest")
def backtest_cmd(
    fmt: FormatOpt = "table",
    out: OutOpt = None,
    fit_end: Annotated[int | None, typer.Option(
        "--fit-end", help="Last period end fitted (data up to this year); default 2005, the reference "
                          "test.")] = None,
    development: Annotated[bool, typer.Option(
        "--development", help="The development design instead: fits to 1990, 1995 and 2000, each "
                              "checked up to 2000–2005. Choose between models on this, never on the "
                              "reference test.")] = False,
    draws: DrawsOpt = 2000,
    seed: SeedOpt = 1,
    iterations: Annotated[int, typer.Option(help="MCMC iterations per chain after burn-in.")] = 8000,
    burnin: Annotated[int, typer.Option(help="MCMC burn-in iterations per chain.")] = 2000,
    detail: Annotated[bool, typer.Option("--detail", help="One row per country and period instead.")] = False,
    stocks: Annotated[bool,
                      typer.Option("--stocks", help="The backtest of the migrant stock instead.")] = False,
    baselines: Annotated[bool, typer.Option(
        "--baselines", help="The migrant stock backtest against simple baselines (constant share, trend of "
                            "the share, WMR 2010 method) instead.")] = False,
) -> None:
    """Fit to the data up to 2005, project 2005–2020 and score against what the data now say.

    Scores, per horizon, per third of countries by volatility and pooled: coverage of the 50%,
    80% and 95% intervals with the misses above and below, mean widths, interval scores, the
    weighted interval score (wis), the CRPS of the trajectories, the mean absolute error of the
    median and of persistence, and the share of countries whose median beats persistence.
    JSON keys: coverage80, wis, crps, mae, mae_persistence, n, design, rows, fits, ….
    """
    from migcap.cli.output import emit
    from migcap.projections.backtesting import (
        DEVELOPMENT_FITS,
        backtest,
        development_backtest,
        stock_backtest,
        stock_baselines,
    )
    from migcap.projections.model import SamplerSettings

    if development and (fit_end is not None or stocks or baselines):
        raise typer.BadParameter("runs its own fits (1990, 1995, 2000): drop --fit-end, --stocks and "
                                 "--baselines", param_hint="--development")
    settings = SamplerSettings(iterations=iterations, burnin=burnin, thin=max(1, iterations // 1000))
    fits = DEVELOPMENT_FITS if development else (fit_end or 2005,)
    with _warnings_to_stderr(), _fit_progress("fitting to the data up to " + ", ".join(map(str, fits))) \
            as progress:
        if development:
            result = development_backtest(draws=draws, seed=seed, settings=settings, progress=progress)
        else:
            result = backtest(fit_end=fits[0], draws=draws, seed=seed, settings=settings, progress=progress)
    if baselines:
        emit(stock_baselines(result), fmt, out)
    elif stocks:
        emit(stock_backtest(result), fmt, out)
    elif detail:
        emit(result.detail, fmt, out)
    elif fmt == "json":
        text = json.dumps(result.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
        if out is None:
            sys.stdout.write(text)
        else:
            from migcap.files import write_atomic

            write_atomic(out, text.encode("utf-8"))
    else:
        emit(result.summary, fmt, out)


@app.command("fit")
def fit_cmd(
    iterations: Annotated[int, typer.Option(help="Iterations per chain after burn-in.")] = 8000,
    burnin: Annotated[int, typer.Option(help="Burn-in iterations per chain (discarded).")] = 2000,
    chains: Annotated[int, typer.Option(help="Number of chains.")] = 4,
    thin: Annotated[int, typer.Option(help="Keep every n-th iteration.")] = 8,
    seed: SeedOpt = 1,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Save the model here (PATH.npz and PATH.json); default: the data folder, "
                            "where projections find it.")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Fit the net migration model to all countries (WPP 2024, 1950–2020) and save it.

    Prints the posterior of every hyperparameter with its R-hat and effective sample size; warns
    if any R-hat is 1.05 or more.
    """
    from migcap.cli.output import emit
    from migcap.projections.fitted import fit
    from migcap.projections.model import SamplerSettings
    from migcap.projections.store import default_model_path, save_model
    from migcap.table import Table

    settings = SamplerSettings(chains=chains, burnin=burnin, iterations=iterations, thin=thin, seed=seed)
    with _warnings_to_stderr(), _fit_progress() as progress:
        model = fit(settings=settings, progress=progress)
    path = save_model(model, out or default_model_path(model.data.edition))
    d = model.diagnostics
    r, rname = d.country_rhat_max
    e, ename = d.country_ess_min
    rows: tuple[tuple[Any, ...], ...] = tuple(
        (name, med, lo, hi, round(r_, 4), round(ess)) for name, med, lo, hi, r_, ess in model.summary_rows())
    if fmt == "table":   # the terminal shows 2 decimals; hyperparameters need significant digits
        rows = tuple((n, f"{m:.4g}", f"{lo:.4g}", f"{hi:.4g}", f"{r_:.3f}", e)
                     for n, m, lo, hi, r_, e in rows)
    table = Table(("parameter", "median", "q025", "q975", "rhat", "ess_bulk"), rows,
                  title=f"Net migration model: {model.data.n_countries} countries, "
                        f"{model.posterior.chains} chains × {settings.iterations} iterations "
                        f"in {model.posterior.seconds:.1f} s",
                  notes=(f"Country parameters: largest R-hat {r:.3f} ({rname}), smallest bulk ESS {e:.0f} "
                         f"({ename}).", f"Saved to {path}."), sources=(model.data.source,))
    emit(table, fmt, None)


def main(argv: list[str] | None = None) -> None:
    """Run the app alone, turning migcap errors into one line and exit status 1."""
    from migcap.cli.tools import run

    run(app, argv)


if __name__ == "__main__":
    main()
