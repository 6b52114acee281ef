"""Batched upper limits on a signal count, for pseudo-experiments and combinations.

:func:`signal_upper_limits` is :func:`neutrissimo.statistics.profile.signal_upper_limit` for
many data sets at once (toys): a vectorised bisection in ln N on q(N x shape) = threshold, all
toys per call of :func:`~neutrissimo.statistics.profile.q_statistic`. :func:`chibar2_threshold`
is the threshold of a sum of k independent one-sided statistics (each q ~ 1/2 delta(0) +
1/2 chi2_1 under its hypothesis; Chernoff), used to combine experiments.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import brentq
from scipy.stats import chi2

from neutrissimo.exceptions import ConfigurationError
from neutrissimo.statistics.profile import THRESHOLD_95CL_ONE_SIDED, q_statistic

__all__ = ["chibar2_threshold", "signal_upper_limits"]


def signal_upper_limits(
    shape: ArrayLike,
    data: ArrayLike,
    background: ArrayLike,
    *,
    eta: float,
    threshold: float = THRESHOLD_95CL_ONE_SIDED,
    iterations: int = 32,
) -> NDArray[np.float64]:
    """Upper limits N on the total signal of fixed bin ``shape`` for each row of ``data``
    (toys, bins): q(N shape / sum(shape)) = threshold, by bisection in ln N (relative precision
    ~ 2^-iterations of the initial bracket [1e-6, 1e6] x sqrt(sum b)), one q call per step.

    Raises:
        ConfigurationError: a shape that is not one non-negative number per bin with positive
            sum, or data that are not (toys, bins).
    """
    p = np.asarray(shape, dtype=float)
    n = np.atleast_2d(np.asarray(data, dtype=float))
    b = np.asarray(background, dtype=float)
    if p.ndim != 1 or np.any(p < 0) or p.sum() <= 0:
        raise ConfigurationError(f"signal shape must be 1-D, >= 0, positive sum; got {p!r}.")
    if n.shape[-1] != p.size or b.shape != p.shape:
        raise ConfigurationError(
            f"data must be (toys, {p.size}) and background ({p.size},); got {n.shape}, {b.shape}."
        )
    p = p / p.sum()
    scale = max(1.0, math.sqrt(float(b.sum())))
    lo = np.full(n.shape[0], math.log(scale * 1e-6))
    hi = np.full(n.shape[0], math.log(scale * 1e6))
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        q = q_statistic(np.exp(mid)[:, None] * p, n, b, eta=eta)
        above = q > threshold
        hi = np.where(above, mid, hi)
        lo = np.where(above, lo, mid)
    return np.asarray(np.exp(0.5 * (lo + hi)), dtype=np.float64)


def chibar2_threshold(k: int, cl: float = 0.95) -> float:
    """Threshold t of the sum of ``k`` independent one-sided statistics at confidence ``cl``:
    P(sum > t) = sum_{j=1..k} C(k, j) 2^-k P(chi2_j > t) = 1 - cl.

    (k = 1 gives the one-sided 2.706 at 95%.)
    """
    if k < 1 or not 0 < cl < 1:
        raise ConfigurationError(f"need k >= 1 and 0 < cl < 1; got k={k}, cl={cl}.")

    def tail(t: float) -> float:
        return float(
            sum(math.comb(k, j) * 0.5**k * chi2.sf(t, j) for j in range(1, k + 1)) - (1 - cl)
        )

    return float(brentq(tail, 1e-9, 100.0))
