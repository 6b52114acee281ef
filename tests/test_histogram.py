"""Weighted histograms: exact per-bin sums, numpy's bin convention."""

from __future__ import annotations

import numpy as np

from neutrissimo.statistics.histogram import bin_index, fill_histogram


def test_far_tail_bins_keep_their_precision():
    """Per-bin sums are exact even for a bin 1e-20 of the total (np.histogram's cumulative-sum
    difference would return rounding noise there)."""
    hist = fill_histogram(
        np.array([0.5, 1.5, 1.6]), np.array([1.0, 1e-20, 2e-20]), np.array([0.0, 1.0, 2.0])
    )
    np.testing.assert_allclose(hist.sumw, [1.0, 3e-20], rtol=1e-15)
    np.testing.assert_allclose(hist.sumw2, [1.0, 5e-40], rtol=1e-15)


def test_bin_convention_matches_numpy():
    rng = np.random.default_rng(3)
    edges = np.array([0.0, 0.1, 0.5, 0.55, 1.0])
    values = np.concatenate([rng.uniform(-0.2, 1.2, 1000), edges])  # include every edge exactly
    counts, _ = np.histogram(values, edges)
    index = bin_index(values, edges)
    np.testing.assert_array_equal(np.bincount(index[index >= 0], minlength=4), counts)


def test_weight_rows_and_a_per_event_factor_equal_numpy_histograms():
    # fill_histogram sums (k, n) weight rows through a sparse bin indicator; a per-event factor
    # f gives sums of f w and f^2 w^2. Reference: np.histogram of each row times the factor
    # (uniform bins, so np.histogram's cumulative-sum caveat does not apply); the layout of the
    # rows (C or events-major) must not matter; a factor of the wrong length is named.
    import pytest

    from neutrissimo import ConfigurationError

    rng = np.random.default_rng(2)
    values = rng.normal(0.5, 0.4, 5000)
    rows = rng.exponential(1.0, (7, 5000))
    factor = rng.random(5000)
    edges = np.linspace(0.0, 1.0, 11)
    for weights in (rows, np.asfortranarray(rows)):
        h = fill_histogram(values, weights, edges, factor=factor)
        for k in range(7):
            sumw, _ = np.histogram(values, edges, weights=weights[k] * factor)
            sumw2, _ = np.histogram(values, edges, weights=(weights[k] * factor) ** 2)
            np.testing.assert_allclose(h.sumw[k], sumw, rtol=1e-12)
            np.testing.assert_allclose(h.sumw2[k], sumw2, rtol=1e-12)
    with pytest.raises(ConfigurationError, match="factor has 3 entries"):
        fill_histogram(values, rows, edges, factor=[1.0, 2.0, 3.0])
    with pytest.raises(ConfigurationError, match="NaN or inf"):
        fill_histogram(values, rows[0], edges, factor=np.full(5000, np.nan))


def test_event_groups_sum_every_cell_like_bincount(monkeypatch):
    """Cell sums of two binnings (values outside, on every edge, the last edge in the last bin),
    blocks smaller than a cell and events ordered by a key within cells: each binning's
    marginal equals np.bincount of its own bin indices, the sum over cells the plain sum."""
    import neutrissimo.statistics.histogram as histogram

    monkeypatch.setattr(histogram, "BLOCK_VALUES", 14)  # 7 events per block of (2,) rows
    rng = np.random.default_rng(4)
    edges_a, edges_b = np.array([0.0, 0.2, 0.3, 1.0]), np.linspace(-1.0, 1.0, 6)
    a = np.concatenate([rng.uniform(-0.5, 1.5, 3000), edges_a])
    b = np.concatenate([rng.uniform(-1.2, 1.2, 3000), edges_b[:4]])
    w = rng.exponential(1.0, a.size)
    index_a, index_b = bin_index(a, edges_a), bin_index(b, edges_b)
    groups = histogram.EventGroups.of([index_a, index_b], [3, 5], within=rng.random(a.size))
    sums = groups.sums(lambda events: np.stack([w[events], w[events] ** 2], axis=1), (2,))
    assert sums.shape == (4 * 6, 2)
    np.testing.assert_allclose(sums.sum(axis=0), [w.sum(), (w**2).sum()], rtol=1e-13)
    for k, (index, n) in enumerate([(index_a, 3), (index_b, 5)]):
        inside = index >= 0
        for power in (1, 2):
            expected = np.bincount(index[inside], w[inside] ** power, minlength=n)
            got = groups.marginal(sums, k)[:, power - 1]
            np.testing.assert_allclose(got, expected, rtol=1e-13)


def test_empty_samples_give_empty_histograms():
    edges = [0.0, 1.0, 2.0]
    h = fill_histogram([], np.empty((3, 0)), edges, factor=[])
    assert h.sumw.shape == (3, 2)
    assert not h.sumw.any()
    assert not h.sumw2.any()
    assert fill_histogram([], [], edges).sumw.tolist() == [0.0, 0.0]


def test_event_groups_refuse_bad_bin_indices():
    import pytest

    from neutrissimo import ConfigurationError
    from neutrissimo.statistics.histogram import EventGroups

    with pytest.raises(ConfigurationError, match=r"-1 \.\. n_bins - 1"):
        EventGroups.of([[0, 3]], [3])
    with pytest.raises(ConfigurationError, match="one bin index array per binning"):
        EventGroups.of([[0, 1], [0]], [3, 3])
