"""Energy spectra of a neutrino flux: histograms and piecewise-linear (digitized) curves.

Both keep exact cumulative integrals of the density and of E times the density, so that
integrals over any energy range and inverse-CDF sampling are exact for the tabulated shape.
:class:`Spectrum` is the protocol :class:`~neutrissimo.beams.flux.Flux` relies on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neutrissimo.exceptions import ConfigurationError

__all__ = ["HistogramSpectrum", "PiecewiseLinearSpectrum", "Spectrum"]

FloatArray = NDArray[np.float64]


def _scalar_or_array(values: FloatArray) -> float | FloatArray:
    """A Python float for 0-d results (scalar input), the array otherwise."""
    return float(values) if np.ndim(values) == 0 else values


class Spectrum(Protocol):
    """What :class:`Flux` needs from a representation of dPhi/dE (GeV, per cm^2/POT/GeV)."""

    @property
    def support(self) -> tuple[float, float]:
        """Lowest and highest energy (GeV) between which the density is not identically 0."""
        ...

    def density_at(self, energy: FloatArray) -> FloatArray:
        """dPhi/dE at each energy (0 outside the table)."""
        ...

    def cumulative(self, energy: FloatArray) -> FloatArray:
        """Integral of the density from -infinity to each energy."""
        ...

    def first_moment(self, energy: FloatArray) -> FloatArray:
        """Integral of E * density from -infinity to each energy."""
        ...

    def inverse_cumulative(self, level: FloatArray) -> FloatArray:
        """Energy at which :meth:`cumulative` reaches each level (0 <= level <= total)."""
        ...


def _as_table_array(values: ArrayLike, what: str) -> FloatArray:
    array = np.array(values, dtype=np.float64)  # a private copy, frozen below
    if array.ndim != 1:
        raise ConfigurationError(f"{what} must be a 1-D array; got shape {array.shape}.")
    if not np.all(np.isfinite(array)):
        raise ConfigurationError(f"{what} contains non-finite values.")
    array.flags.writeable = False
    return array


def _check_grid(grid: FloatArray, density: FloatArray, what: str) -> None:
    if np.any(np.diff(grid) <= 0):
        bad = int(np.argmax(np.diff(grid) <= 0))
        raise ConfigurationError(
            f"{what} energies must increase strictly; entry {bad + 1} ({grid[bad + 1]:g} GeV) "
            f"does not exceed entry {bad} ({grid[bad]:g} GeV)."
        )
    if np.any(density < 0):
        raise ConfigurationError(
            f"{what} density must be >= 0; found {density.min():g} at "
            f"index {int(np.argmin(density))}."
        )
    if not np.any(density > 0):
        raise ConfigurationError(f"{what} density is zero everywhere.")


def _set_cumulatives(spectrum: object, contents: FloatArray, moments: FloatArray) -> None:
    """Cache cumulative integrals and first moments per bin/segment, and the first and last
    with nonzero flux, on a frozen spectrum."""
    positive = np.flatnonzero(contents > 0)
    object.__setattr__(spectrum, "_cum", np.concatenate([[0.0], np.cumsum(contents)]))
    object.__setattr__(spectrum, "_mom", np.concatenate([[0.0], np.cumsum(moments)]))
    object.__setattr__(spectrum, "_first", int(positive[0]))
    object.__setattr__(spectrum, "_last", int(positive[-1]))


@dataclass(frozen=True, eq=False)
class HistogramSpectrum:
    """Piecewise-constant dPhi/dE: ``density[i]`` on ``[edges[i], edges[i + 1])``.

    Attributes:
        edges: bin edges in GeV, shape (n + 1,), strictly increasing.
        density: flux per GeV in each bin, shape (n,) (= bin content / bin width).
    """

    edges: FloatArray
    density: FloatArray
    _cum: FloatArray = field(init=False, repr=False)
    _mom: FloatArray = field(init=False, repr=False)
    _first: int = field(init=False, repr=False)
    _last: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        edges = _as_table_array(self.edges, "Histogram edges")
        density = _as_table_array(self.density, "Histogram density")
        if edges.size != density.size + 1 or density.size == 0:
            raise ConfigurationError(
                f"A histogram needs n + 1 edges for n >= 1 bins; got {edges.size} edges and "
                f"{density.size} bin values."
            )
        _check_grid(edges, density, "Histogram")
        contents = density * np.diff(edges)
        moments = 0.5 * density * (edges[1:] ** 2 - edges[:-1] ** 2)
        object.__setattr__(self, "edges", edges)
        object.__setattr__(self, "density", density)
        _set_cumulatives(self, contents, moments)

    @property
    def support(self) -> tuple[float, float]:
        return float(self.edges[self._first]), float(self.edges[self._last + 1])

    def _bin(self, energy: FloatArray) -> tuple[NDArray[np.intp], FloatArray]:
        clipped = np.clip(energy, self.edges[0], self.edges[-1])
        index = np.searchsorted(self.edges, clipped, side="right") - 1
        return np.clip(index, 0, self.density.size - 1), clipped

    def density_at(self, energy: FloatArray) -> FloatArray:
        index, _ = self._bin(energy)
        inside = (energy >= self.edges[0]) & (energy < self.edges[-1])
        return np.where(inside, self.density[index], 0.0)

    def cumulative(self, energy: FloatArray) -> FloatArray:
        index, e = self._bin(energy)
        return self._cum[index] + self.density[index] * (e - self.edges[index])

    def first_moment(self, energy: FloatArray) -> FloatArray:
        index, e = self._bin(energy)
        return self._mom[index] + 0.5 * self.density[index] * (e**2 - self.edges[index] ** 2)

    def inverse_cumulative(self, level: FloatArray) -> FloatArray:
        level = np.clip(level, 0.0, self._cum[-1])
        # the generalised inverse inf{E: F(E) >= level}: bin index = first edge reaching the
        # level, minus one (never an empty bin, since F rises strictly across the bin found)
        index = np.searchsorted(self._cum, level, side="left") - 1
        index = np.clip(index, self._first, self._last)
        rest = level - self._cum[index]
        width = self.edges[index + 1] - self.edges[index]
        step = np.divide(rest, self.density[index], out=np.zeros_like(rest), where=rest > 0)
        return self.edges[index] + np.clip(step, 0.0, width)


@dataclass(frozen=True, eq=False)
class PiecewiseLinearSpectrum:
    """dPhi/dE linear between points ``(energies[i], density[i])``, zero outside them.

    Attributes:
        energies: GeV, shape (n,), n >= 2, strictly increasing.
        density: flux per GeV at each energy, shape (n,).
    """

    energies: FloatArray
    density: FloatArray
    _cum: FloatArray = field(init=False, repr=False)
    _mom: FloatArray = field(init=False, repr=False)
    _slope: FloatArray = field(init=False, repr=False)
    _first: int = field(init=False, repr=False)
    _last: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        x = _as_table_array(self.energies, "Curve energies")
        f = _as_table_array(self.density, "Curve density")
        if x.size != f.size or x.size < 2:
            raise ConfigurationError(
                f"A piecewise-linear curve needs >= 2 points with one density each; got "
                f"{x.size} energies and {f.size} densities."
            )
        _check_grid(x, f, "Curve")
        h = np.diff(x)
        slope = np.diff(f) / h
        f0, f1, x0 = f[:-1], f[1:], x[:-1]
        contents = 0.5 * (f0 + f1) * h
        # integral over one segment of (f0 + s t)(x0 + t) dt, t in [0, h]
        moments = f0 * x0 * h + 0.5 * (f0 + slope * x0) * h**2 + slope * h**3 / 3.0
        object.__setattr__(self, "energies", x)
        object.__setattr__(self, "density", f)
        object.__setattr__(self, "_slope", slope)
        _set_cumulatives(self, contents, moments)

    @property
    def support(self) -> tuple[float, float]:
        return float(self.energies[self._first]), float(self.energies[self._last + 1])

    def _segment(self, energy: FloatArray) -> tuple[NDArray[np.intp], FloatArray]:
        x = self.energies
        clipped = np.clip(energy, x[0], x[-1])
        index = np.clip(np.searchsorted(x, clipped, side="right") - 1, 0, x.size - 2)
        return index, clipped - x[index]

    def density_at(self, energy: FloatArray) -> FloatArray:
        return np.interp(energy, self.energies, self.density, left=0.0, right=0.0)

    def cumulative(self, energy: FloatArray) -> FloatArray:
        i, t = self._segment(energy)
        return self._cum[i] + self.density[i] * t + 0.5 * self._slope[i] * t**2

    def first_moment(self, energy: FloatArray) -> FloatArray:
        i, t = self._segment(energy)
        f0, s, x0 = self.density[i], self._slope[i], self.energies[i]
        return self._mom[i] + f0 * x0 * t + 0.5 * (f0 + s * x0) * t**2 + s * t**3 / 3.0

    def inverse_cumulative(self, level: FloatArray) -> FloatArray:
        level = np.clip(level, 0.0, self._cum[-1])
        i = np.searchsorted(self._cum, level, side="left") - 1  # inf{E: F(E) >= level}
        i = np.clip(i, self._first, self._last)
        rest = np.maximum(level - self._cum[i], 0.0)
        f0, s = self.density[i], self._slope[i]
        # solve f0 t + s t^2 / 2 = rest for the root in [0, h]
        root = np.sqrt(np.maximum(f0**2 + 2.0 * s * rest, 0.0))
        denominator = f0 + root
        t = np.divide(2.0 * rest, denominator, out=np.zeros_like(rest), where=denominator > 0)
        h = self.energies[i + 1] - self.energies[i]
        return self.energies[i] + np.clip(t, 0.0, h)


def _energies(values: ArrayLike, what: str) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    if np.any(np.isnan(array)):
        raise ConfigurationError(f"{what} must be numbers of GeV; got NaN.")
    return array
