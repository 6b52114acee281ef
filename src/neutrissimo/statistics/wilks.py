"""Confidence levels by Wilks' theorem: Delta chi^2 thresholds from scipy, never hard-coded.

For k parameters of interest, -2 Delta ln L is asymptotically chi^2 with k degrees of freedom
(Wilks, Ann. Math. Stat. 9 (1938) 60); the (m_N, d_mu) plane has k = 2. Whether the asymptotic
threshold covers is an assumption that pseudo-experiments can check.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats as sps

from neutrissimo.exceptions import ConfigurationError

__all__ = ["delta_chi2_threshold", "sigma_to_probability", "standard_thresholds"]


def sigma_to_probability(n_sigma: ArrayLike) -> NDArray[np.float64]:
    """Two-sided Gaussian coverage of +-n sigma: P = erf(n / sqrt 2) = chi2_1.cdf(n^2)."""
    return np.asarray(sps.chi2.cdf(np.asarray(n_sigma, dtype=float) ** 2, df=1), dtype=np.float64)


def delta_chi2_threshold(
    probability: ArrayLike | None = None, *, sigma: ArrayLike | None = None, dof: int = 2
) -> NDArray[np.float64]:
    """Delta chi^2 below which a point is inside the region of the given confidence level.

    Wilks' theorem (Ann. Math. Statist. 9, 60 (1938), paper ref. [52]): Delta chi^2 follows
    chi^2 with ``dof`` degrees of freedom, so the threshold is chi2.ppf(CL, dof). Give either
    ``probability`` (e.g. 0.90) or ``sigma`` (n, converted with :func:`sigma_to_probability`).
    For dof = 2: 1 sigma -> 2.30, 90 % -> 4.61, 95 % -> 5.99, 2 sigma -> 6.18, 3 sigma -> 11.83.

    >>> [round(float(delta_chi2_threshold(sigma=n)), 2) for n in (1, 2, 3)]
    [2.3, 6.18, 11.83]
    >>> round(float(delta_chi2_threshold(0.95, dof=1)), 3)
    3.841
    """
    if (probability is None) == (sigma is None):
        raise ConfigurationError("Give exactly one of probability= or sigma=.")
    p = sigma_to_probability(sigma) if sigma is not None else np.asarray(probability, dtype=float)
    if np.any((p <= 0) | (p >= 1)):
        raise ConfigurationError(f"Confidence level must lie in (0, 1); got {p}.")
    if dof < 1:
        raise ConfigurationError(f"dof must be >= 1; got {dof}.")
    return np.asarray(sps.chi2.ppf(p, df=dof), dtype=np.float64)


def standard_thresholds(dof: int = 2) -> dict[str, float]:
    """Delta chi^2 thresholds for 1, 2, 3 sigma, 90 % and 95 % CL (``dof`` degrees of freedom)."""
    out = {f"{n}sigma": float(delta_chi2_threshold(sigma=n, dof=dof)) for n in (1, 2, 3)}
    out["90%"] = float(delta_chi2_threshold(0.90, dof=dof))
    out["95%"] = float(delta_chi2_threshold(0.95, dof=dof))
    return out
