"""Saving and loading fitted models: posterior draws in ``.npz``, everything else in ``.json``.

A model saved as ``PATH`` is two files side by side, ``PATH.npz`` (the arrays: posterior
draws, observed rates, migrants and population) and ``PATH.json`` (countries, periods,
data edition and fingerprint, priors, sampler settings, diagnostics, bounds, creation time
and migcap version). Both are written atomically. The default place is
``<data dir>/projections/net-migration-wpp<edition>`` so that projections reuse the fit
instead of refitting; a model whose data fingerprint no longer matches the warehouse
(a new WPP edition was imported) is refitted.

Examples
--------
>>> from migcap.projections.store import save_model, load_model   # doctest: +SKIP
>>> save_model(model, "my-fit")                                  # doctest: +SKIP
>>> load_model("my-fit").diagnostics.converged                   # doctest: +SKIP
True

The default model is fitted once for every process of a data folder: :func:`fit_default` fits
under a lock file beside the model (``.net-migration-wpp<edition>.lock``), and a process that
finds the lock taken waits for the fit (or, with ``wait=False``, goes on without it). The web
app fits in the background — :func:`start_fit` takes the lock and hands it to a child process,
``python -m migcap.projections.store`` — and asks :func:`fit_state` where it stands: *not
started*, *running* (since when, how many iterations done), *ready* or *failed* (with the error).
The state of a running or failed fit is kept in ``.net-migration-wpp<edition>.fit.json``; a fit
is running exactly while the lock is held, so a fit whose process died is *not started* again.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from migcap.errors import MigcapError
from migcap.projections.data import RateData
from migcap.projections.diagnostics import Diagnostics
from migcap.projections.fitted import MODEL_PRIORS, FittedModel, fit_rates
from migcap.projections.model import Posterior, Priors, Progress, SamplerSettings

__all__ = ["FORMAT_VERSION", "FitState", "default_model_path", "fit_default", "fit_state", "load_current",
           "load_model", "main", "model_paths", "save_model", "start_fit"]

FORMAT_VERSION = 1


def default_model_path(edition: str) -> Path:
    """``<data dir>/projections/net-migration-wpp<edition>`` (without suffix)."""
    from migcap.config import get_settings

    return get_settings().data_dir / "projections" / f"net-migration-wpp{edition}"


def model_paths(path: str | Path) -> tuple[Path, Path]:
    """The ``.npz`` and ``.json`` files of a model saved as ``path`` (a suffix .npz/.json is dropped)."""
    p = Path(path)
    if p.suffix in (".npz", ".json"):
        p = p.with_suffix("")
    return p.with_name(p.name + ".npz"), p.with_name(p.name + ".json")


def save_model(model: FittedModel, path: str | Path) -> Path:
    """Write a fitted model to ``path.npz`` and ``path.json``; returns the ``.npz`` path."""
    from migcap import __version__
    from migcap.files import write_atomic

    npz, meta_path = model_paths(path)
    post = model.posterior
    arrays: dict[str, np.ndarray] = {
        "mu": post.mu, "phi": post.phi, "sigma": post.sigma, "kappa": post.kappa,
        "rates": model.data.rates, "migrants": model.data.migrants, "population": model.data.population,
    }
    for name, v in post.hyper.items():
        arrays[f"hyper_{name}"] = v
    buf = io.BytesIO()
    np.savez(buf, **arrays)  # type: ignore[arg-type]
    meta: dict[str, Any] = {
        "format": "migcap-net-migration-model",
        "format_version": FORMAT_VERSION,
        "migcap_version": __version__,
        "model_version": model.version,
        "created": model.created,
        "iso3": list(model.data.iso3),
        "names": list(model.data.names),
        "ends": list(model.data.ends),
        "edition": model.data.edition,
        "source": model.data.source,
        "fingerprint": model.data.fingerprint(),
        "bounds": list(model.bounds),
        "cumulative": list(model.cumulative),
        "chains": post.chains,
        "priors": post.priors.to_dict(),
        "settings": post.settings.to_dict(),
        "acceptance": post.acceptance,
        "seconds": post.seconds,
        "hyper": list(post.hyper),
        "diagnostics": model.diagnostics.to_dict(),
    }
    write_atomic(npz, buf.getvalue())
    write_atomic(meta_path, json.dumps(meta, indent=1, ensure_ascii=False).encode("utf-8"))
    return npz


def load_model(path: str | Path) -> FittedModel:
    """Read a model written by :func:`save_model`.

    Raises
    ------
    MigcapError
        If the files are missing or not a migcap model (the message names the file).
    """
    npz, meta_path = model_paths(path)
    for p in (npz, meta_path):
        if not p.is_file():
            raise MigcapError("no saved model here", file=str(p),
                              hint="fit one with 'migcap project fit' (or give the path it was saved to)")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MigcapError(f"cannot read the model description ({exc})", file=str(meta_path)) from None
    if meta.get("format") != "migcap-net-migration-model":
        raise MigcapError("not a migcap net migration model", file=str(meta_path))
    if meta.get("format_version") != FORMAT_VERSION:
        raise MigcapError(f"model format version {meta.get('format_version')} is not supported",
                          file=str(meta_path), hint="fit the model again with 'migcap project fit'")
    try:
        with np.load(npz) as z:
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError) as exc:
        raise MigcapError(f"cannot read the posterior draws ({exc})", file=str(npz)) from None
    pri = dict(meta["priors"])
    pri["nu_grid"] = tuple(pri["nu_grid"])
    priors = Priors(**pri)
    settings = SamplerSettings(**meta["settings"])
    hyper = {name: arrays[f"hyper_{name}"] for name in meta["hyper"]}
    post = Posterior(mu=arrays["mu"], phi=arrays["phi"], sigma=arrays["sigma"], kappa=arrays["kappa"],
                     hyper=hyper, chains=int(meta["chains"]), priors=priors, settings=settings,
                     acceptance=dict(meta["acceptance"]), seconds=float(meta["seconds"]))
    data = RateData(tuple(meta["iso3"]), tuple(meta["names"]), tuple(meta["ends"]), arrays["rates"],
                    arrays["migrants"], arrays["population"], meta["edition"], meta["source"])
    if data.fingerprint() != meta["fingerprint"]:
        raise MigcapError("the model files do not match each other (fingerprint differs)", file=str(npz))
    lo, hi = meta["bounds"]
    clo, chi = meta["cumulative"]
    return FittedModel(data, post, Diagnostics.from_dict(meta["diagnostics"]), (float(lo), float(hi)),
                       created=meta["created"], cumulative=(float(clo), float(chi)))


# ------------------------------------------------------------------------ the default model, fitted once


@dataclass(frozen=True)
class FitState:
    """Where the fit of the default model of a WPP edition stands.

    Attributes
    ----------
    state
        ``not started``, ``running``, ``ready`` or ``failed``.
    edition
        The WPP edition the model is (to be) fitted to.
    since
        When the running fit started, the ready model was made, or the fit failed (UTC, ISO 8601);
        ``None`` if not known.
    message
        The error of a failed fit.
    done, total
        MCMC iterations done of all (all chains together), while running.
    """

    state: str
    edition: str
    since: str | None = None
    message: str = ""
    done: int = 0
    total: int = 0

    @property
    def ready(self) -> bool:
        return self.state == "ready"

    def describe(self) -> str:
        """One line for a person, e.g. "being fitted since 2026-11-27T21:08:10+00:00 (1,200 of 10,000
        iterations)"."""
        if self.state == "ready":
            return f"the projection model (WPP {self.edition}) is ready"
        if self.state == "running":
            when = f" since {self.since}" if self.since else ""
            done = f" ({self.done:,} of {self.total:,} iterations)" if self.total else ""
            return f"the projection model (WPP {self.edition}) is being fitted{when}{done}"
        if self.state == "failed":
            return f"fitting the projection model (WPP {self.edition}) failed: {self.message}"
        return f"the projection model (WPP {self.edition}) has not been fitted yet"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _lock_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.lock")


