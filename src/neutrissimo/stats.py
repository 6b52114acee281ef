"""Test statistics, confidence levels and contours for the MiniBooNE fits.

What to use when
----------------
* :class:`MiniBooNEEnergyLikelihood` -- a prediction in the 11 official E_QE bins (oscillation
  and/or dipole photons) against the 2020 nu-mode data, with the collaboration's correlated
  systematics and the nu_mu CCQE constraint. ``chi2(signal)`` is the paper's E_QE statistic
  (Sec. IV.B); ``chi2(signal, log_det=True)`` is MiniBooNE's own -2 ln L (it reproduces the
  official 3+1 likelihood surface, see :mod:`neutrissimo.experiments.miniboone_3p1`).
  ``chi2_conditional`` gives the same numbers through the nu_e-given-nu_mu conditional Gaussian
  (differences of chi^2 are identical; see below); ``constrained_background()`` is the nu_mu-
  constrained background and its covariance (for plots of the excess).
* :class:`MiniBooNECosThetaLikelihood` / :func:`chi2_cos_theta` -- a prediction in the 20
  cos(theta) bins against the digitized 2020 angular distribution: statistical errors plus an
  uncorrelated 13 % systematic per bin on the prediction (paper Sec. IV.B; the release has no
  angular covariance).
* :func:`chi2_covariance` -- the generic (batched) Gaussian chi^2 (+ ln det) for any residual
  and covariance; used by the two above.
* :func:`delta_chi2_threshold`, :func:`sigma_to_probability`, :func:`standard_thresholds` --
  Wilks' theorem: Delta chi^2 levels for a confidence level or n sigma (2 dof for the
  (m_N, d_mu) plane), from scipy, never hard-coded.
* :func:`contour_paths` -- closed boundaries of {Delta chi^2 <= level} on a 2-D grid, in the
  grid's units (log interpolation for log-spaced axes).
* :func:`write_scan_csvs` (grid + Wilks contours of a (m_N, d_mu) scan in one call),
  :func:`write_grid_csv`, :func:`write_contour_csvs`, :func:`read_grid_csv` -- the scan's
  output files (formats below), written atomically.

MiniBooNE E_QE chi^2 (data-release recipe)
------------------------------------------
Prediction vector N = [s (11), b (11), m (8)]: the signal block s (everything that is not the
SM nu_e background: oscillation nu_e and dipole photons), the predicted nu_e background b and
the nu_mu CCQE prediction m. With the official fractional matrix F (30x30, block order
``COVARIANCE_BLOCKS``):

1. absolute covariance  M = F * outer(N, N)   (systematics of all three samples; the release
   page says F also holds the "statistical uncertainty" of b and m);
2. statistical error of the signal: Pearson, M_ss += diag(s) (expected counts). Only the
   signal's term is added: the closure test against the official 3+1 surface shows that this is
   the collaboration's construction (rms difference of -2 ln L inside the official 3 sigma
   region: 0.03 with the signal term; 0.62 without it; 1.32 if diag(b) is added as well, i.e.
   F already carries the background's statistical variance). Pearson (variance = prediction)
   rather than Neyman (data) or CNP because the data-side variance of a bin cannot be split
   between the signal and the background already inside F, and because it is what reproduces
   the official fit;
3. collapse the signal and background blocks, C = P M P^T with P (19x30) = [[1, 1, 0], [0, 0, 1]]:
   the nu_e-like bins hold s + b, the nu_mu bins m;
4. joint form (19 bins = 11 nu_e + 8 nu_mu, the official fit): r = [d_e - s - b, d_mu - m],
   chi^2 = r^T C^{-1} r, -2 ln L = chi^2 + ln det C.

Conditional form (the nu_mu constraint as a constrained nu_e prediction). Partition
C = [[A, B], [B^T, D]] (nu_e, nu_mu). Given the observed nu_mu data, the nu_e bins are Gaussian
with

    mu_e|mu = s + b + B D^{-1} (d_mu - m),       C_e|mu = A - B D^{-1} B^T,

and chi^2_cond = (d_e - mu_e|mu)^T C_e|mu^{-1} (d_e - mu_e|mu). Exactly (Schur complement),
chi^2_joint = chi^2_cond + (d_mu - m)^T D^{-1} (d_mu - m) and ln det C = ln det C_e|mu + ln det D.
D does not depend on s, so both forms give identical Delta chi^2 (tested).

Where the dipole prediction goes: in the signal block, added to the oscillation prediction.
Dipole photons are induced by the same nu_mu flux as the full-transmutation nu_e and are
reconstructed as single electron-like showers, so the flux (correlated with the nu_mu CCQE
sample) and detector/optical-model systematics of that block are the appropriate ones; its
nu_e-CCQE cross-section systematics are only a proxy for the Primakoff cross-section
uncertainty (a choice, stated here and in the report).

Which statistic for the dipole scans: the paper uses "a chi^2 test statistic" (Sec. IV.B), so
``chi2(signal)`` (no ln det C) is the default of the dipole analysis; ``log_det=True`` is
MiniBooNE's own -2 ln L. Because C depends on the signal, the two give different Delta chi^2 for
large signals (for the 3+1 fit the plain chi^2 moves the best fit by 1 step in dm^2 and 4 in
sin^2 2theta on the official grid, Delta chi^2 = 0.05 at the official best fit).

Fit range: the bins of ``[fit] eqe_range_mev`` (default 200-3000 MeV, the official range); a
narrower range keeps the sub-block of C (marginalisation of the dropped bins).

Output formats
--------------
Grid CSV: header ``m_N [GeV],d_mu [GeV^-1],chi2,delta_chi2``, one row per grid point
(m_N-major order), delta_chi2 = chi2 - min(chi2) over the grid; numbers with 10 significant
digits; ``nan`` where chi2 is undefined. Contour CSVs: one file per closed path,
``<stem>_path<k>.csv`` (k = 0, 1, ...), header ``m_N [GeV],d_mu [GeV^-1]``, the first point
repeated at the end. Both are written to a temporary file in the target folder and moved into
place with :func:`os.replace` (atomic on POSIX).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats as sps

from neutrissimo.atomic import write_text
from neutrissimo.exceptions import ConfigurationError, DataFileError, PhysicsDomainError
from neutrissimo.experiments.miniboone import (
    COVARIANCE_BLOCKS,
    CosThetaData,
    MiniBooNEConfig,
    NumodeRelease,
    load_config,
    load_cos_theta_data,
    load_numode_release,
)

__all__ = [
    "CONTOUR_COLUMNS",
    "GRID_COLUMNS",
    "MiniBooNECosThetaLikelihood",
    "MiniBooNEEnergyLikelihood",
    "absolute_covariance",
    "chi2_cos_theta",
    "chi2_covariance",
    "collapse_signal_background",
    "conditional_gaussian",
    "contour_paths",
    "delta_chi2_threshold",
    "read_grid_csv",
    "sigma_to_probability",
    "standard_thresholds",
    "write_contour_csvs",
    "write_grid_csv",
    "write_scan_csvs",
]

GRID_COLUMNS: tuple[str, ...] = ("m_N [GeV]", "d_mu [GeV^-1]", "chi2", "delta_chi2")
CONTOUR_COLUMNS: tuple[str, ...] = ("m_N [GeV]", "d_mu [GeV^-1]")


# --------------------------------------------------------------------------------------------
# generic Gaussian algebra


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
    return out


def absolute_covariance(fractional: ArrayLike, prediction: ArrayLike) -> NDArray[np.float64]:
    """M_ij = F_ij N_i N_j (batched over leading axes of ``prediction``)."""
    f = np.asarray(fractional, dtype=float)
    n = np.asarray(prediction, dtype=float)
    return f * n[..., :, None] * n[..., None, :]


def _collapse_matrix(n_nue: int, n_numu: int) -> NDArray[np.float64]:
    p = np.zeros((n_nue + n_numu, 2 * n_nue + n_numu))
    i = np.arange(n_nue)
    p[i, i] = 1.0
    p[i, n_nue + i] = 1.0
    j = np.arange(n_numu)
    p[n_nue + j, 2 * n_nue + j] = 1.0
    return p


def collapse_signal_background(
    covariance: ArrayLike, n_nue: int = 11, n_numu: int = 8
) -> NDArray[np.float64]:
    """Collapse [signal, nu_e background, nu_mu] blocks to [nu_e-like, nu_mu]: C = P M P^T."""
    p = _collapse_matrix(n_nue, n_numu)
    return p @ np.asarray(covariance, dtype=float) @ p.T


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


# --------------------------------------------------------------------------------------------
# MiniBooNE E_QE likelihood


@dataclass(frozen=True)
class MiniBooNEEnergyLikelihood:
    """MiniBooNE 2020 nu-mode E_QE chi^2 with the nu_mu constraint (recipe in the module doc).

    ``signal`` arguments are the non-background nu_e-like prediction (oscillation + dipole) in
    the 11 official E_QE bins, events at 18.75e20 POT, shape (..., 11) (batched).
    """

    nue_data: NDArray[np.float64] = field(repr=False)
    nue_background: NDArray[np.float64] = field(repr=False)
    numu_data: NDArray[np.float64] = field(repr=False)
    numu_prediction: NDArray[np.float64] = field(repr=False)
    fractional: NDArray[np.float64] = field(repr=False)
    fit_bins: NDArray[np.bool_] = field(repr=False)

    @classmethod
    def from_release(
        cls, release: NumodeRelease | None = None, config: MiniBooNEConfig | None = None
    ) -> MiniBooNEEnergyLikelihood:
        """The likelihood of the official 2020 release over ``[fit] eqe_range_mev``."""
        rel = load_numode_release() if release is None else release
        cfg = load_config() if config is None else config
        return cls(
            rel.nue_data,
            rel.nue_background,
            rel.numu_data,
            rel.numu_prediction,
            rel.fractional_covariance,
            cfg.fit_bins,
        )

    def __post_init__(self) -> None:
        n_s, n_b, n_m = (n for _, n in COVARIANCE_BLOCKS)
        shapes = {
            "nue_data": (self.nue_data.shape, (n_b,)),
            "nue_background": (self.nue_background.shape, (n_b,)),
            "numu_data": (self.numu_data.shape, (n_m,)),
            "numu_prediction": (self.numu_prediction.shape, (n_m,)),
            "fractional": (self.fractional.shape, (n_s + n_b + n_m,) * 2),
            "fit_bins": (self.fit_bins.shape, (n_b,)),
        }
        for name, (got, want) in shapes.items():
            if got != want:
                raise ConfigurationError(
                    f"MiniBooNEEnergyLikelihood.{name}: shape {got} != {want}."
                )

    @property
    def n_nue(self) -> int:
        """Number of nu_e-like bins in the fit."""
        return int(self.fit_bins.sum())

    @property
    def _keep(self) -> NDArray[np.bool_]:
        return np.concatenate([self.fit_bins, np.ones(self.numu_data.size, dtype=bool)])

    def _signal(self, signal: ArrayLike) -> NDArray[np.float64]:
        s = np.asarray(signal, dtype=float)
        if s.shape[-1:] != self.nue_data.shape:
            raise PhysicsDomainError(
                f"Signal prediction must have {self.nue_data.size} E_QE bins (official binning, "
                f"all bins even if the fit uses fewer); got shape {s.shape}."
            )
        if not np.all(np.isfinite(s)) or np.any(s < 0):
            raise PhysicsDomainError("Signal prediction must be finite and >= 0 (events).")
        return s

    def covariance(self, signal: ArrayLike) -> NDArray[np.float64]:
        """Joint covariance (..., n_nue + 8, n_nue + 8): collapsed systematics + Pearson stat."""
        s = self._signal(signal)
        shape = s.shape[:-1]
        full = np.concatenate(
            [
                s,
                np.broadcast_to(self.nue_background, (*shape, self.nue_background.size)),
                np.broadcast_to(self.numu_prediction, (*shape, self.numu_prediction.size)),
            ],
            axis=-1,
        )
        m = absolute_covariance(self.fractional, full)
        idx = np.arange(s.shape[-1])
        m[..., idx, idx] += s  # Pearson statistical term of the signal (step 2)
        c = collapse_signal_background(m, self.nue_data.size, self.numu_data.size)
        keep = self._keep
        return c[..., keep, :][..., :, keep]

    def residual(self, signal: ArrayLike) -> NDArray[np.float64]:
        """Joint residual [d_e - s - b, d_mu - m] over the fit bins, shape (..., n_nue + 8)."""
        s = self._signal(signal)
        r_e = self.nue_data - s - self.nue_background
        r_m = np.broadcast_to(
            self.numu_data - self.numu_prediction, (*s.shape[:-1], self.numu_data.size)
        )
        return np.concatenate([r_e[..., self.fit_bins], r_m], axis=-1)

    def chi2(self, signal: ArrayLike, *, log_det: bool = False) -> NDArray[np.float64]:
        """Joint chi^2 over nu_e and nu_mu bins (+ ln det C with ``log_det``: -2 ln L)."""
        return chi2_covariance(self.residual(signal), self.covariance(signal), log_det=log_det)

    def conditional(self, signal: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """nu_mu-constrained nu_e-like prediction and covariance over the fit bins."""
        s = self._signal(signal)
        mean = np.concatenate(
            [
                (s + self.nue_background)[..., self.fit_bins],
                np.broadcast_to(self.numu_prediction, (*s.shape[:-1], self.numu_prediction.size)),
            ],
            axis=-1,
        )
        return conditional_gaussian(mean, self.covariance(s), self.n_nue, self.numu_data)

    def chi2_conditional(self, signal: ArrayLike, *, log_det: bool = False) -> NDArray[np.float64]:
        """chi^2 of the nu_e data against the nu_mu-constrained prediction (nu_e bins only).

        Equals :meth:`chi2` minus :meth:`numu_chi2` (and the ln det terms likewise).
        """
        mean, cov = self.conditional(signal)
        return chi2_covariance(self.nue_data[self.fit_bins] - mean, cov, log_det=log_det)

    def numu_chi2(self, *, log_det: bool = False) -> float:
        """chi^2 (+ ln det) of the nu_mu CCQE data alone; independent of the signal."""
        cov = self.covariance(np.zeros(self.nue_data.size))[self.n_nue :, self.n_nue :]
        r = self.numu_data - self.numu_prediction
        return float(chi2_covariance(r, cov, log_det=log_det))

    def constrained_background(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """nu_mu-constrained nu_e background over the fit bins and its covariance (syst + stat).

        (For the full 200-1250 MeV range this gives 2359 +- 124 events; the 2020 paper quotes
        2309.4 +- 119.6 from its internal fit.)
        """
        return self.conditional(np.zeros(self.nue_data.size))


# --------------------------------------------------------------------------------------------
# cos(theta)


def chi2_cos_theta(
    data: ArrayLike,
    prediction: ArrayLike,
    *,
    fractional_systematic: float = 0.13,
    stat: str = "pearson",
) -> NDArray[np.float64]:
    """chi^2 = sum_k (d_k - p_k)^2 / (sigma_stat,k^2 + (f p_k)^2), batched over leading axes.

    ``prediction`` is the total (background + oscillation + dipole) per cos(theta) bin; f the
    uncorrelated fractional systematic (13 %, paper Sec. IV.B). ``stat = "pearson"`` uses the
    expected counts p_k as statistical variance (consistent with the E_QE statistic),
    ``"neyman"`` the observed d_k.

    Raises:
        PhysicsDomainError: negative prediction or a bin with zero total variance.
        ConfigurationError: unknown ``stat``.
    """
    d = np.asarray(data, dtype=float)
    p = np.asarray(prediction, dtype=float)
    if np.any(p < 0) or not np.all(np.isfinite(p)):
        raise PhysicsDomainError("cos(theta) prediction must be finite and >= 0.")
    if stat == "pearson":
        var_stat = p
    elif stat == "neyman":
        var_stat = np.broadcast_to(d, p.shape)
    else:
        raise ConfigurationError(f"stat = {stat!r}; use 'pearson' or 'neyman'.")
    var = var_stat + (fractional_systematic * p) ** 2
    if np.any(var <= 0):
        raise PhysicsDomainError("A cos(theta) bin has zero variance (empty prediction and data).")
    return np.sum((d - p) ** 2 / var, axis=-1)


@dataclass(frozen=True)
class MiniBooNECosThetaLikelihood:
    """cos(theta) chi^2 of the digitized 2020 distribution (200 < E_QE < 1250 MeV).

    ``chi2(signal)`` with signal = oscillation + dipole per cos(theta) bin (20 bins, events);
    the prediction is background + signal, errors as in :func:`chi2_cos_theta`. The data are
    the digitized counts (sum 2884.6 vs. 2870 true events: digitization scatter is kept, not
    rescaled).
    """

    data: NDArray[np.float64] = field(repr=False)
    background: NDArray[np.float64] = field(repr=False)
    fractional_systematic: float = 0.13
    stat: str = "pearson"

    @classmethod
    def from_release(
        cls, cos_data: CosThetaData | None = None, config: MiniBooNEConfig | None = None
    ) -> MiniBooNECosThetaLikelihood:
        """Likelihood of the digitized 2020 cos(theta) data with the TOML's 13 % systematic."""
        c = load_cos_theta_data() if cos_data is None else cos_data
        cfg = load_config() if config is None else config
        return cls(c.data, c.background, cfg.cos_fractional_systematic)

    def chi2(self, signal: ArrayLike) -> NDArray[np.float64]:
        """chi^2 of data vs background + signal (batched over leading axes of ``signal``)."""
        s = np.asarray(signal, dtype=float)
        if s.shape[-1:] != self.data.shape:
            raise PhysicsDomainError(
                f"cos(theta) signal must have {self.data.size} bins; got shape {s.shape}."
            )
        return chi2_cos_theta(
            self.data,
            self.background + s,
            fractional_systematic=self.fractional_systematic,
            stat=self.stat,
        )


