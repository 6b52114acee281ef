"""``hist.Hist`` views of the package's histograms (the field's histogram type, UHI-compatible).

The hot path (scans: thousands of couplings x bins) keeps the plain arrays of
:class:`~neutrissimo.statistics.histogram.Histogram`; the public API hands out
:class:`hist.Hist` objects with ``Weight()`` storage, so a histogram carries its bin edges,
the sum of weights and the sum of squared weights per bin, and plots with ``mplhep.histplot`` or
``h.plot()``, projects, rebins and sums like any other HEP histogram.

Conventions for the variance (``sum w^2``):

- a weighted Monte Carlo prediction: sum of the squared event weights per bin (its Monte Carlo
  variance);
- observed data: each event has weight 1, so ``sum w^2 = sum w`` = the counts (the Poisson
  variance);
- a published (digitized) prediction without a stated Monte Carlo error: ``sum w^2 = 0``.

The flow bins are empty: events outside the edges are not counted (as in :func:`numpy.histogram`
and :func:`~neutrissimo.statistics.histogram.fill_histogram`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from neutrissimo.exceptions import ConfigurationError
from neutrissimo.statistics.histogram import Histogram

if TYPE_CHECKING:
    import hist

__all__ = ["counts_hist", "from_hist", "to_hist", "weighted_hist"]


def weighted_hist(
    edges: ArrayLike,
    sumw: ArrayLike,
    sumw2: ArrayLike | None = None,
    *,
    name: str = "x",
    label: str = "",
) -> hist.Hist[Any]:
    """A 1-D :class:`hist.Hist` (``Weight()`` storage) with the given bin contents.

    Args:
        edges: bin edges (n + 1), increasing.
        sumw: sum of weights per bin (n,).
        sumw2: sum of squared weights per bin (n,); ``None``: zero (no Monte Carlo error).
        name: the axis name (e.g. ``"eqe"``).
        label: the axis label (e.g. ``"E_QE [GeV]"``).

    Raises:
        ConfigurationError: shapes that do not match the edges, or non-increasing edges.
    """
    import hist

    e = np.asarray(edges, dtype=float)
    w = np.asarray(sumw, dtype=float)
    w2 = np.zeros_like(w) if sumw2 is None else np.asarray(sumw2, dtype=float)
    if e.ndim != 1 or e.size < 2 or np.any(np.diff(e) <= 0):
        raise ConfigurationError(f"Histogram edges must increase strictly; got {e}.")
    if w.shape != (e.size - 1,) or w2.shape != w.shape:
        raise ConfigurationError(
            f"{e.size} edges need {e.size - 1} bin contents; got sumw {w.shape}, sumw2 {w2.shape}."
        )
    h = hist.Hist(hist.axis.Variable(e, name=name, label=label), storage=hist.storage.Weight())
    view: Any = h.view()
    view.value = w
    view.variance = w2
    return h


def counts_hist(
    edges: ArrayLike, counts: ArrayLike, *, name: str = "x", label: str = ""
) -> hist.Hist[Any]:
    """Observed counts as a ``Weight()`` histogram: unit weights, so ``sum w^2 = counts``."""
    c = np.asarray(counts, dtype=float)
    return weighted_hist(edges, c, c, name=name, label=label)


def to_hist(histogram: Histogram, *, name: str = "x", label: str = "") -> hist.Hist[Any]:
    """The :class:`hist.Hist` of a package :class:`Histogram` (one row: ``sumw`` of shape (n,)).

    Raises:
        ConfigurationError: a stack of histograms (2-D ``sumw``); convert one row at a time.
    """
    if histogram.sumw.ndim != 1:
        raise ConfigurationError(
            f"to_hist converts one histogram; got a stack of shape {histogram.sumw.shape}. "
            "Pass Histogram(edges, sumw[k], sumw2[k]) for row k."
        )
    return weighted_hist(histogram.edges, histogram.sumw, histogram.sumw2, name=name, label=label)


def from_hist(h: hist.Hist[Any]) -> Histogram:
    """The package :class:`Histogram` of a 1-D ``Weight()`` :class:`hist.Hist` (flow dropped).

    Raises:
        ConfigurationError: not a 1-D histogram with weight storage.
    """
    import hist

    if len(h.axes) != 1 or h.storage_type is not hist.storage.Weight:
        raise ConfigurationError("from_hist needs a 1-D hist.Hist with Weight() storage.")
    view: Any = h.view()
    return Histogram(
        np.asarray(h.axes[0].edges, dtype=np.float64),
        np.array(view.value, dtype=np.float64),
        np.array(view.variance, dtype=np.float64),
    )
