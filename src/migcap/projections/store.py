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
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np

from migcap.errors import MigcapError
from migcap.projections.data import RateData
from migcap.projections.diagnostics import Diagnostics
from migcap.projections.fitted import FittedModel
from migcap.projections.model import Posterior, Priors, SamplerSettings

__all__ = ["FORMAT_VERSION", "default_model_path", "load_model", "model_paths", "save_model"]

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
    from migcap.output import write_atomic

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
