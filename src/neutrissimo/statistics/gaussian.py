"""Gaussian algebra with covariance matrices (experiment-agnostic).

* :func:`chi2_covariance` -- the batched Gaussian chi^2 = r^T C^{-1} r (+ ln det C) for any
  residual and covariance (Cholesky; no explicit inverse).
* :func:`absolute_covariance` -- an absolute covariance M_ij = F_ij N_i N_j from a fractional one.
* :func:`conditional_gaussian` -- the mean and covariance of one block of a Gaussian vector given
  the observed value of the other block (Schur complement).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neutrissimo.exceptions import PhysicsDomainError

__all__ = ["absolute_covariance", "chi2_covariance", "conditional_gaussian"]


def chi2_covariance(
    residual: ArrayLike, covariance: ArrayLike, *, log_det: bool = False
) -> NDArray[np.float64]:
    """r^T C^{-1} r (+ ln det C), batched over leading axes, via a Cholesky factorisation.

    Args:
        residual: shape (..., n).
        covariance: shape (..., n, n), symmetric positive definite.
        log_det: add ln det C (Gaussian -2 ln L up to a constant).

    Raises:
        PhysicsDomainError: the covariance is not positive definite.
    """
    r = np.asarray(residual, dtype=float)
    c = np.asarray(covariance, dtype=float)
    try:
        chol = np.linalg.cholesky(c)
    except np.linalg.LinAlgError as exc:
        raise PhysicsDomainError(
            "Covariance matrix is not positive definite; check that predictions are >= 0 and "
            "the fractional covariance is the official one."
        ) from exc
    z = np.linalg.solve(chol, r[..., None])[..., 0]
    out = np.sum(z**2, axis=-1)
    if log_det:
        out = out + 2.0 * np.sum(np.log(np.diagonal(chol, axis1=-2, axis2=-1)), axis=-1)
    return np.asarray(out, dtype=np.float64)


def absolute_covariance(fractional: ArrayLike, prediction: ArrayLike) -> NDArray[np.float64]:
    """M_ij = F_ij N_i N_j (batched over leading axes of ``prediction``)."""
    f = np.asarray(fractional, dtype=float)
    n = np.asarray(prediction, dtype=float)
    return np.asarray(f * n[..., :, None] * n[..., None, :], dtype=np.float64)


def conditional_gaussian(
    mean: ArrayLike, covariance: ArrayLike, n_first: int, observed: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Distribution of the first ``n_first`` components given the rest equal ``observed``.

    mu_1|2 = mu_1 + C_12 C_22^{-1} (x_2 - mu_2),  C_1|2 = C_11 - C_12 C_22^{-1} C_21
    (batched over leading axes). Returns (mean, covariance), the latter symmetrised.
    """
    mu = np.asarray(mean, dtype=float)
    c = np.asarray(covariance, dtype=float)
    x2 = np.asarray(observed, dtype=float)
    c11 = c[..., :n_first, :n_first]
    c12 = c[..., :n_first, n_first:]
    c22 = c[..., n_first:, n_first:]
    k = np.swapaxes(np.linalg.solve(c22, np.swapaxes(c12, -1, -2)), -1, -2)  # C12 C22^-1
    m = mu[..., :n_first] + np.einsum("...ij,...j->...i", k, x2 - mu[..., n_first:])
    cov = c11 - k @ np.swapaxes(c12, -1, -2)
    return m, 0.5 * (cov + np.swapaxes(cov, -1, -2))
