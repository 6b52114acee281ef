"""Detectors built in Python: priority-resolved segments, column densities, sampling along rays."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from neutrissimo import ConfigurationError, GeometryError
from neutrissimo.detector.geometry import (
    MAX_VOLUMES,
    Box,
    Cylinder,
    Detector,
    ExtrudedPolygon,
    Sphere,
    Volume,
)
from neutrissimo.detector.materials import Material, atomic_mass
from neutrissimo.physics.constants import AVOGADRO

ROCK = Material("rock", 2.9, (("Si28", 0.4674349), ("O16", 0.5325651)))
AIR = Material("air", 0.001225, (("N14", 0.7562326), ("O16", 0.2437674)))
OIL = Material("oil", 0.85, (("H1", 0.1438253), ("C12", 0.8561715)))
STEEL = Material("steel", 7.83, (("Fe56", 1.0),))
LEAD = Material("lead", 11.29, (("Pb208", 1.0),))


def toy_detector() -> Detector:
    """Nested volumes of every shape, with a prism crossing the sphere/cylinder boundaries."""
    return Detector(
        "toy",
        (
            Volume("world", Box((0.0, 0.0, 0.0), (50.0, 40.0, 60.0)), ROCK, 0, "dirt"),
            Volume("hall", Sphere((0.0, 0.0, 5.0), 30.0), AIR, 1, "hall"),
            Volume("tank", Cylinder((2.0, -1.0, 5.0), 15.0, 12.0), OIL, 2),
            Volume(
                "slab",
                ExtrudedPolygon(((-20, -5), (25, -10), (20, 12), (-10, 15)), 0.0, 3.0),
                STEEL,
                3,
            ),
            Volume("core", Sphere((2.0, -1.0, 8.0), 4.0), LEAD, 3),
        ),
        Sphere((2.0, -1.0, 5.0), 10.0),
    )


def concentric() -> Detector:
    return Detector(
        "shells",
        (
            Volume("outer", Sphere((0.0, 0.0, 0.0), 10.0), AIR, 1),
            Volume("inner", Sphere((0.0, 0.0, 0.0), 4.0), OIL, 2),
        ),
        Sphere((0.0, 0.0, 0.0), 3.0),
    )


def random_rays(rng, n, scale=70.0):
    origins = rng.uniform(-scale, scale, (n, 3))
    directions = rng.normal(size=(n, 3))
    directions /= np.linalg.norm(directions, axis=1)[:, None]
    return origins, directions


def brute_force_locate(detector, points):
    """Reference: loop over volumes, keep the highest priority that contains the point."""
    best = np.full(len(points), -1)
    best_priority = np.full(len(points), -np.inf)
    for v, vol in enumerate(detector.volumes):
        wins = vol.shape.contains(points) & (vol.priority > best_priority)
        best[wins] = v
        best_priority[wins] = vol.priority
    return best


# ---- segments against brute force -----------------------------------------------------------


def test_segments_match_point_sampling(rng):
    det = toy_detector()
    origins, directions = random_rays(rng, 400)
    seg = det.segments(origins, directions)
    assert seg.boundaries.shape == (400, seg.n_segments + 1)
    assert seg.n_segments <= 2 * det.n_volumes
    assert np.all(np.diff(seg.boundaries, axis=1) >= 0)  # ordered
    assert np.all(seg.boundaries[:, 0] == 0)
    mismatches = 0
    n_samples = 4001
    for j in range(len(origins)):
        t = np.linspace(0.0, seg.boundaries[j, -1] + 20.0, n_samples)
        reference = brute_force_locate(det, origins[j] + t[:, None] * directions[j])
        k = np.clip(np.searchsorted(seg.boundaries[j], t, side="right") - 1, 0, None)
        labels = np.where(k < seg.n_segments, seg.volume[j, np.minimum(k, seg.n_segments - 1)], -1)
        near = np.min(np.abs(t[:, None] - seg.boundaries[j][None, :]), axis=1) < 1e-7
        mismatches += np.sum((labels != reference) & ~near)
    assert mismatches == 0


def test_path_lengths_match_point_sampling(rng):
    # Independent estimate: fraction of a fine uniform grid along each ray in each volume.
    det = toy_detector()
    origins, directions = random_rays(rng, 60)
    lengths = det.segments(origins, directions).path_lengths()
    n_samples = 200_000
    for j in range(len(origins)):
        t_max = 250.0
        step = t_max / n_samples
        t = (np.arange(n_samples) + 0.5) * step
        labels = brute_force_locate(det, origins[j] + t[:, None] * directions[j])
        reference = np.bincount(labels[labels >= 0], minlength=det.n_volumes) * step
        # each boundary shifts the midpoint count by at most one step
        assert lengths[j] == pytest.approx(reference, abs=2.5 * step * 2 * det.n_volumes)


def test_locate_matches_brute_force(rng):
    det = toy_detector()
    points = rng.uniform(-60, 60, (100_000, 3))
    assert np.array_equal(det.locate(points), brute_force_locate(det, points))


def test_chunking_does_not_change_results(rng):
    det = toy_detector()
    origins, directions = random_rays(rng, 1000)
    a = det.segments(origins, directions)
    b = det.segments(origins, directions, chunk_size=7)
    assert np.array_equal(a.boundaries, b.boundaries)
    assert np.array_equal(a.volume, b.volume)


def test_segments_keep_every_segment_of_positive_length(rng):
    # The trailing segments of zero length on every ray are cut off: the batch keeps up to its
    # last segment of positive length, and each ray's segments are those it has alone.
    det = toy_detector()
    origins, directions = random_rays(rng, 200)
    seg = det.segments(origins, directions)
    assert np.any(seg.length[:, -1] > 0)
    for j in range(len(origins)):
        alone = det.segments(origins[j : j + 1], directions[j : j + 1])
        k = alone.n_segments
        assert k <= seg.n_segments
        assert np.array_equal(seg.boundaries[j, : k + 1], alone.boundaries[0])
        assert np.array_equal(seg.volume[j, :k], alone.volume[0])
        assert np.all(seg.boundaries[j, k:] == alone.boundaries[0, -1])  # the tail: length 0
        assert np.all(seg.volume[j, k:] == -1)
    # rays crossing nothing keep one empty segment
    missing = det.segments(np.array([[0.0, 0.0, 500.0]]), np.array([[0.0, 0.0, 1.0]]))
    assert missing.n_segments == 1
    assert np.all(missing.boundaries == 0)
    assert missing.volume[0, 0] == -1
    # beam rays through nested spheres: on the axis 4 segments (before, outer, inner, outer);
    # beside the inner sphere only 2 (before, outer): the inner sphere's events are the tail
    along_z = np.array([[0.0, 0.0, 1.0]])
    on_axis = concentric().segments(np.array([[0.0, 0.0, -50.0]]), along_z)
    assert on_axis.n_segments == 4
    assert on_axis.path_lengths()[0] == pytest.approx([12.0, 8.0])
    beside = concentric().segments(np.array([[6.0, 0.0, -50.0]]), along_z)
    assert beside.n_segments == 2
    assert beside.path_lengths()[0] == pytest.approx([16.0, 0.0])


# ---- analytic cases ----------------------------------------------------------------------------


def test_concentric_spheres_analytic_chords(rng):
    det = concentric()
    impact = rng.uniform(0, 12, 500)
    origins = np.column_stack([impact, np.zeros(500), np.full(500, -50.0)])
    directions = np.tile([0.0, 0.0, 1.0], (500, 1))
    lengths = det.segments(origins, directions).path_lengths()
    inner = 2 * np.sqrt(np.clip(16 - impact**2, 0, None))
    outer = 2 * np.sqrt(np.clip(100 - impact**2, 0, None)) - inner
    assert lengths[:, 1] == pytest.approx(inner, abs=1e-9)
    assert lengths[:, 0] == pytest.approx(outer, abs=1e-9)


def test_ray_starting_inside_and_rays_missing_everything():
    det = concentric()
    origins = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 2.0], [20.0, 0.0, 0.0], [0.0, 0.0, 30.0]])
    directions = np.tile([0.0, 0.0, 1.0], (4, 1))
    seg = det.segments(origins, directions)
    lengths = seg.path_lengths()
    assert lengths[0] == pytest.approx([6.0, 4.0])  # from the centre: 4 in oil, then 6 in air
    assert lengths[1] == pytest.approx([6.0, 2.0])
    assert np.all(lengths[2:] == 0)  # misses, and a shape entirely behind the origin
    assert np.all(seg.boundaries[2:] == 0)
    assert np.all(seg.volume[2:] == -1)
    assert seg.volume[0, 0] == -1
    assert seg.length[0, 0] == 0


def test_miniboone_like_axis_column_densities():
    # 541 m of rock upstream of a 9 m air hall holding a 6.1 m oil sphere.
    det = Detector(
        "mb",
        (
            Volume("dirt", Box((0.0, 0.0, -25000.0), (5000.0, 5000.0, 30000.0)), ROCK, 0),
            Volume("hall", Sphere((0.0, 0.0, 0.0), 900.0), AIR, 1),
            Volume("detector", Sphere((0.0, 0.0, 0.0), 610.0), OIL, 2),
        ),
        Sphere((0.0, 0.0, 0.0), 500.0),
    )
    seg = det.segments(np.array([[0.0, 0.0, -60000.0]]), np.array([[0.0, 0.0, 1.0]]))
    assert seg.path_lengths()[0] == pytest.approx([54100.0 + 4100.0, 2 * 290.0, 1220.0])
    column = det.column_density(seg)[0]  # (V, I)
    n_carbon = 0.85 * 0.8561715 / (0.8561715 + 0.1438253) * AVOGADRO / atomic_mass("C12")
    carbon = det.nuclei.index("C12")
    assert column[2, carbon] == pytest.approx(1220.0 * n_carbon, rel=1e-12)
    n_si = 2.9 * 0.4674349 * AVOGADRO / atomic_mass("Si28")
    assert column[0, det.nuclei.index("Si28")] == pytest.approx(58200.0 * n_si, rel=1e-12)
    by_nucleus = det.column_density_by_nucleus(seg)[0]
    assert by_nucleus == pytest.approx(column.sum(axis=0))
    # pair depth through the oil: 1220 cm / (9/7 X0 / rho), PDG polyethylene X0 = 44.77 g/cm^2
    depth = det.pair_depth(seg, 60000.0 - 610.0, 60000.0 + 610.0)[0]
    assert depth == pytest.approx(1220.0 / (9 / 7 * 44.77 / 0.85), rel=3e-3)
    t_in, t_out = det.fiducial_interval(np.array([[0.0, 0.0, -60000.0]]), np.array([[0, 0, 1.0]]))
    assert (t_in[0], t_out[0]) == pytest.approx((59500.0, 60500.0))


def test_fiducial_interval_from_inside_and_missing():
    det = concentric()
    origins = np.array([[0.0, 0.0, 0.0], [5.0, 0.0, 0.0]])
    t_in, t_out = det.fiducial_interval(origins, np.tile([0.0, 0.0, 1.0], (2, 1)))
    assert (t_in[0], t_out[0]) == (0.0, 3.0)
    assert t_in[1] >= t_out[1]


# ---- integrals, inversion and sampling ---------------------------------------------------------


def test_integral_and_invert_round_trip(rng):
    det = toy_detector()
    origins, directions = random_rays(rng, 2000)
    seg = det.segments(origins, directions)
    rate = seg.per_volume(det.density)
    total = seg.integral(rate)
    assert total == pytest.approx(np.einsum("ij,ij->i", rate, seg.length))
    depth = rng.random(len(total)) * total
    t, k = seg.invert(rate, depth)
    assert seg.integral(rate, t_max=t) == pytest.approx(depth, rel=1e-9, abs=1e-9)
    hit = total > 0
    rows = np.arange(len(t))[hit]
    assert np.all(seg.start[rows, k[hit]] <= t[hit])
    assert np.all(t[hit] <= seg.end[rows, k[hit]])
    assert np.all(seg.volume[rows, k[hit]] >= 0)  # a point is never put where the rate is 0
    assert np.all(k[~hit] == -1)
    assert np.all(t[~hit] == 0)
    # partial integrals add up
    mid = 0.5 * seg.boundaries[:, -1]
    assert seg.integral(rate, t_max=mid) + seg.integral(rate, t_min=mid) == pytest.approx(total)
    # the running integral: 0 before the ray starts, the total beyond its end, and an empty
    # (reversed) interval integrates to 0
    column = seg.column(rate)
    assert np.all(column.at(-5.0) == 0.0)
    assert np.array_equal(column.at(1e9), total)
    assert np.all(column.between(mid, 0.5 * mid) == 0.0)
    overlap = np.clip(np.minimum(seg.end, mid[:, None]) - seg.start, 0.0, None)
    assert column.at(mid) == pytest.approx(np.einsum("ij,ij->i", rate, overlap), rel=1e-12)


def test_sampled_points_follow_the_rate(rng):
    # One ray through the toy detector; points drawn with density ~ rho must fall in each
    # volume with probability rho_v L_v / sum(rho L), and uniformly within a segment.
    det = toy_detector()
    n = 200_000
    origins = np.tile([1.0, -0.5, -59.0], (n, 1))
    directions = np.tile([0.0, 0.0, 1.0], (n, 1))
    seg = det.segments(origins, directions)
    rate = seg.per_volume(det.density)
    t, k, total = seg.sample(rate, rng)
    volume = seg.volume[np.arange(n), k]
    expected = det.density * seg.path_lengths()[0] / total[0]
    observed = np.bincount(volume, minlength=det.n_volumes)
    mask = expected > 0
    chi2 = np.sum((observed[mask] - n * expected[mask]) ** 2 / (n * expected[mask]))
    assert stats.chi2.sf(chi2, mask.sum() - 1) > 1e-3
    # within the lead core the position is uniform between its entry and exit
    core = det.volume_index("core")
    in_core = seg.volume[0] == core
    a, b = seg.start[0][in_core][0], seg.end[0][in_core][-1]
    u = (t[volume == core] - a) / (b - a)
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    # the sampled points are where the segments say
    points = origins[:2000] + t[:2000, None] * directions[:2000]
    assert np.array_equal(det.locate(points), volume[:2000])


def test_volume_at_and_per_volume(rng):
    det = toy_detector()
    origins, directions = random_rays(rng, 500)
    seg = det.segments(origins, directions)
    t = rng.uniform(0, 150, 500)
    assert np.array_equal(seg.volume_at(t), det.locate(origins + t[:, None] * directions))
    per_ray = rng.random((500, det.n_volumes))
    mapped = seg.per_volume(per_ray)
    rows, cols = np.nonzero(seg.volume >= 0)
    assert np.array_equal(mapped[rows, cols], per_ray[rows, seg.volume[rows, cols]])
    assert np.all(mapped[seg.volume < 0] == 0)
    rate = det.rate_per_volume(np.ones(len(det.nuclei)) * 1e-38)
    assert rate == pytest.approx(det.number_density.sum(axis=1) * 1e-38)


def test_bad_rate_is_rejected(rng):
    det = concentric()
    seg = det.segments(*random_rays(rng, 3))
    with pytest.raises(ConfigurationError, match="per_volume"):
        seg.integral(np.ones(det.n_volumes))
    with pytest.raises(ConfigurationError, match=">= 0"):
        seg.integral(-np.ones(seg.volume.shape))


# ---- validation --------------------------------------------------------------------------------


def test_equal_priority_overlap_is_rejected():
    with pytest.raises(GeometryError, match=r"volume 'b': overlaps volume 'a'.*priority 1"):
        Detector(
            "bad",
            (
                Volume("a", Cylinder((0.0, 0.0, 0.0), 1.0, 1.0), AIR, 1),
                Volume("b", ExtrudedPolygon(((0, 0), (2, 0), (0, 2)), 0.5, 3.0), AIR, 1),
            ),
            Sphere((0.0, 0.0, 0.0), 1.0),
        )


def test_touching_volumes_of_equal_priority_are_allowed():
    # Fe3 / Pb3 of MINERvA share the face x = 0; Fe1 / Pb1 share a chord.
    det = Detector(
        "ok",
        (
            Volume(
                "a",
                ExtrudedPolygon(((0, 0), (92, 53.116), (92, -53.116), (0, -106.232)), 0, 2),
                STEEL,
                1,
            ),
            Volume("b", ExtrudedPolygon(((0, 0), (0, -106.232), (-92, -53.116)), 0, 2), LEAD, 1),
            Volume("c", Box((0.0, 0.0, 3.0), (1.0, 1.0, 1.0)), LEAD, 1),  # touches at z = 2
        ),
        Sphere((0.0, 0.0, 0.0), 1.0),
    )
    assert det.n_volumes == 3


def test_duplicate_names_and_too_many_volumes():
    with pytest.raises(GeometryError, match="volume 'a': the name is used twice"):
        Detector(
            "bad",
            (
                Volume("a", Sphere((0, 0, 0), 1.0), AIR, 1),
                Volume("a", Sphere((0, 0, 0), 0.5), AIR, 2),
            ),
            Sphere((0.0, 0.0, 0.0), 1.0),
        )
    many = tuple(
        Volume(f"v{i}", Box((3.0 * i, 0.0, 0.0), (1.0, 1.0, 1.0)), AIR, 0)
        for i in range(MAX_VOLUMES + 1)
    )
    with pytest.raises(GeometryError, match="at most 52"):
        Detector("bad", many, Sphere((0.0, 0.0, 0.0), 1.0))


def test_max_volumes_resolve_priorities_exactly(rng):
    # 52 nested spheres: the top priority bit is 2^51, still exact in float64.
    volumes = tuple(
        Volume(f"s{i}", Sphere((0.0, 0.0, 0.0), 100.0 - i), AIR, i) for i in range(MAX_VOLUMES)
    )
    det = Detector("onion", volumes, Sphere((0.0, 0.0, 0.0), 1.0))
    impact = rng.uniform(0, 99, 200)
    origins = np.column_stack([impact, np.zeros(200), np.full(200, -200.0)])
    lengths = det.segments(origins, np.tile([0.0, 0.0, 1.0], (200, 1))).path_lengths()
    radii = 100.0 - np.arange(MAX_VOLUMES)
    chords = 2 * np.sqrt(np.clip(radii[None, :] ** 2 - impact[:, None] ** 2, 0, None))
    expected = chords - np.concatenate([chords[:, 1:], np.zeros((200, 1))], axis=1)
    assert lengths == pytest.approx(expected, abs=1e-8)
    assert math.isclose(lengths.sum(), chords[:, 0].sum(), rel_tol=1e-12)
