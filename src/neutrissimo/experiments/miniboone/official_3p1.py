"""The official MiniBooNE 3+1 fit of the 2020 nu-mode release: its -2 ln L surface and contours.

The release contains the -2 ln L surface of MiniBooNE's 2020 neutrino-mode 3+1 appearance fit
(``likihood_surface_contNu.txt``: a 190 x 190 grid in dm^2 = 0.01-100 eV^2 and sin^2 2theta =
3e-4-1) and its allowed-region contours (``cont_fake_oct19_contNu_{1s,90,95,99,3s,4s}.txt``,
columns sin^2 2theta, dm^2). The closure test that recomputes the surface with our likelihood is
:mod:`neutrissimo.analyses.closure_3p1`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from neutrissimo.exceptions import DataFileError
from neutrissimo.io.data import fetch

__all__ = [
    "OFFICIAL_BEST_FIT",
    "LikelihoodSurface",
    "load_official_contour",
    "load_official_surface",
    "read_contour",
    "read_likelihood_surface",
]

RELEASE_DIR = "miniboone/release_2020_numode"
#: Best fit quoted by the collaboration for the 2020 nu-mode fit: (dm^2 [eV^2], sin^2 2theta).
OFFICIAL_BEST_FIT: tuple[float, float] = (0.039, 0.84)
OFFICIAL_CONTOUR_LEVELS = ("1s", "90", "95", "99", "3s", "4s")


@dataclass(frozen=True)
class LikelihoodSurface:
    """-2 ln L (or chi^2) on a (dm^2 [eV^2], sin^2 2theta) grid.

    ``values[i, j]`` is the value at (dm2_ev2[i], sin2_2theta[j]).
    """

    dm2_ev2: NDArray[np.float64] = field(repr=False)
    sin2_2theta: NDArray[np.float64] = field(repr=False)
    values: NDArray[np.float64] = field(repr=False)

    @property
    def best_index(self) -> tuple[int, int]:
        """Grid indices (i_dm2, j_s22t) of the minimum."""
        i, j = np.unravel_index(np.argmin(self.values), self.values.shape)
        return int(i), int(j)

    @property
    def best_fit(self) -> tuple[float, float, float]:
        """(dm^2, sin^2 2theta, minimum value) at the grid minimum."""
        i, j = self.best_index
        return float(self.dm2_ev2[i]), float(self.sin2_2theta[j]), float(self.values[i, j])

    @property
    def delta(self) -> NDArray[np.float64]:
        """values - min(values)."""
        return self.values - self.values.min()


def read_likelihood_surface(path: str | Path) -> LikelihoodSurface:
    """Read ``likihood_surface_contNu.txt``: header, then rows (dm^2, sin^2 2theta, -2 ln L).

    The rows must fill a complete rectangular grid (dm^2 varying fastest, as in the release).

    Raises:
        DataFileError: wrong columns, incomplete or unordered grid.
    """
    path = Path(path)
    try:
        t = np.loadtxt(path, skiprows=1, ndmin=2)
    except ValueError as exc:
        raise DataFileError(f"Likelihood surface {path} is not a numeric table: {exc}") from exc
    if t.shape[1] != 3 or not np.all(np.isfinite(t)):
        raise DataFileError(f"Likelihood surface {path} must have 3 finite columns.")
    dm2 = np.unique(t[:, 0])
    s = np.unique(t[:, 1])
    if dm2.size * s.size != t.shape[0]:
        raise DataFileError(
            f"Likelihood surface {path}: {t.shape[0]} rows do not fill a "
            f"{dm2.size} x {s.size} grid."
        )
    grid_dm2 = t[:, 0].reshape(s.size, dm2.size)
    grid_s = t[:, 1].reshape(s.size, dm2.size)
    if not (np.allclose(grid_dm2, dm2[None, :]) and np.allclose(grid_s, s[:, None])):
        raise DataFileError(f"Likelihood surface {path}: rows are not ordered dm^2-fastest.")
    return LikelihoodSurface(dm2, s, t[:, 2].reshape(s.size, dm2.size).T.copy())


@functools.cache
def load_official_surface() -> LikelihoodSurface:
    """The official 2020 nu-mode -2 ln L surface (190 x 190)."""
    return read_likelihood_surface(fetch(f"{RELEASE_DIR}/likihood_surface_contNu.txt"))


def read_contour(path: str | Path) -> NDArray[np.float64]:
    """Read an official contour file: rows (sin^2 2theta, dm^2 [eV^2]), both > 0."""
    path = Path(path)
    try:
        c = np.loadtxt(path, ndmin=2)
    except ValueError as exc:
        raise DataFileError(f"Contour file {path} is not a numeric table: {exc}") from exc
    if c.shape[1] != 2 or np.any(c <= 0) or not np.all(np.isfinite(c)):
        raise DataFileError(f"Contour file {path} must hold positive (sin^2 2theta, dm^2) pairs.")
    return c


def load_official_contour(level: str = "90") -> NDArray[np.float64]:
    """Official contour points (sin^2 2theta, dm^2); level in 1s, 90, 95, 99, 3s, 4s."""
    if level not in OFFICIAL_CONTOUR_LEVELS:
        raise DataFileError(
            f"No official contour {level!r}; choose from {OFFICIAL_CONTOUR_LEVELS}."
        )
    return read_contour(fetch(f"{RELEASE_DIR}/cont_fake_oct19_contNu_{level}.txt"))
