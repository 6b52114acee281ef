"""Proposals of the production point and HNL direction (see
:mod:`neutrissimo.simulation.proposals`).

The production point is drawn either as a ray parallel to the beam and a vertex along it
(:func:`sample_rays`, :func:`sample_vertices`) or jointly (:func:`sample_joint`); its density
is q = (1 - sum_k s_k) q_ray q_vertex + sum_k s_k q_joint,k and its weight lambda / q.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from neutrissimo.detector.segments import Segments
from neutrissimo.detector.shapes import Shape
from neutrissimo.physics.kinematics import q2_at_angle, q2_range
from neutrissimo.simulation.mixtures import Mixture, pick
from neutrissimo.simulation.proposals import InjectionSettings

__all__ = [
    "energy_components",
    "grown_target",
    "joint_components",
    "q2_cone",
    "q2_foci",
    "q2_focus",
    "ray_components",
    "reach_sphere",
    "sample_azimuth",
    "sample_energy",
    "sample_joint",
    "sample_rays",
    "sample_vertices",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def energy_components(u_edges: FloatArray, energy: FloatArray, rate: FloatArray) -> FloatArray:
    """Densities in the flux quantile u, per bin of ``u_edges`` (bin-centre neutrino energies
    ``energy`` in GeV, reference interaction rates ``rate`` per cm), of the three components
    of the energy proposal: the plain flux (1), the flux times the rate (Phi sigma_ref,
    normalised) and Phi sigma_ref / E (normalised): a long-lived HNL decays in the detector
    with probability ~ m_N L / (|p_N| c tau) ~ 1/E and reaches it from wider angles at low E,
    so low-energy neutrinos carry more weight. Shape (bins, 3)."""
    widths = np.diff(u_edges)

    def normalised(f: FloatArray) -> FloatArray:
        return f / np.sum(f * widths) if np.any(f > 0) else np.ones_like(f)

    return np.column_stack([np.ones_like(rate), normalised(rate), normalised(rate / energy)])


def sample_energy(
    settings: InjectionSettings,
    rng: np.random.Generator,
    u_edges: FloatArray,
    components: FloatArray,
    n: int,
) -> tuple[FloatArray, Mixture]:
    """Flux quantiles u in (0, 1) from the piecewise-constant mixture of
    :func:`energy_components` with shares (``flux_share``, the rest, ``low_energy_share``),
    and the mixture record (the density in u is ``mixture.density()``; the energy weight is
    I_th / q(u), I_th the flux above threshold)."""
    shares = np.array(
        [
            settings.flux_share,
            1.0 - settings.flux_share - settings.low_energy_share,
            settings.low_energy_share,
        ]
    )
    widths = np.diff(u_edges)
    cdf = np.concatenate([[0.0], np.cumsum((components @ shares) * widths)])
    cdf /= cdf[-1]
    level = rng.random(n)
    k = np.clip(np.searchsorted(cdf, level, side="right") - 1, 0, len(widths) - 1)
    frac = (level - cdf[k]) / np.maximum(cdf[k + 1] - cdf[k], 1e-300)
    u = np.clip(u_edges[k] + np.clip(frac, 0.0, 1.0) * widths[k], 1e-12, 1.0 - 1e-12)
    mixture = Mixture(shares, components[k], np.ones((n, 3), dtype=bool))
    return u, mixture


def ray_components(settings: InjectionSettings, radius: FloatArray) -> Mixture:
    """The ray mixture at transverse distances ``radius`` (cm) from the beam axis: uniform disks
    of radius r_in (share a_1), r_mid (a_3) and r_core (a_4), a "Cauchy" disk of density
    1 / (pi ln(1 + R_out^2/r_in^2) (r^2 + r_in^2)) up to R_out (a_2) and a uniform disk of
    radius R_out (the rest); densities per cm^2."""
    r_in, r_out = settings.inner_radius, settings.outer_radius
    shares = np.array(settings.ray_shares)
    shares = np.append(shares, max(1.0 - shares.sum(), 0.0))
    log_span = np.log1p((r_out / r_in) ** 2)

    def disk(r: float) -> FloatArray:
        return np.asarray((radius < r) / (np.pi * r**2), dtype=np.float64)

    components = np.column_stack(
        [
            disk(r_in),
            (radius <= r_out) / (np.pi * log_span * (radius**2 + r_in**2)),
            disk(settings.middle_radius),
            disk(settings.core_radius),
            (radius <= r_out) / (np.pi * r_out**2),
        ]
    )
    return Mixture(shares, components, np.ones(components.shape, dtype=bool))


def sample_rays(
    settings: InjectionSettings, rng: np.random.Generator, n: int
) -> tuple[FloatArray, FloatArray, Mixture]:
    """Ray origins (n, 3) at z = start_z from :func:`ray_components`, their transverse weights
    1/q(x, y) (cm^2) and the mixture record."""
    r_in, r_out = settings.inner_radius, settings.outer_radius
    edges = np.cumsum(settings.ray_shares)
    log_span = np.log1p((r_out / r_in) ** 2)
    component = rng.random(n)
    level = rng.random(n)
    radius = np.select(
        [component < edges[0], component < edges[1], component < edges[2], component < edges[3]],
        [
            r_in * np.sqrt(level),
            r_in * np.sqrt(np.expm1(level * log_span)),  # inverse of ln(1 + r^2/r0^2)
            settings.middle_radius * np.sqrt(level),
            settings.core_radius * np.sqrt(level),
        ],
        r_out * np.sqrt(level),
    )
    phi = 2.0 * np.pi * rng.random(n)
    z = np.full(n, settings.start_z)
    origins = np.column_stack([radius * np.cos(phi), radius * np.sin(phi), z])
    mixture = ray_components(settings, radius)
    return origins, 1.0 / mixture.density(), mixture


def _joint_rho(settings: InjectionSettings, z: FloatArray) -> FloatArray:
    """(n, K) Cauchy scales rho_k = max(theta_k (z_region - z), inner_radius) in cm."""
    upstream = np.maximum(settings.decay_region.center[2] - z, 0.0)
    angles = np.asarray(settings.joint_angles, dtype=float)
    return np.asarray(
        np.maximum(upstream[:, None] * angles[None, :], settings.inner_radius), dtype=np.float64
    )


def joint_components(settings: InjectionSettings, points: FloatArray) -> FloatArray:
    """(n, K) densities (cm^-3) of the joint components at production points (n, 3):
    1[D in range] / (D ln(log_max/log_min)) * 1[r <= R_out] / (pi ln(1 + R_out^2/rho^2)
    (r^2 + rho^2)), D = reference_z - z, r the distance from the decay region's axis."""
    centre = settings.decay_region.center
    r = np.hypot(points[:, 0] - centre[0], points[:, 1] - centre[1])
    upstream = settings.reference_z - points[:, 2]
    in_range = (upstream >= settings.log_min) & (upstream <= settings.log_max)
    q_d = np.where(
        in_range,
        1.0
        / (np.maximum(upstream, settings.log_min) * np.log(settings.log_max / settings.log_min)),
        0.0,
    )
    rho = _joint_rho(settings, points[:, 2])
    r_out = settings.outer_radius
    q_r = (r <= r_out)[:, None] / (
        np.pi * np.log1p((r_out / rho) ** 2) * (r[:, None] ** 2 + rho**2)
    )
    return q_d[:, None] * q_r


