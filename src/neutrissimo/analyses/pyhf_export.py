"""MINERvA likelihoods as pyhf (HistFactory JSON) workspaces, and pyhf's limits on them.

One workspace per sample and HNL mass (``<sample>_m<m_N>GeV.json``): channel
``photon_like_dedx`` with the photon-like dE/dx bins (dE/dx > 4.5 MeV/1.7cm) of the sample,

- sample ``signal``: the simulated HNL signal per bin at a reference coupling d_ref, with the
  free normalisation ``mu`` (``normfactor``; the parameter of interest, bounds [0, mu_max]);
- sample ``background``: the SM background of the release, scaled by theta with a Gaussian
  constraint of width eta around 1: pyhf's ``lumi`` modifier (its schema fixes the name
  ``lumi``), linear in theta with a Gaussian auxiliary measurement, exactly the package's
  model; a ``normsys`` would instead interpolate exponentially/polynomially in a
  unit-Gaussian alpha, which differs at O(eta^2);
- observations: the (digitized) data.

The signal shape does not depend on the coupling in this analysis, so the package's limit is
an upper limit N_up on the signal count (:func:`~neutrissimo.statistics.profile.
signal_upper_limit`), reached at the lowest coupling where N_sel(d) (interpolated log-log on the
scan grid) gives N_up: that coupling is d_ref, so that mu = 1 is the package's limit (otherwise,
where nothing is excluded, d_ref is the grid coupling with the largest signal).
``manifest.json`` lists every file with m_N, d_ref, the grid-interpolated limit of the scan
(``d_limit_package_GeVinv``), eta, and ``mu_limit_package`` = N_up / S_ref (S_ref: the
reference signal in these bins).

Statistics. The package excludes where the one-sided profile-likelihood ratio q~_mu (Cowan et
al., Eur. Phys. J. C 71 (2011) 1554, eq. 16) exceeds 2.706, i.e. CL_{s+b} = p_{s+b} < 0.05 in
the asymptotic approximation. pyhf's default (``hypotest`` with ``test_stat="qtilde"``)
reports CL_s = p_{s+b} / (1 - p_b) (Read, J. Phys. G 28 (2002) 2693), which is larger than
p_{s+b}: the CL_s limit on mu is weaker by construction, by a factor that grows as the data fall
below the background. :func:`pyhf_upper_limits` returns both; the p_{s+b} limit from pyhf must
match the package's, the CL_s limit differs by the statistic alone (``docs/validation.md``).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from neutrissimo.analyses.minerva_limits import MinervaLimits, SampleScan
from neutrissimo.exceptions import ConfigurationError
from neutrissimo.experiments import minerva
from neutrissimo.io.atomic import write_json
from neutrissimo.statistics.limits import LimitCurve
from neutrissimo.statistics.profile import signal_upper_limit

__all__ = [
    "PyhfLimit",
    "export_minerva_limits",
    "export_minerva_workspaces",
    "pyhf_upper_limits",
    "sample_workspace",
]

CHANNEL = "photon_like_dedx"


def sample_workspace(
    signal: ArrayLike, data: ArrayLike, background: ArrayLike, eta: float, mu_max: float = 10.0
) -> dict[str, Any]:
    """The pyhf workspace (a JSON-ready dict) of one sample's likelihood (module docstring).

    Args:
        signal, data, background: events per photon-like bin (signal at mu = 1).
        eta: Gaussian width of the background normalisation (0 fixes it at 1).
        mu_max: upper bound of the signal strength mu.
    """
    s, n, b = (np.asarray(x, dtype=float).tolist() for x in (signal, data, background))
    if not len(s) == len(n) == len(b) > 0:
        raise ConfigurationError("signal, data and background need the same number of bins.")
    if not (math.isfinite(eta) and eta >= 0):
        raise ConfigurationError(f"eta must be a finite fraction >= 0, got {eta!r}.")
    theta: dict[str, Any] = {"name": "lumi", "auxdata": [1.0], "inits": [1.0]}
    if eta > 0:
        theta |= {"sigmas": [eta], "bounds": [[1e-9, 1.0 + 10.0 * eta]]}
    else:
        theta |= {"sigmas": [1e-9], "bounds": [[0.5, 1.5]], "fixed": True}
    return {
        "channels": [
            {
                "name": CHANNEL,
                "samples": [
                    {
                        "name": "signal",
                        "data": s,
                        "modifiers": [{"name": "mu", "type": "normfactor", "data": None}],
                    },
                    {
                        "name": "background",
                        "data": b,
                        "modifiers": [{"name": "lumi", "type": "lumi", "data": None}],
                    },
                ],
            }
        ],
        "observations": [{"name": CHANNEL, "data": n}],
        "measurements": [
            {
                "name": "hnl_upper_limit",
                "config": {
                    "poi": "mu",
                    "parameters": [
                        {"name": "mu", "bounds": [[0.0, float(mu_max)]], "inits": [1.0]},
                        theta,
                    ],
                },
            }
        ],
        "version": "1.0.0",
    }


@dataclass(frozen=True)
class PyhfLimit:
    """95% CL upper limits on mu from pyhf (asymptotic q~_mu): with CL_s (pyhf's default) and
    with CL_{s+b} alone (the package's statistic)."""

    mu_cls: float
    mu_clsb: float


def pyhf_upper_limits(workspace: dict[str, Any], level: float = 0.05) -> PyhfLimit:
    """Upper limits on mu where CL_s and CL_{s+b} fall to ``level`` (asymptotics, q~_mu).

    Raises:
        ConfigurationError: pyhf is not installed (``pip install "neutrissimo[pyhf]"``), or no
            limit below the workspace's mu bound.
    """
    try:
        import pyhf
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ConfigurationError(
            'pyhf_upper_limits needs pyhf: pip install "neutrissimo[pyhf]".'
        ) from exc
    from scipy.optimize import brentq

    pyhf.set_backend("numpy")
    ws = pyhf.Workspace(workspace)
    model = ws.model()
    data = ws.data(model)
    mu_max = float(model.config.suggested_bounds()[model.config.poi_index][1])

    def tails(mu: float) -> tuple[float, float]:
        cls, (clsb, _) = pyhf.infer.hypotest(
            mu, data, model, test_stat="qtilde", return_tail_probs=True
        )
        return float(cls), float(clsb)

    def root(index: int) -> float:
        lo, hi = 1e-6 * mu_max, mu_max
        if tails(hi)[index] > level:
            raise ConfigurationError(f"No {level:g} upper limit below mu = {mu_max:g}.")
        return float(brentq(lambda mu: tails(mu)[index] - level, lo, hi, xtol=1e-6, rtol=1e-6))

    return PyhfLimit(mu_cls=root(0), mu_clsb=root(1))


def _reference_signal(
    couplings: np.ndarray, n_sel: np.ndarray, target: float
) -> tuple[float, float]:
    """(d_ref, N_sel(d_ref)): the lowest coupling where N_sel, interpolated log-log between grid
    points, reaches ``target`` (the package's limit); without one, the grid coupling of the
    largest N_sel."""
    above = np.flatnonzero(n_sel >= target)
    j = int(above[0]) if above.size else -1
    if j > 0 and n_sel[j - 1] > 0:
        x = np.log(couplings[j - 1 : j + 1])
        y = np.log(n_sel[j - 1 : j + 1])
        return float(np.exp(x[0] + (np.log(target) - y[0]) * (x[1] - x[0]) / (y[1] - y[0]))), target
    k = j if j == 0 else int(np.argmax(n_sel))
    return float(couplings[k]), float(n_sel[k])


def export_minerva_workspaces(
    folder: str | os.PathLike[str],
    couplings: ArrayLike,
    n_sel: dict[str, np.ndarray],
    curves: dict[str, LimitCurve],
    histograms: dict[str, minerva.DedxHistogram],
    eta: float,
) -> list[Path]:
    """Write one workspace per sample and mass, and ``manifest.json`` (module docstring).

    Args:
        folder: output folder (created).
        couplings: the scan's coupling grid (GeV^-1).
        n_sel: sample -> N_sel (masses, couplings) of the d_tau scenario of ``curves``.
        curves: sample -> the package's limit curve at ``eta`` (samples with data).
        histograms: sample -> its dE/dx data and background.
        eta: background-normalisation uncertainty.
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    d = np.asarray(couplings, dtype=float)
    written: list[Path] = []
    manifest: list[dict[str, Any]] = []
    for sample, curve in curves.items():
        hist = histograms[sample]
        per_event, data, background = minerva.photon_like_signal(hist, 1.0)
        n_up = signal_upper_limit(per_event, data, background, eta=eta)
        for i, m_n in enumerate(curve.m_N):
            d_ref, n_ref = _reference_signal(d, n_sel[sample][i], n_up / float(per_event.sum()))
            if n_ref <= 0:
                continue
            signal = minerva.photon_like_signal(hist, n_ref)[0]
            mu_package = n_up / float(signal.sum())
            workspace = sample_workspace(signal, data, background, eta, 10.0 * max(mu_package, 1))
            path = out / f"{sample}_m{m_n:.4g}GeV.json"
            written.append(write_json(path, workspace))
            manifest.append(
                {
                    "file": path.name,
                    "sample": sample,
                    "m_N_GeV": float(m_n),
                    "d_ref_GeVinv": d_ref,
                    "d_limit_package_GeVinv": float(curve.lower[i]),
                    "eta": eta,
                    "reference_signal": float(signal.sum()),
                    "package_signal_upper_limit": n_up,
                    "mu_limit_package": mu_package,
                    "statistic_package": "q~_mu (Cowan et al. 2011 eq. 16) < 2.706: CL_s+b",
                }
            )
    written.append(write_json(out / "manifest.json", {"workspaces": manifest}))
    return written


def export_minerva_limits(
    folder: str | os.PathLike[str],
    scans: dict[str, SampleScan],
    limits: MinervaLimits,
    histograms: dict[str, minerva.DedxHistogram],
) -> list[Path]:
    """:func:`export_minerva_workspaces` for the result of ``neutrissimo limits minerva``: every
    sample with data, at the nominal eta and d_tau scenario of ``limits``."""
    samples = list(limits.curves)
    return export_minerva_workspaces(
        folder,
        next(iter(scans.values())).grid.couplings,
        {s: scans[s].n_sel[limits.d_tau] for s in samples},
        {s: limits.curves[s][limits.eta] for s in samples},
        histograms,
        limits.eta,
    )
