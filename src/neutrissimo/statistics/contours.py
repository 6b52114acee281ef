"""Contours of a function tabulated on a 2-D grid (experiment-agnostic).

:func:`contour_paths` returns the closed boundaries of {f <= level} in the grid's units, with
logarithmic interpolation along log-spaced axes (contourpy's marching squares).
:func:`wilks_regions` gives the n-sigma regions of a chi^2 grid in the (m_N, d_mu) plane
(Delta chi^2 below the Wilks threshold of ``dof`` parameters, log-spaced axes): a
:data:`Regions` mapping n -> closed paths, the one form every writer and figure takes.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neutrissimo.exceptions import ConfigurationError
from neutrissimo.statistics.wilks import delta_chi2_threshold

__all__ = ["Regions", "contour_paths", "wilks_regions"]

#: Confidence regions: n (sigma) -> closed boundary paths, each an (N, 2) array of (x, y).
Regions = dict[int, list[NDArray[np.float64]]]


def contour_paths(
    x: ArrayLike,
    y: ArrayLike,
    z: ArrayLike,
    level: float,
    *,
    log_x: bool = False,
    log_y: bool = False,
) -> list[NDArray[np.float64]]:
    """Closed boundaries of the region {z <= level} of a grid, as (N, 2) arrays of (x, y).

    Args:
        x, y: grid axes, shapes (nx,), (ny,), increasing.
        z: values on the grid, shape (nx, ny) (``indexing="ij"``: z[i, j] at (x[i], y[j])).
            NaN values are masked (treated as outside).
        level: e.g. a Delta chi^2 threshold.
        log_x, log_y: interpolate in log10 of the axis (for log-spaced scans); the returned
            points are in the grid's own units either way.

    Each path is closed (last point = first point). Paths are outer boundaries
    (counter-clockwise in the interpolation coordinates) and boundaries of holes (clockwise);
    a region touching the edge of the grid is closed along the grid edge.
    """
    import contourpy

    xa = np.asarray(x, dtype=float)
    ya = np.asarray(y, dtype=float)
    za = np.asarray(z, dtype=float)
    if za.shape != (xa.size, ya.size):
        raise ConfigurationError(
            f"z has shape {za.shape}; expected (len(x), len(y)) = ({xa.size}, {ya.size})."
        )
    if (log_x and np.any(xa <= 0)) or (log_y and np.any(ya <= 0)):
        raise ConfigurationError("Log-interpolated axes need positive values.")
    u = np.log10(xa) if log_x else xa
    v = np.log10(ya) if log_y else ya
    zt = np.ma.masked_invalid(za.T)  # contourpy wants (ny, nx)
    if zt.count() == 0 or level < zt.min():
        return []
    gen = contourpy.contour_generator(u, v, zt, fill_type=contourpy.FillType.OuterOffset)
    lower = float(zt.min()) - 1.0
    filled: Any = gen.filled(lower, float(level))
    points_list, offsets_list = filled[0], filled[1]
    paths: list[NDArray[np.float64]] = []
    for pts, offs in zip(points_list, offsets_list, strict=True):
        for a, b in itertools.pairwise(offs):
            ring = np.asarray(pts[a:b], dtype=float)
            if not np.array_equal(ring[0], ring[-1]):
                ring = np.vstack([ring, ring[:1]])
            if log_x:
                ring[:, 0] = 10.0 ** ring[:, 0]
            if log_y:
                ring[:, 1] = 10.0 ** ring[:, 1]
            paths.append(ring)
    return paths


def wilks_regions(
    x: ArrayLike, y: ArrayLike, chi2: ArrayLike, sigmas: tuple[int, ...] = (1, 2, 3), dof: int = 2
) -> Regions:
    """The n-sigma regions {chi2 - min(chi2) <= threshold(n sigma, dof)} of a chi^2 grid on
    log-spaced axes ``x``, ``y`` (Wilks' theorem), for each n in ``sigmas``."""
    c = np.asarray(chi2, dtype=float)
    delta = c - np.nanmin(c)
    return {
        n: contour_paths(
            x, y, delta, float(delta_chi2_threshold(sigma=n, dof=dof)), log_x=True, log_y=True
        )
        for n in sigmas
    }