def _state_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.fit.json")


def _read_state(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(_state_path(path).read_text(encoding="utf-8"))
        return data
    except (OSError, ValueError):
        return {}


def _write_state(path: Path, data: dict[str, Any]) -> None:
    from migcap.files import write_atomic

    write_atomic(_state_path(path), json.dumps(data).encode("utf-8"))


def _try_lock(fd: int, wait: bool) -> bool:
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        return False
    return True


def _locked(path: Path) -> bool:
    """Whether some process (this one included) holds the fit lock of the model at ``path``."""
    lock = _lock_path(path)
    if not lock.exists():
        return False
    fd = os.open(lock, os.O_RDWR)
    try:
        if not _try_lock(fd, wait=False):
            return True
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


@contextmanager
def _fit_lock(path: Path, wait: bool) -> Iterator[bool]:
    """Hold the fit lock of the model at ``path`` for the block; yields whether it was taken."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(_lock_path(path), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        yield _try_lock(fd, wait)
    finally:
        os.close(fd)  # releases the lock


def _current_meta(path: Path, data: RateData) -> dict[str, Any] | None:
    """The description of the model saved at ``path`` if it was fitted to ``data``."""
    npz, meta_path = model_paths(path)
    try:
        meta: dict[str, Any] = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if meta.get("format_version") != FORMAT_VERSION or meta.get("fingerprint") != data.fingerprint() \
            or meta.get("priors") != MODEL_PRIORS.to_dict() or not npz.is_file():
        return None        # another format, other data, or the model of another version (other priors)
    return meta


def load_current(data: RateData) -> FittedModel | None:
    """The default model of ``data``'s edition if one fitted to exactly these data is saved, else ``None``."""
    path = default_model_path(data.edition)
    if _current_meta(path, data) is None:
        return None
    try:
        saved = load_model(path)
    except MigcapError:
        return None
    return saved if saved.data.fingerprint() == data.fingerprint() else None


def fit_state(data: RateData) -> FitState:
    """Where the fit of the default model for ``data`` stands (see :class:`FitState`)."""
    path = default_model_path(data.edition)
    meta = _current_meta(path, data)
    if meta is not None:
        return FitState("ready", data.edition, since=meta.get("created"))
    st = _read_state(path)
    mine = st.get("fingerprint") == data.fingerprint()
    if _locked(path):
        return FitState("running", data.edition, since=st.get("since") if mine else None,
                        done=int(st.get("done", 0)) if mine else 0,
                        total=int(st.get("total", 0)) if mine else 0)
    if mine and st.get("state") == "failed":
        return FitState("failed", data.edition, since=st.get("since"), message=str(st.get("message", "")))
    return FitState("not started", data.edition)


def _fit_locked(data: RateData, path: Path, *, settings: SamplerSettings | None,
                progress: Progress | None) -> FittedModel:
    """Fit and save the default model (the caller holds the lock), keeping the state file current."""
    state = {"state": "running", "since": _now(), "fingerprint": data.fingerprint(), "pid": os.getpid(),
             "done": 0, "total": 0}
    _write_state(path, state)
    last = [time.monotonic()]

    def tell(done: int, total: int) -> None:
        if progress is not None:
            progress(done, total)
        if time.monotonic() - last[0] >= 1.0 or done == total:
            last[0] = time.monotonic()
            _write_state(path, {**state, "done": done, "total": total})

    try:
        model = fit_rates(data, settings=settings, progress=tell)
        save_model(model, path)
    except Exception as exc:
        _write_state(path,
                     {**state, "state": "failed", "since": _now(), "message": f"{type(exc).__name__}: {exc}"})
        raise
    except BaseException:
        _state_path(path).unlink(missing_ok=True)  # interrupted: nothing failed, the next one starts again
        raise
    _state_path(path).unlink(missing_ok=True)
    return model


def fit_default(data: RateData, *, refit: bool = False, wait: bool = True,
                settings: SamplerSettings | None = None,
                progress: Progress | None = None) -> FittedModel | None:
    """The default model of ``data``: the saved one if it was fitted to these data, else fitted (once) and
    saved.

    Parameters
    ----------
    data
        The observed rates to fit.
    refit
        Fit again even if a current model is saved.
    wait
        If another process is fitting, wait for it and use its model (default); with ``False``
        return ``None`` at once instead.
    settings, progress
        Sampler settings (default: the model's) and a ``progress(done, total)`` callback.

    Returns
    -------
    FittedModel or None
        ``None`` only with ``wait=False`` while another process fits.
    """
    path = default_model_path(data.edition)
    with _fit_lock(path, wait) as taken:
        if not taken:
            return None
        if not refit:
            saved = load_current(data)
            if saved is not None:
                return saved  # fitted meanwhile by the process we waited for
        return _fit_locked(data, path, settings=settings, progress=progress)


def start_fit(data: RateData, *, settings: SamplerSettings | None = None) -> subprocess.Popen[bytes] | None:
    """Fit the default model of ``data`` in a child process, unless it is ready or being fitted already.

    The lock is taken here and handed to the child (it inherits the locked file), so however many
    processes call this at once, one child fits. The child ends its work if this process ends.

    Returns
    -------
    subprocess.Popen or None
        The child, or ``None`` if nothing was started (ready, or another process is fitting).
    """
    path = default_model_path(data.edition)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(_lock_path(path), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not _try_lock(fd, wait=False) or _current_meta(path, data) is not None:
            return None
        cmd = [sys.executable, "-m", "migcap.projections.store", "--edition", data.edition, "--lock-fd",
               str(fd), "--parent", str(os.getpid())]
        for name, value in asdict(settings or SamplerSettings()).items():
            cmd += [f"--{name}", str(value)]
        return subprocess.Popen(cmd, pass_fds=(fd,), stdin=subprocess.DEVNULL, start_new_session=True)
    finally:
        os.close(fd)  # the child's copy keeps the lock


def main(argv: list[str] | None = None) -> int:
    """Fit and save the default model (the child process of :func:`start_fit`)."""
    import argparse
    import warnings

    parser = argparse.ArgumentParser(prog="python -m migcap.projections.store", description=main.__doc__)
    parser.add_argument("--edition", help="WPP edition (default: the latest)")
    parser.add_argument("--lock-fd", type=int, help="an inherited file descriptor that holds the fit lock")
    parser.add_argument("--parent", type=int, help="stop if this process ends")
    defaults = SamplerSettings()
    for name, value in asdict(defaults).items():
        parser.add_argument(f"--{name}", type=int, default=value)
    args = parser.parse_args(argv)
    settings = SamplerSettings(**{k: getattr(args, k) for k in asdict(defaults)})
    from migcap.projections.data import load_rates
    from migcap.store.warehouse import connect

    con = connect()
    try:
        data = load_rates(con, args.edition)
    finally:
        con.close()

    def orphaned(done: int, total: int) -> None:
        if args.parent is not None and os.getppid() != args.parent:
            raise SystemExit("migcap: the process that started the fit has ended; fit stopped")

    path = default_model_path(data.edition)
    warnings.simplefilter("ignore")  # a convergence warning is in the model's diagnostics
    try:
        if args.lock_fd is None:
            fit_default(data, wait=False, settings=settings, progress=orphaned)
        elif _current_meta(path, data) is None:
            _fit_locked(data, path, settings=settings, progress=orphaned)
    except MigcapError as exc:
        print(f"migcap: fitting the projection model failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
