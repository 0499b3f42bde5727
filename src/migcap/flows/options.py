"""The choices of the faces (command line, web app) mapped to the flow estimators, in one place.

:func:`estimator_options` turns the switches the faces offer (``stayers``, ``decrease``)
into the keyword options of the estimator of a method; :class:`FlowRequest` is what
``migcap flows estimate`` asks for — the bundled data or the user's own tables, checked
for choices that do not go together — and :meth:`FlowRequest.estimate` calls
:func:`~migcap.flows.apply.estimate_world_flows` or
:func:`~migcap.flows.apply.estimate_user_flows` with them.

Messages name the choices as the command line spells them (``--stocks-start`` …).

Examples
--------
>>> estimator_options("demo", stayers=False)
{'stayer_assumption': False}
>>> estimator_options("diff", decrease="zero"), estimator_options("rates", stayers=False)
({'decrease': 'zero'}, {})
>>> FlowRequest(periods=("2015-2019",)).several_periods, FlowRequest(periods=("all",)).several_periods
(False, True)
>>> FlowRequest(stocks_start=Path("s0.csv"))
Traceback (most recent call last):
...
migcap.errors.InputError: --stocks-start and --stocks-end go together
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from migcap.errors import InputError

if TYPE_CHECKING:
    import duckdb

    from migcap.flows.apply import FlowEstimates, Progress
    from migcap.geo.schemes import Scheme

__all__ = ["FlowRequest", "estimator_options"]


def estimator_options(method: str, *, stayers: bool = True, decrease: str = "return") -> dict[str, Any]:
    """Keyword options of the estimator of ``method`` for the faces' switches (only those that
    differ from the estimator's defaults).

    Parameters
    ----------
    method
        ``"demo"``, ``"diff"`` or ``"rates"``.
    stayers
        ``"demo"``: the stayer assumption (``False``: the independence model).
    decrease
        ``"diff"``: a decrease of a stock is a ``"return"`` flow or ignored (``"zero"``).
    """
    options: dict[str, Any] = {}
    if method == "demo" and not stayers:
        options["stayer_assumption"] = False
    if method == "diff" and decrease != "return":
        options["decrease"] = decrease
    return options


@dataclass(frozen=True)
class FlowRequest:
    """Flows as ``migcap flows estimate`` asks for them, checked when made.

    Attributes
    ----------
    periods
        Periods (``"2015-2019"``; ``()`` or ``"all"``: every period of the bundled stocks); with
        the user's tables, at most one: the label of the period.
    method, scheme, total
        As for :func:`~migcap.flows.apply.estimate_world_flows`.
    stayers, decrease
        Switches of the methods (see :func:`estimator_options`).
    edition, wpp_edition, unknown, population
        Choices of the bundled data (``None``: the defaults, ``"distribute"`` and ``"wpp"``).
    stocks_start, stocks_end, births, deaths
        The user's own tables (both stock tables or neither; births and deaths only with them).

    Raises
    ------
    InputError
        If choices do not go together (one stock table, births without stock tables, several
        period labels or a choice of the bundled data with the user's tables).
    """

    periods: tuple[str, ...] = ()
    method: str = "demo"
    scheme: str | Scheme | None = None
    stayers: bool = True
    decrease: str = "return"
    total: float | None = None
    edition: str | None = None
    wpp_edition: str | None = None
    unknown: str | None = None
    population: str | None = None
    stocks_start: Path | None = None
    stocks_end: Path | None = None
    births: Path | None = None
    deaths: Path | None = None

    def __post_init__(self) -> None:
        if not self.user_tables:
            if self.births is not None or self.deaths is not None:
                raise InputError("--births and --deaths go with --stocks-start and --stocks-end")
            return
        if self.stocks_start is None or self.stocks_end is None:
            raise InputError("--stocks-start and --stocks-end go together")
        if len(self.periods) > 1:
            raise InputError("give one --period label for your own tables")
        bundled = {"--edition": self.edition, "--wpp-edition": self.wpp_edition, "--unknown": self.unknown,
                   "--population": self.population}
        given = [name for name, value in bundled.items() if value is not None]
        if given:
            raise InputError(f"{given[0]} applies to the bundled data, not to --stocks-start/--stocks-end")

    @property
    def user_tables(self) -> bool:
        """Flows from the user's own stock tables rather than the bundled data."""
        return self.stocks_start is not None or self.stocks_end is not None

    @property
    def several_periods(self) -> bool:
        """The bundled data for more than one period (worth a progress bar)."""
        if self.user_tables:
            return False
        return len(self.periods) != 1 or self.periods[0].strip().lower() == "all"

    @property
    def options(self) -> dict[str, Any]:
        """Keyword options of the estimator."""
        return estimator_options(self.method, stayers=self.stayers, decrease=self.decrease)

    def estimate(self, *, progress: Progress | None = None,
                 con: duckdb.DuckDBPyConnection | None = None) -> FlowEstimates:
        """Estimate the flows.

        Parameters
        ----------
        progress
            Called as ``progress(step, done, total)`` (bundled data only).
        con
            Warehouse connection for the bundled data (default: a new one).

        Raises
        ------
        InputError, EstimationError, DataUnavailableError, EditionError
            As :func:`~migcap.flows.apply.estimate_world_flows` and
            :func:`~migcap.flows.apply.estimate_user_flows` raise them.
        """
        from migcap.flows.apply import estimate_user_flows, estimate_world_flows

        common: dict[str, Any] = dict(method=self.method, scheme=self.scheme, total=self.total,
                                      options=self.options)
        if self.user_tables:
            assert self.stocks_start is not None and self.stocks_end is not None
            return estimate_user_flows(self.stocks_start, self.stocks_end, self.births, self.deaths,
                                       period=self.periods[0] if self.periods else None, **common)
        bundled: dict[str, Any] = dict(edition=self.edition, wpp_edition=self.wpp_edition,
                                       unknown=self.unknown or "distribute",
                                       population=self.population or "wpp")
        return estimate_world_flows(list(self.periods) or None, con=con, progress=progress, **common,
                                    **bundled)
