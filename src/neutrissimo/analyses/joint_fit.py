"""Joint analysis: the MiniBooNE fit and the MINERvA samples on one (m_N, d_mu) grid
(docs/beyond.md, part 1).

What is combined
----------------
Both experiments are simulated on the same grid (MiniBooNE's ranges, ``beyond.toml [joint]``),
each from its own weighted samples, for every d_tau scenario. Per grid point:

* chi2_MB(obs): the MiniBooNE chi^2 of dipole + oscillation for obs = E_QE (full covariance
  with the nu_mu constraint) or cos(theta) (:func:`neutrissimo.analyses.miniboone_fit.fit_grid`,
  Monte Carlo variance included). E_QE and cos(theta) are the same events, so they are never
  added to each other: each is combined with MINERvA separately.
* q_s: the one-sided profile-likelihood statistic of MINERvA sample s (photon-like dE/dx bins,
  background normalisation profiled with eta, Monte Carlo error of N_sel profiled;
  :func:`neutrissimo.analyses.minerva_limits.sample_limits`), for the samples with public data.
  q_s = -2 ln of the likelihood ratio of the hypothesis to the best signal strength in [0, 1].
* The experiments (and the MINERvA samples: different beams, exposures and data sets) are
  independent, so their -2 ln L add: q_MINERvA = sum_s q_s, and the joint statistic is
  chi2_joint = chi2_MB(obs) + q_MINERvA.

Two answers
-----------
1. **Survives MINERvA**: a point of the MiniBooNE n-sigma region (Wilks, 2 dof, about the
   grid minimum) is excluded when q_MINERvA exceeds the threshold of the sum of k independent
   one-sided statistics at ``cl`` (chi-bar^2: P = sum_j C(k, j) 2^-k chi2_j;
   :func:`neutrissimo.statistics.expected.chibar2_threshold`; 4.23 for k = 2 at 95%).
2. **Joint region**: Delta chi2_joint = chi2_joint - min <= the Wilks 2-dof threshold. This
   asks where both experiments are described together, rather than whether MINERvA rejects a
   MiniBooNE-preferred point.

Verdict on the paper's question: the fraction of the grid points in the overlap of the E_QE and
cos(theta) n-sigma regions that survive MINERvA.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neutrissimo.analyses.minerva_limits import SampleScan, sample_limits
from neutrissimo.analyses.miniboone_fit import MiniBooNEPoint, fit_grid
from neutrissimo.analyses.scan import ScanGrid
from neutrissimo.experiments import minerva
from neutrissimo.statistics.contours import contour_paths
from neutrissimo.statistics.expected import chibar2_threshold
from neutrissimo.statistics.wilks import delta_chi2_threshold

__all__ = ["JointResult", "joint_fit", "verdict", "write_joint_outputs"]


@dataclass(frozen=True)
class JointResult:
    """The joint analysis of one oscillation and d_tau scenario.

    Attributes:
        grid: the common grid.
        oscillation, d_tau: the scenarios.
        chi2: MiniBooNE chi^2 per observable (masses, couplings).
        q: MINERvA q per sample (masses, couplings).
        q_threshold: the chi-bar^2 threshold of sum_s q_s at ``cl``.
        cl: confidence level of the MINERvA exclusion.
        sigma: the n of the MiniBooNE n-sigma regions tested.
    """

    grid: ScanGrid
    oscillation: str
    d_tau: str
    chi2: dict[str, NDArray[np.float64]]
    q: dict[str, NDArray[np.float64]]
    q_threshold: float
    cl: float
    sigma: int

    @property
    def q_total(self) -> NDArray[np.float64]:
        """sum_s q_s on the grid."""
        return np.asarray(sum(self.q.values()), dtype=float)

    @property
    def level(self) -> float:
        """Wilks threshold of the n-sigma region, 2 dof."""
        return float(delta_chi2_threshold(sigma=self.sigma, dof=2))

    def inside(self, observable: str) -> NDArray[np.bool_]:
        """Grid points of the MiniBooNE n-sigma region of ``observable``."""
        c = self.chi2[observable]
        return np.asarray(c - np.nanmin(c) <= self.level)

    @property
    def allowed_by_minerva(self) -> NDArray[np.bool_]:
        """Grid points not excluded by MINERvA at ``cl``."""
        return np.asarray(self.q_total <= self.q_threshold)

    def joint_delta(self, observable: str) -> NDArray[np.float64]:
        """Delta chi2_joint = chi2_MB + sum q - min."""
        j = self.chi2[observable] + self.q_total
        return np.asarray(j - np.nanmin(j), dtype=float)


def joint_fit(
    grid: ScanGrid,
    miniboone_scan: MiniBooNEPoint,
    minerva_scans: dict[str, SampleScan],
    histograms: dict[str, minerva.DedxHistogram],
    *,
    oscillation: str = "global-no-mb",
    d_tau: str = "none",
    eta: float = 0.3,
    cl: float = 0.95,
    sigma: int = 2,
    mc_stat: bool = True,
) -> JointResult:
    """Combine the MiniBooNE fit and the MINERvA samples with data on ``grid`` (module doc)."""
    fit = fit_grid(grid, miniboone_scan, oscillation, d_tau, mc_stat=mc_stat)
    q = {
        s: sample_limits(scan, eta, d_tau, histograms[s], mc_stat=mc_stat).q_grid
        for s, scan in minerva_scans.items()
        if s in histograms
    }
    threshold = chibar2_threshold(len(q), cl)
    return JointResult(grid, oscillation, d_tau, dict(fit.chi2), q, threshold, cl, sigma)


def verdict(result: JointResult) -> dict[str, Any]:
    """Counts and fractions of grid points: in each MiniBooNE region, in their overlap, and
    how many of those survive MINERvA; the joint best fit per observable."""
    allowed = result.allowed_by_minerva
    eqe, cos = result.inside("E_QE"), result.inside("cos")
    out: dict[str, Any] = {
        "oscillation": result.oscillation,
        "d_tau_scenario": result.d_tau,
        "sigma": result.sigma,
        "cl": result.cl,
        "minerva_samples": sorted(result.q),
        "q_threshold": result.q_threshold,
    }
    for name, mask in (("E_QE", eqe), ("cos", cos), ("overlap", eqe & cos)):
        n = int(mask.sum())
        k = int((mask & allowed).sum())
        out[name] = {
            "grid_points": n,
            "surviving": k,
            "fraction_surviving": k / n if n else None,
        }
    masses, couplings = np.asarray(result.grid.masses), np.asarray(result.grid.couplings)
    for observable in ("E_QE", "cos"):
        delta = result.joint_delta(observable)
        i, j = np.unravel_index(int(np.nanargmin(delta)), delta.shape)
        mb = result.chi2[observable]
        out[observable]["joint_best_fit"] = {
            "m_N_GeV": float(masses[i]),
            "d_mu_GeVinv": float(couplings[j]),
            "chi2_MB": float(mb[i, j]),
            "q_minerva": float(result.q_total[i, j]),
            "chi2_MB_minus_MB_min": float(mb[i, j] - np.nanmin(mb)),
        }
    return out


def write_joint_outputs(
    folder: str | os.PathLike[str], result: JointResult
) -> tuple[list[Path], dict[str, Any]]:
    """Write ``joint_<osc>_<d_tau>_grid.csv`` (m_N, d_mu, chi2 E_QE, chi2 cos, q per sample,
    q total, flags: in the E_QE / cos region, excluded by MINERvA), ``..._surviving.csv`` (the
    MiniBooNE region points that survive), ``..._verdict.json`` and ``..._joint.png``."""
    from neutrissimo.io.atomic import write_columns_csv, write_json
    from neutrissimo.plotting.beyond import joint_figure
    from neutrissimo.plotting.save import save_figure

    folder = Path(folder)
    stem = f"joint_{result.oscillation}_{result.d_tau}"
    masses, couplings = np.asarray(result.grid.masses), np.asarray(result.grid.couplings)
    mm, dd = np.meshgrid(masses, couplings, indexing="ij")
    eqe, cos = result.inside("E_QE"), result.inside("cos")
    allowed = result.allowed_by_minerva
    samples = sorted(result.q)
    written = [
        write_columns_csv(
            folder / f"{stem}_grid.csv",
            ["m_N [GeV]", "d_mu [GeV^-1]", "chi2_EQE", "chi2_cos"]
            + [f"q_{s}" for s in samples]
            + ["q_total", "in_EQE_region", "in_cos_region", "excluded_by_MINERvA"],
            [mm, dd, result.chi2["E_QE"], result.chi2["cos"]]
            + [result.q[s] for s in samples]
            + [result.q_total, eqe, cos, ~allowed],
            [
                f"oscillation {result.oscillation}, d_tau {result.d_tau}; regions: "
                f"{result.sigma} sigma (Wilks, 2 dof); MINERvA: sum q > {result.q_threshold:.3f} "
                f"({result.cl:.0%} CL, chi-bar^2 of {len(samples)} one-sided statistics)"
            ],
        )
    ]
    keep = (eqe | cos) & allowed
    written.append(
        write_columns_csv(
            folder / f"{stem}_surviving.csv",
            ["m_N [GeV]", "d_mu [GeV^-1]", "in_EQE_region", "in_cos_region"],
            [mm[keep], dd[keep], eqe[keep], cos[keep]],
            ["MiniBooNE region points not excluded by MINERvA"],
        )
    )
    joint_paths = contour_paths(
        masses, couplings, result.joint_delta("E_QE"), result.level, log_x=True, log_y=True
    )
    figure = joint_figure(
        masses,
        couplings,
        {
            f"E_QE {result.sigma}$\\sigma$": eqe,
            f"cos {result.sigma}$\\sigma$": cos,
            "excluded by MINERvA": (eqe | cos) & ~allowed,
            "overlap, surviving": eqe & cos & allowed,
        },
        regions={f"joint E_QE + MINERvA {result.sigma}$\\sigma$": joint_paths},
        title=f"MiniBooNE regions vs MINERvA ({result.oscillation}, d_tau {result.d_tau})",
    )
    written.append(save_figure(figure, folder / f"{stem}_joint.png"))
    summary = verdict(result)
    written.append(write_json(folder / f"{stem}_verdict.json", summary))
    return written, summary
