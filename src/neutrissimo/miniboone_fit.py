"""The MiniBooNE excess fit over (m_N, d_mu) (paper Sec. IV; Figs. 3-7).

One weighted sample per HNL mass serves every coupling, both oscillation scenarios and the
d_tau scenarios of Fig. 7:

1. :func:`mass_task` (run by :func:`neutrissimo.scan.run_scan`, serially or on Dask) simulates
   MiniBooNE at one mass, applies the detector response once (efficiency, 140 MeV threshold,
   smearing, E_QE; :func:`neutrissimo.experiments.miniboone.detector_response`) and histograms the
   photons in E_QE (11 official bins) and cos(theta) (20 bins, 200 < E_QE < 1250 MeV) for every
   coupling of the grid and every d_tau scenario, by exact reweighting.
2. :func:`fit_grid` adds the oscillation component of a scenario and evaluates the E_QE chi^2
   (official covariance with the nu_mu constraint) and the cos(theta) chi^2 (statistics plus 13 %
   uncorrelated systematics) on the whole grid.
3. :func:`summarize` gives the best fit, chi^2 at the best fit and the Delta chi^2 of the no-HNL
   hypothesis (oscillation only) per observable.

d_tau scenarios (Sec. IV.C, Fig. 7): see :mod:`neutrissimo.scenarios`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neutrissimo.atomic import write_json
from neutrissimo.exceptions import ConfigurationError
from neutrissimo.experiments import miniboone
from neutrissimo.experiments.setups import load_setup
from neutrissimo.histogram import bin_index
from neutrissimo.injection import coupling_range, generate
from neutrissimo.model import DipoleModel
from neutrissimo.oscillations import SCENARIOS, AppearancePredictor
from neutrissimo.scan import ScanGrid, ScanTask, run_scan
from neutrissimo.scenarios import D_TAU_SCENARIOS, d_tau_of, grid_weights
from neutrissimo.stats import MiniBooNECosThetaLikelihood, MiniBooNEEnergyLikelihood

__all__ = [
    "FitResult",
    "ScanGrid",
    "benchmark_histograms",
    "check_fit_options",
    "fit_grid",
    "mass_task",
    "run_miniboone_scan",
    "summarize",
]


def _binned(
    index: NDArray[np.intp], n_bins: int, weights: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Histograms of each row of ``weights`` (k, n) with precomputed bin ``index`` (n,) (-1:
    outside): (k, n_bins)."""
    inside = index >= 0
    rows = weights[:, inside]
    flat = (np.arange(rows.shape[0])[:, None] * n_bins + index[inside]).ravel()
    return np.bincount(flat, weights=rows.ravel(), minlength=rows.shape[0] * n_bins).reshape(
        -1, n_bins
    )


def mass_task(task: ScanTask, rng: np.random.Generator) -> dict[str, NDArray[np.float64]]:
    """Simulate one mass and histogram E_QE and cos(theta) for every coupling and d_tau scenario.

    Returns arrays ``eqe_<s>``, ``eqe_w2_<s>`` (couplings, 11) and ``cos_<s>``, ``cos_w2_<s>``
    (couplings, 20) per d_tau scenario s (events at the MiniBooNE POT), and ``rate_<s>``
    (photons converting in the fiducial volume, before efficiency).
    """
    m_n = float(task.params["m_N"])
    couplings = np.asarray(task.params["couplings"], dtype=float)
    events = generate(
        load_setup("miniboone"),
        DipoleModel(m_N=m_n, d_mu=1e-6),
        int(task.params["events"]),
        rng,
        couplings=coupling_range(couplings, load_setup("miniboone").injection.couplings),
    )
    events = events.select(events["weight_production"] > 0)
    config = miniboone.load_config()
    reco = miniboone.detector_response(
        events["photon_energy"], events["photon_direction"], rng, config
    )
    lo, hi = config.cos_eqe_window_gev
    eqe_index = bin_index(reco.eqe_gev, config.eqe_edges_gev)
    in_window = (reco.eqe_gev >= lo) & (reco.eqe_gev < hi)
    cos_index = np.where(in_window, bin_index(reco.cos_theta, config.cos_edges), -1)
    out: dict[str, NDArray[np.float64]] = {}
    for scenario in D_TAU_SCENARIOS:
        weights = grid_weights(events, couplings, scenario)
        seen = weights * reco.efficiency
        out[f"rate_{scenario}"] = weights.sum(axis=1)
        out[f"eqe_{scenario}"] = _binned(eqe_index, len(config.eqe_edges_gev) - 1, seen)
        out[f"eqe_w2_{scenario}"] = _binned(eqe_index, len(config.eqe_edges_gev) - 1, seen**2)
        out[f"cos_{scenario}"] = _binned(cos_index, len(config.cos_edges) - 1, seen)
        out[f"cos_w2_{scenario}"] = _binned(cos_index, len(config.cos_edges) - 1, seen**2)
    return out


