"""Proposals of the decay distance and of the photon direction
(:mod:`neutrissimo.simulation.proposals`)."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from neutrissimo.detector.geometry import Detector
from neutrissimo.detector.shapes import Shape, Sphere
from neutrissimo.exceptions import ConfigurationError
from neutrissimo.physics.decay import sample_photon_cos
from neutrissimo.physics.kinematics import boost, orthonormal_basis, rotate_from_z
from neutrissimo.physics.model import DipoleModel, HNLNature
from neutrissimo.simulation.mixtures import Mixture, pick
from neutrissimo.simulation.proposals import InjectionSettings

__all__ = [
    "convert_photons",
    "decay_lengths",
    "decay_shares",
    "photon_target",
    "sample_decays_legacy",
    "sample_decays_mixture",
    "sample_photons",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def sample_decays_legacy(
    settings: InjectionSettings, rng: np.random.Generator, vertex: FloatArray, direction: FloatArray
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Decay distance x (cm): uniform over the path's crossing of the decay region, mixed with
    log-uniform on [decay_min, exit]; its density q(x) (1/cm) and whether the path reaches the
    region."""
    n = len(vertex)
    t_in, t_out = settings.decay_region.intersect(vertex, direction)
    x_in = np.maximum(t_in, 0.0)
    x_lo = settings.decay_min
    valid = (t_out > x_in) & (t_out > x_lo)
    x_out = np.where(valid, t_out, 2.0 * x_lo)
    x_in = np.where(valid, x_in, x_lo)
    share = settings.decay_uniform_share
    uniform = rng.random(n) < share
    level = rng.random(n)
    log_span = np.log(x_out / x_lo)
    x = np.where(uniform, x_in + level * (x_out - x_in), x_lo * np.exp(level * log_span))
    q = share * ((x >= x_in) & (x <= x_out)) / np.maximum(x_out - x_in, 1e-300) + (1.0 - share) / (
        x * log_span
    )
    return x, q, valid


def decay_lengths(settings: InjectionSettings, m_N: float, nature: HNLNature) -> FloatArray:
    """Proper decay lengths c tau_k (cm) of the exponential components: log-spaced from
    c tau(d_max) to c tau(d_min), ``decay_lengths_per_decade`` per decade (c tau ~ 1/d^2)."""
    d_min, d_max = settings.couplings
    decades = 2.0 * math.log10(d_max / d_min)
    k = max(math.ceil(decades * settings.decay_lengths_per_decade), 0) + 1
    shortest = DipoleModel(m_N=m_N, d_mu=d_max, nature=nature).ctau
    return shortest * np.logspace(0.0, decades, k)


def decay_shares(settings: InjectionSettings, n_lengths: int) -> FloatArray:
    """Shares of (uniform, K exponentials from the vertex side, K across the fiducial volume) of
    the decay mixture (see ``decay_shares``)."""
    if settings.decay_shares:
        if len(settings.decay_shares) != 2 * n_lengths + 1:
            raise ConfigurationError(
                f"decay_shares has {len(settings.decay_shares)} entries; the coupling range "
                f"{settings.couplings} needs {2 * n_lengths + 1} (uniform + 2 x {n_lengths} "
                "exponentials)."
            )
        return np.asarray(settings.decay_shares, dtype=float)
    u = settings.decay_uniform_share
    return np.array([u] + [(1.0 - u) / (2 * n_lengths)] * (2 * n_lengths))


