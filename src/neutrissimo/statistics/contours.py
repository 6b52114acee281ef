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

__all__ = [
    "Regions",
    "contour_paths",
    "edge_shift",
    "median_log_shift",
    "refine_minimum",
    "region_edges",
    "smooth_grid",
    "wilks_regions",
]

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


def smooth_grid(
    x: ArrayLike, y: ArrayLike, z: ArrayLike, upsample: int = 4
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """``z`` on log-spaced axes interpolated onto a grid ``upsample`` times finer per axis.

    Method: a bicubic interpolating spline (scipy ``RectBivariateSpline``, kx = ky = 3, s = 0)
    of z in (log10 x, log10 y), evaluated on log-spaced axes with ``upsample`` x (n - 1) + 1
    points. The spline passes through every grid value (it adds no smoothing of Monte Carlo
    noise, it removes the grid's piecewise-linear kinks), so contours of the result are smooth
    curves through the same crossings the grid has. Non-finite values are replaced by the
    largest finite one before fitting (they lie outside every region).

    Returns:
        (x_fine, y_fine, z_fine) with z_fine of shape (len(x_fine), len(y_fine)).
    """
    from scipy.interpolate import RectBivariateSpline

    lx, ly = np.log10(np.asarray(x, dtype=float)), np.log10(np.asarray(y, dtype=float))
    values = np.asarray(z, dtype=float)
    finite = np.isfinite(values)
    if not finite.any():
        raise ConfigurationError("smooth_grid: no finite value on the grid.")
    values = np.where(finite, values, values[finite].max())
    k = 3 if min(lx.size, ly.size) > 3 else 1
    spline = RectBivariateSpline(lx, ly, values, kx=k, ky=k, s=0)
    fx = np.linspace(lx[0], lx[-1], upsample * (lx.size - 1) + 1)
    fy = np.linspace(ly[0], ly[-1], upsample * (ly.size - 1) + 1)
    return 10.0**fx, 10.0**fy, np.asarray(spline(fx, fy), dtype=np.float64)


def refine_minimum(x: ArrayLike, y: ArrayLike, z: ArrayLike) -> tuple[float, float, float]:
    """The minimum of ``z`` on log-spaced axes, refined off the grid: (x*, y*, z*).

    Starts from the grid minimum and minimises the bicubic spline of :func:`smooth_grid`
    (bounded L-BFGS-B in log10 x, log10 y within the grid cells next to it). Never worse than
    the grid minimum.
    """
    from scipy.interpolate import RectBivariateSpline
    from scipy.optimize import minimize

    lx, ly = np.log10(np.asarray(x, dtype=float)), np.log10(np.asarray(y, dtype=float))
    values = np.asarray(z, dtype=float)
    i, j = np.unravel_index(np.nanargmin(values), values.shape)
    grid_best = (float(10.0 ** lx[i]), float(10.0 ** ly[j]), float(values[i, j]))
    if min(lx.size, ly.size) <= 3:
        return grid_best
    finite = np.isfinite(values)
    spline = RectBivariateSpline(
        lx, ly, np.where(finite, values, values[finite].max()), kx=3, ky=3, s=0
    )
    bounds = [
        (lx[max(i - 1, 0)], lx[min(i + 1, lx.size - 1)]),
        (ly[max(j - 1, 0)], ly[min(j + 1, ly.size - 1)]),
    ]
    result = minimize(
        lambda v: float(spline(v[0], v[1])[0, 0]),
        x0=np.array([lx[i], ly[j]]),
        bounds=bounds,
        method="L-BFGS-B",
    )
    if not result.success or float(result.fun) >= grid_best[2]:
        return grid_best
    return float(10.0 ** result.x[0]), float(10.0 ** result.x[1]), float(result.fun)


def wilks_regions(
    x: ArrayLike,
    y: ArrayLike,
    chi2: ArrayLike,
    sigmas: tuple[int, ...] = (1, 2, 3),
    dof: int = 2,
    upsample: int = 1,
    minimum: float | None = None,
) -> Regions:
    """The n-sigma regions {chi2 - chi2_min <= threshold(n sigma, dof)} of a chi^2 grid on
    log-spaced axes ``x``, ``y`` (Wilks' theorem), for each n in ``sigmas``.

    ``upsample`` > 1 contours the bicubic interpolation of :func:`smooth_grid` instead of the
    grid itself; ``minimum`` is chi2_min (default: the grid minimum; pass the refined minimum of
    :func:`refine_minimum` for regions about the off-grid best fit).
    """
    c = np.asarray(chi2, dtype=float)
    lowest = float(np.nanmin(c)) if minimum is None else minimum
    if upsample > 1:
        x, y, c = smooth_grid(x, y, c, upsample)
    delta = c - lowest
    return {
        n: contour_paths(
            x, y, delta, float(delta_chi2_threshold(sigma=n, dof=dof)), log_x=True, log_y=True
        )
        for n in sigmas
    }


def region_edges(
    y: ArrayLike, delta: ArrayLike, level: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Lowest and highest y (log-spaced axis, last axis of ``delta``) of {delta <= level} in each
    row of ``delta`` (rows: the x axis), with linear interpolation in log y at the crossings;
    NaN for rows the region does not reach."""
    ly = np.log10(np.asarray(y, dtype=float))
    d = np.asarray(delta, dtype=float)
    inside = np.nan_to_num(d, nan=np.inf) <= level
    lower = np.full(d.shape[0], np.nan)
    upper = np.full(d.shape[0], np.nan)
    for row in np.flatnonzero(inside.any(axis=1)):
        idx = np.flatnonzero(inside[row])
        a, b = idx[0], idx[-1]
        lower[row] = _crossing(ly, d[row], a - 1, a, level) if a > 0 else ly[a]
        upper[row] = _crossing(ly, d[row], b, b + 1, level) if b < ly.size - 1 else ly[b]
    return 10.0**lower, 10.0**upper


def _crossing(
    ly: NDArray[np.float64], d: NDArray[np.float64], i: int, j: int, level: float
) -> float:
    if not np.isfinite(d[i]) or not np.isfinite(d[j]) or d[i] == d[j]:
        return float(ly[j] if d[j] <= level else ly[i])
    return float(ly[i] + (level - d[i]) / (d[j] - d[i]) * (ly[j] - ly[i]))


def edge_shift(
    y: ArrayLike, delta_a: ArrayLike, delta_b: ArrayLike, level: float
) -> tuple[float, int]:
    """How far the region {delta <= level} moves along y between two estimates of a grid
    (e.g. two independent Monte Carlo samples): the median over rows (x values) and over the
    lower and upper edges of |log10 y_a - log10 y_b|, in decades, and the number of edges
    compared (rows where both reach the region). (nan, 0) if none."""
    la, ua = region_edges(y, delta_a, level)
    lb, ub = region_edges(y, delta_b, level)
    return median_log_shift(np.concatenate([la, ua]), np.concatenate([lb, ub]))


def median_log_shift(edges_a: ArrayLike, edges_b: ArrayLike) -> tuple[float, int]:
    """Median of |log10 a - log10 b| over the pairs of edges both estimates have (NaN marks a
    missing edge), in decades, and the number of pairs; (nan, 0) if none."""
    shifts = np.abs(np.log10(np.asarray(edges_a, dtype=float)) - np.log10(edges_b))
    shifts = shifts[np.isfinite(shifts)]
    return (float(np.median(shifts)), int(shifts.size)) if shifts.size else (float("nan"), 0)