# --------------------------------------------------------------------------------------------
# Wilks' theorem


def sigma_to_probability(n_sigma: ArrayLike) -> NDArray[np.float64]:
    """Two-sided Gaussian coverage of +-n sigma: P = erf(n / sqrt 2) = chi2_1.cdf(n^2)."""
    return sps.chi2.cdf(np.asarray(n_sigma, dtype=float) ** 2, df=1)


def delta_chi2_threshold(
    probability: ArrayLike | None = None, *, sigma: ArrayLike | None = None, dof: int = 2
) -> NDArray[np.float64]:
    """Delta chi^2 below which a point is inside the region of the given confidence level.

    Wilks' theorem (Ann. Math. Statist. 9, 60 (1938), paper ref. [52]): Delta chi^2 follows
    chi^2 with ``dof`` degrees of freedom, so the threshold is chi2.ppf(CL, dof). Give either
    ``probability`` (e.g. 0.90) or ``sigma`` (n, converted with :func:`sigma_to_probability`).
    For dof = 2: 1 sigma -> 2.30, 90 % -> 4.61, 95 % -> 5.99, 2 sigma -> 6.18, 3 sigma -> 11.83.
    """
    if (probability is None) == (sigma is None):
        raise ConfigurationError("Give exactly one of probability= or sigma=.")
    p = sigma_to_probability(sigma) if sigma is not None else np.asarray(probability, dtype=float)
    if np.any((p <= 0) | (p >= 1)):
        raise ConfigurationError(f"Confidence level must lie in (0, 1); got {p}.")
    if dof < 1:
        raise ConfigurationError(f"dof must be >= 1; got {dof}.")
    return sps.chi2.ppf(p, df=dof)