def sample_decays_mixture(
    settings: InjectionSettings,
    rng: np.random.Generator,
    vertex: FloatArray,
    direction: FloatArray,
    beta_gamma: FloatArray,
    ctau: FloatArray,
    fiducial: Shape | None = None,
) -> tuple[FloatArray, FloatArray, BoolArray, Mixture]:
    """Decay distance x (cm) on the path's crossing [a, b] of the decay region (a >= 0), from a
    mixture of the uniform density on [a, b] and of exponentials truncated to [s, c] with the
    lab lengths lambda_k = beta gamma c tau_k of :func:`decay_lengths`,

        g_k(x) = exp(-(x - s)/lambda_k) / (lambda_k (1 - exp(-(c - s)/lambda_k))),  s <= x <= c,

    so that for every coupling of the range some g_k has nearly the shape of the physical
    exp(-x/L)/L on [s, c] (which is exp(-(x - s)/L) up to a constant). Two families of K:

    - from the vertex side, s = a, and c = b or, where the path leaves the ``fiducial``
      volume's bounding sphere inside [a, b], that exit: a photon from a decay beyond it reaches
      the fiducial volume only backwards, and the uniform component alone (pilot-optimised
      share) covers that part;
    - across the fiducial volume itself, [s, c] = its crossing by the path within [a, b]
      (unavailable where the path misses it): an HNL made upstream (e.g. in MINERvA's nuclear
      targets) or passing by mostly decays where its photon converts with certainty.

    Without ``fiducial``, c = b and the second family is unavailable.
    Returns x, q(x) (1/cm), whether the path reaches the region, and the mixture record."""
    n = len(vertex)
    t_in, t_out = settings.decay_region.intersect(vertex, direction)
    a = np.maximum(t_in, 0.0)
    valid = t_out > a
    a = np.where(valid, a, 0.0)
    span = np.where(valid, t_out - a, 1.0)
    reach = span  # c - a of the first family
    entry, leave = np.zeros(n), np.zeros(n)  # s - a and c - a of the second
    crosses = np.zeros(n, dtype=bool)
    if fiducial is not None:
        centre, radius = fiducial.bounding_sphere()
        _, f_out = Sphere(tuple(centre), radius).intersect(vertex, direction)
        reach = np.where(valid & (f_out > a), np.minimum(f_out - a, span), span)
        v_in, v_out = fiducial.intersect(vertex, direction)
        entry = np.clip(v_in - a, 0.0, span)
        leave = np.clip(v_out - a, 0.0, span)
        crosses = valid & (leave > entry)
    lengths = beta_gamma[:, None] * ctau[None, :]  # (n, K)
    k_lengths = len(ctau)
    shares = decay_shares(settings, k_lengths)
    available = np.ones((n, len(shares)), dtype=bool)
    available[:, k_lengths + 1 :] = crosses[:, None]
    component = pick(rng, shares, available)
    level = rng.random(n)
    second = component > k_lengths
    k = np.where(second, component - k_lengths - 1, np.maximum(component - 1, 0))
    lam = np.take_along_axis(lengths, k[:, None], 1)[:, 0]
    start = np.where(second, entry, 0.0)
    end = np.where(second, leave, reach)
    draw = start - lam * np.log1p(level * np.expm1(-(end - start) / lam))
    offset = np.where(component == 0, level * span, np.clip(draw, start, end))
    x = a + offset
    first = _truncated_exponential(offset, np.zeros(n), reach, lengths)
    across = crosses[:, None] * _truncated_exponential(offset, entry, leave, lengths)
    components = np.column_stack([1.0 / span, first, across])
    mixture = Mixture(shares, components, available)
    return x, mixture.density(), valid, mixture


def _truncated_exponential(
    offset: FloatArray, start: FloatArray, end: FloatArray, lengths: FloatArray
) -> FloatArray:
    """Densities (n, K) at ``offset`` (n,) of exponentials with ``lengths`` (n, K) truncated to
    [start, end] (cm, per event); 0 outside it or where the interval is empty."""
    s, e, x = start[:, None], end[:, None], offset[:, None]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        mass = -np.expm1(-(e - s) / lengths)
        density = np.exp(-(x - s) / lengths) / (lengths * mass)
    inside = (x >= s) & (x <= e) & (mass > 0)
    return np.where(inside, density, 0.0)


def photon_target(settings: InjectionSettings, shape: Shape) -> tuple[FloatArray, float]:
    """Centre and radius (cm) of the sphere the photon bias aims at: ``shape``'s bounding sphere
    (the ball itself for a sphere, else through the corners of its bounding box), with radius
    ``photon_target_radius`` instead if that is not 0."""
    centre, radius = shape.bounding_sphere()
    return centre, settings.photon_target_radius or radius


def _rest_angle(psi: FloatArray, beta: FloatArray, gamma: FloatArray) -> FloatArray:
    """Rest-frame angle (from the boost axis, signed in a plane containing it) of a photon at
    lab angle psi: tan psi* = sin psi / (gamma (cos psi - beta))."""
    return np.arctan2(np.sin(psi), gamma * (np.cos(psi) - beta))


