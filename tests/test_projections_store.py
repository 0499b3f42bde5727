"""Saving and reloading a fitted model: the same draws, the same projections, clear errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from migcap.errors import MigcapError
from migcap.projections.data import load_rates
from migcap.projections.fitted import FittedModel, fit_rates
from migcap.projections.model import SamplerSettings
from migcap.projections.project import future, get_model, net_migration
from migcap.projections.store import default_model_path, load_model, model_paths, save_model

SMALL = SamplerSettings(chains=2, burnin=100, iterations=200, thin=2, seed=3)


@pytest.fixture(scope="module")
def model(session_store: Path) -> FittedModel:
    import duckdb

    con = duckdb.connect(str(session_store / "warehouse.duckdb"), read_only=True)
    try:
        return fit_rates(load_rates(con), settings=SMALL, warn=False)
    finally:
        con.close()


def test_round_trip(model: FittedModel, tmp_path: Path, con: Any) -> None:
    path = save_model(model, tmp_path / "fit")
    assert path == tmp_path / "fit.npz" and (tmp_path / "fit.json").is_file()
    back = load_model(tmp_path / "fit.json")          # either file names the model
    for name in ("mu", "phi", "sigma", "kappa"):
        np.testing.assert_array_equal(getattr(back.posterior, name), getattr(model.posterior, name))
    for name, v in model.posterior.hyper.items():
        np.testing.assert_array_equal(back.posterior.hyper[name], v)
    np.testing.assert_array_equal(back.data.rates, model.data.rates)
    assert back.data.iso3 == model.data.iso3 and back.data.ends == model.data.ends
    assert back.bounds == model.bounds and back.created == model.created
    assert back.posterior.priors == model.posterior.priors
    assert back.posterior.settings == model.posterior.settings
    assert back.diagnostics == model.diagnostics
    # the same seed gives the same projection from the saved and the in-memory model
    a = net_migration("DEU", fut=future(con, model=model, to=2030, draws=50, seed=2))
    b = net_migration("DEU", fut=future(con, model=tmp_path / "fit", to=2030, draws=50, seed=2))
    np.testing.assert_array_equal(a.draws, b.draws)


def test_default_model_is_reused_not_refitted(model: FittedModel, private_store: Path) -> None:
    from migcap.warehouse import connect

    con = connect()
    try:
        save_model(model, default_model_path("2024"))
        assert model_paths(default_model_path("2024"))[0].parent == private_store / "projections"
        got = get_model(con)          # a full fit would take a minute; this is a load
        assert got.created == model.created
        np.testing.assert_array_equal(got.posterior.mu, model.posterior.mu)
    finally:
        con.close()


def test_errors_name_the_file(model: FittedModel, tmp_path: Path) -> None:
    with pytest.raises(MigcapError, match=r"no saved model here.*migcap project fit"):
        load_model(tmp_path / "nothing")
    save_model(model, tmp_path / "m")
    meta = json.loads((tmp_path / "m.json").read_text())
    meta["format_version"] = 99
    (tmp_path / "m.json").write_text(json.dumps(meta))
    with pytest.raises(MigcapError, match=r"m\.json: model format version 99"):
        load_model(tmp_path / "m")
    save_model(model, tmp_path / "m")
    meta = json.loads((tmp_path / "m.json").read_text())
    meta["ends"] = meta["ends"][::-1]
    (tmp_path / "m.json").write_text(json.dumps(meta))
    with pytest.raises(MigcapError, match="do not match"):
        load_model(tmp_path / "m")
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "bad.npz").write_bytes(b"")
    with pytest.raises(MigcapError, match=r"bad\.json: cannot read"):
        load_model(tmp_path / "bad")
