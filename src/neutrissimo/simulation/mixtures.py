"""Mixture proposals: the per-event record of a mixture's components and the choice of a
component (Kleiss-Pittau multichannel sampling; the shares are optimised by
:func:`neutrissimo.simulation.proposals.optimise_pilot`).

A mixture q = sum_i a_i g_i / sum_{i available} a_i draws component i with probability
a_i / sum_{available} a_j, then a point from g_i; the weight p/q needs every g_i at the point.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

__all__ = ["Mixture", "pick"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


class Mixture(NamedTuple):
    """Per-event record of one mixture proposal: shares (K,), component densities g_i (n, K)
    and which components exist for each event (n, K)."""

    shares: FloatArray
    components: FloatArray
    available: BoolArray

    def density(self, shares: FloatArray | None = None) -> FloatArray:
        """q = sum_i a_i g_i / sum_{i available} a_i (for ``shares`` a, default the record's)."""
        a = self.shares if shares is None else shares
        norm = self.available @ a
        return (self.components * self.available) @ a / np.where(norm > 0, norm, 1.0)


def pick(rng: np.random.Generator, shares: FloatArray, available: BoolArray) -> NDArray[np.intp]:
    """Component index per event with probability a_i / sum_{available} a_j."""
    p = shares[None, :] * available
    cumulative = np.cumsum(p, axis=1)
    level = rng.random(len(p)) * cumulative[:, -1]
    chosen = np.minimum((cumulative <= level[:, None]).sum(axis=1), p.shape[1] - 1)
    return np.asarray(chosen, dtype=np.intp)
