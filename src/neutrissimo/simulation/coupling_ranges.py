"""The range of couplings a sample serves (its proposal is built for it; see
:func:`neutrissimo.simulation.injection.generate`, argument ``couplings``)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from neutrissimo.exceptions import ConfigurationError

__all__ = ["coupling_range", "serving_range"]


def coupling_range(*couplings: ArrayLike) -> tuple[float, float]:
    """(min, max) over the positive values of all the given couplings |d| (GeV^-1), e.g. a scan
    grid and a setup's default range: the range to pass as ``generate(couplings=...)``.

    Raises:
        ConfigurationError: no positive coupling.
    """
    values = np.concatenate([np.ravel(np.asarray(c, dtype=float)) for c in couplings])
    values = values[values > 0]
    if not values.size:
        raise ConfigurationError("coupling_range needs at least one positive coupling.")
    return float(values.min()), float(values.max())


def serving_range(coupling: float, decades: float = 1.0) -> tuple[float, float]:
    """The coupling range (GeV^-1) a sample made for one coupling |d| serves by default:
    ``decades`` decades centred on it, d 10^(-decades/2) to d 10^(decades/2) (lab decay lengths
    over 2 ``decades`` decades). ``simulate`` uses it unless told another range.

    >>> low, high = serving_range(1e-6)
    >>> f"{low:.3g} {high:.3g}"
    '3.16e-07 3.16e-06'
    """
    if not coupling > 0 or decades < 0:
        raise ConfigurationError(
            f"serving_range needs a coupling > 0 and decades >= 0, got {coupling}, {decades}."
        )
    half = 10.0 ** (0.5 * decades)
    return coupling / half, coupling * half
