"""Profile-likelihood upper limits: analytic toys, Gaussian limits, coverage, coupling bands."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.stats import chi2

from neutrissimo import ConfigurationError
from neutrissimo.statistics.limits import coupling_limit, coupling_limits
from neutrissimo.statistics.profile import (
    THRESHOLD_95CL_ONE_SIDED,
    THRESHOLD_95CL_TWO_SIDED,
    poisson_deviance,
    profile_background,
    q_statistic,
    signal_upper_limit,
)

Q95 = THRESHOLD_95CL_ONE_SIDED
Z95 = 1.6448536269514722  # one-sided 95% Gaussian quantile


def deviance(nu: float, n: float) -> float:
    """-2 ln [Pois(n|nu) / Pois(n|n)], written out independently of the module."""
    return 2.0 * (nu - n + (n * math.log(n / nu) if n > 0 else 0.0))


def test_thresholds_are_chi2_quantiles():
    assert chi2.ppf(0.90, 1) == pytest.approx(Q95, rel=1e-12)
    assert chi2.ppf(0.95, 1) == pytest.approx(THRESHOLD_95CL_TWO_SIDED, rel=1e-12)
    assert math.sqrt(Q95) == pytest.approx(Z95, rel=1e-12)


def test_deviance_matches_poisson_likelihood_ratio():
    from scipy.stats import poisson

    nu, n = np.array([3.7, 12.0, 0.4]), np.array([5.0, 9.0, 0.0])
    expected = -2 * np.sum(poisson.logpmf(n, nu) - poisson.logpmf(n, n))
    assert poisson_deviance(nu, n) == pytest.approx(expected, rel=1e-12)
    assert poisson_deviance([0.0], [1.0]) == np.inf


@pytest.mark.parametrize(("n", "b"), [(5.0, 5.0), (8.0, 5.0), (2.0, 5.0), (0.0, 3.0)])
def test_one_bin_limit_without_nuisance_is_analytic(n, b):
    # q(s) = D(s + b) - D(s_hat + b), s_hat = max(n - b, 0) clipped at s (one-sided).
    s_hat = max(n - b, 0.0)

    def q(s):
        return deviance(s + b, n) - deviance(s_hat + b, n) if s > s_hat else 0.0

    analytic = brentq(lambda s: q(s) - Q95, s_hat + 1e-9, 100.0, xtol=1e-14)
    assert signal_upper_limit([1.0], [n], [b], eta=0.0) == pytest.approx(analytic, rel=1e-8)
    grid = np.linspace(0.0, 20.0, 7)
    expected = [q(s) for s in grid]
    assert q_statistic(grid[:, None], [n], [b], eta=0.0) == pytest.approx(expected, abs=1e-9)


def test_data_equal_background_gives_known_one_bin_limit():
    # n = b = 5: 2 [s - 5 ln(1 + s/5)] = 2.706 at s = 4.62999645...
    assert signal_upper_limit([1.0], [5.0], [5.0], eta=0.0) == pytest.approx(4.6299965, rel=1e-6)


def test_large_background_gaussian_limit():
    b = 1e8
    assert signal_upper_limit([1.0], [b], [b], eta=0.0) / math.sqrt(b) == pytest.approx(
        Z95, rel=1e-3
    )


def test_gaussian_limit_with_background_nuisance():
    # Profiling a Gaussian normalisation adds eta^2 b^2 to the variance: s_up = 1.645
    # sqrt(b + eta^2 b^2) (theta stays far from its boundary at 0 for eta = 0.3).
    b, eta = 1e4, 0.3
    expected = Z95 * math.sqrt(b + eta**2 * b**2)
    assert signal_upper_limit([1.0], [b], [b], eta=eta) == pytest.approx(expected, rel=1e-3)


def test_profiled_background_matches_closed_form():
    # s = 0, one bin: b - n/theta + (theta - 1)/eta^2 = 0 is a quadratic in theta.
    n, b, eta = 130.0, 100.0, 0.3
    a, c = 1.0 / eta**2, b - 1.0 / eta**2
    expected = (-c + math.sqrt(c**2 + 4 * a * n)) / (2 * a)
    assert profile_background([0.0], [n], [b], eta) == pytest.approx(expected, rel=1e-12)
    # a large signal pushes theta to its physical boundary 0 for a loose constraint
    assert profile_background([500.0], [100.0], [100.0], 1.0) == pytest.approx(0.0, abs=1e-12)


def test_profiled_background_converges_quadratically_and_matches_the_closed_form(monkeypatch):
    # 2000 one-bin hypotheses with closed-form solutions (theta from 0.24 to 2.6, started at
    # 1): safeguarded Newton must converge in few gradient evaluations (it used to reject its
    # own converged step, fall back to bisection and take ~50), converged rows must drop out,
    # and every row must match the quadratic's root.
    from neutrissimo.statistics import profile

    calls = []
    original = profile._theta_gradient

    def counted(theta, *args):
        calls.append(theta.size)
        return original(theta, *args)

    monkeypatch.setattr(profile, "_theta_gradient", counted)
    n = np.linspace(20.0, 400.0, 2000)
    b, eta = 100.0, 0.3
    a, c = 1.0 / eta**2, b - 1.0 / eta**2
    expected = (-c + np.sqrt(c**2 + 4 * a * n)) / (2 * a)
    theta = profile_background(np.zeros((2000, 1)), n[:, None], [b], eta)
    np.testing.assert_allclose(theta, expected, rtol=1e-12)
    assert len(calls) <= 20  # measured 16: one boundary check + the slowest row's steps
    assert sum(calls) <= 10 * 2000  # measured 7.7 per row: converged rows drop out


def test_larger_nuisance_gives_weaker_limit():
    shape = np.array([0.1, 0.3, 0.4, 0.2])
    background = np.array([40.0, 90.0, 60.0, 20.0])
    data = background.copy()
    limits = [signal_upper_limit(shape, data, background, eta=eta) for eta in (0.0, 0.3, 1.0)]
    assert limits[0] < limits[1] < limits[2]
    # with data = b the nuisance can only absorb signal: at 100% it matters a lot
    assert limits[2] > 1.5 * limits[0]


def test_coverage_of_one_sided_limit():
    # Pseudo-experiments from s + b: the limit covers s_true when q(s_true) <= threshold.
    rng = np.random.default_rng(7)
    s_true, b = 20.0, 100.0
    n = rng.poisson(s_true + b, size=(4000, 1)).astype(float)
    q = q_statistic(np.array([s_true]), n, [b], eta=0.0)
    coverage = np.mean(q <= Q95)
    assert coverage == pytest.approx(0.95, abs=0.015)


def test_test_statistic_is_vectorised_over_a_scan_grid():
    rng = np.random.default_rng(3)
    signal = rng.uniform(0, 30, size=(3, 5, 4))
    data = np.array([12.0, 30.0, 25.0, 8.0])
    background = np.array([10.0, 28.0, 27.0, 9.0])
    grid = q_statistic(signal, data, background, eta=0.3)
    assert grid.shape == (3, 5)
    one = q_statistic(signal[1, 2], data, background, eta=0.3)
    assert grid[1, 2] == pytest.approx(float(one), rel=1e-10)
    assert np.all(grid >= 0)


def band_signal(d):
    """Rises as d^2 (production), dies off at large d (decays before the detector)."""
    return 1e3 * (d / 1e-6) ** 2 * np.exp(-((d / 3e-6) ** 2))


def test_coupling_band_edges_match_root_of_signal_equals_limit():
    data, background, eta = np.array([50.0]), np.array([50.0]), 0.3
    s_up = signal_upper_limit([1.0], data, background, eta=eta)
    d_peak = 3e-6  # maximum of band_signal
    low = brentq(lambda x: band_signal(x) - s_up, 1e-9, d_peak, xtol=1e-20)
    high = brentq(lambda x: band_signal(x) - s_up, d_peak, 1e-4, xtol=1e-20)
    grid = np.geomspace(1e-8, 1e-4, 400)
    result = coupling_limit(grid, band_signal(grid), data, background, eta=eta, m_N=0.3)
    assert result.lower == pytest.approx(low, rel=2e-3)
    assert result.upper == pytest.approx(high, rel=2e-3)
    assert result.intervals == ((result.lower, result.upper),)
    assert not result.open_below
    assert result.m_N == 0.3
    assert np.array_equal(result.excluded, result.q > Q95)


def test_coupling_limit_with_totals_and_shape_equals_binned_signal():
    shape = np.array([0.2, 0.5, 0.3])
    data = np.array([30.0, 55.0, 20.0])
    background = np.array([28.0, 60.0, 22.0])
    grid = np.geomspace(1e-8, 1e-5, 60)
    totals = band_signal(grid) / 10
    a = coupling_limit(grid, totals, data, background, eta=0.3, signal_shape=shape)
    b = coupling_limit(grid, totals[:, None] * shape, data, background, eta=0.3)
    assert a.lower == pytest.approx(b.lower, rel=1e-12)
    assert a.q == pytest.approx(b.q, rel=1e-10)


def test_open_and_empty_exclusions():
    grid = np.geomspace(1e-8, 1e-6, 50)
    data, background = [10.0], [10.0]
    rising = 1e3 * (grid / 1e-7) ** 2
    result = coupling_limit(grid, rising, data, background, eta=0.3)
    assert result.lower is not None
    assert result.upper is None  # excluded up to the end of the grid
    nothing = coupling_limit(grid, 1e-3 * np.ones_like(grid), data, background, eta=0.3)
    assert nothing.lower is None
    assert nothing.upper is None
    assert nothing.intervals == ()
    everything = coupling_limit(grid, 1e4 * np.ones_like(grid), data, background, eta=0.3)
    assert everything.open_below
    assert everything.lower == grid[0]


def test_limits_over_masses():
    masses = np.array([0.01, 0.1, 1.0])
    grid = np.geomspace(1e-8, 1e-4, 200)
    signals = [band_signal(grid) * scale for scale in (1.0, 0.1, 1e-6)]
    curve = coupling_limits(masses, grid, signals, [50.0], [50.0], eta=0.3)
    assert curve.m_N == pytest.approx(masses)
    assert curve.lower[0] < curve.lower[1]  # a weaker signal is excluded only at larger d
    assert curve.upper[0] > curve.upper[1]
    assert np.isnan(curve.lower[2])  # tiny signal: nothing excluded
    assert curve.q_grid.shape == (3, 200)


def test_limits_over_masses_equal_the_limit_of_each_mass():
    # coupling_limits evaluates the whole (mass, coupling) grid in one vectorised call; every
    # mass must get what coupling_limit gives it alone, with and without a signal uncertainty.
    masses = np.array([0.01, 0.1, 1.0])
    grid = np.geomspace(1e-8, 1e-4, 120)
    shape = np.array([0.2, 0.5, 0.3])
    signals = [band_signal(grid)[:, None] * shape * scale for scale in (1.0, 0.3, 0.05)]
    data, background = [40.0, 90.0, 70.0], [45.0, 80.0, 60.0]
    uncertainty = [np.full(grid.size, 0.1), np.linspace(0.0, 0.5, grid.size), None]
    for sigma in (None, uncertainty):
        curve = coupling_limits(
            masses, grid, signals, data, background, eta=0.3, signal_uncertainty=sigma
        )
        for k, mass in enumerate(masses):
            alone = coupling_limit(
                grid,
                signals[k],
                data,
                background,
                eta=0.3,
                m_N=mass,
                signal_uncertainty=None if sigma is None else sigma[k],
            )
            np.testing.assert_allclose(curve.limits[k].q, alone.q, rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(curve.limits[k].intervals, alone.intervals, rtol=1e-9)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"background": [0.0, 1.0]}, "background"),
        ({"eta": -0.1}, "eta"),
        ({"data": [1.0, 2.0, 3.0]}, "bins"),
    ],
)
def test_bad_input_is_named(kwargs, match):
    args = {"signal": [[1.0, 2.0]], "data": [1.0, 2.0], "background": [1.0, 2.0], "eta": 0.3}
    args.update(kwargs)
    with pytest.raises(ConfigurationError, match=match):
        q_statistic(args["signal"], args["data"], args["background"], eta=args["eta"])


def test_bad_coupling_grid_is_rejected():
    with pytest.raises(ConfigurationError, match="increasing"):
        coupling_limit([2e-7, 1e-7], [1.0, 2.0], [1.0], [1.0], eta=0.3)
    with pytest.raises(ConfigurationError, match="signal"):
        coupling_limit([1e-7, 2e-7], [[1.0, 2.0]], [1.0], [1.0], eta=0.3)


def test_signal_uncertainty_is_profiled_like_a_brute_force_minimisation():
    # The numerator of q with a signal-normalisation nuisance zeta ~ N(1, sigma), zeta <= 1:
    # min over zeta of [-2 ln L(zeta s, theta_hat_hat) + ((zeta - 1)/sigma)^2], here by brute
    # force on 20001 zeta values, against the grid + parabola of q_statistic. Signals from
    # "data prefer more" (minimum on the boundary zeta = 1) to "excluded" (interior minimum).
    data = np.array([40.0, 90.0, 70.0])
    background = np.array([45.0, 80.0, 60.0])
    shape = np.array([0.2, 0.5, 0.3])
    totals = np.array([5.0, 20.0, 40.0, 60.0, 90.0, 150.0])
    signals = totals[:, None] * shape
    eta = 0.3
    for sigma in (0.0, 0.05, 0.2, 0.5):
        q = q_statistic(signals, data, background, eta=eta, signal_uncertainty=sigma)
        q_exact_signal = q_statistic(signals, data, background, eta=eta)
        zeta = np.clip(1.0 - sigma * np.linspace(0.0, 4.0, 20001), 0.0, None)
        for k, s in enumerate(signals):
            scaled = zeta[:, None] * s
            theta = profile_background(scaled, data, background, eta)
            tested = (
                poisson_deviance(scaled + theta[:, None] * background, data)
                + ((theta - 1.0) / eta) ** 2
                + (np.linspace(0.0, 4.0, 20001) ** 2 if sigma > 0 else 0.0)
            ).min()
            theta1 = profile_background(s, data, background, eta)
            tested_exact = (
                poisson_deviance(s + theta1 * background, data) + ((theta1 - 1.0) / eta) ** 2
            )
            # q_exact = tested_exact - best, the same best (mu_hat) in both
            expected = max(q_exact_signal[k] - (tested_exact - tested), 0.0)
            if q_exact_signal[k] == 0.0:
                expected = 0.0
            assert q[k] == pytest.approx(expected, abs=2e-3), (sigma, totals[k])
        if sigma == 0.0:
            np.testing.assert_allclose(q, q_exact_signal, rtol=1e-12, atol=1e-12)


def test_vanishing_signals_give_q_zero_without_overflow_warnings():
    # Signals of 1e-160 to 1e-140 events (N_sel ~ d^4 at the smallest scan couplings): the
    # boundary check at theta = 1e-300 meets a curvature that overflows; it is inf by design
    # and must neither warn nor reach the result (q = 0: no sensitivity).
    import warnings

    shape = np.array([0.05, 0.2, 0.3, 0.2, 0.1, 0.05, 0.04, 0.03, 0.02, 0.005, 0.005])
    data = np.array([170.0, 359.0, 308.0, 191.0, 105.0, 75.0, 91.0, 55.0, 45.0, 30.0, 21.0])
    background = np.array([160.0, 341.0, 280.0, 169.0, 94.0, 70.0, 115.0, 79.0, 47.0, 32.0, 30.0])
    signal = np.geomspace(1e-160, 1e-140, 41)[:, None] * shape
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        q = q_statistic(signal, data, background, eta=0.3, signal_uncertainty=0.1)
    assert np.all(q == 0.0)