def standard_thresholds(dof: int = 2) -> dict[str, float]:
    """Delta chi^2 thresholds for 1, 2, 3 sigma, 90 % and 95 % CL (``dof`` degrees of freedom)."""
    out = {f"{n}sigma": float(delta_chi2_threshold(sigma=n, dof=dof)) for n in (1, 2, 3)}
    out["90%"] = float(delta_chi2_threshold(0.90, dof=dof))
    out["95%"] = float(delta_chi2_threshold(0.95, dof=dof))
    return out


# --------------------------------------------------------------------------------------------
# contours


def contour_paths(
    x: ArrayLike,
    y: ArrayLike,
    z: ArrayLike,
    level: float,
    *,
    log_x: bool = False,
    log_y: bool = False,
) -> list[NDArray[np.float64]]:
    """Closed boundaries of the region {z <= level} of a grid, as (N, 2) arrays of (x, y).

    Args:
        x, y: grid axes, shapes (nx,), (ny,), increasing.
        z: values on the grid, shape (nx, ny) (``indexing="ij"``: z[i, j] at (x[i], y[j])).
            NaN values are masked (treated as outside).
        level: e.g. a Delta chi^2 threshold.
        log_x, log_y: interpolate in log10 of the axis (for log-spaced scans); the returned
            points are in the grid's own units either way.

    Each path is closed (last point = first point). Paths are outer boundaries
    (counter-clockwise in the interpolation coordinates) and boundaries of holes (clockwise);
    a region touching the edge of the grid is closed along the grid edge.
    """
    import contourpy

    xa = np.asarray(x, dtype=float)
    ya = np.asarray(y, dtype=float)
    za = np.asarray(z, dtype=float)
    if za.shape != (xa.size, ya.size):
        raise ConfigurationError(
            f"z has shape {za.shape}; expected (len(x), len(y)) = ({xa.size}, {ya.size})."
        )
    if (log_x and np.any(xa <= 0)) or (log_y and np.any(ya <= 0)):
        raise ConfigurationError("Log-interpolated axes need positive values.")
    u = np.log10(xa) if log_x else xa
    v = np.log10(ya) if log_y else ya
    zt = np.ma.masked_invalid(za.T)  # contourpy wants (ny, nx)
    if zt.count() == 0 or level < zt.min():
        return []
    gen = contourpy.contour_generator(u, v, zt, fill_type=contourpy.FillType.OuterOffset)
    lower = float(zt.min()) - 1.0
    points_list, offsets_list = gen.filled(lower, float(level))
    paths: list[NDArray[np.float64]] = []
    for pts, offs in zip(points_list, offsets_list, strict=True):
        for a, b in itertools.pairwise(offs):
            ring = np.asarray(pts[a:b], dtype=float)
            if not np.array_equal(ring[0], ring[-1]):
                ring = np.vstack([ring, ring[:1]])
            if log_x:
                ring[:, 0] = 10.0 ** ring[:, 0]
            if log_y:
                ring[:, 1] = 10.0 ** ring[:, 1]
            paths.append(ring)
    return paths


