"""Convex shapes: ray intersections against hand-computed values, contains(), volumes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neutrissimo import ConfigurationError, GeometryError
from neutrissimo.detector.shapes import Box, Cylinder, ExtrudedPolygon, Sphere

Z = (0.0, 0.0, 1.0)
X = (1.0, 0.0, 0.0)


def one(shape, origin, direction):
    t_enter, t_exit = shape.intersect(np.array([origin], float), np.array([direction], float))
    return float(t_enter[0]), float(t_exit[0])


def hexagon(apothem):
    """Pointed at +-y, flat sides at x = +-apothem (the MINERvA orientation), clockwise."""
    r = 2.0 * apothem / math.sqrt(3.0)
    return [
        (0.0, r),
        (apothem, r / 2),
        (apothem, -r / 2),
        (0.0, -r),
        (-apothem, -r / 2),
        (-apothem, r / 2),
    ]


# ---- sphere ----------------------------------------------------------------------------------


def test_sphere_hand_values():
    s = Sphere((0.0, 0.0, 0.0), 2.0)
    assert one(s, (0, 0, -10), Z) == pytest.approx((8.0, 12.0), abs=1e-12)
    # impact parameter 1: half chord sqrt(4 - 1)
    assert one(s, (1, 0, -10), Z) == pytest.approx((10 - math.sqrt(3), 10 + math.sqrt(3)))
    # start inside: entry behind the origin
    assert one(s, (0, 0, 1), Z) == pytest.approx((-3.0, 1.0))
    # shifted centre, oblique ray along (1, 1, 0)/sqrt2 through the centre
    s2 = Sphere((5.0, 5.0, 0.0), 1.0)
    d = (1 / math.sqrt(2), 1 / math.sqrt(2), 0.0)
    assert one(s2, (0, 0, 0), d) == pytest.approx((math.sqrt(50) - 1, math.sqrt(50) + 1))


def test_sphere_miss_and_graze():
    s = Sphere((0.0, 0.0, 0.0), 2.0)
    t_enter, t_exit = one(s, (3, 0, -10), Z)
    assert (t_enter, t_exit) == (math.inf, -math.inf)
    t_enter, t_exit = one(s, (2, 0, -10), Z)  # tangent: a single point, empty by the flag
    assert t_enter == t_exit == pytest.approx(10.0)


def test_sphere_far_origin_keeps_precision():
    # MiniBooNE-like: 610 cm sphere seen from 550 m; entry must be exact to ~1e-7 cm.
    s = Sphere((0.0, 0.0, 0.0), 610.0)
    b = 300.0
    t_enter, t_exit = one(s, (b, 0, -55000), Z)
    half = math.sqrt(610.0**2 - b**2)
    assert t_enter == pytest.approx(55000 - half, abs=1e-7)
    assert t_exit == pytest.approx(55000 + half, abs=1e-7)


# ---- box -------------------------------------------------------------------------------------


def test_box_hand_values():
    b = Box((1.0, 2.0, 3.0), (1.0, 2.0, 3.0))  # [0, 2] x [0, 4] x [0, 6]
    assert one(b, (1, 2, -10), Z) == pytest.approx((10.0, 16.0))
    assert one(b, (-1, 1, 1), X) == pytest.approx((1.0, 3.0))
    assert one(b, (1, 2, 3), X) == pytest.approx((-1.0, 1.0))  # inside
    d = np.ones(3) / math.sqrt(3)  # enters at the corner (0,0,0), leaves through x = 2
    assert one(b, (-1, -1, -1), d) == pytest.approx((math.sqrt(3), 3 * math.sqrt(3)))


def test_box_miss_and_graze():
    b = Box((1.0, 2.0, 3.0), (1.0, 2.0, 3.0))
    assert one(b, (3, 1, -5), Z) == (math.inf, -math.inf)  # parallel to z, outside in x
    assert one(b, (-1, 5, 1), X) == (math.inf, -math.inf)  # parallel to x, outside in y
    # along an edge of the box (x = 0, y = 0): boundaries are included
    assert one(b, (0, 0, -5), Z) == pytest.approx((5.0, 11.0))
    # through the corner only: (0, 0, 0) reached by the line x = y = -z
    d = np.array([1.0, 1.0, -1.0]) / math.sqrt(3)
    t_enter, t_exit = one(b, (-1, -1, 1), d)
    assert t_enter == pytest.approx(t_exit) == pytest.approx(math.sqrt(3))


# ---- cylinder --------------------------------------------------------------------------------


def test_cylinder_hand_values():
    c = Cylinder((0.0, 0.0, 0.0), 1.0, 2.0)
    assert one(c, (-5, 0, 0), X) == pytest.approx((4.0, 6.0))
    assert one(c, (0, 0, -5), Z) == pytest.approx((3.0, 7.0))  # along the axis
    assert one(c, (0.5, 0.5, 0), Z) == pytest.approx((-2.0, 2.0))  # inside, along the axis
    theta = math.radians(10.0)  # enters the end cap z = -2, leaves through the side x = 1
    d = (math.sin(theta), 0.0, math.cos(theta))
    assert one(c, (0, 0, -5), d) == pytest.approx((3 / math.cos(theta), 1 / math.sin(theta)))
    c2 = Cylinder((1.0, -2.0, 10.0), 3.0, 1.0)  # chord at distance 1 from the axis
    assert one(c2, (2, -10, 10), (0, 1, 0)) == pytest.approx((8 - math.sqrt(8), 8 + math.sqrt(8)))


def test_cylinder_miss_and_graze():
    c = Cylinder((0.0, 0.0, 0.0), 1.0, 2.0)
    assert one(c, (1.5, 0, -5), Z) == (math.inf, -math.inf)  # parallel to the axis, outside
    assert one(c, (-5, 0, 3), X) == (math.inf, -math.inf)  # beyond the end cap
    t_enter, t_exit = one(c, (-5, 1, 0), X)  # tangent to the side
    assert t_enter == t_exit == pytest.approx(5.0)


# ---- extruded polygon ------------------------------------------------------------------------


def test_polygon_triangle_hand_values():
    tri = ExtrudedPolygon(((0, 0), (1, 0), (0, 1)), 0.0, 2.0)
    assert one(tri, (-1, 0.25, 0.5), X) == pytest.approx((1.0, 1.75))  # leaves via x + y = 1
    assert one(tri, (0.2, 0.2, -3), Z) == pytest.approx((3.0, 5.0))
    assert one(tri, (0.2, 0.2, 1), Z) == pytest.approx((-1.0, 1.0))  # inside
    d = np.array([1.0, 1.0, 0.0]) / math.sqrt(2)  # along the diagonal through (0,0)
    assert one(tri, (-1, -1, 1), d) == pytest.approx((math.sqrt(2), 1.5 * math.sqrt(2)))


def test_polygon_miss_graze_and_orientation():
    tri = ExtrudedPolygon(((0, 0), (1, 0), (0, 1)), 0.0, 2.0)
    assert one(tri, (-1, -0.5, 1), X) == (math.inf, -math.inf)  # parallel to an edge, outside
    assert one(tri, (-1, 0, 1), X) == pytest.approx((1.0, 2.0))  # along the edge y = 0
    assert one(tri, (0.2, 0.2, 3), X) == (math.inf, -math.inf)  # above z_max
    clockwise = ExtrudedPolygon(((0, 0), (0, 1), (1, 0)), 0.0, 2.0)
    assert one(clockwise, (-1, 0.25, 0.5), X) == pytest.approx((1.0, 1.75))


def test_polygon_hexagon_apothem_and_vertex_radius():
    a = 92.0
    hexa = ExtrudedPolygon(hexagon(a), 0.0, 10.0)
    assert one(hexa, (-200, 0, 5), X) == pytest.approx((200 - a, 200 + a))
    r = 2 * a / math.sqrt(3)
    assert one(hexa, (0, -200, 5), (0, 1, 0)) == pytest.approx((200 - r, 200 + r))
    assert hexa.area_cm2 == pytest.approx(2 * math.sqrt(3) * a**2)


@pytest.mark.parametrize(
    ("vertices", "problem"),
    [
        (((0, 0), (2, 0), (1, 0.5), (2, 2), (0, 2)), "not convex"),
        # pentagram: every turn has the same sign but it winds twice
        (
            tuple(
                (math.cos(math.radians(90 + 144 * k)), math.sin(math.radians(90 + 144 * k)))
                for k in range(5)
            ),
            "self-intersecting",
        ),
        (((0, 0), (1, 0)), "at least 3 vertices"),
        (((0, 0), (1, 0), (1, 0), (0, 1)), "coincide"),
    ],
)
def test_polygon_rejects_bad_polygons(vertices, problem):
    with pytest.raises(GeometryError, match=problem):
        ExtrudedPolygon(vertices, 0.0, 1.0)


@pytest.mark.parametrize(
    ("build", "problem"),
    [
        (lambda: Sphere((0, 0, 0), -1.0), "radius must be a number > 0"),
        (lambda: Box((0, 0, 0), (1.0, 0.0, 1.0)), "half_size"),
        (lambda: Cylinder((0, 0, 0), 1.0, -2.0), "half_length"),
        (lambda: ExtrudedPolygon(((0, 0), (1, 0), (0, 1)), 1.0, 1.0), "z extent"),
        (lambda: Sphere((0, 0), 1.0), "three finite numbers"),
    ],
)
def test_shapes_reject_bad_sizes(build, problem):
    with pytest.raises(GeometryError, match=problem):
        build()


# ---- properties common to all shapes ----------------------------------------------------------

SHAPES = [
    Sphere((1.0, -2.0, 3.0), 4.0),
    Box((0.5, 0.0, -1.0), (2.0, 3.0, 1.5)),
    Cylinder((0.0, 1.0, 0.0), 2.5, 3.0),
    ExtrudedPolygon(tuple(hexagon(3.0)), -2.0, 1.0),
    ExtrudedPolygon(
        ((-28.25, 89.92), (63.75, -69.42), (0, -106.232), (-92, -53.116), (-92, 53.116)), 0.0, 2.567
    ),
]


def _random_rays(rng, n, scale):
    origins = rng.uniform(-scale, scale, (n, 3))
    directions = rng.normal(size=(n, 3))
    directions /= np.linalg.norm(directions, axis=1)[:, None]
    return origins, directions


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: type(s).__name__)
def test_contains_agrees_with_intersect(shape, rng):
    lo, hi = shape.bounding_box()
    scale = 1.5 * float(np.max(np.abs(np.concatenate([lo, hi]))))
    origins, directions = _random_rays(rng, 20_000, scale)
    t_enter, t_exit = shape.intersect(origins, directions)
    assert not np.any(np.isnan(t_enter))
    assert not np.any(np.isnan(t_exit))
    t = rng.uniform(-3 * scale, 3 * scale, len(origins))
    inside = shape.contains(origins + t[:, None] * directions)
    by_interval = (t_enter <= t) & (t <= t_exit)
    margin = np.minimum(np.abs(t - t_enter), np.abs(t - t_exit))
    clear = margin > 1e-9 * scale  # ignore points within rounding of the surface
    assert np.array_equal(inside[clear], by_interval[clear])
    hits = t_enter < t_exit
    assert 0.05 < hits.mean() < 0.95  # the test exercises both hits and misses
    # the midpoint of every chord is inside
    mid = 0.5 * (t_enter[hits] + t_exit[hits])
    assert shape.contains(origins[hits] + mid[:, None] * directions[hits]).all()


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: type(s).__name__)
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_rays_along_z_agree_with_contains(shape, sign, rng):
    """A query whose rays all run along the z axis (the production rays: the polygons' fast
    path) gives the chords that ``contains`` finds, and the same as each ray queried together
    with a tilted one (the general path)."""
    lo, hi = shape.bounding_box()
    scale = 1.5 * float(np.max(np.abs(np.concatenate([lo, hi]))))
    origins, _ = _random_rays(rng, 20_000, scale)
    directions = np.tile([0.0, 0.0, sign], (len(origins), 1))
    t_enter, t_exit = shape.intersect(origins, directions)
    t = rng.uniform(-3 * scale, 3 * scale, len(origins))
    inside = shape.contains(origins + t[:, None] * directions)
    margin = np.minimum(np.abs(t - t_enter), np.abs(t - t_exit))
    clear = margin > 1e-9 * scale
    assert np.array_equal(inside[clear], ((t_enter <= t) & (t <= t_exit))[clear])
    assert 0.05 < np.mean(t_enter < t_exit) < 0.95
    tilted = np.vstack([directions, [[0.6, 0.0, 0.8]]])
    general = shape.intersect(np.vstack([origins, origins[:1]]), tilted)
    hits = t_enter < t_exit
    np.testing.assert_array_equal(general[0][:-1] < general[1][:-1], hits)
    np.testing.assert_allclose(general[0][:-1][hits], t_enter[hits], rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(general[1][:-1][hits], t_exit[hits], rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: type(s).__name__)
def test_volume_matches_monte_carlo(shape, rng):
    lo, hi = shape.bounding_box()
    n = 400_000
    points = lo + (hi - lo) * rng.random((n, 3))
    fraction = shape.contains(points).mean()
    box_volume = float(np.prod(hi - lo))
    sigma = math.sqrt(fraction * (1 - fraction) / n) * box_volume
    assert shape.volume_cm3 == pytest.approx(fraction * box_volume, abs=4 * sigma)


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: type(s).__name__)
def test_axis_parallel_rays_from_boundary_planes_give_no_nan(shape):
    lo, hi = shape.bounding_box()
    # origins exactly on the bounding planes, directions along the axes (zero components)
    origins = np.array([lo, hi, [lo[0], hi[1], lo[2]], 0.5 * (lo + hi)] * 3)
    directions = np.repeat(np.eye(3), 4, axis=0)
    t_enter, t_exit = shape.intersect(origins, directions)
    assert not np.any(np.isnan(t_enter))
    assert not np.any(np.isnan(t_exit))
    centre_rows = np.arange(3, 12, 4)  # from the centre of the box: always inside
    assert np.all(t_enter[centre_rows] < 0)
    assert np.all(t_exit[centre_rows] > 0)


def test_intersect_rejects_bad_input():
    s = Sphere((0, 0, 0), 1.0)
    with pytest.raises(ConfigurationError, match="unit vectors"):
        s.intersect(np.zeros((2, 3)), np.ones((2, 3)))
    with pytest.raises(ConfigurationError, match="shape"):
        s.intersect(np.zeros((2, 2)), np.ones((2, 2)))


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: type(s).__name__)
def test_bounding_sphere_contains_the_shape(shape, rng):
    """Every point of the shape lies in its bounding sphere; a sphere is its own."""
    centre, radius = shape.bounding_sphere()
    lo, hi = shape.bounding_box()
    points = lo + (hi - lo) * rng.random((200_000, 3))
    inside = points[shape.contains(points)]
    assert len(inside) > 1000
    assert np.max(np.linalg.norm(inside - centre, axis=1)) <= radius * (1 + 1e-12)
    if isinstance(shape, Sphere):
        assert (tuple(centre), radius) == (shape.center, shape.radius)
