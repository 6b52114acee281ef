"""Mixture proposals: the per-event record of a mixture's components and the choice of a
component (Kleiss-Pittau multichannel sampling; the shares are optimised by
:func:`neutrissimo.simulation.proposals.optimise_pilot`).

A mixture q = sum_i a_i g_i / sum_{i available} a_i draws component i with probability
a_i / sum_{available} a_j, then a point from g_i; the weight p/q needs every g_i at the point.
The injection's proposal is the product of its stages' mixtures (families), the joint
production points nesting the ray and vertex families (:func:`nesting`); its density at any
shares follows from the records alone (:func:`proposal_density`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

__all__ = ["Mixture", "nesting", "pick", "proposal_density"]

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


def nesting(mixtures: dict[str, Mixture]) -> tuple[str, tuple[str, ...]] | None:
    """The injection's nesting: the first component of the joint production points is the
    product of the ray and vertex mixtures (the ``nest`` argument of
    :func:`~neutrissimo.simulation.proposals.optimise_shares`)."""
    return ("joint", ("ray", "vertex")) if "joint" in mixtures else None


def proposal_density(recs: dict[str, Mixture], shares: dict[str, FloatArray]) -> FloatArray:
    """The injection's proposal density per event from the mixture records ``recs`` of its
    families (component densities, availability) at the ``shares`` of each family, up to the
    factors without shares (they cancel in any ratio of two such densities)."""
    outer, inner = nesting(recs) or ("", ())
    density = {k: m.density(shares[k]) for k, m in recs.items() if k != outer}
    q = np.prod([g for k, g in density.items() if k not in inner], axis=0)
    if outer:
        m = recs[outer]
        product = np.prod([density[k] for k in inner], axis=0)
        nested = Mixture(m.shares, np.column_stack([product, m.components[:, 1:]]), m.available)
        q = q * nested.density(shares[outer])
    return np.asarray(q, dtype=np.float64)
