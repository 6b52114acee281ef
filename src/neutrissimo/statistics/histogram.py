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

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neutrissimo.exceptions import ConfigurationError

__all__ = ["BLOCK_VALUES", "EventGroups", "Histogram", "bin_index", "fill_histogram"]

#: Values per block of :meth:`EventGroups.sums` (1 MB of float64: a block's rows and their
#: temporaries stay in cache; measured best between 0.5 and 2 MB on a 512 kB L2 / 8 MB L3).
BLOCK_VALUES = 131072


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
    ``factor`` (n,): a per-event factor f applied to every row (e.g. a detection efficiency:
    sums of f w and (f w)^2).

    One call histograms the same events for every coupling of a reweighted scan (one row each)
    with :meth:`EventGroups.sums`: the events sorted by bin once, each bin's sum taken in a
    fixed order, so results do not depend on the machine's thread count.

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
    rows = weights if weights.ndim == 2 else weights.reshape(1, -1)
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
    groups = EventGroups.of([bin_index(values, edges)], [edges.size - 1])

    def moments(events: NDArray[np.intp]) -> NDArray[np.float64]:
        out = np.empty((events.size, 2, rows.shape[0]))
        np.multiply(rows[:, events].T, scale[events, None], out=out[:, 0])
        np.square(out[:, 0], out=out[:, 1])
        return out

    sums = groups.marginal(groups.sums(moments, (2, rows.shape[0])), 0)  # (bins, 2, k)
    sumw, sumw2 = sums[:, 0].T, sums[:, 1].T
    if weights.ndim == 1:
        sumw, sumw2 = sumw[0], sumw2[0]
    return Histogram(edges, np.ascontiguousarray(sumw), np.ascontiguousarray(sumw2))


@dataclass(frozen=True, eq=False)
class EventGroups:
    """The events of a sample sorted once by their cell in one or more binnings, so that sums of
    any per-event rows over each cell are contiguous reductions in a fixed order.

    A cell is one slot per binning: slot 0 holds the events outside the binning (bin index -1),
    slot b + 1 bin b; cells are numbered in C order of ``shape`` (the slots per binning). Every
    event is in exactly one cell, so the sum over all cells is the sum over the sample.

    Attributes:
        order: event indices sorted by cell (then by ``within``, see :meth:`of`).
        bounds: positions in ``order`` where each non-empty cell starts, then len(order).
        cells: the cell of each of those runs.
        shape: slots per binning (bins + 1).
    """

    order: NDArray[np.intp]
    bounds: NDArray[np.intp]
    cells: NDArray[np.intp]
    shape: tuple[int, ...]

    @classmethod
    def of(
        cls,
        indices: Sequence[ArrayLike],
        n_bins: Sequence[int],
        within: ArrayLike | None = None,
    ) -> EventGroups:
        """Group events by their bin indices (:func:`bin_index`, -1 outside) in binnings of
        ``n_bins`` bins each; the events of a cell ordered by ``within`` (e.g. so that a block
        holds similar events; default: their order in the sample).

        Raises:
            ConfigurationError: a bin index outside -1 .. n_bins - 1, or index arrays of
                different lengths.
        """
        shape = tuple(int(n) + 1 for n in n_bins)
        slots = [np.asarray(i, dtype=np.intp).ravel() + 1 for i in indices]
        if len({s.size for s in slots}) > 1 or len(slots) != len(shape) or not slots:
            raise ConfigurationError("Give one bin index array per binning, all of one length.")
        if any(np.any((s < 0) | (s >= n)) for s, n in zip(slots, shape, strict=True)):
            raise ConfigurationError(f"Bin indices must lie in -1 .. n_bins - 1 ({n_bins}).")
        cell = np.ravel_multi_index(tuple(slots), shape)
        keys = (cell,) if within is None else (np.asarray(within, dtype=float).ravel(), cell)
        order = np.lexsort(keys).astype(np.intp)
        sorted_cells = cell[order]
        starts = np.flatnonzero(np.diff(sorted_cells, prepend=-1))
        bounds = np.append(starts, order.size).astype(np.intp)
        return cls(order, bounds, sorted_cells[starts], shape)

    @property
    def size(self) -> int:
        """Number of cells, prod(shape)."""
        return int(np.prod(self.shape))

    def sums(
        self,
        rows: Callable[[NDArray[np.intp]], NDArray[np.float64]],
        shape: tuple[int, ...],
    ) -> NDArray[np.float64]:
        """S[c] = sum over the events i of cell c of rows(i), shape (cells, *shape).

        ``rows(events)`` returns the rows (len(events), *shape) of consecutive events of one
        cell, at most :data:`BLOCK_VALUES` / prod(shape) of them (so that a block is computed
        and summed in cache, never the whole (events, *shape) array). Each block is summed
        event after event (np.add.reduce over axis 0 of a C-contiguous array) and the blocks of
        a cell in order: a fixed summation order, independent of the thread count.
        """
        block = max(1, BLOCK_VALUES // max(1, int(np.prod(shape))))
        out = np.zeros((self.size, *shape))
        for cell, lo, hi in zip(self.cells, self.bounds[:-1], self.bounds[1:], strict=True):
            for start in range(lo, hi, block):
                part = np.ascontiguousarray(rows(self.order[start : min(start + block, hi)]))
                out[cell] += part.sum(axis=0)
        return out

    def marginal(self, sums: NDArray[np.float64], axis: int) -> NDArray[np.float64]:
        """Per-bin sums of binning ``axis`` from cell sums (:meth:`sums`): summed over the slots
        of the other binnings, its outside slot dropped; shape (n_bins, *sums.shape[1:])."""
        cells = np.moveaxis(sums.reshape(self.shape + sums.shape[1:]), axis, 0)[1:]
        return np.asarray(cells.sum(axis=tuple(range(1, len(self.shape)))), dtype=np.float64)


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