def sample_joint(
    settings: InjectionSettings, rng: np.random.Generator, n: int
) -> tuple[NDArray[np.intp], FloatArray]:
    """Which events take a joint component (0: ray then vertex; k >= 1: component k) and the
    production points (n, 3) of the joint draws (see :func:`joint_components`)."""
    shares = np.array([1.0 - sum(settings.joint_shares), *settings.joint_shares])
    component = pick(rng, shares, np.ones((n, len(shares)), dtype=bool))
    upstream = settings.log_min * (settings.log_max / settings.log_min) ** rng.random(n)
    z = settings.reference_z - upstream
    rho = np.take_along_axis(_joint_rho(settings, z), np.maximum(component - 1, 0)[:, None], 1)
    rho = rho[:, 0]
    span = np.log1p((settings.outer_radius / rho) ** 2)
    r = rho * np.sqrt(np.expm1(rng.random(n) * span))
    phi = 2.0 * np.pi * rng.random(n)
    centre = settings.decay_region.center
    points = np.column_stack([centre[0] + r * np.cos(phi), centre[1] + r * np.sin(phi), z])
    return component, points


def sample_vertices(
    settings: InjectionSettings,
    origins: FloatArray,
    segments: Segments,
    per_volume: FloatArray,
    rng: np.random.Generator,
    fixed: FloatArray | None = None,
    reach: tuple[FloatArray, FloatArray] | None = None,
    fiducial: Shape | None = None,
) -> tuple[FloatArray, NDArray[np.intp], FloatArray, Mixture, FloatArray]:
    """Distance t (cm) of the vertex along each ray, its volume, the weight lambda(t)/q(t), the
    mixture record and lambda(t) (cm^-1).

    ``segments`` are the rays' :class:`~neutrissimo.detector.segments.Segments`, ``per_volume`` (n,
    V) the interaction rate lambda (cm^-1) of each ray's energy in each volume. Where ``fixed`` is
    finite, t is taken from it (points drawn by :func:`sample_joint`) and only evaluated.
    ``reach`` = (centre (3,), radius (n,)) in cm: the reach sphere of component (e) per ray;
    ``fiducial``: the fiducial volume, whose chord is component (f) (without them, those
    components are unavailable). Components (a), (b), (d), (e), (f) are lambda(t) normalised
    on their stretch of the ray (whole ray, near window, chords), (c) log-uniform in distance.
    """
    n = len(per_volume)
    along_z = np.tile([0.0, 0.0, 1.0], (n, 1))
    column = segments.column(segments.per_volume(per_volume))
    t_near = settings.near_z[0] - settings.start_z
    t_far = settings.near_z[1] - settings.start_z
    total = column.total
    shares = np.asarray(settings.vertex_shares, dtype=float)
    found = [  # (t_in, t_out) of components (b), (d), (e), (f); None: no share, no look-ups
        (np.full(n, t_near), np.full(n, t_far)),
        settings.decay_region.intersect(origins, along_z) if shares[3] > 0 else None,
        _crossing(origins, settings.start_z, *reach)
        if shares[4] > 0 and reach is not None
        else None,
        fiducial.intersect(origins, along_z) if shares[5] > 0 and fiducial is not None else None,
    ]
    zero = np.zeros(n)
    chords = [
        (zero, zero) if c is None else (np.maximum(c[0], 0.0), np.maximum(c[1], 0.0)) for c in found
    ]
    starts, stretches = [], []
    for chord, (t_in, t_out) in zip(found, chords, strict=True):
        before = zero if chord is None else column.at(t_in)
        after = zero if chord is None else column.at(t_out)
        starts.append(before)
        stretches.append(np.where(t_out > t_in, np.maximum(after - before, 0.0), 0.0))
    near, region, close, inside = stretches
    available = np.column_stack(
        [total > 0, near > 0, np.ones(n, dtype=bool), region > 0, close > 0, inside > 0]
    )
    component = pick(rng, shares, available)
    level = rng.random(n)
    slot = np.array([0, 0, 0, 1, 2, 3])[component]  # chord of each component but (a), (c)
    start = np.choose(slot, starts)
    depth = np.where(component == 0, level * total, start + level * np.choose(slot, stretches))
    t_matter, _ = column.invert(depth)
    log_span = np.log(settings.log_max / settings.log_min)
    distance = settings.log_min * np.exp(level * log_span)  # upstream of reference_z
    t_log = settings.reference_z - distance - settings.start_z
    t = np.where(component == 2, t_log, t_matter)
    if fixed is not None:
        t = np.where(np.isfinite(fixed), fixed, t)
    volume = segments.volume_at(t).astype(np.intp)
    lam = np.where(
        volume >= 0, np.take_along_axis(per_volume, np.maximum(volume, 0)[:, None], 1)[:, 0], 0.0
    )
    upstream = settings.reference_z - (settings.start_z + t)
    q_log = np.where(
        (upstream >= settings.log_min) & (upstream <= settings.log_max),
        1.0 / (np.maximum(upstream, settings.log_min) * log_span),
        0.0,
    )
    on_chord = [
        lam * ((t >= t_in) & (t <= t_out)) / np.where(c > 0, c, 1.0)
        for (t_in, t_out), c in zip(chords, stretches, strict=True)
    ]
    components = np.column_stack(
        [lam / np.where(total > 0, total, 1.0), on_chord[0], q_log, *on_chord[1:]]
    )
    mixture = Mixture(shares, components, available)
    q = mixture.density()
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = np.where((lam > 0) & (q > 0), lam / q, 0.0)
    return t, volume, weight, mixture, lam


