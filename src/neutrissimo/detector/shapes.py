"""Convex shapes and their vectorised ray intersection (lengths in cm, beam along +z).

* :class:`Sphere` (center, radius), :class:`Box` (center, half_size; axis-aligned),
* :class:`Cylinder` (center, radius, half_length; axis along z),
* :class:`ExtrudedPolygon` (convex polygon in (x, y), vertices in either order, extruded over
  z_min <= z <= z_max): the MINERvA hexagonal prisms and their partial sections.

Each shape is a frozen dataclass validated on construction (positive sizes, convex polygon;
:class:`~neutrissimo.exceptions.GeometryError` otherwise) with

* ``intersect(origins (n, 3), directions (n, 3) unit) -> (t_enter, t_exit)``: the interval of
  the *full line* o + t d inside the shape (t_enter < 0 when o is inside). A line that misses
  gives the empty interval t_enter = +inf, t_exit = -inf; one that only touches the surface
  gives t_enter == t_exit. "Empty" is always ``t_enter >= t_exit``; no result is ever NaN.
  Methods: spheres and cylinders solve the quadratic with the discriminant taken from the
  perpendicular distance (no cancellation far from the shape); boxes use the slab method;
  polygons Cyrus-Beck clipping against each edge line, then the z slab. Directions with zero
  components are handled explicitly (no 0 * inf).
* ``contains(points (n, 3)) -> bool`` (boundary included), consistent with ``intersect``;
* ``volume_cm3`` (analytic) and ``bounding_box()``.
"""

from __future__ import annotations

import functools
import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neutrissimo.exceptions import ConfigurationError, GeometryError

__all__ = ["Box", "Cylinder", "ExtrudedPolygon", "Shape", "Sphere"]

_INF = np.inf

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


# --------------------------------------------------------------------------------------------
# rays


class _Rays(NamedTuple):
    """Rays stored coordinate-major, with 1/d precomputed, shared by all shapes of a query."""

    n: int
    oc: FloatArray  # (3, n) origins: rows x, y, z (contiguous)
    dc: FloatArray  # (3, n) unit directions
    inv: FloatArray  # (3, n) 1/d (+-inf where d = 0)
    parallel: tuple[BoolArray | None, BoolArray | None, BoolArray | None]  # d_i == 0, if any
    oxy1: FloatArray  # (3, n): rows ox, oy, 1
    cache: dict[object, tuple[FloatArray, FloatArray]]  # per-query results shared by shapes
    along_z: bool  # every ray parallel to the z axis (d_x = d_y = 0), e.g. beam-parallel rays


def _as_points(points: ArrayLike, what: str = "points") -> FloatArray:
    arr = np.asarray(points, dtype=float)
    if arr.ndim == 1 and arr.shape == (3,):
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != 3:
        raise ConfigurationError(f"{what} must have shape (n, 3) in cm, got {arr.shape}.")
    if not np.all(np.isfinite(arr)):
        raise ConfigurationError(f"{what} contain non-finite values.")
    return arr


def _make_rays(origins: ArrayLike, directions: ArrayLike) -> _Rays:
    o = _as_points(origins, "origins")
    d = _as_points(directions, "directions")
    if o.shape != d.shape:
        raise ConfigurationError(
            f"origins {o.shape} and directions {d.shape} must have the same shape (n, 3)."
        )
    n = len(o)
    oc = np.empty((3, n))
    dc = np.empty((3, n))
    for axis in range(3):
        oc[axis] = o[:, axis]
        dc[axis] = d[:, axis]
    norm2 = dc[0] * dc[0] + dc[1] * dc[1] + dc[2] * dc[2]
    if n and np.max(np.abs(norm2 - 1.0)) > 1e-6:
        raise ConfigurationError(
            "directions must be unit vectors (|d| = 1 within 1e-6); normalise them first."
        )
    with np.errstate(divide="ignore"):
        inv = 1.0 / dc
    parallel = tuple((zero if zero.any() else None) for zero in (dc == 0))
    oxy1 = np.empty((3, n))
    oxy1[:2] = oc[:2]
    oxy1[2] = 1.0
    along_z = parallel[0] is not None and parallel[1] is not None
    along_z = along_z and bool(np.all(parallel[0]) and np.all(parallel[1]))
    return _Rays(n, oc, dc, inv, parallel, oxy1, {}, along_z)  # type: ignore[arg-type]