def run_miniboone_scan(
    grid: ScanGrid,
    folder: str | os.PathLike[str],
    scheduler: str | None = "serial",
    n_workers: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, NDArray[np.float64]]:
    """Run (or resume) the per-mass simulations of ``grid`` in ``folder``/scan and stack them:
    arrays of shape (masses, couplings, bins)."""
    results = run_scan(
        mass_task, grid.tasks(), Path(folder) / "scan", grid.seed, scheduler, n_workers, progress
    )
    keys = next(iter(results.values())).keys()
    return {key: np.stack([results[t.key][key] for t in grid.tasks()]) for key in keys}


@dataclass(frozen=True)
class FitResult:
    """chi^2 grids (masses, couplings) of one oscillation and d_tau scenario, and the no-HNL
    chi^2 (oscillation only), per observable (``"E_QE"``, ``"cos"``)."""

    grid: ScanGrid
    oscillation: str
    d_tau: str
    chi2: dict[str, NDArray[np.float64]]
    no_hnl: dict[str, float]


def check_fit_options(oscillation: str, d_tau: str) -> None:
    """Raise ConfigurationError on an unknown oscillation or d_tau scenario name."""
    if oscillation not in SCENARIOS:
        raise ConfigurationError(
            f"Unknown oscillation scenario {oscillation!r}; choose one of {', '.join(SCENARIOS)}."
        )
    d_tau_of(d_tau, 0.0)


def fit_grid(
    grid: ScanGrid, histograms: dict[str, NDArray[np.float64]], oscillation: str, d_tau: str
) -> FitResult:
    """chi^2 of dipole + oscillation against the MiniBooNE data on the whole grid."""
    check_fit_options(oscillation, d_tau)
    predictor = AppearancePredictor.from_release()
    osc_eqe = predictor.scenario_eqe(oscillation)
    osc_cos = predictor.scenario_cos_theta(oscillation)
    energy = MiniBooNEEnergyLikelihood.from_release()
    angle = MiniBooNECosThetaLikelihood.from_release()
    chi2 = {
        "E_QE": energy.chi2(histograms[f"eqe_{d_tau}"] + osc_eqe),
        "cos": angle.chi2(histograms[f"cos_{d_tau}"] + osc_cos),
    }
    no_hnl = {"E_QE": float(energy.chi2(osc_eqe)), "cos": float(angle.chi2(osc_cos))}
    return FitResult(grid, oscillation, d_tau, chi2, no_hnl)


def summarize(result: FitResult) -> dict[str, Any]:
    """Best fit (m_N [GeV], d_mu [GeV^-1]), chi^2 there, and the Delta chi^2 of no HNL, per
    observable; machine readable."""
    out: dict[str, Any] = {"oscillation": result.oscillation, "d_tau_scenario": result.d_tau}
    for observable, chi2 in result.chi2.items():
        i, j = np.unravel_index(np.nanargmin(chi2), chi2.shape)
        best = float(chi2[i, j])
        out[observable] = {
            "best_fit_m_N_GeV": result.grid.masses[i],
            "best_fit_d_mu_GeVinv": result.grid.couplings[j],
            "chi2_best_fit": best,
            "chi2_no_hnl": result.no_hnl[observable],
            "delta_chi2_no_hnl": result.no_hnl[observable] - best,
        }
    return out