# --------------------------------------------------------------------------------------------
# CSV output


def _fmt(a: NDArray[np.float64]) -> list[str]:
    return [f"{v:.10g}" for v in a]


def write_grid_csv(path: str | Path, m_N: ArrayLike, d_mu: ArrayLike, chi2: ArrayLike) -> Path:
    """Write a (m_N, d_mu) chi^2 grid as CSV (format in the module doc); returns the path.

    ``chi2`` has shape (len(m_N), len(d_mu)); delta_chi2 = chi2 - nanmin(chi2).
    """
    m = np.asarray(m_N, dtype=float)
    d = np.asarray(d_mu, dtype=float)
    c = np.asarray(chi2, dtype=float)
    if c.shape != (m.size, d.size):
        raise ConfigurationError(
            f"chi2 shape {c.shape} != (len(m_N), len(d_mu)) = {(m.size, d.size)}."
        )
    if np.all(np.isnan(c)):
        raise PhysicsDomainError("chi2 grid is entirely NaN.")
    mm, dd = np.meshgrid(m, d, indexing="ij")
    delta = c - np.nanmin(c)
    cols = [_fmt(a.ravel()) for a in (mm, dd, c, delta)]
    lines = [",".join(GRID_COLUMNS)] + [",".join(row) for row in zip(*cols, strict=True)]
    path = Path(path)
    write_text(path, "\n".join(lines) + "\n")
    return path


