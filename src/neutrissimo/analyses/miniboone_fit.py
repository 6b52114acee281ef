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

from neutrissimo.analyses.scan import (
    ArrayResult,
    MassPoint,
    Progress,
    ScanGrid,
    replica_major,
    run_scan,
)
from neutrissimo.analyses.scan_csv import read_contour_csvs, write_scan_csvs
from neutrissimo.analyses.scenarios import (
    D_TAU_SCENARIOS,
    d_tau_of,
    grid_sums,
    replica_samples,
    served_couplings,
)
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
from neutrissimo.plotting.minerva import PreferredRegion
from neutrissimo.plotting.miniboone import ExcessPanel
from neutrissimo.simulation.events import Events
from neutrissimo.statistics.contours import Regions, edge_shift, refine_minimum, wilks_regions
from neutrissimo.statistics.histogram import bin_index
from neutrissimo.statistics.wilks import delta_chi2_threshold

__all__ = [
    "OBSERVABLES",
    "FitResult",
    "MiniBooNEPoint",
    "check_fit_options",
    "convergence",
    "fit_grid",
    "histogram_events",
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

    Axes: d_tau scenario (in the order of :data:`D_TAU_SCENARIOS`), coupling, bin; a scan
    (:func:`run_miniboone_scan`) has leading (replica, mass) axes.

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

    def pooled(self) -> MiniBooNEPoint:
        """The prediction of all replicas (first axis) together: the mean of the sums (each
        replica estimates the same expectation from its own events) and sum w^2 / R^2."""
        n = self.rate.shape[0]
        return MiniBooNEPoint(
            rate=self.rate.mean(axis=0),
            eqe=self.eqe.mean(axis=0),
            eqe_w2=self.eqe_w2.sum(axis=0) / n**2,
            cos=self.cos.mean(axis=0),
            cos_w2=self.cos_w2.sum(axis=0) / n**2,
        )


def mass_task(point: MassPoint, rng: np.random.Generator) -> MiniBooNEPoint:
    """Simulate ``point.replicas`` samples of one mass and histogram E_QE and cos(theta) for
    every coupling and d_tau scenario; a leading replica axis."""
    couplings = np.asarray(point.couplings, dtype=float)
    setup = load_setup("miniboone")
    served = served_couplings(couplings, setup.injection.couplings)
    samples = replica_samples(setup, point.m_N, point.events, point.replicas, rng, served)
    return MiniBooNEPoint.stack([histogram_events(events, couplings, r) for events, r in samples])


def histogram_events(
    events: Events,
    couplings: NDArray[np.float64],
    rng: np.random.Generator,
    config: miniboone.MiniBooNEConfig | None = None,
) -> MiniBooNEPoint:
    """Apply the MiniBooNE response of ``config`` (default: the packaged analysis) once to a
    sample and histogram E_QE and cos(theta) for every coupling (GeV^-1) and d_tau scenario by
    exact reweighting; ``rng`` draws the smearing."""
    config = miniboone.load_config() if config is None else config
    reco = miniboone.detector_response(
        events["photon_energy"], events["photon_direction"], rng, config
    )
    lo, hi = config.cos_eqe_window_gev
    eqe = miniboone.eqe_of(reco, config)
    in_window = (eqe >= lo) & (eqe < hi)
    eqe_bins = bin_index(eqe, config.eqe_edges_gev)
    cos_bins = np.where(in_window, bin_index(reco.cos_theta, config.cos_edges), -1)
    bins = [(eqe_bins, len(config.eqe_edges_gev) - 1), (cos_bins, len(config.cos_edges) - 1)]
    sums = grid_sums(events, couplings, bins, reco.efficiency)
    return MiniBooNEPoint(
        rate=sums.total,
        eqe=sums.sumw[0],
        eqe_w2=sums.sumw2[0],
        cos=sums.sumw[1],
        cos_w2=sums.sumw2[1],
    )


def run_miniboone_scan(
    grid: ScanGrid,
    folder: str | os.PathLike[str],
    scheduler: str | None = "serial",
    n_workers: int | None = None,
    progress: Progress | None = None,
) -> MiniBooNEPoint:
    """Run (or resume) the per-mass simulations of ``grid`` in ``folder``/scan and stack them
    (arrays of shape (replicas, masses, scenarios, couplings, bins))."""
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
    return replica_major(MiniBooNEPoint, [results[t.key] for t in tasks])


@dataclass(frozen=True)
class FitResult:
    """The fit of one oscillation and d_tau scenario, per observable (``"E_QE"``, ``"cos"``).

    Attributes:
        grid: the scan grid.
        oscillation, d_tau: the scenarios.
        mc_stat: whether the Monte Carlo variance of the dipole prediction is in the chi^2.
        chi2: chi^2 on the grid (masses, couplings) from the pooled replicas.
        replica_chi2: chi^2 of each replica alone (replicas, masses, couplings).
        no_hnl: chi^2 of the oscillation-only prediction.
        best_fit: (m_N [GeV], d_mu [GeV^-1], chi^2) refined off the grid
            (:func:`~neutrissimo.statistics.contours.refine_minimum`).
        regions: Wilks regions (1, 2, 3 sigma, 2 dof) about the refined minimum, contoured on
            the bicubic interpolation of the chi^2 grid (:func:`~neutrissimo.statistics.contours.
            smooth_grid`).
    """

    grid: ScanGrid
    oscillation: str
    d_tau: str
    mc_stat: bool
    chi2: dict[str, NDArray[np.float64]]
    replica_chi2: dict[str, NDArray[np.float64]]
    no_hnl: dict[str, float]
    best_fit: dict[str, tuple[float, float, float]]
    regions: dict[str, Regions]


def check_fit_options(oscillation: str, d_tau: str) -> None:
    """Raise ConfigurationError on an unknown oscillation or d_tau scenario name."""
    if oscillation not in SCENARIOS:
        raise ConfigurationError(
            f"Unknown oscillation scenario {oscillation!r}; choose one of {', '.join(SCENARIOS)}."
        )
    d_tau_of(d_tau, 0.0)


#: Refinement of the chi^2 grid before contouring (points per grid cell and axis).
UPSAMPLE = 4


def _chi2_grids(
    eqe: NDArray[np.float64],
    cos: NDArray[np.float64],
    oscillation: str,
    eqe_w2: NDArray[np.float64] | None = None,
    cos_w2: NDArray[np.float64] | None = None,
    predictor: AppearancePredictor | None = None,
) -> dict[str, NDArray[np.float64]]:
    """chi^2 of a dipole prediction (E_QE and cos(theta) bins, any leading axes) plus the
    scenario's oscillation (``predictor``, default: the release's), per observable; with the
    prediction's MC variances if given."""
    predictor = AppearancePredictor.from_release() if predictor is None else predictor
    energy = MiniBooNEEnergyLikelihood.from_release()
    angle = MiniBooNECosThetaLikelihood.from_release()
    return {
        "E_QE": energy.chi2(eqe + predictor.scenario_eqe(oscillation), mc_variance=eqe_w2),
        "cos": angle.chi2(cos + predictor.scenario_cos_theta(oscillation), mc_variance=cos_w2),
    }


def _fit_chi2(
    point: MiniBooNEPoint,
    oscillation: str,
    mc_stat: bool,
    predictor: AppearancePredictor | None = None,
) -> dict[str, NDArray[np.float64]]:
    """:func:`_chi2_grids` of a scan's histograms (with their sum w^2 if ``mc_stat``)."""
    if mc_stat:
        return _chi2_grids(point.eqe, point.cos, oscillation, point.eqe_w2, point.cos_w2, predictor)
    return _chi2_grids(point.eqe, point.cos, oscillation, predictor=predictor)


def fit_grid(
    grid: ScanGrid,
    scan: MiniBooNEPoint,
    oscillation: str,
    d_tau: str,
    *,
    mc_stat: bool = True,
    predictor: AppearancePredictor | None = None,
) -> FitResult:
    """chi^2 of dipole + oscillation against the MiniBooNE data on the whole grid.

    Args:
        grid: the scan grid.
        scan: :func:`run_miniboone_scan` output, axes (replicas, masses, scenarios, couplings,
            bins).
        oscillation, d_tau: the scenarios.
        mc_stat: add the Monte Carlo variance (sum w^2 per bin) of the dipole prediction to the
            E_QE covariance and the cos(theta) variance (default); ``False`` is the paper's
            treatment (the prediction taken as exact).
        predictor: the oscillation component's predictor (default: the release's, with the
            beam-nu_e cos(theta) template); another one changes the oscillation's shape.
    """
    check_fit_options(oscillation, d_tau)
    per_replica = scan.scenario(d_tau)
    chi2 = _fit_chi2(per_replica.pooled(), oscillation, mc_stat, predictor)
    replica_chi2 = _fit_chi2(per_replica, oscillation, mc_stat, predictor)
    no_signal = _chi2_grids(
        np.zeros(per_replica.eqe.shape[-1]),
        np.zeros(per_replica.cos.shape[-1]),
        oscillation,
        predictor=predictor,
    )
    no_hnl = {k: float(v) for k, v in no_signal.items()}
    best = {k: refine_minimum(grid.masses, grid.couplings, v) for k, v in chi2.items()}
    regions = {
        k: wilks_regions(grid.masses, grid.couplings, v, upsample=UPSAMPLE, minimum=best[k][2])
        for k, v in chi2.items()
    }
    return FitResult(grid, oscillation, d_tau, mc_stat, chi2, replica_chi2, no_hnl, best, regions)


def summarize(result: FitResult) -> dict[str, Any]:
    """Best fit (m_N [GeV], d_mu [GeV^-1], refined off the grid), chi^2 there, and the Delta chi^2
    of no HNL, per observable; machine readable."""
    out: dict[str, Any] = {
        "oscillation": result.oscillation,
        "d_tau_scenario": result.d_tau,
        "mc_stat_in_chi2": result.mc_stat,
        "settings": provenance(**result.grid.settings()),
    }
    for observable in result.chi2:
        m_best, d_best, best = result.best_fit[observable]
        out[observable] = {
            "best_fit_m_N_GeV": m_best,
            "best_fit_d_mu_GeVinv": d_best,
            "chi2_best_fit": best,
            "chi2_no_hnl": result.no_hnl[observable],
            "delta_chi2_no_hnl": result.no_hnl[observable] - best,
            "best_fit_on_grid_edge": _on_edge(result.grid, m_best, d_best),
        }
    return out


def _on_edge(grid: ScanGrid, m_n: float, d_mu: float) -> bool:
    """Whether a best fit lies in the outermost cell of the grid (the scan may not contain the
    minimum)."""
    m, d = np.log10(grid.masses), np.log10(grid.couplings)
    lm, ld = np.log10(m_n), np.log10(d_mu)
    return bool(lm <= m[1] or lm >= m[-2] or ld <= d[1] or ld >= d[-2])


def convergence(result: FitResult) -> dict[str, dict[int, dict[str, float | int | bool]]]:
    """How far each region moves between the scan's first two replicas (independent Monte Carlo
    samples of half the events each): per observable and n sigma, the median shift of the
    region's edges in log10 d_mu over the masses (:func:`~neutrissimo.statistics.contours.
    edge_shift`), the number of edges compared, one coupling-grid step in decades, and whether
    the shift exceeds it (``flagged``). Empty if the scan has one replica."""
    out: dict[str, dict[int, dict[str, float | int | bool]]] = {}
    if result.grid.replicas < 2:
        return out
    for observable, chi2 in result.replica_chi2.items():
        out[observable] = {}
        for n in result.regions[observable]:
            level = float(delta_chi2_threshold(sigma=n, dof=2))
            deltas = [c - np.nanmin(c) for c in chi2[:2]]
            shift, compared = edge_shift(result.grid.couplings, deltas[0], deltas[1], level)
            out[observable][n] = result.grid.convergence(shift, compared)
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
