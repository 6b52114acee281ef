"""Coverage of the MiniBooNE Wilks regions with pseudo-experiments (docs/beyond.md, part 2).

At a true point (m_N, d_mu) -- the nearest point of the grid, so the truth is one of the
fitted hypotheses -- the E_QE prediction mu_true (dipole + oscillation + nu_e background in the
fit bins, and the nu_mu CCQE prediction) and its covariance C_true (the collaboration's
fractional matrix times the prediction, plus the Pearson statistical term of the signal,
collapsed to [nu_e-like, nu_mu]: :meth:`~neutrissimo.experiments.miniboone.likelihood.
MiniBooNEEnergyLikelihood.covariance`) define the Gaussian model the chi^2 assumes. Each toy

1. draws data d ~ N(mu_true, C_true) over the 19 joint bins (11 nu_e-like + 8 nu_mu: the
   nu_mu constraint fluctuates with the toy),
2. evaluates chi^2(g) = (d - mu_g)^T C_g^-1 (d - mu_g) at every grid point g (batched; the
   covariance of each hypothesis is its own, as in the fit), and
3. records Delta chi^2 = chi^2(true) - min_g chi^2(g).

Wilks' theorem (2 dof) says Delta chi^2 ~ chi2_2; the **coverage** of the n-sigma region is the
fraction of toys with Delta chi^2 below the Wilks threshold (ideal: 68.27 %, 95.45 %). The
**Feldman-Cousins threshold** at the point is the corresponding quantile of the toys' Delta
chi^2 (the Neyman construction with the likelihood-ratio ordering, evaluated at that point).

The Monte Carlo variance of the dipole prediction is left out of both the toys and the fit
(``mc_stat=False``, the paper's treatment): it is not a fluctuation of the data.
Toys run as typed tasks through :func:`neutrissimo.analyses.scan.run_scan` (serially or on
Dask), ``toys_per_task`` per task, seeds spawned from one master seed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neutrissimo.analyses.miniboone_fit import MiniBooNEPoint
from neutrissimo.analyses.scan import ArrayResult, Progress, ScanGrid, ScanTask, run_scan
from neutrissimo.experiments.miniboone.likelihood import MiniBooNEEnergyLikelihood
from neutrissimo.experiments.miniboone.oscillations import AppearancePredictor
from neutrissimo.io.provenance import provenance
from neutrissimo.statistics.wilks import delta_chi2_threshold, sigma_to_probability

__all__ = [
    "CoverageResult",
    "CoverageToys",
    "ToyBatch",
    "coverage_summary",
    "coverage_task",
    "run_coverage",
    "write_coverage_outputs",
]


@dataclass(frozen=True)
class ToyBatch:
    """Parameters of one batch of toys: the E_QE signal (dipole + oscillation) of every grid
    point, flattened (points x 11), and the index of the true point."""

    signal: tuple[float, ...]
    n_points: int
    true_index: int
    toys: int


@dataclass(frozen=True, eq=False)
class CoverageToys(ArrayResult):
    """Per toy: Delta chi^2 at the true point and the index of the best-fit grid point."""

    delta_chi2: NDArray[np.float64] = field(repr=False)
    best_index: NDArray[np.float64] = field(repr=False)


def _model(signal: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Mean (points, 19) and covariance (points, 19, 19) of the joint E_QE bins."""
    lik = MiniBooNEEnergyLikelihood.from_release()
    mean = np.concatenate(
        [
            (signal + lik.nue_background)[:, lik.fit_bins],
            np.broadcast_to(lik.numu_prediction, (signal.shape[0], lik.numu_prediction.size)),
        ],
        axis=1,
    )
    return mean, lik.covariance(signal)


def coverage_task(batch: ToyBatch, rng: np.random.Generator) -> CoverageToys:
    """Draw ``batch.toys`` pseudo-experiments at the true point and refit each on the grid."""
    signal = np.asarray(batch.signal, dtype=float).reshape(batch.n_points, -1)
    mean, cov = _model(signal)
    t = batch.true_index
    data = rng.multivariate_normal(mean[t], cov[t], size=batch.toys, method="cholesky")
    inverse = np.linalg.inv(cov)
    chi2 = np.empty((batch.toys, batch.n_points))
    for g in range(batch.n_points):
        r = data - mean[g]
        chi2[:, g] = np.einsum("ti,ij,tj->t", r, inverse[g], r)
    return CoverageToys(chi2[:, t] - chi2.min(axis=1), chi2.argmin(axis=1).astype(float))


@dataclass(frozen=True)
class CoverageResult:
    """Toys at one true point.

    Attributes:
        label: name of the true point.
        oscillation: the oscillation scenario of the prediction.
        true_point: (m_N [GeV], d_mu [GeV^-1]) of the grid point used as truth.
        delta_chi2: (toys,) Delta chi^2 at the true point.
    """

    label: str
    oscillation: str
    true_point: tuple[float, float]
    delta_chi2: NDArray[np.float64]