def read_grid_csv(path: str | Path) -> dict[str, NDArray[np.float64]]:
    """Read a grid CSV written by :func:`write_grid_csv`: arrays keyed by column name.

    Raises:
        DataFileError: the header is not the documented one.
    """
    path = Path(path)
    with path.open() as fh:
        header = fh.readline().strip()
    if header != ",".join(GRID_COLUMNS):
        raise DataFileError(f"{path}: header {header!r}, expected {','.join(GRID_COLUMNS)!r}.")
    table = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    return {name: table[:, k] for k, name in enumerate(GRID_COLUMNS)}


def write_contour_csvs(folder: str | Path, stem: str, paths: Sequence[ArrayLike]) -> list[Path]:
    """Write one CSV per closed path, ``<folder>/<stem>_path<k>.csv`` (format in module doc).

    Older ``<stem>_path*.csv`` files in the folder that are not rewritten are removed, so the
    folder always holds exactly the current set of paths.
    """
    if not re.fullmatch(r"[A-Za-z0-9_.+-]+", stem):
        raise ConfigurationError(f"Contour file stem {stem!r} must be a plain file name.")
    folder = Path(folder)
    written: list[Path] = []
    for k, p in enumerate(paths):
        arr = np.asarray(p, dtype=float)
        if arr.ndim != 2 or arr.shape[1] != 2:
            raise ConfigurationError(f"Contour path {k} has shape {arr.shape}; expected (N, 2).")
        lines = [",".join(CONTOUR_COLUMNS)] + [
            f"{a:.10g},{b:.10g}" for a, b in zip(arr[:, 0], arr[:, 1], strict=True)
        ]
        target = folder / f"{stem}_path{k}.csv"
        write_text(target, "\n".join(lines) + "\n")
        written.append(target)
    pattern = re.compile(rf"{re.escape(stem)}_path\d+\.csv")
    for old in folder.glob(f"{stem}_path*.csv"):
        if pattern.fullmatch(old.name) and old not in written:
            old.unlink()
    return written


