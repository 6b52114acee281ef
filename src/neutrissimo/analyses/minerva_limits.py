"""MINERvA 95% CL limits on d_mu from the nu-e scattering samples (paper Sec. V; Figs. 8-12).

One weighted sample per HNL mass and MINERvA sample serves every coupling and d_tau scenario:

1. :func:`mass_task` simulates the sample's setup (flux, POT, geometry with the nuclear targets)
   at one mass, applies the detector response and the kinematic cuts once
   (:func:`neutrissimo.experiments.minerva.selection.analyse_events`: E_sh > 0.8 GeV,
   Q^2_QE-reco < 0.02 GeV^2, E theta^2 < 3.2 MeV rad^2) and, by exact reweighting, returns for
   every coupling and d_tau scenario N_fid (photons converting in the fiducial volume) and N_sel
   (passing the cuts, before the dE/dx acceptance): a :class:`MinervaPoint`.
2. :func:`sample_limits` computes the excluded couplings per mass with the sample's likelihood
   (:func:`neutrissimo.experiments.minerva.likelihood.coupling_limits_for_sample`), for a
   Gaussian background-normalisation uncertainty ``eta`` (0.3 nominal, 1.0 conservative);
   :func:`compute_limits` does it for every sample and :func:`write_minerva_outputs` writes.

Samples without public dE/dx data (ME RHC) still get N_fid and the selection efficiency; their
limits need user-supplied data and background files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neutrissimo.analyses.paper import paper_numbers
from neutrissimo.analyses.scan import (
    ArrayResult,
    MassPoint,
    Progress,
    ScanGrid,
    replica_major,
    run_scan,
)
from neutrissimo.analyses.scenarios import (
    D_TAU_SCENARIOS,
    grid_sums,
    replica_samples,
    served_couplings,
)
from neutrissimo.exceptions import ConfigurationError
from neutrissimo.experiments import minerva
from neutrissimo.experiments.setups import load_setup
from neutrissimo.io.provenance import provenance
from neutrissimo.physics.model import DipoleModel
from neutrissimo.plotting.minerva import LimitBand, PreferredRegion
from neutrissimo.simulation.events import Events
from neutrissimo.simulation.injection import generate
from neutrissimo.statistics.contours import median_log_shift
from neutrissimo.statistics.limits import LimitCurve

__all__ = [
    "SAMPLES",
    "MinervaLimits",
    "MinervaPoint",
    "SampleScan",
    "compute_limits",
    "etheta2_sample",
    "limit_convergence",
    "mass_task",
    "run_minerva_scan",
    "sample_limits",
    "select_events",
    "write_minerva_outputs",
]

#: Analysis samples (names of minerva-analysis.toml) and their simulation setups.
SAMPLES: dict[str, str] = {
    "le_fhc": "minerva-le-fhc",
    "me_fhc": "minerva-me-fhc",
    "me_rhc": "minerva-me-rhc",
}


@dataclass(frozen=True, eq=False)
class MinervaPoint(ArrayResult):
    """N_fid (photons converting in the fiducial volume), N_sel (passing cuts 1-3, before the
    dE/dx acceptance) and the sum of squared weights of the selected events (the Monte Carlo
    variance of N_sel) of one mass, events at the sample's POT; axes (d_tau scenario in the
    order of :data:`D_TAU_SCENARIOS`, coupling), with leading (replica, mass) axes in a scan."""

    n_fid: NDArray[np.float64] = field(repr=False)
    n_sel: NDArray[np.float64] = field(repr=False)
    n_sel_w2: NDArray[np.float64] = field(repr=False)


def mass_task(point: MassPoint, rng: np.random.Generator) -> MinervaPoint:
    """Simulate ``point.replicas`` samples of one mass of one MINERvA sample; N_fid and N_sel
    per d_tau scenario and coupling, with a leading replica axis."""
    couplings = np.asarray(point.couplings, dtype=float)
    sample = point.sample
    setup = load_setup(SAMPLES[sample])
    served = served_couplings(couplings, setup.injection.couplings)
    samples = replica_samples(setup, point.m_N, point.events, point.replicas, rng, served)
    return MinervaPoint.stack(
        [select_events(events, couplings, sample, r) for events, r in samples]
    )


def select_events(
    events: Events, couplings: NDArray[np.float64], sample: str, rng: np.random.Generator
) -> MinervaPoint:
    """Apply the response and cuts of ``sample`` once to a simulated sample; N_fid and N_sel
    per d_tau scenario and coupling (GeV^-1) by exact reweighting; ``rng`` draws the
    smearing."""
    _, selection = minerva.analyse_events(
        events["photon_energy"], events["photon_direction"], np.ones(len(events)), sample, rng
    )
    selected = np.where(selection.passed, 0, -1)  # a one-bin binning
    sums = grid_sums(events, couplings, [(selected, 1)])
    return MinervaPoint(
        n_fid=sums.total, n_sel=sums.sumw[0][..., 0], n_sel_w2=sums.sumw2[0][..., 0]
    )


@dataclass(frozen=True)
class SampleScan:
    """N_fid and N_sel grids (masses, couplings) of one MINERvA sample, per d_tau scenario.

    ``n_fid``, ``n_sel`` and ``n_sel_w2`` pool the replicas (mean of the sums, sum w^2 / R^2);
    ``replica_n_sel`` keeps each replica's N_sel, (replicas, masses, couplings), for the
    convergence check.
    """

    sample: str
    grid: ScanGrid
    n_fid: dict[str, NDArray[np.float64]]
    n_sel: dict[str, NDArray[np.float64]]
    n_sel_w2: dict[str, NDArray[np.float64]]
    replica_n_sel: dict[str, NDArray[np.float64]]

    @classmethod
    def from_stack(cls, sample: str, grid: ScanGrid, stack: MinervaPoint) -> SampleScan:
        """The scan of one sample from its points with axes (replicas, masses, scenarios,
        couplings)."""
        scenarios = list(enumerate(D_TAU_SCENARIOS))
        return cls(
            sample,
            grid,
            {s: stack.n_fid[:, :, k].mean(axis=0) for k, s in scenarios},
            {s: stack.n_sel[:, :, k].mean(axis=0) for k, s in scenarios},
            {s: stack.n_sel_w2[:, :, k].sum(axis=0) / grid.replicas**2 for k, s in scenarios},
            {s: stack.n_sel[:, :, k] for k, s in scenarios},
        )

    def relative_mc_error(self, scenario: str = "none") -> NDArray[np.float64]:
        """Monte Carlo relative error of N_sel, sqrt(sum w^2) / N_sel (0 where N_sel = 0)."""
        n, w2 = self.n_sel[scenario], self.n_sel_w2[scenario]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(n > 0, np.sqrt(w2) / n, 0.0)

    def efficiency(self, scenario: str = "none") -> NDArray[np.float64]:
        """Selection efficiency before the dE/dx cut, N_sel / N_fid, per mass (Fig. 8, bottom),
        at the coupling with the largest N_fid (the efficiency depends little on the coupling,
        paper Sec. V.B)."""
        fid, sel = self.n_fid[scenario], self.n_sel[scenario]
        best = np.argmax(fid, axis=1)
        rows = np.arange(len(fid))
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(fid[rows, best] > 0, sel[rows, best] / fid[rows, best], 0.0)


def run_minerva_scan(
    sample: str,
    grid: ScanGrid,
    folder: str | os.PathLike[str],
    scheduler: str | None = "serial",
    n_workers: int | None = None,
    progress: Progress | None = None,
) -> SampleScan:
    """Run (or resume) the per-mass simulations of one sample in ``folder``/scan-<sample>."""
    if sample not in SAMPLES:
        raise ConfigurationError(
            f"Unknown MINERvA sample {sample!r}; choose one of {', '.join(SAMPLES)}."
        )
    tasks = grid.tasks(sample=sample)
    results = run_scan(
        mass_task,
        MinervaPoint,
        tasks,
        Path(folder) / f"scan-{sample}",
        grid.seed,
        provenance=provenance(analysis="minerva"),
        scheduler=scheduler,
        n_workers=n_workers,
        progress=progress,
    )
    return SampleScan.from_stack(
        sample, grid, replica_major(MinervaPoint, [results[t.key] for t in tasks])
    )


def sample_limits(
    scan: SampleScan,
    eta: float,
    d_tau: str = "none",
    histogram: minerva.DedxHistogram | None = None,
    *,
    mc_stat: bool = True,
    n_selected: NDArray[np.float64] | None = None,
    dedx_acceptance: float | None = None,
) -> LimitCurve:
    """95% CL excluded couplings per mass for background uncertainty ``eta``.

    ``mc_stat``: profile the Monte Carlo error of N_sel as a signal-normalisation nuisance
    (default); ``False`` is the paper's treatment (the prediction taken as exact).
    ``n_selected``: another N_sel grid than the pooled one (e.g. one replica's).
    ``dedx_acceptance``: another HNL-photon acceptance of the dE/dx cut than the sample's.

    Raises:
        DataFileError: the sample has no public dE/dx data and no ``histogram`` was given.
    """
    hist = histogram if histogram is not None else minerva.dedx_histogram(scan.sample)
    return minerva.coupling_limits_for_sample(
        hist,
        scan.grid.masses,
        scan.grid.couplings,
        scan.n_sel[d_tau] if n_selected is None else n_selected,
        eta=eta,
        dedx_acceptance=dedx_acceptance,
        signal_uncertainty=scan.relative_mc_error(d_tau) if mc_stat else None,
    )


def limit_convergence(
    scan: SampleScan,
    eta: float,
    d_tau: str,
    histogram: minerva.DedxHistogram,
    mc_stat: bool = True,
) -> dict[str, float | int | bool]:
    """How far the limit moves between the scan's first two replicas (independent Monte Carlo
    samples of half the events each): the median over masses of |log10 d_a - log10 d_b| of
    the excluded band's lower and upper edges, the number of edges compared, one coupling-grid
    step in decades and whether the shift exceeds it. Empty with one replica."""
    if scan.grid.replicas < 2:
        return {}
    curves = [
        sample_limits(scan, eta, d_tau, histogram, mc_stat=mc_stat, n_selected=rep)
        for rep in scan.replica_n_sel[d_tau][:2]
    ]
    edges = [np.concatenate([c.lower, c.upper]) for c in curves]
    return scan.grid.convergence(*median_log_shift(edges[0], edges[1]))


def etheta2_sample(
    sample: str, m_N: float, d_mu: float, events: int, seed: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """E theta^2 (GeV rad^2) of photons converting in the fiducial volume, before smearing and
    selection, and their weights (paper Fig. 8, top)."""
    sample_events = generate(
        load_setup(SAMPLES[sample]),
        DipoleModel(m_N=m_N, d_mu=d_mu),
        events,
        np.random.default_rng(seed),
    )
    theta = np.arccos(np.clip(sample_events["photon_direction"][:, 2], -1.0, 1.0))
    return sample_events["photon_energy"] * theta**2, sample_events.weights()


@dataclass(frozen=True)
class MinervaLimits:
    """The limits of every sample at one d_tau scenario (what :func:`write_minerva_outputs`
    writes).

    Attributes:
        eta: the nominal background-normalisation uncertainty.
        d_tau: the d_tau scenario.
        mc_stat: whether the Monte Carlo error of the signal was profiled.
        curves: sample -> eta -> limit curve (samples with data only).
        bands: the curves as figure bands.
        dedx_signal: sample -> HNL dE/dx signal per bin at the benchmark (samples with data).
        benchmark: (m_N [GeV], d_mu [GeV^-1]) of the dE/dx figure.
        convergence: sample -> :func:`limit_convergence` at ``eta``.
    """

    eta: float
    d_tau: str
    mc_stat: bool
    curves: dict[str, dict[float, LimitCurve]]
    bands: list[LimitBand]
    dedx_signal: dict[str, NDArray[np.float64]]
    benchmark: tuple[float, float]
    convergence: dict[str, dict[str, float | int | bool]]


def compute_limits(
    scans: dict[str, SampleScan],
    eta: float,
    d_tau: str,
    histograms: dict[str, minerva.DedxHistogram],
    benchmark: tuple[float, float],
    *,
    mc_stat: bool = True,
) -> MinervaLimits:
    """Limits at ``eta`` and at the paper's conservative uncertainty (``paper.toml``) for every
    sample with a dE/dx histogram (Monte Carlo error of the signal profiled with ``mc_stat``),
    their convergence between replicas, and the HNL dE/dx signal at the grid point nearest to
    ``benchmark`` (m_N [GeV], d_mu [GeV^-1])."""
    config = minerva.load_config()
    conservative = paper_numbers().background_uncertainty.conservative
    curves: dict[str, dict[float, LimitCurve]] = {}
    bands = []
    signals = {}
    converged = {}
    for sample, scan in scans.items():
        if sample not in histograms:
            continue
        curves[sample] = {}
        converged[sample] = limit_convergence(scan, eta, d_tau, histograms[sample], mc_stat)
        for value in sorted({eta, conservative}):
            curve = sample_limits(scan, value, d_tau, histograms[sample], mc_stat=mc_stat)
            curves[sample][value] = curve
            bands.append(LimitBand.from_curve(config.sample(sample).label, curve, value))
        i = int(np.argmin(np.abs(np.log(np.asarray(scan.grid.masses) / benchmark[0]))))
        j = int(np.argmin(np.abs(np.log(np.asarray(scan.grid.couplings) / benchmark[1]))))
        signals[sample] = minerva.dedx_signal_counts(scan.n_sel[d_tau][i, j], sample)
    return MinervaLimits(eta, d_tau, mc_stat, curves, bands, signals, benchmark, converged)


def _summary(scans: dict[str, SampleScan], limits: MinervaLimits) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "d_tau_scenario": limits.d_tau,
        "bkg_uncertainty": limits.eta,
        "mc_stat_in_likelihood": limits.mc_stat,
        "settings": provenance(**next(iter(scans.values())).grid.settings()),
        "samples": {},
    }
    for sample, scan in scans.items():
        entry: dict[str, Any] = {
            "has_data": sample in limits.curves,
            "m_N_GeV": list(scan.grid.masses),
            "selection_efficiency": scan.efficiency(limits.d_tau).tolist(),
        }
        if sample in limits.curves:
            lower = limits.curves[sample][limits.eta].lower
            entry["limit_d_mu_GeVinv"] = [None if np.isnan(v) else float(v) for v in lower]
            entry["convergence"] = limits.convergence.get(sample, {})
        summary["samples"][sample] = entry
    return summary


def write_minerva_outputs(
    folder: str | os.PathLike[str],
    scans: dict[str, SampleScan],
    limits: MinervaLimits,
    histograms: dict[str, minerva.DedxHistogram],
    preferred: tuple[PreferredRegion, ...] = (),
) -> tuple[list[Path], dict[str, Any]]:
    """Write per sample ``<sample>_limit_eta<eta>.csv`` (m_N [GeV], d_mu upper limit [GeV^-1] =
    lower edge of the excluded band, upper edge of the band [GeV^-1], NaN if it extends past the
    grid), ``<sample>_q_grid_eta<eta>.csv`` (m_N, d_mu, q), ``<sample>_nfid_grid.csv`` (m_N, d_mu,
    N_fid, N_sel), ``<sample>_efficiency.csv``, the figures (limits with N_fid contours and the
    ``preferred`` MiniBooNE regions, dE/dx at the benchmark) and ``limits.json``. Returns the
    paths and the machine-readable summary."""
    from neutrissimo.experiments.existing_limits import paper_existing_limits
    from neutrissimo.io.atomic import write_columns_csv, write_json
    from neutrissimo.plotting.minerva import plot_fig9, plot_limits
    from neutrissimo.plotting.save import save_figure

    folder = Path(folder)
    d_tau = limits.d_tau
    written: list[Path] = []
    for sample, scan in scans.items():
        masses, couplings = np.asarray(scan.grid.masses), np.asarray(scan.grid.couplings)
        mm, dd = np.meshgrid(masses, couplings, indexing="ij")
        written.append(
            write_columns_csv(
                folder / f"{sample}_nfid_grid.csv",
                ["m_N [GeV]", "d_mu [GeV^-1]", "N_fid", "N_sel"],
                [mm, dd, scan.n_fid[d_tau], scan.n_sel[d_tau]],
                [
                    f"MINERvA {sample}, d_tau scenario {d_tau}: N_fid = photons converting in "
                    "the fiducial volume, N_sel = those passing the cuts before dE/dx"
                ],
            )
        )
        written.append(
            write_columns_csv(
                folder / f"{sample}_efficiency.csv",
                ["m_N [GeV]", "efficiency"],
                [masses, scan.efficiency(d_tau)],
            )
        )
        for value, curve in limits.curves.get(sample, {}).items():
            written.append(
                write_columns_csv(
                    folder / f"{sample}_limit_eta{value:g}.csv",
                    ["m_N [GeV]", "d_mu upper limit [GeV^-1]", "d_mu band upper edge [GeV^-1]"],
                    [curve.m_N, curve.lower, curve.upper],
                    [
                        f"MINERvA {sample}: 95% CL, background-normalisation uncertainty "
                        f"{value:g}, d_tau {d_tau}"
                    ],
                )
            )
            if value == limits.eta:
                written.append(
                    write_columns_csv(
                        folder / f"{sample}_q_grid_eta{value:g}.csv",
                        ["m_N [GeV]", "d_mu [GeV^-1]", "q"],
                        [mm, dd, curve.q_grid],
                    )
                )
    reference = scans.get("me_rhc") or next(iter(scans.values()))
    figure = plot_limits(
        limits.bands,
        preferred_regions=preferred,
        existing=paper_existing_limits(d_tau_nonzero=d_tau != "none"),
        n_fid=(
            np.asarray(reference.grid.masses),
            np.asarray(reference.grid.couplings),
            reference.n_fid[d_tau],
        ),
        nominal_eta=limits.eta,
        title=f"MINERvA 95% CL, d_tau: {d_tau}",
    )
    written.append(save_figure(figure, folder / "minerva_limits.png"))
    with_data = [s for s in scans if s in limits.dedx_signal]
    if with_data:
        config = minerva.load_config()
        figure = plot_fig9(
            histograms[with_data[0]].edges,
            [histograms[s].background for s in with_data],
            [limits.dedx_signal[s] for s in with_data],
            [histograms[s].data for s in with_data],
            [config.sample(s).label for s in with_data],
        )
        written.append(save_figure(figure, folder / "fig9_dedx.png"))
    summary = _summary(scans, limits)
    written.append(write_json(folder / "limits.json", summary))
    return written, summary
