"""MINERvA 95% CL limits on d_mu from the nu-e scattering samples (paper Sec. V; Figs. 8-12).

One weighted sample per HNL mass and MINERvA sample serves every coupling and d_tau scenario:

1. :func:`mass_task` simulates the sample's setup (flux, POT, geometry with the nuclear targets)
   at one mass, applies the detector response and the kinematic cuts once
   (:func:`neutrissimo.experiments.minerva.analyse_events`: E_sh > 0.8 GeV, Q^2_QE-reco < 0.02
   GeV^2, E theta^2 < 3.2 MeV rad^2) and, by exact reweighting, returns for every coupling and
   d_tau scenario N_fid (photons converting in the fiducial volume) and N_sel (passing the cuts,
   before the dE/dx acceptance).
2. :func:`sample_limits` turns N_sel into the photon-like dE/dx signal and computes the excluded
   couplings per mass with the profile-likelihood test of :mod:`neutrissimo.limits`, for a
   Gaussian background-normalisation uncertainty ``eta`` (0.3 nominal, 1.0 conservative).

Samples without public dE/dx data (ME RHC) still get N_fid and the selection efficiency; their
limits need user-supplied data and background files.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neutrissimo.exceptions import ConfigurationError
from neutrissimo.experiments import minerva
from neutrissimo.experiments.setups import load_setup
from neutrissimo.injection import coupling_range, generate
from neutrissimo.limits import LimitCurve, coupling_limits
from neutrissimo.model import DipoleModel
from neutrissimo.scan import ScanGrid, ScanTask, run_scan
from neutrissimo.scenarios import D_TAU_SCENARIOS, grid_weights

__all__ = [
    "SAMPLES",
    "SampleScan",
    "etheta2_sample",
    "mass_task",
    "preferred_regions_from",
    "run_minerva_scan",
    "sample_limits",
    "write_minerva_outputs",
]

#: Analysis samples (names of minerva.toml) and their simulation setups.
SAMPLES: dict[str, str] = {
    "le_fhc": "minerva-le-fhc",
    "me_fhc": "minerva-me-fhc",
    "me_rhc": "minerva-me-rhc",
}


def mass_task(task: ScanTask, rng: np.random.Generator) -> dict[str, NDArray[np.float64]]:
    """Simulate one mass of one MINERvA sample; N_fid and N_sel per coupling and d_tau scenario
    (arrays ``n_fid_<s>``, ``n_sel_<s>`` of shape (couplings,), events at the sample's POT)."""
    sample = str(task.params["sample"])
    m_n = float(task.params["m_N"])
    couplings = np.asarray(task.params["couplings"], dtype=float)
    events = generate(
        load_setup(SAMPLES[sample]),
        DipoleModel(m_N=m_n, d_mu=1e-6),
        int(task.params["events"]),
        rng,
        couplings=coupling_range(couplings, load_setup(SAMPLES[sample]).injection.couplings),
    )
    events = events.select(events["weight_production"] > 0)
    _, _, selection = minerva.analyse_events(
        events["photon_energy"], events["photon_direction"], np.ones(len(events)), sample, rng
    )
    out: dict[str, NDArray[np.float64]] = {}
    for scenario in D_TAU_SCENARIOS:
        weights = grid_weights(events, couplings, scenario)
        out[f"n_fid_{scenario}"] = weights.sum(axis=1)
        out[f"n_sel_{scenario}"] = weights[:, selection.passed].sum(axis=1)
    return out


@dataclass(frozen=True)
class SampleScan:
    """N_fid and N_sel grids (masses, couplings) of one MINERvA sample, per d_tau scenario."""

    sample: str
    grid: ScanGrid
    n_fid: dict[str, NDArray[np.float64]]
    n_sel: dict[str, NDArray[np.float64]]

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
    progress: Callable[[str], None] | None = None,
) -> SampleScan:
    """Run (or resume) the per-mass simulations of one sample in ``folder``/scan-<sample>."""
    if sample not in SAMPLES:
        raise ConfigurationError(
            f"Unknown MINERvA sample {sample!r}; choose one of {', '.join(SAMPLES)}."
        )
    tasks = grid.tasks(sample=sample)
    results = run_scan(
        mass_task, tasks, Path(folder) / f"scan-{sample}", grid.seed, scheduler, n_workers, progress
    )
    stack: dict[str, Any] = {
        key: np.stack([results[t.key][key] for t in tasks]) for key in results[tasks[0].key]
    }
    return SampleScan(
        sample,
        grid,
        {s: stack[f"n_fid_{s}"] for s in D_TAU_SCENARIOS},
        {s: stack[f"n_sel_{s}"] for s in D_TAU_SCENARIOS},
    )


def sample_limits(
    scan: SampleScan,
    eta: float,
    d_tau: str = "none",
    histogram: minerva.DedxHistogram | None = None,
) -> LimitCurve:
    """95% CL excluded couplings per mass for background uncertainty ``eta``.

    Raises:
        ConfigurationError: the sample has no public dE/dx data and no ``histogram`` was given.
    """
    hist = histogram if histogram is not None else minerva.dedx_histogram(scan.sample)
    config = minerva.load_config()
    mask = hist.photon_like(config.cuts.dedx_min)
    data, background = hist.photon_like_counts(config.cuts.dedx_min)
    signal = [minerva.dedx_signal_counts(row, scan.sample)[..., mask] for row in scan.n_sel[d_tau]]
    return coupling_limits(scan.grid.masses, scan.grid.couplings, signal, data, background, eta=eta)