def _slab(rays: _Rays, axis: int, lo: float, hi: float) -> tuple[FloatArray, FloatArray]:
    """Interval of t with lo <= o_axis + t d_axis <= hi (slab method, d_axis = 0 handled)."""
    o, inv = rays.oc[axis], rays.inv[axis]
    with np.errstate(invalid="ignore"):
        t1 = (lo - o) * inv
        t2 = (hi - o) * inv
    t_lo = np.minimum(t1, t2)
    t_hi = np.maximum(t1, t2)
    zero = rays.parallel[axis]
    if zero is not None:
        inside = (o >= lo) & (o <= hi)
        t_lo = np.where(zero, np.where(inside, -_INF, _INF), t_lo)
        t_hi = np.where(zero, np.where(inside, _INF, -_INF), t_hi)
    return t_lo, t_hi


def _empty_where(miss: BoolArray, t_enter: FloatArray, t_exit: FloatArray) -> None:
    """Set the empty interval (+inf, -inf) in place where ``miss``."""
    t_enter[miss] = _INF
    t_exit[miss] = -_INF


# --------------------------------------------------------------------------------------------
# shapes


def _vector3(value: ArrayLike, what: str) -> tuple[float, float, float]:
    arr = np.asarray(value, dtype=float)
    if arr.shape != (3,) or not np.all(np.isfinite(arr)):
        raise GeometryError(f"{what} must be three finite numbers (cm), got {value!r}.")
    return (float(arr[0]), float(arr[1]), float(arr[2]))


def _positive(value: float, what: str) -> float:
    if not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        raise GeometryError(f"{what} must be a number > 0 (cm), got {value!r}.")
    return float(value)


