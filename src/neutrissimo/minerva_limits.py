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
from neutrissimo.injection import generate
from neutrissimo.limits import LimitCurve, coupling_limits
from neutrissimo.miniboone_fit import D_TAU_SCENARIOS, ScanGrid, d_tau_of
from neutrissimo.model import DipoleModel
from neutrissimo.scan import ScanTask, run_scan

__all__ = ["SAMPLES", "SampleScan", "mass_task", "run_minerva_scan", "sample_limits"]

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
    )
    events = events.select(events["weight_production"] > 0)
    _, _, selection = minerva.analyse_events(
        events["photon_energy"], events["photon_direction"], np.ones(len(events)), sample, rng
    )
    out: dict[str, NDArray[np.float64]] = {}
    for scenario in D_TAU_SCENARIOS:
        d_tau = d_tau_of(scenario, couplings)
        weights = np.stack(
            [
                events.weights(DipoleModel(m_N=m_n, d_mu=d, d_tau=t))
                for d, t in zip(couplings, d_tau, strict=True)
            ]
        )
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
        """Selection efficiency before the dE/dx cut per mass (rate-weighted over couplings at
        the reference coupling index of the largest N_fid), like Fig. 8 (bottom)."""
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
    tasks = [
        ScanTask(
            f"m_N={m:.6g}",
            {"m_N": m, "couplings": grid.couplings, "events": grid.events, "sample": sample},
        )
        for m in grid.masses
    ]
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
