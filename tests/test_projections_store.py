"""Saving and reloading a fitted model: the same draws, the same projections, clear errors."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from migcap.errors import MigcapError
from migcap.projections.data import load_rates
from migcap.projections.fitted import FittedModel, fit_rates
from migcap.projections.model import SamplerSettings
from migcap.projections.project import future, get_model, net_migration
from migcap.projections.store import (
    FitState,
    default_model_path,
    fit_default,
    fit_state,
    load_current,
    load_model,
    model_paths,
    save_model,
    start_fit,
)
from tests.processes import lock_held_elsewhere

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
    from migcap.store.warehouse import connect

    con = connect()
    try:
        save_model(model, default_model_path("2024"))
        assert model_paths(default_model_path("2024"))[0].parent == private_store / "projections"
        got = get_model(con)          # a full fit would take a minute; this is a load
        assert got.created == model.created
        np.testing.assert_array_equal(got.posterior.mu, model.posterior.mu)
    finally:
        con.close()


def test_a_saved_model_of_another_version_is_not_current(model: FittedModel, private_store: Path) -> None:
    """A default model saved with the priors of version 1 (or any other) is refitted, not reused."""
    import duckdb

    from migcap.projections.fitted import MODEL_VERSION
    from migcap.projections.model import Priors

    con = duckdb.connect(str(private_store / "warehouse.duckdb"), read_only=True)
    try:
        data = load_rates(con)
    finally:
        con.close()
    path = default_model_path("2024")
    save_model(model, path)
    meta = json.loads(model_paths(path)[1].read_text())
    assert meta["model_version"] == str(MODEL_VERSION) == "2"
    assert load_current(data) is not None
    meta["priors"] = Priors().to_dict()          # the model of version 1
    meta["model_version"] = "1"
    model_paths(path)[1].write_text(json.dumps(meta))
    assert load_current(data) is None
    assert fit_state(data).state == "not started"


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


# ------------------------------------------------------------------------ the default model, fitted once


def _rates() -> Any:
    from migcap.store.warehouse import connect

    con = connect()
    try:
        return load_rates(con)
    finally:
        con.close()


@pytest.mark.filterwarnings("ignore::migcap.errors.ConvergenceWarning")
def test_one_fit_for_every_process_and_its_state(private_store: Path) -> None:
    data = _rates()
    path = default_model_path(data.edition)
    assert fit_state(data) == FitState("not started", "2024")
    with lock_held_elsewhere(path.with_name(f".{path.name}.lock")) as holder:
        st = fit_state(data)
        assert st.state == "running" and "being fitted" in st.describe()
        assert fit_default(data, wait=False, settings=SMALL) is None  # no second fit beside the running one
        assert start_fit(data, settings=SMALL) is None
        waiting: list[Any] = []
        worker = threading.Thread(target=lambda: waiting.append(fit_default(data, settings=SMALL)))
        worker.start()
        worker.join(1.5)
        # get_model's way: wait for the other fit
        assert worker.is_alive() and not model_paths(path)[1].exists()
        holder.kill()
        worker.join(120)
    assert not worker.is_alive() and waiting[0].posterior.settings == SMALL
    st = fit_state(data)
    assert st.state == "ready" and st.since == waiting[0].created
    # ready: nothing to start
    assert load_current(data) is not None and start_fit(data, settings=SMALL) is None


def test_the_background_fit_runs_in_one_child_that_holds_the_lock(private_store: Path) -> None:
    data = _rates()
    child = start_fit(data, settings=SMALL)
    assert child is not None
    try:
        assert start_fit(data, settings=SMALL) is None  # the child holds the lock from the start
        assert fit_state(data).state == "running"
        assert child.wait(120) == 0
    finally:
        if child.poll() is None:
            child.kill()
    st = fit_state(data)
    model = load_current(data)
    assert st.state == "ready" and model is not None and model.posterior.settings == SMALL
    assert st.since == model.created
    assert not default_model_path("2024").with_name(".net-migration-wpp2024.fit.json").exists()


@pytest.mark.filterwarnings("ignore::migcap.errors.ConvergenceWarning")
def test_a_failed_fit_says_why_and_the_next_one_starts_again(private_store: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from migcap.errors import EstimationError
    from migcap.projections import store

    data = _rates()

    def broken(*args: Any, **kwargs: Any) -> FittedModel:
        raise EstimationError("the sampler produced NaN")

    monkeypatch.setattr(store, "fit_rates", broken)
    with pytest.raises(EstimationError):
        fit_default(data, settings=SMALL)
    st = fit_state(data)
    assert (st.state, st.message) == ("failed", "EstimationError: the sampler produced NaN")
    assert st.describe() == ("fitting the projection model (WPP 2024) failed: EstimationError: the sampler "
                             "produced NaN")
    monkeypatch.undo()
    assert fit_default(data, settings=SMALL) is not None and fit_state(data).state == "ready"


def test_the_child_stops_when_the_process_that_started_it_ends(private_store: Path) -> None:
    long = "SamplerSettings(chains=2, burnin=100, iterations=200_000, thin=2)"
    code = ("import sys; from migcap.projections.model import SamplerSettings; "
            "from migcap.projections.store import start_fit; from migcap.store.warehouse import connect; "
            "from migcap.projections.data import load_rates; "
            f"child = start_fit(load_rates(connect()), settings={long}); print(child.pid, flush=True)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    pid = int(out.split()[-1])
    data = _rates()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and fit_state(data).state == "running":
        time.sleep(0.2)
    assert fit_state(data).state == "not started"  # the lock went with the child
    assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