#: Background-normalisation uncertainties of the paper (Sec. V.C): nominal and conservative.
ETA_NOMINAL, ETA_CONSERVATIVE = 0.3, 1.0


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


def write_minerva_outputs(
    folder: str | os.PathLike[str],
    scans: dict[str, SampleScan],
    eta: float,
    d_tau: str,
    histograms: dict[str, minerva.DedxHistogram],
    preferred: tuple[Any, ...] = (),
) -> tuple[list[Path], dict[str, Any]]:
    """Write per sample ``<sample>_limit_eta<eta>.csv`` (m_N [GeV], d_mu upper limit [GeV^-1] =
    lower edge of the excluded band, upper edge of the band [GeV^-1], NaN if it extends past the
    grid), ``<sample>_q_grid_eta<eta>.csv`` (m_N, d_mu, q), ``<sample>_nfid_grid.csv`` (m_N, d_mu,
    N_fid, N_sel), ``<sample>_efficiency.csv`` and the figures (limits with N_fid contours, dE/dx
    at the benchmark, efficiency). Returns the paths and a machine-readable summary."""
    from neutrissimo.atomic import write_columns_csv, write_json
    from neutrissimo.existing_limits import paper_existing_limits
    from neutrissimo.plotting.minerva import LimitBand, plot_fig9, plot_limits
    from neutrissimo.plotting.physics import save_figure

    folder = Path(folder)
    written: list[Path] = []
    summary: dict[str, Any] = {"d_tau_scenario": d_tau, "bkg_uncertainty": eta, "samples": {}}
    bands = []
    config = minerva.load_config()
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
        efficiency = scan.efficiency(d_tau)
        written.append(
            write_columns_csv(
                folder / f"{sample}_efficiency.csv",
                ["m_N [GeV]", "efficiency"],
                [masses, efficiency],
            )
        )
        entry: dict[str, Any] = {
            "has_data": sample in histograms,
            "m_N_GeV": masses.tolist(),
            "selection_efficiency": efficiency.tolist(),
        }
        if sample in histograms:
            for value in sorted({eta, ETA_CONSERVATIVE}):
                curve = sample_limits(scan, value, d_tau, histograms[sample])
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
                bands.append(LimitBand.from_curve(config.sample(sample).label, curve, value))
                if value == eta:
                    written.append(
                        write_columns_csv(
                            folder / f"{sample}_q_grid_eta{value:g}.csv",
                            ["m_N [GeV]", "d_mu [GeV^-1]", "q"],
                            [mm, dd, curve.q_grid],
                        )
                    )
                    entry["limit_d_mu_GeVinv"] = [
                        None if np.isnan(v) else float(v) for v in curve.lower
                    ]
        summary["samples"][sample] = entry
    reference = scans.get("me_rhc") or next(iter(scans.values()))
    n_fid = (
        np.asarray(reference.grid.masses),
        np.asarray(reference.grid.couplings),
        reference.n_fid[d_tau],
    )
    figure = plot_limits(
        bands,
        preferred_regions=preferred,
        existing=paper_existing_limits(d_tau_nonzero=d_tau != "none"),
        n_fid=n_fid,
        nominal_eta=eta,
        title=f"MINERvA 95% CL, d_tau: {d_tau}",
    )
    written.append(save_figure(figure, folder / "minerva_limits.png"))
    with_data = [s for s in scans if s in histograms]
    if with_data:
        benchmark = int(np.argmin(np.abs(np.log(np.asarray(reference.grid.masses) / 0.47))))
        column = int(np.argmin(np.abs(np.log(np.asarray(reference.grid.couplings) / 1.25e-6))))
        signals = [
            minerva.dedx_signal_counts(scans[s].n_sel[d_tau][benchmark, column], s)
            for s in with_data
        ]
        figure = plot_fig9(
            histograms[with_data[0]].edges,
            [histograms[s].background for s in with_data],
            signals,
            [histograms[s].data for s in with_data],
            [config.sample(s).label for s in with_data],
        )
        written.append(save_figure(figure, folder / "fig9_dedx.png"))
    written.append(write_json(folder / "limits.json", summary))
    return written, summary


def preferred_regions_from(folder: str | os.PathLike[str] | None) -> tuple[Any, ...]:
    """MiniBooNE 2-sigma preferred regions (E_QE and cos theta) read from the contour CSVs that
    :func:`neutrissimo.miniboone_fit.write_miniboone_outputs` wrote in ``folder`` (none if
    ``folder`` is None or has no contours)."""
    if folder is None:
        return ()
    from neutrissimo.plotting.minerva import PreferredRegion

    regions = []
    for stem, label in (("eqe", r"MiniBooNE $E_\nu^{QE}$"), ("cos", r"MiniBooNE $\cos\theta$")):
        files = sorted(Path(folder).glob(f"{stem}_2sigma_path*.csv"))
        paths = [np.loadtxt(f, delimiter=",", comments="#", skiprows=1, ndmin=2) for f in files]
        if paths:
            regions.append(PreferredRegion(label, tuple(paths)))
    return tuple(regions)
