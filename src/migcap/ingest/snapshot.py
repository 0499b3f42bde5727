"""Snapshots: one edition of one dataset as tidy tables, with its provenance record.

A snapshot is what a reader makes of an official file, and what the warehouse is
built from. On disk it is ``<dir>/<dataset>/<edition>.parquet`` (country rows),
``<edition>.published.parquet`` (the source's own aggregates, if any) and
``<edition>.json`` (the provenance record). The bundled snapshots live in
``migcap/data/snapshots``; imported ones in ``<data dir>/imports``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from migcap.datasets import ANY, Column, Dataset, Valid, get_dataset
from migcap.errors import InputError
from migcap.provenance import COL, FILE, ROW, SHEET, Provenance, release_year

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Snapshot"]

@dataclass(frozen=True)
class Snapshot:
    """One edition of one dataset.

    Attributes
    ----------
    dataset
        The dataset name (see :mod:`migcap.datasets`).
    data
        Country rows: the dataset's key and value columns.
    published
        The source's own aggregates (``code``, ``name`` …), or ``None``.
    provenance
        The provenance record.
    """

    dataset: str
    data: pd.DataFrame
    provenance: Provenance
    published: pd.DataFrame | None = field(default=None)

    @property
    def edition(self) -> str:
        """The edition name."""
        return self.provenance.edition

    @property
    def spec(self) -> Dataset:
        """The dataset specification."""
        return get_dataset(self.dataset)

    def validated(self, *, file: str | None = None, sheet: str | None = None) -> Snapshot:
        """Check the tables against the dataset schema and return a clean copy.

        Every reader's output, and every snapshot ``tools/make_snapshots.py`` bundles, passes
        through here before anything is written. Checks columns, numeric types, key uniqueness
        (naming the source rows of duplicates), that area codes are known, that there are rows,
        and that every value is possible: finite, within the column's :class:`~migcap.datasets.Valid`
        rule, and years within the dataset's range (:attr:`~migcap.datasets.Dataset.years`).
        Drops the helper columns (``_row`` …) and fills in the row counts of the provenance record.

        Parameters
        ----------
        file, sheet
            Where the values come from, unless the helper columns say so row by row.

        Raises
        ------
        InputError
            On the first problem, naming file, sheet, row, column and value.
        """
        spec = self.spec
        last = spec.years[1] if spec.years[1] is not None else release_year(self.provenance)
        years = (spec.years[0], last, spec.years[1] is None)
        data = _check_frame(self.data, spec, spec.columns, spec.key_names, file=file, sheet=sheet, areas=True,
                            years=years)
        if data.empty:
            raise InputError(f"no {spec.name} rows: the file holds no values of a country or area", file=file,
                             sheet=sheet, hint="is it the right file?")
        published = None
        if self.published is not None and spec.published_keys:
            keys = [c.name for c in spec.published_keys]
            published = _check_frame(self.published, spec, spec.published_columns, keys, file=file,
                                     sheet=sheet, areas=False, years=years)
        prov = self.provenance.model_copy(
            update={"rows": len(data), "published_rows": 0 if published is None else len(published)}
        )
        return replace(self, data=data, published=published, provenance=prov)

    def write(self, folder: Path) -> Path:
        """Write the snapshot under ``folder/<dataset>/`` (each file atomically); return the JSON path."""
        target = folder / self.dataset
        target.mkdir(parents=True, exist_ok=True)
        base = target / self.edition
        _atomic_parquet(self.data, base.with_suffix(".parquet"))
        if self.published is not None:
            _atomic_parquet(self.published, base.with_suffix(".published.parquet"))
        _atomic_text(self.provenance.model_dump_json(indent=2) + "\n", base.with_suffix(".json"))
        return base.with_suffix(".json")

    def files(self, folder: Path) -> list[Path]:
        """The files this snapshot occupies (or would occupy) under ``folder``."""
        base = folder / self.dataset / self.edition
        return [base.with_suffix(s) for s in (".parquet", ".published.parquet", ".json")]


def _check_frame(
    frame: pd.DataFrame,
    spec: Dataset,
    columns: tuple[Any, ...],
    keys: list[str],
    *,
    file: str | None,
    sheet: str | None,
    areas: bool,
    years: tuple[int, int, bool],
) -> pd.DataFrame:
    import pandas as pd

    from migcap.geo.countries import country_table

    names = [c.name for c in columns]
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise InputError(f"{spec.name}: reader produced no column(s) {', '.join(missing)}", file=file,
                         sheet=sheet)
    frame = frame.reset_index(drop=True)  # one label per record (readers may concatenate frames)
    rows = frame[ROW] if ROW in frame.columns else None
    out = frame[names].copy()
    for col in columns:
        if col.type == "DOUBLE":
            out[col.name] = pd.to_numeric(out[col.name], errors="raise").astype("float64")
        elif col.type == "INTEGER":
            if out[col.name].isna().any():
                bad = out.index[out[col.name].isna()][0]
                raise InputError("missing value in a key column", file=file, sheet=sheet,
                                 row=None if rows is None else int(rows.loc[bad]), column=col.name)
            values = pd.to_numeric(out[col.name], errors="raise").astype("float64")
            if col.name == "year":
                lo, hi, to_release = years
                rule = Valid(minimum=lo, maximum=hi, integer=True)
                allowed = f"{spec.name} years are {lo} to " + (f"the edition's release year, {hi}"
                                                               if to_release else str(hi))
            else:
                rule, allowed = Valid(integer=True), ""
            _check_values(values, rule, frame, out, col, keys, file=file, sheet=sheet, allowed=allowed)
            out[col.name] = values.astype("int64")
        elif col.type == "BOOLEAN":
            out[col.name] = out[col.name].fillna(False).astype(bool)
        else:
            out[col.name] = out[col.name].astype("string")
    for col in columns:
        if col.type == "DOUBLE":
            for mask, rule in _rules(spec, col, out):
                _check_values(out[col.name][mask], rule, frame, out, col, keys, file=file, sheet=sheet)
    dup = out.duplicated(keys, keep=False)
    if dup.any():
        first = out[dup].iloc[0]
        where = out.index[dup & (out[keys] == first[keys]).all(axis=1)]
        src_rows = [] if rows is None else sorted({int(rows.loc[i]) for i in where})
        key_text = ", ".join(f"{k}={first[k]}" for k in keys)
        raise InputError(
            f"duplicate key ({key_text})" + (f" in rows {', '.join(map(str, src_rows))}" if src_rows else ""),
            file=file, sheet=sheet, row=src_rows[0] if src_rows else None,
        )
    if areas:
        table = country_table()
        known = {c.iso3 for c in table} | set(table.special)
        for col in spec.area_columns:
            bad_mask = ~out[col].isin(known)
            if bad_mask.any():
                i = out.index[bad_mask][0]
                raise InputError("unknown country code", file=file, sheet=sheet,
                                 row=None if rows is None else int(rows.loc[i]), column=col,
                                 value=out.loc[i, col])
    return out.sort_values(keys, kind="stable").reset_index(drop=True)


def _rules(spec: Dataset, col: Column, out: pd.DataFrame) -> list[tuple[Any, Valid]]:
    """(row mask, rule) pairs that cover the rows of a value column."""
    import numpy as np

    everything = np.ones(len(out), dtype=bool)
    if not spec.valid_by_indicator or "indicator" not in out.columns:
        return [(everything, col.valid)]
    indicator = out["indicator"].astype("string")
    listed = indicator.isin(list(spec.valid_by_indicator)).to_numpy(dtype=bool)
    pairs = [((indicator == name).to_numpy(dtype=bool), rule)
             for name, rule in spec.valid_by_indicator.items()]
    return [*pairs, (~listed, ANY)]


def _helper(frame: pd.DataFrame, index: Any, name: str, column: str, *, key: bool) -> Any:
    """A helper value (``_row``, ``_col`` …) of one record: for the column if given, else for the record,
    else, for a key read from a header (the year above a column), for the record's first value column."""
    names = [f"{name}:{column}", name]
    if key:
        names += [c for c in frame.columns if str(c).startswith(f"{name}:")]
    for helper in names:
        if helper in frame.columns:
            value = frame.at[index, helper]
            if value is not None and value == value:  # not missing
                return value
    return None


