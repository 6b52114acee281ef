"""Weighted 1-D histograms with their Monte Carlo variance.

A :class:`Histogram` holds bin edges, the sum of weights per bin and the sum of squared weights
per bin. For a weighted Monte Carlo sample, ``sumw2`` estimates the variance of each bin content
(Poisson process with weights: Var[sum_i w_i] = sum_i w_i^2), so ``sqrt(sumw2)`` is the
Monte Carlo error bar and ``sumw**2 / sumw2`` the effective number of events in a bin.

Edge cases: values outside ``[edges[0], edges[-1]]`` (including +-inf) are not counted; the last
bin is closed on the right, as in :func:`numpy.histogram`. An empty bin has ``sumw = sumw2 = 0``
and an effective count of 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import sparse

from neutrissimo.exceptions import ConfigurationError

__all__ = ["Histogram", "bin_index", "fill_histogram"]


@dataclass(frozen=True)
class Histogram:
    """Bin edges (n+1), summed weights and summed squared weights: (n,) for one histogram, or
    (k, n) for k histograms of the same events with different weights."""

    edges: NDArray[np.float64]
    sumw: NDArray[np.float64]
    sumw2: NDArray[np.float64]

    def __post_init__(self) -> None:
        if self.edges.ndim != 1 or self.sumw.shape[-1:] != (self.edges.size - 1,):
            raise ConfigurationError(
                f"Histogram with {self.edges.size} edges needs {self.edges.size - 1} bin "
                f"contents, got shape {self.sumw.shape}."
            )
        if self.sumw2.shape != self.sumw.shape:
            raise ConfigurationError(
                f"Histogram sumw2 shape {self.sumw2.shape} differs from sumw {self.sumw.shape}."
            )

    @property
    def centers(self) -> NDArray[np.float64]:
        """Bin centres."""
        return 0.5 * (self.edges[1:] + self.edges[:-1])

    @property
    def widths(self) -> NDArray[np.float64]:
        """Bin widths."""
        return np.diff(self.edges)

    @property
    def errors(self) -> NDArray[np.float64]:
        """Monte Carlo standard error per bin, sqrt(sum w^2)."""
        return np.sqrt(self.sumw2)

    @property
    def effective_entries(self) -> NDArray[np.float64]:
        """(sum w)^2 / sum w^2 per bin (0 for empty bins)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.sumw2 > 0, self.sumw**2 / self.sumw2, 0.0)

    def scaled(self, factor: float) -> Histogram:
        """The histogram of the weights multiplied by ``factor`` (sumw2 scales as factor^2)."""
        return Histogram(self.edges, self.sumw * factor, self.sumw2 * factor**2)

    def __add__(self, other: Histogram) -> Histogram:
        """Sum of two histograms of independent samples with identical edges."""
        if not np.array_equal(self.edges, other.edges):
            raise ConfigurationError("Cannot add histograms with different bin edges.")
        return Histogram(self.edges, self.sumw + other.sumw, self.sumw2 + other.sumw2)


def fill_histogram(
    values: ArrayLike, weights: ArrayLike, edges: ArrayLike, *, factor: ArrayLike | None = None
) -> Histogram:
    """Histogram ``values`` (n,) into ``edges`` with ``weights`` (n,) or a stack of weight rows
    (k, n), keeping sum(w) and sum(w^2) per bin: ``sumw`` and ``sumw2`` have shape (n_bins,) or
    (k, n_bins). Bins follow :func:`bin_index` (the one edge convention of the package).
    ``factor`` (n,): a per-event factor applied to every row (e.g. a detection efficiency:
    sums of f w and f^2 w^2) without forming the product.

    One call histograms the same events for every coupling of a reweighted scan (one row each):
    a sparse (bins x events) indicator matrix times the weights, fastest when the events are
    the slow axis in memory (``weights.T`` C-contiguous, as
    :func:`~neutrissimo.simulation.events.decay_weights` returns them). Sums run over each
    bin's events in input order, so results do not depend on the machine's thread count.

    >>> h = fill_histogram([0.1, 0.2, 0.7, 1.0], [[1.0, 2.0, 3.0, 4.0], [1.0, 1.0, 1.0, 1.0]],
    ...                    [0.0, 0.5, 1.0])
    >>> h.sumw.tolist(), h.sumw2.tolist()  # 1.0 is in the last bin: it is closed on the right
    ([[3.0, 7.0], [2.0, 2.0]], [[5.0, 25.0], [2.0, 2.0]])

    Raises:
        ConfigurationError: edges not strictly increasing, or values/weights/factor of
            different lengths, or non-finite weights or factors.
    """
    edges = np.asarray(edges, dtype=float)
    values = np.asarray(values, dtype=float).ravel()
    weights = np.asarray(weights, dtype=float)
    rows = weights.reshape(-1, weights.shape[-1]) if weights.ndim > 1 else weights.reshape(1, -1)
    if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0):
        raise ConfigurationError(f"Histogram edges must increase strictly; got {edges}.")
    if rows.shape[1] != values.size or weights.ndim > 2:
        raise ConfigurationError(
            f"weights of shape {weights.shape} do not match {values.size} values: give (n,) or "
            "(k, n)."
        )
    scale = np.ones(values.size) if factor is None else np.asarray(factor, dtype=float).ravel()
    if scale.size != values.size:
        raise ConfigurationError(f"factor has {scale.size} entries for {values.size} values.")
    if not (np.all(np.isfinite(rows)) and np.all(np.isfinite(scale))):
        raise ConfigurationError("Histogram weights contain NaN or inf.")
    index = bin_index(values, edges)
    inside = np.flatnonzero(index >= 0)
    n_bins = edges.size - 1

    def indicator(entries: NDArray[np.float64]) -> sparse.csr_matrix:
        return sparse.csr_matrix(
            (entries[inside], (index[inside], inside)), shape=(n_bins, values.size)
        )

    columns = rows.T  # (n, k)
    sumw = np.asarray((indicator(scale) @ columns).T)
    sumw2 = np.asarray((indicator(scale * scale) @ (columns * columns)).T)
    if weights.ndim == 1:
        sumw, sumw2 = sumw[0], sumw2[0]
    return Histogram(edges, np.asarray(sumw, dtype=np.float64), np.asarray(sumw2, dtype=np.float64))


def bin_index(values: ArrayLike, edges: ArrayLike) -> NDArray[np.intp]:
    """Bin of each value for increasing ``edges`` (-1 outside), numpy's convention: bins are
    [e_i, e_i+1) except the last, which includes its upper edge.

    Per-bin sums over these indices (as in :func:`fill_histogram`) are exact to rounding in
    every bin; ``np.histogram`` with weights differences a cumulative sum for non-uniform bins,
    which loses a bin whose content is below ~1e-16 of the total (e.g. sum w^2 in a far tail).
    """
    v = np.asarray(values, dtype=float).ravel()
    e = np.asarray(edges, dtype=float)
    k = np.searchsorted(e, v, side="right") - 1
    k = np.where(v == e[-1], e.size - 2, k)
    return np.where((k >= 0) & (k < e.size - 1), k, -1)
