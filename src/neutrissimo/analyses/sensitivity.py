"""Sensitivity of any experiment described by a setup TOML (docs/beyond.md, part 5).

For a user experiment (:func:`neutrissimo.experiments.user_setup.load_user_setup`: a detector
file, a flux and its normalisation, an exposure, channels, a photon response):

1. :func:`sensitivity_task` (one per mass, through :func:`neutrissimo.analyses.scan.run_scan`,
   serially or on Dask) simulates the experiment once and reweights the sample over the whole
   d_mu grid: N_fid, the expected photons converting in the fiducial volume, and N_sig, those
   that pass the response (flat efficiency above an energy threshold), with the Monte Carlo
   variance of N_sig.
2. :func:`coupling_reach` gives, per mass, the couplings where N_sig >= ``n_events``: the
   lowest and highest edge of that band (interpolated linearly in ln d, ln N). N_sig grows as
   d^2 while the HNL lives long and falls off once it decays before the detector, so the reach
   is a band, like a limit: ``n_events`` = 2.3 is the 90% CL reach of a background-free search
   with no events seen.
3. :func:`write_sensitivity_outputs` writes the grid CSV, the reach CSV, a JSON summary and the
   figure (contours of N_sig and the reach).
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
from neutrissimo.analyses.scenarios import grid_sums, replica_samples
from neutrissimo.exceptions import ConfigurationError
from neutrissimo.experiments.user_setup import UserSetup, load_user_setup
from neutrissimo.io.provenance import provenance

__all__ = [
    "SensitivityPoint",
    "SensitivityScan",
    "coupling_reach",
    "run_sensitivity_scan",
    "sensitivity_task",
    "write_sensitivity_outputs",
]


@dataclass(frozen=True, eq=False)
class SensitivityPoint(ArrayResult):
    """Per coupling of one mass: N_fid, N_sig and sum w^2 of N_sig (events at the setup's POT)."""

    n_fid: NDArray[np.float64] = field(repr=False)
    n_sig: NDArray[np.float64] = field(repr=False)
    n_sig_w2: NDArray[np.float64] = field(repr=False)


def _reference(setup: str | os.PathLike[str]) -> str:
    """A setup reference that a worker can resolve: example name or absolute path."""
    text = str(setup)
    path = Path(text).expanduser()
    return str(path.resolve()) if path.is_file() else text


def sensitivity_task(point: MassPoint, rng: np.random.Generator) -> SensitivityPoint:
    """Simulate ``point.replicas`` samples of the experiment ``point.sample`` (a setup
    reference) at one mass and reweight them over ``point.couplings``; a leading replica
    axis."""
    user = load_user_setup(point.sample)
    couplings = np.asarray(point.couplings, dtype=float)
    response = user.response
    rows = []
    for events, _ in replica_samples(user.setup, point.m_N, point.events, point.replicas, rng):
        seen = np.where(events["photon_energy"] > response.energy_threshold_gev, 0, -1)
        efficiency = np.full(len(events), response.efficiency)
        sums = grid_sums(events, couplings, [(seen, 1)], efficiency, scenarios=("none",))
        rows.append(
            SensitivityPoint(
                n_fid=sums.total[0], n_sig=sums.sumw[0][0, :, 0], n_sig_w2=sums.sumw2[0][0, :, 0]
            )
        )
    return SensitivityPoint.stack(rows)


@dataclass(frozen=True)
class SensitivityScan:
    """N_fid, N_sig and sum w^2 of N_sig on the (masses, couplings) grid of one experiment
    (replicas pooled: mean of the sums, sum w^2 / R^2)."""

    grid: ScanGrid
    name: str
    source: str
    n_fid: NDArray[np.float64]
    n_sig: NDArray[np.float64]
    n_sig_w2: NDArray[np.float64]


def run_sensitivity_scan(
    setup: str | os.PathLike[str],
    grid: ScanGrid,
    folder: str | os.PathLike[str],
    scheduler: str | None = "serial",
    n_workers: int | None = None,
    progress: Progress | None = None,
) -> SensitivityScan:
    """Run (or resume) the per-mass simulations of ``setup`` in ``folder``/scan-sensitivity.

    Raises:
        ConfigurationError, GeometryError, DataFileError: an invalid setup (before any
            simulation).
    """
    reference = _reference(setup)
    user: UserSetup = load_user_setup(reference)
    tasks = grid.tasks(sample=reference)
    results = run_scan(
        sensitivity_task,
        SensitivityPoint,
        tasks,
        Path(folder) / "scan-sensitivity",
        grid.seed,
        provenance=provenance(analysis="sensitivity", setup_sha256=user.sha256),
        scheduler=scheduler,
        n_workers=n_workers,
        progress=progress,
    )
    stack = replica_major(SensitivityPoint, [results[t.key] for t in tasks])
    return SensitivityScan(
        grid,
        user.setup.name,
        user.source,
        stack.n_fid.mean(axis=0),
        stack.n_sig.mean(axis=0),
        stack.n_sig_w2.sum(axis=0) / grid.replicas**2,
    )


def coupling_reach(
    couplings: NDArray[np.float64] | tuple[float, ...],
    n_signal: NDArray[np.float64],
    n_events: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Lowest and highest d_mu (GeV^-1) of {N_sig >= n_events} per mass (rows of ``n_signal``),
    interpolated linearly in (ln d, ln N) at the crossings; NaN where no coupling reaches
    ``n_events`` (and at an edge that runs past the grid).

    Raises:
        ConfigurationError: ``n_events`` not > 0, or shapes that do not match.
    """
    d = np.asarray(couplings, dtype=float)
    n = np.asarray(n_signal, dtype=float)
    if not n_events > 0:
        raise ConfigurationError(f"n_events must be > 0, got {n_events!r}.")
    if n.ndim != 2 or n.shape[1] != d.size:
        raise ConfigurationError(f"n_signal must be (masses, {d.size}); got {n.shape}.")
    x = np.log(d)
    level = np.log(n_events)
    logn = np.log(np.maximum(n, 1e-300))
    lower = np.full(n.shape[0], np.nan)
    upper = np.full(n.shape[0], np.nan)
    for row in range(n.shape[0]):
        above = np.flatnonzero(n[row] >= n_events)
        if above.size == 0:
            continue
        a, b = above[0], above[-1]
        if a > 0:
            y0, y1 = logn[row, a - 1], logn[row, a]
            lower[row] = np.exp(x[a - 1] + (level - y0) * (x[a] - x[a - 1]) / (y1 - y0))
        if b < d.size - 1:
            y0, y1 = logn[row, b], logn[row, b + 1]
            upper[row] = np.exp(x[b] + (level - y0) * (x[b + 1] - x[b]) / (y1 - y0))
    return lower, upper


def write_sensitivity_outputs(
    folder: str | os.PathLike[str],
    scan: SensitivityScan,
    n_events: float,
    levels: tuple[float, ...] = (1.0, 10.0, 100.0, 1000.0),
) -> tuple[list[Path], dict[str, Any]]:
    """Write ``sensitivity_grid.csv`` (m_N [GeV], d_mu [GeV^-1], N_fid, N_sig, MC error of
    N_sig), ``sensitivity_reach.csv`` (m_N, lowest and highest d_mu with N_sig >= n_events),
    ``sensitivity.json`` and ``sensitivity.png``; returns the paths and the summary."""
    from neutrissimo.io.atomic import write_columns_csv, write_json
    from neutrissimo.plotting.beyond import sensitivity_figure
    from neutrissimo.plotting.save import save_figure

    folder = Path(folder)
    masses, couplings = np.asarray(scan.grid.masses), np.asarray(scan.grid.couplings)
    mm, dd = np.meshgrid(masses, couplings, indexing="ij")
    lower, upper = coupling_reach(couplings, scan.n_sig, n_events)
    written = [
        write_columns_csv(
            folder / "sensitivity_grid.csv",
            ["m_N [GeV]", "d_mu [GeV^-1]", "N_fid", "N_sig", "N_sig MC error"],
            [mm, dd, scan.n_fid, scan.n_sig, np.sqrt(scan.n_sig_w2)],
            [
                f"{scan.name} ({scan.source}): N_fid = photons converting in the fiducial volume, "
                "N_sig = those passing the response"
            ],
        ),
        write_columns_csv(
            folder / "sensitivity_reach.csv",
            ["m_N [GeV]", "d_mu lowest [GeV^-1]", "d_mu highest [GeV^-1]"],
            [masses, lower, upper],
            [f"{scan.name}: couplings with N_sig >= {n_events:g} (NaN: none, or past the grid)"],
        ),
    ]
    figure = sensitivity_figure(
        masses,
        couplings,
        scan.n_sig,
        levels=levels,
        reach=(lower, upper, n_events),
        title=f"{scan.name}: expected photons converting in the fiducial volume",
    )
    written.append(save_figure(figure, folder / "sensitivity.png"))
    i, j = np.unravel_index(int(np.argmax(scan.n_sig)), scan.n_sig.shape)
    summary: dict[str, Any] = {
        "experiment": scan.name,
        "setup": scan.source,
        "n_events": n_events,
        "settings": provenance(**scan.grid.settings()),
        "max_n_sig": float(scan.n_sig[i, j]),
        "max_at": {"m_N_GeV": float(masses[i]), "d_mu_GeVinv": float(couplings[j])},
        "reach_lowest_d_mu_GeVinv": [None if np.isnan(v) else float(v) for v in lower],
        "m_N_GeV": masses.tolist(),
    }
    written.append(write_json(folder / "sensitivity.json", summary))
    return written, summary