def sample_photons(
    rng: np.random.Generator,
    momentum: FloatArray,
    m_N: float,
    alpha: FloatArray,
    decay_point: FloatArray,
    target: tuple[FloatArray, float],
    share: float,
) -> tuple[FloatArray, FloatArray, FloatArray, Mixture]:
    """Photons of N -> nu gamma with rest-frame directions biased towards a target sphere.

    The physical rest-frame density is p(n*) = (1 + alpha cos theta*) / (4 pi) (theta* from the
    HNL direction, :mod:`neutrissimo.physics.decay`). The lab cone of directions from the decay
    point towards the sphere (centre c, radius R; half-angle A, sin A = R/|c - x|) is, in the rest
    frame, again a circular cap (Lorentz transformations map circles on the sphere of directions to
    circles); its diameter in the plane of the HNL direction and c joins the rest-frame images of
    the two extreme lab directions psi_c -+ A. Directions are drawn from

        q(n*) = (1 - f) p(n*) + f 1[n* in cap] / Omega*,   Omega* = 2 pi (1 - cos A*),

    with f = ``share`` where the decay point lies outside the sphere (else f = 0), and carry the
    exact weight p/q <= 1/(1 - f). Returns the lab four-momenta (n, 4), cos theta*, the weight
    and the mixture record (components p and the cap density).
    """
    n = len(momentum)
    p = np.linalg.norm(momentum, axis=1)
    energy = np.sqrt(p**2 + m_N**2)
    beta, gamma = p / energy, energy / m_N
    axis = momentum / np.where(p > 0, p, 1.0)[:, None]
    centre, radius = target
    to_centre = centre[None, :] - decay_point
    dist = np.linalg.norm(to_centre, axis=1)
    has_cap = (dist > radius * (1.0 + 1e-9)) & (share > 0) & (p > 0)
    c = to_centre / np.where(dist > 0, dist, 1.0)[:, None]
    cos_c = np.sum(c * axis, axis=1)
    perp = c - cos_c[:, None] * axis
    perp_norm = np.linalg.norm(perp, axis=1)
    e = perp / np.maximum(perp_norm, 1e-300)[:, None]
    along = np.flatnonzero(perp_norm <= 1e-12)  # c along the axis: any unit vector normal to it
    e[along] = orthonormal_basis(axis[along])[0]
    psi_c = np.arctan2(perp_norm, cos_c)
    half = np.arcsin(np.clip(radius / np.maximum(dist, radius), 0.0, 1.0))
    lo = _rest_angle(psi_c - half, beta, gamma)
    hi = _rest_angle(psi_c + half, beta, gamma)
    width = np.mod(hi - lo, 2.0 * np.pi)
    cap_centre = lo + 0.5 * width
    one_minus_cos = 2.0 * np.sin(0.25 * width) ** 2  # 1 - cos A*, A* = width / 2
    cos_cap = 1.0 - one_minus_cos
    cap_axis = np.cos(cap_centre)[:, None] * axis + np.sin(cap_centre)[:, None] * e
    solid = 2.0 * np.pi * one_minus_cos
    has_cap &= solid > 0
    f = np.where(has_cap, share, 0.0)
    on_cap = rng.random(n) < f
    cos_phys = sample_photon_cos(rng, alpha)
    cos_in_cap = 1.0 - rng.random(n) * one_minus_cos
    phi = 2.0 * np.pi * rng.random(n)
    rest_direction = rotate_from_z(
        np.where(on_cap, cos_in_cap, cos_phys), phi, np.where(on_cap[:, None], cap_axis, axis)
    )
    cos_star = np.clip(np.sum(rest_direction * axis, axis=1), -1.0, 1.0)
    inside = np.sum(rest_direction * cap_axis, axis=1) >= cos_cap
    pdf = (1.0 + alpha * cos_star) / (4.0 * np.pi)
    components = np.column_stack([pdf, inside / np.where(solid > 0, solid, 1.0)])
    mixture = Mixture(
        np.array([1.0 - share, share]),
        components,
        np.column_stack([np.ones(n, dtype=bool), has_cap]),
    )
    q = mixture.density()
    weight = np.where(q > 0, pdf / np.where(q > 0, q, 1.0), 0.0)
    rest = np.empty((n, 4))
    rest[:, 0] = 0.5 * m_N
    rest[:, 1:] = 0.5 * m_N * rest_direction
    return boost(rest, momentum / energy[:, None]), cos_star, weight, mixture


def convert_photons(
    detector: Detector, rng: np.random.Generator, start: FloatArray, direction: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Conversion points forced inside the fiducial volume and their probability: with tau the
    optical depth in pair-production lengths, P = exp(-tau_in) - exp(-tau_out) for the fiducial
    crossing, the depth drawn from exp(-tau) on [tau_in, tau_out]; P = 0 (never NaN) on a miss.

    Photons that start inside the fiducial volume and stay in its host volume up to their exit
    (:attr:`~neutrissimo.detector.geometry.Detector.fiducial_host`) cross one material, of pair
    rate r: tau = r s, P = 1 - exp(-r s_out), s = -ln(1 - u P) / r, without the segments."""
    n = len(start)
    s_a, s_b = detector.fiducial.intersect(start, direction)
    s_in = np.maximum(s_a, 0.0)
    hit = s_b > s_in
    level = rng.random(n)
    probability, s = np.zeros(n), np.zeros(n)
    host = detector.fiducial_host
    simple = np.zeros(n, dtype=bool)
    if host >= 0:
        shape = detector.volumes[host].shape
        inside = np.flatnonzero(hit & (s_a <= 0.0))
        exits = start[inside] + s_b[inside, None] * direction[inside]
        simple[inside[shape.contains(start[inside]) & shape.contains(exits)]] = True
        rate = float(detector.inverse_pair_length[host])
        if rate > 0:
            one = np.flatnonzero(simple)
            probability[one] = -np.expm1(-rate * s_b[one])
            s[one] = np.minimum(-np.log1p(-level[one] * probability[one]) / rate, s_b[one])
    general = np.flatnonzero(hit & ~simple)  # only these need the material along their path
    segments = detector.segments(start[general], direction[general])
    column = detector.pair_column(segments)
    s_in, s_out = s_in[general], s_b[general]
    tau_in = column.at(s_in)
    tau_out = column.at(s_out)
    inside_p = -np.expm1(-(tau_out - tau_in))  # P(convert within the fiducial crossing | reach)
    probability[general] = np.exp(-tau_in) * inside_p
    depth, _ = column.invert(tau_in - np.log1p(-level[general] * inside_p))
    s[general] = np.clip(depth, s_in, np.maximum(s_out, s_in))
    return start + s[:, None] * direction, probability
