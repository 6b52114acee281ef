"""Proposals of the weighted Monte Carlo: exact densities, pilot optimisation, normalisation, and
agreement of very different proposals."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy import stats

from neutrissimo import ConfigurationError, DipoleModel
from neutrissimo.detector.geometry import Detector, Volume
from neutrissimo.detector.shapes import Box, Sphere
from neutrissimo.experiments.setups import load_setup
from neutrissimo.physics.kinematics import hnl_energy_and_angle, q2_range
from neutrissimo.simulation.coupling_ranges import coupling_range, serving_range
from neutrissimo.simulation.decay_proposals import (
    convert_photons,
    decay_lengths,
    sample_decays_mixture,
    sample_photons,
)
from neutrissimo.simulation.events import read_events
from neutrissimo.simulation.injection import generate
from neutrissimo.simulation.mixtures import Mixture
from neutrissimo.simulation.production_proposals import (
    energy_components,
    grown_target,
    q2_cone,
    sample_azimuth,
    sample_energy,
    sample_rays,
    sample_vertices,
)
from neutrissimo.simulation.proposals import (
    InjectionSettings,
    optimise_shares,
    run_until_kept,
)
from neutrissimo.simulation.trials import next_batch_size
from neutrissimo.statistics.histogram import fill_histogram


def region_settings(**kwargs) -> InjectionSettings:
    return InjectionSettings(
        start_z=-1000.0,
        inner_radius=10.0,
        outer_radius=100.0,
        near_z=(-10.0, 10.0),
        reference_z=0.0,
        log_min=1.0,
        log_max=100.0,
        decay_region=Sphere((0.0, 0.0, 0.0), 100.0),
        **kwargs,
    )


@pytest.mark.parametrize(
    "fiducial",
    [None, Sphere((0.0, 0.0, -50.0), 50.0), Box((0.0, 0.0, 0.0), (30.0, 30.0, 40.0))],
    ids=["no-fiducial", "sphere-from-a", "box-ahead"],
)
@pytest.mark.parametrize("decay_length", [0.3, 30.0, 3e4])  # cm, lab
def test_decay_mixture_density_is_exact(rng, decay_length, fiducial):
    """For one path entering the region at a = 50 cm and leaving at b = 250 cm, the draws x and
    their density q(x) satisfy E[1/q] = b - a and E[p/q] = exp(-a/L) - exp(-b/L) for the
    physical p = exp(-x/L)/L (any error in q or in the sampling breaks both), also with a
    fiducial volume: the first family of exponentials cut where the path leaves its bounding
    sphere (at 150 cm for the sphere, 208.3 cm for the box), the second family on the path's
    crossing of the volume itself ([50, 150] cm, [110, 190] cm)."""
    settings = region_settings(couplings=(1e-7, 1e-4))
    n = 200_000
    vertex = np.tile([0.0, 0.0, -150.0], (n, 1))
    direction = np.tile([0.0, 0.0, 1.0], (n, 1))
    beta_gamma = np.full(n, 20.0)
    ctau = decay_lengths(settings, 0.1, "dirac")
    x, q, valid, mixture = sample_decays_mixture(
        settings, rng, vertex, direction, beta_gamma, ctau, fiducial
    )
    assert valid.all()
    k = len(ctau)
    if fiducial is not None:  # only the uniform component goes beyond the bounding sphere
        centre, radius = fiducial.bounding_sphere()
        f_out = 150.0 + centre[2] + radius
        assert np.all(mixture.components[x > f_out, 1 : k + 1] == 0.0)
        beyond = (250.0 - f_out) / 200.0 * mixture.shares[0]  # the uniform draws beyond it
        assert np.mean(x > f_out) == pytest.approx(beyond, abs=4 * np.sqrt(beyond / n))
        # the second family lives on the crossing of the fiducial volume only
        v_in, v_out = (50.0, 150.0) if isinstance(fiducial, Sphere) else (110.0, 190.0)
        outside = (x < v_in - 1e-9) | (x > v_out + 1e-9)
        assert outside.any()
        assert np.all(mixture.components[outside, k + 1 :] == 0.0)
        assert mixture.available[:, k + 1 :].all()
    else:
        assert not mixture.available[:, k + 1 :].any()
    assert x.min() >= 50.0 - 1e-9
    assert x.max() <= 250.0 + 1e-9
    inverse = 1.0 / q
    assert inverse.mean() == pytest.approx(200.0, abs=4 * inverse.std() / np.sqrt(n))
    ratio = np.exp(-x / decay_length) / (decay_length * q)
    exact = np.exp(-50.0 / decay_length) - np.exp(-250.0 / decay_length)
    assert ratio.mean() == pytest.approx(exact, abs=4 * ratio.std() / np.sqrt(n) + 1e-300)
    # the lengths are a decade apart, so some g_k has L <= lambda_k = r L <= 10 L, and
    # E[ratio^2] <= int p^2 / (a_k g_k) = r / (2 - 1/r) exact^2 / a_k <= 5.3 exact^2 / a_k
    # (a_k: its normalised share; untruncated exponentials)
    a_k = mixture.shares[1] / (mixture.available[0] @ mixture.shares)
    assert np.mean(ratio**2) < 5.3 * exact**2 / a_k


def test_photon_bias_keeps_the_physical_distribution(rng):
    """Photons aimed at a sphere 3 m ahead and 1 m aside: with the weights p/q, cos theta* follows
    (1 + alpha cos)/2 and the probability to head into the sphere's cone equals that of
    unbiased photons; the bias makes most photons head there."""
    n = 200_000
    momentum = np.tile([0.0, 0.0, 0.3], (n, 1))  # m_N = 0.1 GeV: beta = 0.95
    point = np.zeros((n, 3))
    target = (np.array([100.0, 0.0, 300.0]), 50.0)
    alpha = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    biased = sample_photons(rng, momentum, 0.1, alpha, point, target, 0.8)
    plain = sample_photons(rng, momentum, 0.1, alpha, point, target, 0.0)
    assert np.all(plain[2] == 1.0)

    def in_cone(p4):
        direction = p4[:, 1:] / p4[:, :1]
        axis = target[0] / np.linalg.norm(target[0])
        return direction @ axis >= np.sqrt(1 - (50.0 / np.linalg.norm(target[0])) ** 2)

    hit_b, hit_p = in_cone(biased[0]), in_cone(plain[0])
    weight = biased[2]
    assert hit_b.mean() > 0.8  # the cap maps onto the cone: all biased draws land in it
    estimate = np.mean(weight * hit_b)
    error = np.hypot(np.std(weight * hit_b), np.std(hit_p)) / np.sqrt(n)
    assert estimate == pytest.approx(hit_p.mean(), abs=4 * error)
    edges = np.linspace(-1.0, 1.0, 11)
    for sign in (-1.0, 1.0):
        pick = alpha == sign
        hist = fill_histogram(biased[1][pick], weight[pick] / pick.sum(), edges)
        lo, hi = edges[:-1], edges[1:]
        expected = (hi - lo) / 2 + sign * (hi**2 - lo**2) / 4
        chi2 = np.sum((hist.sumw - expected) ** 2 / hist.sumw2)
        assert stats.chi2.sf(chi2, len(expected)) > 1e-3


def test_target_grows_by_the_photon_spread_for_upstream_vertices_only():
    """Decay region R = 100 cm at the origin, target 20 cm: vertices upstream of its front
    (z < -100 cm) see the target grown by R m_N / E (0.1 GeV HNL: 10 cm at 1 GeV, capped at R
    at 0.05 GeV), vertices inside the region the target itself."""
    settings = region_settings()
    vertex = np.array([[0.0, 0.0, -500.0], [0.0, 0.0, -500.0], [30.0, 0.0, -50.0]])
    centre, radius = grown_target(
        settings, (np.zeros(3), 20.0), 0.1, np.array([1.0, 0.05, 1.0]), vertex
    )
    np.testing.assert_allclose(centre, np.zeros(3))
    np.testing.assert_allclose(radius, [30.0, 100.0, 20.0], rtol=1e-12)


def test_azimuth_arcs_keep_the_uniform_azimuth(rng):
    """HNLs at 5 degrees from vertices 20 m upstream and 0-3 m off axis, azimuths from the
    uniform (10 %), the arc towards the decay region (R = 100 cm, 30 %), the arc towards a small
    target sphere (R = 20 cm, 40 %) and the arc towards that sphere grown to 25-45 cm (one
    radius per event, 20 %): with the weights (1/2 pi)/q the azimuth is uniform and the chance
    of crossing the small target's central disk equals the geometric one, which the bias
    raises."""
    n = 200_000
    settings = region_settings(
        azimuth_uniform_share=0.1, azimuth_target_share=0.4, azimuth_grown_share=0.2
    )
    off_axis = 300.0 * np.sqrt(rng.random(n))
    vertex = np.column_stack([off_axis, np.zeros(n), np.full(n, -2000.0)])
    cos_n = np.full(n, np.cos(np.radians(5.0)))
    grown = (np.zeros(3), rng.uniform(25.0, 45.0, n))
    phi, weight, mixture = sample_azimuth(settings, rng, vertex, cos_n, (np.zeros(3), 20.0), grown)
    assert mixture.components.shape == (n, 4)
    assert weight.mean() == pytest.approx(1.0, abs=4 * weight.std() / np.sqrt(n))
    edges = np.linspace(0.0, 2.0 * np.pi, 13)
    hist = fill_histogram(np.mod(phi, 2.0 * np.pi), weight / n, edges)
    chi2 = np.sum((hist.sumw - 1.0 / 12.0) ** 2 / hist.sumw2)
    assert stats.chi2.sf(chi2, 12) > 1e-3
    rho = 2000.0 * np.tan(np.radians(5.0))

    def distance(azimuth):  # of the straight path from the axis at z = 0
        return np.hypot(off_axis + rho * np.cos(azimuth), rho * np.sin(azimuth))

    hit, plain = distance(phi) <= 20.0, distance(rng.uniform(0.0, 2.0 * np.pi, n)) <= 20.0
    error = np.hypot(np.std(weight * hit), np.std(plain)) / np.sqrt(n)
    assert np.mean(weight * hit) == pytest.approx(plain.mean(), abs=4 * error)
    assert hit.mean() > 5 * plain.mean()
    inside = mixture.components > 0  # the grown arc holds the target's: more draws in it
    assert np.all(inside[:, 3] >= inside[:, 2] & mixture.available[:, 3])
    assert inside[:, 3].mean() > inside[:, 2].mean()


def test_azimuth_arcs_are_the_paths_crossing_the_spheres(rng):
    """The arcs hold exactly the azimuths whose straight paths cross their spheres, from
    vertices upstream, beside and downstream of them and for forward and backward HNLs (brute
    force: the path's closest approach to the centre, t >= 0); where an arc is unavailable the
    crossing does not depend on the azimuth (no path or every path crosses)."""
    n = 100_000
    settings = region_settings(azimuth_uniform_share=0.5, azimuth_target_share=0.2)
    vertex = rng.uniform(-400.0, 400.0, (n, 3))
    cos_n = rng.uniform(-1.0, 1.0, n)
    target = (np.array([10.0, -20.0, 30.0]), 60.0)
    grown = (target[0], np.full(n, 150.0))
    phi, _, mixture = sample_azimuth(settings, rng, vertex, cos_n, target, grown)
    sin_n = np.sqrt(1.0 - cos_n**2)

    def crosses(centre, radius, azimuth):
        path = np.column_stack([sin_n * np.cos(azimuth), sin_n * np.sin(azimuth), cos_n])
        w = centre - vertex
        ahead = np.maximum(np.sum(w * path, axis=1), 0.0)
        return np.linalg.norm(w - ahead[:, None] * path, axis=1) <= radius

    spheres = [(np.zeros(3), 100.0), target, (grown[0], 150.0)]
    for k, (centre, radius) in enumerate(spheres, start=1):
        hit = crosses(centre, radius, phi)
        arc = mixture.available[:, k]
        assert 0.1 < arc.mean() < 0.9
        assert np.array_equal(mixture.components[arc, k] > 0, hit[arc])
        assert np.array_equal(hit[~arc], crosses(centre, radius, phi + np.pi)[~arc])
    assert np.any(mixture.available[:, 2] & (cos_n < 0) & (vertex[:, 2] > target[0][2]))


def test_q2_cone_beside_the_target_reaches_backward_angles():
    """From a vertex beside the target sphere (R = 200 cm, 10 m off axis, level with it) the
    paths that cross it leave at 90 deg -+ 11.5 deg: the Q^2 interval starts at the angle
    theta_c - arcsin(R / D) and, as the cone reaches backward angles, ends at the kinematic
    Q^2_max; a vertex within 2 R of the centre has none."""
    energy, mass, m_n = np.array([2.0, 2.0]), np.array([26.1, 26.1]), 0.2
    vertex = np.array([[1000.0, 0.0, 0.0], [300.0, 0.0, 0.0]])
    q2 = q2_cone(vertex, energy, m_n, mass, (np.zeros(3), 200.0))
    _, cos_low = hnl_energy_and_angle(energy[:1], q2[:1, 0], m_n, mass[:1])
    np.testing.assert_allclose(cos_low, np.cos(0.5 * np.pi - np.arcsin(0.2)), atol=1e-7)
    np.testing.assert_allclose(q2[0, 1], q2_range(energy[:1], m_n, mass[:1])[1], rtol=1e-12)
    assert np.all(np.isnan(q2[1]))


@pytest.mark.parametrize("m_n", [0.08, 0.47])
@pytest.mark.parametrize("target_mass", [0.938, 11.17, 193.7])
def test_q2_cone_reaches_the_edges_of_the_target_sphere(m_n, target_mass):
    """The Q^2 interval of the focus maps back, through the two-body kinematics, to the polar
    angles theta_c -+ arcsin(R / D) of the paths that graze the target sphere (R = 100 cm,
    centre at distance D in direction theta_c) from vertices 3-250 m upstream, on and off
    axis, at neutrino energies from 1.1 x threshold to 20 GeV (cos theta within 1e-7, the
    rounding of Q^2 = 2 M (E - E_N) on heavy nuclei); no interval for vertices within 2 R of
    its centre or downstream of the decay region's front."""
    threshold = m_n + m_n**2 / (2 * target_mass)
    energy = np.array([1.1 * threshold, 3.0 * threshold, 10.0 * threshold, 20.0])
    vertex = np.array(
        [[0.0, 0.0, -300.0], [50.0, 0.0, -2000.0], [0.0, 400.0, -8000.0], [3000.0, 0.0, -25000.0]]
    )
    mass = np.full(4, target_mass)
    q2 = q2_cone(vertex, energy, m_n, mass, (np.zeros(3), 100.0), front_z=-250.0)
    r_perp, upstream = np.hypot(vertex[:, 0], vertex[:, 1]), -vertex[:, 2]
    centre, half = np.arctan2(r_perp, upstream), np.arcsin(100.0 / np.hypot(r_perp, upstream))
    for column, theta in enumerate([np.maximum(centre - half, 0.0), centre + half]):
        _, cos_n = hnl_energy_and_angle(energy, q2[:, column], m_n, mass)
        np.testing.assert_allclose(cos_n, np.cos(theta), rtol=0, atol=1e-7)
    for z, front in ((-150.0, 0.0), (-300.0, -400.0)):
        near = q2_cone(
            np.array([[0.0, 0.0, z]]), energy[:1], m_n, mass[:1], (np.zeros(3), 100.0), front
        )
        assert np.all(np.isnan(near))


def test_photons_inside_the_fiducial_host_skip_the_segments_with_the_same_result(rng):
    """MINERvA's fiducial prism lies in the tracker: photons starting inside it convert with
    one pair rate (no segments). A 1 mm plug of tracker material with a higher priority in a
    corner of the fiducial box changes no physics but disables that path: both give the same
    probabilities (1e-12) and conversion points (1e-9 cm) for the same random numbers, for
    photons from inside the prism and from the nuclear targets upstream."""
    detector = load_setup("minerva-me-fhc").detector
    tracker = detector.volumes[detector.volume_index("tracker")]
    assert detector.fiducial_host == detector.volume_index("tracker")
    plug = Volume("plug", Box((80.0, 93.0, 146.0), (0.05, 0.05, 0.05)), tracker.material, 9)
    plugged = Detector("plugged", (*detector.volumes, plug), detector.fiducial)
    assert plugged.fiducial_host == -1
    n = 20_000
    start = np.column_stack(
        [rng.uniform(-80.0, 80.0, n), rng.uniform(-45.0, 45.0, n), rng.uniform(0.0, 400.0, n)]
    )
    direction = rng.normal([0.0, 0.0, 3.0], 1.0, (n, 3))
    direction /= np.linalg.norm(direction, axis=1)[:, None]
    point, probability = convert_photons(detector, np.random.default_rng(7), start, direction)
    point_ref, probability_ref = convert_photons(
        plugged, np.random.default_rng(7), start, direction
    )
    inside = detector.fiducial.contains(start)
    assert 0.3 < inside.mean() < 0.7
    assert np.mean(probability[inside] > 0) == 1.0
    assert np.mean(probability[~inside] > 0) > 0.2
    np.testing.assert_allclose(probability, probability_ref, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(point, point_ref, rtol=0, atol=1e-9)


def test_rays_with_a_core_disk_cover_the_plane_uniformly(rng):
    """Rays from the inner (r_in = 10 cm), Cauchy, middle (30 cm), core (4 cm) and wide
    (100 cm) disks, 40 % of them in the core: weighted by 1/q they count the area of every
    annulus (chi^2), and the core holds its share plus the other disks' part of it."""
    n = 200_000
    settings = region_settings(ray_shares=(0.2, 0.2, 0.1, 0.4), middle_radius=30.0, core_radius=4.0)
    origins, weight, mixture = sample_rays(settings, rng, n)
    radius = np.hypot(origins[:, 0], origins[:, 1])
    edges = np.array([0.0, 2.0, 4.0, 7.0, 10.0, 20.0, 30.0, 60.0, 100.0])
    hist = fill_histogram(radius, weight / n, edges)
    area = np.pi * np.diff(edges**2)
    chi2 = np.sum((hist.sumw - area) ** 2 / hist.sumw2)
    assert stats.chi2.sf(chi2, len(area)) > 1e-3
    in_core = np.mean(radius < 4.0)
    expected = 0.4 + 0.2 * (4.0 / 10.0) ** 2 + 0.1 * (4.0 / 30.0) ** 2  # + Cauchy and wide
    assert expected < in_core < expected + 0.03
    np.testing.assert_allclose(1.0 / weight, mixture.density(), rtol=1e-12)


@pytest.mark.parametrize("offset", [0.0, 25.0], ids=["through-the-fiducial", "beside-it"])
def test_vertex_mixture_reproduces_the_rate_along_the_ray(rng, offset):
    """Rays along z through rock (lambda 1e-4 /cm) holding a plane slab (lambda 1e-3 /cm,
    z = 0-40 cm) with the fiducial box (|x|, |y| < 10, z = 10-30 cm) in it; half the vertex
    shares on the fiducial chord (component f). Weighted by lambda/q, the vertices reproduce
    int lambda dt in every z bin (chi^2) with or without a chord, and the share of vertices
    on z = 10-30 cm is the one the components' shares and chords give (5 sigma)."""
    minerva = load_setup("minerva-me-fhc").detector
    rock = minerva.volumes[minerva.volume_index("dirt")].material
    plane = minerva.volumes[minerva.volume_index("tracker")].material
    fiducial = Box((0.0, 0.0, 20.0), (10.0, 10.0, 10.0))
    detector = Detector(
        "toy",
        (
            Volume("rock", Box((0.0, 0.0, 0.0), (200.0, 200.0, 1000.0)), rock, 0),
            Volume("slab", Box((0.0, 0.0, 20.0), (200.0, 200.0, 20.0)), plane, 1),
        ),
        fiducial,
    )
    n = 100_000
    shares = np.array([0.1, 0.1, 0.1, 0.1, 0.1, 0.5])
    settings = replace(region_settings(vertex_shares=tuple(shares)), start_z=-900.0)
    origins = np.tile([offset, 0.0, -900.0], (n, 1))
    segments = detector.segments(origins, np.tile([0.0, 0.0, 1.0], (n, 1)))
    per_volume = np.tile([1e-4, 1e-3], (n, 1))
    reach = (np.array([0.0, 0.0, 20.0]), np.full(n, 60.0))
    t, volume, weight, mixture, lam = sample_vertices(
        settings, origins, segments, per_volume, rng, None, reach, fiducial
    )
    z = settings.start_z + t
    edges = np.array([-900.0, -100.0, -60.0, -20.0, -1.0, 0.0, 10.0, 30.0, 40.0, 80.0, 1000.0])
    fine = np.linspace(edges[0], edges[-1], 400_001)
    mid = 0.5 * (fine[1:] + fine[:-1])
    rate = np.where((mid >= 0.0) & (mid <= 40.0), 1e-3, 1e-4)
    cumulative = np.concatenate([[0.0], np.cumsum(rate * np.diff(fine))])

    def column(low: float, high: float) -> float:
        return float(np.diff(np.interp([low, high], fine, cumulative))[0])

    hist = fill_histogram(z, weight / n, edges)
    expected = np.diff(np.interp(edges, fine, cumulative))
    chi2 = np.sum((hist.sumw - expected) ** 2 / hist.sumw2)
    assert stats.chi2.sf(chi2, len(expected)) > 1e-3
    # chords in z of (a) the ray, (b) the near window, (d) the region, (e) the reach sphere,
    # (f) the fiducial box; (c) lies upstream of z = -1
    half_region, half_reach = np.sqrt(100.0**2 - offset**2), np.sqrt(60.0**2 - offset**2)
    chords = [(-900.0, 1000.0), (-10.0, 10.0), (-half_region, half_region)]
    chords += [(20.0 - half_reach, 20.0 + half_reach), (10.0, 30.0)]
    on = [column(max(a, 10.0), min(b, 30.0)) / column(a, b) if b > 10 else 0.0 for a, b in chords]
    used = shares[[0, 1, 3, 4, 5]] * ([1, 1, 1, 1, 0] if offset else 1)
    fraction = np.dot(used, on) / (used.sum() + shares[2])
    assert np.mean((z >= 10.0) & (z <= 30.0)) == pytest.approx(fraction, abs=5 * np.sqrt(0.25 / n))
    assert not mixture.available[:, 5].any() if offset else mixture.available[:, 5].all()
    in_slab = (z >= 0.0) & (z <= 40.0)
    np.testing.assert_array_equal(volume, in_slab.astype(int))
    np.testing.assert_allclose(lam, np.where(in_slab, 1e-3, 1e-4), rtol=1e-12)


def test_energy_mixture_keeps_the_flux(rng):
    """Flux quantiles from the plain flux (20 %), Phi sigma (30 %) and Phi sigma / E (50 %), with
    sigma rising and E falling steeply in u: weighted by 1/q(u) they are uniform in u (the
    flux itself), while half of the draws go where Phi sigma / E is large."""
    n = 200_000
    edges = np.linspace(0.0, 1.0, 65)
    mid = 0.5 * (edges[1:] + edges[:-1])
    components = energy_components(edges, 10.0 ** (-2.0 * mid), mid**2)
    np.testing.assert_allclose(components.T @ np.diff(edges), 1.0, rtol=1e-12)
    settings = region_settings(flux_share=0.2, low_energy_share=0.5)
    u, mixture = sample_energy(settings, rng, edges, components, n)
    weight = 1.0 / mixture.density()
    hist = fill_histogram(u, weight / n, np.linspace(0.0, 1.0, 11))
    chi2 = np.sum((hist.sumw - 0.1) ** 2 / hist.sumw2)
    assert stats.chi2.sf(chi2, 10) > 1e-3
    low = np.argmax(components[:, 2])
    assert np.mean((u >= edges[low]) & (u < edges[low + 1])) > 0.5 * components[low, 2] / 64


def test_kleiss_pittau_recovers_the_optimal_shares(rng):
    """Target f = 0.8 N(0, 1) + 0.2 N(5, 1), proposal a_1 N(0, 1) + a_2 N(5, 1) drawn at (0.5,
    0.5): the variance is zero at a = (0.8, 0.2), which the optimisation finds."""
    n = 20_000
    first = rng.random(n) < 0.5
    x = np.where(first, rng.normal(0.0, 1.0, n), rng.normal(5.0, 1.0, n))
    g = np.column_stack([stats.norm.pdf(x), stats.norm.pdf(x, 5.0)])
    f = g @ np.array([0.8, 0.2])
    mixture = Mixture(np.array([0.5, 0.5]), g, np.ones_like(g, dtype=bool))
    second = (f / mixture.density()) ** 2
    shares, gain = optimise_shares({"x": mixture}, second, floor=0.01, iterations=200)
    np.testing.assert_allclose(shares["x"], [0.8, 0.2], atol=0.01)
    assert gain < 0.9


def test_keeping_only_weighted_trials_is_unbiased(rng):
    """Each trial is kept with p = 0.3 and weight 1: the rate estimate of run_until_kept, sum of
    the kept weights, is p on average for n = 5 kept events (n/N would be ~8% high)."""

    def draw(size):
        kept = np.flatnonzero(rng.random(size) < 0.3)
        return {"trial": kept, "weight_production": np.ones(len(kept))}

    estimates = []
    for _ in range(4000):
        columns, _ = run_until_kept(draw, 5, None)
        estimates.append(columns["weight_production"].sum())
    estimates = np.array(estimates)
    assert estimates.mean() == pytest.approx(0.3, abs=3 * estimates.std() / np.sqrt(4000))


def test_batches_stop_near_the_last_kept_event_and_stay_unbiased(rng):
    """Trials kept with p = 0.3: a sample of 30 000 events needs ~1e5 trials. The batch sizes
    follow the kept fraction, so at most 30 % more trials are drawn than the sample uses (fixed
    batches of 50 000 would draw 150 000); the estimate stays p; with 5 kept events it is p on
    average over many samples (the estimator's exactness does not depend on the batch sizes)."""
    sizes = []

    def draw(size):
        sizes.append(size)
        kept = np.flatnonzero(rng.random(size) < 0.3)
        return {"trial": kept, "weight_production": np.ones(len(kept))}

    columns, trials = run_until_kept(draw, 30_000, None)
    assert len(columns["weight_production"]) == 30_000
    assert sizes[0] == 50_000
    assert len(sizes) >= 2
    assert trials <= sum(sizes) <= 1.3 * trials
    rate, sigma = columns["weight_production"].sum(), np.sqrt(0.3 * 0.7 / trials)
    assert rate == pytest.approx(0.3, abs=4 * sigma)
    assert next_batch_size(100, 0, 0) == 10_000
    assert next_batch_size(10_000, 20_000, 50_000) == 32_250


def test_coupling_range_spans_a_grid_and_a_default_range():
    assert coupling_range(np.array([1e-8, 1e-6, 1e-5])) == (1e-8, 1e-5)
    assert coupling_range(np.array([0.0, 1e-6, 1e-3]), (1e-8, 1e-5)) == (1e-8, 1e-3)
    with pytest.raises(ConfigurationError, match="positive coupling"):
        coupling_range(np.zeros(3))


def test_serving_range_is_a_decade_centred_on_the_coupling():
    low, high = serving_range(2e-6)
    assert high / low == pytest.approx(10.0)
    assert np.sqrt(low * high) == pytest.approx(2e-6)
    assert serving_range(2e-6, decades=0.0) == (2e-6, 2e-6)
    with pytest.raises(ConfigurationError, match="coupling > 0"):
        serving_range(0.0)


def compare(a, b, model):
    """Rates within 3 combined errors; photon-energy and direction spectra chi2-compatible."""
    wa, wb = a.weights(model), b.weights(model)
    sa, sb = a.summary(model), b.summary(model)
    assert sa.rate == pytest.approx(sb.rate, abs=3 * np.hypot(sa.error, sb.error))
    for column, edges in (
        ("photon_energy", np.array([0.0, 0.1, 0.2, 0.3, 0.5, 0.8, 1.5, 10.0])),
        ("cos", np.array([-1.0, 0.5, 0.8, 0.9, 0.95, 0.98, 0.995, 1.0])),
    ):
        va = a["photon_direction"][:, 2] if column == "cos" else a[column]
        vb = b["photon_direction"][:, 2] if column == "cos" else b[column]
        ha, hb = fill_histogram(va, wa, edges), fill_histogram(vb, wb, edges)
        var = ha.sumw2 + hb.sumw2
        keep = var > 0
        chi2 = np.sum((ha.sumw - hb.sumw)[keep] ** 2 / var[keep])
        assert stats.chi2.sf(chi2, keep.sum()) > 1e-3, column


#: Extreme shares on a narrow coupling range (90 % of photons and azimuths aimed at the
#: fiducial volume, 60 % of neutrino energies from Phi sigma / E).
EXTREME = {
    "couplings": (3e-7, 3e-6),
    "photon_focus_share": 0.9,
    "azimuth_uniform_share": 0.05,
    "azimuth_target_share": 0.9,
    "azimuth_grown_share": 0.03,
    "flux_share": 0.3,
    "low_energy_share": 0.6,
}


@pytest.fixture(scope="module")
def legacy_light():
    """MiniBooNE, m_N = 0.1 GeV: 1e5 events of the legacy proposal (every trial kept,
    uniform + log-uniform decays, physical photons)."""
    setup = load_setup("miniboone")
    return generate(
        setup,
        DipoleModel(m_N=0.1, d_mu=1e-6),
        100_000,
        np.random.default_rng(5),
        settings=setup.injection.legacy(),
    )


def test_two_very_different_proposals_agree(legacy_light):
    """MiniBooNE, m_N = 0.1 GeV: the legacy proposal and a mixture with extreme fixed shares
    (:data:`EXTREME`, and most vertices drawn jointly far upstream or in the reach sphere
    around the fiducial volume) give the same rates and photon spectra at three couplings."""
    setup = load_setup("miniboone")
    extreme = replace(
        setup.injection,
        **EXTREME,
        pilot_rounds=0,
        joint_shares=(0.3, 0.3),
        ray_shares=(0.2, 0.05, 0.05),
        vertex_shares=(0.05, 0.05, 0.1, 0.1, 0.7),
        decay_uniform_share=0.05,
    )
    model = DipoleModel(m_N=0.1, d_mu=1e-6)
    mixture = generate(setup, model, 40_000, np.random.default_rng(6), settings=extreme)
    assert mixture.metadata["proposal"]["photon_focus_share"] == 0.9
    for d in (3e-7, 1e-6, 3e-6):
        compare(legacy_light, mixture, DipoleModel(m_N=0.1, d_mu=d))


def test_defensive_trials_keep_the_rates(legacy_light):
    """Half of the trials drawn with the extreme given shares of :data:`EXTREME`, half with
    the pilot's, every trial weighted by the mixture of both proposals: the rates and photon
    spectra agree with the legacy proposal's at three couplings; both sets of shares are
    recorded, and a defensive share outside [0, 1) is refused."""
    setup = load_setup("miniboone")
    given = replace(setup.injection, **EXTREME, defensive_share=0.5)
    model = DipoleModel(m_N=0.1, d_mu=1e-6)
    mixed = generate(setup, model, 40_000, np.random.default_rng(7), settings=given)
    proposal = mixed.metadata["proposal"]
    assert proposal["defensive_share"] == 0.5
    assert proposal["defensive"]["photon_focus_share"] == 0.9
    assert proposal["photon_focus_share"] != 0.9  # the pilot's
    for d in (3e-7, 1e-6, 3e-6):
        compare(legacy_light, mixed, DipoleModel(m_N=0.1, d_mu=d))
    with pytest.raises(ConfigurationError, match="defensive_share in"):
        replace(setup.injection, defensive_share=1.0)


#: Photons converting in the fiducial volume with the legacy implementation (mean of 4 seeds x
#: 1e6 events, the issue's "must hold" numbers): point -> (rate, standard error).
REFERENCE = {
    ("miniboone", 0.47, 1.25e-6): (3666.0, 32.0),
    ("miniboone", 0.08, 1.7e-7): (2320.0, 17.0),
    ("minerva-me-fhc", 0.47, 1.25e-6): (40893.0, 295.0),
    ("minerva-me-fhc", 0.08, 1.7e-7): (276.4, 3.3),
}


@pytest.mark.slow
@pytest.mark.parametrize("point", list(REFERENCE), ids=str)
def test_benchmark_rates_agree_with_the_legacy_reference(point):
    """The paper's benchmark points: the pilot-optimised mixture serving the couplings that
    ``simulate`` gives a point (a decade around it) reproduces the legacy rates within 3
    combined standard errors, with ESS/N above the issue's floor of 0.05 (legacy:
    0.0012-0.0048 at these points; measured with this seed 0.287-0.356, pulls -1.38 to 0.69)."""
    name, m_n, d = point
    events = generate(
        load_setup(name),
        DipoleModel(m_N=m_n, d_mu=d),
        200_000,
        np.random.default_rng(9),
        couplings=serving_range(d),
    )
    summary = events.summary()
    rate, error = REFERENCE[point]
    assert summary.rate == pytest.approx(rate, abs=3 * np.hypot(summary.error, error))
    assert summary.ess_fraction > 0.05


def test_proposal_is_recorded_in_the_parquet_metadata(tmp_path):
    setup = load_setup("miniboone")
    events = generate(
        setup, DipoleModel(m_N=0.2, d_mu=1e-6), 2_000, np.random.default_rng(3),
        couplings=(1e-7, 1e-5),
    )  # fmt: skip
    back = read_events(events.to_parquet(tmp_path / "events.parquet"))
    proposal = back.metadata["proposal"]
    assert proposal["proposal"] == "mixture"
    assert proposal["couplings"] == [1e-7, 1e-5]
    assert len(proposal["decay_shares"]) == 2 * len(proposal["decay_ctau_cm"]) + 1
    assert sum(proposal["decay_shares"]) == pytest.approx(1.0)
    rounds = back.metadata["pilot"]
    assert len(rounds) == setup.injection.pilot_rounds == 2
    # 2 000 events: the last round draws max(2 n_events, 5000) trials, the first a quarter
    assert [r["trials"] for r in rounds] == [1250, 5000]
    assert rounds[-1]["shares"]["decay"] == pytest.approx(proposal["decay_shares"])
    assert back.metadata["n_trials"] >= len(back)
    legacy = InjectionSettings(**{**setup.injection.__dict__, **{"proposal": "legacy"}}).legacy()
    assert legacy.as_dict()["photon_focus_share"] == 0.0


def test_the_pilot_grows_with_the_sample():
    """The last pilot round has max(pilot_events, pilot_fraction x n_events) trials (at most
    max(2 n_events, 5000)), the first a quarter of it (at least 1000); a fraction outside
    [0, 1] is refused."""
    setup = load_setup("miniboone")
    model = DipoleModel(m_N=0.2, d_mu=1e-6)
    for fraction, n_events, trials in ((0.5, 4_000, [1000, 2000]), (0.05, 4_000, [1000, 1500])):
        settings = replace(setup.injection, pilot_events=1_500, pilot_fraction=fraction)
        events = generate(setup, model, n_events, np.random.default_rng(3), settings=settings)
        assert [r["trials"] for r in events.metadata["pilot"]] == trials
    with pytest.raises(ConfigurationError, match="pilot_fraction in"):
        replace(setup.injection, pilot_fraction=1.5)