def write_scan_csvs(
    folder: str | Path,
    stem: str,
    m_N: ArrayLike,
    d_mu: ArrayLike,
    chi2: ArrayLike,
    *,
    sigmas: Sequence[int] = (1, 2, 3),
    dof: int = 2,
) -> dict[str, list[Path]]:
    """Write a scan's grid and its Wilks regions: ``<stem>_grid.csv`` and, per n in
    ``sigmas``, ``<stem>_<n>sigma_path<k>.csv`` (contours of Delta chi^2 = threshold(n sigma,
    dof), interpolated in log m_N and log d_mu). Returns the written paths by key
    (``"grid"``, ``"1sigma"``, ...).
    """
    if not re.fullmatch(r"[A-Za-z0-9_.+-]+", stem):
        raise ConfigurationError(f"Scan file stem {stem!r} must be a plain file name.")
    folder = Path(folder)
    c = np.asarray(chi2, dtype=float)
    out = {"grid": [write_grid_csv(folder / f"{stem}_grid.csv", m_N, d_mu, c)]}
    delta = c - np.nanmin(c)
    for n in sigmas:
        level = float(delta_chi2_threshold(sigma=n, dof=dof))
        paths = contour_paths(m_N, d_mu, delta, level, log_x=True, log_y=True)
        out[f"{n}sigma"] = write_contour_csvs(folder, f"{stem}_{n}sigma", paths)
    return out