def _check_values(values: pd.Series, rule: Valid, frame: pd.DataFrame, out: pd.DataFrame, col: Column,
                  keys: list[str], *, file: str | None, sheet: str | None, allowed: str = "") -> None:
    """Refuse the first value that breaks ``rule`` (missing values pass), naming where it is in the source."""
    import numpy as np

    v = values.to_numpy(dtype="float64")
    present = ~np.isnan(v)
    finite = np.isfinite(v)
    # the readers refuse cells that are not finite numbers: what is not finite here became so by a conversion
    checks: list[tuple[str, Any]] = [("is not a finite number once converted", present & ~finite)]
    if rule.minimum is not None:
        below = finite & (v < rule.minimum)
        if rule.signed_if_derived and "derived" in out.columns:
            below &= ~out.loc[values.index, "derived"].fillna(False).to_numpy(dtype=bool)
        checks.append((f"is below {rule.minimum:g}", below))
    if rule.maximum is not None:
        checks.append((f"is above {rule.maximum:g}", finite & (v > rule.maximum)))
    if rule.integer:
        with np.errstate(invalid="ignore"):
            off = np.abs(v - np.round(v)) > 1e-9 * np.maximum(1.0, np.abs(v))
        checks.append(("is not a whole number", finite & off))
    for problem, mask in checks:
        if not mask.any():
            continue
        n = int(mask.sum())
        first = int(np.argmax(mask))
        index = values.index[first]
        is_key = col.name in keys
        value: Any = int(v[first]) if rule.integer and float(v[first]).is_integer() else v[first]
        row = _helper(frame, index, ROW, col.name, key=is_key)
        key_text = ", ".join(f"{k}={out.at[index, k]}" for k in keys if k != col.name)
        more = f"; {n - 1} more value{'s' if n > 2 else ''} of {col.name} like it" if n > 1 else ""
        raise InputError(
            f"{col.name} {problem} ({key_text})",
            file=_helper(frame, index, FILE, col.name, key=is_key) or file,
            sheet=_helper(frame, index, SHEET, col.name, key=is_key) or sheet,
            row=None if row is None else int(row),
            column=str(_helper(frame, index, COL, col.name, key=is_key) or col.name),
            value=value,
            hint=f"allowed: {allowed or rule.describe()}{more}",
        )


def _atomic_parquet(frame: pd.DataFrame, path: Path) -> None:
    from migcap.files import atomic_target

    with atomic_target(path) as tmp:
        frame.to_parquet(tmp, index=False, compression="zstd")


def _atomic_text(text: str, path: Path) -> None:
    from migcap.files import write_atomic

    write_atomic(path, text.encode("utf-8"))