def reach_sphere(
    settings: InjectionSettings,
    fiducial: Shape,
    longest_ctau: float,
    m_N: float,
    energy: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """The reach sphere of vertex component (e): centre (3,) and radius per event (cm), the
    fiducial volume's bounding sphere grown by ``reach_decay_lengths`` times the longest lab
    decay length of the coupling range, ``longest_ctau`` (cm) E_nu / m_N (GeV; E_nu bounds
    |p_N|): from outside it, at most a fraction exp(-reach_decay_lengths) of any HNL of the
    range survives to the fiducial volume, so short-lived HNLs are made inside it."""
    centre, radius = fiducial.bounding_sphere()
    return centre, radius + settings.reach_decay_lengths * longest_ctau * energy / m_N


def _crossing(
    origins: FloatArray, start_z: float, centre: FloatArray, radius: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Entry and exit distances t (cm, >= 0) of rays along +z from ``origins`` (at z =
    ``start_z``) through spheres (``centre``, ``radius`` per ray); empty: t_in = t_out = 0."""
    perp2 = (origins[:, 0] - centre[0]) ** 2 + (origins[:, 1] - centre[1]) ** 2
    half = np.sqrt(np.maximum(radius**2 - perp2, 0.0))
    t_in = np.maximum(centre[2] - half - start_z, 0.0)
    t_out = np.maximum(centre[2] + half - start_z, 0.0)
    hit = radius**2 > perp2
    return np.where(hit, t_in, 0.0), np.where(hit, t_out, 0.0)


def q2_focus(settings: InjectionSettings, vertex: FloatArray, energy: FloatArray) -> FloatArray:
    """Preferred Q^2 (GeV^2) of vertices far upstream of the decay region (NaN elsewhere): the
    HNL must fly at theta* ~ max(r_perp, R/2) / L_up to reach it, and Q^2 ~ (E theta*)^2."""
    centre = np.asarray(settings.decay_region.center, dtype=float)
    radius = settings.decay_region.radius
    upstream = centre[2] - vertex[:, 2]
    r_perp = np.hypot(vertex[:, 0] - centre[0], vertex[:, 1] - centre[1])
    far = upstream > 2.0 * radius
    theta = np.maximum(r_perp, 0.5 * radius) / np.where(far, upstream, 1.0)
    return np.where(far, (energy * theta) ** 2, np.nan)


def grown_target(
    settings: InjectionSettings,
    target: tuple[FloatArray, float],
    m_N: float,
    energy: FloatArray,
    vertex: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """The photon ``target`` sphere (centre, radius in cm), grown for vertices upstream of the
    decay region by R_region m_N / E (E the neutrino energy in GeV, ~ the HNL's), at most to
    the decay region's radius: photons leave the HNL's path at ~ 1/gamma = m_N / E_N, so from
    decays anywhere in the decay region they reach the fiducial volume from paths that far
    from the target (from vertices inside it, the flight and the spread are shorter). The Q^2
    focus (:func:`q2_foci`) and the azimuth arc (:func:`sample_azimuth`) aim at it."""
    centre, radius = settings.decay_region.center, settings.decay_region.radius
    upstream = vertex[:, 2] < centre[2] - radius
    grown = np.minimum(target[1] + radius * m_N / energy, max(radius, target[1]))
    return np.asarray(target[0], dtype=float), np.where(upstream, grown, target[1])


def q2_foci(
    settings: InjectionSettings,
    vertex: FloatArray,
    energy: FloatArray,
    m_N: float,
    target_mass: FloatArray,
    grown: tuple[FloatArray, FloatArray],
) -> tuple[FloatArray | None, FloatArray | None, list[float]]:
    """The foci of the Q^2 proposal and their shares: ``legacy``, the centres of its normal
    (:func:`q2_focus`); else the Q^2 ranges (n, 2, 2) (:func:`q2_cone`) of the paths that cross
    the ``grown`` photon target sphere (:func:`grown_target`: centre, radius per event in cm)
    and of those that cross the decay region, which holds every decay that counts. Returns
    (centres or None, ranges or None, shares)."""
    if settings.proposal == "legacy":
        return q2_focus(settings, vertex, energy), None, [settings.q2_focus_share]
    centre, radius = np.asarray(settings.decay_region.center), settings.decay_region.radius
    spheres = (grown, (centre, radius))
    ranges = [q2_cone(vertex, energy, m_N, target_mass, s, centre[2] - radius) for s in spheres]
    return None, np.stack(ranges, axis=1), [settings.q2_focus_share, settings.q2_region_share]


def q2_cone(
    vertex: FloatArray,
    energy: FloatArray,
    m_N: float,
    target_mass: FloatArray,
    sphere: tuple[FloatArray, float | FloatArray],
    front_z: float = np.inf,
) -> FloatArray:
    """Q^2 interval (n, 2) (GeV^2) of the HNL polar angles theta of the paths that cross
    ``sphere`` (centre, radius R in cm, one or per event), from vertices upstream of
    ``front_z`` (cm; the decay region's front: from inside it photons reach the fiducial volume
    at angles far from the HNL's path) and more than 2 R from the centre, upstream, beside or
    downstream of it (NaN elsewhere): a path crosses the sphere only if theta lies within
    arcsin(R / D) of the angle theta_c of the direction to the centre (D the distance to it).
    Q^2 from the two-body kinematics on a target of mass ``target_mass`` (GeV) at rest
    (:func:`~neutrissimo.physics.kinematics.q2_at_angle`, forward angles); an interval reaching
    beyond theta = pi/2 extends to the kinematic Q^2_max (backward angles, a superset)."""
    centre, radius = np.asarray(sphere[0], dtype=float), np.asarray(sphere[1], dtype=float)
    upstream = centre[2] - vertex[:, 2]
    r_perp = np.hypot(vertex[:, 0] - centre[0], vertex[:, 1] - centre[1])
    distance = np.hypot(r_perp, upstream)
    far = np.flatnonzero((distance > 2.0 * radius) & (vertex[:, 2] < front_z))
    radius_far = np.broadcast_to(radius, upstream.shape)[far]
    theta_c = np.arctan2(r_perp[far], upstream[far])
    half = np.arcsin(np.minimum(radius_far / distance[far], 1.0))
    theta = np.clip(np.column_stack([theta_c - half, theta_c + half]), 0.0, 0.5 * np.pi)
    q2 = np.full((len(vertex), 2), np.nan)
    q2[far] = q2_at_angle(energy[far, None], np.cos(theta), m_N, target_mass[far, None])
    backward = theta_c + half > 0.5 * np.pi
    q2[far[backward], 1] = q2_range(energy[far[backward]], m_N, target_mass[far[backward]])[1]
    return q2


def _arc(
    centre: FloatArray,
    radius: float | FloatArray,
    vertex: FloatArray,
    cos_n: FloatArray,
    sin_n: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Azimuth phi_c of the direction to ``centre`` and half-width h of the arc |phi - phi_c|
    <= h of the azimuths whose straight paths at polar angle theta (``cos_n``, ``sin_n``) from
    ``vertex`` cross the sphere of ``radius`` (cm, one or per event) about ``centre``. With
    w = centre - vertex, the path reaches the sphere iff w . n >= (|w|^2 - R^2)^(1/2), and
    w . n = |w_perp| sin(theta) cos(phi - phi_c) + w_z cos(theta): a single arc, for vertices
    anywhere outside the sphere and forward or backward HNLs (h = 0 where no azimuth reaches
    it, pi where all do, and for vertices inside it)."""
    w = centre - vertex
    w_perp = np.hypot(w[:, 0], w[:, 1])
    clearance = np.sqrt(np.maximum(np.sum(w * w, axis=1) - radius**2, 0.0))
    reach = w_perp * sin_n
    along = clearance - w[:, 2] * cos_n  # needed from the azimuthal part
    with np.errstate(divide="ignore", invalid="ignore"):
        c0 = np.where(reach > 0, along / reach, np.where(along <= 0, -np.inf, np.inf))
    half = np.where(clearance > 0, np.arccos(np.clip(c0, -1.0, 1.0)), np.pi)
    return np.arctan2(w[:, 1], w[:, 0]), half


def sample_azimuth(
    settings: InjectionSettings,
    rng: np.random.Generator,
    vertex: FloatArray,
    cos_n: FloatArray,
    target: tuple[FloatArray, float],
    grown: tuple[FloatArray, FloatArray],
) -> tuple[FloatArray, FloatArray, Mixture]:
    """HNL azimuth about the beam (from +x towards +y) and its weight (1/2 pi)/q(phi): a mixture
    of the uniform azimuth (share ``azimuth_uniform_share``), the arc of azimuths whose straight
    path crosses the decay region (the rest), the arc of those crossing ``target`` (centre,
    radius in cm: the sphere the photons aim at; share ``azimuth_target_share``) and the arc of
    those crossing ``grown`` (centre, radius per event: that
    sphere grown by the photons' spread, :func:`grown_target`; ``azimuth_grown_share``). An arc
    exists for an event where it is neither empty nor the full circle; the shares of those that
    do not are dropped and the rest renormalised
    (:class:`~neutrissimo.simulation.mixtures.Mixture`)."""
    n = len(vertex)
    sin_n = np.sqrt(np.clip(1.0 - cos_n**2, 0.0, 1.0))
    region = np.asarray(settings.decay_region.center, dtype=float)
    a_uniform, a_target = settings.azimuth_uniform_share, settings.azimuth_target_share
    a_grown = settings.azimuth_grown_share
    arcs = [
        _arc(region, settings.decay_region.radius, vertex, cos_n, sin_n),
        _arc(np.asarray(target[0], dtype=float), target[1], vertex, cos_n, sin_n),
        _arc(grown[0], grown[1], vertex, cos_n, sin_n)
        if a_grown > 0
        else (np.zeros(n), np.zeros(n)),
    ]
    shares = np.array([a_uniform, 1.0 - a_uniform - a_target - a_grown, a_target, a_grown])
    available = np.column_stack(
        [np.ones(n, dtype=bool)] + [(half > 0) & (half < np.pi) for _, half in arcs]
    )
    if a_uniform == 0.0:  # arcs only where one exists: keep the uniform component elsewhere
        available[:, 0] = ~np.any(available[:, 1:] & (shares[1:] > 0), axis=1)
    order = np.array([1, 2, 3, 0])  # the arcs, then the uniform azimuth: as drawn before
    component = order[pick(rng, shares[order], available[:, order])]
    level = rng.random(n)
    phi = 2.0 * np.pi * level
    components = [np.full(n, 1.0 / (2.0 * np.pi))]
    for k, (back, half) in enumerate(arcs, start=1):
        phi = np.where(component == k, back + (2.0 * level - 1.0) * half, phi)
    for back, half in arcs:
        offset = np.angle(np.exp(1j * (phi - back)))  # in (-pi, pi]
        components.append((np.abs(offset) <= half) / np.where(half > 0, 2.0 * half, 1.0))
    mixture = Mixture(shares, np.column_stack(components), available)
    return phi, 1.0 / (2.0 * np.pi * mixture.density()), mixture