def benchmark_histograms(
    m_N: float, d_mu: float, events: int, seed: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """E_QE and cos(theta) histograms (events at the MiniBooNE POT) of one benchmark point with
    d_tau = 0, as in the paper's Figs. 4 and 6."""
    task = ScanTask("benchmark", {"m_N": m_N, "couplings": (d_mu,), "events": events})
    histograms = mass_task(task, np.random.default_rng(seed))
    return histograms["eqe_none"][0], histograms["cos_none"][0]


#: The paper's benchmark of each oscillation scenario (Figs. 4 and 6): (m_N [GeV], d_mu [GeV^-1]).
BENCHMARK_OF_SCENARIO: dict[str, tuple[float, float]] = {
    "global-no-mb": (0.47, 1.25e-6),
    "mb-microboone": (0.08, 1.7e-7),
    "none": (0.47, 1.25e-6),
}


def write_miniboone_outputs(
    folder: str | os.PathLike[str], result: FitResult, summary: dict[str, Any]
) -> list[Path]:
    """Write the fit's files into ``folder``:

    - ``<obs>_grid.csv`` (m_N [GeV], d_mu [GeV^-1], chi2, delta_chi2) and
      ``<obs>_<n>sigma_path<k>.csv`` (m_N [GeV], d_mu [GeV^-1]; one file per closed contour of
      Delta chi^2 at n = 1, 2, 3 sigma, Wilks with 2 dof) for obs in ``eqe``, ``cos``;
    - ``best_fit.json`` (:func:`summarize`);
    - ``preferred_regions.png`` (Figs. 3/5/7) and, for d_tau = 0, ``excess_benchmark.png``
      (Figs. 4/6) at the paper's benchmark of the oscillation scenario.
    """
    from neutrissimo.plotting.miniboone import (
        cos_excess_panel,
        eqe_excess_panel,
        excess_figure,
        preferred_regions_figure,
    )
    from neutrissimo.plotting.physics import save_figure
    from neutrissimo.stats import write_scan_csvs

    folder = Path(folder)
    grid = result.grid
    written: list[Path] = []
    for stem, observable in (("eqe", "E_QE"), ("cos", "cos")):
        files = write_scan_csvs(folder, stem, grid.masses, grid.couplings, result.chi2[observable])
        written += [path for paths in files.values() for path in paths]
    written.append(write_json(folder / "best_fit.json", summary))
    benchmark = BENCHMARK_OF_SCENARIO[result.oscillation]
    delta = {k: v - np.nanmin(v) for k, v in result.chi2.items()}
    title = f"oscillation: {result.oscillation}, d_tau: {result.d_tau}"
    regions = preferred_regions_figure(
        grid.masses, grid.couplings, delta, sigmas=(1, 2, 3), benchmark=benchmark, title=title
    )
    written.append(save_figure(regions, folder / "preferred_regions.png"))
    if result.d_tau == "none":  # the paper's Figs. 4 and 6 are for d_tau = 0
        eqe, cos = benchmark_histograms(*benchmark, events=grid.events, seed=grid.seed)
        predictor = AppearancePredictor.from_release()
        config = miniboone.load_config()
        data = miniboone.load_cos_theta_data()
        figure = excess_figure(
            eqe_excess_panel(
                MiniBooNEEnergyLikelihood.from_release(),
                config.eqe_edges_gev,
                eqe,
                predictor.scenario_eqe(result.oscillation),
            ),
            cos_excess_panel(
                config.cos_edges,
                data.data,
                data.background,
                cos,
                predictor.scenario_cos_theta(result.oscillation),
            ),
            title=f"m_N = {benchmark[0]} GeV, d_mu = {benchmark[1]:g} GeV^-1 "
            f"({result.oscillation})",
        )
        written.append(save_figure(figure, folder / "excess_benchmark.png"))
    return written
