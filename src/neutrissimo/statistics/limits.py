"""Upper limits on a coupling from binned counts: profile likelihood with a background nuisance.

What to use when
----------------
* :func:`q_statistic` -- the one-sided profile-likelihood-ratio statistic ``q`` of a signal
  hypothesis against Poisson-distributed bin counts with a Gaussian-constrained background
  normalisation. Vectorised over any leading axes of the signal, so it also gives the
  test-statistic grid of a whole (m_N, d) scan in one call.
* :func:`coupling_limit` -- for one HNL mass: a grid of couplings with the expected signal at
  each (per bin, or a total times a fixed bin shape); returns where ``q`` crosses the threshold,
  i.e. the excluded band(s) in d, with the grid of ``q`` values.
* :func:`coupling_limits` -- the same for many masses; :class:`LimitCurve` holds the lower and
  upper edges as arrays ready to plot.
* :func:`signal_upper_limit` -- the upper limit on the signal *count* for a fixed bin shape
  (useful when the signal shape does not depend on the coupling, as in the MINERvA dE/dx
  analysis: then d is excluded exactly where N_signal(d) exceeds it).

The statistical model (Kamp et al., arXiv:2206.07100, Sec. V.C)
--------------------------------------------------------------
Bins i (the photon-like dE/dx bins for MINERvA) with observed counts n_i, background b_i and
signal s_i; the background normalisation theta carries a Gaussian constraint of width eta
(eta = 0.3 nominal, 1.0 "conservative" in the paper)::

    -ln L(mu, theta) = sum_i [nu_i - n_i ln nu_i] + (theta - 1)^2 / (2 eta^2),
    nu_i = mu s_i + theta b_i,     mu >= 0,  theta >= 0.

n_i need not be integers (digitised data): only the likelihood *ratio* enters, written as the
Poisson deviance 2 sum [nu - n + n ln(n/nu)], which is defined for real n >= 0. eta = 0 fixes
theta = 1 (no nuisance).

Test statistic. A signal hypothesis s (one coupling at one mass) is the point mu = 1 of the
family mu s. Its one-sided profile likelihood ratio (Cowan, Cranmer, Gross, Vitells, Eur. Phys.
J. C 71, 1554 (2011), eq. (16), "q~_mu" with mu-hat constrained to [0, mu])::

    q = -2 ln [ L(1, theta_hat_hat) / L(mu_hat, theta_hat) ],   mu_hat in [0, 1],

with theta profiled (maximised) in both. q = 0 when the data prefer at least the hypothesised
signal (mu_hat = 1): an upper limit is never set by a deficit of signal. The hypothesis is
excluded at 95% CL when q > 2.706 = chi2_1 quantile at 90%: under the background-plus-signal
hypothesis q follows asymptotically (Wilks, with Chernoff's boundary correction) a half
chi-square with one degree of freedom, whose 95% quantile is 2.706 (one-sided 1.645 sigma).

Why this and not CLs or a chi2 scan: the paper quotes 95% CL limits with a Gaussian
background-normalisation uncertainty; the profile likelihood is the standard frequentist way
to include that nuisance, the Poisson form stays valid in sparse high-dE/dx bins, and with
O(100) background events per sample the asymptotic threshold is accurate (checked against
toys in the tests). CLs (divide CL_s+b by CL_b) would protect against excluding signals the
experiment is insensitive to when the data fluctuate below the background; here the
background normalisation is itself fitted, so a deficit mostly pulls theta down instead. Use
``threshold=3.841`` for a two-sided 95% interval, 2.706 (default) for the one-sided upper
limit the paper quotes.

The excluded region in d is a band. The expected signal is not proportional to d^2: for small
d the HNL is long-lived and decays beyond the detector, for large d it decays before reaching
the fiducial volume. :func:`coupling_limit` scans q over the coupling grid, interpolating q
linearly in ln d between grid points, and returns every excluded interval; ``lower`` and
``upper`` are the edges of the lowest-coupling excluded interval (``upper is None`` when it
reaches the end of the grid: the band is open above within the scanned range).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neutrissimo.exceptions import ConfigurationError
from neutrissimo.statistics.profile import (
    THRESHOLD_95CL_ONE_SIDED,
    THRESHOLD_95CL_TWO_SIDED,
    _as_counts,
    q_statistic,
)

__all__ = [
    "THRESHOLD_95CL_ONE_SIDED",
    "THRESHOLD_95CL_TWO_SIDED",
    "CouplingLimit",
    "LimitCurve",
    "coupling_limit",
    "coupling_limits",
]


@dataclass(frozen=True)
class CouplingLimit:
    """Excluded couplings at one HNL mass.

    Attributes:
        m_N: HNL mass in GeV (NaN if not given).
        couplings: the coupling grid d in GeV^-1 (increasing).
        q: the test statistic at each coupling of the grid.
        threshold: the q above which a coupling is excluded.
        intervals: every excluded interval (d_low, d_high) in GeV^-1, ln-d interpolated; an
            edge at the first or last grid point means the band continues beyond the grid.
        lower: lower edge of the lowest excluded interval (None: nothing excluded).
        upper: upper edge of that interval (None: excluded up to the end of the grid, or
            nothing excluded).
        open_below: the grid starts inside an excluded interval (extend the grid down).
    """

    m_N: float
    couplings: NDArray[np.float64]
    q: NDArray[np.float64]
    threshold: float
    intervals: tuple[tuple[float, float], ...]
    lower: float | None
    upper: float | None
    open_below: bool

    @property
    def excluded(self) -> NDArray[np.bool_]:
        """Mask of the grid couplings that are excluded (q > threshold)."""
        return self.q > self.threshold


def _crossing(x0: float, x1: float, q0: float, q1: float, level: float) -> float:
    """ln-d position where q, linear in ln d between two grid points, equals ``level``."""
    return float(np.exp(x0 + (level - q0) * (x1 - x0) / (q1 - q0)))


def _intervals(
    couplings: NDArray[np.float64], q: NDArray[np.float64], threshold: float
) -> tuple[tuple[float, float], ...]:
    x = np.log(couplings)
    excluded = q > threshold
    out: list[tuple[float, float]] = []
    k = 0
    n = len(q)
    while k < n:
        if not excluded[k]:
            k += 1
            continue
        start = k
        while k < n and excluded[k]:
            k += 1
        stop = k - 1
        low = (
            float(couplings[0])
            if start == 0
            else _crossing(x[start - 1], x[start], q[start - 1], q[start], threshold)
        )
        high = (
            float(couplings[-1])
            if stop == n - 1
            else _crossing(x[stop], x[stop + 1], q[stop], q[stop + 1], threshold)
        )
        out.append((low, high))
    return tuple(out)


def _signal_matrix(
    signal: ArrayLike, n_couplings: int, n_bins: int, signal_shape: ArrayLike | None
) -> NDArray[np.float64]:
    s = _as_counts("signal", signal)
    if signal_shape is not None:
        p = _as_counts("signal_shape", signal_shape)
        if p.ndim != 1 or p.size != n_bins or p.sum() <= 0:
            raise ConfigurationError(
                f"signal_shape must have one non-negative entry per bin ({n_bins}) and a "
                f"positive sum; got shape {p.shape}."
            )
        if s.shape != (n_couplings,):
            raise ConfigurationError(
                "With signal_shape, signal must be the total expected signal at each coupling, "
                f"shape ({n_couplings},); got {s.shape}."
            )
        return np.asarray(s[:, None] * (p / p.sum())[None, :], dtype=np.float64)
    if s.shape == (n_couplings,) and n_bins == 1:
        return s[:, None]
    if s.shape != (n_couplings, n_bins):
        raise ConfigurationError(
            f"signal must have shape (n_couplings, n_bins) = ({n_couplings}, {n_bins}), or be "
            f"totals of shape ({n_couplings},) together with signal_shape; got {s.shape}."
        )
    return s


def coupling_limit(
    couplings: ArrayLike,
    signal: ArrayLike,
    data: ArrayLike,
    background: ArrayLike,
    *,
    eta: float,
    signal_shape: ArrayLike | None = None,
    threshold: float = THRESHOLD_95CL_ONE_SIDED,
    m_N: float = math.nan,
    signal_uncertainty: ArrayLike | None = None,
) -> CouplingLimit:
    """Excluded range of couplings at one mass from a grid of expected signals.

    Args:
        couplings: increasing grid of couplings d (GeV^-1), at least 2 points.
        signal: expected signal per bin at each coupling, (n_couplings, n_bins); or the total
            at each coupling, (n_couplings,), together with ``signal_shape``.
        data, background: observed and expected background events per bin, (n_bins,).
        eta: Gaussian background-normalisation uncertainty (0.3 nominal, 1.0 conservative).
        signal_shape: bin shape of the signal (normalised here) when ``signal`` holds totals.
        threshold: q above which a coupling is excluded (95% CL one-sided by default).
        m_N: the mass in GeV, stored in the result.
        signal_uncertainty: relative uncertainty of the signal at each coupling,
            (n_couplings,) (e.g. its Monte Carlo error), profiled as in
            :func:`~neutrissimo.statistics.profile.q_statistic`; None: exact.

    Returns:
        :class:`CouplingLimit` with the q grid, all excluded intervals and the edges of the
        lowest one (edges interpolated linearly in ln d between grid points).
    """
    d = _check_couplings(couplings)
    n, b = _check_counts(data, background)
    s = _signal_matrix(signal, d.size, n.size, signal_shape)
    q = q_statistic(s, n, b, eta=eta, signal_uncertainty=signal_uncertainty)
    return _limit_from_q(d, q, threshold, m_N)


def _check_couplings(couplings: ArrayLike) -> NDArray[np.float64]:
    d = np.asarray(couplings, dtype=float)
    if d.ndim != 1 or d.size < 2 or np.any(~np.isfinite(d)) or np.any(d <= 0):
        raise ConfigurationError(
            f"couplings must be a 1-D grid of at least 2 positive numbers (GeV^-1); got {d!r}."
        )
    if np.any(np.diff(d) <= 0):
        raise ConfigurationError("couplings must be strictly increasing.")
    return d


def _check_counts(
    data: ArrayLike, background: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    n = _as_counts("data", data)
    b = _as_counts("background", background, positive=True)
    if n.shape != b.shape or n.ndim != 1:
        raise ConfigurationError(
            f"data and background must be 1-D with one entry per bin; got {n.shape}, {b.shape}."
        )
    return n, b


def _limit_from_q(
    d: NDArray[np.float64], q: NDArray[np.float64], threshold: float, m_N: float
) -> CouplingLimit:
    """The excluded intervals of one mass from its q on the coupling grid ``d``."""
    intervals = _intervals(d, q, threshold)
    lower = intervals[0][0] if intervals else None
    upper = None
    if intervals:
        last_point_excluded = bool(q[-1] > threshold)
        first_runs_to_end = len(intervals) == 1 and last_point_excluded
        upper = None if first_runs_to_end else intervals[0][1]
    return CouplingLimit(
        m_N=float(m_N),
        couplings=d,
        q=q,
        threshold=float(threshold),
        intervals=intervals,
        lower=lower,
        upper=upper,
        open_below=bool(q[0] > threshold),
    )


@dataclass(frozen=True)
class LimitCurve:
    """Exclusion edges versus mass, ready to plot.

    Attributes:
        m_N: masses in GeV.
        lower: lower edge of the excluded band per mass, GeV^-1 (NaN: nothing excluded).
        upper: upper edge per mass, GeV^-1 (NaN: nothing excluded, or open above the grid).
        limits: the per-mass :class:`CouplingLimit` results (with their q grids).
    """

    m_N: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    limits: tuple[CouplingLimit, ...]

    @property
    def q_grid(self) -> NDArray[np.float64]:
        """Test statistic, shape (n_masses, n_couplings) (needs a common coupling grid)."""
        return np.stack([limit.q for limit in self.limits])


def coupling_limits(
    m_N: ArrayLike,
    couplings: ArrayLike | Sequence[ArrayLike],
    signal: Sequence[ArrayLike] | ArrayLike,
    data: ArrayLike,
    background: ArrayLike,
    *,
    eta: float,
    signal_shape: ArrayLike | None = None,
    threshold: float = THRESHOLD_95CL_ONE_SIDED,
    signal_uncertainty: Sequence[ArrayLike] | ArrayLike | None = None,
) -> LimitCurve:
    """:func:`coupling_limit` for each mass.

    Args:
        m_N: masses in GeV, (n_masses,).
        couplings: one grid for all masses, (n_couplings,), or one grid per mass.
        signal: per mass, the signal array accepted by :func:`coupling_limit`.
        data, background, eta, signal_shape, threshold: as in :func:`coupling_limit`.
        signal_uncertainty: per mass, the relative signal uncertainty at each coupling
            (:func:`coupling_limit`); None: exact signals.
    """
    masses = np.atleast_1d(np.asarray(m_N, dtype=float))
    if isinstance(couplings, np.ndarray) and couplings.ndim == 2:
        grids = list(couplings)
    elif np.ndim(couplings[0]) == 0:  # type: ignore[index]
        grids = [np.asarray(couplings, dtype=float)] * masses.size
    else:
        grids = list(couplings)  # type: ignore[arg-type]
    signals = list(signal)  # type: ignore[arg-type]
    if len(grids) != masses.size or len(signals) != masses.size:
        raise ConfigurationError(
            f"Need one coupling grid and one signal array per mass ({masses.size}); got "
            f"{len(grids)} grids and {len(signals)} signal arrays."
        )
    uncertainties = (
        [None] * masses.size if signal_uncertainty is None else list(signal_uncertainty)  # type: ignore[arg-type]
    )
    if len(uncertainties) != masses.size:
        raise ConfigurationError(
            f"Need one signal uncertainty array per mass ({masses.size}); got {len(uncertainties)}."
        )
    d = [_check_couplings(grid) for grid in grids]
    n, b = _check_counts(data, background)
    s = [
        _signal_matrix(sig, g.size, n.size, signal_shape) for sig, g in zip(signals, d, strict=True)
    ]
    if all(g.shape == d[0].shape for g in d):
        # One q_statistic call for the whole (mass, coupling) grid: vectorised over masses.
        sigma = None
        if signal_uncertainty is not None:
            sigma = np.stack(
                [
                    np.broadcast_to(np.asarray(0.0 if u is None else u, dtype=float), (g.size,))
                    for u, g in zip(uncertainties, d, strict=True)
                ]
            )
        q_rows = list(q_statistic(np.stack(s), n, b, eta=eta, signal_uncertainty=sigma))
    else:
        q_rows = [
            q_statistic(sig, n, b, eta=eta, signal_uncertainty=unc)
            for sig, unc in zip(s, uncertainties, strict=True)
        ]
    results = tuple(
        _limit_from_q(g, q, threshold, float(mass))
        for mass, g, q in zip(masses, d, q_rows, strict=True)
    )
    lower = np.array([r.lower if r.lower is not None else np.nan for r in results])
    upper = np.array([r.upper if r.upper is not None else np.nan for r in results])
    return LimitCurve(m_N=masses, lower=lower, upper=upper, limits=results)