def run_coverage(
    grid: ScanGrid,
    scan: MiniBooNEPoint,
    points: dict[str, tuple[str, float, float]],
    toys: int,
    toys_per_task: int,
    folder: str | os.PathLike[str],
    *,
    seed: int = 1,
    scheduler: str | None = "serial",
    n_workers: int | None = None,
    progress: Progress | None = None,
) -> list[CoverageResult]:
    """Toys at each true point (label -> (oscillation, m_N, d_mu); the nearest grid point in
    log space is the truth) from the MiniBooNE scan ``scan`` (replicas, masses, scenarios,
    couplings, bins) of ``grid``, d_tau = 0."""
    predictor = AppearancePredictor.from_release()
    dipole = scan.scenario("none").pooled().eqe  # (masses, couplings, 11)
    masses, couplings = np.asarray(grid.masses), np.asarray(grid.couplings)
    tasks: list[ScanTask[ToyBatch]] = []
    truths = {}
    for label, (oscillation, m_n, d_mu) in points.items():
        signal = (dipole + predictor.scenario_eqe(oscillation)).reshape(-1, dipole.shape[-1])
        i = int(np.argmin(np.abs(np.log(masses / m_n))))
        j = int(np.argmin(np.abs(np.log(couplings / d_mu))))
        truths[label] = (oscillation, (float(masses[i]), float(couplings[j])))
        flat = tuple(float(v) for v in signal.ravel())
        for k in range(0, toys, toys_per_task):
            batch = ToyBatch(
                flat, signal.shape[0], i * len(couplings) + j, min(toys_per_task, toys - k)
            )
            tasks.append(ScanTask(f"{label},k={k}", batch))
    results = run_scan(
        coverage_task,
        CoverageToys,
        tasks,
        Path(folder) / "coverage",
        seed,
        provenance=provenance(analysis="coverage", **grid.settings()),
        scheduler=scheduler,
        n_workers=n_workers,
        progress=progress,
    )
    out = []
    for label, (oscillation, truth) in truths.items():
        parts = [r.delta_chi2 for key, r in results.items() if key.split(",k=")[0] == label]
        out.append(CoverageResult(label, oscillation, truth, np.concatenate(parts)))
    return out


def coverage_summary(results: list[CoverageResult], sigmas: tuple[int, ...]) -> dict[str, Any]:
    """Per true point and n sigma: the Wilks threshold, the coverage of the Wilks region
    (fraction of toys below it, with its binomial error), the nominal probability, and the
    Feldman-Cousins threshold (the toys' quantile at that probability)."""
    out: dict[str, Any] = {}
    for r in results:
        entry: dict[str, Any] = {
            "oscillation": r.oscillation,
            "true_m_N_GeV": r.true_point[0],
            "true_d_mu_GeVinv": r.true_point[1],
            "toys": int(r.delta_chi2.size),
        }
        for n in sigmas:
            level = float(delta_chi2_threshold(sigma=n, dof=2))
            nominal = float(sigma_to_probability(n))
            covered = float(np.mean(r.delta_chi2 <= level))
            entry[f"{n}sigma"] = {
                "wilks_threshold": level,
                "nominal": nominal,
                "coverage": covered,
                "coverage_error": float(np.sqrt(covered * (1 - covered) / r.delta_chi2.size)),
                "feldman_cousins_threshold": float(np.quantile(r.delta_chi2, nominal)),
            }
        out[r.label] = entry
    return out


def write_coverage_outputs(
    folder: str | os.PathLike[str], results: list[CoverageResult], sigmas: tuple[int, ...]
) -> tuple[list[Path], dict[str, Any]]:
    """Write ``coverage_toys_<label>.csv`` (Delta chi^2 per toy), ``coverage.json`` and
    ``coverage.png``."""
    from neutrissimo.io.atomic import write_columns_csv, write_json
    from neutrissimo.plotting.beyond import coverage_figure
    from neutrissimo.plotting.save import save_figure

    folder = Path(folder)
    summary = coverage_summary(results, sigmas)
    written = [
        write_columns_csv(
            folder / f"coverage_toys_{r.label}.csv",
            ["delta_chi2"],
            [r.delta_chi2],
            [
                f"MiniBooNE E_QE toys at m_N = {r.true_point[0]:.4g} GeV, d_mu = "
                f"{r.true_point[1]:.4g} GeV^-1 ({r.oscillation})"
            ],
        )
        for r in results
    ]
    wilks = {f"{n}σ": float(delta_chi2_threshold(sigma=n, dof=2)) for n in sigmas}
    fc = {
        r.label: {
            f"{n}σ": summary[r.label][f"{n}sigma"]["feldman_cousins_threshold"] for n in sigmas
        }
        for r in results
    }
    figure = coverage_figure(
        {
            f"{r.label}: m={r.true_point[0]:.3g}, d={r.true_point[1]:.2g}": r.delta_chi2
            for r in results
        },
        wilks,
        {
            f"{r.label}: m={r.true_point[0]:.3g}, d={r.true_point[1]:.2g}": fc[r.label]
            for r in results
        },
        title="MiniBooNE E_QE: Delta chi^2 at the true point, toys vs Wilks",
    )
    written.append(save_figure(figure, folder / "coverage.png"))
    written.append(write_json(folder / "coverage.json", summary))
    return written, summary