class Shape(ABC):
    """A convex solid. Lengths in cm."""

    def intersect(self, origins: ArrayLike, directions: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Entry and exit distances (cm) of the lines o + t d, d unit, arrays of shape (n,).

        Returns the interval over all t (t_enter < 0 if o is inside); misses give
        (+inf, -inf). Empty means t_enter >= t_exit; never NaN.
        """
        return self._interval(_make_rays(origins, directions))

    def contains(self, points: ArrayLike) -> BoolArray:
        """Whether each point (n, 3) lies inside or on the boundary."""
        p = _as_points(points)
        return self._contains(p[:, 0], p[:, 1], p[:, 2])

    @property
    @abstractmethod
    def volume_cm3(self) -> float:
        """Analytic volume in cm^3."""

    @abstractmethod
    def bounding_box(self) -> tuple[FloatArray, FloatArray]:
        """Axis-aligned bounding box (lower corner, upper corner), cm."""

    def bounding_sphere(self) -> tuple[FloatArray, float]:
        """Centre (3,) and radius (cm) of a sphere containing the shape: the ball itself for a
        :class:`Sphere`, else the sphere through the corners of the bounding box."""
        low, high = self.bounding_box()
        return 0.5 * (low + high), 0.5 * float(np.linalg.norm(high - low))

    @abstractmethod
    def _interval(self, rays: _Rays) -> tuple[FloatArray, FloatArray]: ...

    @abstractmethod
    def _contains(self, x: FloatArray, y: FloatArray, z: FloatArray) -> BoolArray: ...


@dataclass(frozen=True)
class Sphere(Shape):
    """Ball |x - center| <= radius."""

    center: tuple[float, float, float]
    radius: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "center", _vector3(self.center, "Sphere center"))
        object.__setattr__(self, "radius", _positive(self.radius, "Sphere radius"))

    @property
    def volume_cm3(self) -> float:
        return 4.0 / 3.0 * math.pi * self.radius**3

    def bounding_box(self) -> tuple[FloatArray, FloatArray]:
        c = np.array(self.center)
        return c - self.radius, c + self.radius

    def bounding_sphere(self) -> tuple[FloatArray, float]:
        return np.array(self.center), float(self.radius)

    def _interval(self, rays: _Rays) -> tuple[FloatArray, FloatArray]:
        # t^2 + 2 b t + |q|^2 - R^2 = 0 with q = o - c; the discriminant R^2 - |q - (q.d) d|^2
        # is computed from the perpendicular distance, free of the cancellation in b^2 - c.
        qx = rays.oc[0] - self.center[0]
        qy = rays.oc[1] - self.center[1]
        qz = rays.oc[2] - self.center[2]
        dx, dy, dz = rays.dc
        b = qx * dx + qy * dy + qz * dz
        px, py, pz = qx - b * dx, qy - b * dy, qz - b * dz
        disc = self.radius**2 - (px * px + py * py + pz * pz)
        miss = disc < 0
        root = np.sqrt(np.maximum(disc, 0.0))
        t_enter, t_exit = -b - root, -b + root
        _empty_where(miss, t_enter, t_exit)
        return t_enter, t_exit

    def _contains(self, x: FloatArray, y: FloatArray, z: FloatArray) -> BoolArray:
        cx, cy, cz = self.center
        return (x - cx) ** 2 + (y - cy) ** 2 + (z - cz) ** 2 <= self.radius**2


@dataclass(frozen=True)
class Box(Shape):
    """Axis-aligned box |x_i - center_i| <= half_size_i."""

    center: tuple[float, float, float]
    half_size: tuple[float, float, float]

    def __post_init__(self) -> None:
        object.__setattr__(self, "center", _vector3(self.center, "Box center"))
        half = _vector3(self.half_size, "Box half_size")
        for h in half:
            _positive(h, "Box half_size components")
        object.__setattr__(self, "half_size", half)

    @property
    def volume_cm3(self) -> float:
        hx, hy, hz = self.half_size
        return 8.0 * hx * hy * hz

    def bounding_box(self) -> tuple[FloatArray, FloatArray]:
        c, h = np.array(self.center), np.array(self.half_size)
        return c - h, c + h

    def _interval(self, rays: _Rays) -> tuple[FloatArray, FloatArray]:
        lo, hi = self.bounding_box()
        t_enter, t_exit = _slab(rays, 0, lo[0], hi[0])
        for axis in (1, 2):
            a, b = _slab(rays, axis, lo[axis], hi[axis])
            np.maximum(t_enter, a, out=t_enter)
            np.minimum(t_exit, b, out=t_exit)
        _empty_where(t_enter > t_exit, t_enter, t_exit)
        return t_enter, t_exit

    def _contains(self, x: FloatArray, y: FloatArray, z: FloatArray) -> BoolArray:
        (cx, cy, cz), (hx, hy, hz) = self.center, self.half_size
        return (np.abs(x - cx) <= hx) & (np.abs(y - cy) <= hy) & (np.abs(z - cz) <= hz)


@dataclass(frozen=True)
class Cylinder(Shape):
    """Cylinder with axis along z: (x-cx)^2 + (y-cy)^2 <= radius^2, |z - cz| <= half_length."""

    center: tuple[float, float, float]
    radius: float
    half_length: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "center", _vector3(self.center, "Cylinder center"))
        object.__setattr__(self, "radius", _positive(self.radius, "Cylinder radius"))
        object.__setattr__(self, "half_length", _positive(self.half_length, "Cylinder half_length"))

    @property
    def volume_cm3(self) -> float:
        return math.pi * self.radius**2 * 2.0 * self.half_length

    def bounding_box(self) -> tuple[FloatArray, FloatArray]:
        c = np.array(self.center)
        h = np.array([self.radius, self.radius, self.half_length])
        return c - h, c + h

    def _interval(self, rays: _Rays) -> tuple[FloatArray, FloatArray]:
        qx = rays.oc[0] - self.center[0]
        qy = rays.oc[1] - self.center[1]
        dx, dy, _ = rays.dc
        a = dx * dx + dy * dy
        b = qx * dx + qy * dy
        cross = qx * dy - qy * dx
        # a t^2 + 2 b t + |q|^2 - R^2 = 0; b^2 - a(|q|^2 - R^2) = a R^2 - (q x d)^2.
        disc = a * self.radius**2 - cross * cross
        axial = a == 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            root = np.sqrt(np.maximum(disc, 0.0))
            t_enter = (-b - root) / a
            t_exit = (-b + root) / a
        miss = disc < 0
        if axial.any():  # parallel to the axis: inside the circle for all t, or never
            inside = qx * qx + qy * qy <= self.radius**2
            t_enter = np.where(axial, np.where(inside, -_INF, _INF), t_enter)
            t_exit = np.where(axial, np.where(inside, _INF, -_INF), t_exit)
            miss &= ~axial
        z_lo, z_hi = _slab(
            rays, 2, self.center[2] - self.half_length, self.center[2] + self.half_length
        )
        t_enter = np.maximum(t_enter, z_lo)
        t_exit = np.minimum(t_exit, z_hi)
        _empty_where(miss | (t_enter > t_exit), t_enter, t_exit)
        return t_enter, t_exit

    def _contains(self, x: FloatArray, y: FloatArray, z: FloatArray) -> BoolArray:
        cx, cy, cz = self.center
        return ((x - cx) ** 2 + (y - cy) ** 2 <= self.radius**2) & (
            np.abs(z - cz) <= self.half_length
        )


def _convexity_problem(vertices: FloatArray) -> str | None:
    """None if the polygon is convex and simple, else a description of the problem."""
    n = len(vertices)
    if n < 3:
        return f"a polygon needs at least 3 vertices, got {n}"
    edges = np.roll(vertices, -1, axis=0) - vertices
    lengths = np.hypot(edges[:, 0], edges[:, 1])
    scale = float(np.max(lengths))
    if np.any(lengths <= 1e-12 * max(scale, 1.0)):
        k = int(np.argmin(lengths))
        return f"vertices {k} and {(k + 1) % n} coincide"
    nxt = np.roll(edges, -1, axis=0)
    cross = edges[:, 0] * nxt[:, 1] - edges[:, 1] * nxt[:, 0]
    tol = 1e-12 * scale**2
    positive, negative = cross > tol, cross < -tol
    if positive.any() and negative.any():
        minority = negative if positive.sum() >= negative.sum() else positive
        x, y = vertices[(int(np.argmax(minority)) + 1) % n]
        return f"the polygon is not convex (it turns the other way at vertex ({x:g}, {y:g}))"
    turning = np.sum(np.arctan2(cross, np.einsum("ij,ij->i", edges, nxt)))
    if abs(abs(turning) - 2 * math.pi) > 1e-6:
        return "the polygon winds around more than once (self-intersecting)"
    return None


@dataclass(frozen=True)
class ExtrudedPolygon(Shape):
    """Convex polygon in (x, y) (vertices in either order) extruded over z_min <= z <= z_max.

    Raises:
        GeometryError: fewer than 3 vertices, coincident vertices, a non-convex or
            self-intersecting polygon, or z_max <= z_min.
    """

    vertices: tuple[tuple[float, float], ...]
    z_min: float
    z_max: float

    def __post_init__(self) -> None:
        verts = np.asarray(self.vertices, dtype=float)
        if verts.ndim != 2 or verts.shape[1] != 2 or not np.all(np.isfinite(verts)):
            raise GeometryError(
                f"ExtrudedPolygon vertices must be a list of finite [x, y] pairs (cm), got "
                f"{self.vertices!r}."
            )
        problem = _convexity_problem(verts)
        if problem is not None:
            raise GeometryError(f"ExtrudedPolygon: {problem}; it must be convex.")
        for value, what in ((self.z_min, "z_min"), (self.z_max, "z_max")):
            if not isinstance(value, int | float) or not math.isfinite(value):
                raise GeometryError(f"ExtrudedPolygon {what} must be a number (cm), got {value!r}.")
        if not self.z_max > self.z_min:
            raise GeometryError(
                f"ExtrudedPolygon z extent must be positive: z_min = {self.z_min}, "
                f"z_max = {self.z_max} cm."
            )
        object.__setattr__(self, "vertices", tuple((float(x), float(y)) for x, y in verts))
        object.__setattr__(self, "z_min", float(self.z_min))
        object.__setattr__(self, "z_max", float(self.z_max))

    @functools.cached_property
    def _signed_area(self) -> float:
        v = np.asarray(self.vertices)
        w = np.roll(v, -1, axis=0)
        return 0.5 * float(np.sum(v[:, 0] * w[:, 1] - w[:, 0] * v[:, 1]))

    @property
    def area_cm2(self) -> float:
        """Polygon area (shoelace formula), cm^2."""
        return abs(self._signed_area)

    @property
    def volume_cm3(self) -> float:
        return self.area_cm2 * (self.z_max - self.z_min)

    @functools.cached_property
    def _halfplanes(self) -> tuple[FloatArray, FloatArray]:
        """(M (E, 3), N (E, 2)): M @ [x, y, 1] = h - n.p and N @ [dx, dy] = n.d per edge."""
        v = np.asarray(self.vertices)
        if self._signed_area < 0:  # clockwise: reverse to counter-clockwise
            v = v[::-1]
        e = np.roll(v, -1, axis=0) - v
        normal = np.column_stack([e[:, 1], -e[:, 0]])  # outward for a CCW polygon
        normal /= np.hypot(normal[:, 0], normal[:, 1])[:, None]
        offset = np.einsum("ij,ij->i", normal, v)
        return np.column_stack([-normal, offset]), np.ascontiguousarray(normal)

    def bounding_box(self) -> tuple[FloatArray, FloatArray]:
        v = np.asarray(self.vertices)
        lo = np.array([v[:, 0].min(), v[:, 1].min(), self.z_min])
        hi = np.array([v[:, 0].max(), v[:, 1].max(), self.z_max])
        return lo, hi

    def _interval(self, rays: _Rays) -> tuple[FloatArray, FloatArray]:
        # Edge k (outward normal n_k, offset h_k): inside when t b_k <= h_k - n_k.o, b_k = n_k.d
        # (Cyrus-Beck clipping). The (x, y) interval is shared by the prisms of one polygon.
        key = ("polygon", self.vertices)
        if key not in rays.cache and rays.along_z:  # b = 0 on every edge: inside or not
            inside = np.all(self._halfplanes[0] @ rays.oxy1 >= 0.0, axis=0)
            rays.cache[key] = (np.where(inside, -_INF, _INF), np.where(inside, _INF, -_INF))
        if key not in rays.cache:
            m, nrm = self._halfplanes
            slack = m @ rays.oxy1  # (E, n): h_k - n_k.o, >= 0 inside edge k
            rate = nrm @ rays.dc[:2]  # (E, n): n_k.d
            rate += 0.0  # -0.0 -> +0.0, so that b = 0 is always handled by the "upper" branch
            with np.errstate(divide="ignore", invalid="ignore"):
                t = slack / rate
            entering = rate < 0
            lower = np.where(entering, t, -_INF).max(axis=0)
            # b = 0: +inf (inside the edge line, no bound), -inf (outside: empty), NaN (on the
            # line: inside, and ignored by fmin)
            upper = np.fmin.reduce(np.where(entering, _INF, t), axis=0)
            rays.cache[key] = (lower, upper)
        lower, upper = rays.cache[key]
        z_lo, z_hi = _slab(rays, 2, self.z_min, self.z_max)
        t_enter = np.maximum(lower, z_lo)
        t_exit = np.minimum(upper, z_hi)
        _empty_where(t_enter > t_exit, t_enter, t_exit)
        return t_enter, t_exit

    def _contains(self, x: FloatArray, y: FloatArray, z: FloatArray) -> BoolArray:
        m, _ = self._halfplanes
        slack = m @ np.vstack([x, y, np.ones_like(x)])
        return np.all(slack >= 0.0, axis=0) & (z >= self.z_min) & (z <= self.z_max)
