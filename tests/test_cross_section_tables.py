"""Tabulated sigma(E) and inverse-CDF Q^2 sampling."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from scipy.interpolate import PchipInterpolator

from neutrissimo import (
    ConfigurationError,
    PhysicsDomainError,
    dsigma_dq2,
    make_target,
    tabulate,
    total_cross_section,
)
from neutrissimo.experiments.setups import load_setup
from neutrissimo.physics.kinematics import q2_range
from neutrissimo.simulation.cross_section_tables import FINE, channel_grid
from neutrissimo.simulation.preparation import prepare
from neutrissimo.statistics.histogram import bin_index, fill_histogram


@pytest.fixture(scope="module")
def carbon_table():
    return tabulate(make_target("C12"), 0.1, e_max=20.0)


@pytest.mark.parametrize(
    ("name", "m_n"), [("C12", 0.1), ("proton", 0.47), ("Pb208", 0.01), ("C12", 0.8)]
)
def test_interpolation_matches_direct_quadrature(name, m_n):
    target = make_target(name)
    table = tabulate(target, m_n, e_max=50.0)
    energy = np.geomspace(table.threshold * (1 + 1e-5), 49.0, 97)
    for channel in ("flip", "conserve"):
        direct = total_cross_section(target, energy, m_n, helicity=channel)
        relevant = direct > 1e-3 * direct.max()  # 1% where the rate matters, 5% in the far tail
        rel = np.abs(table.cross_section(energy, channel) / direct - 1)
        assert rel[relevant].max() < 1e-2
        assert np.median(rel) < 1e-4
        assert rel.max() < 5e-2


def test_table_is_zero_below_threshold_and_scales_with_d(carbon_table):
    e_th = carbon_table.threshold
    assert np.all(carbon_table.cross_section(np.array([0.0, 0.5 * e_th, e_th])) == 0.0)
    np.testing.assert_allclose(
        carbon_table.cross_section(np.array([1.0]), d=1e-6),
        1e-12 * carbon_table.cross_section(np.array([1.0])),
    )


@pytest.mark.parametrize(("name", "m_n"), [("C12", 0.1), ("proton", 0.47), ("Pb208", 0.01)])
def test_direct_index_lookup_matches_np_interp_on_the_fine_grid(name, m_n, rng):
    """The direct-index lookup reproduces the previous implementation (np.interp of the PCHIP
    of ln sigma on the FINE grid, per channel) to rounding, including at threshold, below the
    first grid point, on fine-grid knots and at both grid ends; both channels equal
    cross_section(energy, h)."""
    table, d = tabulate(make_target(name), m_n, e_max=20.0), 3e-7
    e_th, log_excess = table.threshold, table.log_excess
    grid = np.linspace(log_excess[0], log_excess[-1], FINE * len(log_excess))
    knots = e_th + np.exp(grid)
    energy = np.concatenate(
        [
            e_th + np.exp(rng.uniform(log_excess[0] - 2.0, log_excess[-1], 3000)),
            e_th + np.exp(log_excess[0]) * np.array([1e-3, 0.5, 1.0, 1.0 + 1e-9, 2.0]),
            e_th * (1.0 + np.array([1e-15, 1e-12, 1e-9, 1e-7])),
            knots,
            0.5 * (knots[1:] + knots[:-1]),
            [e_th, np.nextafter(e_th, 0.0), 0.0, 0.5 * e_th],
            [np.nextafter(e_th, np.inf), np.nextafter(20.0, 0.0), 20.0, 20.0 * (1 + 1e-13)],
        ]
    )
    energy = energy[rng.permutation(len(energy))]
    above = energy > e_th
    u = np.log(np.where(above, energy - e_th, np.exp(log_excess[0])))
    u = np.clip(u, log_excess[0], log_excess[-1])
    both = table.channel_cross_sections(energy, d=d)
    assert both.shape == (len(energy), 2)
    for h, channel in enumerate(("flip", "conserve")):
        log_sigma = PchipInterpolator(log_excess, np.log(np.maximum(table.sigma[channel], 1e-300)))
        previous = np.where(above, d**2 * np.exp(np.interp(u, grid, log_sigma(grid))), 0.0)
        np.testing.assert_allclose(both[:, h], previous, rtol=1e-12, atol=0.0)
        np.testing.assert_array_equal(both[:, h], table.cross_section(energy, channel, d=d))
    assert np.all(both[~above] == 0.0)
    assert np.all(both[above] > 0.0)
    np.testing.assert_array_equal(table.cross_section(energy, d=d), both.sum(axis=1))
    # Any shape: energy.shape + (2,), scalars included.
    square = energy[:36].reshape(6, 6)
    np.testing.assert_array_equal(
        table.channel_cross_sections(square, d=d), both[:36].reshape(6, 6, 2)
    )
    assert table.channel_cross_sections(1.0).shape == (2,)
    assert table.cross_section(1.0).shape == ()


@pytest.mark.parametrize(("name", "m_n"), [("minerva-me-fhc", 0.47), ("miniboone", 1.0)])
def test_channel_grid_in_the_flux_quantile_matches_the_tables(name, m_n, rng):
    """MINERvA (12 species with different thresholds) and MiniBooNE (coherent and proton): the
    cross sections of every species on 4097 points of the flux quantile u, linear in u, agree
    with each table's lookup at E(u) within 1e-3 for 99 % of the draws where sigma is above
    1e-3 of its maximum, and are zero only where the table is zero (the weights stay exact)."""
    setup = load_setup(name)
    prep = prepare(setup, m_n)
    u = rng.random(100_000)
    energy = np.asarray(setup.flux.quantile(u, e_min=prep.threshold))
    exact = np.stack([t.channel_cross_sections(energy) for t in prep.tables], axis=1)
    approx = prep.sigma_u.at(u)
    assert approx.shape == (len(u), len(prep.tables), 2)
    relevant = exact > 1e-3 * exact.max(axis=0, keepdims=True)
    rel = np.abs(approx[relevant] / exact[relevant] - 1)
    assert np.quantile(rel, 0.99) < 1e-3
    assert not np.any((approx == 0) & (exact > 0))
    with pytest.raises(ConfigurationError, match="increasing"):
        channel_grid(prep.tables, [2.0, 1.0])


def test_lookup_rejects_bad_energies_and_channels(carbon_table):
    for bad in (np.nan, np.inf, 25.0):
        with pytest.raises(PhysicsDomainError):
            carbon_table.channel_cross_sections(np.array([1.0, bad]))
    with pytest.raises(ConfigurationError, match="total"):
        carbon_table.cross_section(np.array([1.0]), "both")  # type: ignore[arg-type]


def test_energy_above_table_is_an_error(carbon_table):
    with pytest.raises(PhysicsDomainError, match="e_max"):
        carbon_table.cross_section(np.array([25.0]))


def test_threshold_above_beam_is_an_error():
    with pytest.raises(PhysicsDomainError, match="no neutrino can produce it"):
        tabulate(make_target("proton"), 5.0, e_max=8.0)


@pytest.mark.parametrize("focus", ["none", "normal", "range", "two ranges"])
@pytest.mark.parametrize("channel", ["flip", "conserve"])
@pytest.mark.parametrize("energy", [0.15, 1.0, 7.3])
def test_q2_samples_follow_the_differential_cross_section(
    carbon_table, rng, channel, energy, focus
):
    """Weighted Q^2 draws reproduce dsigma/dQ^2, also with 90 % of them focused (normal in
    ln Q^2 around 1e-3 GeV^2, or the table truncated to the decade of Q^2 above 20 Q^2_min):
    estimator mean = sigma(E), and a chi^2 test of the weighted histogram against the exact bin
    integrals; the two proposal components returned make up the proposal density."""
    n = 200_000
    lo, hi = q2_range(energy, 0.1, carbon_table.target.mass)
    shares = {"none": [0.0], "normal": [0.9], "range": [0.9], "two ranges": [0.6, 0.3]}[focus]
    centre = np.full(n, 1e-3) if focus == "normal" else None
    window = {
        "range": np.tile([20.0 * lo, 200.0 * lo], (n, 1)),
        "two ranges": np.tile([[20.0 * lo, 200.0 * lo], [2.0 * lo, 2e3 * lo]], (n, 1, 1)),
    }.get(focus)
    q2, sigma_hat, parts, focused = carbon_table.sample_q2_mixture(
        rng, np.full(n, energy), channel, centre, shares, window
    )
    exact = np.log(hi / lo) * q2 * dsigma_dq2(carbon_table.target, energy, q2, 0.1, 1.0, channel)
    assert np.all(focused) == (focus != "none")
    assert np.any(focused) == (focus != "none")
    if focus == "normal":
        assert np.mean(np.abs(np.log(q2 / 1e-3)) < 2.0) > 0.8
    assert parts.shape == (n, 1 + len(shares))
    if focus == "two ranges":  # 60 % in the first window, some of the other 30 % too
        assert np.mean((q2 >= 20.0 * lo) & (q2 <= 200.0 * lo)) > 0.6 - 5 * np.sqrt(0.24 / n)
    if focus == "range":  # 90 % in the window plus what the table puts there itself
        in_window = (q2 >= 20.0 * lo) & (q2 <= min(200.0 * lo, hi))
        assert np.mean(in_window) > 0.9 - 5 * np.sqrt(0.09 / n)  # 90 % + 10 % x table mass
        assert np.all(parts[~in_window, 1] == 0.0)
        assert np.all(parts[in_window, 1] > 0.0)
    proposal = parts @ np.array([1.0 - sum(shares), *shares])
    np.testing.assert_allclose(sigma_hat * proposal, exact, rtol=1e-12)
    sigma = total_cross_section(carbon_table.target, np.array([energy]), 0.1, helicity=channel)[0]
    assert sigma_hat.mean() == pytest.approx(
        sigma, rel=4 * sigma_hat.std() / sigma / np.sqrt(n) + 1e-4
    )
    edges = np.geomspace(lo, hi, 31)
    hist = fill_histogram(q2, sigma_hat / n, edges)
    counts, errors2 = hist.sumw, hist.sumw2
    entries = np.bincount(bin_index(q2, edges)[bin_index(q2, edges) >= 0], minlength=30)
    fine = np.geomspace(lo, hi, 30 * 200 + 1)
    density = dsigma_dq2(carbon_table.target, energy, fine, 0.1, 1.0, channel)
    # each bin integrated on its own (a cumulative sum would lose the far-tail bins)
    expected = (0.5 * (density[1:] + density[:-1]) * np.diff(fine)).reshape(30, 200).sum(axis=1)
    keep = entries >= 20  # the chi^2 needs enough entries per bin for sum w^2 to be the variance
    chi2 = np.sum((counts[keep] - expected[keep]) ** 2 / errors2[keep])
    assert stats.chi2.sf(chi2, keep.sum()) > 1e-3


def test_unweighted_draws_follow_the_tabulated_proposal(carbon_table, rng):
    """Without weights, the draws follow the table's own CDF (KS test on x = log-position)."""
    energy = carbon_table.threshold + np.exp(carbon_table.log_excess[200])  # a grid energy
    q2, _ = carbon_table.sample_q2(rng, np.full(50_000, energy), "flip")
    lo, hi = q2_range(energy, 0.1, carbon_table.target.mass)
    x = np.log(q2 / lo) / np.log(hi / lo)
    cdf_row = carbon_table.cdf["flip"][200]
    grid = np.linspace(0, 1, len(cdf_row))

    def proposal_cdf(v):
        return 1e-3 * v + (1 - 1e-3) * np.interp(v, grid, cdf_row)

    assert stats.kstest(x, proposal_cdf).pvalue > 1e-3


def test_sampling_rejects_bad_requests(carbon_table, rng):
    with pytest.raises(PhysicsDomainError, match="threshold"):
        carbon_table.sample_q2(rng, np.array([0.05]), "flip")
    with pytest.raises(ConfigurationError, match="flip"):
        carbon_table.sample_q2(rng, np.array([1.0]), "total")
    with pytest.raises(ConfigurationError, match="not both"):
        carbon_table.sample_q2(rng, np.array([1.0]), "flip", [1e-3], 0.5, [[1e-3, 1e-2]])
