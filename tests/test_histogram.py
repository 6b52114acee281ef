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
