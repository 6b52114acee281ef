"""The MiniBooNE excess fit over (m_N, d_mu) (paper Sec. IV; Figs. 3-7).

One weighted sample per HNL mass serves every coupling, both oscillation scenarios and the
d_tau scenarios of Fig. 7:

1. :func:`mass_task` (run by :func:`neutrissimo.analyses.scan.run_scan`, serially or on Dask)
   simulates MiniBooNE at one mass, applies the detector response once
   (:func:`neutrissimo.experiments.miniboone.response.detector_response`) and histograms the
   photons in E_QE (11 official bins) and cos(theta) (20 bins, 200 < E_QE < 1250 MeV) for every
   coupling of the grid and every d_tau scenario, by exact reweighting: a
   :class:`MiniBooNEPoint`.
2. :func:`fit_grid` adds the oscillation component of a scenario and evaluates the E_QE chi^2
   (official covariance with the nu_mu constraint) and the cos(theta) chi^2 (statistics plus the
   TOML's uncorrelated systematic) on the whole grid, and the Wilks regions.
3. :func:`summarize` gives the best fit, chi^2 at the best fit and the Delta chi^2 of the no-HNL
   hypothesis (oscillation only) per observable; :func:`write_miniboone_outputs` writes them.

d_tau scenarios (Sec. IV.C, Fig. 7): see :mod:`neutrissimo.analyses.scenarios`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neutrissimo.analyses.scan import ArrayResult, MassPoint, Progress, ScanGrid, run_scan
from neutrissimo.analyses.scan_csv import read_contour_csvs, write_scan_csvs
from neutrissimo.analyses.scenarios import D_TAU_SCENARIOS, d_tau_of, grid_weights
from neutrissimo.exceptions import ConfigurationError
from neutrissimo.experiments import miniboone
from neutrissimo.experiments.miniboone.likelihood import (
    MiniBooNECosThetaLikelihood,
    MiniBooNEEnergyLikelihood,
)
from neutrissimo.experiments.miniboone.oscillations import SCENARIOS, AppearancePredictor
from neutrissimo.experiments.setups import load_setup
from neutrissimo.io.atomic import write_json
from neutrissimo.io.provenance import provenance
from neutrissimo.physics.model import DipoleModel
from neutrissimo.plotting.minerva import PreferredRegion
from neutrissimo.plotting.miniboone import ExcessPanel
from neutrissimo.simulation.injection import generate
from neutrissimo.statistics.contours import Regions, wilks_regions
from neutrissimo.statistics.histogram import fill_histogram

__all__ = [
    "OBSERVABLES",
    "FitResult",
    "MiniBooNEPoint",
    "check_fit_options",
    "fit_grid",
    "mass_task",
    "preferred_regions",
    "read_preferred_regions",
    "run_miniboone_scan",
    "summarize",
    "write_miniboone_outputs",
]

#: The two observables of the fit: name -> file stem.
OBSERVABLES: dict[str, str] = {"E_QE": "eqe", "cos": "cos"}


@dataclass(frozen=True, eq=False)
class MiniBooNEPoint(ArrayResult):
    """Reweighted MiniBooNE predictions of one mass (events at the MiniBooNE POT).

    Axes: d_tau scenario (in the order of :data:`D_TAU_SCENARIOS`), coupling, bin; a stacked
    scan (:meth:`ArrayResult.stack`) has a leading mass axis.

    Attributes:
        rate: photons converting in the fiducial volume, before the detector efficiency.
        eqe, eqe_w2: E_QE histogram, sum w and sum w^2 per bin.
        cos, cos_w2: cos(theta) histogram (200 < E_QE < 1250 MeV), sum w and sum w^2.
    """

    rate: NDArray[np.float64] = field(repr=False)
    eqe: NDArray[np.float64] = field(repr=False)
    eqe_w2: NDArray[np.float64] = field(repr=False)
    cos: NDArray[np.float64] = field(repr=False)
    cos_w2: NDArray[np.float64] = field(repr=False)

    def scenario(self, d_tau: str) -> MiniBooNEPoint:
        """The arrays of one d_tau scenario (its axis removed)."""
        d_tau_of(d_tau, 0.0)
        k = D_TAU_SCENARIOS.index(d_tau)
        return MiniBooNEPoint(
            **{
                name: np.take(a, k, axis=-3 if name != "rate" else -2)
                for name, a in self.to_arrays().items()
            }
        )


def mass_task(point: MassPoint, rng: np.random.Generator) -> MiniBooNEPoint:
    """Simulate one mass and histogram E_QE and cos(theta) for every coupling and d_tau scenario."""
    couplings = np.asarray(point.couplings, dtype=float)
    events = generate(
        load_setup("miniboone"), DipoleModel(m_N=point.m_N, d_mu=1e-6), point.events, rng
    )
    events = events.select(events["weight_production"] > 0)
    config = miniboone.load_config()
    reco = miniboone.detector_response(
        events["photon_energy"], events["photon_direction"], rng, config
    )
    lo, hi = config.cos_eqe_window_gev
    eqe = miniboone.eqe_of(reco, config)
    in_window = (eqe >= lo) & (eqe < hi)
    out: dict[str, list[NDArray[np.float64]]] = {
        f: [] for f in ("rate", "eqe", "eqe_w2", "cos", "cos_w2")
    }
    for scenario in D_TAU_SCENARIOS:
        weights = grid_weights(events, couplings, scenario)
        seen = weights * reco.efficiency
        h_eqe = fill_histogram(eqe, seen, config.eqe_edges_gev)
        h_cos = fill_histogram(reco.cos_theta, seen * in_window, config.cos_edges)
        out["rate"].append(weights.sum(axis=1))
        out["eqe"].append(h_eqe.sumw)
        out["eqe_w2"].append(h_eqe.sumw2)
        out["cos"].append(h_cos.sumw)
        out["cos_w2"].append(h_cos.sumw2)
    return MiniBooNEPoint(**{name: np.stack(rows) for name, rows in out.items()})


def run_miniboone_scan(
    grid: ScanGrid,
    folder: str | os.PathLike[str],
    scheduler: str | None = "serial",
    n_workers: int | None = None,
    progress: Progress | None = None,
) -> MiniBooNEPoint:
    """Run (or resume) the per-mass simulations of ``grid`` in ``folder``/scan and stack them
    (arrays of shape (masses, scenarios, couplings, bins))."""
    tasks = grid.tasks()
    results = run_scan(
        mass_task,
        MiniBooNEPoint,
        tasks,
        Path(folder) / "scan",
        grid.seed,
        provenance=provenance(analysis="miniboone"),
        scheduler=scheduler,
        n_workers=n_workers,
        progress=progress,
    )
    return MiniBooNEPoint.stack([results[t.key] for t in tasks])


@dataclass(frozen=True)
class FitResult:
    """chi^2 grids (masses, couplings) of one oscillation and d_tau scenario, the no-HNL chi^2
    (oscillation only) and the Wilks regions (1, 2, 3 sigma, 2 dof), per observable
    (``"E_QE"``, ``"cos"``)."""

    grid: ScanGrid
    oscillation: str
    d_tau: str
    chi2: dict[str, NDArray[np.float64]]
    no_hnl: dict[str, float]
    regions: dict[str, Regions]


def check_fit_options(oscillation: str, d_tau: str) -> None:
    """Raise ConfigurationError on an unknown oscillation or d_tau scenario name."""
    if oscillation not in SCENARIOS:
        raise ConfigurationError(
            f"Unknown oscillation scenario {oscillation!r}; choose one of {', '.join(SCENARIOS)}."
        )
    d_tau_of(d_tau, 0.0)


def fit_grid(grid: ScanGrid, scan: MiniBooNEPoint, oscillation: str, d_tau: str) -> FitResult:
    """chi^2 of dipole + oscillation against the MiniBooNE data on the whole grid."""
    check_fit_options(oscillation, d_tau)
    histograms = scan.scenario(d_tau)
    predictor = AppearancePredictor.from_release()
    osc_eqe = predictor.scenario_eqe(oscillation)
    osc_cos = predictor.scenario_cos_theta(oscillation)
    energy = MiniBooNEEnergyLikelihood.from_release()
    angle = MiniBooNECosThetaLikelihood.from_release()
    chi2 = {
        "E_QE": energy.chi2(histograms.eqe + osc_eqe),
        "cos": angle.chi2(histograms.cos + osc_cos),
    }
    no_hnl = {"E_QE": float(energy.chi2(osc_eqe)), "cos": float(angle.chi2(osc_cos))}
    regions = {k: wilks_regions(grid.masses, grid.couplings, v) for k, v in chi2.items()}
    return FitResult(grid, oscillation, d_tau, chi2, no_hnl, regions)


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


def write_miniboone_outputs(
    folder: str | os.PathLike[str],
    result: FitResult,
    summary: dict[str, Any],
    excess: tuple[ExcessPanel, ExcessPanel, str] | None = None,
    benchmark: tuple[float, float] | None = None,
) -> list[Path]:
    """Write the fit's files into ``folder``:

    - ``<obs>_grid.csv`` (m_N [GeV], d_mu [GeV^-1], chi2, delta_chi2) and
      ``<obs>_<n>sigma_path<k>.csv`` (m_N [GeV], d_mu [GeV^-1]; one file per closed contour of
      Delta chi^2 at n = 1, 2, 3 sigma, Wilks with 2 dof) for obs in ``eqe``, ``cos``;
    - ``best_fit.json`` (:func:`summarize`);
    - ``preferred_regions.png`` (Figs. 3/5/7, with ``benchmark`` (m_N, d_mu) starred) and, if
      ``excess`` (E_QE panel, cos panel, title) is given, ``excess_benchmark.png`` (Figs. 4/6).
    """
    from neutrissimo.plotting.miniboone import excess_figure, preferred_regions_figure
    from neutrissimo.plotting.save import save_figure

    folder = Path(folder)
    grid = result.grid
    written: list[Path] = []
    for observable, stem in OBSERVABLES.items():
        files = write_scan_csvs(
            folder,
            stem,
            grid.masses,
            grid.couplings,
            result.chi2[observable],
            result.regions[observable],
        )
        written += [path for paths in files.values() for path in paths]
    written.append(write_json(folder / "best_fit.json", summary))
    title = f"oscillation: {result.oscillation}, d_tau: {result.d_tau}"
    regions = preferred_regions_figure(
        grid.masses, grid.couplings, result.regions, benchmark=benchmark, title=title
    )
    written.append(save_figure(regions, folder / "preferred_regions.png"))
    if excess is not None:
        eqe_panel, cos_panel, excess_title = excess
        figure = excess_figure(eqe_panel, cos_panel, title=excess_title)
        written.append(save_figure(figure, folder / "excess_benchmark.png"))
    return written


_REGION_LABELS = {"E_QE": r"MiniBooNE $E_\nu^{QE}$", "cos": r"MiniBooNE $\cos\theta$"}


def preferred_regions(result: FitResult, sigma: int = 2) -> tuple[PreferredRegion, ...]:
    """The fit's ``sigma`` regions of both observables, for the MINERvA limit figures."""
    return tuple(
        PreferredRegion(_REGION_LABELS[obs], tuple(result.regions[obs][sigma]))
        for obs in OBSERVABLES
        if result.regions[obs].get(sigma)
    )


def read_preferred_regions(
    folder: str | os.PathLike[str], sigma: int = 2
) -> tuple[PreferredRegion, ...]:
    """The ``sigma`` regions that :func:`write_miniboone_outputs` wrote into ``folder`` (none
    where the folder has no contours)."""
    regions = []
    for obs, stem in OBSERVABLES.items():
        paths = read_contour_csvs(folder, f"{stem}_{sigma}sigma")
        if paths:
            regions.append(PreferredRegion(_REGION_LABELS[obs], tuple(paths)))
    return tuple(regions)
